"""The engine core: registry, context, composition, validation, runner and provenance.

It knows no astronomy: it imports only the standard library, hydra, omegaconf, jsonschema and
yaml (a contract test checks this).
"""
from __future__ import annotations

from hapsvm.core.compose import Recipe
from hapsvm.core.compose import RecipeComposer
from hapsvm.core.compose import compose_config
from hapsvm.core.compose import store_step_configs
from hapsvm.core.context import VisitContext
from hapsvm.core.context import WiringError
from hapsvm.core.context import WorkUnit
from hapsvm.core.context import atomic_write
from hapsvm.core.context import recipe_path_for
from hapsvm.core.provenance import RunProvenance
from hapsvm.core.provenance import StepRecord
from hapsvm.core.provenance import sha256_of
from hapsvm.core.recipes import ProjectPaths
from hapsvm.core.recipes import check_data_overrides
from hapsvm.core.recipes import register_recipes
from hapsvm.core.recipes import split_recipe_argument
from hapsvm.core.registry import SCOPES
from hapsvm.core.registry import StepSpec
from hapsvm.core.registry import get_step
from hapsvm.core.registry import register_step
from hapsvm.core.registry import registered_steps
from hapsvm.core.resume import OutputLock
from hapsvm.core.resume import StateStore
from hapsvm.core.runner import Runner
from hapsvm.core.runner import RunResult
from hapsvm.core.runner import check_wiring
from hapsvm.core.schema import config_schema
from hapsvm.core.schema import constrained
from hapsvm.core.schema import validate_against

__all__ = [
    "ProjectPaths", "Recipe", "RecipeComposer", "compose_config", "store_step_configs",
    "check_data_overrides", "register_recipes", "split_recipe_argument",
    "VisitContext", "WiringError", "WorkUnit", "atomic_write", "recipe_path_for",
    "RunProvenance", "StepRecord", "sha256_of",
    "SCOPES", "StepSpec", "get_step", "register_step", "registered_steps",
    "OutputLock", "StateStore", "Runner", "RunResult", "check_wiring",
    "config_schema", "constrained", "validate_against",
]
