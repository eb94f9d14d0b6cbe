"""Segment catalogues: the total image's segmentation measured in every filter (spec §9.3)."""
from __future__ import annotations

import logging
import warnings
from dataclasses import dataclass

import numpy as np
from astropy.table import Table
from astropy.utils.exceptions import AstropyUserWarning
from photutils.segmentation import SourceCatalog
from photutils.utils import calc_total_error

from hapsvm.catalogs.params import CatalogParameters
from hapsvm.catalogs.photometry import abmag
from hapsvm.catalogs.photometry import aperture_fluxes
from hapsvm.catalogs.point_catalog import Positions
from hapsvm.catalogs.point_catalog import source_flags
from hapsvm.catalogs.prepare import PreparedImage
from hapsvm.catalogs.segments import Segmentation
from hapsvm.catalogs.segments import segment_image
from hapsvm.catalogs.tables import SEGMENT_COLUMNS
from hapsvm.catalogs.tables import SEGMENT_EMPTY_COLUMNS
from hapsvm.catalogs.tables import make_table

__all__ = ["SegmentDetection", "detect_segments", "measure_segment_catalog"]

log = logging.getLogger(__name__)


@dataclass
class SegmentDetection:
    """The accepted segmentation of the total image and its detection catalogue."""

    segmentation: Segmentation
    catalog: SourceCatalog | None
    """Detection catalogue (centroids, shapes, Kron apertures); None when empty."""
    positions: Positions
    """Centroids (X-Centroid, Y-Centroid), RA/Dec and IDs (= segment labels)."""


#: Rows of the total-error map computed at a time (bounds the temporaries).
_ERROR_BLOCK_ROWS = 256


def _error(prep: PreparedImage, data: np.ndarray) -> np.ndarray:
    """Total error (background noise + Poisson noise of the sources), float32, row blocks."""
    out = np.empty(data.shape, np.float32)
    noise, texp = prep.background.noise, prep.exptime_map
    for start in range(0, data.shape[0], _ERROR_BLOCK_ROWS):
        rows = slice(start, start + _ERROR_BLOCK_ROWS)
        bkg_error = np.where(np.isfinite(noise[rows]), noise[rows], 0.0)
        gain = np.where(texp[rows] > 0, texp[rows], np.inf)
        out[rows] = calc_total_error(np.clip(data[rows], 0, None), bkg_error, gain)
    return out


def _catalog(prep: PreparedImage, seg: Segmentation, params: CatalogParameters,
             detection: SourceCatalog | None = None) -> SourceCatalog:
    """Measurement catalogue (``detection`` given, with errors) or the detection catalogue
    (no error map: only its centroids, shapes and Kron apertures are used)."""
    data = prep.resid
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AstropyUserWarning)
        return SourceCatalog(data, seg.segm, convolved_data=None if detection else seg.convolved,
                             error=None if detection is None else _error(prep, data),
                             mask=prep.nodata,
                             background=prep.background.level, wcs=prep.image.wcs,
                             kron_params=(params.kron_scaling_radius, params.kron_minimum_radius),
                             detection_catalog=detection)


def detect_segments(total: PreparedImage, params: CatalogParameters) -> SegmentDetection:
    """Segment the total image and build its detection catalogue (labels renumbered 1..n)."""
    fwhm_px = params.fwhmpsf_arcsec / total.image.pixel_scale_arcsec
    seg = segment_image(total.resid, total.background.noise, total.background.footprint, params,
                        fwhm_px=fwhm_px)
    z = np.zeros(0)
    empty = Positions(z, z, z, z, np.zeros(0, int))
    if seg.segm is None or seg.segm.n_labels == 0:
        log.info("segment detection: no segments (%s)", seg.empty_reason or "nothing found")
        return SegmentDetection(seg, None, empty)
    cat = _catalog(total, seg, params)
    xc, yc = np.asarray(cat.x_centroid, float), np.asarray(cat.y_centroid, float)
    bad = ~(np.isfinite(xc) & np.isfinite(yc))
    if bad.any():
        seg.segm.remove_labels(np.asarray(cat.labels)[bad])
        seg.segm.relabel_consecutive()
        cat = _catalog(total, seg, params)
    elif not seg.segm.is_consecutive:
        seg.segm.relabel_consecutive()
        cat = _catalog(total, seg, params)
    xc, yc = np.asarray(cat.x_centroid, float), np.asarray(cat.y_centroid, float)
    ra, dec = total.image.wcs.pixel_to_world_values(xc, yc)
    log.info("segment detection: %d segments (%s kernel, %.1f sigma)", len(xc), seg.kernel,
             seg.nsigma)
    return SegmentDetection(seg, cat, Positions(xc, yc, np.asarray(ra, float),
                                                np.asarray(dec, float),
                                                np.asarray(cat.labels, int)))


