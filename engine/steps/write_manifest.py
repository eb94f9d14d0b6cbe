"""Write the visit manifest: one line per file the run wrote (spec §10)."""
from __future__ import annotations

import logging
from dataclasses import dataclass

from hapsvm.core import VisitContext, register_step

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class WriteManifestConfig:
    """The manifest has no parameters."""


@register_step("write_manifest", config=WriteManifestConfig, requires=("product_tree",),
               provides=())
def write_manifest(ctx: VisitContext, cfg: WriteManifestConfig) -> None:
    """List every product written so far (recipe files excluded) in the manifest file."""
    name = ctx.read("product_tree").manifest
    files = [p.name for p in ctx.written]
    text = "".join(f"{f}\n" for f in dict.fromkeys(files))
    ctx.save_product(name, lambda p: p.write_text(text))
    log.info("manifest %s lists %d files", name, len(files))
