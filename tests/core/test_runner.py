"""Runner behaviour: composition per unit, validation before work, provenance, isolation."""
from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest
import yaml

from hapsvm.cli import run_visit
from hapsvm.core import VisitContext
from hapsvm.core import WiringError
from hapsvm.core import check_wiring
from hapsvm.core import registry
from hapsvm.core.provenance import RunProvenance
from hapsvm.core.provenance import sha256_of
from hapsvm.errors import ConfigError
from hapsvm.errors import StepFailed
from tests.visit.synthetic import write_exposure


@pytest.fixture
def ir_visit(tmp_path: Path) -> Path:
    visit = tmp_path / "visit"
    visit.mkdir()
    for i in range(4):
        write_exposure(visit / f"ib6o21a{i}q_flt.fits", rootname=f"ib6o21a{i}q")
    return visit


def test_runner_chooses_n4_bin_for_four_ir_exposures(ir_visit: Path, tmp_path: Path) -> None:
    result = run_visit(str(ir_visit), tmp_path / "out", [])
    assert result.exit_code == 0
    cfg = result.unit_configs["wfc3_ir"]
    assert (cfg.instrument.name, cfg.detector.name, cfg.nexp.name) == ("wfc3", "wfc3_ir", "n4")
    assert result.unit_configs["wfc3_ir_f160w"].nexp.name == "n4"


def test_runner_chooses_n2_bin_for_three_ir_exposures(ir_visit: Path, tmp_path: Path) -> None:
    (ir_visit / "ib6o21a3q_flt.fits").unlink()
    result = run_visit(str(ir_visit), tmp_path / "out", [])
    assert result.unit_configs["wfc3_ir"].nexp.name == "n2"


