"""Fixtures of the drizzle tests: tiny synthetic visits and drizzled simulated visits."""
from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from hapsvm.mosaic import CosmicRayParams
from hapsvm.mosaic import DrizzleParams
from hapsvm.mosaic import PixmapCache
from hapsvm.mosaic import SkyParams
from hapsvm.mosaic import WorkBudget
from hapsvm.mosaic import build_output_grid
from hapsvm.mosaic import chip_outline_sky
from hapsvm.mosaic import drizzle_product
from hapsvm.mosaic import read_exposure_chips
from hapsvm.mosaic.chips import Exposure
from hapsvm.mosaic.grid import OutputGrid
from hapsvm.mosaic.pipeline import ProductDrizzle
from tests.mosaic.synth import TinyVisit
from tests.mosaic.synth import make_tiny_visit


@dataclass
class Drizzled:
    """A simulated visit drizzled with the pipeline's filter-product sequence."""

    detector: str
    visit: Any
    exposures: list[Exposure]
    grid: OutputGrid
    cache: PixmapCache
    result: ProductDrizzle
    workdir: Path


@pytest.fixture(scope="session")
def tiny_visit(tmp_path_factory: pytest.TempPathFactory) -> TinyVisit:
    """Four one-chip synthetic exposures with stars and cosmic rays (electrons)."""
    return make_tiny_visit(tmp_path_factory.mktemp("tiny"), n_cr=60, shape=(120, 140))


#: Image sizes giving enough isolated, bright, unsaturated stars for the flux test.
SIZES = {"acs_wfc": 1024, "wfc3_ir": 1014}
#: The shipped filter-product settings used for the simulated visits (spec §7.3).
SETTINGS = {
    "acs_wfc": {"sky": SkyParams(stat="median"),
                "cr": CosmicRayParams(combine_type="minmed", driz_cr_snr=(3.5, 3.0),
                                      driz_cr_scale=(1.5, 1.2)),
                "drizzle": DrizzleParams(final_bits=336)},
    "wfc3_ir": {"sky": SkyParams(stat="median"),
                "cr": CosmicRayParams(combine_type="median"),
                "drizzle": DrizzleParams(final_bits=528)},
}


@pytest.fixture(scope="session")
def drizzle_sim(sim_visit_factory: Callable[..., Any],
                tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Drizzled]:
    """``drizzle_sim(detector)``: a 4-exposure visit (1014² IR, 2 × 512×1024 ACS) without
    pointing errors or galaxies, drizzled as a filter product (cached per detector)."""
    cache: dict[str, Drizzled] = {}

    def _make(detector: str) -> Drizzled:
        if detector not in cache:
            visit = sim_visit_factory(detector=detector, size=SIZES[detector],
                                      pointing_error=False, n_galaxies=0)
            exposures = [read_exposure_chips(p) for p in visit.imaging_paths]
            chips = [c for e in exposures for c in e.chips]
            grid = build_output_grid([chip_outline_sky(c.wcs, c.shape) for c in chips],
                                     pixel_scale_arcsec=chips[0].pixel_scale_arcsec)
            work = tmp_path_factory.mktemp(f"drizzle_{detector}")
            pixmaps = PixmapCache(work / "pixmaps", grid)
            result = drizzle_product(exposures, grid, pixmaps, workdir=work,
                                     budget=WorkBudget(max_workers=2),
                                     **SETTINGS[detector])  # type: ignore[arg-type]
            cache[detector] = Drizzled(detector, visit, exposures, grid, pixmaps, result, work)
        return cache[detector]

    return _make
