"""Compose run recipes with Hydra's compose API and validate them before any work.

Which values win is Hydra's defaults-list order (see ``hapsvm.core.recipes``); nothing here
merges values by hand.
"""
from __future__ import annotations

import copy
import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hydra import compose
from hydra import initialize_config_dir
from hydra.core.config_store import ConfigStore
from hydra.core.global_hydra import GlobalHydra
from hydra.errors import HydraException
from omegaconf import DictConfig
from omegaconf import ListConfig
from omegaconf import OmegaConf
from omegaconf.errors import OmegaConfBaseException

from hapsvm.core.recipes import RECIPE_GROUP
from hapsvm.core.recipes import ProjectPaths
from hapsvm.core.recipes import check_data_overrides
from hapsvm.core.recipes import read_recipe_file
from hapsvm.core.recipes import register_recipes
from hapsvm.core.recipes import split_recipe_argument
from hapsvm.core.registry import StepSpec
from hapsvm.core.registry import registered_steps
from hapsvm.core.schema import load_schema
from hapsvm.core.schema import validate_against
from hapsvm.errors import ConfigError

__all__ = ["Recipe", "ProjectPaths", "RecipeComposer", "store_step_configs", "compose_config",
           "check_data_overrides", "RUN_KEYS"]


#: Top-level config keys that belong to the run, not to a step.
RUN_KEYS = ("input", "output_dir", "recipes_dir", "recipe_file", "quiet", "log_level", "resume",
            "processes_per_visit", "objective")
#: Config groups whose sections describe the unit (validated by their own schemas).
UNIT_SECTIONS = ("instrument", "detector", "nexp")


def compose_config(paths: ProjectPaths, overrides: list[str]) -> DictConfig:
    """Compose ``conf/config.yaml`` with ``overrides`` (Hydra's compose API)."""
    try:
        if GlobalHydra.instance().is_initialized():
            return compose(config_name="config", overrides=overrides)
        with initialize_config_dir(str(paths.conf.resolve()), version_base="1.3"):
            return compose(config_name="config", overrides=overrides)
    except (HydraException, OmegaConfBaseException) as err:
        raise ConfigError(f"cannot compose the recipe: {err}".replace("\n", " "),
                          key=",".join(overrides)) from err


@dataclass(frozen=True)
class Recipe:
    """A versioned recipe as composed: its name, version, step order and own pinned values."""

    name: str
    version: str
    steps: list[str]
    pinned: dict[str, Any]
    """The values this recipe file pins itself (not those of a recipe it extends)."""
    path: Path
    option: str
    """Its option in the ``recipe`` config group (``recipe=<option>``)."""
    description: str = ""

    @classmethod
    def load(cls, name_or_path: str, paths: ProjectPaths) -> Recipe:
        """Find, register and compose a recipe; check its name, version and steps.

        ``name_or_path`` is a recipe name (the user recipe directory, then the shipped
        ``svm_recipes/``) or a path to a recipe file (its folder is then searched first).
        """
        option, user_dir = split_recipe_argument(name_or_path, paths.user_recipes)
        paths = paths.with_user_recipes(user_dir)
        path = paths.find_recipe(option)
        store_step_configs()
        register_recipes(paths)
        cfg = compose_config(paths, [f"{RECIPE_GROUP}={option}"])
        section = OmegaConf.to_container(cfg.get(RECIPE_GROUP) or {}, resolve=True)
        assert isinstance(section, dict)
        missing = [k for k in ("name", "version", "steps") if not section.get(k)]
        if missing:
            raise ConfigError(f"recipe {path.name} (with the recipes it extends) gives no "
                              f"{missing}", key="recipe", value=option)
        unknown = [s for s in section["steps"] if s not in registered_steps()]
        if unknown:
            raise ConfigError(f"recipe {path.name} names unregistered steps {unknown}",
                              key="recipe.steps", allowed=sorted(registered_steps()))
        own = read_recipe_file(path, paths)
        pinned = {k: v for k, v in own.items() if k not in ("defaults", RECIPE_GROUP)}
        return cls(name=str(section["name"]), version=str(section["version"]),
                   steps=list(section["steps"]), pinned=pinned, path=path, option=option,
                   description=str(section.get("description", "")))


