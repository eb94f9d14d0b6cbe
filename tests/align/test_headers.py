"""Corrections on real distorted WCSs, header keywords, archived WCS, headerlets, SVMALIGN."""
from __future__ import annotations

import io
import shutil
from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits

from hapsvm.align import FitKeywords
from hapsvm.align import HeaderletInfo
from hapsvm.align import SkyCorrection
from hapsvm.align import TangentPlane
from hapsvm.align import apply_correction
from hapsvm.align import headerlet_name
from hapsvm.align import make_headerlet
from hapsvm.align import measure_correction
from hapsvm.align import plane_for
from hapsvm.align import read_chip_wcs
from hapsvm.align import wcsname_for
from hapsvm.align import wcstype_for
from hapsvm.align.grism import assign_grism_solution
from hapsvm.align.grism import update_grism
from hapsvm.align.results import ALIGNED
from hapsvm.align.results import FAILED
from hapsvm.align.results import DetectorAlignment
from hapsvm.align.results import ExposureSolution
from hapsvm.align.results import RelativeFit
from hapsvm.align.update import fit_keywords
from hapsvm.align.update import mark_unaligned
from hapsvm.align.update import update_exposure
from tests.align.helpers import rms
from tests.align.helpers import wcs_error_mas
from tests.conftest import REALDATA

LOOKUP = REALDATA / "headers_wcs" / "dist_lookup.fits.gz"


@pytest.fixture
def distorted(tmp_path: Path) -> Path:
    """A copy of the real ACS/WFC chip with SIP, NPOL and D2IM (100×100 cutout)."""
    if not LOOKUP.is_file():
        pytest.skip(f"real data not found at {LOOKUP}")
    path = tmp_path / "hst_1_01_acs_wfc_f606w_j94f05bg_flc.fits"
    with fits.open(LOOKUP) as hdul:
        hdul[0].header["ROOTNAME"] = "j94f05bgq"
        hdul.writeto(path)
    return path


def _correction(plane: TangentPlane, rot_deg: float = 0.01,
                shift: tuple[float, float] = (0.3, -0.2)) -> SkyCorrection:
    r = np.radians(rot_deg)
    m = 1.00001 * np.array([[np.cos(r), np.sin(r)], [-np.sin(r), np.cos(r)]])
    return SkyCorrection(plane, tuple(map(tuple, m)), shift)  # type: ignore[arg-type]


def test_correction_round_trip_with_npol_and_d2im(distorted: Path) -> None:
    with fits.open(distorted) as hdul:
        wcs = read_chip_wcs(hdul, 1)
    assert wcs.sip is not None and wcs.cpdis1 is not None and wcs.det2im1 is not None
    plane = plane_for([wcs])
    corr = _correction(plane)
    new = corr.apply(wcs)
    back = measure_correction([wcs], [new], plane)
    assert back.rotation_deg == pytest.approx(0.01, abs=1e-6)
    assert back.scale == pytest.approx(1.00001, abs=1e-8)
    assert back.shift_arcsec == pytest.approx((0.3, -0.2), abs=1e-5)
    assert back.offset_radec_arcsec == pytest.approx((-0.3, -0.2), abs=1e-5)
    assert new.cpdis1 is not None and new.det2im1 is not None   # distortion kept


def test_wcs_names_and_types() -> None:
    assert wcsname_for("IDC_2731450pi-GSC240", "FIT_SVM_GAIAeDR3") == \
        "IDC_2731450pi-FIT_SVM_GAIAeDR3"
    assert wcsname_for("", "FIT_SVM_GSC242") == "OPUS-FIT_SVM_GSC242"
    assert wcsname_for("OPUS", "FIT_REL_NONE") == "OPUS-FIT_REL_NONE"
    assert wcstype_for("IDC_x-FIT_SVM_GAIAeDR3") == \
        "undistorted a posteriori solution aligned by visit to GAIAeDR3"
    assert wcstype_for("IDC_x-GSC240") == "undistorted a priori solution based on GSC240"
    assert wcstype_for("OPUS-FIT_REL_NONE") == \
        "pipeline default a posteriori solution relatively aligned to NONE"
    assert wcstype_for("MINE") == "user-defined not aligned"


def test_apply_correction_archives_and_writes_keywords(distorted: Path) -> None:
    with fits.open(distorted) as hdul:
        old = read_chip_wcs(hdul, 1)
    corr = _correction(plane_for([old]))
    kw = FitKeywords(rms_ra_mas=3.6, rms_dec_mas=7.2, n_matches=17, fit_geometry="rscale")
    with fits.open(distorted, mode="update") as hdul:
        apply_correction(hdul, corr, wcsname="IDC_postsm4-FIT_SVM_GAIAeDR3", keywords=kw,
                         hdrname="x-hlet.fits")
    with fits.open(distorted) as hdul:
        h = hdul["SCI", 1].header
        new = read_chip_wcs(hdul, 1)
        assert h["WCSNAME"] == "IDC_postsm4-FIT_SVM_GAIAeDR3"
        assert h["WCSNAMEA"] == "IDC_postsm4"                       # old WCS archived
        assert h["WCSTYPE"].startswith("undistorted a posteriori")
        assert (h["RMS_RA"], h["NMATCHES"], h["FITGEOM"], h["RELGEOM"]) == \
            (3.6, 17, "rscale", "N/A")
        assert h["CRDER2"] == pytest.approx(7.2 / 3.6e6)
        assert h["HDRNAME"] == "x-hlet.fits"
        assert h["SVMAERR"] == -1.0                                  # no uncertainty given
        assert "UPWCSVER" in hdul[0].header and "PYWCSVER" in hdul[0].header
    assert rms(wcs_error_mas(new, corr.apply(old))) < 0.01


