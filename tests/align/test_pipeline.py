"""End to end: the svm recipe on small simulated visits, with a local reference catalogue."""
from __future__ import annotations

import logging
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import yaml
from astropy.io import fits
from astropy.table import Table

from hapsvm.align.chip_wcs import read_exposure_wcs
from hapsvm.cli import run_visit
from hapsvm.core import Recipe
from hapsvm.paths import project_paths
from hapsvm.simulate import VisitTruth
from tests.align.helpers import rms
from tests.align.helpers import wcs_error_mas

ALIGN_STEPS = ["read_visit", "filter_exposures", "define_products", "write_visit_plan",
               "copy_inputs", "find_alignment_sources", "align_to_catalog", "apply_alignment",
               "reconcile_grism_wcs", "write_manifest"]


def alignment_recipe(tmp_path: Path) -> str:
    """Recipe v1 cut after the alignment steps (fast runs for the failure cases)."""
    steps = Recipe.load("v1", project_paths()).steps
    data = {"defaults": ["v1", "_self_"],
            "recipe": {"name": "align_only", "version": "1",
                       "steps": [s for s in ALIGN_STEPS if s in steps]}}
    path = tmp_path / "align_only.yaml"
    path.write_text(yaml.safe_dump(data))
    return str(path)


def _copy_errors(out: Path, truth: VisitTruth, pattern: str) -> dict[str, float]:
    errors = {}
    for path in sorted(out.glob(pattern)):
        root = fits.getval(path, "ROOTNAME").lower()
        _, chips = read_exposure_wcs(path)
        errors[root] = rms(np.concatenate([wcs_error_mas(w, truth.true_wcs(root, v))
                                           for v, w in chips.items()]))
    return errors


# add_skycells (not an alignment step) writes SKYCELL with a comment that no longer fits when
# an exposure touches 3+ sky cells; astropy then truncates the comment with this warning.
@pytest.mark.filterwarnings("ignore:Card is too long, comment will be truncated")
def test_svm_run_writes_aligned_copies_and_headerlets(sim_visit_factory: Callable,
                                                      tmp_path: Path) -> None:
    visit = sim_visit_factory(detector="wfc3_ir", extras=("grism",), seed=3)
    out = tmp_path / "out"
    result = run_visit(str(visit.poller_path), out,
                       [f"align_to_catalog.catalog_file={visit.reference_catalog_path}"])
    assert result.exit_code == 0, result.failures
    alignment = result.context.peek("alignment", "wfc3_ir")
    assert alignment.status == "aligned" and alignment.catalog == "GAIAeDR3"
    direct = sorted(out.glob("*_f160w_*_flt.fits"))
    hlets = sorted(out.glob("*_f160w_*_hlet.fits"))
    assert len(direct) == 4 and len(hlets) == 4
    for path in direct:
        sci = fits.getheader(path, ("SCI", 1))
        assert sci["WCSNAME"] == "IDC_w3m18525i-FIT_SVM_GAIAeDR3"
        assert sci["WCSNAMEA"] == "IDC_w3m18525i-GSC240" and sci["NMATCHES"] > 5
        assert 0.0 < sci["SVMAERR"] < 5.0                       # formal 1σ per axis, mas
        assert fits.getval(path, "SVMALIGN").startswith("FIT_SVM_GAIAeDR3")
        assert (out / path.name.replace("_flt.fits", "_flt_recipe.yaml")).is_file()
    with fits.open(hlets[0]) as hlet:
        assert hlet[0].header["WCSNAME"] == "IDC_w3m18525i-FIT_SVM_GAIAeDR3"
        assert hlet[0].header["CATALOG"] == "GAIAeDR3"
    direct_err = _copy_errors(out, visit.truth, "*_f160w_*_flt.fits")
    assert max(direct_err.values()) < 5.0, direct_err
    grism = next(out.glob("*_g102_*_flt.fits"))
    assert fits.getval(grism, "WCSNAME", ("SCI", 1)) == "IDC_w3m18525i-FIT_SVM_GAIAeDR3"
    assert fits.getval(grism, "SVMALIGN").startswith("GRISM: solution of")
    grism_err = _copy_errors(out, visit.truth, "*_g102_*_flt.fits")
    # the grism takes a direct image's correction: its error is the pointing difference
    # between two exposures of the visit (a few mas), not its a-priori error
    assert max(grism_err.values()) < 25.0, grism_err


def test_no_catalogue_match_keeps_the_apriori_wcs(sim_visit_factory: Callable, tmp_path: Path,
                                                  caplog: pytest.LogCaptureFixture) -> None:
    visit = sim_visit_factory(detector="wfc3_ir", n_exposures=2)
    far = Table.read(visit.reference_catalog_path)
    far["ra"] += 1.0
    catalog = tmp_path / "elsewhere.ecsv"
    far.write(catalog)
    caplog.set_level(logging.WARNING)
    out = tmp_path / "out"
    result = run_visit(str(visit.poller_path), out,
                       [f"align_to_catalog.catalog_file={catalog}",
                        "align_to_catalog.keep_relative_fit=false"],
                       recipe=alignment_recipe(tmp_path))
    assert result.exit_code == 0
    assert not list(out.glob("*_hlet.fits"))
    for path in out.glob("*_flt.fits"):
        assert fits.getval(path, "WCSNAME", ("SCI", 1)) == "IDC_w3m18525i-GSC240"
        assert fits.getval(path, "SVMALIGN").startswith("FAILED: no catalogue fit accepted")
        assert "GAIAeDR3: no reference sources in the field" in fits.getval(path, "SVMALIGN")
    assert any("keeps its WCS" in r.message for r in caplog.records)


def test_relative_fit_is_kept_without_a_catalogue(sim_visit_factory: Callable,
                                                  tmp_path: Path) -> None:
    visit = sim_visit_factory(detector="wfc3_ir")
    out = tmp_path / "out"
    result = run_visit(str(visit.poller_path), out, ["align_to_catalog.catalog_cache_dir=''"],
                       recipe=alignment_recipe(tmp_path))
    assert result.exit_code == 0
    names = {fits.getval(p, "WCSNAME", ("SCI", 1)) for p in out.glob("*_flt.fits")}
    assert names == {"IDC_w3m18525i-FIT_REL_NONE"}
    errors = _copy_errors(out, visit.truth, "*_flt.fits")
    # all exposures now share the first one's a-priori error: a common offset, no scatter
    assert np.ptp(list(errors.values())) < 10.0


def test_ramp_exposures_are_aligned_with_the_direct_images(sim_visit_factory: Callable,
                                                           tmp_path: Path) -> None:
    visit = sim_visit_factory(detector="wfc3_uvis", n_exposures=3, extras=("ramp",))
    out = tmp_path / "out"
    result = run_visit(str(visit.poller_path), out,
                       [f"align_to_catalog.catalog_file={visit.reference_catalog_path}"],
                       recipe=alignment_recipe(tmp_path))
    assert result.exit_code == 0, result.failures
    tree = result.context.peek("product_tree")
    ramp = tree.totals[0].ramp_exposures
    assert len(ramp) == 1
    alignment = result.context.peek("alignment", "wfc3_uvis")
    assert ramp[0].exposure.rootname in alignment.exposures
    copy = out / ramp[0].input_copy
    assert fits.getval(copy, "WCSNAME", ("SCI", 2)).endswith("-FIT_SVM_GAIAeDR3")
    assert (out / ramp[0].headerlet).is_file()
    errors = _copy_errors(out, visit.truth, ramp[0].input_copy)
    assert errors[ramp[0].exposure.rootname] < 4.0, errors
