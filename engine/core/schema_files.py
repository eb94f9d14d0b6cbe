"""Write ``schemas/step/<name>.schema.json`` for every registered step (``svm-schemas``)."""
from __future__ import annotations

import json
from pathlib import Path

from hapsvm.core.registry import registered_steps
from hapsvm.core.schema import config_schema

__all__ = ["step_schema_text", "write_step_schemas"]


def step_schema_text(name: str) -> str:
    """The JSON text of one registered step's schema."""
    spec = registered_steps()[name]
    schema = {"$schema": "https://json-schema.org/draft/2020-12/schema",
              "$id": f"hapsvm/step/{name}.schema.json", "title": name,
              **config_schema(spec.config)}
    if spec.description:
        schema["description"] = spec.description
    return json.dumps(schema, indent=2) + "\n"


def write_step_schemas(schemas_dir: Path) -> list[Path]:
    """(Re)write the schema file of every registered step; return the paths written."""
    out = []
    (schemas_dir / "step").mkdir(parents=True, exist_ok=True)
    for name in sorted(registered_steps()):
        path = schemas_dir / "step" / f"{name}.schema.json"
        path.write_text(step_schema_text(name))
        out.append(path)
    return out
