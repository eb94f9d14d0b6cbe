"""The Python entry point: run the recipe on one visit and get a result object back.

``hapsvm.run_visit`` is safe to call from a notebook or a service: it never calls
``sys.exit``, leaves the working directory and the root logger as they were, refuses overrides
that would make Hydra run code, and can be called again in the same process.

Examples
--------
>>> import hapsvm
>>> result = hapsvm.run_visit("visit.lst", output_dir="run1")        # doctest: +SKIP
>>> result.exit_code, result.products["total_drizzle"]                  # doctest: +SKIP
(0, {'wfc3_ir': [PosixPath('.../hst_11359_21_wfc3_ir_total_ib6o21_drz.fits')]})
"""
from __future__ import annotations

import gc
import logging
import time
from collections.abc import Iterator
from collections.abc import Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from dataclasses import field
from dataclasses import replace
from pathlib import Path

import hapsvm.steps  # noqa: F401  (registers every implemented step)
from hapsvm.core import Recipe
from hapsvm.core import RecipeComposer
from hapsvm.core import Runner
from hapsvm.core import RunResult
from hapsvm.core.compose import check_data_overrides
from hapsvm.core.multirun import Failure
from hapsvm.core.multirun import failure_of
from hapsvm.core.multirun import write_run_summary
from hapsvm.core.provenance import StepRecord as StepOutcome
from hapsvm.core.usage import ResourceUsage
from hapsvm.core.usage import UsageMeter
from hapsvm.errors import HapsvmError
from hapsvm.outcome import unit_facts
from hapsvm.paths import project_paths

__all__ = ["StepOutcome", "VisitResult", "run_visit", "run_recipe", "visit_name",
           "default_output_dir", "tuned_collector", "RUN_ONLY_PREFIXES", "GC_THRESHOLDS",
           "LOG_FILE"]

log = logging.getLogger(__name__)

#: Overrides that belong to one run only and are never replayed from a recipe file.
RUN_ONLY_PREFIXES = ("output_dir=", "recipe_file=", "resume=", "hydra.")
#: The run log written in the output directory (the CLI's Hydra job log has the same name).
LOG_FILE = "svm.log"
#: Cyclic garbage collection every 50,000 net allocations instead of CPython's 700: a visit
#: makes millions of short-lived objects (FITS cards, config nodes) and few cycles. Measured on
#: a 1-Mpix WFC3/IR visit: 14.5 -> 14.1 s, +14 MB peak (benchmarks/RESULTS.md, issue 11).
GC_THRESHOLDS = (50_000, 20, 20)


@contextmanager
def tuned_collector() -> Iterator[None]:
    """Tune the cyclic garbage collector while a visit runs in this process.

    Besides :data:`GC_THRESHOLDS`, everything alive when the visit starts (modules, Hydra's
    state, what earlier visits of a multirun worker cached) is collected once and frozen out
    of the visit's collections, which otherwise walk it again and again: in a 2-worker
    multirun of 8 small visits the collector's share of the CPU time fell from 5.0 %
    (thresholds alone) to 2.1 %. It is unfrozen and the caller's thresholds are restored when
    the visit ends, so what the next visit drops is still collected: a worker running
    thousands of visits does not grow.
    """
    before = gc.get_threshold()
    gc.set_threshold(*GC_THRESHOLDS)
    gc.collect()
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
        gc.set_threshold(*before)


def visit_name(input_path: str | Path) -> str:
    """A short label for the run directory: the input's file name without its extension.

    Examples
    --------
    >>> visit_name("/data/ib6o21_input.out")
    'ib6o21_input'
    """
    return Path(str(input_path).rstrip("/")).name.split(".")[0] or "visit"


def default_output_dir(input_path: str | Path, recipe: str, stamp: str) -> str:
    """``outputs/<visit>/<recipe>/<timestamp>`` (relative to the working directory)."""
    return f"outputs/{visit_name(input_path)}/{Path(recipe).stem}/{stamp}"


