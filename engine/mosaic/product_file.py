"""Drizzle product files: PRIMARY, SCI, WHT, CTX, HDRTAB, merged and SVM keywords (§7.4, §8)."""
from __future__ import annotations

import re
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import Any

import numpy as np
from astropy.io import fits
from astropy.time import Time

from hapsvm.mosaic.chips import Chip
from hapsvm.mosaic.chips import Exposure
from hapsvm.mosaic.drizzling import DrizzleArrays
from hapsvm.mosaic.grid import OutputGrid
from hapsvm.mosaic.header_rules import HeaderRules
from hapsvm.mosaic.header_rules import header_value
from hapsvm.mosaic.params import DrizzleParams
from hapsvm.mosaic.s_region import region_polygons
from hapsvm.mosaic.s_region import s_region_string
from hapsvm.mosaic.skycells import sky_cells_for

__all__ = ["ProductSpec", "build_product", "polygon_sky_samples"]

_STRUCTURAL = re.compile(r"^(SIMPLE|BITPIX|NAXIS\d*|EXTEND|NEXTEND|PCOUNT|GCOUNT|XTENSION|"
                         r"EXTNAME|EXTVER|INHERIT|BSCALE|BZERO|CHECKSUM|DATASUM|BLANK)$")
_WCS = re.compile(r"^((WCSAXES|WCSNAME|CRPIX\d|CRVAL\d|CDELT\d|CTYPE\d|CUNIT\d|CD\d_\d|PC\d_\d|"
                  r"LONPOLE|LATPOLE|RESTFRQ|RESTWAV|RADESYS|EQUINOX|MJDREF|DATEREF|"
                  r"CRDER\d|CSYER\d)[A-Z]?|(A|B|AP|BP)_(ORDER|DMAX|\d+_\d+)|"
                  r"(D2IM|DP\d|DQ\d|CPDIS|CPERR|D2IMDIS|D2IMERR|D2IMEXT|NPOLEXT)\S*|LTV\d|LTM\d_\d|"
                  r"OCD\d_\d|OCRPIX\d|OCRVAL\d|OCTYPE\d|OCX\d\d|OCY\d\d|ONAXIS\d|OORIENTA|"
                  r"IDCTHETA|IDCXREF|IDCYREF|IDCV2REF|IDCV3REF|WCSTYPE[A-Z]?|WCSCDATE|SIPNAME|"
                  r"NPOLNAME|D2IMNAME|HDRNAME|S_REGION|SKYCELL|ORIENTAT|TDDALPHA|TDDBETA)$")
_PHOT = ("PHOTMODE", "PHOTFLAM", "PHOTFNU", "PHOTZPT", "PHOTPLAM", "PHOTBW")


@dataclass(frozen=True)
class ProductSpec:
    """What a product file is called and which keywords it gets."""

    filename: str
    level: str
    """``exposure``, ``filter`` or ``total``."""
    rules: HeaderRules
    drizzle: DrizzleParams
    trailer: str = ""
    """Value of DRIZPARS (the product's trailer file name)."""
    exposure_names: dict[str, str] = field(default_factory=dict)
    """rootname → SVM exposure base name (HDRTAB column HAPEXPNAME)."""
    sky_rates: dict[str, float] = field(default_factory=dict)
    """rootname → sky subtracted, e-/s per pixel (HDRTAB column MDRIZSKY, input units)."""
    footprint_stats: dict[str, float] = field(default_factory=dict)
    """NPIXFRAC … MEDWHT (§8.1), filter and total products only."""
    filter_keywords: tuple[str, ...] = ("FILTER",)
    """Primary keywords naming the instrument's filters (``hapsvm.visit.instruments``); without
    ``FILTER`` among them (ACS: ``FILTER1``, ``FILTER2``) a filter product's FILTER is rebuilt
    from their non-clear values."""