def test_override_reaches_every_resolved_recipe(ir_visit: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    run_visit(str(ir_visit), out, ["filter_exposures.min_exptime_s=0.5"])
    recipes = sorted(out.glob("*_recipe.yaml"))
    products = [p for p in out.iterdir() if not p.name.startswith(".")
                and not p.name.endswith("_recipe.yaml")]
    assert len(recipes) == len(products) >= 7  # copies, plan files, trailers, manifest...
    for path in recipes:
        data = yaml.safe_load(path.read_text())
        assert data["config"]["filter_exposures"]["min_exptime_s"] == 0.5
        assert "filter_exposures.min_exptime_s=0.5" in data["provenance"]["overrides"]


def test_processes_per_visit_sets_every_step_pool(ir_visit: Path, tmp_path: Path) -> None:
    """One run key bounds the processes of every step that starts workers; a step's own
    ``max_workers`` override still wins."""
    steps = ("find_alignment_sources", "define_output_grid", "drizzle_filter_products",
             "drizzle_total_product")
    default = run_visit(str(ir_visit), tmp_path / "a", [])
    assert all(default.unit_configs["wfc3_ir"][s].max_workers == 2 for s in steps)
    one = run_visit(str(ir_visit), tmp_path / "b", ["processes_per_visit=1",
                                                    "drizzle_total_product.max_workers=3"])
    assert one.exit_code == 0
    cfg = one.unit_configs["wfc3_ir"]
    assert [cfg[s].max_workers for s in steps] == [1, 1, 1, 3]
    recipe = yaml.safe_load(next((tmp_path / "b").glob("*_drz_recipe.yaml")).read_text())
    assert recipe["config"]["drizzle_filter_products"]["max_workers"] == 1
    with pytest.raises(ConfigError, match="processes_per_visit"):
        run_visit(str(ir_visit), tmp_path / "c", ["processes_per_visit=0"])


def test_invalid_value_fails_schema_before_any_file(ir_visit: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    with pytest.raises(ConfigError, match="filter_exposures.min_exptime_s.*minimum"):
        run_visit(str(ir_visit), out, ["filter_exposures.min_exptime_s=-1"])
    assert not out.exists()


def test_wrong_type_and_unknown_key_fail_at_composition(ir_visit: Path, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="min_exptime_s"):
        run_visit(str(ir_visit), tmp_path / "o1", ["filter_exposures.min_exptime_s=abc"])
    with pytest.raises(ConfigError, match="no_such_key"):
        run_visit(str(ir_visit), tmp_path / "o2", ["filter_exposures.no_such_key=1"])
    assert not (tmp_path / "o1").exists() and not (tmp_path / "o2").exists()


def test_unknown_recipe_lists_the_known_ones(ir_visit: Path, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match=r"no recipe 'v999' in .*allowed: \[.*'v1'"):
        run_visit(str(ir_visit), tmp_path / "out", [], recipe="v999")


def test_recipe_file_records_provenance(ir_visit: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    run_visit(str(ir_visit), out, [])
    copy = out / "hst_11359_21_wfc3_ir_f160w_ib6o21a0_flt.fits"
    data = yaml.safe_load((out / "hst_11359_21_wfc3_ir_f160w_ib6o21a0_flt_recipe.yaml").read_text())
    prov = data["provenance"]
    # the copy's last writer (alignment, cosmic-ray flags) signs its recipe
    assert prov["product"] == copy.name
    assert prov["written_by_step"] in [s["step"] for s in prov["steps"]] + [
        "drizzle_filter_products", "apply_alignment"]
    assert prov["recipe"] == "v1" and prov["packages"]["astropy"] != "absent"
    original = ir_visit / "ib6o21a0q_flt.fits"
    assert prov["inputs_sha256"][str(original)] == sha256_of(original)
    assert data["config"]["detector"]["name"] == "wfc3_ir"
    assert [s["step"] for s in prov["steps"]][:3] == ["read_visit", "filter_exposures",
                                                      "define_products"]


def test_rerun_from_recipe_file_gives_the_same_product(ir_visit: Path, tmp_path: Path) -> None:
    from hapsvm.cli import replay_settings

    first = tmp_path / "first"
    run_visit(str(ir_visit), first, ["filter_exposures.min_exptime_s=0.5"])
    name = "hst_11359_21_wfc3_ir_f160w_ib6o21a2_flt"
    input_path, recipe, overrides = replay_settings(first / f"{name}_recipe.yaml")
    assert overrides == ["filter_exposures.min_exptime_s=0.5"]
    second = tmp_path / "second"
    run_visit(input_path, second, overrides, recipe=recipe)
    assert sha256_of(first / f"{name}.fits") == sha256_of(second / f"{name}.fits")
    a = yaml.safe_load((first / f"{name}_recipe.yaml").read_text())["config"]
    b = yaml.safe_load((second / f"{name}_recipe.yaml").read_text())["config"]
    a.pop("output_dir"), b.pop("output_dir")
    assert a == b


def test_failing_detector_does_not_stop_the_other(tmp_path: Path) -> None:
    visit = tmp_path / "visit"
    visit.mkdir()
    write_exposure(visit / "ib6o21a1q_flt.fits", rootname="ib6o21a1q")
    bad = write_exposure(visit / "ib6o21a2q_flc.fits", rootname="ib6o21a2q", DETECTOR="UVIS",
                         FILTER="F555W")
    from astropy.io import fits
    with fits.open(bad, mode="update") as hdul:
        hdul["SCI", 1].header["CTYPE1"] = "RA---XYZ"  # unusable WCS: copy fails for UVIS only
    out = tmp_path / "out"
    result = run_visit(str(visit), out, [])
    assert set(result.failures) == {"wfc3_uvis"}
    assert isinstance(result.failures["wfc3_uvis"], StepFailed)
    assert "ib6o21a2q_flc.fits" in str(result.failures["wfc3_uvis"])
    assert result.exit_code == 2
    assert (out / "hst_11359_21_wfc3_ir_f160w_ib6o21a1_flt.fits").is_file()
    assert not list(out.glob("*uvis*.fits"))
    assert (out / "wfc3_b6o_21_manifest.txt").is_file()


def test_planning_steps_cannot_write(tmp_path: Path) -> None:
    ctx = VisitContext(tmp_path, RunProvenance("v1", "1", [], "x"))
    with ctx.running("s", requires=(), provides=("a",), scope_chain=("",), recipe_yaml="",
                     writes_allowed=False):
        with pytest.raises(WiringError, match="before the recipes were validated"):
            ctx.save_product("f.txt", lambda p: p.write_text("x"))
        with pytest.raises(WiringError, match="read 'b' without declaring"):
            ctx.read("b")
        with pytest.raises(WiringError, match="wrote 'b' without declaring"):
            ctx.write("b", 1)
    assert not list(tmp_path.iterdir())


def test_failed_writer_leaves_no_partial_file(tmp_path: Path) -> None:
    ctx = VisitContext(tmp_path, RunProvenance("v1", "1", [], "x"))
    (tmp_path / "p.txt").write_text("earlier product")

    def broken(p: Path) -> None:
        p.write_text("half")
        raise OSError("disk full")

    with ctx.running("s", requires=(), provides=(), scope_chain=("",), recipe_yaml="",
                     writes_allowed=True):
        with pytest.raises(OSError, match="disk full"):
            ctx.save_product("p.txt", broken)
    assert (tmp_path / "p.txt").read_text() == "earlier product"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["p.txt"]


def test_runs_after_failure_steps_run_when_a_visit_step_fails(
        ir_visit: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    def broken(ctx: object, cfg: object) -> None:
        raise OSError("disk full")

    spec = registry.get_step("write_trailers")
    monkeypatch.setitem(registry._REGISTRY, "write_trailers", replace(spec, func=broken))
    out = tmp_path / "out"
    with pytest.raises(StepFailed, match="write_trailers.*disk full") as info:
        run_visit(str(ir_visit), out, [])
    assert info.value.exit_code == 1
    listed = (out / "wfc3_b6o_21_manifest.txt").read_text().split()
    assert "wfc3_b6o_21_exposures.ecsv" in listed  # what was written before the failure
    assert "hst_11359_21_wfc3_ir_f160w_ib6o21a0_flt.fits" in listed
    assert not any(name.endswith("_trl.txt") for name in listed)
    assert list((out / ".svm_state").glob("copy_inputs__*"))
    assert not list((out / ".svm_state").glob("write_manifest__*"))  # a rerun writes it again


def test_runs_after_failure_step_must_be_visit_scope_work() -> None:
    planning = replace(registry.get_step("read_visit"), runs_after_failure=True)
    with pytest.raises(ConfigError, match="'read_visit' runs after failures"):
        check_wiring([planning])
    per_unit = replace(registry.get_step("copy_inputs"), runs_after_failure=True)
    with pytest.raises(ConfigError, match="visit-scope work step"):
        check_wiring([registry.get_step("read_visit"), registry.get_step("filter_exposures"),
                      registry.get_step("define_products"), per_unit])
