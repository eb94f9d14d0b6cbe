"""Alignment of simulated visits against their true WCS, with the shipped per-detector config."""
from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pytest
from omegaconf import OmegaConf

from hapsvm.align.results import ALIGNED
from tests.align.helpers import align_simulated
from tests.align.helpers import rms
from tests.align.helpers import wcs_error_mas

INSTRUMENT = {"wfc3_ir": "wfc3", "wfc3_uvis": "wfc3", "acs_wfc": "acs"}
#: Required final WCS error (mas RMS over each chip) and the level the tests hold us to with an
#: exact reference catalogue (catalog_errors=False).
REQUIRED = {"wfc3_ir": 13.0, "wfc3_uvis": 4.0, "acs_wfc": 5.0}
TARGET = {"wfc3_ir": 5.0, "wfc3_uvis": 1.5, "acs_wfc": 1.5}
#: The level with the simulator's default Gaia-DR3-like catalogue: its errors at the visit epoch
#: (2011.1 for WFC3, 2004.1 for ACS: 5 and 12 years from Gaia's J2016.0) are √(σ_pos² +
#: (Δt·σ_pm)²), 1-17 mas per star at G = 19-21, and limit the fit (30 seeded small visits each:
#: median 1.2 / 0.55 / 1.3 mas, worst 2.6 / 1.3 / 2.6 mas for IR / UVIS / ACS).
TARGET_REALISTIC = {"wfc3_ir": 5.0, "wfc3_uvis": 2.0, "acs_wfc": 3.0}


def _align(visit, cfg):  # type: ignore[no-untyped-def]
    fs = OmegaConf.to_object(cfg.find_alignment_sources)   # the step configs are the settings
    ac = OmegaConf.to_object(cfg.align_to_catalog)
    return align_simulated(visit, fs, ac, detector="sim")


@pytest.mark.parametrize("exact", [True, False], ids=["exact_catalog", "gaia_dr3_errors"])
@pytest.mark.parametrize("detector", ["wfc3_ir", "wfc3_uvis", "acs_wfc"])
def test_simulated_visit_final_wcs_error(detector: str, exact: bool, sim_visit_factory: Callable,
                                         compose_recipe: Callable) -> None:
    visit = sim_visit_factory(detector=detector, catalog_errors=not exact)
    cfg = compose_recipe(instrument=INSTRUMENT[detector], detector=detector, nexp="n4")
    result, wcs = _align(visit, cfg)
    assert result.status == ALIGNED and result.catalog == "GAIAeDR3"
    assert result.quality_code == 1 and result.fit_geometry == "rscale"
    before, after = [], []
    for (root, chip), w in wcs.items():
        true = visit.truth.true_wcs(root, chip)
        before.append(wcs_error_mas(w, true))
        after.append(wcs_error_mas(result.exposures[root].correction.apply(w), true))
    apriori, final = rms(np.concatenate(before)), rms(np.concatenate(after))
    print(f"{detector}: a-priori {apriori:.0f} mas → {final:.2f} mas ± "
          f"{result.position_error_mas:.2f} ({result.n_matches} matches, fit rms "
          f"{result.fit_rms_mas:.1f} mas)")
    assert apriori > 50
    assert final < REQUIRED[detector]
    assert final < (TARGET if exact else TARGET_REALISTIC)[detector]
    # the reported uncertainty (1σ per axis) is of the size of the error (2-D RMS)
    assert 0.2 < final / (np.sqrt(2) * result.position_error_mas) < 3.0
