"""Fixed facts of the HST instruments and detectors hapsvm handles: the one table of them.

The intake (header keywords, vetting rules), the simulator, the steps that pass facts to
domain code and the config's ``detector`` section (``hapsvm.steps._detector_facts``) read these
values; step tunings live in ``conf/``.
"""
from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TypeVar

from hapsvm.errors import ConfigError

_Facts = TypeVar("_Facts")

__all__ = ["InstrumentFacts", "DetectorFacts", "INSTRUMENTS", "DETECTORS", "instrument_facts",
           "detector_facts", "find_detector"]


@dataclass(frozen=True)
class InstrumentFacts:
    """What every detector of one instrument shares."""

    name: str
    """``INSTRUME`` value, upper case (``ACS``, ``WFC3``)."""
    rootname_letter: str
    """First character of its rootnames (``j`` ACS, ``i`` WFC3)."""
    filter_keywords: tuple[str, ...]
    """Primary-header keywords naming the filters, in wheel order (``FILTER1``, ``FILTER2``)."""
    has_spatial_scans: bool
    """Whether exposures may be spatial scans (``SCAN_TYP`` is meaningful)."""


@dataclass(frozen=True)
class DetectorFacts:
    """Geometry, units and header conventions of one detector."""

    key: str
    """Project-wide detector key ``<instrument>_<detector>``, e.g. ``wfc3_ir``."""
    instrument: str
    """``INSTRUME`` value (a key of :data:`INSTRUMENTS`)."""
    detector: str
    """``DETECTOR`` value (``IR``, ``UVIS``, ``WFC``, ``HRC``, ``SBC``)."""
    n_chips: int
    """SCI extensions (chips) of a full-frame file."""
    chip_shape: tuple[int, int]
    """Full chip shape (ny, nx), pixels."""
    pixel_scale_arcsec: float
    """Native pixel scale (``IDCSCALE``), arcsec."""
    input_suffix: str
    """Suffix of the calibrated file the pipeline prefers: ``flc`` (CTE-corrected) or ``flt``."""
    bunit: str
    """``BUNIT`` of the calibrated SCI and ERR arrays."""
    saturation_dq_bits: tuple[int, ...]
    """DQ bits that mark saturated pixels (256 full well; 2048 A/D saturation on the CCDs)."""
    photometry_in_primary: bool
    """Whether ``PHOTFLAM``/``PHOTPLAM`` are read from the primary header (else from SCI,1)."""
    has_charge_injection: bool
    """Whether exposures may use charge injection (``CHINJECT`` is meaningful)."""


INSTRUMENTS: dict[str, InstrumentFacts] = {
    "ACS": InstrumentFacts(name="ACS", rootname_letter="j", filter_keywords=("FILTER1", "FILTER2"),
                           has_spatial_scans=False),
    "WFC3": InstrumentFacts(name="WFC3", rootname_letter="i", filter_keywords=("FILTER",),
                            has_spatial_scans=True),
}

DETECTORS: dict[str, DetectorFacts] = {d.key: d for d in (
    DetectorFacts(key="acs_wfc", instrument="ACS", detector="WFC", n_chips=2,
                  chip_shape=(2048, 4096), pixel_scale_arcsec=0.05, input_suffix="flc",
                  bunit="ELECTRONS", saturation_dq_bits=(256, 2048),
                  photometry_in_primary=False, has_charge_injection=False),
    DetectorFacts(key="acs_hrc", instrument="ACS", detector="HRC", n_chips=1,
                  chip_shape=(1024, 1024), pixel_scale_arcsec=0.025, input_suffix="flt",
                  bunit="ELECTRONS", saturation_dq_bits=(256, 2048),
                  photometry_in_primary=False, has_charge_injection=False),
    DetectorFacts(key="acs_sbc", instrument="ACS", detector="SBC", n_chips=1,
                  chip_shape=(1024, 1024), pixel_scale_arcsec=0.025, input_suffix="flt",
                  bunit="COUNTS", saturation_dq_bits=(256,),
                  photometry_in_primary=False, has_charge_injection=False),
    DetectorFacts(key="wfc3_uvis", instrument="WFC3", detector="UVIS", n_chips=2,
                  chip_shape=(2051, 4096), pixel_scale_arcsec=0.03962, input_suffix="flc",
                  bunit="ELECTRONS", saturation_dq_bits=(256, 2048),
                  photometry_in_primary=False, has_charge_injection=True),
    DetectorFacts(key="wfc3_ir", instrument="WFC3", detector="IR", n_chips=1,
                  chip_shape=(1014, 1014), pixel_scale_arcsec=0.12825, input_suffix="flt",
                  bunit="ELECTRONS/S", saturation_dq_bits=(256,),
                  photometry_in_primary=True, has_charge_injection=False),
)}


def instrument_facts(name: str) -> InstrumentFacts:
    """Return the facts of instrument ``name`` (``INSTRUME``, any case).

    Raises
    ------
    ConfigError
        If hapsvm does not handle that instrument.

    Examples
    --------
    >>> instrument_facts("acs").filter_keywords
    ('FILTER1', 'FILTER2')
    """
    return _supported(INSTRUMENTS, name.upper(), "instrument", name)


def detector_facts(key: str) -> DetectorFacts:
    """Return the facts of detector ``key`` (``<instrument>_<detector>``, any case).

    Raises
    ------
    ConfigError
        If hapsvm does not handle that detector.

    Examples
    --------
    >>> detector_facts("wfc3_ir").chip_shape
    (1014, 1014)
    """
    return _supported(DETECTORS, key.lower(), "detector", key)


def _supported(table: Mapping[str, _Facts], key: str, kind: str, given: str) -> _Facts:
    """``table[key]``, or a ConfigError saying that ``given`` is not a ``kind`` hapsvm handles."""
    try:
        return table[key]
    except KeyError:
        raise ConfigError(f"{kind} is not supported", key=kind, value=given,
                          allowed=sorted(table)) from None


def find_detector(instrument: str, detector: str) -> DetectorFacts | None:
    """The facts of the ``INSTRUME``/``DETECTOR`` pair of a header; None if not handled.

    Examples
    --------
    >>> find_detector("WFC3", "UVIS").n_chips
    2
    >>> find_detector("STIS", "CCD") is None
    True
    """
    return DETECTORS.get(f"{instrument}_{detector}".lower())