def _put(header: fits.Header, key: str, value: Any, comment: str = "") -> None:
    """Set a keyword; drop the comment when value and comment would not fit one card."""
    text = f"'{value}'" if isinstance(value, str) else repr(value)
    if len(text) > 68 or 10 + max(len(text), 20) + 3 + len(comment) > 80:
        comment = ""
    header[key] = (value, comment)


def _clean(header: fits.Header, pattern: re.Pattern[str] | None = None) -> fits.Header:
    out = fits.Header()
    for card in header.cards:
        key = card.keyword
        if not key or key in ("COMMENT", "HISTORY") or _STRUCTURAL.match(key):
            continue
        if pattern is not None and pattern.match(key):
            continue
        if isinstance(card.value, fits.card.Undefined):
            continue
        out.append((key, card.value, card.comment), end=True)
    return out


def _chip_values(chips: list[tuple[Chip, fits.Header]], keys: list[str]) -> dict[str, list[Any]]:
    """Each keyword's values over the input chips; a keyword read from an exposure's primary
    header counts once per exposure (EXPTIME of a two-chip exposure is not summed twice)."""
    values: dict[str, list[Any]] = {}
    for key in keys:
        got: list[Any] = []
        from_primary: set[Path] = set()
        for c, prim in chips:
            if key not in c.header:
                if c.path in from_primary:
                    continue
                from_primary.add(c.path)
            got.append(header_value(key, c.header, prim))
        values[key] = [v for v in got if v is not None and
                       not isinstance(v, fits.card.Undefined)]
    return values


def _column(name: str, values: list[Any]) -> fits.Column:
    present = [v for v in values if v is not None and not isinstance(v, fits.card.Undefined)]
    if present and all(isinstance(v, (bool, np.bool_)) for v in present):
        return fits.Column(name=name, format="L", array=np.array([bool(v) if v is not None
                                                                    else False for v in values]))
    if present and all(isinstance(v, (int, float, np.integer, np.floating))
                       and not isinstance(v, bool) for v in present):
        if len(present) == len(values) and all(isinstance(v, (int, np.integer)) for v in present):
            return fits.Column(name=name, format="K", array=np.array(values, dtype=np.int64))
        arr = np.array([float(v) if v is not None and not isinstance(v, fits.card.Undefined)
                        else np.nan for v in values])
        return fits.Column(name=name, format="D", array=arr)
    text = ["" if v is None or isinstance(v, fits.card.Undefined) else str(v) for v in values]
    width = max(1, max(len(t) for t in text))
    return fits.Column(name=name, format=f"{width}A", array=np.array(text))


def _hdrtab(chips: list[tuple[Chip, fits.Header]], rules: HeaderRules, spec: ProductSpec,
            rootnames: list[str]) -> fits.BinTableHDU:
    available = sorted({k for c, p in chips for k in list(c.header) + list(p)
                        if k and k not in ("COMMENT", "HISTORY", "")})
    columns = []
    for key, name in rules.table_keywords(available):
        columns.append(_column(name, [header_value(key, c.header, p) for c, p in chips]))
    sky = [spec.sky_rates.get(r, 0.0) * (c.exptime if c.in_units == "counts" else 1.0)
           for (c, _), r in zip(chips, rootnames)]
    columns.append(fits.Column(name="MDRIZSKY", format="D", array=np.array(sky)))
    names = [spec.exposure_names.get(r, r) for r in rootnames]
    width = max(51, max(len(n) for n in names))
    columns.append(fits.Column(name="HAPEXPNAME", format=f"{width}A", array=np.array(names)))
    return fits.BinTableHDU.from_columns(columns, name="HDRTAB")


