#!/usr/bin/env python
"""hapsvm's resampling alone (no sky, no CR rejection) on a given output grid, timed by part.

usage: hapsvm_resample.py --grid DRZ.fits --out RESULT.json [--kernels square,point,lanczos3]
                          [--pixfrac 1.0] [--repeat 3] EXPOSURE.fits [...]

For each kernel, each repeat (median quoted), with hapsvm's own code (hapsvm.mosaic):
  read    : read_exposure_chips + read_chip_arrays (SCI, DQ) of every chip
  pixmap  : hapsvm.mosaic.pixmaps.compute_pixmap of every chip onto the grid (full distortion)
  kernel  : drizzle.resample.Drizzle.add_image of every chip, pixmaps precomputed (the bare
            kernel: the same call hapsvm.mosaic.drizzling.drizzle_chips makes)
  write   : the SCI and WHT arrays to a FITS file
Throughput = input (or output) megapixels / (read + pixmap + kernel + write), single process.
The grid is the SCI header of --grid (NAXIS, CRVAL, CRPIX, CD), as for SWarp's .head file.
"""
from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

import numpy as np
from astropy.io import fits
from astropy.wcs import WCS


def grid_of(path: Path):
    from hapsvm.mosaic.grid import OutputGrid

    with fits.open(path) as hdul:
        hdr = hdul["SCI"].header if "SCI" in hdul else hdul[0].header
    w = WCS(hdr).celestial
    cd = w.wcs.cd if w.wcs.has_cd() else w.wcs.get_pc() * w.wcs.cdelt[:, None]
    scale = float(np.sqrt(abs(np.linalg.det(cd))) * 3600)
    rot = float(np.degrees(np.arctan2(cd[1, 0], cd[1, 1])))  # PA of +y (0 = North up)
    grid = OutputGrid(crval=(float(w.wcs.crval[0]), float(w.wcs.crval[1])),
                      crpix=(float(w.wcs.crpix[0]), float(w.wcs.crpix[1])),
                      pixel_scale_arcsec=scale, shape=(int(hdr["NAXIS2"]), int(hdr["NAXIS1"])),
                      rotation_deg=rot)
    g = grid.wcs
    x = np.array([0.0, hdr["NAXIS1"] - 1.0]), np.array([0.0, hdr["NAXIS2"] - 1.0])
    r0, d0 = w.all_pix2world(*x, 0)
    r1, d1 = g.all_pix2world(*x, 0)
    err = float(np.max(np.hypot((r1 - r0) * np.cos(np.deg2rad(d0)), d1 - d0)) * 3.6e6)
    return grid, err


def one_pass(paths: list[Path], grid, kernel: str, pixfrac: float, outdir: Path) -> dict:
    from drizzle.resample import Drizzle

    from hapsvm.mosaic.chips import read_chip_arrays
    from hapsvm.mosaic.chips import read_exposure_chips
    from hapsvm.mosaic.pixmaps import compute_pixmap

    t = dict(read=0.0, pixmap=0.0, kernel=0.0, write=0.0)
    c0 = time.process_time()
    ny, nx = grid.shape
    sci = np.zeros((ny, nx), np.float32)
    wht = np.zeros((ny, nx), np.float32)
    driz = Drizzle(kernel=kernel, fillval=None, out_img=sci, out_wht=wht, disable_ctx=True)
    npix = 0
    for path in paths:
        s = time.perf_counter()
        exp = read_exposure_chips(path)
        t["read"] += time.perf_counter() - s
        for chip in exp.chips:
            s = time.perf_counter()
            data, dq = read_chip_arrays(chip)
            weight = (dq == 0).astype(np.float32)
            t["read"] += time.perf_counter() - s
            s = time.perf_counter()
            pixmap = compute_pixmap(chip.wcs, chip.shape, grid)
            t["pixmap"] += time.perf_counter() - s
            ratio = grid.pixel_scale_arcsec / chip.pixel_scale_arcsec
            s = time.perf_counter()
            driz.add_image(data, exptime=chip.exptime, pixmap=pixmap, weight_map=weight,
                           wht_scale=chip.exptime,
                           pixfrac=(pixfrac if kernel in ("square", "turbo", "point", "gaussian")
                                    else 1.0),
                           in_units=chip.in_units, iscale=ratio ** 2, pixel_scale_ratio=ratio)
            t["kernel"] += time.perf_counter() - s
            npix += data.size
    s = time.perf_counter()
    out = outdir / f"hapsvm_{kernel}.fits"
    fits.HDUList([fits.PrimaryHDU(), fits.ImageHDU(driz.out_img, grid.header(), name="SCI"),
                  fits.ImageHDU(driz.out_wht, grid.header(), name="WHT")]
                 ).writeto(out, overwrite=True)
    t["write"] = time.perf_counter() - s
    t["total"] = sum(t.values())
    t["cpu"] = time.process_time() - c0
    t["coverage"] = float(np.mean(driz.out_wht > 0))
    t["input_pix"] = npix
    return t


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("exposures", nargs="+", type=Path)
    ap.add_argument("--grid", required=True, type=Path)
    ap.add_argument("--out", required=True, type=Path)
    ap.add_argument("--kernels", default="square,point,lanczos3")
    ap.add_argument("--pixfrac", type=float, default=1.0)
    ap.add_argument("--repeat", type=int, default=3)
    a = ap.parse_args(argv)
    grid, err = grid_of(a.grid)
    res = dict(grid_shape=list(grid.shape), grid_roundtrip_mas=err, pixfrac=a.pixfrac, kernels={})
    with tempfile.TemporaryDirectory(dir=a.out.parent) as tmp:
        for kernel in a.kernels.split(","):
            runs = [one_pass(a.exposures, grid, kernel, a.pixfrac, Path(tmp))
                    for _ in range(a.repeat)]
            med = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
            in_mpix, out_mpix = med["input_pix"] / 1e6, grid.shape[0] * grid.shape[1] / 1e6
            res["kernels"][kernel] = dict(median_s=med, runs=runs, input_mpix=in_mpix,
                                          output_mpix=out_mpix,
                                          mpix_per_s_input=in_mpix / med["total"],
                                          mpix_per_s_output=out_mpix / med["total"],
                                          mpix_per_cpu_s_input=in_mpix / med["cpu"],
                                          kernel_mpix_per_s_input=in_mpix / med["kernel"])
            print(f"{kernel}: " + ", ".join(f"{k} {v:.2f}" for k, v in med.items()
                                            if k not in ("input_pix",)), flush=True)
    res["max_rss_mib"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    a.out.write_text(json.dumps(res, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
