"""Write the visit manifest: one line per file the run wrote (spec §10)."""
from __future__ import annotations

import logging
from dataclasses import dataclass

from hapsvm import visit
from hapsvm.core import VisitContext
from hapsvm.core import register_step
from hapsvm.errors import NoWorkFound

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WriteManifestConfig:
    """The manifest has no parameters."""


@register_step("write_manifest", config=WriteManifestConfig,
               requires=("exposures", "product_tree"), provides=(), runs_after_failure=True)
def write_manifest(ctx: VisitContext, cfg: WriteManifestConfig) -> None:
    """List every product written so far (recipe files excluded) in the manifest file.

    Also runs when a step ended the visit early (no viable data, exit 65, included), as
    runsinglehap does: the manifest then lists what was written before, possibly nothing.
    """
    name = _manifest_name(ctx)
    files = [p.name for p in ctx.written]
    text = "".join(f"{f}\n" for f in dict.fromkeys(files))
    ctx.save_product(name, lambda p: p.write_text(text))
    log.info("manifest %s lists %d files", name, len(files))


def _manifest_name(ctx: VisitContext) -> str:
    """The product tree's manifest name; before there is a tree, the first exposure's."""
    if ctx.has("product_tree"):
        return str(ctx.read("product_tree").manifest)
    exposures = ctx.read("exposures") if ctx.has("exposures") else []
    if not exposures:
        raise NoWorkFound("no exposure header was read, so the manifest has no name")
    # spec §10: on early failure the name comes from the first input's INSTRUME and ROOTNAME
    return str(visit.manifest_name(exposures[0].instrument, exposures[0].rootname))
