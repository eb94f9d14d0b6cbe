"""Drizzle products: common grid, pixel maps, sky, cosmic rays, mosaics and SVM keywords.

Plain functions and dataclasses over astropy and the ``drizzle`` package; no engine imports.
"""
from __future__ import annotations

from engine.mosaic.chips import Chip, Exposure, read_chip_arrays, read_exposure_chips
from engine.mosaic.copies import exposure_sky_cells, write_cr_flags, write_skycell
from engine.mosaic.drizzling import ChipJob, DrizzleArrays, drizzle_chips
from engine.mosaic.footprints import FootprintMasks, footprint_statistics
from engine.mosaic.grid import OutputGrid, build_output_grid, chip_outline_sky
from engine.mosaic.header_rules import HeaderRules, read_rules
from engine.mosaic.parallel import run_tasks
from engine.mosaic.params import CosmicRayParams, DrizzleParams, SkyParams
from engine.mosaic.pipeline import DrizzleOutcome, ProductDrizzle, drizzle_product, footprint_masks
from engine.mosaic.pixmaps import PixmapCache
from engine.mosaic.product_file import ProductSpec, build_product
from engine.mosaic.s_region import region_polygons, s_region_string
from engine.mosaic.skycells import sky_cells_for
from engine.mosaic.workers import ProductTask, ensure_pixmap, write_product_file

__all__ = ["Chip", "ChipJob", "CosmicRayParams", "DrizzleArrays", "DrizzleOutcome",
           "DrizzleParams", "Exposure", "FootprintMasks", "HeaderRules", "OutputGrid",
           "PixmapCache", "ProductDrizzle", "ProductSpec", "ProductTask", "SkyParams",
           "build_output_grid", "build_product", "chip_outline_sky", "drizzle_chips",
           "drizzle_product", "ensure_pixmap", "exposure_sky_cells", "footprint_masks",
           "footprint_statistics", "read_chip_arrays", "read_exposure_chips", "read_rules",
           "region_polygons", "run_tasks", "s_region_string", "sky_cells_for", "write_cr_flags",
           "write_product_file", "write_skycell"]
