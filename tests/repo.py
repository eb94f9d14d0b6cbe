"""Where the checkout under test lies (tests read its files; the package may be installed)."""
from __future__ import annotations

from pathlib import Path

__all__ = ["REPO_ROOT", "SOURCE_DIR"]

#: The repository checkout holding engine/, conf/, svm_recipes/, schemas/ and tests/.
REPO_ROOT = Path(__file__).resolve().parent.parent
#: The package's source folder (imported as ``hapsvm``).
SOURCE_DIR = REPO_ROOT / "engine"
