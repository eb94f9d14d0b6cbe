"""What a visit will cost, from headers only: exposures, filters, chips and drizzle grids.

:func:`visit_features` does what the planning steps do (read the input list and headers, vet
the exposures, build the product tree) without reading a pixel or hashing a file, then builds
each detector's output grid as ``define_output_grid`` does, from the chips' header WCSs: the
a-priori WCS (the aligned one differs by the pointing correction) with its TAN-SIP distortion
(:mod:`hapsvm.plan.headers`; astropy's full WCS for files the fast reader does not handle).
"""
from __future__ import annotations

from collections.abc import Mapping
from collections.abc import Sequence
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import Any

import numpy as np

from hapsvm import mosaic
from hapsvm import visit
from hapsvm.errors import InputError
from hapsvm.errors import NoViableDataError
from hapsvm.plan.headers import UnusualFitsError
from hapsvm.plan.headers import scan_headers
from hapsvm.plan.headers import sip_outline
from hapsvm.steps.define_products import DefineProductsConfig
from hapsvm.visit.exposure import exposure_from_headers

__all__ = ["PlanSettings", "DetectorFeatures", "VisitFeatures", "visit_features"]


@dataclass(frozen=True)
class PlanSettings:
    """The config values planning needs (from one composition of the recipe)."""

    rules: visit.VettingRules = field(default_factory=lambda: visit.VettingRules())
    """Vetting rules of ``filter_exposures``."""
    nexp_bins: dict[str, list[int]] = field(
        default_factory=lambda: dict(DefineProductsConfig().nexp_bins))
    """``define_products.nexp_bins``."""
    roots: tuple[Path, ...] = ()
    """``read_visit.roots``."""
    processes: int = 2
    """``processes_per_visit``."""
    max_memory_gib: float = 2.0
    """``drizzle_filter_products.max_memory_gib``: the drizzle's memory budget."""
    rotation_deg: float = 0.0
    """``define_output_grid.rotation_deg``."""


@dataclass(frozen=True)
class DetectorFeatures:
    """One detector's share of a visit (its drizzled exposures and common grid)."""

    detector: str
    """Detector key (``wfc3_ir``)."""
    n_exposures: int
    """Direct-image exposures drizzled (each gets an exposure product)."""
    n_filters: int
    n_chips: int
    input_pixels: int
    """SCI pixels of the drizzled exposures."""
    largest_chip_pixels: int
    largest_exposure_pixels: int
    """SCI pixels of the largest exposure (all its chips)."""
    grid_shape: tuple[int, int]
    """(ny, nx) of the output grid."""

    @property
    def grid_pixels(self) -> int:
        """Pixels of the output grid."""
        return self.grid_shape[0] * self.grid_shape[1]

    @property
    def n_drizzles(self) -> int:
        """Products drizzled onto the grid: one per exposure, per filter, and the total."""
        return self.n_exposures + self.n_filters + 1


@dataclass(frozen=True)
class VisitFeatures:
    """A visit as the resource model sees it."""

    input: str
    n_read: int
    """Exposures read (rejected ones included)."""
    n_kept: int
    """Exposures kept by the vetting rules."""
    detectors: tuple[DetectorFeatures, ...]
    processes: int
    max_memory_gib: float

    @property
    def n_exposures(self) -> int:
        """Drizzled exposures over all detectors."""
        return sum(d.n_exposures for d in self.detectors)

    @property
    def n_filters(self) -> int:
        """Filter products over all detectors."""
        return sum(d.n_filters for d in self.detectors)

    @property
    def input_pixels(self) -> int:
        """SCI pixels of the drizzled exposures."""
        return sum(d.input_pixels for d in self.detectors)

    @property
    def grid_pixels(self) -> int:
        """Output grid pixels summed over detectors."""
        return sum(d.grid_pixels for d in self.detectors)


@dataclass(frozen=True)
class _Read:
    """One exposure's facts and its SCI chips: (shape, header) each, or None (read the
    chips with astropy)."""

    info: visit.ExposureInfo
    chips: Sequence[tuple[tuple[int, int], Mapping[str, Any]]] | None


