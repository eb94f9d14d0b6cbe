"""Where hapsvm's configuration data lives: ``conf/``, ``svm_recipes/`` and ``schemas/``."""
from __future__ import annotations

import os
from pathlib import Path

from engine.core import ProjectPaths

__all__ = ["PROJECT_ROOT", "project_paths"]

#: The checkout (editable install) holding conf/, svm_recipes/ and schemas/.
PROJECT_ROOT = Path(__file__).resolve().parent.parent


def project_paths() -> ProjectPaths:
    """Paths of the config data; ``HAPSVM_ROOT`` overrides the checkout location."""
    root = Path(os.environ.get("HAPSVM_ROOT", PROJECT_ROOT))
    return ProjectPaths.from_root(root)
