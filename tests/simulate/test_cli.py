"""``svm-simulate`` writes a visit and reports it; bad options give the error's exit code."""
from __future__ import annotations

from hapsvm.simulate import load_truth
from hapsvm.simulate.cli import main


def test_cli_writes_visit_and_prints_summary(tmp_path, capsys):
    code = main([str(tmp_path), "--detector", "wfc3_ir", "--n-exposures", "2", "--filters",
                 "F160W,F140W", "--size", "64", "--seed", "3", "--extras", "grism,scan",
                 "--no-pointing-error"])
    out = capsys.readouterr().out.splitlines()
    assert code == 0
    visit_dir = tmp_path / "isim01_wfc3_ir"
    assert out[0] == f"visit dir: {visit_dir}"
    assert out[1] == f"poller:    {visit_dir / 'isim01_input.out'}"
    files = [line.split()[0] for line in out[3:]]
    assert files == ["isim01a0q_flt.fits", "isim01a1q_flt.fits", "isim01a2q_flt.fits",
                     "isim01a3q_flt.fits"]
    assert "F140W" in out[4] and "grism" in out[5] and "SCAN_TYP=C" in out[6]
    truth = load_truth(visit_dir)
    assert truth.seed == 3 and all(e.apriori_rot_deg == 0 for e in truth.exposures)


def test_cli_bad_extra_returns_config_exit_code(tmp_path, capsys):
    code = main([str(tmp_path), "--detector", "acs_wfc", "--size", "64", "--extras", "scan"])
    assert code == 3
    assert "extra 'scan' does not exist for acs_wfc" in capsys.readouterr().err


def test_cli_sets_the_epoch_motions_and_catalogue_errors(tmp_path, capsys):
    code = main([str(tmp_path), "--size", "64", "--n-exposures", "1", "--epoch", "2023.5",
                 "--pm-mean", "4,-2", "--pm-dispersion", "0", "--exact-catalog"])
    assert code == 0
    truth = load_truth(tmp_path / "isim01_wfc3_ir")
    assert abs(truth.epoch - 2023.5) < 1e-4 and not truth.catalog_errors
    stars = truth.sources[truth.sources["type"] == "star"]
    assert set(stars["pmra"]) == {4.0} and set(stars["pmdec"]) == {-2.0}
