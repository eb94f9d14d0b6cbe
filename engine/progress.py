"""Progress bars for long loops (tqdm), switched on by the CLI and silent in library use."""
from __future__ import annotations

import sys
from collections.abc import Iterable
from collections.abc import Iterator
from typing import TypeVar

from tqdm import tqdm

__all__ = ["progress", "enable_progress", "progress_enabled"]

T = TypeVar("T")
_ENABLED = False


def enable_progress(enabled: bool) -> None:
    """Show progress bars on stderr (the CLI calls this; ``quiet=true`` turns them off)."""
    global _ENABLED
    _ENABLED = enabled


def progress_enabled() -> bool:
    """Whether progress bars are shown."""
    return _ENABLED


def progress(items: Iterable[T], *, desc: str, total: int | None = None,
             unit: str = "item") -> Iterator[T]:
    """Iterate over ``items``, drawing a bar on stderr when progress output is on.

    Examples
    --------
    >>> list(progress([1, 2, 3], desc="demo"))
    [1, 2, 3]
    """
    if not _ENABLED:
        yield from items
        return
    with tqdm(items, desc=desc, total=total, unit=unit, file=sys.stderr, leave=False,
              dynamic_ncols=True) as bar:
        yield from bar
