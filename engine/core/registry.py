"""The step registry: steps register under a name with a typed config and their context wiring."""
from __future__ import annotations

import dataclasses
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

__all__ = ["StepSpec", "SCOPES", "register_step", "get_step", "registered_steps", "StepFunction"]

#: Scopes a step can run at, outermost first: once per visit, once per unit (a detector), once
#: per sub-unit (a filter product of a detector). The engine gives these levels no other meaning.
SCOPES = ("visit", "detector", "filter")

StepFunction = Callable[[Any, Any], None]


@dataclass(frozen=True)
class StepSpec:
    """Everything the engine knows about one registered step."""

    name: str
    func: StepFunction
    config: type
    requires: tuple[str, ...]
    provides: tuple[str, ...]
    scope: str
    planning: bool
    description: str
    runs_after_failure: bool = False


_REGISTRY: dict[str, StepSpec] = {}


def register_step(name: str, *, config: type, requires: tuple[str, ...] = (),
                  provides: tuple[str, ...] = (), scope: str = "visit", planning: bool = False,
                  runs_after_failure: bool = False) -> Callable[[StepFunction], StepFunction]:
    """Register a step function under ``name``.

    Parameters
    ----------
    name
        Registry name; also the config key, the ``conf/step/<name>.yaml`` file and the schema name.
    config
        A (frozen) dataclass declaring the step's parameters with defaults and field docstrings.
    requires, provides
        Context keys the step reads and writes; the context refuses any other key.
    scope
        One of ``SCOPES``: how often the step runs.
    planning
        True for read-only steps that run before per-unit recipes are composed and validated;
        a planning step may not write files.
    runs_after_failure
        True for a visit-scope work step that also runs, like a ``finally`` block, when an
        earlier step ends the visit with a fatal failure (the visit's exit code is unchanged).
        It then finds only what the steps before the failure provided: it checks
        ``ctx.has(key)`` before reading a key it requires.
    """
    if scope not in SCOPES:
        raise ValueError(f"step {name!r}: scope {scope!r} not in {SCOPES}")
    if not dataclasses.is_dataclass(config):
        raise TypeError(f"step {name!r}: config must be a dataclass, got {config!r}")

    def decorate(func: StepFunction) -> StepFunction:
        if name in _REGISTRY and _REGISTRY[name].func is not func:
            raise ValueError(f"step {name!r} is already registered by {_REGISTRY[name].func!r}")
        doc = (func.__doc__ or "").strip().splitlines()
        _REGISTRY[name] = StepSpec(name=name, func=func, config=config, requires=tuple(requires),
                                   provides=tuple(provides), scope=scope, planning=planning,
                                   description=doc[0] if doc else "",
                                   runs_after_failure=runs_after_failure)
        return func

    return decorate


def get_step(name: str) -> StepSpec:
    """Return the step registered as ``name`` or raise ``KeyError`` listing the known names."""
    try:
        return _REGISTRY[name]
    except KeyError:
        raise KeyError(f"no step registered as {name!r}; known: {sorted(_REGISTRY)}") from None


def registered_steps() -> dict[str, StepSpec]:
    """Return a copy of the registry, name → spec."""
    return dict(_REGISTRY)