def measure_segment_catalog(prep: PreparedImage, det: SegmentDetection,
                            params: CatalogParameters, *,
                            saturated_xy: tuple[np.ndarray, np.ndarray] | None = None) -> Table:
    """Measure the total image's segments in one filter image (same pixel grid).

    Parameters
    ----------
    prep
        The prepared filter image.
    det
        The total image's segmentation and detection catalogue.
    params
        Catalogue parameters.
    saturated_xy
        Saturated input pixels in this frame, or None (no flag 4).

    Returns
    -------
    Table
        The spec's filter segment columns (+ Kron fluxes); the reduced empty layout when the
        segmentation was rejected as crowded.
    """
    pos, img = det.positions, prep.image
    if det.catalog is None:
        return make_table(SEGMENT_EMPTY_COLUMNS, {}, 0)
    cat = _catalog(prep, det.segmentation, params, detection=det.catalog)
    phot = aperture_fluxes(img.sci, prep.background.noise, pos.x, pos.y, prep.radii,
                           exptime_map=prep.exptime_map, photflam=img.photflam,
                           photplam=img.photplam, sky_statistic=params.sky_statistic)
    flags = source_flags(prep, pos.x, pos.y, phot, params, saturated_xy=saturated_xy)

    def arr(name: str) -> np.ndarray:
        value = getattr(cat, name)
        return np.asarray(getattr(value, "value", value), dtype=float)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore", AstropyUserWarning)
        warnings.simplefilter("ignore", RuntimeWarning)
        seg_flux, kron_flux = arr("segment_flux"), arr("kron_flux")
        values = {"X-Centroid": pos.x, "Y-Centroid": pos.y, "RA": pos.ra, "DEC": pos.dec,
                  "ID": pos.ids, "CI": phot.ci, "Flags": flags, "MagAp1": phot.mag1,
                  "MagErrAp1": phot.merr1, "FluxAp1": phot.flux1, "FluxErrAp1": phot.err1,
                  "MagAp2": phot.mag2, "MagErrAp2": phot.merr2, "FluxAp2": phot.flux2,
                  "FluxErrAp2": phot.err2, "MSkyAp2": phot.sky,
                  "Bck": arr("background_centroid"), "Area": arr("area"), "FWHM": arr("fwhm"),
                  "MagSegment": abmag(seg_flux, img.photflam, img.photplam),
                  "FluxSegment": seg_flux, "FluxSegmentErr": arr("segment_flux_err"),
                  "KronRadius": arr("kron_radius"), "Xmin": arr("bbox_xmin"),
                  "Ymin": arr("bbox_ymin"), "Xmax": arr("bbox_xmax"), "Ymax": arr("bbox_ymax"),
                  "X2": arr("covariance_xx"), "Y2": arr("covariance_yy"),
                  "XY": arr("covariance_xy"), "CXX": arr("ellipse_cxx"),
                  "CYY": arr("ellipse_cyy"), "CXY": arr("ellipse_cxy"),
                  "Elongation": arr("elongation"), "Ellipticity": arr("ellipticity"),
                  "Theta": arr("orientation"), "FluxKron": kron_flux,
                  "FluxKronErr": arr("kron_flux_err"),
                  "MagKron": abmag(kron_flux, img.photflam, img.photplam)}
    table = make_table(SEGMENT_COLUMNS, values, len(pos.ids))
    log.info("%s segment catalogue: %d sources, %d unflagged", img.filter_name, len(table),
             int(np.count_nonzero(flags == 0)))
    return table