def _unfreeze(node: Any) -> None:
    OmegaConf.set_readonly(node, False)
    if isinstance(node, DictConfig):
        for key in node.keys():
            child = node._get_node(key)
            if isinstance(child, (DictConfig, ListConfig)):
                _unfreeze(child)


def store_step_configs() -> None:
    """Put every registered step's config in the ConfigStore as ``step/base_<name>``.

    Frozen dataclass nodes cannot be merged, so a writable structured copy is stored; the
    typed (frozen) object is rebuilt after composition by :meth:`RecipeComposer.typed`.
    Also stores ``steps``: a config whose defaults list names every registered step's file
    (``conf/step/<name>.yaml``), which a recipe's defaults list includes as ``/steps``; the
    registry is thus the one list of steps, the recipe the one step order.
    """
    store = ConfigStore.instance()
    for name, spec in registered_steps().items():
        node = OmegaConf.structured(spec.config)
        _unfreeze(node)
        store.store(group="step", name=f"base_{name}", node=node)
    store.store(name="steps", node={"defaults": [{"step": list(registered_steps())}]})


class RecipeComposer:
    """Compose and validate the config of one unit of work."""

    def __init__(self, paths: ProjectPaths, recipe: Recipe) -> None:
        self.paths = paths
        self.recipe = recipe
        self._composed: dict[tuple[tuple[str, str], ...], tuple[tuple[str, ...], DictConfig]] = {}
        store_step_configs()

    def compose(self, groups: dict[str, str], overrides: list[str]) -> DictConfig:
        """Compose ``config`` with the recipe, the unit's group choices and the overrides.

        Hydra's order decides: step defaults, detector and n-exposure groups, the recipe's
        pins, then the command line. Units with the same group choices and overrides get
        copies of one composition.
        """
        key = tuple(sorted(groups.items()))
        cached = self._composed.get(key)
        if cached is not None and cached[0] == tuple(overrides):
            return copy.deepcopy(cached[1])
        cfg = self._compose(groups, overrides)
        self._composed[key] = (tuple(overrides), copy.deepcopy(cfg))
        return cfg

    def _compose(self, groups: dict[str, str], overrides: list[str]) -> DictConfig:
        unit = [f"{g}={c}" for g, c in groups.items()]
        return compose_config(self.paths, [f"{RECIPE_GROUP}={self.recipe.option}", *unit,
                                           *overrides])

    def validate(self, cfg: DictConfig, steps: list[StepSpec]) -> None:
        """Check the run keys, the detector facts and each step's section against schemas/."""
        try:
            data = OmegaConf.to_container(cfg, resolve=True)
        except OmegaConfBaseException as err:
            raise ConfigError(f"cannot resolve the config: {err}") from err
        assert isinstance(data, dict)
        run = {k: data[k] for k in RUN_KEYS if k in data}
        validate_against(run, load_schema(self.paths.schemas / "run.schema.json"), where="run")
        validate_against(data.get(RECIPE_GROUP), load_schema(
            self.paths.schemas / "recipe.schema.json")["properties"][RECIPE_GROUP],
            where="recipe")
        for section in UNIT_SECTIONS:
            if data.get(section):
                schema = load_schema(self.paths.schemas / f"{section}.schema.json")
                validate_against(data[section], schema, where=section)
        for spec in steps:
            if spec.name not in data:
                raise ConfigError(f"step has no config section; does conf/step/{spec.name}.yaml "
                                  "exist?", key=spec.name)
            schema = load_schema(self.paths.schemas / "step" / f"{spec.name}.schema.json")
            validate_against(data[spec.name], schema, where=spec.name)
            self.typed(cfg, spec)
        stray = sorted(set(data) - set(RUN_KEYS) - set(UNIT_SECTIONS) - {RECIPE_GROUP}
                       - set(registered_steps()) - {"hydra"})
        if stray:
            raise ConfigError(f"unknown top-level keys {stray}", key=stray[0])

    @staticmethod
    def typed(cfg: DictConfig, spec: StepSpec) -> Any:
        """Return the step's config as its frozen dataclass."""
        try:
            obj = OmegaConf.to_object(cfg[spec.name])
        except OmegaConfBaseException as err:
            raise ConfigError(f"invalid value: {err}".replace("\n", " "), key=spec.name) from err
        if not dataclasses.is_dataclass(obj):
            raise ConfigError("section is not the step's structured config (extra '+' keys?)",
                              key=spec.name)
        return obj
