"""The ``svm`` command: a Hydra app that runs the recipe on one visit (or many with ``-m``).

Exit codes are listed in ``hapsvm.errors.EXIT_CODES`` and in the README. The Python entry
point is :func:`hapsvm.run_visit` (``hapsvm.api``); both run a visit through
:func:`hapsvm.api.run_recipe`.
"""
from __future__ import annotations

import logging
import math
import os
import sys
import time
from pathlib import Path

import hydra
import yaml
from hydra.core.hydra_config import HydraConfig
from hydra.core.plugins import Plugins
from omegaconf import DictConfig
from omegaconf import OmegaConf

import hapsvm.steps  # noqa: F401  (registers every implemented step)
from hapsvm.api import RUN_ONLY_PREFIXES
from hapsvm.api import finish_visit
from hapsvm.api import run_recipe
from hapsvm.api import tuned_collector
from hapsvm.api import visit_name
from hapsvm.core import register_recipes
from hapsvm.core import split_recipe_argument
from hapsvm.core import store_step_configs
from hapsvm.core.multirun import failure_of
from hapsvm.core.multirun import worst_exit_code
from hapsvm.core.usage import UsageMeter
from hapsvm.errors import EXIT_CODES
from hapsvm.errors import ConfigError
from hapsvm.errors import HapsvmError
from hapsvm.errors import InputError
from hapsvm.paths import USER_RECIPES_ENV
from hapsvm.paths import is_installed_copy
from hapsvm.paths import project_paths
from hapsvm.progress import enable_progress

__all__ = ["main", "run_visit", "expand_visit_arguments"]

log = logging.getLogger("hapsvm.cli")

_EXIT_CODES: list[int] = []

#: The engine-level run (``hapsvm.api.run_recipe``), under the name tests and benchmarks use.
run_visit = run_recipe


def tuned_recipes_dir(user_dir: str | None) -> str | None:
    """Where a sweep's best recipe goes: the user's recipe dir, a checkout's svm_recipes/, or
    None (the sweep directory) for an installed package, whose files are not the user's."""
    if user_dir:
        return str(user_dir)
    return None if is_installed_copy() else str(project_paths().recipes)


def run_dir(output_dir: str | None, visit: str, recipe: str, stamp: str) -> str:
    """Hydra's run directory: ``output_dir`` if given, else ``outputs/<visit>/<recipe>/<time>``."""
    return str(output_dir) if output_dir else f"outputs/{visit}/{Path(recipe).stem}/{stamp}"


OmegaConf.register_new_resolver("svm_visit_name", visit_name, replace=True)
OmegaConf.register_new_resolver("svm_run_dir", run_dir, replace=True)
OmegaConf.register_new_resolver("svm_input_dir", lambda p: str(Path(str(p)).resolve().parent)
                                if not Path(str(p)).is_dir() else str(Path(str(p)).resolve()),
                                replace=True)
OmegaConf.register_new_resolver("svm_recipes_dir", lambda: str(project_paths().recipes),
                                replace=True)
OmegaConf.register_new_resolver("svm_exit_codes", lambda: "\n  ".join(
    f"{code:>3}  {what}" for what, code in EXIT_CODES.items()), replace=True)
OmegaConf.register_new_resolver("svm_version", lambda: hapsvm.__version__, replace=True)
OmegaConf.register_new_resolver("svm_tuned_recipes_dir", tuned_recipes_dir, replace=True)
store_step_configs()
register_recipes(project_paths())


def register_sweeper() -> None:
    """Make ``hydra/sweeper=svm`` known to Hydra in any install.

    Hydra finds installed plugins by scanning the ``hydra_plugins`` namespace; an editable
    install maps the package elsewhere, so the sweeper is also registered by hand (Hydra's
    documented ``Plugins.register``). The scan runs first: it re-executes Hydra's own plugin
    modules, whose classes the sweeper subclasses.
    """
    plugins = Plugins.instance()
    from hydra_plugins.hapsvm_sweeper.svm_sweeper import SvmSweeper

    plugins.register(SvmSweeper)