@dataclass(frozen=True)
class VisitResult:
    """The outcome of :func:`run_visit`."""

    exit_code: int
    """0 on success; the codes of the README's exit-code table otherwise."""
    output_dir: Path
    summary_path: Path | None
    """``svm_summary.json`` (status, timings, metrics), when the output directory exists."""
    steps: tuple[StepOutcome, ...] = ()
    products: dict[str, dict[str, list[Path]]] = field(default_factory=dict)
    """Files written, by kind (``total_drizzle``, ``point_catalog``, ...) and detector key."""
    metrics: dict[str, float] = field(default_factory=dict)
    error: str = ""
    """The error message when the visit failed as a whole."""
    resources: ResourceUsage | None = None
    """Wall and CPU time and peak memory (summed over the run's processes) of the run."""

    @property
    def ok(self) -> bool:
        """Whether the visit ended with exit code 0."""
        return self.exit_code == 0

    @property
    def log_path(self) -> Path:
        """The run log of this visit."""
        return self.output_dir / LOG_FILE

    def step_seconds(self) -> dict[str, float]:
        """Wall seconds per step, summed over its units."""
        totals: dict[str, float] = {}
        for s in self.steps:
            totals[s.step] = totals.get(s.step, 0.0) + s.seconds
        return totals


def run_recipe(input_path: str, output_dir: Path, overrides: Sequence[str], *,
               recipe: str = "v1", resume: bool = True,
               recipes_dir: str | Path | None = None) -> RunResult:
    """Run a recipe on one visit and return the runner's result (raises ``HapsvmError``).

    The engine-level call behind :func:`run_visit` and the ``svm`` command: no summary file,
    no logging set-up, errors raised.

    Parameters
    ----------
    input_path
        Poller file, list file, directory or FITS file.
    output_dir
        Where every product is written.
    overrides
        Hydra overrides (``drizzle_filter_products.pixfrac=0.8``); ``input``/``output_dir`` are
        set here.
    recipe
        Name of a recipe (user recipe directory, then the shipped ``svm_recipes/``) or a path
        to a recipe file.
    resume
        Skip steps an earlier run into ``output_dir`` completed with the same inputs and config.
    recipes_dir
        A directory of the user's own recipes, searched before the shipped ones (default:
        ``$HAPSVM_RECIPES``).
    """
    paths = project_paths().with_user_recipes(recipes_dir)
    composer = RecipeComposer(paths, Recipe.load(recipe, paths))
    out = Path(output_dir).resolve()
    kept = [o for o in overrides
            if not o.startswith(RUN_ONLY_PREFIXES + ("input=", "recipe=", "recipes_dir="))]
    kept += [f"input={input_path}", f"output_dir={out}"]
    runner = Runner(composer, input=str(input_path), output_dir=out, overrides=kept,
                    resume=resume)
    return runner.run()


