"""Previews (JPEG, thumbnails, colour composites) and the HTML QA report of a visit.

Domain code only: no hydra, omegaconf or hapsvm.core imports.
"""
from __future__ import annotations

from hapsvm.lazy import lazy_exports

# submodule -> public names; a submodule is imported when one of its names is first read
__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    "color": ["color_composite", "order_by_wavelength"],
    "images": ["DrizzleImage", "pivot_wavelength", "read_drizzle"],
    "jpeg": ["fit_within", "write_jpeg"],
    "products": ["ColorJob", "PreviewJob", "color_job", "color_pixels", "grey_pixels",
                 "preview_jobs"],
    "params": ["PreviewSettings", "StretchSettings"],
    "levels": ["DisplayLevels", "display_levels", "sample_valid", "sky_and_noise"],
    "stretch": ["row_blocks", "stretch_block", "stretch_to_uint8", "stretch_to_unit", "to_uint8"],
})
