"""Compose run recipes with Hydra's compose API, pin recipe values, validate before any work."""
from __future__ import annotations

import copy
import dataclasses
import logging
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from hydra import compose, initialize_config_dir
from hydra.core.config_store import ConfigStore
from hydra.core.global_hydra import GlobalHydra
from hydra.errors import HydraException
from omegaconf import DictConfig, ListConfig, OmegaConf
from omegaconf.errors import OmegaConfBaseException

from hapsvm.core.registry import StepSpec, registered_steps
from hapsvm.core.schema import load_schema, validate_against
from hapsvm.errors import ConfigError

__all__ = ["Recipe", "ProjectPaths", "RecipeComposer", "store_step_configs", "override_keys",
           "check_data_overrides"]

log = logging.getLogger(__name__)

#: Top-level config keys that belong to the run, not to a step.
RUN_KEYS = ("input", "output_dir", "recipe", "recipes_dir", "recipe_file", "quiet", "log_level",
            "resume", "processes_per_visit", "objective")


@dataclass(frozen=True)
class ProjectPaths:
    """Where the configuration data lives (``conf/``, ``svm_recipes/``, ``schemas/``).

    ``user_recipes`` is a directory of the user's own recipe files, searched before the
    shipped ``recipes`` directory.
    """

    conf: Path
    recipes: Path
    schemas: Path
    user_recipes: Path | None = None

    @classmethod
    def from_root(cls, root: Path, *, user_recipes: Path | None = None) -> "ProjectPaths":
        """Paths of a checkout or installed tree rooted at ``root``."""
        return cls(root / "conf", root / "svm_recipes", root / "schemas", user_recipes)

    def with_user_recipes(self, directory: Path | str | None) -> "ProjectPaths":
        """A copy whose user recipe directory is ``directory`` (unchanged when None)."""
        if directory is None or str(directory) == "":
            return self
        return dataclasses.replace(self, user_recipes=Path(directory).expanduser())

    @property
    def recipe_dirs(self) -> list[Path]:
        """Directories searched for ``recipe=<name>``, first match wins."""
        return [d for d in (self.user_recipes, self.recipes) if d is not None]

    def find_recipe(self, name_or_path: str) -> Path:
        """The recipe file named by ``recipe=``: a path to a file, or a name in a recipe dir.

        Raises
        ------
        ConfigError
            When no such file exists (the message lists the known recipe names).
        """
        candidate = Path(name_or_path).expanduser()
        if candidate.suffix in (".yaml", ".yml") or candidate.is_file() \
                or len(candidate.parts) > 1:
            if candidate.is_file():
                return candidate.resolve()
            raise ConfigError(f"no recipe file {candidate}", key="recipe", value=name_or_path)
        for directory in self.recipe_dirs:
            path = directory / f"{name_or_path}.yaml"
            if path.is_file():
                return path
        known = sorted({p.stem for d in self.recipe_dirs if d.is_dir() for p in d.glob("*.yaml")})
        where = " or ".join(str(d) for d in self.recipe_dirs)
        raise ConfigError(f"no recipe '{name_or_path}' in {where}", key="recipe",
                          value=name_or_path, allowed=known)