def test_headerlet_file_and_attached_extension(distorted: Path) -> None:
    info = HeaderletInfo("GAIAeDR3", "relative", 21, 4.5, 3.0, 3.4, ("x shift 1 px",))
    name = headerlet_name(distorted.name, "IDC_postsm4")
    assert name == "hst_1_01_acs_wfc_f606w_j94f05bg_flc_IDC_postsm4-hlet.fits"
    with fits.open(distorted, mode="update") as hdul:
        data = make_headerlet(hdul, hdrname=name, info=info)
        make_headerlet(hdul, hdrname=name, info=info)        # a second call attaches nothing
    with fits.open(io.BytesIO(data)) as hlet:
        prim = hlet[0].header
        assert (prim["HDRNAME"], prim["WCSNAME"], prim["NMATCH"], prim["CATALOG"],
                prim["FITMETH"]) == (name, "IDC_postsm4", 21, "GAIAeDR3", "relative")
        assert prim["FIT_RMS"] == 4.5 and "x shift 1 px" in str(prim["HISTORY"])
        assert "D2IMARR" in [h.name for h in hlet] and "WCSDVARR" in [h.name for h in hlet]
    with fits.open(distorted) as hdul:
        assert [h.name for h in hdul].count("HDRLET") == 1
    assert not Path("headerlet.log").exists()


def _alignment(wcs, status: str = ALIGNED) -> DetectorAlignment:  # type: ignore[no-untyped-def]
    plane = plane_for([wcs])
    sol = ExposureSolution("j94f05bgq", "imaging", "IDC_postsm4", _correction(plane), 12,
                           mjd=55000.0, position_error_mas=0.731)
    rel = RelativeFit(True, "rscale", "j94f05bgq", {"j94f05bgq": 0}, {"j94f05bgq": 0.0})
    return DetectorAlignment("acs_wfc", status, "" if status == ALIGNED else "why", plane, rel,
                             {"j94f05bgq": sol} if status == ALIGNED else {}, [],
                             catalog="GAIAeDR3", method="relative", fit_geometry="rscale",
                             n_matches=12, fit_rms_mas=3.0, rms_ra_mas=2.0, rms_dec_mas=2.2,
                             quality_code=1)


def test_update_exposure_and_grism_and_failure(distorted: Path, tmp_path: Path) -> None:
    with fits.open(distorted) as hdul:
        wcs = read_chip_wcs(hdul, 1)
    alignment = _alignment(wcs)
    grism = tmp_path / "grism_flc.fits"
    failed = tmp_path / "failed_flc.fits"
    shutil.copyfile(distorted, grism)
    shutil.copyfile(distorted, failed)
    data = update_exposure(distorted, alignment.exposures["j94f05bgq"], alignment,
                           copy_name=distorted.name)
    assert fits.getval(distorted, "SVMALIGN") == "FIT_SVM_GAIAeDR3 rscale q1"
    assert fits.getval(distorted, "WCSNAME", ("SCI", 1)) == "IDC_postsm4-FIT_SVM_GAIAeDR3"
    assert fits.getval(distorted, "RELGEOM", ("SCI", 1)) == "rscale"
    assert fits.getval(distorted, "SVMAERR", ("SCI", 1)) == 0.731
    assert len(data) > 2880
    offered = {"IDC_postsm4": " "}
    assignment = assign_grism_solution("grism", 55000.01, offered, alignment, {}, {})
    assert (assignment.source, assignment.wcsname) == ("j94f05bgq", "IDC_postsm4")
    assert update_grism(grism, assignment, alignment,
                        keywords=fit_keywords(alignment, "j94f05bgq")) == \
        "IDC_postsm4-FIT_SVM_GAIAeDR3"
    with fits.open(grism) as g, fits.open(distorted) as d:
        assert rms(wcs_error_mas(read_chip_wcs(g, 1), read_chip_wcs(d, 1))) < 1e-3
        assert g[0].header["SVMALIGN"].startswith("GRISM: solution of j94f05bgq")
    other = assign_grism_solution("grism", 55000.0, {"OPUS": " "}, alignment, {}, {})
    assert other.correction is None and "no WCS name shared" in other.reason
    none = assign_grism_solution("grism", 55000.0, offered, _alignment(wcs, FAILED), {}, {})
    assert none.correction is None and "not aligned" in none.reason
    mark_unaligned(failed, "no catalogue fit accepted (GAIAeDR3: 0 matches)")
    assert fits.getval(failed, "SVMALIGN") == \
        "FAILED: no catalogue fit accepted (GAIAeDR3: 0 matches)"
    assert fits.getval(failed, "WCSNAME", ("SCI", 1)) == "IDC_postsm4"
    assert fit_keywords(_alignment(wcs, FAILED), "j94f05bgq").position_error_mas == -1.0
