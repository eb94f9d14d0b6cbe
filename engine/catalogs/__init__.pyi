"""Static view of ``hapsvm.catalogs`` for editors and type checkers (names load lazily
at run time, see ``__init__.py``); written by ``python -m hapsvm.stubs``."""

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

__all__ = [
    "CatalogFile",
    "CatalogParameters",
    "DetectorCatalogs",
    "FILL_VALUE",
    "ProductCatalogs",
    "ProductImage",
    "build_catalogs",
    "product_grid",
    "read_product",
    "saturated_pixels",
    "write_catalog",
]