@dataclass(frozen=True)
class Recipe:
    """A versioned recipe: ordered step names and pinned config values."""

    name: str
    version: str
    steps: list[str]
    pinned: dict[str, Any]
    path: Path

    @classmethod
    def load(cls, name_or_path: str, paths: ProjectPaths) -> "Recipe":
        """Read a recipe by name (user recipe dir, then ``svm_recipes/``) or path; check it."""
        path = paths.find_recipe(name_or_path)
        try:
            data = yaml.safe_load(path.read_text()) or {}
        except (OSError, yaml.YAMLError) as err:
            raise ConfigError(f"recipe file {path} is not readable YAML: {err}",
                              key="recipe", value=name_or_path) from err
        validate_against(data, load_schema(paths.schemas / "recipe.schema.json"),
                         where=f"recipe {path.name}")
        steps = registered_steps()
        unknown = [s for s in data["steps"] if s not in steps]
        if unknown:
            raise ConfigError(f"recipe {path.name} names unregistered steps {unknown}",
                              key="recipe.steps", allowed=sorted(steps))
        return cls(name=data["name"], version=str(data["version"]), steps=list(data["steps"]),
                   pinned=data.get("pinned") or {}, path=path)


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
    """
    store = ConfigStore.instance()
    for name, spec in registered_steps().items():
        node = OmegaConf.structured(spec.config)
        _unfreeze(node)
        store.store(group="step", name=f"base_{name}", node=node)


def override_keys(overrides: list[str]) -> set[str]:
    """Dotted keys set by command-line overrides (``+a.b=1`` → ``a.b``)."""
    keys = set()
    for item in overrides:
        if "=" not in item:
            continue
        key = item.split("=", 1)[0].lstrip("+~")
        keys.add(key.split("@", 1)[0])
    return keys


def check_data_overrides(overrides: list[str]) -> None:
    """Refuse overrides that would make Hydra or OmegaConf run code or read the environment.

    Overrides given through the Python API are data from a caller (possibly a service
    forwarding its users' parameters): ``hydra.*`` keys (callbacks, launchers), any
    ``_target_`` and ``${...}`` interpolations (resolvers such as ``oc.env``) are refused.

    Raises
    ------
    ConfigError
        Naming the first offending override.

    Examples
    --------
    >>> check_data_overrides(["filter_exposures.min_exptime_s=0.5"])
    >>> check_data_overrides(["+hydra.callbacks.x._target_=os.getcwd"])
    Traceback (most recent call last):
    ...
    hapsvm.errors.ConfigError: ...
    """
    for item in overrides:
        if not isinstance(item, str) or "=" not in item:
            raise ConfigError("an override must be a 'key=value' string", value=item)
        key, value = item.split("=", 1)
        bare = key.lstrip("+~")
        if bare == "hydra" or bare.startswith("hydra."):
            raise ConfigError("hydra.* settings are not accepted through the Python API "
                              "(they configure the command line's launcher and callbacks)",
                              key=bare, value=value)
        if "_target_" in item:
            raise ConfigError("'_target_' is not accepted in an override: overrides are data "
                              "and never name code to run", key=bare, value=value)
        if "${" in value:
            raise ConfigError("interpolations ('${...}') are not accepted in an override "
                              "given through the Python API", key=bare, value=value)


def _flatten(data: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    flat: dict[str, Any] = {}
    for key, value in data.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, dict):
            flat.update(_flatten(value, dotted + "."))
        else:
            flat[dotted] = value
    return flat


class RecipeComposer:
    """Compose, pin and validate the config of one unit of work."""

    def __init__(self, paths: ProjectPaths, recipe: Recipe) -> None:
        self.paths = paths
        self.recipe = recipe
        self._composed: dict[tuple[tuple[str, str], ...], tuple[tuple[str, ...], DictConfig]] = {}
        store_step_configs()

    def compose(self, groups: dict[str, str], overrides: list[str]) -> DictConfig:
        """Compose ``config`` with group choices, the recipe's pins and the user's overrides.

        Later sources win: conf/ defaults, then recipe pins, then the command line. Units with
        the same group choices and overrides get copies of one composition.
        """
        key = tuple(sorted(groups.items()))
        cached = self._composed.get(key)
        if cached is not None and cached[0] == tuple(overrides):
            return copy.deepcopy(cached[1])
        cfg = self._compose(groups, overrides)
        self._composed[key] = (tuple(overrides), copy.deepcopy(cfg))
        return cfg

    def _compose(self, groups: dict[str, str], overrides: list[str]) -> DictConfig:
        all_overrides = [f"{g}={c}" for g, c in groups.items()] + list(overrides)
        try:
            if GlobalHydra.instance().is_initialized():
                cfg = compose(config_name="config", overrides=all_overrides)
            else:
                with initialize_config_dir(str(self.paths.conf.resolve()), version_base="1.3"):
                    cfg = compose(config_name="config", overrides=all_overrides)
        except (HydraException, OmegaConfBaseException) as err:
            raise ConfigError(f"cannot compose the recipe: {err}".replace("\n", " "),
                              key=",".join(all_overrides)) from err
        user_keys = override_keys(overrides)
        for key, value in _flatten(self.recipe.pinned).items():
            if key in user_keys:
                continue
            try:
                OmegaConf.update(cfg, key, value, merge=True)
            except OmegaConfBaseException as err:
                raise ConfigError(f"recipe {self.recipe.name} pins an invalid value: {err}",
                                  key=key, value=value) from err
        cfg.recipe = self.recipe.name
        return cfg

    def validate(self, cfg: DictConfig, steps: list[StepSpec]) -> None:
        """Check the run keys, the detector facts and each step's section against schemas/."""
        try:
            data = OmegaConf.to_container(cfg, resolve=True)
        except OmegaConfBaseException as err:
            raise ConfigError(f"cannot resolve the config: {err}") from err
        assert isinstance(data, dict)
        run = {k: data[k] for k in RUN_KEYS if k in data}
        validate_against(run, load_schema(self.paths.schemas / "run.schema.json"), where="run")
        for section in ("instrument", "detector", "nexp"):
            if data.get(section):
                schema = load_schema(self.paths.schemas / f"{section}.schema.json")
                validate_against(data[section], schema, where=section)
        for spec in steps:
            if spec.name not in data:
                raise ConfigError("step has no config section; is conf/step/"
                                  f"{spec.name}.yaml in conf/config.yaml?", key=spec.name)
            schema = load_schema(self.paths.schemas / "step" / f"{spec.name}.schema.json")
            validate_against(data[spec.name], schema, where=spec.name)
            self.typed(cfg, spec)
        stray = sorted(set(data) - set(RUN_KEYS) - {"instrument", "detector", "nexp"}
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
