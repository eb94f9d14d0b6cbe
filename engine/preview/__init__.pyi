"""Static view of ``hapsvm.preview`` for editors and type checkers (names load lazily
at run time, see ``__init__.py``); written by ``python -m hapsvm.stubs``."""

from hapsvm.preview.color import (
    color_composite as color_composite,
    order_by_wavelength as order_by_wavelength,
)
from hapsvm.preview.images import (
    DrizzleImage as DrizzleImage,
    pivot_wavelength as pivot_wavelength,
    read_drizzle as read_drizzle,
)
from hapsvm.preview.jpeg import (
    fit_within as fit_within,
    write_jpeg as write_jpeg,
)
from hapsvm.preview.products import (
    ColorJob as ColorJob,
    PreviewJob as PreviewJob,
    color_job as color_job,
    color_pixels as color_pixels,
    grey_pixels as grey_pixels,
    preview_jobs as preview_jobs,
)
from hapsvm.preview.params import (
    PreviewSettings as PreviewSettings,
    StretchSettings as StretchSettings,
)
from hapsvm.preview.levels import (
    DisplayLevels as DisplayLevels,
    display_levels as display_levels,
    sample_valid as sample_valid,
    sky_and_noise as sky_and_noise,
)
from hapsvm.preview.stretch import (
    row_blocks as row_blocks,
    stretch_block as stretch_block,
    stretch_to_uint8 as stretch_to_uint8,
    stretch_to_unit as stretch_to_unit,
    to_uint8 as to_uint8,
)

__all__ = [
    "ColorJob",
    "DisplayLevels",
    "DrizzleImage",
    "PreviewJob",
    "PreviewSettings",
    "StretchSettings",
    "color_composite",
    "color_job",
    "color_pixels",
    "display_levels",
    "fit_within",
    "grey_pixels",
    "order_by_wavelength",
    "pivot_wavelength",
    "preview_jobs",
    "read_drizzle",
    "row_blocks",
    "sample_valid",
    "sky_and_noise",
    "stretch_block",
    "stretch_to_uint8",
    "stretch_to_unit",
    "to_uint8",
    "write_jpeg",
]
