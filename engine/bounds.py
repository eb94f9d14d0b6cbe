"""Bounds of parameter fields (``minimum``, ``enum``, ...), declared with the fields themselves.

Domain parameter dataclasses (``hapsvm.mosaic.params``, ``hapsvm.catalogs.params``, ...) and
step configs declare each field's JSON-Schema constraints with :func:`constrained`; the engine
reads them back with :func:`constraints_of` to write ``schemas/step/*.json``. This module
imports only the standard library, so domain code and the engine core can both use it.
"""
from __future__ import annotations

import dataclasses
from typing import Any

__all__ = ["constrained", "constraints_of"]

#: Key of a field's ``metadata`` holding its constraints.
_METADATA_KEY = "schema"


def constrained(default: Any = dataclasses.MISSING, **schema: Any) -> Any:
    """Declare a dataclass field with JSON-Schema constraints (``minimum=0``, ``enum=[...]``).

    Lists and dicts are given as ``default`` and copied per instance.

    Examples
    --------
    >>> from dataclasses import dataclass, fields
    >>> @dataclass(frozen=True)
    ... class Drop:
    ...     pixfrac: float = constrained(1.0, exclusiveMinimum=0, maximum=1)
    ...     bits: list[int] = constrained([16], items={"type": "integer"})
    >>> constraints_of(fields(Drop)[0]), Drop().bits is Drop().bits
    ({'exclusiveMinimum': 0, 'maximum': 1}, False)
    """
    meta = {_METADATA_KEY: schema}
    if isinstance(default, (list, dict)):
        value = default
        return dataclasses.field(default_factory=lambda: type(value)(value), metadata=meta)
    return dataclasses.field(default=default, metadata=meta)


def constraints_of(field: dataclasses.Field[Any]) -> dict[str, Any]:
    """The JSON-Schema constraints declared for a dataclass field (``{}`` if none)."""
    return dict(field.metadata.get(_METADATA_KEY, {}))
