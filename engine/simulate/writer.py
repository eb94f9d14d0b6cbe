"""Write one simulated exposure (FLT/FLC file) and its per-exposure truth files."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
from astropy.io import fits
from astropy.wcs import WCS

from hapsvm.simulate.detectors import DetectorSpec
from hapsvm.simulate.effects import pixel_defects
from hapsvm.simulate.geometry import ChipGeometry
from hapsvm.simulate.geometry import transform_chip
from hapsvm.simulate.geometry import wcs_header
from hapsvm.simulate.headers import VisitKeywords
from hapsvm.simulate.headers import extension_headers
from hapsvm.simulate.headers import ir_sample_sequence
from hapsvm.simulate.headers import primary_header
from hapsvm.simulate.headers import s_region
from hapsvm.simulate.plan import ExposurePlan
from hapsvm.simulate.render import ChipPixels
from hapsvm.simulate.render import render_chip
from hapsvm.simulate.scene import Scene
from hapsvm.simulate.templates import DetectorTemplate
from hapsvm.simulate.truth import crmask_path
from hapsvm.simulate.truth import wcs_path

__all__ = ["ExposureGeometry", "write_exposure"]

_SERIOUS_DQ = 31743


@dataclass(frozen=True)
class ExposureGeometry:
    """True and header chips of one exposure (cropped) and the sky rotation between them."""

    true_chips: list[ChipGeometry]
    header_chips: list[ChipGeometry]
    apriori: np.ndarray
    """3×3 rotation taking true sky positions to header sky positions."""
    ref_true: tuple[float, float]
    ref_header: tuple[float, float]


def header_chips_of(true_chips: list[ChipGeometry], matrix: np.ndarray) -> list[ChipGeometry]:
    """The a-priori (header) chips: the true chips moved by the a-priori sky rotation."""
    return [transform_chip(c, matrix) for c in true_chips]


def _true_wcs(chip: ChipGeometry) -> tuple[fits.Header, WCS]:
    header = fits.Header()
    header["NAXIS"] = 2
    header["NAXIS1"] = chip.shape[1]
    header["NAXIS2"] = chip.shape[0]
    header.update(wcs_header(chip, "TRUTH"))
    header["EXTVER"] = chip.extver
    header["CCDCHIP"] = chip.ccdchip
    return header, WCS(header)


def _statistics(header: fits.Header, pix: ChipPixels) -> None:
    good = (pix.dq & _SERIOUS_DQ) == 0
    values = pix.sci[good]
    header["NGOODPIX"] = (int(values.size), "number of good pixels")
    if values.size:
        header["GOODMIN"] = (float(values.min()), "minimum value of good pixels")
        header["GOODMAX"] = (float(values.max()), "maximum value of good pixels")
        header["GOODMEAN"] = (float(values.mean()), "mean value of good pixels")


def write_exposure(path: Path, *, template: DetectorTemplate, spec: DetectorSpec,
                   plan: ExposurePlan, geometry: ExposureGeometry, scene: Scene,
                   visit: VisitKeywords, wcsname: str, seed: int) -> list[ChipPixels]:
    """Render and write ``path`` plus the chip true WCSs and the cosmic-ray mask in truth/."""
    visit_dir = path.parent
    hdus: list[fits.hdu.base.ExtensionHDU] = []
    masks = [fits.PrimaryHDU()]
    pixels: list[ChipPixels] = []
    for k, (true_chip, hdr_chip) in enumerate(zip(geometry.true_chips, geometry.header_chips)):
        header, wcs = _true_wcs(true_chip)
        header.tofile(wcs_path(visit_dir, plan.rootname, true_chip.extver), overwrite=True)
        defects = pixel_defects(spec.chip_shape, true_chip.offset, true_chip.shape,
                                np.random.default_rng([seed, 4, true_chip.ccdchip]),
                                hot_fraction=spec.hot_fraction, bad_fraction=spec.bad_fraction,
                                n_bad_columns=spec.n_bad_columns)
        rng = np.random.default_rng([seed, 1, plan.index, k])
        pix = render_chip(true_chip, wcs, scene, plan, spec, defects, rng)
        pixels.append(pix)
        ext = extension_headers(template.chips[k], spec, plan, hdr_chip, wcsname,
                                geometry.ref_header)
        sci = ext["SCI"]
        _statistics(sci, pix)
        header_wcs = WCS(wcs_header(hdr_chip, wcsname))
        header_wcs.pixel_shape = (hdr_chip.shape[1], hdr_chip.shape[0])
        sci["S_REGION"] = (s_region(header_wcs), "spatial extent of the observation")
        hdus += [fits.ImageHDU(pix.sci, sci), fits.ImageHDU(pix.err, ext["ERR"]),
                 fits.ImageHDU(pix.dq, ext["DQ"])]
        if "SAMP" in ext:                    # IR MULTIACCUM files (headers.extension_headers)
            nsamp = ir_sample_sequence(plan.exptime)[1]
            hdus += [fits.ImageHDU(np.full(true_chip.shape, nsamp - 1, np.int16), ext["SAMP"]),
                     fits.ImageHDU(np.full(true_chip.shape, plan.exptime, np.float32),
                                   ext["TIME"])]
        mask_header = fits.Header([("EXTNAME", "CRMASK"), ("EXTVER", true_chip.extver)])
        masks.append(fits.ImageHDU(pix.cr_mask.astype(np.uint8), mask_header))
    primary = fits.PrimaryHDU(header=primary_header(template, spec, plan, visit, len(hdus)))
    fits.HDUList([primary, *hdus]).writeto(path, overwrite=True)
    fits.HDUList(masks).writeto(crmask_path(visit_dir, plan.rootname), overwrite=True)
    return pixels
