"""Static view of ``hapsvm.simulate`` for editors and type checkers (names load lazily
at run time, see ``__init__.py``); written by ``python -m hapsvm.stubs``."""

from hapsvm.simulate.detectors import DETECTORS as DETECTORS
from hapsvm.simulate.detectors import DetectorSpec as DetectorSpec
from hapsvm.simulate.detectors import get_detector as get_detector
from hapsvm.simulate.plan import EXTRAS as EXTRAS
from hapsvm.simulate.scoring import score_alignment as score_alignment
from hapsvm.simulate.scoring import score_point_catalog as score_point_catalog
from hapsvm.simulate.truth import TRUTH_DIR as TRUTH_DIR
from hapsvm.simulate.truth import ExposureTruth as ExposureTruth
from hapsvm.simulate.truth import VisitTruth as VisitTruth
from hapsvm.simulate.truth import load_truth as load_truth
from hapsvm.simulate.visit import SimulatedVisit as SimulatedVisit
from hapsvm.simulate.visit import simulate_visit as simulate_visit

__all__ = [
    "DETECTORS",
    "DetectorSpec",
    "EXTRAS",
    "ExposureTruth",
    "SimulatedVisit",
    "TRUTH_DIR",
    "VisitTruth",
    "get_detector",
    "load_truth",
    "score_alignment",
    "score_point_catalog",
    "simulate_visit",
]
