"""Simulation properties of the HST detectors (noise, PSF, dithers, extras) over their facts."""
from __future__ import annotations

from dataclasses import dataclass

from hapsvm.errors import ConfigError
from hapsvm.visit.instruments import DetectorFacts
from hapsvm.visit.instruments import detector_facts
from hapsvm.visit.instruments import instrument_facts

__all__ = ["DetectorSpec", "DETECTORS", "get_detector"]


@dataclass(frozen=True)
class DetectorSpec:
    """What the simulator needs to know about one HST detector.

    The detector's fixed facts (chip shape, pixel scale, suffix, units, rootname letter, filter
    keywords) come from ``hapsvm.visit.instruments``, the table the pipeline reads too; this
    class adds what only a simulation needs. Noise values are those written to the headers
    (``READNSE*``, ``ATODGN*``) so the files are self-consistent; ``full_well_e`` is written
    as ``SATURATE`` in each SCI header.
    """

    facts: DetectorFacts
    """The detector's facts, shared with the pipeline."""
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
    overhead_s: float
    """Time between the end of one exposure and the start of the next, seconds."""
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
    hot_fraction: float
    """Fraction of pixels drawn as hot pixels."""
    bad_fraction: float
    """Fraction of pixels drawn as bad (dead) pixels."""
    n_bad_columns: int
    """Bad columns drawn per chip."""
    aperture: str
    """``APERTURE`` value of a full-frame exposure."""
    grism: str
    """Grism or prism filter used by the ``grism`` extra."""
    grism_trace_px: float
    """Length of a source's first-order spectrum in the ``grism`` extra, pixels."""
    ramp: str
    """Ramp or quad filter used by the ``ramp`` extra ('' if the detector has none)."""
    dither_box_px: tuple[tuple[float, float], ...]
    """Dither box pattern in pixels (POSTARG1, POSTARG2 = value × pixel_scale)."""

    @property
    def name(self) -> str:
        """Project-wide detector key, e.g. ``wfc3_ir``."""
        return self.facts.key

    @property
    def instrument(self) -> str:
        """``INSTRUME`` value (``WFC3`` or ``ACS``)."""
        return self.facts.instrument

    @property
    def detector(self) -> str:
        """``DETECTOR`` value (``IR``, ``UVIS``, ``WFC``)."""
        return self.facts.detector

    @property
    def letter(self) -> str:
        """First character of the rootname (``i`` WFC3, ``j`` ACS)."""
        return instrument_facts(self.facts.instrument).rootname_letter

    @property
    def filter_keywords(self) -> tuple[str, ...]:
        """Primary keywords naming the filters (``FILTER``; ACS ``FILTER1``, ``FILTER2``)."""
        return instrument_facts(self.facts.instrument).filter_keywords

    @property
    def has_spatial_scans(self) -> bool:
        """Whether the instrument has spatial scans (``SCAN_TYP`` in the header)."""
        return instrument_facts(self.facts.instrument).has_spatial_scans

    @property
    def n_chips(self) -> int:
        """Number of SCI extensions (chips) per file."""
        return self.facts.n_chips

    @property
    def chip_shape(self) -> tuple[int, int]:
        """Full chip shape (ny, nx) in pixels."""
        return self.facts.chip_shape

    @property
    def pixel_scale(self) -> float:
        """Nominal pixel scale in arcsec (``IDCSCALE``)."""
        return self.facts.pixel_scale_arcsec

    @property
    def suffix(self) -> str:
        """File suffix: ``flt`` (IR) or ``flc`` (CTE-corrected CCD)."""
        return self.facts.input_suffix

    @property
    def bunit(self) -> str:
        """SCI/ERR units: ``ELECTRONS/S`` (IR) or ``ELECTRONS`` (CCDs)."""
        return self.facts.bunit

    @property
    def is_ccd(self) -> bool:
        """True for the CCD detectors (electrons, cosmic rays, read-out amplifiers)."""
        return self.facts.bunit == "ELECTRONS"


DETECTORS: dict[str, DetectorSpec] = {
    "wfc3_ir": DetectorSpec(
        facts=detector_facts("wfc3_ir"), full_well_e=77900.0,
        read_noise_e=(20.2, 19.8, 19.9, 20.1), gain=(2.34, 2.37, 2.31, 2.38), dark_e_s=0.048,
        default_filters=("F160W",), default_exptime_s=252.937, overhead_s=60.0,
        psf_floor_fwhm_arcsec=0.08, psf_half_size=8, psf_oversample=5, psf_radius_arcsec=5.0,
        cr_pixel_um=0.0, hot_fraction=0.002, bad_fraction=0.001, n_bad_columns=0,
        aperture="IR", grism="G102", grism_trace_px=150.0, ramp="",
        dither_box_px=((0.0, 0.0), (4.226, 1.419), (2.643, 5.536), (-1.583, 4.117))),
    "wfc3_uvis": DetectorSpec(
        facts=detector_facts("wfc3_uvis"), full_well_e=63000.0,
        read_noise_e=(3.03, 3.13, 3.08, 3.18), gain=(1.56, 1.56, 1.56, 1.56), dark_e_s=0.0015,
        default_filters=("F555W",), default_exptime_s=348.0, overhead_s=150.0,
        psf_floor_fwhm_arcsec=0.055, psf_half_size=10, psf_oversample=3, psf_radius_arcsec=2.0,
        cr_pixel_um=15.0, hot_fraction=0.006, bad_fraction=0.0005, n_bad_columns=2,
        aperture="UVIS", grism="G280", grism_trace_px=300.0, ramp="FQ508N",
        dither_box_px=((0.0, 0.0), (5.5, 1.5), (3.5, 5.0), (-2.0, 3.5))),
    "acs_wfc": DetectorSpec(
        facts=detector_facts("acs_wfc"), full_well_e=84700.0,
        read_noise_e=(4.97, 4.85, 5.24, 4.85), gain=(2.02, 1.89, 2.02, 1.97), dark_e_s=0.006,
        default_filters=("F606W",), default_exptime_s=400.0, overhead_s=150.0,
        psf_floor_fwhm_arcsec=0.055, psf_half_size=10, psf_oversample=3, psf_radius_arcsec=2.0,
        cr_pixel_um=15.0, hot_fraction=0.006, bad_fraction=0.0005, n_bad_columns=2,
        aperture="WFC", grism="G800L", grism_trace_px=120.0, ramp="FR656N",
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
