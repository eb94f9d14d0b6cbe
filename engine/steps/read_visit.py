"""Read the visit's input list and every exposure's headers (read-only planning step)."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from hapsvm import visit
from hapsvm.core import VisitContext
from hapsvm.core import constrained
from hapsvm.core import register_step
from hapsvm.errors import InputError
from hapsvm.progress import progress

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReadVisitConfig:
    """Where exposures may be read from."""

    roots: list[str] = constrained([], items={"type": "string", "minLength": 1})
    """If set, exposures must lie under the input's directory or these; empty: read anywhere."""


@register_step("read_visit", config=ReadVisitConfig, requires=("input",),
               provides=("exposures", "unusable_inputs"), planning=True)
def read_visit(ctx: VisitContext, cfg: ReadVisitConfig) -> None:
    """Parse the poller file, list or directory and read each exposure's headers.

    An unreadable or invalid exposure is reported (exit code 2 at the end) and left out; the
    visit goes on with the others. Two files with one ROOTNAME are processed once.
    """
    rows = visit.read_input(ctx.read("input"), roots=[Path(r) for r in cfg.roots])
    exposures: dict[str, visit.ExposureInfo] = {}
    unusable: list[visit.UnusableInput] = []
    for row in progress(rows, desc="read headers", unit="file"):
        try:
            exp = visit.read_exposure(row)
        except InputError as err:
            ctx.report_problem(err)
            unusable.append(visit.UnusableInput(row.path, f"unusable: {err.problem}"))
            continue
        first = exposures.get(exp.rootname)
        if first is not None:
            keep, drop = (exp, first) if _canonical(exp) and not _canonical(first) else \
                (first, exp)
            exposures[exp.rootname] = keep
            reason = f"duplicate of {keep.path.name} (same ROOTNAME {exp.rootname})"
            unusable.append(visit.UnusableInput(drop.path, reason, exp.rootname))
            log.warning("%s: %s; not processed twice", drop.path, reason)
            continue
        exposures[exp.rootname] = exp
    _check_single_visit(list(exposures.values()), ctx.read("input"))
    ctx.provenance.add_inputs([e.path for e in exposures.values()])
    log.info("read %d exposures from %s (%d unusable or duplicate)", len(exposures),
             ctx.read("input"), len(unusable))
    ctx.write("exposures", list(exposures.values()))
    ctx.write("unusable_inputs", unusable)


def _canonical(exp: visit.ExposureInfo) -> bool:
    """Whether the file carries the archive name ``<rootname>_fl?.fits``."""
    return exp.path.name.lower().startswith(exp.rootname)


def _check_single_visit(exposures: list[visit.ExposureInfo], source: str) -> None:
    """Refuse an input that mixes visits or instruments (a poller names one visit)."""
    visits: dict[tuple[str, int, str], list[str]] = {}
    for e in exposures:
        visits.setdefault((e.instrument, e.proposal_id, e.obset_id), []).append(e.path.name)
    if len(visits) > 1:
        parts = [f"{inst} {prop}/{obset} ({len(names)} files, e.g. {names[0]})"
                 for (inst, prop, obset), names in visits.items()]
        raise InputError("input mixes visits: " + "; ".join(parts) +
                         " — give one visit per run (svm -m input=a,b runs several)",
                         file=source)
