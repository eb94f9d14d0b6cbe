"""Per-image preparation shared by both catalogue types: background, noise, exposure maps."""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from hapsvm.catalogs.background import Background
from hapsvm.catalogs.background import estimate_background
from hapsvm.catalogs.flags import edge_count_map
from hapsvm.catalogs.image import ProductImage
from hapsvm.catalogs.image import exposure_count
from hapsvm.catalogs.params import CatalogParameters
from hapsvm.catalogs.photometry import ApertureRadii

__all__ = ["PreparedImage", "prepare_image"]


@dataclass
class PreparedImage:
    """A product with its background, noise and exposure maps."""

    image: ProductImage
    background: Background
    count: np.ndarray
    """Exposure count per pixel (int16)."""
    exptime_map: np.ndarray
    """Effective exposure time per pixel, s (EXPTIME · WHT / median footprint WHT)."""
    radii: ApertureRadii
    """Aperture and annulus radii in this image's pixels."""

    @property
    def resid(self) -> np.ndarray:
        """Background-subtracted SCI, e⁻/s (0 outside the data)."""
        return np.where(self.image.wht > 0, self.image.sci - self.background.level,
                        0.0).astype(np.float32)

    @cached_property
    def edge_count(self) -> np.ndarray:
        """Exposure count with the pixels near the data edge zeroed (computed once)."""
        return edge_count_map(self.count)

    @property
    def nodata(self) -> np.ndarray:
        """Pixels without data (WHT ≤ 0)."""
        return ~(self.image.wht > 0)


def prepare_image(image: ProductImage, params: CatalogParameters) -> PreparedImage:
    """Measure the background and noise of ``image`` and build its exposure maps.

    The scalar-rms floor is √NDRIZIM · read noise / exposure time (spec §9.1 ``minimum_rms``).
    """
    p = params
    floor = math.sqrt(max(image.ndrizim, 1)) * image.read_noise / image.exptime \
        if image.exptime > 0 else 0.0
    bkg = estimate_background(image.sci, image.wht, erosion_px=p.footprint_erosion_px,
                              nsigma_clip=p.nsigma_clip, maxiters=p.maxiters,
                              simple_bkg=p.simple_bkg, skew_threshold=p.bkg_skew_threshold,
                              zero_percent=p.zero_percent, negative_percent=p.negative_percent,
                              box_size=p.bkg_box_size, filter_size=p.bkg_filter_size,
                              min_rms=floor, exposure_time=image.exptime)
    good = image.wht[bkg.footprint]
    w_ref = float(np.median(good[:: max(1, good.size // 4_000_000)])) if good.size else 1.0
    exptime_map = (image.exptime * image.wht / w_ref).astype(np.float32)
    radii = ApertureRadii.from_arcsec(p.aperture_1_arcsec, p.aperture_2_arcsec,
                                      p.sky_annulus_arcsec, p.sky_annulus_width_arcsec,
                                      image.pixel_scale_arcsec)
    return PreparedImage(image, bkg, exposure_count(image), exptime_map, radii)
