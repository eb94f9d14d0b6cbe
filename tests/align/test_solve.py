"""The fit chain on synthetic source lists: accuracy, geometry fallback, catalogue fallback."""
from __future__ import annotations

from dataclasses import replace

import numpy as np
import pytest

from hapsvm.align import AlignmentSettings
from hapsvm.align import CatalogUnavailableError
from hapsvm.align import align_detector
from hapsvm.align.results import ALIGNED
from hapsvm.align.results import FAILED
from hapsvm.align.results import RELATIVE_ONLY
from tests.align.helpers import MemoryProvider
from tests.align.helpers import rms
from tests.align.helpers import star_field
from tests.align.helpers import synthetic_visit
from tests.align.helpers import wcs_error_mas

SETTINGS = AlignmentSettings()


def _errors(result, apriori, true) -> np.ndarray:  # type: ignore[no-untyped-def]
    out = []
    for (root, chip), w in apriori.items():
        new = result.exposures[root].correction.apply(w)
        out.append(wcs_error_mas(new, true[(root, chip)]))
    return np.concatenate(out)


def test_align_detector_recovers_true_wcs() -> None:
    stars = star_field(60)
    exps, apriori, true = synthetic_visit(stars)
    before = np.concatenate([wcs_error_mas(apriori[k], true[k]) for k in apriori])
    result = align_detector(exps, apriori, [MemoryProvider({"GAIAeDR3": stars})], SETTINGS,
                            detector="wfc3_ir")
    assert result.status == ALIGNED and result.catalog == "GAIAeDR3"
    assert (result.method, result.fit_geometry, result.quality_code) == ("relative", "rscale", 1)
    assert result.wcsname_suffix == "FIT_SVM_GAIAeDR3"
    assert rms(before) > 400
    # 0.03 px centroid noise = 3.8 mas per star: the fit must average it down
    assert rms(_errors(result, apriori, true)) < 3.0
    assert result.fit_rms_mas < 10 and result.n_matches >= 20
    assert all(s.fitted for s in result.exposures.values())


def test_align_detector_image_method_alone() -> None:
    stars = star_field(60)
    exps, apriori, true = synthetic_visit(stars, seed=5)
    result = align_detector(exps, apriori, [MemoryProvider({"GAIAeDR3": stars})],
                            replace(SETTINGS, fit_methods=["image"]), detector="wfc3_ir")
    assert result.method == "image" and result.status == ALIGNED
    assert rms(_errors(result, apriori, true)) < 3.0


def test_four_star_catalogue_ends_in_rshift_by_default() -> None:
    stars = star_field(4, size_deg=0.02)
    exps, apriori, true = synthetic_visit(stars, n_extra=40)
    result = align_detector(exps, apriori, [MemoryProvider({"GAIAeDR3": stars})], SETTINGS,
                            detector="wfc3_ir")
    assert result.status == ALIGNED and result.fit_geometry == "rshift"
    assert result.n_matches == 4
    first = result.attempts[0]
    assert (first.geometry, first.accepted) == ("rscale", False)
    assert "4 reference sources < 6" in first.reason
    assert rms(_errors(result, apriori, true)) < 15.0


def test_four_star_catalogue_follows_configured_minimum_matches() -> None:
    stars = star_field(4, size_deg=0.02)
    exps, apriori, true = synthetic_visit(stars, n_extra=40)
    settings = replace(SETTINGS, min_matches={"rscale": 6, "rshift": 5, "shift": 3})
    result = align_detector(exps, apriori, [MemoryProvider({"GAIAeDR3": stars})], settings,
                            detector="wfc3_ir")
    assert result.status == ALIGNED and result.fit_geometry == "shift"
    assert [a.geometry for a in result.attempts] == ["rscale", "rshift", "shift"]
    assert rms(_errors(result, apriori, true)) < 15.0


