"""The header template types of the simulated detectors (filled from real or built-in headers)."""
from __future__ import annotations

from dataclasses import dataclass

from astropy.io import fits

from hapsvm.simulate.geometry import ChipGeometry

__all__ = ["ChipTemplate", "DetectorTemplate"]


@dataclass(frozen=True)
class ChipTemplate:
    """One chip of a template: its real geometry and its non-WCS SCI keywords."""

    geometry: ChipGeometry
    """The real chip WCS (full frame) the simulation moves on the sky."""
    header: fits.Header
    """SCI keywords other than WCS (CCDCHIP, IDC*, OCX*, photometry, statistics, ...)."""


@dataclass(frozen=True)
class DetectorTemplate:
    """Everything taken from real headers for one detector."""

    detector: str
    """Detector key, e.g. ``acs_wfc``."""
    source: str
    """Template files used, or ``builtin``."""
    primary: fits.Header
    """Primary header without structural keywords and HISTORY."""
    chips: tuple[ChipTemplate, ...]
    """Chips in EXTVER order."""
    idctab: str
    """Rootname of the IDCTAB the SIP came from, e.g. ``w3m18525i``."""
    pa_v3_offset: float
    """PA_V3 − ORIENTAT(SCI,1) in degrees (fixed by the instrument's mounting)."""
