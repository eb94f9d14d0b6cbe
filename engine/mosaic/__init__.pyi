"""Static view of ``hapsvm.mosaic`` for editors and type checkers (names load lazily
at run time, see ``__init__.py``); written by ``python -m hapsvm.stubs``."""

from hapsvm.mosaic.chips import (
    Chip as Chip,
    Exposure as Exposure,
    read_chip_arrays as read_chip_arrays,
    read_exposure_chips as read_exposure_chips,
)
from hapsvm.mosaic.copies import (
    exposure_sky_cells as exposure_sky_cells,
    write_cr_flags as write_cr_flags,
    write_skycell as write_skycell,
)
from hapsvm.mosaic.drizzling import (
    ChipJob as ChipJob,
    DrizzleArrays as DrizzleArrays,
    drizzle_chips as drizzle_chips,
)
from hapsvm.mosaic.footprints import (
    FootprintMasks as FootprintMasks,
    footprint_statistics as footprint_statistics,
)
from hapsvm.mosaic.grid import (
    OutputGrid as OutputGrid,
    build_output_grid as build_output_grid,
    chip_outline_sky as chip_outline_sky,
)
from hapsvm.mosaic.header_rules import (
    HeaderRules as HeaderRules,
    read_rules as read_rules,
)
from hapsvm.mosaic.parallel import (
    WorkBudget as WorkBudget,
    run_tasks as run_tasks,
)
from hapsvm.mosaic.params import (
    CosmicRayParams as CosmicRayParams,
    DrizzleParams as DrizzleParams,
    ExposureDrizzleParams as ExposureDrizzleParams,
    FilterProductParams as FilterProductParams,
    ProductParams as ProductParams,
    SkyParams as SkyParams,
    TotalProductParams as TotalProductParams,
)
from hapsvm.mosaic.pipeline import (
    DrizzleOutcome as DrizzleOutcome,
    ProductDrizzle as ProductDrizzle,
    drizzle_product as drizzle_product,
    footprint_masks as footprint_masks,
)
from hapsvm.mosaic.pixmaps import (
    PixmapCache as PixmapCache,
)
from hapsvm.mosaic.product_file import (
    ProductSpec as ProductSpec,
    build_product as build_product,
)
from hapsvm.mosaic.products import (
    SaveProduct as SaveProduct,
    drizzle_filter_product as drizzle_filter_product,
    drizzle_total_product as drizzle_total_product,
)
from hapsvm.mosaic.s_region import (
    region_polygons as region_polygons,
    s_region_string as s_region_string,
)
from hapsvm.mosaic.skycells import (
    sky_cells_for as sky_cells_for,
)
from hapsvm.mosaic.workers import (
    ProductTask as ProductTask,
    ensure_pixmap as ensure_pixmap,
    write_product_file as write_product_file,
)

__all__ = [
    "Chip",
    "ChipJob",
    "CosmicRayParams",
    "DrizzleArrays",
    "DrizzleOutcome",
    "DrizzleParams",
    "Exposure",
    "ExposureDrizzleParams",
    "FilterProductParams",
    "FootprintMasks",
    "HeaderRules",
    "OutputGrid",
    "PixmapCache",
    "ProductDrizzle",
    "ProductParams",
    "ProductSpec",
    "ProductTask",
    "SaveProduct",
    "SkyParams",
    "TotalProductParams",
    "WorkBudget",
    "build_output_grid",
    "build_product",
    "chip_outline_sky",
    "drizzle_chips",
    "drizzle_filter_product",
    "drizzle_product",
    "drizzle_total_product",
    "ensure_pixmap",
    "exposure_sky_cells",
    "footprint_masks",
    "footprint_statistics",
    "read_chip_arrays",
    "read_exposure_chips",
    "read_rules",
    "region_polygons",
    "run_tasks",
    "s_region_string",
    "sky_cells_for",
    "write_cr_flags",
    "write_product_file",
    "write_skycell",
]
