"""Previews (JPEG, thumbnails, colour composites) and the HTML QA report of a visit.

Domain code only: no hydra, omegaconf or hapsvm.core imports.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from hapsvm.lazy import lazy_exports

if TYPE_CHECKING:  # the exports: read by editors and type checkers, and by lazy_exports
    from hapsvm.preview.color import color_composite as color_composite
    from hapsvm.preview.color import order_by_wavelength as order_by_wavelength
    from hapsvm.preview.images import DrizzleImage as DrizzleImage
    from hapsvm.preview.images import pivot_wavelength as pivot_wavelength
    from hapsvm.preview.images import read_drizzle as read_drizzle
    from hapsvm.preview.jpeg import fit_within as fit_within
    from hapsvm.preview.jpeg import write_jpeg as write_jpeg
    from hapsvm.preview.levels import DisplayLevels as DisplayLevels
    from hapsvm.preview.levels import display_levels as display_levels
    from hapsvm.preview.levels import sample_valid as sample_valid
    from hapsvm.preview.levels import sky_and_noise as sky_and_noise
    from hapsvm.preview.params import PreviewSettings as PreviewSettings
    from hapsvm.preview.params import StretchSettings as StretchSettings
    from hapsvm.preview.products import ColorJob as ColorJob
    from hapsvm.preview.products import PreviewJob as PreviewJob
    from hapsvm.preview.products import color_job as color_job
    from hapsvm.preview.products import color_pixels as color_pixels
    from hapsvm.preview.products import grey_pixels as grey_pixels
    from hapsvm.preview.products import preview_jobs as preview_jobs
    from hapsvm.preview.stretch import row_blocks as row_blocks
    from hapsvm.preview.stretch import stretch_block as stretch_block
    from hapsvm.preview.stretch import stretch_to_uint8 as stretch_to_uint8
    from hapsvm.preview.stretch import stretch_to_unit as stretch_to_unit
    from hapsvm.preview.stretch import to_uint8 as to_uint8

__getattr__, __dir__, __all__ = lazy_exports(__name__, __file__)
