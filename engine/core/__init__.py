"""The engine core: registry, context, composition, validation, runner and provenance.

It knows no astronomy: it imports only the standard library, hydra, omegaconf, jsonschema and
yaml (a contract test checks this).
"""
from __future__ import annotations

from hapsvm.core.compose import Recipe, RecipeComposer, compose_config, store_step_configs
from hapsvm.core.context import VisitContext, WiringError, WorkUnit, atomic_write, recipe_path_for
from hapsvm.core.provenance import RunProvenance, StepRecord, sha256_of
from hapsvm.core.recipes import (
                                 ProjectPaths,
                                 check_data_overrides,
                                 register_recipes,
                                 split_recipe_argument,
)
from hapsvm.core.registry import SCOPES, StepSpec, get_step, register_step, registered_steps
from hapsvm.core.resume import OutputLock, StateStore
from hapsvm.core.runner import Runner, RunResult, check_wiring
from hapsvm.core.schema import config_schema, constrained, validate_against

__all__ = [
    "ProjectPaths", "Recipe", "RecipeComposer", "compose_config", "store_step_configs",
    "check_data_overrides", "register_recipes", "split_recipe_argument",
    "VisitContext", "WiringError", "WorkUnit", "atomic_write", "recipe_path_for",
    "RunProvenance", "StepRecord", "sha256_of",
    "SCOPES", "StepSpec", "get_step", "register_step", "registered_steps",
    "OutputLock", "StateStore", "Runner", "RunResult", "check_wiring",
    "config_schema", "constrained", "validate_against",
]
