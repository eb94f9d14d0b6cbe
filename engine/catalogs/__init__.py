"""Source catalogues of the total and filter products: point and segment (spec §9).

Detection runs once on a detector's total (detection) product; every filter product is then
measured at the same positions and with the same segmentation (forced photometry), so all
catalogues of a detector share source IDs.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from hapsvm.lazy import lazy_exports

if TYPE_CHECKING:  # the exports: read by editors and type checkers, and by lazy_exports
    from hapsvm.catalogs.ecsv import FILL_VALUE as FILL_VALUE
    from hapsvm.catalogs.ecsv import write_catalog as write_catalog
    from hapsvm.catalogs.image import ProductImage as ProductImage
    from hapsvm.catalogs.image import product_grid as product_grid
    from hapsvm.catalogs.image import read_product as read_product
    from hapsvm.catalogs.params import CatalogParameters as CatalogParameters
    from hapsvm.catalogs.pipeline import CatalogFile as CatalogFile
    from hapsvm.catalogs.pipeline import DetectorCatalogs as DetectorCatalogs
    from hapsvm.catalogs.pipeline import ProductCatalogs as ProductCatalogs
    from hapsvm.catalogs.pipeline import build_catalogs as build_catalogs
    from hapsvm.catalogs.saturation import saturated_pixels as saturated_pixels

__getattr__, __dir__, __all__ = lazy_exports(__name__, __file__)
