"""The SVM product tree of a visit: detector → filter → exposure products with every name."""
from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field
from typing import Any

from hapsvm.errors import HapsvmError
from hapsvm.errors import NoViableDataError
from hapsvm.visit.exposure import ExposureInfo
from hapsvm.visit.naming import VisitPrefix
from hapsvm.visit.naming import manifest_name
from hapsvm.visit.naming import product_type_for
from hapsvm.visit.vetting import is_grism
from hapsvm.visit.vetting import is_ramp

__all__ = ["ExposureProduct", "FilterProduct", "TotalProduct", "ProductTree", "UnknownUnitError",
           "build_product_tree", "sort_exposures", "nexp_bin"]



class UnknownUnitError(HapsvmError, LookupError):
    """A work unit name that the product tree does not define (or not of the kind asked)."""


@dataclass
class ExposureProduct:
    """One exposure: its renamed copy and, for direct images, its exposure-level products."""

    exposure: ExposureInfo
    base: str
    input_copy: str
    drizzle: str
    headerlet: str
    trailer: str
    preview: str
    thumbnail: str
    kind: str
    """``imaging``, ``grism``, ``ramp`` or ``unpaired`` (an FLT in an FLC filter group)."""


@dataclass
class FilterProduct:
    """A filter product and its member exposures."""

    filter_name: str
    base: str
    product_type: str
    exposures: list[ExposureProduct]
    nexp_bin: str
    unit: str
    """Name of the work unit that makes this product: ``<detector key>_<filter>``."""

    @property
    def drizzle(self) -> str:
        """``B<filter>_<ipppss>_<dr?>.fits``."""
        return f"{self.base}_{self.product_type}.fits"

    def names(self) -> dict[str, str]:
        """Every file name of this product by kind."""
        return _derived_names(self.base, self.product_type)


@dataclass
class TotalProduct:
    """A detector's total (detection) product, its filters, grism and ramp exposures."""

    detector_key: str
    instrument: str
    detector: str
    base: str
    product_type: str
    filters: list[FilterProduct]
    grism_exposures: list[ExposureProduct] = field(default_factory=list)
    ramp_exposures: list[ExposureProduct] = field(default_factory=list)
    unpaired_exposures: list[ExposureProduct] = field(default_factory=list)
    nexp_bin: str = "n1"

    @property
    def unit(self) -> str:
        """Name of the work unit that makes this product: the detector key."""
        return self.detector_key

    @property
    def drizzle(self) -> str:
        """``Btotal_<ipppss>_<dr?>.fits``."""
        return f"{self.base}_{self.product_type}.fits"

    @property
    def has_direct_images(self) -> bool:
        """Whether any filter product exists (a grism-only detector has none)."""
        return bool(self.filters)

    def names(self) -> dict[str, str]:
        """Every file name of this product by kind, colour preview included."""
        names = _derived_names(self.base, self.product_type)
        tags = "-".join(f.filter_name for f in self.filters[:3])
        if len(self.filters) >= 2:
            names["color_preview"] = f"{self.base}_{tags}_{self.product_type}.jpg"
            names["color_thumbnail"] = f"{self.base}_{tags}_{self.product_type}_thumb.jpg"
        return names

    def all_exposures(self) -> list[ExposureProduct]:
        """Every exposure product of the detector, in tree order."""
        return [e for f in self.filters for e in f.exposures] + self.ramp_exposures + \
            self.unpaired_exposures + self.grism_exposures


