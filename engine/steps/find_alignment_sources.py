"""Find the alignment sources on every chip of a detector's direct and ramp exposure copies."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from hapsvm import align, visit
from hapsvm.core import VisitContext, constrained, register_step
from hapsvm.errors import NoWorkFound
from hapsvm.parallel import run_tasks

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FindAlignmentSourcesConfig:
    """Source finding for alignment (spec §5.1; per-detector values in conf/detector)."""

    box_size_px: int = constrained(27, minimum=3)
    """Background mesh box size, in pixels (27 WFC/UVIS, 13 IR/HRC/SBC)."""
    filter_size_px: int = constrained(3, minimum=1)
    """Median filter applied to the background mesh, in mesh boxes."""
    bkg_estimator: str = constrained("sextractor", enum=["sextractor", "median"])
    """Background estimator of each mesh box."""
    nsigma: float = constrained(3.0, exclusiveMinimum=0)
    """Detection threshold above the background, in background RMS."""
    threshold_factor: float = constrained(1.1, exclusiveMinimum=0)
    """Multiplier of the threshold (drizzlepac's threshold = -1.1)."""
    kernel_fwhm_px: float = constrained(2.0, exclusiveMinimum=0)
    """FWHM of the Gaussian smoothing kernel, in pixels (about the PSF FWHM)."""
    window_fwhm_px: float = constrained(2.5, exclusiveMinimum=0)
    """FWHM of the Gaussian window of the windowed centroid, in pixels."""
    min_pixels: int = constrained(7, minimum=1)
    """Fewest connected pixels above threshold for a detection."""
    max_sources_per_chip: int = constrained(250, minimum=1)
    """Brightest sources kept per chip."""
    max_peak_fraction: float = constrained(1.0, exclusiveMinimum=0, maximum=1)
    """Largest fraction of the 3x3 flux in the brightest pixel (smaller rejects cosmic rays;
    1 turns the test off)."""
    saturation_dq_bits: list[int] = constrained([256, 2048],
                                                items={"type": "integer", "minimum": 0})
    """DQ bits of saturated pixels; every other set DQ bit masks the pixel."""
    exclude_saturated: bool = False
    """Drop sources next to saturated pixels."""
    border_px: int = constrained(3, minimum=0)
    """Drop sources closer than this to the chip edge, in pixels."""
    max_workers: int = constrained(2, minimum=1)
    """Processes searching exposures at the same time."""


def settings_from(cfg: FindAlignmentSourcesConfig) -> align.SourceFindingSettings:
    """The domain settings of a step config."""
    return align.SourceFindingSettings(
        box_size_px=cfg.box_size_px, filter_size_px=cfg.filter_size_px,
        bkg_estimator=cfg.bkg_estimator, nsigma=cfg.nsigma,
        threshold_factor=cfg.threshold_factor, kernel_fwhm_px=cfg.kernel_fwhm_px,
        window_fwhm_px=cfg.window_fwhm_px, min_pixels=cfg.min_pixels,
        max_sources_per_chip=cfg.max_sources_per_chip, max_peak_fraction=cfg.max_peak_fraction,
        saturation_dq_bits=tuple(cfg.saturation_dq_bits),
        exclude_saturated=cfg.exclude_saturated, border_px=cfg.border_px)


@register_step("find_alignment_sources", config=FindAlignmentSourcesConfig,
               requires=("product_tree", "input_copies"), provides=("alignment_sources",),
               scope="detector")
def find_alignment_sources(ctx: VisitContext, cfg: FindAlignmentSourcesConfig) -> None:
    """Find sources on every chip of the detector's direct (all filters) and ramp copies."""
    total = ctx.read("product_tree").total(ctx.unit)
    direct = [e for f in total.filters for e in f.exposures] + total.ramp_exposures
    if not direct:
        raise NoWorkFound(f"{total.detector_key} has no direct exposure to align")
    ordered = visit.sort_exposures([d.exposure for d in direct])
    order = {e.rootname: i for i, e in enumerate(ordered)}
    direct.sort(key=lambda d: order[d.exposure.rootname])
    copies = ctx.read("input_copies")
    settings = settings_from(cfg)
    tasks = [_SearchTask(copies[ep.exposure.rootname], ep.exposure.rootname,
                         ep.exposure.filter_name, ep.kind, settings) for ep in direct]
    found = run_tasks(_search, tasks, max_workers=cfg.max_workers)
    for i, (ep, sources) in enumerate(zip(direct, found), start=1):
        info = ep.exposure
        log.info("%d/%d %s (%s %s): %s sources", i, len(direct), info.rootname,
                 info.filter_name, ep.kind, " + ".join(str(len(c)) for c in sources.chips))
    ctx.write("alignment_sources", found)


@dataclass(frozen=True)
class _SearchTask:
    """One exposure to search (picklable: it crosses to a worker process)."""

    path: Path
    rootname: str
    filter_name: str
    kind: str
    settings: align.SourceFindingSettings


def _search(task: _SearchTask) -> align.ExposureSources:
    return align.find_exposure_sources(task.path, rootname=task.rootname,
                                       filter_name=task.filter_name, kind=task.kind,
                                       settings=task.settings)
