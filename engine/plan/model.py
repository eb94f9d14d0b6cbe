"""The resource model: a visit's peak memory and run time from its planning features.

Two linear models with a few terms, fitted by ``benchmarks/bench_resource_model.py`` on
measured runs of simulated visits; their coefficients, errors and provenance are data, in
``resource_model.json`` beside this module (the only place they are kept).

Memory (GiB): a constant (the interpreter, the modules, the visit's tables) plus, for the
detector that needs most, terms in the arrays its steps hold at once: one output grid
(catalogues, previews, the total drizzle) and the exposure products the drizzle runs at once
(the drizzle's own estimate, ``hapsvm.mosaic.parallel.product_bytes``, times the processes its
memory budget allows). Detectors run one after the other.

Time (CPU seconds of the run's processes, start-up included: the wall time of a run on one
idle core, as ``processes_per_visit=1`` in a multirun; a run with 2 processes on 2 idle cores
takes less wall time): a constant plus, per detector, a constant and terms in its input pixels
and in the pixels it drizzles (grid pixels times products). CPU time is modelled rather than
wall time because it does not depend on what else the machine runs.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from dataclasses import field
from pathlib import Path
from typing import Any

from hapsvm.mosaic.parallel import PARALLEL_MIN_PIXELS
from hapsvm.mosaic.parallel import product_bytes
from hapsvm.mosaic.parallel import workers_within
from hapsvm.plan.features import DetectorFeatures
from hapsvm.plan.features import VisitFeatures

__all__ = ["MODEL_FILE", "LinearModel", "ResourceModel", "Prediction", "memory_terms",
           "time_terms", "load_model"]

#: The shipped coefficients (written by benchmarks/bench_resource_model.py).
MODEL_FILE = Path(__file__).with_name("resource_model.json")
_GIB = float(2**30)


def _workers(d: DetectorFeatures, processes: int) -> int:
    """Processes the per-exposure work of a detector uses (the drizzle's rule)."""
    return processes if d.input_pixels >= PARALLEL_MIN_PIXELS else 1


def _memory_parts(d: DetectorFeatures, processes: int, max_memory_gib: float) -> dict[str, float]:
    workers = _workers(d, processes)
    task = product_bytes(d.grid_shape, d.largest_chip_pixels)
    at_once = 1 if workers == 1 else workers_within(workers, d.n_exposures, task,
                                                    max_memory_gib * _GIB)
    return {"grid_gib": 4.0 * d.grid_pixels / _GIB, "drizzle_gib": at_once * task / _GIB}


def memory_terms(v: VisitFeatures) -> dict[str, float]:
    """The memory model's terms of a visit (those of its largest detector).

    ``grid_gib``: one float32 image of the output grid; ``drizzle_gib``: the exposure products
    drizzled at once, as the drizzle's budget decides, times their estimated size.
    """
    parts = [_memory_parts(d, v.processes, v.max_memory_gib) for d in v.detectors]
    worst = max(parts, key=lambda p: sum(p.values()), default={})
    return {"const": 1.0, **{k: worst.get(k, 0.0) for k in ("grid_gib", "drizzle_gib")}}


def time_terms(v: VisitFeatures) -> dict[str, float]:
    """The time model's terms of a visit (summed over its detectors).

    ``detector_<key>``: 1 per detector of that kind; ``input_mpix``: drizzled exposures' SCI
    pixels, millions; ``drizzle_mpix``: grid pixels times products drizzled, millions.
    """
    terms: dict[str, float] = {"const": 1.0, "input_mpix": 0.0, "drizzle_mpix": 0.0}
    for d in v.detectors:
        terms[f"detector_{d.detector}"] = terms.get(f"detector_{d.detector}", 0.0) + 1.0
        terms["input_mpix"] += d.input_pixels / 1e6
        terms["drizzle_mpix"] += d.grid_pixels * d.n_drizzles / 1e6
    return terms


@dataclass(frozen=True)
class LinearModel:
    """``value = sum(coefficient * term)``, with its measured error."""

    coefficients: dict[str, float]
    unit: str
    rel_error: float
    """Relative error of one prediction (RMS of measured/predicted - 1, leave-one-out)."""
    median_ratio: float = 1.0
    """Median of measured/predicted over the calibration visits (leave-one-out)."""
    worst_ratio: float = 1.0
    """Largest measured/predicted (leave-one-out): the margin an allocation needs."""

    def predict(self, terms: dict[str, float]) -> float:
        """The model's value for the given terms (a term it lacks counts 0)."""
        return sum(c * terms.get(name, 0.0) for name, c in self.coefficients.items())


@dataclass(frozen=True)
class Prediction:
    """Predicted peak memory and time of one visit, each with its one-sigma error."""

    peak_gib: float
    """Largest summed RSS of the run's processes, GiB."""
    peak_error_gib: float
    seconds: float
    """CPU seconds of the run's processes (the wall time on one idle core)."""
    seconds_error: float

    @property
    def minutes(self) -> float:
        """Predicted time, minutes."""
        return self.seconds / 60.0


@dataclass(frozen=True)
class ResourceModel:
    """Memory and time models and where their coefficients came from."""

    memory: LinearModel
    time: LinearModel
    provenance: dict[str, Any] = field(default_factory=dict)

    def predict(self, v: VisitFeatures) -> Prediction:
        """Peak memory (GiB) and CPU time (s) of a visit, each with its one-sigma error."""
        peak = max(self.memory.predict(memory_terms(v)), 0.0)
        seconds = max(self.time.predict(time_terms(v)), 0.0)
        return Prediction(peak_gib=peak, peak_error_gib=peak * self.memory.rel_error,
                          seconds=seconds, seconds_error=seconds * self.time.rel_error)

    def to_json(self) -> str:
        """The JSON text of the model (the format of ``resource_model.json``)."""
        data = {"memory": vars(self.memory), "time": vars(self.time),
                "provenance": self.provenance}
        return json.dumps(data, indent=1, ensure_ascii=False) + "\n"

    @classmethod
    def from_json(cls, text: str) -> ResourceModel:
        """Read the model from its JSON text."""
        data = json.loads(text)
        return cls(memory=LinearModel(**data["memory"]), time=LinearModel(**data["time"]),
                   provenance=dict(data.get("provenance", {})))


def load_model(path: Path | None = None) -> ResourceModel:
    """The model in ``path`` (default: the shipped ``resource_model.json``).

    Examples
    --------
    >>> model = load_model()
    >>> model.memory.unit, model.time.unit, 0 < model.memory.rel_error < 1
    ('GiB', 's', True)
    """
    return ResourceModel.from_json(Path(path or MODEL_FILE).read_text())
