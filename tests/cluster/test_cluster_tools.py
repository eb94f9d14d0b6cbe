"""The cluster helpers of benchmarks/cluster without a cluster: memory classes, sacct, retry
rounds, product comparison (the clusters themselves: `make test-cluster`)."""
from __future__ import annotations

import importlib.util
import subprocess
import sys
from pathlib import Path
from types import ModuleType
from types import SimpleNamespace

import numpy as np
import pytest
import yaml
from astropy.io import fits
from astropy.table import Table
from PIL import Image

from tests.repo import REPO_ROOT


def _load(name: str) -> ModuleType:
    spec = importlib.util.spec_from_file_location(
        f"cluster_{name}", REPO_ROOT / "benchmarks" / "cluster" / f"{name}.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module      # dataclasses look their module up there
    spec.loader.exec_module(module)
    return module


retry = _load("run_with_retry")
compare = _load("compare_runs")

SACCT_OOM = """5|FAILED|1:0|128M||00:00:05
5.batch|FAILED|1:0||3996K|00:00:05
5.extern|COMPLETED|0:0||0|00:00:05
5.0|OUT_OF_MEMORY|0:125||121612K|00:00:05
6_0|COMPLETED|0:0|512M||00:00:06
6_0.batch|COMPLETED|0:0||4008K|00:00:06
6_0.0|COMPLETED|0:0||137748K|00:00:06
"""


def test_parse_mem_units() -> None:
    assert [retry.parse_mem(t) for t in ("2G", "512M", "1.5G", "300")] == [2048, 512, 1536, 300]
    assert retry.mem_label(2048) == "2G" and retry.mem_label(384) == "384M"
    with pytest.raises(ValueError, match="expected a number"):
        retry.parse_mem("lots")


def test_read_visit_classes_rounds_up(tmp_path: Path) -> None:
    tsv = tmp_path / "classes.tsv"
    tsv.write_text("visit\tclass\n# predicted\nvisit_a\t300M\n/data/visit_b\t1G  # big\n")
    assert retry.read_visit_classes(tsv, [256, 512, 1024]) == {"visit_a": 512,
                                                                "/data/visit_b": 1024}
    tsv.write_text("visit_a\t4G\n")
    with pytest.raises(ValueError, match="line 1: class 4G is above the largest class 1G"):
        retry.read_visit_classes(tsv, [256, 512, 1024])


def test_sacct_rows_oom_in_step(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(retry.subprocess, "run", lambda *a, **k: SimpleNamespace(stdout=SACCT_OOM))
    rows = retry.sacct_rows(["5", "6_0"])
    assert rows["5"]["State"] == "FAILED" and rows["5"]["Steps"] == "batch=FAILED,0=OUT_OF_MEMORY"
    assert rows["5"]["MaxRSS"] == "121612K"
    assert retry.out_of_memory(rows["5"]) and not retry.out_of_memory(rows["6_0"])


def test_run_rounds_resubmits_oom_one_class_up(monkeypatch: pytest.MonkeyPatch,
                                               tmp_path: Path) -> None:
    needs = {"/v/small": 100, "/v/big": 600}     # MiB each visit needs
    launched: list[tuple[int, list[str]]] = []

    def launch(inputs, mem, sweep, overrides, svm):
        launched.append((mem, inputs))
        return SimpleNamespace(wait=lambda: 0)

    def outcomes(sweep, round_no, mem, names, *, timeout_s):
        group = next(i for m, i in reversed(launched) if m == mem)
        return [retry.JobOutcome(names[i], i, round_no, mem, state="COMPLETED" if
                                 needs[i] <= mem else "FAILED", oom=needs[i] > mem,
                                 exit_code=0 if needs[i] <= mem else 1) for i in group]

    monkeypatch.setattr(retry, "_launch", launch)
    monkeypatch.setattr(retry, "_outcomes", outcomes)
    history = retry.run_rounds(list(needs), {"/v/small": 256, "/v/big": 256}, [256, 512, 1024],
                               tmp_path, [], svm=["svm"])
    assert [(h.visit, h.round, h.mem_mib, h.exit_code) for h in history] == [
        ("big", 1, 256, 1), ("small", 1, 256, 0), ("big", 2, 512, 1), ("big", 3, 1024, 0)]
    assert history[0].note == "OUT_OF_MEMORY at 256M: resubmitted at 512M"
    retry.write_tables(history, tmp_path)
    assert (tmp_path / "memory_classes.tsv").read_text() == "visit\tclass\nbig\t1G\nsmall\t256M\n"


def _fake_run(run_dir: Path, pixel: float) -> None:
    run_dir.mkdir()
    data = np.arange(16, dtype="f4").reshape(4, 4)
    data[0, 0] = pixel
    fits.PrimaryHDU(data, header=fits.Header([("DATE", str(run_dir)), ("FILTER", "F160W")])
                    ).writeto(run_dir / "p_drz.fits")
    Table({"flux": [1.0, float("nan")]}, meta={"date": str(run_dir)}).write(
        run_dir / "p_point-cat.ecsv", format="ascii.ecsv")
    recipe = {"config": {"output_dir": str(run_dir), "drizzle": {"pixfrac": 1.0}},
              "provenance": {"recipe": "v1", "steps": [{"step": "s", "status": "done",
                                                        "seconds": pixel}]}}
    (run_dir / "p_drz_recipe.yaml").write_text(yaml.safe_dump(recipe))
    Image.fromarray(np.full((4, 4), 7, np.uint8)).save(run_dir / "p_drz.jpg")
    (run_dir / "svm.log").write_text(f"log of {run_dir}\n")


def test_compare_runs_equal_apart_from_dates_paths_and_timings(tmp_path: Path) -> None:
    _fake_run(tmp_path / "local", 0.0)
    _fake_run(tmp_path / "cluster", 0.0)
    result = compare.compare_runs(tmp_path / "local", tmp_path / "cluster")
    assert result.equal, result.differences
    assert result.n_compared == {"ecsv": 1, "fits": 1, "jpeg": 1, "recipe": 1}


def test_compare_runs_names_a_changed_pixel(tmp_path: Path) -> None:
    _fake_run(tmp_path / "local", 0.0)
    _fake_run(tmp_path / "cluster", 5.0)
    result = compare.compare_runs(tmp_path / "local", tmp_path / "cluster")
    assert [d.split(":")[0] for d in result.differences] == ["p_drz.fits"]


def test_scripts_parse() -> None:
    for script in ("slurm.sh", "ray.sh", "run_all.sh"):
        subprocess.run(["bash", "-n", str(REPO_ROOT / "benchmarks" / "cluster" / script)],
                       check=True)
