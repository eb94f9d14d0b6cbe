"""``svm-schemas``: regenerate ``schemas/step/*.schema.json`` from the registered steps."""
from __future__ import annotations

import sys
from pathlib import Path

import hapsvm.steps  # noqa: F401  (registers every implemented step)
from hapsvm.core.schema_files import write_step_schemas
from hapsvm.paths import project_paths

__all__ = ["main"]


def main() -> None:
    """Write one schema per registered step into SCHEMAS_DIR (default: the project's)."""
    target = Path(sys.argv[1]) if len(sys.argv) > 1 else project_paths().schemas
    for path in write_step_schemas(target):
        print(path)
