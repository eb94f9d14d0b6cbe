"""Which previews a detector gets, and their pixels (grey per product, colour per detector)."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from hapsvm.preview.color import color_composite
from hapsvm.preview.images import read_drizzle
from hapsvm.preview.params import PreviewSettings
from hapsvm.preview.stretch import stretch_to_uint8
from hapsvm.visit.product_tree import TotalProduct

__all__ = ["PreviewJob", "ColorJob", "preview_jobs", "color_job",
           "grey_pixels", "color_pixels"]



@dataclass(frozen=True)
class PreviewJob:
    """One drizzle product and the names of its preview and thumbnail."""

    level: str
    """``total``, ``filter`` or ``exposure``."""
    drizzle: str
    preview: str
    thumbnail: str


@dataclass(frozen=True)
class ColorJob:
    """The colour composite of a detector: its names and the filter drizzles it combines."""

    name: str
    thumbnail: str
    filters: list[str]
    drizzles: list[str]


def preview_jobs(total: TotalProduct) -> list[PreviewJob]:
    """Every drizzle product of a detector with its preview names: total, filters, exposures.

    A grism-only detector (no direct images) has none.
    """
    if not total.has_direct_images:
        return []
    names = total.names()
    jobs = [PreviewJob("total", total.drizzle, names["preview"], names["thumbnail"])]
    for f in total.filters:
        fn = f.names()
        jobs.append(PreviewJob("filter", f.drizzle, fn["preview"], fn["thumbnail"]))
        jobs += [PreviewJob("exposure", e.drizzle, e.preview, e.thumbnail)
                 for e in f.exposures if e.kind == "imaging"]
    return jobs


def color_job(total: TotalProduct) -> ColorJob | None:
    """The detector's colour composite (the first three filters of the tree), if it has ≥ 2."""
    names = total.names()
    if "color_preview" not in names:
        return None
    chosen = total.filters[:3]
    return ColorJob(name=names["color_preview"], thumbnail=names["color_thumbnail"],
                    filters=[f.filter_name for f in chosen], drizzles=[f.drizzle for f in chosen])


def grey_pixels(drizzle: Path, settings: PreviewSettings) -> np.ndarray:
    """Stretched uint8 image (North up, row 0 at the top) of a drizzle product's SCI array.

    Pixels with WHT = 0 are black and excluded from the sky, noise and white levels.
    """
    image = read_drizzle(drizzle)
    return stretch_to_uint8(image.sci, image.valid, settings)


def color_pixels(drizzles: list[Path], filters: list[str],
                 settings: PreviewSettings) -> np.ndarray:
    """RGB uint8 composite of two or three filter drizzles of one grid (blue → red)."""
    images = [read_drizzle(p) for p in drizzles]
    return color_composite(images, settings, filter_names=filters)