def _read(row: visit.InputRow) -> _Read:
    """Headers of one file: the fast scan, else astropy (raises InputError)."""
    try:
        units = scan_headers(row.path)
    except UnusualFitsError:
        return _Read(visit.read_exposure(row, check_data=False), None)
    except OSError as err:
        raise InputError(f"cannot be read ({err})", file=row.path) from err
    info = exposure_from_headers(units, row)
    chips = [((int(u.header["NAXIS2"]), int(u.header["NAXIS1"])), u.header) for u in units
             if u.name == "SCI" and u.header.get("NAXIS") == 2]
    return _Read(info, chips)


def _exposures(input_path: str, settings: PlanSettings) -> tuple[int, dict[str, _Read]]:
    """Exposures read (count) and kept (by rootname), as read_visit and filter_exposures."""
    rows = visit.read_input(input_path, roots=list(settings.roots))
    read: dict[str, _Read] = {}
    for row in rows:
        try:
            found = _read(row)
        except InputError:
            continue
        read.setdefault(found.info.rootname, found)
    if not read:
        raise InputError("no readable exposure in the input", file=input_path)
    kept = {k: r for k, r in read.items() if visit.vet_exposure(r.info, settings.rules).keep}
    if not kept:
        raise NoViableDataError("no exposure of the visit passed the filtering rules")
    return len(read), kept


def _outlines(found: _Read) -> tuple[list[int], list[tuple[np.ndarray, np.ndarray]], float]:
    """Pixels and sky outline of each chip of an exposure, and its pixel scale (arcsec)."""
    if found.chips is not None:
        try:
            outlines = [sip_outline(h, shape) for shape, h in found.chips]
            scale = found.chips[0][1].get("IDCSCALE")
            return ([s[0] * s[1] for s, _ in found.chips], outlines,
                    float(scale) if isinstance(scale, (int, float)) else 0.0)
        except UnusualFitsError:
            pass
    exposure = mosaic.read_exposure_chips(found.info.path, found.info.rootname)
    return ([c.shape[0] * c.shape[1] for c in exposure.chips],
            [mosaic.chip_outline_sky(c.wcs, c.shape) for c in exposure.chips],
            exposure.chips[0].pixel_scale_arcsec)


def _detector(total: visit.TotalProduct, read: dict[str, _Read],
              settings: PlanSettings) -> DetectorFeatures:
    members = [m.exposure.rootname for f in total.filters for m in f.exposures]
    per_exposure = [_outlines(read[r]) for r in members]
    sizes = [n for pixels, _, _ in per_exposure for n in pixels]
    facts = visit.DETECTORS.get(total.detector_key)
    scale = facts.pixel_scale_arcsec if facts is not None else per_exposure[0][2]
    grid = mosaic.build_output_grid([o for _, outlines, _ in per_exposure for o in outlines],
                                    pixel_scale_arcsec=scale,
                                    rotation_deg=settings.rotation_deg)
    return DetectorFeatures(detector=total.detector_key, n_exposures=len(members),
                            n_filters=len(total.filters), n_chips=len(sizes),
                            input_pixels=sum(sizes), largest_chip_pixels=max(sizes),
                            largest_exposure_pixels=max(sum(p) for p, _, _ in per_exposure),
                            grid_shape=grid.shape)


def visit_features(input_path: str | Path, settings: PlanSettings | None = None) -> VisitFeatures:
    """Plan one visit from its headers: what the planning steps decide, and each grid.

    Parameters
    ----------
    input_path
        Poller file, list file, directory of FLT/FLC files or one FITS file.
    settings
        Config values of the planning steps and of the drizzle budget.

    Raises
    ------
    InputError
        If the input cannot be read or no exposure is readable.
    NoViableDataError
        If no exposure passes the vetting rules, or none is a direct image.
    """
    settings = settings or PlanSettings()
    n_read, kept = _exposures(str(input_path), settings)
    tree = visit.build_product_tree([r.info for r in kept.values()],
                                    nexp_bins=settings.nexp_bins)
    detectors = tuple(_detector(t, kept, settings) for t in tree.totals if t.has_direct_images)
    return VisitFeatures(input=str(input_path), n_read=n_read, n_kept=len(kept),
                         detectors=detectors, processes=settings.processes,
                         max_memory_gib=settings.max_memory_gib)
