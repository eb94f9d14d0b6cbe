"""Catalogue metadata (spec §9.6) and ECSV writing with −9999.0 for missing values."""
from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

import numpy as np
from astropy.table import Column
from astropy.table import MaskedColumn
from astropy.table import Table

from hapsvm.catalogs.flags import FLAG_NOTES
from hapsvm.catalogs.image import HEADER_KEYS
from hapsvm.catalogs.image import ProductImage
from hapsvm.catalogs.params import CatalogParameters

__all__ = ["FILL_VALUE", "CatalogInfo", "catalog_meta", "filled", "write_catalog"]

#: Written in place of NaN, infinite and masked values (spec §9.5).
FILL_VALUE = -9999.0

_FOOTNOTE = (
    "h00 Hubble Advanced Products (HAP) single-visit catalogue, re-created by hapsvm",
    "h01 Produced by photutils point (aperture) and segment photometry on drizzled products",
    "h02 Sources are detected once on the total (detection) image of the detector;",
    "h03 each filter image is measured at the same positions (forced photometry),",
    "h04 so every catalogue of a detector shares source IDs.",
    "h05 Magnitudes are uncorrected aperture magnitudes unless a column says otherwise",
    "h06 (FluxAp2Cor / MagAp2Cor are aperture-corrected to infinity; see 'Aperture correction').",
    "h07 Please cite the HAP and photutils papers when using these catalogues.",
    "h08 ------------------------------------------------------------------------",
)


@dataclass
class CatalogInfo:
    """What a catalogue header says beyond the product's own keywords."""

    kind: str
    """``point`` or ``segment``."""
    threshold_sigma: float
    """Detection threshold in noise units."""
    n_sources: int
    recipe_version: str = ""
    extra: dict[str, object] = field(default_factory=dict)
    """Further header entries (background, aperture correction, quality notes...)."""


def catalog_meta(image: ProductImage, params: CatalogParameters, info: CatalogInfo
                 ) -> dict[str, object]:
    """Ordered ECSV header of one catalogue (spec §9.6 keys first, then hapsvm's own).

    Parameters
    ----------
    image
        The product the catalogue was measured on (its header values).
    params
        Catalogue parameters (aperture radii, CI limits).
    info
        Catalogue type, threshold, row count and extra entries.
    """
    meta: dict[str, object] = {f"h{i:02d}": line[4:] for i, line in enumerate(_FOOTNOTE)}
    hm = image.header_meta
    for name, _ in HEADER_KEYS[:2]:
        meta[name] = hm.get(name, "")
    meta["Proposal ID"] = hm.get("Proposal ID", "")
    meta["Image File Name"] = hm.get("Image File Name", "")
    for name, _ in HEADER_KEYS[3:14]:
        meta[name] = hm.get(name, "")
    meta["Aper1 (arcsec)"] = params.aperture_1_arcsec
    meta["Aper2 (arcsec)"] = params.aperture_2_arcsec
    meta["Threshold (sigma)"] = float(info.threshold_sigma)
    for name, _ in HEADER_KEYS[14:]:
        meta[name] = hm.get(name, image.exptime if name == "Total Exposure Time" else "")
    for key in ("CRPIX1", "CRPIX2", "CRVAL1", "CRVAL2", "CTYPE1", "CTYPE2", "CD1_1", "CD1_2",
                "CD2_1", "CD2_2", "NAXIS1", "NAXIS2"):
        if key in hm:
            meta[key] = hm[key]
    meta["Number of sources"] = int(info.n_sources)
    scale = image.pixel_scale_arcsec
    notes = (
        ("Magnitudes are in the ABMAG system (infinite-aperture zero point from PHOTFLAM, "
         "PHOTPLAM)"),
        "X and Y are 0-based pixel coordinates (the first pixel's centre is 0, 0)",
        "RA and DEC are ICRS degrees at the epoch of the observation",
        (f"Aperture radii: {params.aperture_1_arcsec / scale:.3f} and "
         f"{params.aperture_2_arcsec / scale:.3f} pixels = {params.aperture_1_arcsec} and "
         f"{params.aperture_2_arcsec} arcsec"),
        "CI (concentration index) = MagAp1 - MagAp2",
        f"CI limits used for flags 1 and 16: {params.ci_lower_limit} .. {params.ci_upper_limit}",
        *FLAG_NOTES[:4])
    for i, text in enumerate(notes[:10], start=9):
        meta[f"h{i:02d}"] = text
    meta["Flag notes (cont.)"] = list(FLAG_NOTES[4:])
    meta["Catalog type"] = info.kind
    meta["Filter"] = image.filter_name
    meta["Recipe version"] = info.recipe_version
    meta["Missing values"] = f"NaN, infinite and masked values are written as {FILL_VALUE}"
    meta.update(info.extra)
    return meta


def filled(table: Table) -> Table:
    """A copy with NaN, infinite and masked float values replaced by ``FILL_VALUE``.

    Examples
    --------
    >>> filled(Table({"a": [1.0, np.nan]}))["a"].tolist()
    [1.0, -9999.0]
    """
    out = Table(meta=dict(table.meta))
    for name in table.colnames:
        col = table[name]
        data = np.asarray(col.filled(FILL_VALUE) if isinstance(col, MaskedColumn) else col)
        if data.dtype.kind == "f":
            data = np.where(np.isfinite(data), data, FILL_VALUE)
        out.add_column(Column(data, name=name, unit=col.unit, format=col.format,
                              description=col.description))
    return out


def write_catalog(table: Table, path: Path) -> None:
    """Write ``table`` as ECSV (``ascii.ecsv``) with missing values filled."""
    filled(table).write(path, format="ascii.ecsv", overwrite=True)
