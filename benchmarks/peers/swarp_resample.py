#!/usr/bin/env python
"""Resample a visit's exposures with SWarp onto a given output grid and time it.

usage: swarp_resample.py --grid DRZ.fits --work DIR [--resampling LANCZOS3] [--threads 2]
                         [--repeat 3] EXPOSURE.fits [...]

* The output grid is copied from the SCI header of ``--grid`` (a hapsvm drizzled product, or a
  runsinglehap one when hapsvm has none yet): NAXIS1/2, CRVAL, CRPIX, CD (or PC x CDELT) go into
  ``coadd.head``, which SWarp uses as the exact output frame.
* Inputs (prepared once, not timed): one single-HDU FITS file per chip with the chip's SCI data in
  e-/s (counts / EXPTIME for UVIS/ACS FLCs) and its TAN-SIP WCS converted *exactly* to TPV
  (``sip_tpv.py``; SWarp reads TPV, not SIP; the check is printed, < 1e-6"), and a weight map
  = EXPTIME where DQ == 0, else 0 (``WEIGHT_TYPE MAP_WEIGHT``).
* SWarp: ``-RESAMPLING_TYPE <type> -COMBINE_TYPE WEIGHTED -SUBTRACT_BACK N -FSCALASTRO_TYPE NONE
  -NTHREADS <threads>`` (the rest: SWarp defaults; resampled temporary images are written under
  ``DIR/resamp`` and deleted, as SWarp does by default). Each run is timed with
  ``/usr/bin/time -v``.

Writes ``DIR/swarp_<type>.json``: wall, user, sys, peak RSS per run (median quoted), input and
output megapixels, throughput (Mpix/s of input and of output, from the median wall time), the
SWarp version and the exact command.
"""
from __future__ import annotations

import argparse
import json
import re
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
from astropy.io import fits
from astropy.wcs import WCS

sys.path.insert(0, str(Path(__file__).resolve().parent))
from sip_tpv import max_tpv_error_arcsec  # noqa: E402
from sip_tpv import sip_to_tpv_header  # noqa: E402

SWARP = "SWarp"


def grid_head(grid_file: Path, out: Path) -> tuple[int, int]:
    with fits.open(grid_file) as hdul:
        hdr = hdul["SCI"].header if "SCI" in hdul else hdul[0].header
    w = WCS(hdr).celestial
    cd = w.wcs.cd if w.wcs.has_cd() else w.wcs.get_pc() * w.wcs.cdelt[:, None]
    nx, ny = int(hdr["NAXIS1"]), int(hdr["NAXIS2"])
    cards = [("NAXIS", 2), ("NAXIS1", nx), ("NAXIS2", ny),
             ("CTYPE1", "RA---TAN"), ("CTYPE2", "DEC--TAN"),
             ("CRVAL1", float(w.wcs.crval[0])), ("CRVAL2", float(w.wcs.crval[1])),
             ("CRPIX1", float(w.wcs.crpix[0])), ("CRPIX2", float(w.wcs.crpix[1])),
             ("CD1_1", float(cd[0, 0])), ("CD1_2", float(cd[0, 1])),
             ("CD2_1", float(cd[1, 0])), ("CD2_2", float(cd[1, 1])),
             ("EQUINOX", 2000.0), ("RADESYS", "ICRS")]
    text = "".join(str(fits.Card(k, v)).ljust(80) + "\n" for k, v in cards) + "END".ljust(80) + "\n"
    out.write_text(text)
    return ny, nx


def prepare_inputs(exposures: list[Path], indir: Path) -> tuple[list[Path], int, float]:
    indir.mkdir(parents=True, exist_ok=True)
    files, npix, worst = [], 0, 0.0
    for path in exposures:
        with fits.open(path) as hdul:
            exptime = float(hdul[0].header["EXPTIME"])
            root = str(hdul[0].header.get("ROOTNAME", path.stem)).strip().lower()
            for hdu in hdul:
                if hdu.name != "SCI" or hdu.header.get("NAXIS") != 2:
                    continue
                ext = int(hdu.header.get("EXTVER", 1))
                sci = np.nan_to_num(np.asarray(hdu.data, np.float32))
                bunit = str(hdu.header.get("BUNIT", "")).upper()
                if "/S" not in bunit:
                    sci = sci / np.float32(exptime)
                try:
                    dq = np.asarray(hdul["DQ", ext].data)
                except KeyError:
                    dq = np.zeros(sci.shape, np.int16)
                wht = np.where(dq == 0, np.float32(exptime), np.float32(0))
                tpv = sip_to_tpv_header(hdu.header, sci.shape)
                worst = max(worst, max_tpv_error_arcsec(hdu.header, tpv, sci.shape))
                tpv["EXPTIME"] = exptime
                name = indir / f"{root}_sci{ext}.fits"
                fits.PrimaryHDU(sci, tpv).writeto(name, overwrite=True)
                fits.PrimaryHDU(wht.astype(np.float32), tpv).writeto(
                    indir / f"{root}_sci{ext}.weight.fits", overwrite=True)
                files.append(name)
                npix += sci.size
    return files, npix, worst


