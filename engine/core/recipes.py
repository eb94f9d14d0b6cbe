"""Recipes as Hydra configs: where they are found, how they are registered, what they may hold.

A recipe file (``svm_recipes/v1.yaml``) is a Hydra config of the ``recipe`` group, package
``_global_``. Its defaults list names ``/steps`` (every registered step's config) and
``/groups`` (instrument, detector, nexp, detector_nexp), or another recipe it extends; its
``recipe`` section holds the name, version, description and the step order; every other
top-level key pins values of one step. Hydra's own defaults-list order gives the precedence:
step defaults < detector and n-exposure groups < the recipe's pins < a recipe extending it <
the command line.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from hydra.core.config_store import ConfigStore
from omegaconf import OmegaConf

from hapsvm.core.schema import load_schema
from hapsvm.core.schema import validate_against
from hapsvm.errors import ConfigError

__all__ = ["ProjectPaths", "RECIPE_GROUP", "register_recipes", "register_recipe_file",
           "split_recipe_argument", "read_recipe_file", "is_recipe_path", "check_data_overrides"]

#: The Hydra config group of recipes (``recipe=<name>`` selects one).
RECIPE_GROUP = "recipe"


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
    def from_root(cls, root: Path, *, user_recipes: Path | None = None) -> ProjectPaths:
        """Paths of a checkout or installed tree rooted at ``root``."""
        return cls(root / "conf", root / "svm_recipes", root / "schemas", user_recipes)

    def with_user_recipes(self, directory: Path | str | None) -> ProjectPaths:
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
        if is_recipe_path(name_or_path):
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


def is_recipe_path(name_or_path: str) -> bool:
    """Whether ``recipe=`` names a file (a path or a ``.yaml`` name) rather than a recipe."""
    candidate = Path(name_or_path)
    return candidate.suffix in (".yaml", ".yml") or len(candidate.parts) > 1


def read_recipe_file(path: Path, paths: ProjectPaths) -> dict[str, Any]:
    """Read a recipe file and check its shape against ``schemas/recipe.schema.json``.

    Raises
    ------
    ConfigError
        Unreadable YAML, or a shape the schema refuses (for example an import path).
    """
    try:
        data = yaml.safe_load(path.read_text()) or {}
    except (OSError, yaml.YAMLError) as err:
        raise ConfigError(f"recipe file {path} is not readable YAML: {err}", key="recipe",
                          value=str(path)) from err
    validate_against(data, load_schema(paths.schemas / "recipe.schema.json"),
                     where=f"recipe {path.name}")
    return data


def split_recipe_argument(recipe: str, recipes_dir: str | Path | None
                          ) -> tuple[str, str | None]:
    """``recipe=<path>`` is shorthand for ``recipes_dir=<its folder> recipe=<its name>``.

    Returns the recipe's option (name) and the user recipe directory to search.

    Raises
    ------
    ConfigError
        A path that is not a file, or a path outside a ``recipes_dir`` also given.

    Examples
    --------
    >>> split_recipe_argument("v1", None)
    ('v1', None)
    """
    if not is_recipe_path(recipe):
        return recipe, (str(recipes_dir) if recipes_dir else None)
    path = Path(recipe).expanduser().resolve()
    if not path.is_file():
        raise ConfigError(f"no recipe file {path}", key="recipe", value=recipe)
    if recipes_dir and Path(recipes_dir).expanduser().resolve() != path.parent:
        raise ConfigError(f"recipe file {path} is not in recipes_dir {recipes_dir}: give one "
                          "of them, or the recipe by name", key="recipe", value=recipe)
    return path.stem, str(path.parent)


def register_recipe_file(path: Path, paths: ProjectPaths, *, option: str | None = None) -> str:
    """Store one recipe file in Hydra's ConfigStore (group ``recipe``); return its option."""
    data = read_recipe_file(path, paths)
    name = option or path.stem
    ConfigStore.instance().store(group=RECIPE_GROUP, name=name, node=OmegaConf.create(data),
                                 package="_global_")
    return name


def register_recipes(paths: ProjectPaths) -> None:
    """Register the shipped recipes, then the user's (same names: the user's win).

    Each file's shape is checked as it is registered (``schemas/recipe.schema.json``).
    """
    for directory in reversed(paths.recipe_dirs):
        if directory.is_dir():
            for file in sorted(directory.glob("*.yaml")):
                register_recipe_file(file, paths)


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
