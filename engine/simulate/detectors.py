"""Fixed properties of the simulated HST detectors (geometry, noise, PSF, file flavour)."""
from __future__ import annotations

from dataclasses import dataclass

from hapsvm.errors import ConfigError

__all__ = ["DetectorSpec", "DETECTORS", "get_detector"]


@dataclass(frozen=True)
class DetectorSpec:
    """What the simulator needs to know about one HST detector.

    Noise values are those written to the headers (``READNSE*``, ``ATODGN*``) so the files are
    self-consistent; ``full_well_e`` is written as ``SATURATE`` in each SCI header.
    """

    name: str
    """Project-wide detector key, e.g. ``wfc3_ir``."""
    instrument: str
    """``INSTRUME`` value (``WFC3`` or ``ACS``)."""
    detector: str
    """``DETECTOR`` value (``IR``, ``UVIS``, ``WFC``)."""
    letter: str
    """First character of the rootname (``i`` WFC3, ``j`` ACS)."""
    n_chips: int
    """Number of SCI extensions (chips) per file."""
    chip_shape: tuple[int, int]
    """Full chip shape (ny, nx) in pixels."""
    pixel_scale: float
    """Nominal pixel scale in arcsec (``IDCSCALE``)."""
    suffix: str
    """File suffix: ``flt`` (IR) or ``flc`` (CTE-corrected CCD)."""
    bunit: str
    """SCI/ERR units: ``ELECTRONS/S`` (IR) or ``ELECTRONS`` (CCDs)."""
    full_well_e: float
    """Saturation level in electrons (``SATURATE``)."""
    read_noise_e: tuple[float, float, float, float]
    """Read noise of amplifiers A, B, C, D in electrons."""
    gain: tuple[float, float, float, float]
    """Gain of amplifiers A, B, C, D in electrons per DN."""
    dark_e_s: float
    """Dark current in electrons per second per pixel (its noise remains after calibration)."""
    default_filters: tuple[str, ...]
    """Filters used when the caller gives none."""
    default_exptime_s: float
    """Exposure time used when the caller gives none, in seconds."""
    psf_floor_fwhm_arcsec: float
    """Detector part of the PSF FWHM (charge diffusion, pixel), added in quadrature to 1.03 λ/D."""
    psf_half_size: int
    """Half-size of a rendered PSF stamp, in pixels (the PSF is truncated there)."""
    psf_oversample: int
    """Sub-pixel samples per axis used to integrate the PSF core over a pixel."""
    psf_radius_arcsec: float
    """Truncation radius of the PSF wings, arcsec."""
    cr_pixel_um: float
    """Pixel pitch in microns for cosmic-ray rates (0: no cosmic rays in the calibrated file)."""
    aperture: str
    """``APERTURE`` value of a full-frame exposure."""
    grism: str
    """Grism or prism filter used by the ``grism`` extra."""
    ramp: str
    """Ramp or quad filter used by the ``ramp`` extra ('' if the detector has none)."""
    dither_box_px: tuple[tuple[float, float], ...]
    """Dither box pattern in pixels (POSTARG1, POSTARG2 = value × pixel_scale)."""

    @property
    def is_ccd(self) -> bool:
        """True for the CCD detectors (electrons, cosmic rays, read-out amplifiers)."""
        return self.bunit == "ELECTRONS"

    @property
    def uses_filter1_filter2(self) -> bool:
        """True for ACS, whose filters are ``FILTER1`` and ``FILTER2``."""
        return self.instrument == "ACS"


DETECTORS: dict[str, DetectorSpec] = {
    "wfc3_ir": DetectorSpec(
        name="wfc3_ir", instrument="WFC3", detector="IR", letter="i", n_chips=1,
        chip_shape=(1014, 1014), pixel_scale=0.12825, suffix="flt", bunit="ELECTRONS/S",
        full_well_e=77900.0, read_noise_e=(20.2, 19.8, 19.9, 20.1),
        gain=(2.34, 2.37, 2.31, 2.38), dark_e_s=0.048, default_filters=("F160W",),
        default_exptime_s=252.937, psf_floor_fwhm_arcsec=0.08, psf_half_size=8, psf_oversample=5,
        psf_radius_arcsec=5.0,
        cr_pixel_um=0.0, aperture="IR", grism="G102", ramp="",
        dither_box_px=((0.0, 0.0), (4.226, 1.419), (2.643, 5.536), (-1.583, 4.117))),
    "wfc3_uvis": DetectorSpec(
        name="wfc3_uvis", instrument="WFC3", detector="UVIS", letter="i", n_chips=2,
        chip_shape=(2051, 4096), pixel_scale=0.03962, suffix="flc", bunit="ELECTRONS",
        full_well_e=63000.0, read_noise_e=(3.03, 3.13, 3.08, 3.18),
        gain=(1.56, 1.56, 1.56, 1.56), dark_e_s=0.0015, default_filters=("F555W",),
        default_exptime_s=348.0, psf_floor_fwhm_arcsec=0.055, psf_half_size=10, psf_oversample=3,
        psf_radius_arcsec=2.0,
        cr_pixel_um=15.0, aperture="UVIS", grism="G280", ramp="FQ508N",
        dither_box_px=((0.0, 0.0), (5.5, 1.5), (3.5, 5.0), (-2.0, 3.5))),
    "acs_wfc": DetectorSpec(
        name="acs_wfc", instrument="ACS", detector="WFC", letter="j", n_chips=2,
        chip_shape=(2048, 4096), pixel_scale=0.05, suffix="flc", bunit="ELECTRONS",
        full_well_e=84700.0, read_noise_e=(4.97, 4.85, 5.24, 4.85),
        gain=(2.02, 1.89, 2.02, 1.97), dark_e_s=0.006, default_filters=("F606W",),
        default_exptime_s=400.0, psf_floor_fwhm_arcsec=0.055, psf_half_size=10, psf_oversample=3,
        psf_radius_arcsec=2.0,
        cr_pixel_um=15.0, aperture="WFC", grism="G800L", ramp="FR656N",
        dither_box_px=((0.0, 0.0), (5.0, 1.5), (2.5, 4.0), (-2.5, 2.5))),
}


def get_detector(name: str) -> DetectorSpec:
    """Return the spec of detector ``name``.

    Raises
    ------
    ConfigError
        If the detector is not simulated (``acs_hrc`` and ``acs_sbc`` are not).
    """
    try:
        return DETECTORS[name]
    except KeyError:
        raise ConfigError("detector is not simulated", key="detector", value=name,
                          allowed=sorted(DETECTORS)) from None
