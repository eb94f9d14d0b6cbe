"""Render the pixels of one chip of one exposure: sky, sources, noise, cosmic rays, defects, DQ."""
from __future__ import annotations

from dataclasses import dataclass
from dataclasses import replace

import numpy as np
from astropy.wcs import WCS

from hapsvm.simulate.detectors import DetectorSpec
from hapsvm.simulate.effects import DQ_SATURATED
from hapsvm.simulate.effects import PixelDefects
from hapsvm.simulate.effects import bleed_saturation
from hapsvm.simulate.effects import cosmic_rays
from hapsvm.simulate.filters import get_filter
from hapsvm.simulate.galaxies import add_galaxies
from hapsvm.simulate.geometry import ChipGeometry
from hapsvm.simulate.geometry import relative_pixel_area
from hapsvm.simulate.plan import ExposurePlan
from hapsvm.simulate.psf import PsfModel
from hapsvm.simulate.psf import add_points
from hapsvm.simulate.psf import psf_for
from hapsvm.simulate.scene import Scene
from hapsvm.simulate.scene import fluxes_e_s
from hapsvm.simulate.scene import galaxy_mags
from hapsvm.simulate.scene import star_mags

__all__ = ["ChipPixels", "render_chip", "IR_EFFECTIVE_READ_NOISE_E", "CR_MASK_THRESHOLD_E"]

#: Read noise of an up-the-ramp fitted WFC3/IR pixel, electrons.
IR_EFFECTIVE_READ_NOISE_E = 14.0
#: A pixel belongs to the truth cosmic-ray mask when it received at least this charge.
CR_MASK_THRESHOLD_E = 5.0
_CHINJECT_PERIOD, _CHINJECT_E = 17, 25.0


@dataclass(frozen=True)
class ChipPixels:
    """The arrays written for one chip."""

    sci: np.ndarray
    """float32, electrons (CCD) or electrons/s (IR)."""
    err: np.ndarray
    """float32, same units as ``sci``."""
    dq: np.ndarray
    """int16 DQ bits."""
    cr_mask: np.ndarray
    """bool, pixels that received at least ``CR_MASK_THRESHOLD_E`` from cosmic rays."""

#: Relative rms of a hot pixel's dark rate between the reference dark and the exposure.
HOT_PIXEL_VARIABILITY = 0.1


def _trail(x: np.ndarray, y: np.ndarray, flux: np.ndarray, spec: DetectorSpec, mode: str,
           psf: PsfModel, shape: tuple[int, int]) -> tuple[np.ndarray, np.ndarray, np.ndarray,
                                                           PsfModel]:
    """Spread point sources along spectra (grism), scan lines or a moving-target trail.

    Each source becomes points 1 pixel apart sharing its flux, drawn with a small PSF stamp.
    """
    if mode == "grism":
        length = spec.grism_trace_px
        start, direction = 30.0, (1.0, 0.0)
    elif mode == "scan":
        length = 10.0 / spec.pixel_scale
        start, direction = 0.0, (0.0, 1.0)
    else:
        length, start, direction = 15.0, 0.0, (0.894, 0.447)
    small = replace(psf, half_size=5, wing_radius=5, oversample=2)
    ends_x = (x + start * direction[0], x + (start + length) * direction[0])
    ends_y = (y + start * direction[1], y + (start + length) * direction[1])
    pad = small.half_size + 1
    near = (np.maximum(*ends_x) > -pad) & (np.minimum(*ends_x) < shape[1] + pad) & \
        (np.maximum(*ends_y) > -pad) & (np.minimum(*ends_y) < shape[0] + pad)
    x, y, flux = x[near], y[near], flux[near]
    steps = int(length) + 1
    s = start + np.linspace(0.0, length, steps)
    xs = (x[:, None] + s[None, :] * direction[0]).ravel()
    ys = (y[:, None] + s[None, :] * direction[1]).ravel()
    return xs, ys, np.repeat(flux / steps, steps), small