def parse_time(text: str) -> dict:
    def grab(label: str) -> str:
        m = re.search(re.escape(label) + r":\s*(.+)", text)
        return m.group(1).strip() if m else "nan"

    wall = grab("Elapsed (wall clock) time (h:mm:ss or m:ss)")
    parts = [float(p) for p in wall.split(":")] if wall != "nan" else [float("nan")]
    secs = sum(p * 60 ** i for i, p in enumerate(reversed(parts)))
    return dict(wall_s=secs, user_s=float(grab("User time (seconds)")),
                sys_s=float(grab("System time (seconds)")),
                peak_rss_mib=float(grab("Maximum resident set size (kbytes)")) / 1024,
                exit=int(grab("Exit status")))


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("exposures", nargs="+", type=Path)
    ap.add_argument("--grid", required=True, type=Path)
    ap.add_argument("--work", required=True, type=Path)
    ap.add_argument("--resampling", default="LANCZOS3")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args(argv)
    work = a.work.resolve()
    work.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    files, in_pix, worst = prepare_inputs([p.resolve() for p in a.exposures], work / "inputs")
    prep = time.perf_counter() - t0
    out = work / f"coadd_{a.resampling.lower()}.fits"
    ny, nx = grid_head(a.grid, out.with_suffix(".head"))
    (work / "resamp").mkdir(exist_ok=True)
    cmd = [SWARP, *map(str, files), "-IMAGEOUT_NAME", str(out),
           "-WEIGHTOUT_NAME", str(out.with_suffix(".weight.fits")),
           "-WEIGHT_TYPE", "MAP_WEIGHT", "-WEIGHT_SUFFIX", ".weight.fits",
           "-RESAMPLING_TYPE", a.resampling, "-COMBINE_TYPE", "WEIGHTED",
           "-SUBTRACT_BACK", "N", "-FSCALASTRO_TYPE", "NONE", "-NTHREADS", str(a.threads),
           "-RESAMPLE_DIR", str(work / "resamp"), "-WRITE_XML", "N", "-VERBOSE_TYPE", "QUIET"]
    runs = []
    for i in range(a.repeat):
        tfile = work / f"time_{a.resampling.lower()}_{i}.txt"
        rc = subprocess.run(["/usr/bin/time", "-v", "-o", str(tfile), *cmd], cwd=work,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
        if rc.returncode:
            print(rc.stderr[-2000:], file=sys.stderr)
            return rc.returncode
        runs.append(parse_time(tfile.read_text()))
    with fits.open(out.with_suffix(".weight.fits")) as hdul:
        coverage = float(np.mean(hdul[0].data > 0))
    ver = subprocess.run([SWARP, "-v"], capture_output=True, text=True)
    med = {k: statistics.median(r[k] for r in runs)
           for k in ("wall_s", "user_s", "sys_s", "peak_rss_mib")}
    result = dict(resampling=a.resampling, threads=a.threads, runs=runs, median=med,
                  n_chips=len(files), input_mpix=in_pix / 1e6, output_mpix=nx * ny / 1e6,
                  output_shape=[ny, nx], output_coverage=coverage,
                  mpix_per_s_input=in_pix / 1e6 / med["wall_s"],
                  mpix_per_s_output=nx * ny / 1e6 / med["wall_s"],
                  mpix_per_cpu_s_input=in_pix / 1e6 / (med["user_s"] + med["sys_s"]),
                  tpv_max_error_arcsec=worst, prepare_s_untimed=prep,
                  version=((ver.stdout + ver.stderr).strip().splitlines()[0]
                           if (ver.stdout + ver.stderr).strip() else "?"),
                  command=" ".join(cmd))
    (work / f"swarp_{a.resampling.lower()}.json").write_text(json.dumps(result, indent=2))
    print(json.dumps({k: v for k, v in result.items() if k not in ("runs", "command")}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
