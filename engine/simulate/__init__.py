"""Simulated HST visits (FLT/FLC files, poller, reference catalogue) with known truth."""
from __future__ import annotations

from engine.simulate.detectors import DETECTORS, DetectorSpec, get_detector
from engine.simulate.plan import EXTRAS
from engine.simulate.truth import ExposureTruth, VisitTruth, load_truth
from engine.simulate.visit import SimulatedVisit, simulate_visit

__all__ = ["simulate_visit", "SimulatedVisit", "VisitTruth", "ExposureTruth", "load_truth",
           "DETECTORS", "DetectorSpec", "get_detector", "EXTRAS"]
