"""Read the visit's input list and every exposure's headers (read-only planning step)."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from engine.core import VisitContext, constrained, register_step
from engine.visit import ExposureInfo, read_exposure, read_input

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ReadVisitConfig:
    """Where exposures may be read from."""

    roots: list[str] = constrained([], items={"type": "string", "minLength": 1})
    """Extra directories exposures may live in (the input's own directory is always allowed)."""


@register_step("read_visit", config=ReadVisitConfig, requires=("input",),
               provides=("exposures", "duplicates"), planning=True)
def read_visit(ctx: VisitContext, cfg: ReadVisitConfig) -> None:
    """Parse the poller file, list or directory and read each exposure's headers."""
    rows = read_input(ctx.read("input"), roots=[Path(r) for r in cfg.roots])
    exposures: list[ExposureInfo] = []
    duplicates: list[tuple[ExposureInfo, str]] = []
    by_root: dict[str, ExposureInfo] = {}
    for i, row in enumerate(rows, start=1):
        exp = read_exposure(row)
        log.debug("%d/%d %s: %s %s %s %.1f s", i, len(rows), row.path.name, exp.rootname,
                  exp.detector_key, exp.filters, exp.exptime)
        first = by_root.get(exp.rootname)
        if first is None:
            by_root[exp.rootname] = exp
            exposures.append(exp)
            continue
        keep, drop = (exp, first) if _canonical(exp) and not _canonical(first) else (first, exp)
        if keep is exp:
            exposures[exposures.index(first)] = exp
            by_root[exp.rootname] = exp
        reason = f"duplicate of {keep.path.name} (same ROOTNAME {exp.rootname})"
        duplicates.append((drop, reason))
        log.warning("%s: %s; not processed twice", drop.path, reason)
    ctx.provenance.add_inputs([e.path for e in exposures])
    log.info("read %d exposures from %s (%d duplicates)", len(exposures), ctx.read("input"),
             len(duplicates))
    ctx.write("exposures", exposures)
    ctx.write("duplicates", duplicates)


def _canonical(exp: ExposureInfo) -> bool:
    """Whether the file carries the archive name ``<rootname>_fl?.fits``."""
    return exp.path.name.lower().startswith(exp.rootname)
