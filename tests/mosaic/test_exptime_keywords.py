"""EXPTIME/TEXPTIME of products sum each exposure once, also on two-chip detectors."""
from __future__ import annotations

from pathlib import Path

from astropy.io import fits

from hapsvm.cli import run_visit


def test_two_chip_products_sum_exposure_time_once(sim_visit_factory, tmp_path: Path) -> None:
    visit = sim_visit_factory(detector="acs_wfc", n_exposures=2, size=256, seed=4)
    out = tmp_path / "out"
    result = run_visit(str(visit.poller_path), out,
                       [f"align_to_catalog.catalog_file={visit.reference_catalog_path}"])
    assert result.exit_code == 0
    exptimes = [fits.getval(p, "EXPTIME") for p in visit.imaging_paths]
    filt = next(out.glob("*_f606w_jsim01_drc.fits"))
    total = next(out.glob("*_total_jsim01_drc.fits"))
    for product in (filt, total):
        header = fits.getheader(product)
        assert header["EXPTIME"] == sum(exptimes), product.name
        assert header["TEXPTIME"] == sum(exptimes), product.name
        assert header["NUMEXP"] == len(exptimes)
