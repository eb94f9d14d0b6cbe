"""The name of the recipe file written beside every product (one rule for the engine, which
writes it, and the QA report, which links it)."""
from __future__ import annotations

from pathlib import Path

__all__ = ["IMAGE_EXTENSIONS", "recipe_name_for", "recipe_path_for"]

#: Extensions of preview images (their recipe file names keep the extension).
IMAGE_EXTENSIONS = ("jpg", "jpeg", "png")


def recipe_name_for(name: str) -> str:
    """The recipe file name of product file ``name``.

    ``hst_..._drz.fits`` → ``hst_..._drz_recipe.yaml``; images keep their extension in the
    name so that a preview never shares its product's recipe file.

    Examples
    --------
    >>> recipe_name_for("hst_1_01_wfc3_ir_total_ib6o21_drz.fits")
    'hst_1_01_wfc3_ir_total_ib6o21_drz_recipe.yaml'
    >>> recipe_name_for("hst_1_01_wfc3_ir_total_ib6o21_drz.jpg")
    'hst_1_01_wfc3_ir_total_ib6o21_drz_jpg_recipe.yaml'
    """
    stem, _, ext = name.partition(".")
    if ext.lower() in IMAGE_EXTENSIONS:
        stem = f"{stem}_{ext.lower()}"
    return f"{stem}_recipe.yaml"


def recipe_path_for(product: Path) -> Path:
    """The recipe file written beside ``product`` (see :func:`recipe_name_for`)."""
    return product.with_name(recipe_name_for(product.name))
