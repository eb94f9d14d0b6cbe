"""Resume support: a record per completed step and unit, and a lock on the output directory.

After a step finishes for a unit, the runner stores in ``<output_dir>/.svm_state/`` the values
it provided (pickled) and the sha256 of every file it wrote, under a key chained from the
previous step's key, the unit's resolved config and the input hashes. A rerun whose key,
record and files all match loads the values instead of running the step again; anything that
changed upstream changes every later key, so those steps run again.
"""
from __future__ import annotations

import hashlib
import json
import logging
import pickle
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hapsvm.core.context import atomic_write
from hapsvm.core.lock import OutputLock
from hapsvm.core.provenance import sha256_of
from hapsvm.core.trail import LogLine

__all__ = ["StateStore", "OutputLock", "chain_key", "StepState"]

log = logging.getLogger(__name__)

STATE_DIR = ".svm_state"


def chain_key(previous: str, *parts: str) -> str:
    """sha256 of the previous key and the given parts."""
    digest = hashlib.sha256(previous.encode())
    for part in parts:
        digest.update(b"\0" + part.encode())
    return digest.hexdigest()


@dataclass
class StepState:
    """What a completed step left behind."""

    key: str
    status: str
    values: dict[str, Any]
    files: dict[str, str]
    log: list[LogLine]
    metrics: dict[str, float]


class StateStore:
    """Per-step records in ``<output_dir>/.svm_state``."""

    def __init__(self, output_dir: Path) -> None:
        self.root = Path(output_dir) / STATE_DIR

    def _stem(self, step: str, unit: str) -> Path:
        return self.root / f"{step}__{unit or 'visit'}"

    def load(self, step: str, unit: str, key: str) -> StepState | None:
        """The record of ``step`` for ``unit`` if its key matches and its files are intact."""
        meta_path = self._stem(step, unit).with_suffix(".json")
        if not meta_path.is_file():
            return None
        try:
            meta = json.loads(meta_path.read_text())
            if meta["key"] != key:
                return None
            pkl = self._stem(step, unit).with_suffix(".pkl")
            if sha256_of(pkl) != meta["values_sha256"]:
                log.warning("%s: state of %s/%s is corrupt; running it again", pkl, step, unit)
                return None
            latest = self._latest()
            for name, digest in meta["files"].items():
                path = self.root.parent / name
                if not path.is_file() or sha256_of(path) != latest.get(name, digest):
                    log.info("%s changed or missing; %s [%s] runs again", name, step, unit)
                    return None
            with open(pkl, "rb") as fh:
                values = pickle.load(fh)
        except (OSError, ValueError, KeyError, pickle.UnpicklingError, EOFError) as err:
            log.warning("unreadable state for %s/%s (%s); running it again", step, unit, err)
            return None
        lines = [LogLine(unit, step, text) for text in meta.get("log", [])]
        return StepState(key=key, status=meta["status"], values=values, files=meta["files"],
                         log=lines, metrics=meta.get("metrics", {}))

    def _latest(self) -> dict[str, str]:
        """sha256 of each product as the last step that wrote it left it."""
        path = self.root / "files.json"
        try:
            return dict(json.loads(path.read_text()))
        except (OSError, ValueError):
            return {}

    def save(self, step: str, unit: str, key: str, status: str, values: dict[str, Any],
             files: list[Path], log: list[LogLine] | None = None,
             metrics: dict[str, float] | None = None) -> None:
        """Record a completed step (values pickled first, then the JSON that vouches for them)."""
        self.root.mkdir(parents=True, exist_ok=True)
        stem = self._stem(step, unit)
        blob = pickle.dumps(values, protocol=pickle.HIGHEST_PROTOCOL)
        atomic_write(stem.with_suffix(".pkl"), lambda p: p.write_bytes(blob))
        meta = {"step": step, "unit": unit, "key": key, "status": status,
                "values_sha256": hashlib.sha256(blob).hexdigest(),
                "files": {f.name: sha256_of(f) for f in files if f.is_file()},
                "log": [line.text for line in (log or [])], "metrics": metrics or {}}
        latest = self._latest()
        latest.update({f.name: sha256_of(f) for f in files if f.is_file()})
        atomic_write(self.root / "files.json",
                     lambda p: p.write_text(json.dumps(latest, indent=1, sort_keys=True)))
        atomic_write(stem.with_suffix(".json"), lambda p: p.write_text(json.dumps(meta, indent=1)))
