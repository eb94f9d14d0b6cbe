"""The product tree of a detector as rows of files, each marked present, pending or absent."""
from __future__ import annotations

from pathlib import Path

from hapsvm.preview.report.model import FileLink
from hapsvm.preview.report.model import ProductRow
from hapsvm.recipe_files import recipe_name_for
from hapsvm.visit.product_tree import ExposureProduct
from hapsvm.visit.product_tree import TotalProduct

__all__ = ["detector_rows", "link"]

_EXPOSURE_KINDS = {
    "imaging": ("input_copy", "drizzle", "headerlet", "trailer", "preview", "thumbnail"),
    "ramp": ("input_copy", "headerlet", "trailer"),
    "grism": ("input_copy", "trailer"),
    "unpaired": ("input_copy", "trailer"),
}
_PRODUCT_KINDS = ("drizzle", "point_catalog", "segment_catalog", "trailer", "preview",
                  "thumbnail")


def link(out_dir: Path, name: str, kind: str, pending_kinds: frozenset[str]) -> FileLink:
    """A :class:`FileLink` for ``name`` in ``out_dir``.

    Examples
    --------
    >>> link(Path("/nonexistent"), "a_trl.txt", "trailer", frozenset({"trailer"})).linked
    True
    """
    exists = (out_dir / name).is_file()
    recipe = recipe_name_for(name)
    return FileLink(name=name, kind=kind, exists=exists,
                    pending=not exists and kind in pending_kinds,
                    recipe=recipe if exists and (out_dir / recipe).is_file() else "")


def _row(out_dir: Path, level: str, label: str, names: dict[str, str],
         pending: frozenset[str]) -> ProductRow:
    files = [link(out_dir, names[k], k, pending) for k in names]
    present = {f.kind: f.name for f in files if f.exists}
    return ProductRow(level=level, label=label, files=files,
                      preview=present.get("preview", ""), thumbnail=present.get("thumbnail", ""))


def _exposure_names(e: ExposureProduct) -> dict[str, str]:
    kinds = _EXPOSURE_KINDS.get(e.kind, ("input_copy", "trailer"))
    return {k: getattr(e, k) for k in kinds}


def detector_rows(total: TotalProduct, out_dir: Path,
                  pending: frozenset[str] = frozenset()) -> list[ProductRow]:
    """Rows of a detector in tree order: total, then each filter and its exposures, then the
    ramp, unpaired and grism exposures.

    Parameters
    ----------
    total
        The detector's total product.
    out_dir
        Where the products are.
    pending
        File kinds written after the report (linked even when absent), e.g. ``trailer``.
    """
    rows: list[ProductRow] = []
    if total.has_direct_images:
        names = {k: v for k, v in total.names().items() if k in _PRODUCT_KINDS}
        rows.append(_row(out_dir, "total", f"total ({total.product_type})", names, pending))
        for kind in ("color_preview", "color_thumbnail"):
            color = total.names().get(kind)
            if color:
                rows[-1].files.append(link(out_dir, color, kind, pending))
    else:
        rows.append(_row(out_dir, "total", "total (no direct images)",
                         {"trailer": f"{total.base}_trl.txt"}, pending))
    for f in total.filters:
        names = {k: v for k, v in f.names().items() if k in _PRODUCT_KINDS}
        rows.append(_row(out_dir, "filter", f"{f.filter_name} ({len(f.exposures)} exp, "
                         f"{f.nexp_bin})", names, pending))
        for e in f.exposures:
            rows.append(_row(out_dir, "exposure", f"{e.exposure.rootname} "
                             f"({e.exposure.exptime:g} s)", _exposure_names(e), pending))
    for kind, members in (("ramp", total.ramp_exposures),
                          ("unpaired", total.unpaired_exposures),
                          ("grism", total.grism_exposures)):
        for e in members:
            rows.append(_row(out_dir, kind, f"{e.exposure.rootname} {e.exposure.filter_name} "
                             f"({kind})", _exposure_names(e), pending))
    return rows
