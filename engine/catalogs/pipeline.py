"""All catalogues of one detector: detect on the total product, measure every filter product."""
from __future__ import annotations

import logging
import warnings
from collections.abc import Callable
from collections.abc import Iterable
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

import numpy as np
from astropy.table import Table

from hapsvm.catalogs.apcorr import Neighbours
from hapsvm.catalogs.ecsv import CatalogInfo
from hapsvm.catalogs.ecsv import catalog_meta
from hapsvm.catalogs.flags import saturation_flags
from hapsvm.catalogs.image import ProductImage
from hapsvm.catalogs.image import without_pixels
from hapsvm.catalogs.params import CatalogParameters
from hapsvm.catalogs.point_catalog import Positions
from hapsvm.catalogs.point_catalog import detect_point_positions
from hapsvm.catalogs.point_catalog import measure_point_catalog
from hapsvm.catalogs.prepare import PreparedImage
from hapsvm.catalogs.prepare import prepare_image
from hapsvm.catalogs.quality import cr_rejection_threshold
from hapsvm.catalogs.quality import flagged_fraction
from hapsvm.catalogs.quality import n_good_rows
from hapsvm.catalogs.quality import trim_total
from hapsvm.catalogs.segment_catalog import SegmentDetection
from hapsvm.catalogs.segment_catalog import detect_segments
from hapsvm.catalogs.segment_catalog import measure_segment_catalog
from hapsvm.catalogs.tables import POINT_COLUMNS
from hapsvm.catalogs.tables import SEGMENT_COLUMNS
from hapsvm.catalogs.tables import SEGMENT_EMPTY_COLUMNS
from hapsvm.catalogs.tables import make_table
from hapsvm.catalogs.tables import total_table
from hapsvm.catalogs.trust import trust_notes
from hapsvm.catalogs.trust import trusted_rows
from hapsvm.errors import InputError