def test_drizzlepac_rules_reject_a_sparse_catalogue() -> None:
    """drizzlepac 3.11: rscale only, 12 matches: 4 stars give no catalogue fit."""
    stars = star_field(4, size_deg=0.02)
    exps, apriori, _ = synthetic_visit(stars, n_extra=40)
    settings = replace(SETTINGS, fit_geometries=("rscale",), min_matches={"rscale": 12},
                       relative_geometries=("rscale",), keep_relative_fit=False)
    result = align_detector(exps, apriori, [MemoryProvider({"GAIAeDR3": stars})], settings,
                            detector="wfc3_ir")
    assert result.status == FAILED and result.exposures == {}
    assert "4 reference sources < 12" in result.reason


def test_catalogue_without_stars_in_the_field_falls_to_the_next() -> None:
    stars = star_field(60)
    far = star_field(60, seed=3)
    far = replace(far, ra=far.ra + 1.0)
    exps, apriori, true = synthetic_visit(stars)
    provider = MemoryProvider({"GAIAeDR3": far, "GSC242": stars})
    result = align_detector(exps, apriori, [provider], SETTINGS, detector="wfc3_ir")
    assert provider.asked == ["GAIAeDR3", "GSC242"]
    assert result.catalog == "GSC242" and result.wcsname_suffix == "FIT_SVM_GSC242"
    assert result.attempts[0].catalog == "GAIAeDR3" and not result.attempts[0].accepted
    assert rms(_errors(result, apriori, true)) < 3.0


def test_failing_provider_passes_to_the_next_catalogue() -> None:
    stars = star_field(60)
    exps, apriori, _ = synthetic_visit(stars)

    class Broken(MemoryProvider):
        def fetch(self, request):  # type: ignore[no-untyped-def]
            raise CatalogUnavailableError("HTTP 500 Internal Server Error")

    result = align_detector(exps, apriori, [Broken({"GAIAeDR3": stars}),
                                            MemoryProvider({"GSC242": stars})],
                            SETTINGS, detector="wfc3_ir")
    assert result.catalog == "GSC242"
    assert "HTTP 500" in result.attempts[0].reason
    assert result.attempts[1].catalog == "GSC242" and result.attempts[1].accepted


@pytest.mark.parametrize("keep_relative", [True, False])
def test_no_usable_catalogue(keep_relative: bool) -> None:
    stars = star_field(60)
    exps, apriori, true = synthetic_visit(stars)
    result = align_detector(exps, apriori, [], replace(SETTINGS, keep_relative_fit=keep_relative),
                            detector="wfc3_ir")
    assert [a.catalog for a in result.attempts] == ["GAIAeDR3", "GSC242", "2MASS"]
    assert "no provider configured" in result.reason
    if keep_relative:
        assert result.status == RELATIVE_ONLY and result.wcsname_suffix == "FIT_REL_NONE"
        assert result.relative.ok and result.relative.geometry == "rscale"
        # relative only: every exposure carries the first one's a-priori error (~0.5″)
        first = result.exposures[exps[0].rootname].correction
        assert first.offset_radec_arcsec == pytest.approx((0.0, 0.0), abs=1e-9)
    else:
        assert result.status == FAILED and not result.succeeded
        assert result.wcsname_suffix == "" and result.exposures == {}


def test_exposure_without_sources_borrows_the_nearest_correction() -> None:
    stars = star_field(60)
    exps, apriori, true = synthetic_visit(stars)
    empty = replace(exps[2], chips=[replace(exps[2].chips[0], x=np.empty(0), y=np.empty(0),
                                            flux=np.empty(0))])
    exps[2] = empty
    result = align_detector(exps, apriori, [MemoryProvider({"GAIAeDR3": stars})], SETTINGS,
                            detector="wfc3_ir")
    sol = result.exposures[empty.rootname]
    assert not sol.fitted and result.status == ALIGNED
    # the neighbour's correction is off by the 0.05″ per-exposure difference of the simulation
    err = wcs_error_mas(sol.correction.apply(apriori[(empty.rootname, 1)]),
                        true[(empty.rootname, 1)])
    assert 30 < rms(err) < 70
