"""Simulated HST visits (FLT/FLC files, poller, reference catalogue) with known truth.

``simulate_visit(out_dir, detector=..., ...)`` writes ``<out_dir>/<ipppss>_<detector>/``::

    <rootname>_flt.fits | _flc.fits   calibrated exposures (regular ones first, then extras)
    <ipppss>_input.out                8-column poller (spec §1.2), pathname = the file name
    reference_gaia.ecsv               Gaia-DR3-like stars (G ≤ 21): positions at 2016.0, proper
                                      motions and their errors (``simulate.astrometry``)
    reference_gaia.csv                the same as the catalogue service answers for this visit:
                                      positions propagated to the visit epoch (``epoch`` column)
    truth/visit.json, sources.ecsv, <rootname>_sci<extver>_wcs.hdr, <rootname>_crmask.fits

Conventions the pipeline can rely on:

* Files follow the real templates of ``shared/realdata`` (``$HAPSVM_REALDATA``; a built-in
  keyword set otherwise). PRIMARY + per chip SCI, ERR, DQ (IR also SAMP, TIME); EXTVER is the
  chip index, and SCI,1 is CCDCHIP 2 for UVIS and ACS/WFC. SCI/ERR float32, DQ int16.
* Units: WFC3/IR SCI in electrons/s (``BUNIT ELECTRONS/S``), UVIS/ACS in electrons. Sky is not
  subtracted; dark is. ``PHOTFLAM``/``PHOTPLAM`` are in the primary header (IR and UVIS) and in
  every SCI header of the CCDs (ACS: SCI only), so AB zero point = −2.5 log PHOTFLAM − 21.10 −
  5 log PHOTPLAM + 18.6921 and ``sources['flux_<filter>']`` (e-/s) = 10^(−0.4 (mag − ZP)).
* Like flat-fielded HST data, a source's counts are its flux divided by the pixel area map
  (``geometry.relative_pixel_area``: |det J| / IDCSCALE²); the sky is flat per pixel.
* The header WCS is TAN-SIP named ``IDC_<idctab>-GSC240`` (no NPOL/D2IM, no alternates,
  ``VAFACTOR`` 1): do not run ``updatewcs`` on these files (their IDCTAB is not available).
  The true WCS is the header WCS moved by the a-priori error: a roll of ``rot_deg`` about the
  exposure's reference point (IR chip CRVAL; mid-point of the two chip CRVALs otherwise) then a
  shift of (dx, dy) arcsec = (ΔRA·cosδ, ΔDec) there: ``VisitTruth.header_position`` applies it.
* Pixel positions are 0-based in the Python API (``all_world2pix(..., 0)``), CRPIX 1-based in
  headers. Small visits (``size``) are centred subarrays (LTV1/2, SUBARRAY = T).
* Astrometry: the images show the stars at the visit epoch with their true proper motions (a
  field mean, default (1.5, −3.0) mas/yr, plus a 5 mas/yr dispersion; no parallax). The
  catalogue lists them at J2016.0 with Gaia-DR3-like errors drawn from uncertainties that grow
  with G (``catalog_errors=False``: exact values), so the catalogue brought to the visit epoch is
  off by √(σ_pos² + (Δt·σ_pm)²) per star.
* Crowding: ``crowding="crowded"`` draws a 47 Tuc-like globular-cluster field (~30,000 stars
  per ACS/WFC chip, saturated giants with bleed trails and DQ 256) whose reference catalogue
  is cut at Gaia's crowding limit (``simulate.crowding``); the default is a sparse field.
* PSF: Moffat core + Moffat wings, truncated at 5″ (IR) or 2″ (CCDs) and normalised there; the
  truth flux is the total. ``psf.psf_for`` and ``psf.encircled_energy`` give the model.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from hapsvm.lazy import lazy_exports

if TYPE_CHECKING:  # the exports: read by editors and type checkers, and by lazy_exports
    from hapsvm.simulate.detectors import DETECTORS as DETECTORS
    from hapsvm.simulate.detectors import DetectorSpec as DetectorSpec
    from hapsvm.simulate.detectors import get_detector as get_detector
    from hapsvm.simulate.plan import EXTRAS as EXTRAS
    from hapsvm.simulate.scoring import score_alignment as score_alignment
    from hapsvm.simulate.scoring import score_point_catalog as score_point_catalog
    from hapsvm.simulate.truth import TRUTH_DIR as TRUTH_DIR
    from hapsvm.simulate.truth import ExposureTruth as ExposureTruth
    from hapsvm.simulate.truth import VisitTruth as VisitTruth
    from hapsvm.simulate.truth import load_truth as load_truth
    from hapsvm.simulate.visit import SimulatedVisit as SimulatedVisit
    from hapsvm.simulate.visit import simulate_visit as simulate_visit

__getattr__, __dir__, __all__ = lazy_exports(__name__, __file__)
