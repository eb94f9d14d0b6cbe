"""Previews (JPEG, thumbnails, colour composites) and the HTML QA report of a visit.

Domain code only: no hydra, omegaconf or engine.core imports.
"""
from __future__ import annotations

from engine.preview.color import color_composite, order_by_wavelength
from engine.preview.images import DrizzleImage, pivot_wavelength, read_drizzle
from engine.preview.jpeg import fit_within, write_jpeg
from engine.preview.products import (ColorJob, PreviewJob, PreviewSettings, color_job,
                                     color_pixels, grey_pixels, preview_jobs)
from engine.preview.stretch import StretchSettings, display_levels, stretch_to_unit, to_uint8

__all__ = ["color_composite", "order_by_wavelength", "DrizzleImage", "pivot_wavelength",
           "read_drizzle", "fit_within", "write_jpeg", "ColorJob", "PreviewJob",
           "PreviewSettings", "color_job", "color_pixels", "grey_pixels", "preview_jobs",
           "StretchSettings", "display_levels", "stretch_to_unit", "to_uint8"]
