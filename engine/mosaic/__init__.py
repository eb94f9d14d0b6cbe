"""Drizzle products: common grid, pixel maps, sky, cosmic rays, mosaics and SVM keywords.

Plain functions and dataclasses over astropy and the ``drizzle`` package; no engine imports.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from hapsvm.lazy import lazy_exports

if TYPE_CHECKING:  # the exports: read by editors and type checkers, and by lazy_exports
    from hapsvm.mosaic.chips import Chip as Chip
    from hapsvm.mosaic.chips import Exposure as Exposure
    from hapsvm.mosaic.chips import read_chip_arrays as read_chip_arrays
    from hapsvm.mosaic.chips import read_exposure_chips as read_exposure_chips
    from hapsvm.mosaic.copies import exposure_sky_cells as exposure_sky_cells
    from hapsvm.mosaic.copies import write_cr_flags as write_cr_flags
    from hapsvm.mosaic.copies import write_skycell as write_skycell
    from hapsvm.mosaic.drizzling import ChipJob as ChipJob
    from hapsvm.mosaic.drizzling import DrizzleArrays as DrizzleArrays
    from hapsvm.mosaic.drizzling import drizzle_chips as drizzle_chips
    from hapsvm.mosaic.footprints import FootprintMasks as FootprintMasks
    from hapsvm.mosaic.footprints import footprint_statistics as footprint_statistics
    from hapsvm.mosaic.grid import OutputGrid as OutputGrid
    from hapsvm.mosaic.grid import build_output_grid as build_output_grid
    from hapsvm.mosaic.grid import chip_outline_sky as chip_outline_sky
    from hapsvm.mosaic.header_rules import HeaderRules as HeaderRules
    from hapsvm.mosaic.header_rules import read_rules as read_rules
    from hapsvm.mosaic.parallel import WorkBudget as WorkBudget
    from hapsvm.mosaic.parallel import run_tasks as run_tasks
    from hapsvm.mosaic.params import CosmicRayParams as CosmicRayParams
    from hapsvm.mosaic.params import DrizzleParams as DrizzleParams
    from hapsvm.mosaic.params import ExposureDrizzleParams as ExposureDrizzleParams
    from hapsvm.mosaic.params import FilterProductParams as FilterProductParams
    from hapsvm.mosaic.params import ProductParams as ProductParams
    from hapsvm.mosaic.params import SkyParams as SkyParams
    from hapsvm.mosaic.params import TotalProductParams as TotalProductParams
    from hapsvm.mosaic.pipeline import DrizzleOutcome as DrizzleOutcome
    from hapsvm.mosaic.pipeline import ProductDrizzle as ProductDrizzle
    from hapsvm.mosaic.pipeline import drizzle_product as drizzle_product
    from hapsvm.mosaic.pipeline import footprint_masks as footprint_masks
    from hapsvm.mosaic.pixmaps import PixmapCache as PixmapCache
    from hapsvm.mosaic.product_file import ProductSpec as ProductSpec
    from hapsvm.mosaic.product_file import build_product as build_product
    from hapsvm.mosaic.products import SaveProduct as SaveProduct
    from hapsvm.mosaic.products import drizzle_filter_product as drizzle_filter_product
    from hapsvm.mosaic.products import drizzle_total_product as drizzle_total_product
    from hapsvm.mosaic.s_region import region_polygons as region_polygons
    from hapsvm.mosaic.s_region import s_region_string as s_region_string
    from hapsvm.mosaic.skycells import sky_cells_for as sky_cells_for
    from hapsvm.mosaic.workers import ProductTask as ProductTask
    from hapsvm.mosaic.workers import ensure_pixmap as ensure_pixmap
    from hapsvm.mosaic.workers import write_product_file as write_product_file

__getattr__, __dir__, __all__ = lazy_exports(__name__, __file__)