def polygon_sky_samples(polygons: list[np.ndarray], grid: OutputGrid, *,
                        step_arcsec: float = 2.0) -> tuple[np.ndarray, np.ndarray]:
    """Sky positions every ``step_arcsec`` along the edges of pixel-coordinate polygons."""
    step_px = max(step_arcsec / grid.pixel_scale_arcsec, 1.0)
    xs, ys = [], []
    for poly in polygons:
        nxt = np.roll(poly, -1, axis=0)
        for a, b in zip(poly, nxt):
            n = max(2, int(np.ceil(np.hypot(*(b - a)) / step_px)) + 1)
            t = np.linspace(0.0, 1.0, n)
            xs.append(a[0] + t * (b[0] - a[0]))
            ys.append(a[1] + t * (b[1] - a[1]))
    if not xs:
        return np.array([]), np.array([])
    ra, dec = grid.wcs.all_pix2world(np.concatenate(xs), np.concatenate(ys), 0)
    return np.asarray(ra), np.asarray(dec)


def _refine(prim: fits.Header, sci: fits.Header, spec: ProductSpec,
            exposures: list[Exposure]) -> None:
    """Spec §8.2 product keywords."""
    stem = Path(spec.filename).name.split(".")[0]
    _put(prim, "ROOTNAME", stem.rsplit("_", 1)[0], "Rootname of the observation set")
    _put(prim, "FILENAME", spec.filename, "Name of this file")
    if "PR_INV_L" in prim:
        _put(prim, "PINAME", prim["PR_INV_L"], "Last name of principal investigator")
    _put(prim, "NUMEXP", len({e.rootname for e in exposures}), "Number of exposures")
    if spec.level == "exposure":
        _put(prim, "IPPPSSOO", ";".join(str(e.primary.get("ROOTNAME", e.rootname)).strip()
                                     for e in exposures), "HST rootname(s) of the input(s)")
    start = min(e.expstart for e in exposures)
    end = max(e.expend for e in exposures)
    _put(prim, "DATE-BEG", Time(start, format="mjd").isot, "Start of the first exposure")
    _put(prim, "DATE-END", Time(end, format="mjd").isot, "End of the last exposure")
    _put(prim, "EQUINOX", float(sci.get("EQUINOX", 2000.0)), "Equinox of celestial coord. system")
    if spec.level == "total":
        _put(prim, "FILTER", "detection", "Filter (total detection product)")
    elif "FILTER" not in spec.filter_keywords:
        names = [str(prim.get(k, "")).strip() for k in spec.filter_keywords]
        kept = [n for n in names if n and "CLEAR" not in n.upper() and "N/A" not in n.upper()]
        _put(prim, "FILTER", ";".join(kept) or "clear", "Filter(s) used")
    _put(prim, "HAPLEVEL", 1 if spec.level == "exposure" else 2,
                        "Classification level of this product")
    for key in _PHOT:
        if key in prim:
            _put(sci, key, prim[key], prim.comments[key])
            del prim[key]
    _put(prim, "DRIZPARS", spec.trailer, "Drizzle parameters and log (trailer file)")
    for key, value in spec.footprint_stats.items():
        _put(prim, key, value, _STAT_COMMENTS.get(key, ""))


def _product_unit(chip: Chip, primary: fits.Header, units: str) -> str:
    """BUNIT of a product: the inputs' unit (``ELECTRONS``, ``COUNTS``), per second for ``cps``."""
    unit = str(chip.header.get("BUNIT", primary.get("BUNIT", "ELECTRONS"))).strip().upper()
    unit = unit.removesuffix("/S")
    return f"{unit}/S" if units == "cps" else unit


_STAT_COMMENTS = {"NPIXFRAC": "Fraction of pixels with data",
                  "MEANEXPT": "Mean exposure time per pixel with data (s)",
                  "MEDEXPT": "Median exposure time per pixel with data (s)",
                  "MEANNEXP": "Mean number of exposures per pixel with data",
                  "MEDNEXP": "Median number of exposures per pixel with data",
                  "MEANWHT": "Mean weight (typically exposure time) over pixels with data",
                  "MEDWHT": "Median weight (typically exposure time) over pixels with data"}