def replay_settings(recipe_file: Path) -> tuple[str, str, list[str]]:
    """Input, recipe and user overrides recorded in a ``<product>_recipe.yaml``."""
    if not recipe_file.is_file():
        raise InputError("recipe file does not exist", file=recipe_file)
    try:
        prov = yaml.safe_load(recipe_file.read_text())["provenance"]
        overrides = [o for o in prov["overrides"]
                     if not o.startswith(RUN_ONLY_PREFIXES + ("input=", "recipe="))]
        return str(prov["input"]), str(prov["recipe"]), overrides
    except (yaml.YAMLError, KeyError, TypeError) as err:
        raise InputError(f"not a hapsvm recipe file ({err})", file=recipe_file) from err


def _configure_logging(cfg: DictConfig) -> None:
    level = getattr(logging, str(cfg.log_level).upper(), logging.INFO)
    root = logging.getLogger()
    root.setLevel(level)
    for handler in root.handlers:
        if isinstance(handler, logging.StreamHandler) and not isinstance(handler,
                                                                         logging.FileHandler):
            handler.setLevel(logging.WARNING if cfg.quiet else level)


@hydra.main(config_path=str(project_paths().conf), config_name="config", version_base="1.3")
def svm_app(cfg: DictConfig) -> float | int:
    """Hydra task: run one visit, write ``svm_summary.json``, return the exit code.

    With ``objective=<metric>`` the metric's value is returned instead (for sweepers such as
    Optuna); a run that failed or lacks the metric returns NaN (a failed trial).
    """
    with tuned_collector():
        return _run_task(cfg)


def _run_task(cfg: DictConfig) -> float | int:
    _configure_logging(cfg)
    enable_progress(not cfg.quiet and sys.stderr.isatty())
    hydra_cfg = HydraConfig.get()
    overrides = list(hydra_cfg.overrides.task)
    output_dir = Path(cfg.output_dir or hydra_cfg.runtime.output_dir)
    start = time.perf_counter()
    result, error, input_path, recipe = None, "", str(cfg.get("input", "")), \
        str(hydra_cfg.runtime.choices.get("recipe") or cfg.recipe.name)
    failure = None
    with UsageMeter() as meter:
        try:
            if cfg.recipe_file:
                input_path, recipe, replay = replay_settings(Path(cfg.recipe_file))
                user = [o for o in overrides if not o.startswith("recipe_file=")]
                overrides = replay + user
                log.info("replaying %s: input %s, recipe %s, overrides %s", cfg.recipe_file,
                         input_path, recipe, replay)
            elif OmegaConf.is_missing(cfg, "input"):
                raise ConfigError("no input given: use svm input=<poller file, list or "
                                  "directory>, or `svm demo`", key="input")
            result = run_recipe(input_path, output_dir, overrides, recipe=recipe,
                                resume=bool(cfg.resume), recipes_dir=cfg.recipes_dir)
            code = result.exit_code
            log.info("products in %s (exit code %d)", output_dir, code)
        except HapsvmError as err:
            log.error("%s", err)
            code, error, failure = err.exit_code, str(err), failure_of(err)
        except Exception as err:  # noqa: BLE001 - the CLI's last line of defence: report, exit 1
            log.exception("internal error")
            code, error = 1, f"internal error: {type(err).__name__}: {err}"
            failure = failure_of(err)
    _EXIT_CODES.append(code)
    finish_visit(output_dir, input=input_path, recipe=recipe, code=code, result=result,
                 error=error, seconds=time.perf_counter() - start, failure=failure,
                 resources=meter.usage())
    if cfg.objective:
        value = (result.metrics.get(str(cfg.objective)) if result and code == 0 else None)
        if value is None:
            log.error("objective %s not available (exit code %d)", cfg.objective, code)
            return math.nan
        return value
    return code


