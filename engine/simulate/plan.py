"""The exposures of a simulated visit: names, filters, times, dithers, a-priori pointing errors,
and the extra exposures that exercise the SVM filtering rules."""
from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from hapsvm.errors import ConfigError
from hapsvm.simulate.detectors import DetectorSpec
from hapsvm.simulate.filters import FilterInfo
from hapsvm.simulate.filters import filters_of
from hapsvm.simulate.filters import get_filter

__all__ = ["EXTRAS", "ExtraSpec", "ExposurePlan", "check_extras", "plan_exposures",
           "exposure_id"]


@dataclass(frozen=True)
class ExtraSpec:
    """An extra exposure made to be vetted by one rule of spec §2."""

    mode: str
    """How it is rendered: imaging, grism, scan, moving, dark, zero, chinject."""
    keywords: tuple[tuple[str, object], ...]
    """Primary keywords that differ from a normal direct image."""
    expected: str
    """Expected vetting: usable, warning, grism, ramp or rejected."""
    reason: str
    """The keyword test that decides (``KEYWORD=value``), '' for usable images."""
    possible: Callable[[DetectorSpec], bool] = lambda spec: True
    """Whether the detector can take such an exposure (from its facts and filters)."""


EXTRAS: dict[str, ExtraSpec] = {
    "grism": ExtraSpec("grism", (("OBSTYPE", "SPECTROSCOPIC"),), "grism",
                       "OBSTYPE=SPECTROSCOPIC"),
    "ramp": ExtraSpec("imaging", (), "ramp", "", possible=lambda spec: bool(spec.ramp)),
    "zero_exptime": ExtraSpec("zero", (("EXPTIME", 0.0),), "rejected", "EXPTIME=0.0"),
    "dark": ExtraSpec("dark", (("TARGNAME", "DARK"), ("IMAGETYP", "DARK")), "rejected",
                      "TARGNAME=DARK"),
    "scan": ExtraSpec("scan", (("SCAN_TYP", "C"), ("SCAN_RAT", 0.5), ("SCAN_LEN", 10.0)),
                      "rejected", "SCAN_TYP=C", possible=lambda spec: spec.has_spatial_scans),
    "moving_target": ExtraSpec("moving", (("MTFLAG", "T"), ("TARGNAME", "SIM-ASTEROID")),
                               "rejected", "MTFLAG=T"),
    "chinject": ExtraSpec("chinject", (("CHINJECT", "LINE17"),), "rejected", "CHINJECT=LINE17",
                          possible=lambda spec: spec.facts.has_charge_injection),
    "blocked": ExtraSpec("dark", (), "rejected", "FILTER=BLOCK1_CLEAR2L",
                         possible=lambda spec: "BLOCK1" in filters_of(spec.name)),
    "fgs_coarse": ExtraSpec("imaging", (("FGSLOCK", "COARSE"),), "warning", "FGSLOCK=COARSE"),
}


@dataclass(frozen=True)
class ExposurePlan:
    """One exposure to simulate."""

    index: int
    rootname: str
    kind: str
    """``imaging`` for the regular direct images, else the extra's name."""
    filter: FilterInfo
    exptime: float
    """Seconds (0 for the ``zero_exptime`` extra)."""
    expstart: float
    """MJD of the start."""
    postarg: tuple[float, float]
    """Dither offset (POSTARG1, POSTARG2) in arcsec along the detector axes."""
    apriori: tuple[float, float, float]
    """Header minus truth: (ΔRA·cosδ, ΔDec) arcsec at the reference point, rotation in deg."""
    mode: str
    keywords: tuple[tuple[str, object], ...]
    expected: str
    reason: str

    @property
    def expend(self) -> float:
        """MJD of the end."""
        return self.expstart + self.exptime / 86400.0


def check_extras(spec: DetectorSpec, extras: tuple[str, ...] | list[str]) -> list[str]:
    """Validate extra names for ``spec`` and return them in order without repeats.

    Raises
    ------
    ConfigError
        For an unknown extra or one the detector cannot have (e.g. ``scan`` on ACS).
    """
    out: list[str] = []
    for name in extras:
        extra = EXTRAS.get(name)
        if extra is None:
            raise ConfigError("unknown extra exposure", key="extras", value=name,
                              allowed=sorted(EXTRAS))
        if not extra.possible(spec):
            allowed = [n for n, e in EXTRAS.items() if e.possible(spec)]
            raise ConfigError(f"extra {name!r} does not exist for {spec.name}", key="extras",
                              value=name, allowed=allowed)
        if name not in out:
            out.append(name)
    return out


_ALPHABET = "abcdefghijklmnopqrstuvwxyz"
_ALNUM = "0123456789" + _ALPHABET


def exposure_id(index: int) -> str:
    """Two-character exposure id (``a0``, ``a1``, ..., ``az``, ``b0``, ...)."""
    return _ALPHABET[(index // 36) % 26] + _ALNUM[index % 36]


def _dither(spec: DetectorSpec, i: int) -> tuple[float, float]:
    box = spec.dither_box_px[i % len(spec.dither_box_px)]
    line = i // len(spec.dither_box_px)
    return (round((box[0] + 1.3 * line) * spec.pixel_scale, 6),
            round((box[1] + 60.0 * line) * spec.pixel_scale, 6))


def _apriori(rng: np.random.Generator, n: int, enabled: bool) -> list[tuple[float, float, float]]:
    """Visit-wide guide-star error plus small per-exposure differences."""
    if not enabled:
        return [(0.0, 0.0, 0.0)] * n
    size, angle = rng.uniform(0.1, 0.9), rng.uniform(0, 2 * math.pi)
    rot = rng.uniform(-0.005, 0.005)
    jitter = rng.normal(0, 0.01, (n, 2))
    spin = rng.normal(0, 0.0003, n)
    return [(round(size * math.cos(angle) + jx, 6), round(size * math.sin(angle) + jy, 6),
             round(rot + s, 7)) for (jx, jy), s in zip(jitter, spin)]


def plan_exposures(spec: DetectorSpec, ipppss: str, filters: list[FilterInfo],
                   n_exposures: int, extras: list[str], *, exptime: float, expstart: float,
                   rng: np.random.Generator, pointing_error: bool) -> list[ExposurePlan]:
    """Plan the regular exposures (filters round-robin, dither box) followed by the extras."""
    kinds = ["imaging"] * n_exposures + extras
    errors = _apriori(rng, len(kinds), pointing_error)
    plans: list[ExposurePlan] = []
    start = expstart
    for i, kind in enumerate(kinds):
        extra = EXTRAS.get(kind)
        info = filters[i % len(filters)] if extra is None else filters[0]
        if kind == "grism":
            info = get_filter(spec.name, spec.grism)
        elif kind == "ramp":
            info = get_filter(spec.name, spec.ramp)
        elif kind == "blocked":
            info = get_filter(spec.name, "BLOCK1")
        seconds = 0.0 if kind == "zero_exptime" else exptime
        plans.append(ExposurePlan(
            index=i, rootname=f"{ipppss}{exposure_id(i)}q", kind=kind, filter=info,
            exptime=seconds, expstart=round(start, 8), postarg=_dither(spec, i),
            apriori=errors[i], mode="imaging" if extra is None else extra.mode,
            keywords=() if extra is None else extra.keywords,
            expected="usable" if extra is None else extra.expected,
            reason="" if extra is None else extra.reason))
        start += (seconds + spec.overhead_s) / 86400.0
    return plans
