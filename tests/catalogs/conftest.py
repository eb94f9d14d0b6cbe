"""Fixtures of the catalogue tests: synthetic drizzle-like products with truth, their catalogues."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pytest
from astropy.table import Table
from omegaconf import OmegaConf
from scipy.spatial import cKDTree

from hapsvm.catalogs import CatalogParameters
from hapsvm.catalogs import DetectorCatalogs
from hapsvm.catalogs import build_catalogs
from hapsvm.catalogs import read_product
from tests.catalogs.synthetic import SynthProducts
from tests.catalogs.synthetic import make_products

#: instrument group of each synthetic detector
INSTRUMENTS = {"wfc3_ir": "wfc3", "acs_wfc": "acs"}
#: synthetic field per detector: (size px, stars, galaxies)
FIELDS = {"wfc3_ir": (512, 260, 70), "acs_wfc": (1024, 650, 150)}


@dataclass
class CatalogCase:
    """Synthetic products, their truth and the catalogues made from them."""

    products: SynthProducts
    params: CatalogParameters
    catalogs: DetectorCatalogs

    @property
    def truth(self) -> Table:
        return self.products.truth

    def match(self, table: Table, xcol: str = "X-Center", ycol: str = "Y-Center"
              ) -> tuple[np.ndarray, np.ndarray]:
        """Distance (px) from each truth source to its nearest catalogue row, and that row."""
        tree = cKDTree(np.column_stack([table[xcol], table[ycol]]))
        return tree.query(np.column_stack([self.truth["x"], self.truth["y"]]))

    def interior(self, margin: float = 40.0) -> np.ndarray:
        """Truth sources away from the uncovered border and the edge strips."""
        size = self.products.size
        x, y = np.asarray(self.truth["x"]), np.asarray(self.truth["y"])
        return (x > margin) & (x < size - 1 - margin) & (y > margin) & (y < size - 1 - margin)


def detector_params(composer: object, detector: str, **overrides: object) -> CatalogParameters:
    """The ``make_catalogs`` values composed from conf/ for ``detector`` (n4 bin)."""
    cfg = composer.compose({"instrument": INSTRUMENTS[detector], "detector": detector,  # type: ignore[attr-defined]
                            "nexp": "n4"}, ["input=unused"])
    values = OmegaConf.to_container(cfg.make_catalogs, resolve=True)
    assert isinstance(values, dict)
    values.update(overrides)
    return CatalogParameters(**values)  # type: ignore[arg-type]


@pytest.fixture(scope="session")
def catalog_case(tmp_path_factory: pytest.TempPathFactory, composer: object
                 ) -> Callable[..., CatalogCase]:
    """``catalog_case(detector)`` → cached synthetic products and their catalogues."""
    cache: dict[str, CatalogCase] = {}

    def _make(detector: str) -> CatalogCase:
        if detector not in cache:
            size, n_stars, n_gal = FIELDS[detector]
            out = tmp_path_factory.mktemp(f"synth_{detector}")
            products = make_products(out, detector=detector, size=size, n_stars=n_stars,
                                     n_galaxies=n_gal, seed=3, n_dropouts=4)
            params = detector_params(composer, detector)
            total = read_product(products.total, filter_name="total")
            filters = [read_product(p, filter_name=f) for f, p in products.filters.items()]
            cache[detector] = CatalogCase(products, params, build_catalogs(total, filters, params))
        return cache[detector]

    return _make


def synth_dir(tmp_path: Path, **kwargs: object) -> SynthProducts:
    """Small synthetic products in ``tmp_path`` (for tests that change parameters)."""
    return make_products(tmp_path, **kwargs)  # type: ignore[arg-type]
