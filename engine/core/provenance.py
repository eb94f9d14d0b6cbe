"""Provenance of a run: recipe, overrides, package versions, input hashes and step statuses."""
from __future__ import annotations

import hashlib
import os
import platform
from dataclasses import dataclass
from dataclasses import field
from importlib import metadata
from pathlib import Path
from typing import Any

import yaml

__all__ = ["RunProvenance", "StepRecord", "sha256_of", "package_versions"]

#: Distributions whose versions are recorded with every product.
RECORDED_PACKAGES = ("hapsvm", "hydra-core", "omegaconf", "numpy", "scipy", "astropy",
                     "photutils", "drizzle", "tweakwcs", "stwcs", "jsonschema", "PyYAML")


def package_versions() -> dict[str, str]:
    """Return the installed version of every recorded distribution ('absent' if missing)."""
    out: dict[str, str] = {"python": platform.python_version()}
    for name in RECORDED_PACKAGES:
        try:
            out[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            out[name] = "absent"
    return out


#: (path, inode, size, mtime ns, ctime ns) → sha256 of files already hashed in this process.
_HASHES: dict[tuple[str, int, int, int, int], str] = {}
_MAX_CACHED = 4096


def sha256_of(path: Path, chunk: int = 1 << 20) -> str:
    """Return the hex sha256 of a file, read in chunks.

    A file hashed before in this process and unchanged since (same inode, size, modification
    and change times) is not read again: products and copies are hashed after every step that
    may have rewritten them.
    """
    st = os.stat(path)
    key = (os.fspath(path), st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns)
    cached = _HASHES.get(key)
    if cached is not None:
        return cached
    digest = hashlib.sha256()
    with open(path, "rb") as fh:
        while block := fh.read(chunk):
            digest.update(block)
    if len(_HASHES) >= _MAX_CACHED:
        _HASHES.clear()
    _HASHES[key] = digest.hexdigest()
    return _HASHES[key]


@dataclass
class StepRecord:
    """What one step did for one unit of work (visit, detector or filter product); the API
    hands these out as ``hapsvm.StepOutcome``."""

    step: str
    unit: str
    status: str
    """``done``, ``skipped: <reason>``, ``resumed`` or ``failed: <reason>``."""
    seconds: float
    """Wall time, in seconds."""
    message: str = ""
    cpu_seconds: float = 0.0
    """CPU time of the step: this process plus the worker processes it waited for."""


@dataclass
class RunProvenance:
    """What made a run's products; serialised beside every product."""

    recipe: str
    recipe_version: str
    overrides: list[str]
    input: str
    packages: dict[str, str] = field(default_factory=package_versions)
    inputs: dict[str, str] = field(default_factory=dict)
    steps: list[StepRecord] = field(default_factory=list)

    def add_inputs(self, paths: list[Path]) -> None:
        """Record the sha256 of input files (each hashed once per run)."""
        for p in paths:
            key = str(p)
            if key not in self.inputs:
                self.inputs[key] = sha256_of(Path(p))

    def as_dict(self) -> dict[str, Any]:
        """Plain-data form (for YAML)."""
        return {
            "recipe": self.recipe,
            "recipe_version": self.recipe_version,
            "input": self.input,
            "overrides": list(self.overrides),
            "packages": dict(self.packages),
            "inputs_sha256": dict(self.inputs),
            "steps": [vars(s) for s in self.steps],
        }

    def product_block(self, product: Path, step: str) -> str:
        """YAML text of the provenance section written after the resolved config."""
        block = {"provenance": {"product": product.name, "written_by_step": step,
                                **self.as_dict()}}
        return yaml.safe_dump(block, sort_keys=False)
