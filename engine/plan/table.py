"""Memory classes and the plan table, ``visit_plan.tsv``.

The table's first two columns are the visit (its run-directory name) and its memory class,
the ``<visit><TAB><class>`` form ``benchmarks/cluster/run_with_retry.py --visit-classes``
reads; the other columns say why. A visit that could not be planned gets the smallest class
(its run fails early too) and the reason in ``note``.
"""
from __future__ import annotations

import re
from dataclasses import dataclass

from hapsvm.plan.features import VisitFeatures
from hapsvm.plan.model import Prediction

__all__ = ["DEFAULT_CLASSES", "PlanRow", "parse_memory", "memory_label", "memory_class",
           "plan_table", "HEADER"]

#: Default memory classes (GiB), like the archive's batch queues.
DEFAULT_CLASSES = (2.0, 8.0, 16.0, 64.0)

HEADER = ("visit", "class", "detectors", "exposures", "filters", "input_mpix", "grid_mpix",
          "peak_gib", "peak_err_gib", "minutes", "minutes_err", "input", "note")


def parse_memory(text: str) -> float:
    """Memory in GiB from SLURM's notation (``2G``, ``512M``, ``1.5G``, ``1T``; a bare number
    is GiB).

    Examples
    --------
    >>> parse_memory("2G"), parse_memory("512M"), parse_memory("16")
    (2.0, 0.5, 16.0)
    """
    match = re.fullmatch(r"\s*([0-9]*\.?[0-9]+)\s*([KMGT]?)i?B?\s*", text.upper())
    if not match:
        raise ValueError(f"memory {text!r}: expected a number with M, G or T (e.g. 8G)")
    scale = {"K": 1 / 1024**2, "M": 1 / 1024, "": 1.0, "G": 1.0, "T": 1024.0}[match.group(2)]
    return float(match.group(1)) * scale


def memory_label(gib: float) -> str:
    """``2.0`` -> ``2G``, ``0.5`` -> ``512M`` (SLURM's notation, as run_with_retry writes it).

    Examples
    --------
    >>> memory_label(2.0), memory_label(0.5), memory_label(1.5)
    ('2G', '512M', '1536M')
    """
    mib = round(gib * 1024)
    return f"{mib // 1024}G" if mib % 1024 == 0 else f"{mib}M"


def memory_class(peak_gib: float, classes: tuple[float, ...], *, margin: float) -> float | None:
    """The smallest class holding ``peak_gib * (1 + margin)``; None when none does.

    Examples
    --------
    >>> memory_class(1.5, (2.0, 8.0), margin=0.25), memory_class(1.7, (2.0, 8.0), margin=0.25)
    (2.0, 8.0)
    >>> memory_class(9.0, (2.0, 8.0), margin=0.0) is None
    True
    """
    need = peak_gib * (1.0 + margin)
    return next((c for c in sorted(classes) if c >= need), None)


@dataclass(frozen=True)
class PlanRow:
    """One visit of the plan."""

    visit: str
    input: str
    features: VisitFeatures | None
    prediction: Prediction | None
    memory_class: float | None
    note: str = ""

    def cells(self) -> list[str]:
        """The row's cells in :data:`HEADER` order."""
        cls = memory_label(self.memory_class) if self.memory_class is not None else "-"
        f, p = self.features, self.prediction
        if f is None or p is None:
            return [self.visit, cls, "-", "-", "-", "-", "-", "-", "-", "-", "-", self.input,
                    self.note or "-"]
        return [self.visit, cls, ",".join(d.detector for d in f.detectors), str(f.n_exposures),
                str(f.n_filters), f"{f.input_pixels / 1e6:.2f}", f"{f.grid_pixels / 1e6:.2f}",
                f"{p.peak_gib:.3f}", f"{p.peak_error_gib:.3f}", f"{p.minutes:.2f}",
                f"{p.seconds_error / 60:.2f}", self.input, self.note or "-"]


def _clean(cell: str) -> str:
    """A cell safe in a TSV that run_with_retry reads (no tab, newline or ``#`` comment)."""
    return " ".join(cell.replace("\t", " ").replace("#", "No.").split()) or "-"


def plan_table(rows: list[PlanRow], *, comment: str = "") -> str:
    """The text of ``visit_plan.tsv`` (``#`` lines first: how it was made).

    Examples
    --------
    >>> text = plan_table([PlanRow("v1", "/d/v1.out", None, None, 2.0, "no exposure")])
    >>> text.splitlines()[0].split(chr(9))[:3], text.splitlines()[1].split(chr(9))[:2]
    (['visit', 'class', 'detectors'], ['v1', '2G'])
    """
    lines = [f"# {line}" for line in comment.splitlines()]
    lines.append("\t".join(HEADER))
    lines += ["\t".join(_clean(c) for c in r.cells()) for r in rows]
    return "\n".join(lines) + "\n"

