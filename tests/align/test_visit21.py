"""The real WFC3/IR visit 21: relative alignment of the F098M images, grisms follow them.

No astrometric catalogue of the field is available offline: the default catalogue service (a
closed loopback port in tests, see tests/conftest.py) is unreachable, so the run says so and keeps
the relative alignment (WCSNAME ``OPUS-FIT_REL_NONE``). As the README suggests, the
SIP distortion of the full-float G102 file is grafted onto the eight old plain-TAN headers first
(the relative fit of dithered exposures needs the distortion).
"""
from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from astropy.io import fits
from astropy.wcs import WCS

from hapsvm.align.chip_wcs import read_exposure_wcs
from hapsvm.cli import run_visit
from tests.align.helpers import rms
from tests.align.helpers import wcs_error_mas
from tests.align.test_pipeline import alignment_recipe
from tests.conftest import VISIT21_DIRECT
from tests.conftest import VISIT21_GRISM

pytestmark = pytest.mark.realdata


def graft_sip(visit_dir: Path) -> None:
    """Give the ib6o21* headers the SIP block of ``IRG102_icwz15e7q_flt.fits`` (README recipe)."""
    modern = fits.getheader(visit_dir / "IRG102_icwz15e7q_flt.fits", ("SCI", 1))
    sip = {k: modern[k] for k in modern if k.startswith(("A_", "B_"))}
    for root in VISIT21_DIRECT + VISIT21_GRISM:
        with fits.open(visit_dir / f"{root}_flt.fits", mode="update") as hdul:
            h = hdul["SCI", 1].header
            ra, dec = WCS(h).wcs_pix2world([[507.0, 507.0]], 1)[0]
            h["CRPIX1"], h["CRPIX2"], h["CRVAL1"], h["CRVAL2"] = 507.0, 507.0, ra, dec
            h["CTYPE1"], h["CTYPE2"] = "RA---TAN-SIP", "DEC--TAN-SIP"
            h.update(sip)


def test_visit21_relative_alignment_and_grism(visit21: Path, visit_copy: Callable,
                                              tmp_path: Path) -> None:
    visit = visit_copy(visit21)
    graft_sip(visit)
    out = tmp_path / "out"
    result = run_visit(str(visit), out, [], recipe=alignment_recipe(tmp_path))
    assert result.exit_code == 0, result.failures
    alignment = result.context.peek("alignment", "wfc3_ir")
    rel = alignment.relative
    print(f"visit 21 relative fit ({rel.geometry}) to {rel.reference}: " + ", ".join(
        f"{r} {rel.n_matches[r]} matches rms {rel.rms_mas[r]:.0f} mas" for r in rel.n_matches))
    assert alignment.status == "relative only"
    assert "unreachable (connection refused)" in alignment.reason
    assert rel.ok and rel.reference == "ib6o21qnq" and rel.geometry == "rscale"
    assert sorted(rel.n_matches) == sorted(VISIT21_DIRECT[1:])
    assert min(rel.n_matches.values()) >= 12
    assert max(rel.rms_mas.values()) < 150.0
    shifts = {r: s.offset_radec_arcsec for r, s in alignment.exposures.items()}
    assert shifts["ib6o21qnq"] == pytest.approx((0.0, 0.0), abs=1e-6)
    assert all(np.hypot(*s) < 1.0 for s in shifts.values())      # same guide stars: < 1″
    for root in VISIT21_DIRECT:
        path = next(out.glob(f"*_f098m_{root[:8]}_flt.fits"))
        assert fits.getval(path, "WCSNAME", ("SCI", 1)) == "OPUS-FIT_REL_NONE"
        assert fits.getval(path, "RELREFIM", ("SCI", 1)).endswith("ib6o21qn")
    for root in VISIT21_GRISM:
        path = next(out.glob(f"*_g102_{root[:8]}_flt.fits"))
        outcome = fits.getval(path, "SVMALIGN")
        assert outcome.startswith("GRISM: solution of ib6o21")
        source = outcome.split()[3]
        assert source in VISIT21_DIRECT
        # the grism moved on the sky exactly as its direct image did
        _, before = read_exposure_wcs(visit / f"{root}_flt.fits")
        _, after = read_exposure_wcs(path)
        moved = alignment.exposures[source].correction.apply(before[1])
        assert rms(wcs_error_mas(after[1], moved)) < 0.01