@dataclass
class ProductTree:
    """The whole visit's products."""

    manifest: str
    totals: list[TotalProduct]

    def total(self, unit: str) -> TotalProduct:
        """The total product of a detector unit, or of the detector a filter unit belongs to.

        Raises
        ------
        UnknownUnitError
            If no product of the tree is made by ``unit``.
        """
        for total in self.totals:
            if unit == total.unit or any(unit == f.unit for f in total.filters):
                return total
        raise UnknownUnitError(f"unit {unit!r} makes no product of this visit; its units are "
                               f"{', '.join(self.unit_names()) or 'none'}")

    def filter_product(self, unit: str) -> FilterProduct:
        """The filter product a filter unit makes.

        Raises
        ------
        UnknownUnitError
            If ``unit`` is a detector unit (is the step registered with ``scope="filter"``?)
            or no unit of the tree.
        """
        for f in self.total(unit).filters:
            if f.unit == unit:
                return f
        raise UnknownUnitError(f"unit {unit!r} is a detector, not a filter product: a step "
                               "asking for its filter product runs with scope 'filter'")

    def unit_names(self) -> list[str]:
        """Every unit's name: each detector, followed by its filter products."""
        return [name for t in self.totals for name in (t.unit, *(f.unit for f in t.filters))]

    def as_dict(self) -> dict[str, Any]:
        """Plain-data form, shaped as ``schemas/product_tree.schema.json``."""
        return {"manifest": self.manifest, "detectors": [_total_dict(t) for t in self.totals]}

    def files_by_kind(self) -> dict[str, dict[str, list[str]]]:
        """Every file name the tree defines, by kind and then detector key.

        Kinds: ``input_copy``, ``headerlet``, ``exposure_drizzle``, ``filter_drizzle``,
        ``total_drizzle``, the catalogues, previews and trailers by the keys of
        :meth:`TotalProduct.names`; the manifest is kind ``manifest`` under detector ``""``.
        """
        out: dict[str, dict[str, list[str]]] = {"manifest": {"": [self.manifest]}}

        def add(kind: str, detector: str, name: str) -> None:
            out.setdefault(kind, {}).setdefault(detector, []).append(name)

        for total in self.totals:
            det = total.detector_key
            for e in total.all_exposures():
                add("input_copy", det, e.input_copy)
                add("trailer", det, e.trailer)
                if e.kind in ("imaging", "ramp"):
                    add("headerlet", det, e.headerlet)
                if e.kind == "imaging":
                    add("exposure_drizzle", det, e.drizzle)
                    add("preview", det, e.preview)
                    add("thumbnail", det, e.thumbnail)
            named = [(f.names(), "filter_drizzle") for f in total.filters]
            if total.has_direct_images:
                named.append((total.names(), "total_drizzle"))
            else:
                add("trailer", det, f"{total.base}_trl.txt")
            for names, drizzle_kind in named:
                for kind, name in names.items():
                    add(drizzle_kind if kind == "drizzle" else kind, det, name)
        return out


def _derived_names(base: str, ptype: str) -> dict[str, str]:
    return {"drizzle": f"{base}_{ptype}.fits", "point_catalog": f"{base}_point-cat.ecsv",
            "segment_catalog": f"{base}_segment-cat.ecsv", "trailer": f"{base}_trl.txt",
            "preview": f"{base}_{ptype}.jpg", "thumbnail": f"{base}_{ptype}_thumb.jpg"}


def _exposure_dict(e: ExposureProduct) -> dict[str, Any]:
    out = {"rootname": e.exposure.rootname, "original": str(e.exposure.path), "kind": e.kind,
           "filter": e.exposure.filter_name, "exptime_s": e.exposure.exptime,
           "input_copy": e.input_copy, "trailer": e.trailer}
    if e.kind == "imaging":
        out.update({"drizzle": e.drizzle, "headerlet": e.headerlet, "preview": e.preview,
                    "thumbnail": e.thumbnail})
    elif e.kind == "ramp":
        out["headerlet"] = e.headerlet
    return out


def _total_dict(t: TotalProduct) -> dict[str, Any]:
    names = t.names() if t.has_direct_images else {"trailer": f"{t.base}_trl.txt"}
    return {
        "detector": t.detector_key, "base": t.base, "product_type": t.product_type,
        "nexp_bin": t.nexp_bin, "files": names,
        "filters": [{"filter": f.filter_name, "base": f.base, "product_type": f.product_type,
                     "nexp_bin": f.nexp_bin, "files": f.names(),
                     "exposures": [_exposure_dict(e) for e in f.exposures]} for f in t.filters],
        "ramp_exposures": [_exposure_dict(e) for e in t.ramp_exposures],
        "grism_exposures": [_exposure_dict(e) for e in t.grism_exposures],
        "unpaired_exposures": [_exposure_dict(e) for e in t.unpaired_exposures],
    }


def sort_exposures(exposures: list[ExposureInfo]) -> list[ExposureInfo]:
    """Sort by exposure time ascending, ties by PHOTFLAM descending (spec §4.1, as coded)."""
    return sorted(exposures, key=lambda e: (e.exptime, -e.photflam))


