"""Define a detector's common output grid (metawcs) and compute every chip's pixel map once."""
from __future__ import annotations

import logging
from dataclasses import dataclass

from hapsvm import mosaic
from hapsvm.core import VisitContext
from hapsvm.core import constrained
from hapsvm.core import register_step
from hapsvm.errors import NoWorkFound

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class DefineOutputGridConfig:
    """The North-up grid shared by every drizzle product of a detector (spec §7.1)."""

    pixel_scale_arcsec: float | None = constrained(None, exclusiveMinimum=0)
    """Output pixel side, arcsec; null: IDCSCALE (else the CD scale) of the first chip."""
    rotation_deg: float = 0.0
    """Orientation of the output +y axis, degrees East of North (final_rot; 0: North up)."""
    include_ramp: bool = False
    """Let ramp/quad-filter exposures (never drizzled) enlarge the grid (spec §4.5: no)."""
    max_workers: int = constrained(2, minimum=1)
    """Processes computing the chips' pixel maps."""
    pixmap_step_px: int = constrained(64, minimum=0)
    """Pixel maps: exact every this many chip pixels, cubic splines between (0: exact at every
    pixel); a chip whose spline misses the exact map by more than pixmap_max_error_px at its
    cell centres gets the exact map."""
    pixmap_max_error_px: float = constrained(0.01, exclusiveMinimum=0)
    """Largest accepted error of an interpolated pixel map, output pixels."""


@register_step("define_output_grid", config=DefineOutputGridConfig,
               requires=("product_tree", "input_copies"), provides=("output_grid",),
               scope="detector")
def define_output_grid(ctx: VisitContext, cfg: DefineOutputGridConfig) -> None:
    """Cover every direct-image chip with one grid; cache each chip's pixel map on it."""
    total = ctx.read("product_tree").total(ctx.unit)
    if not total.has_direct_images:
        raise NoWorkFound(f"{total.detector_key} has no direct image to drizzle")
    copies = ctx.read("input_copies")
    members = [e for f in total.filters for e in f.exposures]
    if cfg.include_ramp:
        members += total.ramp_exposures
    exposures = [mosaic.read_exposure_chips(copies[e.exposure.rootname], e.exposure.rootname)
                 for e in members]
    chips = [c for e in exposures for c in e.chips]
    scale = cfg.pixel_scale_arcsec or chips[0].pixel_scale_arcsec
    grid = mosaic.build_output_grid([mosaic.chip_outline_sky(c.wcs, c.shape) for c in chips],
                                    pixel_scale_arcsec=scale, rotation_deg=cfg.rotation_deg)
    cache = mosaic.PixmapCache(ctx.output_dir / f".pixmaps_{ctx.unit}", grid,
                               step_px=cfg.pixmap_step_px, max_error_px=cfg.pixmap_max_error_px)
    drizzled = [c for e in exposures for c in e.chips
                if e.rootname in {m.exposure.rootname for f in total.filters
                                  for m in f.exposures}]
    mosaic.run_tasks(mosaic.ensure_pixmap, [(cache, c) for c in drizzled],
                     max_workers=cfg.max_workers)
    log.info("%s: %d x %d pixels at %.5f arcsec, centre (%.6f, %.6f) deg, %d chips of %d "
             "exposures", ctx.unit, grid.shape[1], grid.shape[0], scale, grid.crval[0],
             grid.crval[1], len(chips), len(exposures))
    ctx.write("output_grid", cache)
