"""Errors raised by the alignment package."""
from __future__ import annotations

from hapsvm.errors import AlgorithmError

__all__ = ["AlignmentError", "CatalogUnavailableError"]


class AlignmentError(AlgorithmError):
    """An alignment could not be computed or applied (the exposures keep their WCS)."""


class CatalogUnavailableError(AlignmentError):
    """A reference catalogue could not be obtained (service error, bad reply, no file)."""
