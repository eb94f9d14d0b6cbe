"""The runner: executes a recipe's ordered steps over the visit and its units, with timing."""
from __future__ import annotations

import logging
import resource
import time
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path

import yaml
from omegaconf import DictConfig
from omegaconf import OmegaConf

from hapsvm.core.compose import Recipe
from hapsvm.core.compose import RecipeComposer
from hapsvm.core.context import VisitContext
from hapsvm.core.context import WorkUnit
from hapsvm.core.context import remove_scratch
from hapsvm.core.provenance import RunProvenance
from hapsvm.core.provenance import StepRecord
from hapsvm.core.registry import StepSpec
from hapsvm.core.registry import get_step
from hapsvm.core.resume import OutputLock
from hapsvm.core.resume import StateStore
from hapsvm.core.resume import chain_key
from hapsvm.errors import ConfigError
from hapsvm.errors import HapsvmError
from hapsvm.errors import NoWorkFound
from hapsvm.errors import OutputLockedError
from hapsvm.errors import StepFailed

__all__ = ["Runner", "RunResult", "SEEDED_KEYS", "check_wiring"]

log = logging.getLogger(__name__)

#: Context keys the runner provides before the first step.
SEEDED_KEYS = ("input",)
#: Context key a planning step provides to declare the units to compose recipes for.
UNITS_KEY = "work_units"


@dataclass
class RunResult:
    """Outcome of a run."""

    exit_code: int
    records: list[StepRecord]
    failures: dict[str, StepFailed] = field(default_factory=dict)
    context: VisitContext | None = None
    unit_configs: dict[str, DictConfig] = field(default_factory=dict)
    metrics: dict[str, float] = field(default_factory=dict)


def _cpu_seconds() -> float:
    """User + system CPU time of this process and of its finished child processes."""
    me = resource.getrusage(resource.RUSAGE_SELF)
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    return me.ru_utime + me.ru_stime + kids.ru_utime + kids.ru_stime


def check_wiring(steps: list[StepSpec]) -> None:
    """Check that every key a step requires is provided earlier (before any work)."""
    available = set(SEEDED_KEYS)
    seen_work = False
    for spec in steps:
        missing = [k for k in spec.requires if k not in available]
        if missing:
            raise ConfigError(f"step {spec.name!r} requires {missing}, which no earlier step "
                              "provides", key="recipe.steps")
        if spec.planning and seen_work:
            raise ConfigError(f"planning step {spec.name!r} must come before every other step",
                              key="recipe.steps")
        if spec.planning and spec.scope != "visit":
            raise ConfigError(f"planning step {spec.name!r} must have visit scope",
                              key="recipe.steps")
        if spec.runs_after_failure and (spec.planning or spec.scope != "visit"):
            raise ConfigError(f"step {spec.name!r} runs after failures, so it must be a "
                              "visit-scope work step", key="recipe.steps")
        seen_work = seen_work or not spec.planning
        available.update(spec.provides)


def _recipe_yaml(cfg: DictConfig, unit: str) -> str:
    data = OmegaConf.to_container(cfg, resolve=True)
    assert isinstance(data, dict)
    data.pop("hydra", None)
    header = f"# hapsvm resolved recipe (unit: {unit or 'visit'})\n"
    return header + yaml.safe_dump({"config": data}, sort_keys=False)