__all__ = ["CatalogFile", "DetectorCatalogs", "ProductCatalogs", "build_catalogs"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CatalogFile:
    """One written catalogue (the ``catalogs`` context value is a list of these)."""

    product: str
    """Filter name, or ``total``."""
    kind: str
    """``point`` or ``segment``."""
    path: Path
    n_sources: int


@dataclass
class ProductCatalogs:
    """Point and segment catalogue of one product (a filter, or ``total``)."""

    filter_name: str
    point: Table
    segment: Table


@dataclass
class DetectorCatalogs:
    """Every catalogue of one detector, filters in input order."""

    total: ProductCatalogs
    filters: list[ProductCatalogs]
    notes: list[str] = field(default_factory=list)
    """Quality decisions (emptied or marked catalogues, with reasons)."""

    def all(self) -> list[ProductCatalogs]:
        """Filter products first, then the total (manifest order, spec §10)."""
        return [*self.filters, self.total]


def _check_grid(total: ProductImage, image: ProductImage) -> None:
    ny, nx = total.shape
    probe_x, probe_y = np.array([0.0, nx - 1.0, nx / 2]), np.array([0.0, ny - 1.0, ny / 2])
    ra, dec = total.wcs.pixel_to_world_values(probe_x, probe_y)
    px, py = image.wcs.world_to_pixel_values(ra, dec)
    off = float(np.max(np.hypot(px - probe_x, py - probe_y)))
    if image.shape != total.shape or off > 0.01:
        raise InputError(f"filter product {image.filter_name} is not on the total product's "
                         f"pixel grid (shape {image.shape} vs {total.shape}, offset {off:.3f} "
                         "px); SVM products of a detector must share one output WCS",
                         file=image.path)


def _neighbours(seg: SegmentDetection) -> Neighbours | None:
    """Segments of the detection image as aperture-correction neighbours (None if none)."""
    cat = seg.catalog
    if cat is None:
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        flux = np.nan_to_num(np.asarray(cat.segment_flux, float))
        extent = np.nan_to_num(np.asarray(getattr(cat.semimajor_axis, "value",
                                                  cat.semimajor_axis), float), nan=1.0)
    return Neighbours(seg.positions.x, seg.positions.y, flux, extent)


def _extra(prep: PreparedImage) -> dict[str, object]:
    bkg = prep.background
    return {"Background method": bkg.method, "Background rms (e/s)": round(bkg.rms, 6),
            "Background skew": round(bkg.skew, 4),
            "Noise model": "per-pixel rms = background rms * sqrt(median WHT / WHT)"}


def _empty(image: ProductImage, params: CatalogParameters, version: str, reason: str,
           seg_columns: tuple = SEGMENT_EMPTY_COLUMNS) -> ProductCatalogs:
    extra: dict[str, object] = {"Quality": reason}
    point = make_table(POINT_COLUMNS, {}, 0)
    point.meta.update(catalog_meta(image, params, CatalogInfo("point", params.nsigma, 0, version,
                                                              extra)))
    seg = make_table(seg_columns, {}, 0)
    seg.meta.update(catalog_meta(image, params, CatalogInfo("segment", params.segm_nsigma, 0,
                                                            version, extra)))
    return ProductCatalogs(image.filter_name, point, seg)


def _measure_filter(image: ProductImage, total: ProductImage, pos: Positions,
                    seg: SegmentDetection, params: CatalogParameters, version: str,
                    saturated: tuple[np.ndarray, np.ndarray] | None) -> ProductCatalogs:
    _check_grid(total, image)
    prep = prepare_image(image, params)
    segm = seg.segmentation.segm.data if seg.segmentation.segm is not None else None
    point, apcorr = measure_point_catalog(prep, pos, pos.x, pos.y, params,
                                          saturated_xy=saturated, neighbours=_neighbours(seg),
                                          segm=segm)
    extra = _extra(prep) | {
        "Aperture correction": round(apcorr.factor, 5),
        "Aperture correction (mag)": round(apcorr.mag, 4),
        "Aperture correction error": round(apcorr.error, 5),
        "Aperture correction stars": apcorr.n_stars,
        "PSF photometry": point.meta.pop("psf", "not measured"),
        "Extra columns": list(EXTRA_POINT_NOTES),
        "Aperture correction method": f"{apcorr.method}: F({params.apcorr_radius_arcsec}\") / "
                                      f"F(aperture 2), far sky, with the light out to "
                                      f"{params.apcorr_outer_factor}x that radius, EE "
                                      f"{params.apcorr_large_ee}"}
    point.meta.update(catalog_meta(image, params, CatalogInfo(
        "point", params.nsigma, len(point), version, extra)))
    segment = measure_segment_catalog(prep, seg, params, saturated_xy=saturated)
    seg_extra = _extra(prep) | {"Segmentation": "; ".join(seg.segmentation.passes),
                                "Deblending": seg.segmentation.deblending}
    if seg.segmentation.empty_reason:
        seg_extra["Quality"] = seg.segmentation.empty_reason
    segment.meta.update(catalog_meta(image, params, CatalogInfo(
        "segment", seg.segmentation.nsigma, len(segment), version, seg_extra)))
    return ProductCatalogs(image.filter_name, point, segment)


def build_catalogs(total: ProductImage | Callable[[], ProductImage],
                   filters: Iterable[ProductImage], params: CatalogParameters,
                   *, saturated: dict[str, tuple[np.ndarray, np.ndarray]] | None = None,
                   exposures: dict[str, tuple[int, float]] | None = None,
                   recipe_version: str = "") -> DetectorCatalogs:
    """Detect on the total product and measure every filter product (spec §9).

    Parameters
    ----------
    total
        The detector's total (detection) product, or a function that reads it: then its pixel
        arrays are freed once the sources are detected (before any filter is read).
    filters
        Its filter products, on the same pixel grid; any iterable, consumed once and in order
        (a generator that reads each file when it is needed keeps one filter image in memory).
    params
        Catalogue parameters of the detector.
    saturated
        Filter → saturated input pixels in the product frame, or None (not known). They set
        flag 4 (with ``params.flag_saturation``), keep saturated stars out of the PSF and
        aperture-correction stars and out of the PSF fits' pixels.
    exposures
        Filter → (number of exposures, summed exposure time s), for the CR rejection rule.
    recipe_version
        Written into every catalogue header.

    Returns
    -------
    DetectorCatalogs

    Raises
    ------
    InputError
        If a filter product is not on the total product's grid.
    """
    version = recipe_version
    image = total() if callable(total) else total
    del total                                 # a function's image is owned here: freed below
    if image.is_blank:
        reason = "blank total image: no data to detect sources on"
        return DetectorCatalogs(_empty(image, params, version, reason),
                                [_empty(f, params, version, reason) for f in filters], [reason])
    tprep = prepare_image(image, params)
    pos = detect_point_positions(tprep, params, saturated_xy=_union(saturated))
    seg = detect_segments(tprep, params)
    extra = _extra(tprep)
    grid = without_pixels(image)             # WCS, shape, header facts of the total
    del tprep, image                          # the total's pixels are not needed any more
    per_filter: list[ProductCatalogs] = []
    # no enumerate(): its reused result tuple would keep the previous image alive during the
    # next read
    for filter_image in filters:
        log.info("catalogues of filter %d: %s", len(per_filter) + 1, filter_image.filter_name)
        sat = (saturated or {}).get(filter_image.filter_name) if saturated is not None else None
        per_filter.append(_measure_filter(filter_image, grid, pos, seg, params, version, sat))
        del filter_image                     # the next filter's arrays replace this one's
    _mark_trusted(per_filter, params, grid.pixel_scale_arcsec, _union(saturated))
    result = DetectorCatalogs(_total(grid, extra, pos, seg, per_filter, params, version),
                              per_filter)
    _quality(result, params, exposures or {}, grid.exptime)
    return result


#: Header description of the extra point columns (spec §9.6 notes style).
EXTRA_POINT_NOTES = (
    "FluxAp2Cor, FluxErrAp2Cor, MagAp2Cor: aperture-2 flux against a far sky times the "
    "aperture correction (total flux)",
    "FluxPSF, FluxErrPSF, MagPSF, MagErrPSF: PSF-fit flux at the fixed catalogue position, on "
    "the total-flux scale (see 'PSF photometry'); missing below the fit S/N",
    "QfitPSF: photutils qfit, sum |data - model| over the fit box / flux (0 = perfect fit); "
    "Chi2PSF: reduced chi-square of the fit",
)


def _mark_trusted(per_filter: list[ProductCatalogs], params: CatalogParameters,
                  pixel_scale_arcsec: float,
                  saturated: tuple[np.ndarray, np.ndarray] | None) -> None:
    """Add ``Trusted`` (0/1) to every filter point catalogue and describe it in the header."""
    tables = [p.point for p in per_filter if len(p.point)]
    if not tables:
        return
    r2 = params.aperture_2_arcsec / pixel_scale_arcsec
    near = [saturation_flags(np.asarray(t["X-Center"], float), np.asarray(t["Y-Center"], float),
                             *saturated, aperture_2_px=r2) != 0 if saturated is not None
            else np.zeros(len(t), bool) for t in tables]
    masks = trusted_rows(tables, pixel_scale_arcsec=pixel_scale_arcsec,
                         min_snr=params.trust_min_snr, other_snr=params.trust_other_snr,
                         wing_radius_arcsec=params.trust_wing_radius_arcsec,
                         wing_flux_ratio=params.trust_wing_flux_ratio,
                         extended_ci=params.trust_extended_ci,
                         aperture_ratio=params.aperture_2_arcsec / params.aperture_1_arcsec,
                         saturated=near)
    notes = trust_notes(min_snr=params.trust_min_snr, other_snr=params.trust_other_snr,
                        wing_radius_arcsec=params.trust_wing_radius_arcsec,
                        wing_flux_ratio=params.trust_wing_flux_ratio,
                        extended_ci=params.trust_extended_ci)
    for table, mask in zip(tables, masks, strict=True):
        table["Trusted"] = mask.astype(int)
        table.meta["Trusted rows"] = int(mask.sum())
        table.meta["Trusted (column notes)"] = notes
        log.info("%s: %d of %d point rows trusted", table.meta.get("Filter", ""),
                 int(mask.sum()), len(table))


def _union(saturated: dict[str, tuple[np.ndarray, np.ndarray]] | None
           ) -> tuple[np.ndarray, np.ndarray] | None:
    """Saturated pixels of every filter's inputs (the total product's detection mask)."""
    if not saturated:
        return None
    return (np.concatenate([xy[0] for xy in saturated.values()]),
            np.concatenate([xy[1] for xy in saturated.values()]))


def _total(image: ProductImage, extra: dict[str, object], pos: Positions,
           seg: SegmentDetection, per_filter: list[ProductCatalogs], params: CatalogParameters,
           version: str) -> ProductCatalogs:
    base = Table({"X-Center": pos.x, "Y-Center": pos.y, "RA": pos.ra, "DEC": pos.dec,
                  "ID": pos.ids})
    for spec in POINT_COLUMNS[:5]:
        base[spec.name].format, base[spec.name].unit = spec.format, spec.unit
    point = trim_total(total_table(base, "ID", {p.filter_name: p.point for p in per_filter}),
                       flag_trim_value=params.flag_trim_value)
    trusted = [point[f"Trusted_{p.filter_name}"] for p in per_filter]
    point["Trusted"] = np.any(np.vstack(trusted), axis=0).astype(int) if trusted and len(point) \
        else np.zeros(len(point), int)
    point["Trusted"].format = "1d"
    sp = seg.positions
    sbase = Table({"ID": sp.ids, "X-Centroid": sp.x, "Y-Centroid": sp.y, "RA": sp.ra,
                   "DEC": sp.dec})
    for spec in SEGMENT_COLUMNS[:5]:
        sbase[spec.name].format, sbase[spec.name].unit = spec.format, spec.unit
    segment = trim_total(total_table(sbase, "ID", {p.filter_name: p.segment for p in per_filter
                                                   if "ID" in p.segment.colnames}),
                         flag_trim_value=params.flag_trim_value)
    extra = extra | {"Trimming": f"rows flagged > {params.flag_trim_value} in every "
                                 "filter are removed"}
    point.meta.update(catalog_meta(image, params, CatalogInfo(
        "point", params.nsigma, len(point), version, extra | {
            "Trusted rows": int(np.sum(point["Trusted"])),
            "Trusted (column notes)": ["Trusted = 1 when Trusted_<filter> is 1 in any filter",
                                       *next((p.point.meta["Trusted (column notes)"]
                                              for p in per_filter
                                              if "Trusted (column notes)" in p.point.meta),
                                             [])]})))
    seg_extra = extra | {"Segmentation": "; ".join(seg.segmentation.passes),
                         "Deblending": seg.segmentation.deblending}
    if seg.segmentation.empty_reason:
        seg_extra["Quality"] = seg.segmentation.empty_reason
    segment.meta.update(catalog_meta(image, params, CatalogInfo(
        "segment", seg.segmentation.nsigma, len(segment), version, seg_extra)))
    return ProductCatalogs("total", point, segment)


def _quality(result: DetectorCatalogs, params: CatalogParameters,
             exposures: dict[str, tuple[int, float]], total_exptime: float) -> None:
    """Mark heavily flagged catalogues; apply the CR rule when enabled (spec §9.5)."""
    for prod in result.filters:
        for kind, table in (("point", prod.point), ("segment", prod.segment)):
            if "Flags" not in table.colnames or len(table) == 0:
                continue
            frac = flagged_fraction(np.asarray(table["Flags"]),
                                    flag_trim_value=params.flag_trim_value)
            if frac > params.max_flagged_fraction:
                note = (f"{frac:.0%} of the sources are flagged > {params.flag_trim_value} "
                        f"(limit {params.max_flagged_fraction:.0%}): use with care")
                table.meta["Quality"] = note
                result.notes.append(f"{prod.filter_name} {kind}: {note}")
    if not params.cr_rejection:
        return
    for kind, factor in (("point", params.crfactor_point), ("segment", params.crfactor_segment)):
        threshold = cr_rejection_threshold(factor, exposures, total_exptime)
        good = n_good_rows(getattr(result.total, kind))
        if 0 < good < threshold:
            reason = (f"cosmic-ray rejection: {good} good {kind} sources < threshold "
                      f"{threshold:.0f} (crfactor {factor} x n1^2 / TEXPTIME); all catalogues "
                      "of this detector are emptied")
            for prod in result.all():
                for attr in ("point", "segment"):
                    table = getattr(prod, attr)
                    setattr(prod, attr, table[:0])
                    getattr(prod, attr).meta["Quality"] = reason
                    getattr(prod, attr).meta["Number of sources"] = 0
            result.notes.append(reason)
            return
