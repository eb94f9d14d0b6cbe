"""Resource planning: a visit's peak memory and run time from its headers (``svm plan``).

``features`` reads what the planning steps decide and each detector's output grid from the
headers; ``model`` turns them into predictions with coefficients calibrated on measured runs
(``resource_model.json``); ``table`` assigns memory classes and writes ``visit_plan.tsv``;
``cli`` is the command.
"""
from __future__ import annotations

from hapsvm.plan.features import DetectorFeatures
from hapsvm.plan.features import PlanSettings
from hapsvm.plan.features import VisitFeatures
from hapsvm.plan.features import visit_features
from hapsvm.plan.model import Prediction
from hapsvm.plan.model import ResourceModel
from hapsvm.plan.model import load_model
from hapsvm.plan.table import DEFAULT_CLASSES
from hapsvm.plan.table import PlanRow
from hapsvm.plan.table import memory_class
from hapsvm.plan.table import plan_table

__all__ = ["DetectorFeatures", "PlanSettings", "VisitFeatures", "visit_features", "Prediction",
           "ResourceModel", "load_model", "DEFAULT_CLASSES", "PlanRow", "memory_class",
           "plan_table"]
