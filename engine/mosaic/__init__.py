"""Drizzle products: common grid, pixel maps, sky, cosmic rays, mosaics and SVM keywords.

Plain functions and dataclasses over astropy and the ``drizzle`` package; no engine imports.
"""
from __future__ import annotations

from hapsvm.lazy import lazy_exports

# submodule -> public names; a submodule is imported when one of its names is first read
__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    "chips": ["Chip", "Exposure", "read_chip_arrays", "read_exposure_chips"],
    "copies": ["exposure_sky_cells", "write_cr_flags", "write_skycell"],
    "drizzling": ["ChipJob", "DrizzleArrays", "drizzle_chips"],
    "footprints": ["FootprintMasks", "footprint_statistics"],
    "grid": ["OutputGrid", "build_output_grid", "chip_outline_sky"],
    "header_rules": ["HeaderRules", "read_rules"],
    "parallel": ["WorkBudget", "run_tasks"],
    "params": ["CosmicRayParams", "DrizzleParams", "ExposureDrizzleParams", "FilterProductParams",
               "ProductParams", "SkyParams", "TotalProductParams"],
    "pipeline": ["DrizzleOutcome", "ProductDrizzle", "drizzle_product", "footprint_masks"],
    "pixmaps": ["PixmapCache"],
    "product_file": ["ProductSpec", "build_product"],
    "products": ["SaveProduct", "drizzle_filter_product", "drizzle_total_product"],
    "s_region": ["region_polygons", "s_region_string"],
    "skycells": ["sky_cells_for"],
    "workers": ["ProductTask", "ensure_pixmap", "write_product_file"],
})
