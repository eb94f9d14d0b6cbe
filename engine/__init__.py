"""hapsvm: single-visit mosaics and catalogs for HST visits.

``hapsvm.run_visit(input, output_dir=None, overrides=(), recipe="v1")`` processes one visit and
returns a :class:`hapsvm.VisitResult`; ``hapsvm.runsinglehap.perform(input_filename)`` is the
drizzlepac-shaped entry point returning an exit code. The command line is ``svm``.
The names below load on first use, so ``import hapsvm`` is cheap.
"""
from __future__ import annotations

from typing import TYPE_CHECKING

from hapsvm.lazy import lazy_exports

__version__ = "0.1.0"

if TYPE_CHECKING:  # the exports: read by editors and type checkers, and by lazy_exports
    from hapsvm import runsinglehap as runsinglehap
    from hapsvm.api import StepOutcome as StepOutcome
    from hapsvm.api import VisitResult as VisitResult
    from hapsvm.api import run_visit as run_visit

__getattr__, __dir__, _exported = lazy_exports(__name__, __file__)
__all__ = ["__version__", *_exported]