def build_product(arrays: DrizzleArrays, grid: OutputGrid, exposures: list[Exposure],
                  spec: ProductSpec) -> fits.HDUList:
    """Assemble the MEF product of a drizzle (spec §7.4, §8.1-§8.4).

    Parameters
    ----------
    arrays
        The drizzle output; ``arrays.inputs`` are the chips in context-bit order.
    grid
        The output grid (WCS of SCI, WHT and CTX).
    exposures
        Every exposure of the product (its chips may be fewer than ``arrays.inputs`` covers).
    spec
        Name, level, rules and keyword values.
    """
    by_path = {Path(e.path): e for e in exposures}
    chips = [(c, by_path[Path(c.path)].primary) for c in arrays.inputs]
    rootnames = [by_path[Path(c.path)].rootname for c in arrays.inputs]
    first_exp = by_path[Path(arrays.inputs[0].path)]
    prim = _clean(first_exp.primary)
    sci = _clean(arrays.inputs[0].header, _WCS)
    wcsname = arrays.inputs[0].header.get("WCSNAME", "")
    merged_keys = sorted({r.keyword for r in spec.rules.rules if r.function is not None})
    merged = spec.rules.merged(_chip_values(chips, merged_keys))
    removed = spec.rules.removed_keywords(list(prim) + list(sci))
    removed |= {r.keyword for r in spec.rules.rules if r.delete}
    for key in removed:
        prim.remove(key, ignore_missing=True, remove_all=True)
        sci.remove(key, ignore_missing=True, remove_all=True)
    for rule in spec.rules.rules:
        if rule.function is None or rule.output not in merged:
            continue
        target = sci if (rule.keyword in arrays.inputs[0].header and
                         rule.keyword not in first_exp.primary) else prim
        target[rule.output] = merged[rule.output]
    _put(prim, "NDRIZIM", len(arrays.inputs), "Drizzle, number of images drizzled")
    for k, chip in enumerate(arrays.inputs, start=1):
        _put(prim, f"D{k:03d}DATA", chip.name, "Drizzle, input data image")
        _put(prim, f"D{k:03d}EXPT", chip.exptime, "Drizzle, input image exposure time (s)")
        _put(prim, f"D{k:03d}KERN", spec.drizzle.kernel, "Drizzle, weight distribution kernel")
        _put(prim, f"D{k:03d}PIXF", spec.drizzle.pixfrac, "Drizzle, linear size of drop")
    _refine(prim, sci, spec, exposures)
    sci.update(grid.header())
    _put(sci, "WCSNAME", wcsname or "OPUS", "Coordinate system title")
    _put(sci, "ORIENTAT", grid.rotation_deg, "Position angle of image y axis (deg. e of n)")
    _put(sci, "BUNIT", _product_unit(arrays.inputs[0], first_exp.primary, spec.drizzle.units),
         "Units of science product")
    exposed = arrays.wht > 0
    if exposed.any():
        polygons = region_polygons(exposed)
        _put(sci, "S_REGION", s_region_string(polygons, grid.wcs),
             "Spatial extent of the observation")
        cells = sky_cells_for(*polygon_sky_samples(polygons, grid))
        _put(sci, "SKYCELL", "; ".join(cells), "Skycell(s) that this image occupies")
    hdus = [fits.PrimaryHDU(header=prim),
            fits.ImageHDU(arrays.sci.astype(np.float32, copy=False), header=sci, name="SCI"),
            fits.ImageHDU(arrays.wht.astype(np.float32, copy=False), header=grid.header(),
                          name="WHT")]
    ctx = arrays.ctx if arrays.ctx is not None else np.zeros((1,) + grid.shape, np.int32)
    hdus.append(fits.ImageHDU(ctx[0] if ctx.shape[0] == 1 else ctx, header=grid.header(),
                              name="CTX"))
    hdus.append(_hdrtab(chips, spec.rules, spec, rootnames))
    return fits.HDUList(hdus)
