"""Write the detector's alignment into its direct and ramp copies, with headerlet files."""
from __future__ import annotations

import logging
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from hapsvm import align
from hapsvm import visit
from hapsvm.core import VisitContext
from hapsvm.core import register_step
from hapsvm.errors import NoWorkFound

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class ApplyAlignmentConfig:
    """How an accepted alignment is written."""

    write_headerlets: bool = True
    """Write ``B<filter>_<ipppssoo>_hlet.fits`` beside each aligned copy."""


def _update(src: Path, ep: visit.ExposureProduct, alignment: align.DetectorAlignment,
            reference: str) -> tuple[Callable[[Path], None], list[bytes]]:
    """A writer for ``save_product`` that keeps the headerlet bytes it produced."""
    out: list[bytes] = []

    def write(tmp: Path) -> None:
        shutil.copyfile(src, tmp)
        out.append(align.update_exposure(tmp, alignment.exposures[ep.exposure.rootname],
                                         alignment, copy_name=ep.input_copy,
                                         reference_name=reference))

    return write, out


def _mark(src: Path, reason: str, catalogs: list[str]) -> Callable[[Path], None]:
    """A writer for ``save_product``: the copy with ``SVMALIGN = 'FAILED: <reason>'`` and one
    ``SVMCAT<i>`` line per catalogue tried."""
    def write(tmp: Path) -> None:
        shutil.copyfile(src, tmp)
        align.mark_unaligned(tmp, reason, catalogs)
    return write


@register_step("apply_alignment", config=ApplyAlignmentConfig,
               requires=("product_tree", "input_copies", "alignment"), provides=("headerlets",),
               scope="detector")
def apply_alignment(ctx: VisitContext, cfg: ApplyAlignmentConfig) -> None:
    """Give each aligned copy its new WCS (old one archived) or record why it kept its WCS."""
    total = ctx.read("product_tree").total(ctx.unit)
    alignment: align.DetectorAlignment = ctx.read("alignment")
    copies = ctx.read("input_copies")
    direct = [e for f in total.filters for e in f.exposures] + total.ramp_exposures
    if not direct:
        raise NoWorkFound(f"{total.detector_key} has no direct exposure")
    by_root = {e.exposure.rootname: e for e in direct}
    reference = by_root[alignment.relative.reference].base \
        if alignment.relative.reference in by_root else "N/A"
    headerlets: dict[str, Path] = {}
    for i, ep in enumerate(direct, start=1):
        root = ep.exposure.rootname
        src = copies[root]
        if not alignment.succeeded or root not in alignment.exposures:
            why = alignment.reason or "exposure not aligned"
            ctx.save_product(ep.input_copy, _mark(src, why, alignment.catalog_outcomes))
            log.warning("%d/%d %s keeps its WCS: %s", i, len(direct), ep.input_copy, why)
            continue
        write, hlet = _update(src, ep, alignment, reference)
        ctx.save_product(ep.input_copy, write)
        sol = alignment.exposures[root]
        dra, ddec = sol.offset_radec_arcsec
        log.info("%d/%d %s: %s, shift (%+.3f″, %+.3f″), rotation %+.4f°", i, len(direct),
                 root, alignment.wcsname_suffix, dra, ddec, sol.correction.rotation_deg)
        if cfg.write_headerlets and hlet:
            headerlets[root] = ctx.save_product(
                ep.headerlet, lambda tmp, data=hlet[0]: tmp.write_bytes(data))
    ctx.write("headerlets", headerlets)
