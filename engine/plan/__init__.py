"""Resource planning: a visit's peak memory and run time from its headers (``svm plan``).

``features`` reads what the planning steps decide and each detector's output grid from the
headers; ``model`` turns them into predictions with coefficients calibrated on measured runs
(``resource_model.json``); ``table`` assigns memory classes and writes ``visit_plan.tsv``;
``cli`` is the command.
"""
from __future__ import annotations

from hapsvm.plan.features import DetectorFeatures, PlanSettings, VisitFeatures, visit_features
from hapsvm.plan.model import Prediction, ResourceModel, load_model
from hapsvm.plan.table import DEFAULT_CLASSES, PlanRow, memory_class, plan_table

__all__ = ["DetectorFeatures", "PlanSettings", "VisitFeatures", "visit_features", "Prediction",
           "ResourceModel", "load_model", "DEFAULT_CLASSES", "PlanRow", "memory_class",
           "plan_table"]