def _source_rates(image: np.ndarray, wcs: WCS, chip: ChipGeometry, scene: Scene,
                  plan: ExposurePlan, spec: DetectorSpec) -> None:
    """Add the count rates (electrons/s) of stars and galaxies to ``image``.

    As in a flat-fielded HST image, a source's counts are its flux divided by the relative sky
    area of the pixels it falls on (the pixel area map), while a flat sky is flat per pixel.
    """
    info = plan.filter
    jitter = 0.02 if plan.kind == "fgs_coarse" else 0.0
    psf = psf_for(spec, info.pivot_a, jitter_arcsec=jitter)
    x, y = wcs.all_world2pix(scene.ra, scene.dec, 0, tolerance=1e-9, maxiter=50, quiet=True)
    if plan.mode == "grism":
        flux = fluxes_e_s(scene.g_mag, info)
    else:
        flux = fluxes_e_s(star_mags(scene, info), info)
    flux = flux / relative_pixel_area(wcs, x, y, spec.pixel_scale)  # flat-fielded counts
    if plan.mode in ("grism", "scan", "moving"):
        x, y, flux, psf = _trail(x, y, flux, spec, plan.mode, psf, image.shape)
    add_points(image, x, y, flux, psf)
    if plan.mode in ("imaging", "chinject") and scene.gal_ra.size:
        gx, gy = wcs.all_world2pix(scene.gal_ra, scene.gal_dec, 0, tolerance=1e-9, quiet=True)
        gflux = fluxes_e_s(galaxy_mags(scene, info), info) / \
            relative_pixel_area(wcs, gx, gy, spec.pixel_scale)
        add_galaxies(image, gx, gy, gflux, scene.gal_shape, chip.cd_matrix * 3600.0, psf)


def _read_noise_map(chip: ChipGeometry, spec: DetectorSpec) -> np.ndarray:
    """Per-column read noise: amplifiers A/B (chip 1) or C/D (chip 2), split at the chip middle."""
    if not spec.is_ccd:
        return np.full(chip.shape[1], IR_EFFECTIVE_READ_NOISE_E)
    left, right = (0, 1) if chip.ccdchip == 1 else (2, 3)
    columns = np.arange(chip.shape[1]) + chip.offset[0]
    half = spec.chip_shape[1] // 2
    return np.where(columns < half, spec.read_noise_e[left], spec.read_noise_e[right])


def render_chip(chip: ChipGeometry, wcs: WCS, scene: Scene, plan: ExposurePlan,
                spec: DetectorSpec, defects: PixelDefects,
                rng: np.random.Generator) -> ChipPixels:
    """Simulate the calibrated pixels of one chip.

    Parameters
    ----------
    chip, wcs
        True geometry of the (cropped) chip and its astropy WCS (the truth).
    scene, plan, spec
        The sky, the exposure and the detector.
    defects
        Fixed hot/bad pixels of this chip.
    rng
        Generator for this chip only (noise and cosmic rays).
    """
    t = plan.exptime
    rates = np.zeros(chip.shape, dtype=np.float64)
    if plan.mode not in ("dark", "zero"):
        sky_filter = plan.filter if plan.filter.kind != "blocked" else \
            get_filter(spec.name, spec.default_filters[0])
        rates += sky_filter.sky_e_s(spec.pixel_scale)
        _source_rates(rates, wcs, chip, scene, plan, spec)
    counts = (rates + spec.dark_e_s + defects.hot_rate_e_s) * t
    if plan.mode == "chinject":
        rows = np.arange(chip.shape[0]) + chip.offset[1]
        counts[rows % _CHINJECT_PERIOD == 0, :] += _CHINJECT_E
    electrons = rng.poisson(counts).astype(np.float64)
    cr = cosmic_rays(chip.shape, t, spec.cr_pixel_um, rng) if spec.is_ccd else \
        np.zeros(chip.shape, np.float32)
    electrons += cr
    dq = defects.dq.copy()
    if spec.is_ccd:
        saturated = bleed_saturation(electrons, spec.full_well_e)
    else:
        saturated = counts > spec.full_well_e
    dq[saturated] |= DQ_SATURATED
    read_noise = _read_noise_map(chip, spec)
    # calibration subtracts the reference dark, hot pixels included; what a hot pixel keeps is
    # its extra shot noise and a residual of its dark-rate variability (10 % rms)
    hot = defects.hot_rate_e_s > 0
    residual = np.zeros(chip.shape, dtype=np.float64)
    residual[hot] = rng.normal(0.0, HOT_PIXEL_VARIABILITY, int(hot.sum()))
    electrons -= (spec.dark_e_s + defects.hot_rate_e_s * (1.0 - residual)) * t
    electrons += rng.standard_normal(chip.shape, dtype=np.float32) * read_noise[None, :]
    variance = np.clip(electrons, 0, None) + read_noise[None, :] ** 2 + \
        (spec.dark_e_s + defects.hot_rate_e_s) * t
    scale = 1.0 if spec.is_ccd else 1.0 / max(t, 1.0)
    return ChipPixels(sci=(electrons * scale).astype(np.float32),
                      err=(np.sqrt(variance) * scale).astype(np.float32), dq=dq,
                      cr_mask=cr >= CR_MASK_THRESHOLD_E)
