"""Photometric keywords, zero points and sky levels of the simulated filters."""
from __future__ import annotations

import math
from dataclasses import dataclass

from hapsvm.errors import ConfigError

__all__ = ["FilterInfo", "get_filter", "filters_of", "ab_zeropoint", "flux_e_s"]

_SPEED_OF_LIGHT_FACTOR = 3.33564095e4  # F_nu[Jy] = this * lambda[A]^2 * F_lambda[cgs/A]


@dataclass(frozen=True)
class FilterInfo:
    """Photometry of one filter on one detector (values close to the real calibration)."""

    name: str
    """Filter name as in the header, e.g. ``F160W``."""
    pivot_a: float
    """Pivot wavelength in Angstrom (``PHOTPLAM``)."""
    zp_ab: float
    """AB magnitude of a source giving 1 electron per second."""
    bandwidth_a: float
    """RMS bandwidth in Angstrom (``PHOTBW``)."""
    wheel: int = 1
    """ACS filter wheel (1 → ``FILTER1``, 2 → ``FILTER2``); 1 for WFC3."""
    kind: str = "imaging"
    """``imaging``, ``grism``, ``ramp`` or ``blocked``."""

    @property
    def photflam(self) -> float:
        """Inverse sensitivity in erg/cm²/Å/electron, consistent with ``zp_ab``."""
        return 10 ** (-0.4 * (self.zp_ab + 21.10 + 5 * math.log10(self.pivot_a) - 18.6921))

    @property
    def photfnu(self) -> float:
        """Inverse sensitivity in Jy·s/electron."""
        return _SPEED_OF_LIGHT_FACTOR * self.pivot_a ** 2 * self.photflam

    @property
    def sky_mag_arcsec2(self) -> float:
        """Typical zodiacal sky in AB mag/arcsec² at this wavelength (brighter for grisms)."""
        lam = self.pivot_a
        mu = 25.0 if lam < 3000 else 23.5 if lam < 4000 else 22.9 if lam < 5000 else \
            22.6 if lam < 6000 else 22.3 if lam < 7500 else 22.1 if lam < 9500 else 22.3
        return mu - (1.2 if self.kind == "grism" else 0.0)

    def sky_e_s(self, pixel_scale: float) -> float:
        """Sky level in electrons per second per pixel of ``pixel_scale`` arcsec."""
        return float(10 ** (-0.4 * (self.sky_mag_arcsec2 - self.zp_ab)) * pixel_scale ** 2)


def _f(name: str, pivot: float, zp: float, bw: float, wheel: int = 1,
       kind: str = "imaging") -> FilterInfo:
    return FilterInfo(name, pivot, zp, bw, wheel, kind)


_TABLE: dict[str, dict[str, FilterInfo]] = {
    "wfc3_ir": {f.name: f for f in (
        _f("F098M", 9864.7, 25.666, 500.0), _f("F105W", 10551.0, 26.264, 865.0),
        _f("F110W", 11534.5, 26.819, 1428.5), _f("F125W", 12486.1, 26.232, 867.0),
        _f("F140W", 13923.2, 26.450, 1132.0), _f("F160W", 15369.2, 25.936, 826.0),
        _f("G102", 9989.9, 25.20, 880.0, kind="grism"),
        _f("G141", 13886.7, 25.60, 1300.0, kind="grism"))},
    "wfc3_uvis": {f.name: f for f in (
        _f("F225W", 2359.4, 24.04, 177.0), _f("F275W", 2704.1, 24.13, 164.0),
        _f("F336W", 3354.7, 24.64, 158.0), _f("F438W", 4325.1, 24.83, 199.0),
        _f("F475W", 4772.9, 25.69, 421.0), _f("F555W", 5307.9, 25.81, 517.1),
        _f("F606W", 5887.1, 26.08, 657.0), _f("F625W", 6242.4, 25.52, 416.0),
        _f("F775W", 7651.4, 24.85, 420.0), _f("F814W", 8039.0, 25.09, 666.0),
        _f("F850LP", 9176.1, 23.84, 470.0),
        _f("FQ508N", 5091.0, 19.60, 40.0, kind="ramp"),
        _f("G280", 3800.0, 25.00, 1000.0, kind="grism"))},
    "acs_wfc": {f.name: f for f in (
        _f("F435W", 4329.2, 25.66, 293.0, 2), _f("F475W", 4746.2, 26.06, 420.0, 1),
        _f("F555W", 5361.0, 25.72, 360.0, 1), _f("F606W", 5917.7, 26.49, 672.3, 1),
        _f("F625W", 6311.0, 25.91, 415.0, 1), _f("F658N", 6584.0, 22.76, 37.0, 1),
        _f("F775W", 7693.0, 25.67, 435.0, 1), _f("F814W", 8045.0, 25.94, 654.0, 2),
        _f("F850LP", 9033.2, 24.86, 526.0, 1),
        _f("FR656N", 6560.0, 21.00, 60.0, 2, kind="ramp"),
        _f("G800L", 7470.0, 26.00, 1500.0, 1, kind="grism"),
        _f("BLOCK1", 6000.0, 10.00, 100.0, 1, kind="blocked"))},
}


def filters_of(detector: str) -> list[str]:
    """Names of the filters known for ``detector`` (direct imaging ones first)."""
    table = _TABLE.get(detector, {})
    return sorted(table, key=lambda n: (table[n].kind != "imaging", n))


def get_filter(detector: str, name: str) -> FilterInfo:
    """Return the photometry of filter ``name`` (case-insensitive) on ``detector``.

    Raises
    ------
    ConfigError
        If the filter is not known for that detector.
    """
    table = _TABLE.get(detector, {})
    try:
        return table[name.upper()]
    except KeyError:
        raise ConfigError(f"filter is not simulated for {detector}", key="filters", value=name,
                          allowed=filters_of(detector)) from None


def ab_zeropoint(photflam: float, photplam: float) -> float:
    """AB magnitude zero point from ``PHOTFLAM`` and ``PHOTPLAM`` (as the SVM catalogues use it)."""
    return -2.5 * math.log10(photflam) - 21.10 - 5 * math.log10(photplam) + 18.6921


def flux_e_s(mag_ab: float, info: FilterInfo) -> float:
    """Count rate in electrons per second of a source of AB magnitude ``mag_ab``."""
    return float(10 ** (-0.4 * (mag_ab - ab_zeropoint(info.photflam, info.pivot_a))))