def expand_visit_arguments(argv: list[str]) -> list[str]:
    """Expand ``input=visits:<dir>`` and ``input=@<file>`` into ``input=a,b,...`` for ``-m``.

    ``visits:<dir>`` takes every poller file (``*.out``) in ``<dir>``, else every
    sub-directory holding ``*_fl[tc].fits`` files; ``@<file>`` reads one input per line.
    """
    out = []
    for arg in argv:
        if arg.startswith("input=visits:") or arg.startswith("input=@"):
            value = arg.split("=", 1)[1]
            items = _visits_in(Path(value[len("visits:"):])) if value.startswith("visits:") \
                else _visits_listed(Path(value[1:]))
            if not items:
                raise InputError("names no visit", file=value.split(":", 1)[-1].lstrip("@"))
            arg = "input=" + ",".join(str(i) for i in items)
        out.append(arg)
    return out


def _visits_in(directory: Path) -> list[Path]:
    if not directory.is_dir():
        raise InputError("is not a directory of visits", file=directory)
    pollers = sorted(directory.glob("*.out"))
    if pollers:
        return pollers
    return sorted(d for d in directory.iterdir()
                  if d.is_dir() and any(d.glob("*_fl[tc].fits")))


def _visits_listed(listing: Path) -> list[Path]:
    if not listing.is_file():
        raise InputError("list of visits does not exist", file=listing)
    lines = [ln.strip() for ln in listing.read_text().splitlines()]
    return [Path(ln) for ln in lines if ln and not ln.startswith("#")]


def prepare_recipes(argv: list[str]) -> list[str]:
    """Register the recipes Hydra will compose; ``recipe=<path>`` becomes name plus folder.

    Hydra composes the command line's config before the task runs, so the user's recipe
    directory (``recipes_dir=`` or ``$HAPSVM_RECIPES``) is registered first; a recipe given
    as a path is shorthand for ``recipes_dir=<its folder> recipe=<its name>``.
    """
    given = dict(a.split("=", 1) for a in argv if a.startswith(("recipe=", "recipes_dir=")))
    option, user_dir = split_recipe_argument(given.get("recipe", "v1"),
                                             given.get("recipes_dir") or
                                             os.environ.get(USER_RECIPES_ENV))
    out = []
    for arg in argv:          # in place: Hydra's parser wants the overrides together
        if arg.startswith("recipe="):
            out.append(f"recipe={option}")
            if user_dir and "recipes_dir" not in given:
                out.append(f"recipes_dir={user_dir}")
        else:
            out.append(arg)
    store_step_configs()
    register_recipes(project_paths().with_user_recipes(user_dir))
    return out


def _plan(argv: list[str]) -> None:
    """``svm plan ...``: predict the visits' resources (no Hydra app, no run)."""
    from hapsvm.plan.cli import plan_main

    try:
        code = plan_main(expand_visit_arguments(argv))
    except HapsvmError as err:
        print(f"svm plan: {err}", file=sys.stderr)
        code = err.exit_code
    sys.exit(code)


def main() -> None:
    """Console entry point of ``svm`` (``svm demo ...``: simulate a visit, then process it;
    ``svm plan ...``: predict each visit's peak memory, run time and memory class)."""
    demo_products = None
    if len(sys.argv) > 1 and sys.argv[1] == "plan":
        _plan(sys.argv[2:])
    if len(sys.argv) > 1 and sys.argv[1] == "demo":
        from hapsvm.demo import prepare_demo

        svm_args, demo_products = prepare_demo(sys.argv[2:])
        sys.argv = [sys.argv[0], *svm_args]
    try:
        sys.argv = [sys.argv[0], *prepare_recipes(expand_visit_arguments(sys.argv[1:]))]
    except (InputError, ConfigError) as err:
        print(f"svm: {err}", file=sys.stderr)
        sys.exit(err.exit_code)
    register_sweeper()
    svm_app()
    worst = worst_exit_code()
    code = worst if worst is not None else max(_EXIT_CODES, default=0)
    if demo_products is not None:
        print(f"demo finished with exit code {code}; products in {demo_products}", flush=True)
    sys.exit(code)