def run_visit(input: str | Path, output_dir: str | Path | None = None,
              overrides: Sequence[str] = (), recipe: str = "v1", *, resume: bool = True,
              log_level: str = "INFO", recipes_dir: str | Path | None = None) -> VisitResult:
    """Process one visit into ``output_dir`` and describe what happened.

    Parameters
    ----------
    input
        Poller file (8 columns), list file (one FLT/FLC path per line), directory of
        ``*_fl[tc].fits`` files, or one FITS file. Listed files are read wherever they are.
    output_dir
        Where the products go; default ``outputs/<visit>/<recipe>/<timestamp>`` under the
        working directory. A rerun into the same directory resumes.
    overrides
        Config overrides as on the command line (``"filter_exposures.min_exptime_s=0.5"``).
        They are data: ``hydra.*`` keys, ``_target_`` and ``${...}`` interpolations are refused.
    recipe
        Recipe name or path to a recipe file.
    resume
        Skip steps an earlier run into ``output_dir`` completed with the same inputs and config.
    log_level
        Level of hapsvm's loggers during the run (``DEBUG``, ``INFO``, ...); every line at that
        level also goes to ``<output_dir>/svm.log``. The root logger is not touched.
    recipes_dir
        A directory of the user's own recipes, searched before the shipped ones.

    Returns
    -------
    VisitResult
        Exit code, per-step status and times, products by kind and detector, summary path.
        Bad input or configuration is reported there (``exit_code`` 2 or 3, ``error``), never
        raised; an unexpected exception is logged with its traceback and gives exit code 1.
    """
    start = time.perf_counter()
    out = Path(output_dir) if output_dir is not None else \
        Path(default_output_dir(input, recipe, time.strftime("%Y%m%d_%H%M%S")))
    out = out.resolve()
    result: RunResult | None = None
    error, failure = "", None
    with UsageMeter() as meter:
        try:
            check_data_overrides(list(overrides))
            out.mkdir(parents=True, exist_ok=True)
            with _run_log(out, log_level), tuned_collector():
                try:
                    result = run_recipe(str(input), out, list(overrides), recipe=recipe,
                                        resume=resume, recipes_dir=recipes_dir)
                    code = result.exit_code
                    log.info("products in %s (exit code %d)", out, code)
                except HapsvmError as err:
                    log.error("%s", err)
                    code, error, failure = err.exit_code, str(err), failure_of(err)
                except Exception as err:  # noqa: BLE001 - reported as exit code 1, like the CLI
                    log.exception("internal error")
                    code, error = 1, f"internal error: {type(err).__name__}: {err}"
                    failure = failure_of(err)
        except HapsvmError as err:
            code, error, failure = err.exit_code, str(err), failure_of(err)
    return finish_visit(out, input=str(input), recipe=recipe, code=code, result=result,
                        error=error, seconds=time.perf_counter() - start, failure=failure,
                        resources=meter.usage())


def finish_visit(out: Path, *, input: str, recipe: str, code: int, result: RunResult | None,
                 error: str, seconds: float, failure: Failure | None = None,
                 resources: ResourceUsage | None = None) -> VisitResult:
    """Write ``svm_summary.json`` (when ``out`` exists) and build the :class:`VisitResult`.

    ``failure`` is why the run ended early (an exception); ``resources`` its wall and CPU time
    and peak memory; the facts per detector (alignment, catalogue rows) come from ``result``.
    """
    summary = None
    if out.is_dir():
        summary = write_run_summary(out, input=input, recipe=recipe, exit_code=code,
                                    seconds=seconds, result=result, error=error,
                                    failure=failure, resources=resources,
                                    units=unit_facts(result))
    steps = tuple(replace(r) for r in (result.records if result else []))
    return VisitResult(exit_code=code, output_dir=out, summary_path=summary, steps=steps,
                       products=_products(result, out), error=error,
                       metrics=dict(result.metrics) if result else {}, resources=resources)


def _products(result: RunResult | None, out: Path) -> dict[str, dict[str, list[Path]]]:
    ctx = result.context if result else None
    tree = ctx.peek("product_tree") if ctx is not None and "product_tree" in ctx.snapshot() \
        else None
    if tree is None:
        return {}
    found: dict[str, dict[str, list[Path]]] = {}
    for kind, by_detector in tree.files_by_kind().items():
        for detector, names in by_detector.items():
            paths = [out / n for n in names if (out / n).is_file()]
            if paths:
                found.setdefault(kind, {})[detector] = paths
    return found


@contextmanager
def _run_log(out: Path, level_name: str) -> Iterator[None]:
    """Send hapsvm's log lines to ``<out>/svm.log`` at ``level_name`` for one run."""
    level = logging.getLevelName(str(level_name).upper())
    level = level if isinstance(level, int) else logging.INFO
    logger = logging.getLogger("hapsvm")
    handler = logging.FileHandler(out / LOG_FILE)
    handler.setFormatter(logging.Formatter("[%(asctime)s][%(name)s][%(levelname)s] - "
                                           "%(message)s"))
    handler.setLevel(level)
    old_level = logger.level
    logger.setLevel(level)
    logger.addHandler(handler)
    try:
        yield
    finally:
        logger.removeHandler(handler)
        logger.setLevel(old_level)
        handler.close()
