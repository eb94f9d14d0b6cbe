"""The engine core: registry, context, composition, validation, runner and provenance.

It knows no astronomy: it imports only the standard library, hydra, omegaconf, jsonschema and
yaml (a contract test checks this).
"""
from __future__ import annotations

from engine.core.compose import ProjectPaths, Recipe, RecipeComposer, store_step_configs
from engine.core.context import VisitContext, WiringError, WorkUnit, atomic_write, recipe_path_for
from engine.core.provenance import RunProvenance, StepRecord, sha256_of
from engine.core.registry import SCOPES, StepSpec, get_step, register_step, registered_steps
from engine.core.resume import OutputLock, StateStore
from engine.core.runner import Runner, RunResult, check_wiring
from engine.core.schema import config_schema, constrained, validate_against

__all__ = [
    "ProjectPaths", "Recipe", "RecipeComposer", "store_step_configs",
    "VisitContext", "WiringError", "WorkUnit", "atomic_write", "recipe_path_for",
    "RunProvenance", "StepRecord", "sha256_of",
    "SCOPES", "StepSpec", "get_step", "register_step", "registered_steps",
    "OutputLock", "StateStore", "Runner", "RunResult", "check_wiring",
    "config_schema", "constrained", "validate_against",
]
