"""Run the real WFC3/IR visit 21; put its total preview, shrunk, in ``docs/images/`` (README).

Usage::

    .venv/bin/python benchmarks/readme_preview.py [--max-side 900] [--quality 85] [--reuse]

``svm`` runs on ``../shared/realdata/wfc3ir_goodss_visit21/`` (recipe v1, default settings) into
``$BENCH_WORK/readme_preview`` (default ``benchmarks/work/readme_preview``); the total's preview
``*_total_*_dr?.jpg`` is shrunk to ``--max-side`` pixels and written to
``docs/images/visit21_total_preview.jpg``, and ``visit21_total_preview.txt`` beside it records the
command, the commit (and the files of engine/, conf/, svm_recipes/ that differed from it), the
source preview and the stretch settings of the run. The run uses ``resume=false`` (a resumed run
would keep previews made by older code). ``--reuse`` skips the run and uses the products already
there (the note then says so).
Exit code: the run's if it failed, 1 if no total preview was written, else 0.
"""
from __future__ import annotations

import argparse
import os
import re
import shlex
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
VISIT21 = (ROOT / ".." / "shared" / "realdata" / "wfc3ir_goodss_visit21").resolve()
IMAGE = ROOT / "docs" / "images" / "visit21_total_preview.jpg"


def _git(*args: str) -> str:
    done = subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True, check=False)
    return done.stdout.rstrip("\n")


def _stretch_settings(recipe: Path) -> str:
    """The ``make_previews`` block of the preview's recipe file (resolved config)."""
    import yaml

    config = yaml.safe_load(recipe.read_text()) if recipe.is_file() else None
    section = (config or {}).get("config", {}).get("make_previews", {})
    return ", ".join(f"{k}={v}" for k, v in section.items()) or "(recipe not found)"


def _note(command: list[str], source: Path, size: tuple[int, int], *, reused: bool) -> str:
    dirty = [line[3:] for line in
             _git("status", "--porcelain", "--", "engine", "conf", "svm_recipes").splitlines()]
    recipe = source.with_name(source.name.replace(".jpg", "_jpg_recipe.yaml"))
    return (f"image: {IMAGE.name} ({size[0]} x {size[1]} px, {IMAGE.stat().st_size // 1024} kB)\n"
            f"made by: {shlex.join(['.venv/bin/python', *sys.argv])}\n"
            f"pipeline run: {'(earlier run, reused) ' if reused else ''}{shlex.join(command)}\n"
            f"commit: {_git('rev-parse', 'HEAD')}\n"
            f"uncommitted in engine/, conf/, svm_recipes/: {', '.join(dirty) or 'nothing'}\n"
            f"date: {time.strftime('%Y-%m-%d %H:%M:%S %Z')}\n"
            f"source: {source.name} (real visit 21: GOODS-S, proposal 11359, "
            "4 x F098M, 203 s each)\n"
            f"make_previews: {_stretch_settings(recipe)}\n")


def main() -> int:
    """Run visit 21, shrink its total preview into docs/images/, record how; return an exit code."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--max-side", type=int, default=900, help="long side of the image, px")
    parser.add_argument("--quality", type=int, default=85, help="JPEG quality (1-95)")
    parser.add_argument("--reuse", action="store_true", help="use the products already there")
    args = parser.parse_args()

    import numpy as np
    from PIL import Image

    from hapsvm.preview import write_jpeg

    out = Path(os.environ.get("BENCH_WORK", ROOT / "benchmarks/work")) / "readme_preview"
    svm = os.path.relpath(Path(sys.executable).with_name("svm"), ROOT)
    command = [svm, f"input={os.path.relpath(VISIT21, ROOT)}/",
               f"output_dir={os.path.relpath(out, ROOT)}", "resume=false", "quiet=true"]
    if not args.reuse:
        start = time.perf_counter()
        done = subprocess.run(command, cwd=ROOT, check=False)
        print(f"svm: exit code {done.returncode} in {time.perf_counter() - start:.1f} s")
        if done.returncode != 0:
            return done.returncode
    previews = sorted(p for p in out.glob("*_total_*.jpg")    # not the thumbnail or colour
                      if re.fullmatch(r".*_total_[0-9a-z]{6}_dr[cz]\.jpg", p.name))
    if not previews:
        print(f"no total preview *_total_<ipppss>_dr?.jpg in {out}")
        return 1
    with Image.open(previews[0]) as im:
        pixels = np.asarray(im)
    IMAGE.parent.mkdir(parents=True, exist_ok=True)
    size = write_jpeg(pixels, IMAGE, quality=args.quality, max_side=args.max_side)
    note = IMAGE.with_suffix(".txt")
    note.write_text(_note(command, previews[0], size, reused=args.reuse))
    print(f"{IMAGE.relative_to(ROOT)} ({size[0]} x {size[1]} px, "
          f"{IMAGE.stat().st_size // 1024} kB) from {previews[0].name}; note in {note.name}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
