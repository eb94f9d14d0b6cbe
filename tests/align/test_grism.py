"""Grism copies whose active WCS differs from the direct images' prior (real modern headers)."""
from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits
from stwcs.wcsutil import altwcs

from hapsvm.align import SkyCorrection
from hapsvm.align import assign_grism_solution
from hapsvm.align import fit_keywords
from hapsvm.align import plane_for
from hapsvm.align import read_chip_wcs
from hapsvm.align import update_grism
from hapsvm.align import wcs_names
from hapsvm.align.grism import choose_common_name
from hapsvm.align.results import ALIGNED
from hapsvm.align.results import DetectorAlignment
from hapsvm.align.results import ExposureSolution
from hapsvm.align.results import RelativeFit
from tests.align.helpers import rms
from tests.align.helpers import wcs_error_mas
from tests.conftest import VISIT21

MODERN = VISIT21 / "IRG102_icwz15e7q_flt.fits"


def test_common_name_preference() -> None:
    grism = {"IDC_w3m18525i-GSC240": " ", "OPUS": "O", "IDC_w3m18525i": "A"}
    assert choose_common_name(grism, {"IDC_w3m18525i-GSC240"}, set()) == \
        "IDC_w3m18525i-GSC240"                                          # a shared prior
    assert choose_common_name(grism, {"IDC_w3m18525i-FIT_REL_GAIAeDR3"},
                              {"OPUS", "IDC_w3m18525i", "IDC_w3m18525i-GSC240"}) == \
        "IDC_w3m18525i-GSC240"                                          # preferred pattern
    assert choose_common_name(grism, {"X"}, {"OPUS"}) == "OPUS"
    assert choose_common_name(grism, {"X"}, {"Y"}) is None


@pytest.mark.realdata
@pytest.mark.filterwarnings("ignore:Some non-standard WCS keywords were excluded")  # stwcs
def test_grism_takes_the_solution_through_a_common_wcs(tmp_path: Path) -> None:
    """Direct prior FIT_REL (pipeline relative fit), grism prior GSC240: via GSC240."""
    if not MODERN.is_file():
        pytest.skip(f"real data not found at {MODERN}")
    grism, direct = tmp_path / "grism_flt.fits", tmp_path / "direct_flt.fits"
    shutil.copyfile(MODERN, grism)
    shutil.copyfile(MODERN, direct)
    with fits.open(direct, mode="update") as hdul:       # a pipeline relative fit: 0.2″ off
        altwcs.archive_wcs(hdul, [("SCI", 1)])
        h = hdul["SCI", 1].header
        h["CRVAL2"] += 0.2 / 3600
        h["WCSNAME"] = "IDC_w3m18525i-FIT_REL_GAIAeDR3"
        prior = read_chip_wcs(hdul, 1)
    plane = plane_for([prior])
    r = np.radians(0.002)
    corr = SkyCorrection(plane, ((np.cos(r), np.sin(r)), (-np.sin(r), np.cos(r))), (0.05, 0.1))
    final = corr.apply(prior)
    with fits.open(direct, mode="update") as hdul:        # what apply_alignment writes
        altwcs.archive_wcs(hdul, [("SCI", 1)])
        h = hdul["SCI", 1].header
        h["CRVAL1"], h["CRVAL2"] = final.wcs.crval
        for (i, j), v in np.ndenumerate(final.pixel_scale_matrix):
            h[f"CD{i + 1}_{j + 1}"] = v
        h["WCSNAME"] = "IDC_w3m18525i-FIT_SVM_GAIAeDR3"
        names = {n: k for n, k in wcs_names(hdul).items() if k != " "}
    sol = ExposureSolution("ib6o21qnq", "imaging", "IDC_w3m18525i-FIT_REL_GAIAeDR3", corr, 30,
                           mjd=55107.49)
    alignment = DetectorAlignment("wfc3_ir", ALIGNED, "", plane,
                                  RelativeFit(True, "none", "ib6o21qnq"), {"ib6o21qnq": sol}, [],
                                  catalog="GAIAeDR3", method="relative", fit_geometry="rscale",
                                  n_matches=30, quality_code=1)
    with fits.open(grism) as hdul:
        offered = wcs_names(hdul)
    assignment = assign_grism_solution("ib6o21qmq", 55107.48, offered, alignment,
                                       {"ib6o21qnq": names}, {"ib6o21qnq": direct})
    assert assignment.wcsname == "IDC_w3m18525i-GSC240" and assignment.source == "ib6o21qnq"
    new = update_grism(grism, assignment, alignment, keywords=fit_keywords(alignment, "x"))
    assert new == "IDC_w3m18525i-FIT_SVM_GAIAeDR3"
    with fits.open(grism) as g:
        # same detector WCS in both files: the grism must land exactly on the direct's final WCS
        assert rms(wcs_error_mas(read_chip_wcs(g, 1), final)) < 0.05
        assert "via IDC_w3m18525i-GSC240" in g[0].header["SVMALIGN"]