class Runner:
    """Run one visit: planning steps, per-unit composition and validation, then the work."""

    def __init__(self, composer: RecipeComposer, *, input: str, output_dir: Path,
                 overrides: list[str], resume: bool = True) -> None:
        self.composer = composer
        self.resume = resume
        self.state = StateStore(output_dir)
        self._key = ""
        self.recipe: Recipe = composer.recipe
        self.input = input
        self.output_dir = Path(output_dir)
        self.overrides = list(overrides)
        self.steps = [get_step(n) for n in self.recipe.steps]
        self.provenance = RunProvenance(recipe=self.recipe.name,
                                        recipe_version=self.recipe.version,
                                        overrides=self.overrides, input=input)
        self.failures: dict[str, StepFailed] = {}

    def run(self) -> RunResult:
        """Execute the recipe; per-unit failures are recorded and the other units go on.

        A fatal failure (of a planning or visit-scope step) ends the visit: the steps
        registered with ``runs_after_failure`` that it kept from running still run, then the
        failure is raised.
        """
        check_wiring(self.steps)
        visit_cfg = self.composer.compose({}, self.overrides)
        self.composer.validate(visit_cfg, self.steps)
        ctx = VisitContext(self.output_dir, self.provenance)
        ctx.seed("input", self.input)
        cfgs: dict[str, DictConfig] = {"": visit_cfg}
        yamls: dict[str, str] = {"": _recipe_yaml(visit_cfg, "")}
        log.info("recipe %s (version %s): %d steps", self.recipe.name, self.recipe.version,
                 len(self.steps))
        try:
            units = self._plan(ctx, cfgs, yamls)
            with OutputLock(self.output_dir):
                stale = remove_scratch(self.output_dir)
                if stale:
                    log.info("removed %d partial files left by an interrupted run: %s",
                             len(stale), ", ".join(p.name for p in stale))
                self._work(ctx, units, cfgs, yamls)
        except StepFailed as failure:
            self._run_after_failure(ctx, failure, cfgs[""], yamls[""])
            raise
        codes = [f.exit_code for f in self.failures.values()]
        codes += [getattr(p, "exit_code", 1) for p in ctx.problems]
        code = max(codes, default=0)
        return RunResult(exit_code=code, records=self.provenance.steps,
                         failures=dict(self.failures), context=ctx, unit_configs=cfgs,
                         metrics=dict(ctx.metrics))

    def _plan(self, ctx: VisitContext, cfgs: dict[str, DictConfig],
              yamls: dict[str, str]) -> list[WorkUnit]:
        """Run the planning steps, then compose and validate a recipe for every unit."""
        for spec in (s for s in self.steps if s.planning):
            self._run_one(ctx, spec, cfgs[""], ("",), yamls[""], writes=False, fatal=True)
        units: list[WorkUnit] = ctx.peek(UNITS_KEY) if UNITS_KEY in ctx.snapshot() else []
        for unit in units:
            for u in (unit, *unit.children):
                cfgs[u.name] = self.composer.compose(u.groups, self.overrides)
                self.composer.validate(cfgs[u.name], self.steps)
                yamls[u.name] = _recipe_yaml(cfgs[u.name], u.name)
                log.info("unit %s: recipe composed from %s", u.name,
                         " ".join(f"{g}={c}" for g, c in u.groups.items()))
        self._key = chain_key("", yaml.safe_dump(self.provenance.inputs),
                              yaml.safe_dump(self.provenance.packages))
        return units

    def _work(self, ctx: VisitContext, units: list[WorkUnit], cfgs: dict[str, DictConfig],
              yamls: dict[str, str]) -> None:
        """Run the work steps for their units (output lock held), recording each for resume."""
        for spec in (s for s in self.steps if not s.planning):
            for chain in self._chains(spec, units):
                if any(name in self.failures for name in chain if name):
                    continue
                self._key = chain_key(self._key, spec.name, chain[0], yamls[chain[0]])
                if self._resumed(ctx, spec, chain):
                    continue
                n_written, before = len(ctx.written), dict(ctx.metrics)
                self._run_one(ctx, spec, cfgs[chain[0]], chain, yamls[chain[0]],
                              writes=True, fatal=spec.scope == "visit")
                if chain[0] not in self.failures:
                    values = {k: v for k, v in ctx.snapshot(chain[0]).items()
                              if k in spec.provides}
                    self.state.save(spec.name, chain[0], self._key,
                                    self.provenance.steps[-1].status, values,
                                    ctx.written[n_written:],
                                    log=ctx.trail.of_step(chain[0], spec.name),
                                    metrics={k: v for k, v in ctx.metrics.items()
                                             if before.get(k) != v})

    def _run_after_failure(self, ctx: VisitContext, failure: StepFailed, cfg: DictConfig,
                           recipe_yaml: str) -> None:
        """Run the ``runs_after_failure`` steps recipe-ordered after the step that failed.

        Best effort: they write products but no resume record (a rerun runs them again), and
        their own failures are logged without replacing the one that ended the visit.
        """
        names = [s.name for s in self.steps]
        pending = [s for s in self.steps[names.index(failure.step) + 1:]
                   if s.runs_after_failure]
        if not pending:
            return
        log.info("visit ended by %s; still running %s", failure.step,
                 ", ".join(s.name for s in pending))
        try:
            with OutputLock(self.output_dir):
                for spec in pending:
                    self._run_one(ctx, spec, cfg, ("",), recipe_yaml, writes=True, fatal=False)
        except OutputLockedError as err:  # another run took the directory meanwhile
            log.error("%s not run: %s", ", ".join(s.name for s in pending), err)

    def _resumed(self, ctx: VisitContext, spec: StepSpec, chain: tuple[str, ...]) -> bool:
        """Load a matching earlier run of this step instead of running it again."""
        if not self.resume:
            return False
        state = self.state.load(spec.name, chain[0], self._key)
        if state is None:
            # this step runs again: what follows may depend on it, so it all runs again too
            self.resume = False
            return False
        ctx.restore(chain[0], state.values)
        ctx.trail.extend(state.log)
        ctx.metrics.update(state.metrics)
        ctx.written.extend(self.output_dir / name for name in state.files)
        self.provenance.steps.append(StepRecord(step=spec.name, unit=chain[0] or "visit",
                                                status="resumed", seconds=0.0,
                                                message=f"earlier run: {state.status}"))
        log.info("%s [%s]: resumed (completed by an earlier run)", spec.name,
                 chain[0] or "visit")
        return True

    @staticmethod
    def _chains(spec: StepSpec, units: list[WorkUnit]) -> list[tuple[str, ...]]:
        if spec.scope == "visit":
            return [("",)]
        if spec.scope == "detector":
            return [(u.name, "") for u in units]
        return [(c.name, u.name, "") for u in units for c in u.children]

    def _run_one(self, ctx: VisitContext, spec: StepSpec, cfg: DictConfig,
                 chain: tuple[str, ...], recipe_yaml: str, *, writes: bool, fatal: bool) -> None:
        with ctx.trail.capture(chain[0], spec.name):
            self._run_logged(ctx, spec, cfg, chain, recipe_yaml, writes=writes, fatal=fatal)

    def _run_logged(self, ctx: VisitContext, spec: StepSpec, cfg: DictConfig,
                    chain: tuple[str, ...], recipe_yaml: str, *, writes: bool,
                    fatal: bool) -> None:
        unit = chain[0] or "visit"
        typed = self.composer.typed(cfg, spec)
        log.info("%s [%s]: start", spec.name, unit)
        start = time.perf_counter()
        self._cpu_start = _cpu_seconds()
        try:
            with ctx.running(spec.name, requires=spec.requires, provides=spec.provides,
                             scope_chain=chain, recipe_yaml=recipe_yaml, writes_allowed=writes):
                spec.func(ctx, typed)
        except NoWorkFound as why:
            self._record(spec, unit, "skipped", start, str(why))
            log.info("%s [%s]: skipped (%s) after %.2f s", spec.name, unit, why,
                     time.perf_counter() - start)
            return
        except Exception as err:  # noqa: BLE001 - wrapped with the step's name, then re-raised
            failure = StepFailed(spec.name, unit, err)
            self._record(spec, unit, "failed", start, str(err))
            log.error("%s [%s]: failed after %.2f s: %s", spec.name, unit,
                      time.perf_counter() - start, err)
            if fatal:
                raise failure from err
            if not isinstance(err, HapsvmError):
                log.exception("%s [%s]: internal error", spec.name, unit)
            self.failures[chain[0]] = failure
            return
        self._record(spec, unit, "done", start, "")
        log.info("%s [%s]: done in %.2f s", spec.name, unit, time.perf_counter() - start)

    def _record(self, spec: StepSpec, unit: str, status: str, start: float, message: str) -> None:
        cpu = _cpu_seconds() - getattr(self, "_cpu_start", _cpu_seconds())
        self.provenance.steps.append(StepRecord(step=spec.name, unit=unit, status=status,
                                                seconds=round(time.perf_counter() - start, 3),
                                                message=message, cpu_seconds=round(cpu, 3)))


def unit_names(units: list[WorkUnit]) -> list[str]:
    """Names of every unit and sub-unit, outermost first."""
    return [n for u in units for n in (u.name, *[c.name for c in u.children])]
