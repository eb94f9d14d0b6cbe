"""How previews look: the display stretch (in units of the sky noise σ) and the JPEG files.

The step ``make_previews`` extends :class:`PreviewSettings` as its config: each field is a
recipe key, its docstring the schema description and its bounds the schema's limits.
"""
from __future__ import annotations

from dataclasses import dataclass

from hapsvm.bounds import constrained

__all__ = ["PreviewSettings", "StretchSettings"]


@dataclass(frozen=True)
class StretchSettings:
    """How a SCI array becomes display values in [0, 1], in units of the sky noise σ."""

    black_sigma: float = constrained(2.0, minimum=0, maximum=20)
    """Black level below the sky (sigma-clipped median), in units of the sky noise σ."""
    softening_sigma: float = constrained(2.0, exclusiveMinimum=0, maximum=100)
    """Asinh softening in σ: the stretch is linear below it (noise visible), logarithmic above."""
    white_percentile: float = constrained(99.0, exclusiveMinimum=0, maximum=100)
    """Percentile of the source pixels (more than 5 σ above the sky) shown white."""
    min_white_sigma: float = constrained(50.0, exclusiveMinimum=0)
    """Lowest white level above the sky, in σ (keeps an image of pure noise dark)."""


@dataclass(frozen=True)
class PreviewSettings(StretchSettings):
    """The stretch (:class:`StretchSettings`) and the JPEG files' quality and sizes."""

    quality: int = constrained(90, minimum=1, maximum=95)
    """JPEG quality."""
    thumbnail_px: int = constrained(256, minimum=16, maximum=256)
    """Long side of the thumbnails, pixels."""
    max_preview_px: int = constrained(8192, minimum=256)
    """Previews of larger products are shrunk to this long side, pixels."""
