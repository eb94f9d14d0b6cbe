"""The visit context: the shared state steps read and write, and the only way to save a product."""
from __future__ import annotations

import logging
import os
import shutil
import tempfile
from collections.abc import Callable
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import Any

from hapsvm.core.provenance import RunProvenance
from hapsvm.core.trail import TrailLog
from hapsvm.recipe_files import recipe_path_for

__all__ = ["VisitContext", "WorkUnit", "WiringError", "remove_scratch"]

#: Suffix of the scratch directories :meth:`VisitContext.scratch_dir` makes in the output
#: directory (hidden: ``.<name>_<random>.tmp``); :func:`remove_scratch` deletes leftovers.
SCRATCH_SUFFIX = ".tmp"

log = logging.getLogger(__name__)


class WiringError(RuntimeError):
    """A step read or wrote a context key it did not declare (a programming error)."""


@dataclass
class WorkUnit:
    """A unit of work the engine composes its own recipe for (a detector, a filter product).

    Parameters
    ----------
    name
        Unique, file-name-safe label (e.g. ``wfc3_ir`` or ``wfc3_ir_f098m``).
    groups
        Config-group choices composed for this unit, e.g. ``{"detector": "wfc3_ir"}``.
    children
        Sub-units (run by ``filter``-scope steps).
    """

    name: str
    groups: dict[str, str]
    children: list[WorkUnit] = field(default_factory=list)


class VisitContext:
    """Shared, key-checked state of one visit run.

    Values written by a step running for a unit are stored in that unit's namespace; a read
    looks in the unit's namespace, then its parent's, then the visit's.
    """

    def __init__(self, output_dir: Path, provenance: RunProvenance) -> None:
        self.output_dir = Path(output_dir)
        self.provenance = provenance
        self._values: dict[str, dict[str, Any]] = {"": {}}
        self._allowed_read: frozenset[str] = frozenset()
        self._allowed_write: frozenset[str] = frozenset()
        self._scope_chain: tuple[str, ...] = ("",)
        self._step = "<none>"
        self._writes_allowed = False
        self._recipe_yaml = ""
        self.written: list[Path] = []
        self.problems: list[Exception] = []
        self.metrics: dict[str, float] = {}
        self.trail = TrailLog()

    # -- set by the runner -------------------------------------------------------------
    @contextmanager
    def running(self, step: str, *, requires: tuple[str, ...], provides: tuple[str, ...],
                scope_chain: tuple[str, ...], recipe_yaml: str,
                writes_allowed: bool) -> Iterator[None]:
        """Enter a step: restrict keys, set the unit namespace and the recipe saved with
        products."""
        self._step, self._scope_chain = step, scope_chain
        self._allowed_read = frozenset(requires) | frozenset(provides)
        self._allowed_write = frozenset(provides)
        self._recipe_yaml, self._writes_allowed = recipe_yaml, writes_allowed
        try:
            yield
        finally:
            self._step, self._scope_chain = "<none>", ("",)
            self._allowed_read = self._allowed_write = frozenset()
            self._writes_allowed = False

    @property
    def unit(self) -> str:
        """Name of the unit the current step runs for ('' for the visit)."""
        return self._scope_chain[0]

    # -- key-checked values ------------------------------------------------------------
    def read(self, key: str) -> Any:
        """Return the value of ``key`` visible from the current unit."""
        if key not in self._allowed_read:
            raise WiringError(f"step {self._step!r} read {key!r} without declaring it")
        for ns in self._scope_chain:
            if key in self._values.get(ns, {}):
                return self._values[ns][key]
        raise KeyError(f"step {self._step!r}: context has no {key!r} for unit {self.unit!r}")

    def has(self, key: str) -> bool:
        """Whether ``key`` is visible from the current unit (no declaration needed)."""
        return any(key in self._values.get(ns, {}) for ns in self._scope_chain)

    def write(self, key: str, value: Any) -> None:
        """Store ``value`` under ``key`` in the current unit's namespace."""
        if key not in self._allowed_write:
            raise WiringError(f"step {self._step!r} wrote {key!r} without declaring it")
        self._values.setdefault(self._scope_chain[0], {})[key] = value

    def peek(self, key: str, unit: str = "") -> Any:
        """Read a value outside any step (runner, CLI and tests); ``KeyError`` if absent."""
        return self._values[unit][key]

    def seed(self, key: str, value: Any) -> None:
        """Put an initial value in the visit namespace before the first step (runner only)."""
        self._values[""][key] = value

    def snapshot(self, unit: str = "") -> dict[str, Any]:
        """Return a shallow copy of one namespace (for resume and reports)."""
        return dict(self._values.get(unit, {}))

    def restore(self, unit: str, values: dict[str, Any]) -> None:
        """Load a namespace saved by :meth:`snapshot` (resume)."""
        self._values.setdefault(unit, {}).update(values)

    def report_problem(self, error: Exception) -> None:
        """Record a problem the run worked around (e.g. one unreadable exposure).

        The run goes on; its exit code is that of the worst problem reported.
        """
        log.error("%s", error)
        self.problems.append(error)

    def report_metric(self, name: str, value: float) -> None:
        """Record a quality metric of the run (summaries, sweeps' objectives).

        Names carry their unit (``alignment_rms_mas``); a unit's metric is stored as
        ``<unit>.<name>`` when the step runs for a detector or filter unit.
        """
        key = f"{self.unit}.{name}" if self.unit else name
        self.metrics[key] = float(value)

    def log_lines(self, units: list[str]) -> list[str]:
        """Every log line emitted so far by steps of the given units ('' = visit), in order."""
        return self.trail.for_units(set(units))

    # -- products ------------------------------------------------------------------------
    @contextmanager
    def scratch_dir(self, name: str) -> Iterator[Path]:
        """A new hidden directory in the output directory for a step's intermediate files.

        It is deleted when the block ends; one an interrupted run leaves behind is deleted by
        the next run into the same directory (:func:`remove_scratch`).

        Parameters
        ----------
        name
            Short label of the work (``drizzle``): the directory is ``.<name>_<random>.tmp``.
        """
        with tempfile.TemporaryDirectory(prefix=f".{name}_", suffix=SCRATCH_SUFFIX,
                                         dir=self.output_dir) as tmp:
            yield Path(tmp)

    def product_path(self, name: str) -> Path:
        """Return the final path of a product file in the output directory."""
        return self.output_dir / name

    def save_product(self, name: str, write: Callable[[Path], None], *,
                     recipe: bool = True) -> Path:
        """Write a product atomically and put its ``<product>_recipe.yaml`` beside it.

        Parameters
        ----------
        name
            File name, relative to the output directory.
        write
            Called with a temporary path in the same directory; must create that file.
        recipe
            Write the resolved recipe beside the product (off only for the recipe files).

        Returns
        -------
        Path
            The final path.
        """
        if not self._writes_allowed:
            raise WiringError(f"step {self._step!r} tried to write {name!r} before the "
                              "recipes were validated (planning steps may not write)")
        final = self.product_path(name)
        atomic_write(final, write)
        self.written.append(final)
        if recipe:
            rfile = recipe_path_for(final)
            text = self._recipe_yaml + self.provenance.product_block(final, self._step)
            atomic_write(rfile, lambda p: p.write_text(text))
        log.debug("wrote %s", final)
        return final


