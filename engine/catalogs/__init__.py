"""Source catalogues of the total and filter products: point and segment (spec §9).

Detection runs once on a detector's total (detection) product; every filter product is then
measured at the same positions and with the same segmentation (forced photometry), so all
catalogues of a detector share source IDs.
"""
from __future__ import annotations

from engine.catalogs.ecsv import FILL_VALUE, write_catalog
from engine.catalogs.image import ProductImage, product_grid, read_product
from engine.catalogs.params import CatalogParameters
from engine.catalogs.pipeline import CatalogFile, DetectorCatalogs, ProductCatalogs, build_catalogs
from engine.catalogs.saturation import saturated_pixels

__all__ = [
                                      "FILL_VALUE",
                                      "CatalogFile",
                                      "CatalogParameters",
                                      "DetectorCatalogs",
                                      "ProductCatalogs",
                                      "ProductImage",
                                      "build_catalogs",
                                      "product_grid", "read_product",
                                      "saturated_pixels",
                                      "write_catalog",
]
