"""JSON Schemas generated from step config dataclasses, and validation of composed configs.

A config field's schema comes from its type, its attribute docstring (the ``description``) and
the constraints given with :func:`hapsvm.bounds.constrained` (``minimum``, ``enum``, ...), which
domain parameter dataclasses declare with their fields (a step config extends them). The files in
``schemas/`` are written from the registry by ``svm-schemas`` and a contract test keeps them
in step with the code; validation always uses the files, so a schema can also be read by users.
"""
from __future__ import annotations

import ast
import dataclasses
import inspect
import json
import textwrap
import types
import typing
from pathlib import Path
from typing import Any

import jsonschema

from hapsvm.bounds import constrained
from hapsvm.bounds import constraints_of
from hapsvm.errors import ConfigError

__all__ = ["constrained", "config_schema", "field_docs", "validate_against", "load_schema"]

_SCALARS: dict[Any, dict[str, Any]] = {
    bool: {"type": "boolean"},
    int: {"type": "integer"},
    float: {"type": "number"},
    str: {"type": "string"},
}


def field_docs(cls: type) -> dict[str, str]:
    """Return the attribute docstrings of a dataclass (the string right after each field)."""
    docs: dict[str, str] = {}
    for klass in reversed(cls.__mro__):
        if not dataclasses.is_dataclass(klass):
            continue
        try:
            source = textwrap.dedent(inspect.getsource(klass))
        except (OSError, TypeError):
            continue
        body = ast.parse(source).body[0].body  # type: ignore[attr-defined]
        for node, nxt in zip(body, body[1:]):
            if (isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name)
                    and isinstance(nxt, ast.Expr) and isinstance(nxt.value, ast.Constant)
                    and isinstance(nxt.value.value, str)):
                docs[node.target.id] = " ".join(nxt.value.value.split())
    return docs


def _type_schema(tp: Any) -> dict[str, Any]:
    origin = typing.get_origin(tp)
    args = typing.get_args(tp)
    if tp in _SCALARS:
        return dict(_SCALARS[tp])
    if isinstance(tp, type) and dataclasses.is_dataclass(tp):
        return config_schema(tp)
    if origin in (list, tuple):
        return {"type": "array", "items": _type_schema(args[0]) if args else {}}
    if origin is dict:
        return {"type": "object", "additionalProperties": _type_schema(args[1]) if args else {}}
    if origin in (typing.Union, types.UnionType):
        non_none = [a for a in args if a is not type(None)]
        inner = [_type_schema(a) for a in non_none]
        if len(non_none) < len(args):
            inner.append({"type": "null"})
        return {"anyOf": inner}
    if origin is typing.Literal:
        return {"enum": list(args)}
    raise TypeError(f"unsupported config field type {tp!r}")


def config_schema(cls: type) -> dict[str, Any]:
    """Build the JSON Schema (draft 2020-12 object) of a config dataclass."""
    hints = typing.get_type_hints(cls)
    docs = field_docs(cls)
    props: dict[str, Any] = {}
    required: list[str] = []
    for f in dataclasses.fields(cls):
        prop = _type_schema(hints[f.name])
        prop.update(constraints_of(f))
        if f.name in docs:
            prop["description"] = docs[f.name]
        props[f.name] = prop
        required.append(f.name)
    schema: dict[str, Any] = {"type": "object", "properties": props, "required": required,
                              "additionalProperties": False}
    if cls.__doc__ and not cls.__doc__.startswith(cls.__name__ + "("):
        schema["description"] = " ".join(cls.__doc__.split())
    return schema


def load_schema(path: Path) -> dict[str, Any]:
    """Read a JSON Schema file."""
    return json.loads(path.read_text())


def validate_against(value: Any, schema: dict[str, Any], *, where: str) -> None:
    """Validate ``value`` (plain data) against ``schema``; raise ``ConfigError`` naming the key.

    Parameters
    ----------
    value
        Plain Python data (a dict from ``OmegaConf.to_container``).
    schema
        The JSON Schema.
    where
        Dotted prefix of ``value`` in the whole config, used in the message (e.g. ``drizzle``).
    """
    validator = jsonschema.Draft202012Validator(schema)
    errors = sorted(validator.iter_errors(value), key=lambda e: list(e.absolute_path))
    if not errors:
        return
    err = errors[0]
    key = ".".join([where, *[str(p) for p in err.absolute_path]])
    allowed = err.schema.get("enum") if isinstance(err.schema, dict) else None
    raise ConfigError(f"{err.message} (schema rule: {err.validator})", key=key,
                      value=err.instance, allowed=allowed)
