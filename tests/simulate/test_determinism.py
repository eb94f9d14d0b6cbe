"""Same seed, same pixels; another seed, other pixels; bad arguments are refused."""
from __future__ import annotations

import numpy as np
import pytest
from astropy.io import fits

from hapsvm.errors import ConfigError
from hapsvm.errors import InputError
from hapsvm.simulate import simulate_visit


def _sci(path):
    with fits.open(path) as hdul:
        return [h.data.copy() for h in hdul if h.name == "SCI"]


def test_determinism_same_seed_same_pixels(tmp_path):
    kwargs = dict(detector="wfc3_uvis", n_exposures=2, size=64, seed=7, extras=("grism",))
    a = simulate_visit(tmp_path / "a", **kwargs)
    b = simulate_visit(tmp_path / "b", **kwargs)
    for pa, pb in zip(a.exposure_paths, b.exposure_paths):
        for sa, sb in zip(_sci(pa), _sci(pb)):
            assert np.array_equal(sa, sb)
        assert fits.getheader(pa, 1) == fits.getheader(pb, 1)
    assert a.reference_catalog_path.read_text() == b.reference_catalog_path.read_text()
    assert a.truth.exposures == b.truth.exposures


def test_determinism_other_seed_other_pixels(tmp_path):
    a = simulate_visit(tmp_path / "a", detector="wfc3_ir", n_exposures=1, size=64, seed=1)
    b = simulate_visit(tmp_path / "b", detector="wfc3_ir", n_exposures=1, size=64, seed=2)
    assert not np.array_equal(_sci(a.exposure_paths[0])[0], _sci(b.exposure_paths[0])[0])
    assert a.truth.apriori_error("isim01a0q") != b.truth.apriori_error("isim01a0q")


def test_determinism_existing_visit_needs_overwrite(tmp_path):
    simulate_visit(tmp_path, detector="wfc3_ir", n_exposures=1, size=64)
    with pytest.raises(InputError, match="exists and is not empty"):
        simulate_visit(tmp_path, detector="wfc3_ir", n_exposures=1, size=64)
    again = simulate_visit(tmp_path, detector="wfc3_ir", n_exposures=2, size=64, overwrite=True)
    assert len(list(again.visit_dir.glob("*_flt.fits"))) == 2


@pytest.mark.parametrize("kwargs, match", [
    ({"detector": "acs_sbc"}, "detector: detector is not simulated"),
    ({"filters": ["F999W"]}, "filters: filter is not simulated for wfc3_ir"),
    ({"filters": ["G141"]}, "G141 is a grism element"),
    ({"size": 8}, "size: must be between 32"),
    ({"obset_id": "1"}, "obset_id: must be 2"),
    ({"program_id": "ab_"}, "program_id: must be 3"),
    ({"n_exposures": 0}, "n_exposures: must be at least 1"),
])
def test_determinism_bad_arguments_raise_config_error(tmp_path, kwargs, match):
    with pytest.raises(ConfigError, match=match):
        simulate_visit(tmp_path, **{"size": 64, **kwargs})
