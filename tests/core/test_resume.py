"""Resume: completed steps are skipped on rerun, changes rerun what they affect; the lock."""
from __future__ import annotations

from pathlib import Path

import pytest

from hapsvm.cli import run_visit
from hapsvm.core import OutputLock
from hapsvm.core.provenance import sha256_of
from hapsvm.errors import OutputLockedError
from tests.visit.synthetic import write_exposure


@pytest.fixture
def visit(tmp_path: Path) -> Path:
    v = tmp_path / "visit"
    v.mkdir()
    for i in range(3):
        write_exposure(v / f"ib6o21a{i}q_flt.fits", rootname=f"ib6o21a{i}q")
    return v


def _statuses(result) -> dict[tuple[str, str], str]:
    return {(r.step, r.unit): r.status for r in result.records}


def test_rerun_resumes_every_completed_step(visit: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    first = run_visit(str(visit), out, [])
    hashes = {p.name: sha256_of(p) for p in out.glob("*.fits")}
    second = run_visit(str(visit), out, [])
    work = {k: v for k, v in _statuses(second).items()
            if k[0] not in ("read_visit", "filter_exposures", "define_products")}
    assert work and set(work.values()) == {"resumed"}
    assert {p.name: sha256_of(p) for p in out.glob("*.fits")} == hashes
    assert second.exit_code == first.exit_code == 0


def test_changed_config_reruns_the_steps(visit: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    run_visit(str(visit), out, [])
    again = run_visit(str(visit), out, ["filter_exposures.min_exptime_s=0.001"])
    assert _statuses(again)[("copy_inputs", "wfc3_ir")] == "done"


def test_deleted_or_changed_product_is_remade(visit: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    run_visit(str(visit), out, [])
    copy = out / "hst_11359_21_wfc3_ir_f160w_ib6o21a1_flt.fits"
    digest = sha256_of(copy)
    copy.write_bytes(b"damaged")
    again = run_visit(str(visit), out, [])
    assert _statuses(again)[("copy_inputs", "wfc3_ir")] == "done"
    assert sha256_of(copy) == digest


def test_corrupt_state_is_detected_and_rerun(visit: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    run_visit(str(visit), out, [])
    (out / ".svm_state" / "copy_inputs__wfc3_ir.pkl").write_bytes(b"garbage")
    again = run_visit(str(visit), out, [])
    assert _statuses(again)[("copy_inputs", "wfc3_ir")] == "done"


def test_resume_false_runs_everything(visit: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    run_visit(str(visit), out, [])
    again = run_visit(str(visit), out, [], resume=False)
    assert "resumed" not in _statuses(again).values()


def test_locked_output_directory_stops_a_second_run(visit: Path, tmp_path: Path) -> None:
    out = tmp_path / "out"
    with OutputLock(out):
        with pytest.raises(OutputLockedError, match="is in use by a running svm"):
            run_visit(str(visit), out, [])
    assert run_visit(str(visit), out, []).exit_code == 0


def test_file_hash_is_cached_but_never_stale(tmp_path: Path) -> None:
    """Unchanged files are not re-read; a rewrite (even with size and mtime restored) is seen."""
    import hashlib
    import os

    f = tmp_path / "copy.fits"
    f.write_bytes(b"A" * 4096)
    first = sha256_of(f)
    assert first == hashlib.sha256(b"A" * 4096).hexdigest()
    assert sha256_of(f) == first
    st = os.stat(f)
    with open(f, "r+b") as fh:                     # same size, in place
        fh.write(b"B")
    os.utime(f, ns=(st.st_atime_ns, st.st_mtime_ns))  # mtime restored: only ctime tells
    assert sha256_of(f) == hashlib.sha256(b"B" + b"A" * 4095).hexdigest()
    f2 = tmp_path / "new.fits"
    f2.write_bytes(b"C" * 10)
    os.replace(f2, f)                               # replaced by another file
    assert sha256_of(f) == hashlib.sha256(b"C" * 10).hexdigest()


def test_rerun_removes_what_an_interrupted_run_left(visit: Path, tmp_path: Path) -> None:
    """Hidden ``.*.part`` files and ``.*.tmp`` scratch directories of a killed run are removed
    when the next run takes the output lock; other hidden files are kept."""
    out = tmp_path / "out"
    out.mkdir()
    (out / ".hst_x_flt.fits.abc123.part").write_bytes(b"half a file")
    scratch = out / ".drizzle_k2j3.tmp"
    scratch.mkdir()
    (scratch / "median.npy").write_bytes(b"x")
    keep = out / ".notes"
    keep.write_text("mine")
    assert run_visit(str(visit), out, []).exit_code == 0
    assert not list(out.glob(".*.part")) and not scratch.exists()
    assert keep.read_text() == "mine"



def test_scratch_dir_is_hidden_removed_and_found_by_the_cleanup(tmp_path: Path) -> None:
    """``ctx.scratch_dir(name)`` makes ``.<name>_<random>.tmp`` in the output directory and
    deletes it after the block; a leftover of a killed run is what ``remove_scratch`` deletes."""
    from hapsvm.core.context import VisitContext
    from hapsvm.core.context import remove_scratch
    from hapsvm.core.provenance import RunProvenance

    ctx = VisitContext(tmp_path, RunProvenance.__new__(RunProvenance))
    with ctx.scratch_dir("drizzle") as work:
        assert work.parent == tmp_path and work.is_dir()
        assert work.name.startswith(".drizzle_")
        (work / "median.npy").write_bytes(b"x")
    assert not work.exists()
    work.mkdir()                                    # as a killed run leaves it
    assert remove_scratch(tmp_path) == [work] and not work.exists()