def remove_scratch(output_dir: Path) -> list[Path]:
    """Delete what an interrupted run left in ``output_dir``: hidden ``.*.part`` files of
    :func:`atomic_write` and hidden ``.*.tmp`` scratch directories. Call with the output lock
    held (no other run is writing there). Returns what was removed."""
    removed: list[Path] = []
    if not output_dir.is_dir():
        return removed
    for entry in output_dir.iterdir():
        if not entry.name.startswith("."):
            continue
        if entry.is_file() and entry.name.endswith(".part"):
            entry.unlink(missing_ok=True)
        elif entry.is_dir() and entry.name.endswith(SCRATCH_SUFFIX):
            shutil.rmtree(entry, ignore_errors=True)
        else:
            continue
        removed.append(entry)
    return removed


def atomic_write(final: Path, write: Callable[[Path], object]) -> None:
    """Call ``write(tmp)`` then rename ``tmp`` to ``final``; never leave a partial ``final``."""
    final.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp_name = tempfile.mkstemp(prefix="." + final.name + ".", suffix=".part",
                                    dir=final.parent)
    os.close(fd)
    tmp = Path(tmp_name)
    tmp.unlink()
    try:
        write(tmp)
        if not tmp.exists():
            raise RuntimeError(f"writer for {final.name} did not create its file")
        os.replace(tmp, final)
    finally:
        if tmp.exists():
            tmp.unlink()
