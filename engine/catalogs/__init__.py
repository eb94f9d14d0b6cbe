"""Source catalogues of the total and filter products: point and segment (spec §9).

Detection runs once on a detector's total (detection) product; every filter product is then
measured at the same positions and with the same segmentation (forced photometry), so all
catalogues of a detector share source IDs.
"""
from __future__ import annotations

from hapsvm.lazy import lazy_exports

# submodule -> public names; a submodule is imported when one of its names is first read
__getattr__, __dir__, __all__ = lazy_exports(__name__, {
    "ecsv": ["FILL_VALUE", "write_catalog"],
    "image": ["ProductImage", "product_grid", "read_product"],
    "params": ["CatalogParameters"],
    "pipeline": ["CatalogFile", "DetectorCatalogs", "ProductCatalogs", "build_catalogs"],
    "saturation": ["saturated_pixels"],
})
