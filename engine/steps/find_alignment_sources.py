"""Find the alignment sources on every chip of a detector's direct and ramp exposure copies."""
from __future__ import annotations

import logging
from dataclasses import dataclass
from pathlib import Path

from hapsvm import align
from hapsvm import visit
from hapsvm.align.params import SourceFindingSettings
from hapsvm.core import VisitContext
from hapsvm.core import constrained
from hapsvm.core import register_step
from hapsvm.errors import NoWorkFound
from hapsvm.parallel import run_tasks

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class FindAlignmentSourcesConfig(SourceFindingSettings):
    """Source finding for alignment (spec §5.1; per-detector values in conf/detector)."""

    max_workers: int = constrained(2, minimum=1)
    """Processes searching exposures at the same time."""


@register_step("find_alignment_sources", config=FindAlignmentSourcesConfig,
               requires=("product_tree", "input_copies"), provides=("alignment_sources",),
               scope="detector")
def find_alignment_sources(ctx: VisitContext, cfg: FindAlignmentSourcesConfig) -> None:
    """Find sources on every chip of the detector's direct (all filters) and ramp copies."""
    total = ctx.read("product_tree").total(ctx.unit)
    direct = [e for f in total.filters for e in f.exposures] + total.ramp_exposures
    if not direct:
        raise NoWorkFound(f"{total.detector_key} has no direct exposure to align")
    ordered = visit.sort_exposures([d.exposure for d in direct])
    order = {e.rootname: i for i, e in enumerate(ordered)}
    direct.sort(key=lambda d: order[d.exposure.rootname])
    copies = ctx.read("input_copies")
    tasks = [_SearchTask(copies[ep.exposure.rootname], ep.exposure.rootname,
                         ep.exposure.filter_name, ep.kind, cfg) for ep in direct]
    found = run_tasks(_search, tasks, max_workers=cfg.max_workers)
    for i, (ep, sources) in enumerate(zip(direct, found), start=1):
        info = ep.exposure
        log.info("%d/%d %s (%s %s): %s sources", i, len(direct), info.rootname,
                 info.filter_name, ep.kind, " + ".join(str(len(c)) for c in sources.chips))
    ctx.write("alignment_sources", found)


@dataclass(frozen=True)
class _SearchTask:
    """One exposure to search (picklable: it crosses to a worker process)."""

    path: Path
    rootname: str
    filter_name: str
    kind: str
    settings: SourceFindingSettings


def _search(task: _SearchTask) -> align.ExposureSources:
    return align.find_exposure_sources(task.path, rootname=task.rootname,
                                       filter_name=task.filter_name, kind=task.kind,
                                       settings=task.settings)
