"""Write a JPEG preview and a thumbnail of every drizzled product, and of a colour composite."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from hapsvm import preview
from hapsvm import visit
from hapsvm.core import VisitContext
from hapsvm.core import register_step
from hapsvm.errors import NoWorkFound
from hapsvm.preview.params import PreviewSettings

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class MakePreviewsConfig(PreviewSettings):
    """Display stretch (levels in units of the sky noise σ of the pixels with data) and JPEGs."""

    color: bool = True
    """Write the colour composite of the first three filters (blue to red) and its thumbnail."""


def _save_jpeg(ctx: VisitContext, name: str, pixels: np.ndarray, *, quality: int,
               max_side: int) -> None:
    """Save one JPEG (and its ``<stem>_jpg_recipe.yaml``)."""
    def write(tmp: Path) -> None:
        preview.write_jpeg(pixels, tmp, quality=quality, max_side=max_side)

    ctx.save_product(name, write)


@register_step("make_previews", config=MakePreviewsConfig, requires=("product_tree",),
               provides=(), scope="detector")
def make_previews(ctx: VisitContext, cfg: MakePreviewsConfig) -> None:
    """Write ``<product>.jpg`` and ``<product>_thumb.jpg`` for each drizzle product on disk."""
    total = ctx.read("product_tree").total(ctx.unit)
    jobs = preview.preview_jobs(total)
    if not jobs:
        raise NoWorkFound(f"{total.detector_key} has no direct-image products")
    done = 0
    for i, job in enumerate(jobs, start=1):
        drizzle = ctx.product_path(job.drizzle)
        if not drizzle.is_file():
            log.info("%d/%d %s: not on disk, no preview", i, len(jobs), job.drizzle)
            continue
        try:
            pixels = preview.grey_pixels(drizzle, cfg)
        except (OSError, KeyError, ValueError) as err:
            log.warning("%d/%d %s: unreadable (%s), no preview", i, len(jobs), job.drizzle, err)
            continue
        _save_jpeg(ctx, job.preview, pixels, quality=cfg.quality,
                   max_side=cfg.max_preview_px)
        _save_jpeg(ctx, job.thumbnail, pixels, quality=cfg.quality, max_side=cfg.thumbnail_px)
        done += 1
        log.info("%d/%d %s preview %s (%d x %d px) and thumbnail", i, len(jobs), job.level,
                 job.preview, pixels.shape[1], pixels.shape[0])
    if cfg.color:
        done += _color_preview(ctx, total, cfg)
    if not done:
        raise NoWorkFound(f"no drizzle product of {total.detector_key} is on disk")


def _color_preview(ctx: VisitContext, total: visit.TotalProduct,
                   settings: preview.PreviewSettings) -> int:
    """Write the colour composite and its thumbnail when every filter drizzle is on disk."""
    job = preview.color_job(total)
    if job is None:
        log.info("colour preview: fewer than 2 filters, none written")
        return 0
    paths = [ctx.product_path(d) for d in job.drizzles]
    missing = [p.name for p in paths if not p.is_file()]
    if missing:
        log.info("colour preview %s: %s not on disk, none written", job.name, ", ".join(missing))
        return 0
    try:
        pixels = preview.color_pixels(paths, job.filters, settings)
    except (OSError, KeyError, ValueError) as err:
        log.warning("colour preview %s: %s, none written", job.name, err)
        return 0
    _save_jpeg(ctx, job.name, pixels, quality=settings.quality,
               max_side=settings.max_preview_px)
    _save_jpeg(ctx, job.thumbnail, pixels, quality=settings.quality,
               max_side=settings.thumbnail_px)
    log.info("colour preview %s and thumbnail from %s", job.name, ", ".join(job.filters))
    return 1