def nexp_bin(n: int, lower_bounds: list[int]) -> str:
    """Name of the n-exposure bin: the largest lower bound ≤ n (``n4`` for 4 with [1, 2, 4]).

    Examples
    --------
    >>> nexp_bin(4, [1, 2, 4]), nexp_bin(3, [1, 2, 4]), nexp_bin(7, [1, 2, 6]), nexp_bin(0, [1])
    ('n4', 'n2', 'n6', 'n1')
    """
    bounds = sorted(lower_bounds)
    chosen = bounds[0]
    for b in bounds:
        if n >= b:
            chosen = b
    return f"n{chosen}"


def _exposure_product(e: ExposureInfo, prefix: VisitPrefix, kind: str) -> ExposureProduct:
    base = prefix.exposure_base(e.filter_name, e.rootname)
    ptype = product_type_for(e.suffix)
    return ExposureProduct(exposure=e, base=base, input_copy=f"{base}_{e.suffix}.fits",
                           drizzle=f"{base}_{ptype}.fits", headerlet=f"{base}_hlet.fits",
                           trailer=f"{base}_trl.txt", preview=f"{base}_{ptype}.jpg",
                           thumbnail=f"{base}_{ptype}_thumb.jpg", kind=kind)


def build_product_tree(exposures: list[ExposureInfo], *,
                       nexp_bins: dict[str, list[int]]) -> ProductTree:
    """Group kept exposures into the SVM product tree (spec §4).

    Parameters
    ----------
    exposures
        Kept exposures of one visit (any order; sorted here).
    nexp_bins
        Per detector key, the lower bounds of the n-exposure bins (``{"wfc3_ir": [1, 2, 4]}``).

    Raises
    ------
    NoViableDataError
        If no detector has a direct (non-grism) image.
    """
    ordered = sort_exposures(exposures)
    by_det: dict[str, list[ExposureInfo]] = {}
    for e in ordered:
        by_det.setdefault(e.detector_key, []).append(e)
    totals = [_build_total(key, members, nexp_bins) for key, members in by_det.items()]
    if not any(t.has_direct_images for t in totals):
        raise NoViableDataError("no detector of the visit has a direct (non-grism) image")
    first = ordered[0]
    return ProductTree(manifest=manifest_name(first.instrument, first.rootname), totals=totals)


def _build_total(key: str, members: list[ExposureInfo],
                 nexp_bins: dict[str, list[int]]) -> TotalProduct:
    first = members[0]
    prefix = VisitPrefix(first.proposal_id, first.obset_id, first.instrument, first.detector)
    bounds = nexp_bins.get(key, [1])
    groups: dict[str, list[ExposureInfo]] = {}
    grism, ramp = [], []
    for e in members:
        if is_grism(e.filter_name):
            grism.append(_exposure_product(e, prefix, "grism"))
        else:
            groups.setdefault(e.filter_name, []).append(e)
    filters: list[FilterProduct] = []
    unpaired: list[ExposureProduct] = []
    for fname, group in groups.items():
        has_flc = any(e.suffix == "flc" for e in group)
        ptype = "drc" if has_flc else "drz"
        direct = [e for e in group if (e.suffix == "flc") == has_flc]
        unpaired += [_exposure_product(e, prefix, "unpaired") for e in group if e not in direct]
        if is_ramp(fname):
            ramp += [_exposure_product(e, prefix, "ramp") for e in direct]
            continue
        filters.append(FilterProduct(
            filter_name=fname, base=prefix.filter_base(fname, direct[0].rootname),
            product_type=ptype, nexp_bin=nexp_bin(len(direct), bounds), unit=f"{key}_{fname}",
            exposures=[_exposure_product(e, prefix, "imaging") for e in direct]))
    n_direct = sum(len(f.exposures) for f in filters)
    direct_first = next((e for e in members if not is_grism(e.filter_name)), first)
    total_type = filters[0].product_type if filters else product_type_for(first.suffix)
    return TotalProduct(detector_key=key, instrument=first.instrument, detector=first.detector,
                        base=prefix.total_base(direct_first.rootname), product_type=total_type,
                        filters=filters, grism_exposures=grism, ramp_exposures=ramp,
                        unpaired_exposures=unpaired, nexp_bin=nexp_bin(n_direct, bounds))
