"""Convert between the `ocpp` library's payload dataclasses and wire dicts, fast.

The library's own conversion runs two regular expressions per key per message. The key
spelling rules are the library's (we call its functions), but each key is converted once
and cached, and dataclass fields are read from a per-class table.
"""

from __future__ import annotations

import functools
from dataclasses import fields, is_dataclass
from enum import Enum
from typing import Any

from ocpp.charge_point import camel_to_snake_case, snake_to_camel_case


@functools.cache
def snake_key(key: str) -> str:
    return next(iter(camel_to_snake_case({key: None})))


@functools.cache
def camel_key(key: str) -> str:
    return next(iter(snake_to_camel_case({key: None})))


_TABLES: dict[type, tuple[tuple[str, str], ...] | None] = {}


def _field_table(cls: type) -> tuple[tuple[str, str], ...] | None:
    """(attribute, wire key) of a payload dataclass's fields, worked out once; None for any other type."""
    try:
        return _TABLES[cls]
    except KeyError:
        table = tuple((f.name, camel_key(f.name)) for f in fields(cls)) if is_dataclass(cls) else None
        _TABLES[cls] = table
        return table


_PLAIN = frozenset({str, int, float, bool})


def to_wire(value: Any) -> Any:
    """A payload dataclass (or dict/list of them) as a JSON-ready camelCase dict, Nones removed.

    Runs once per sent message over every value in it, so the common cases go first: plain
    values, then dicts and lists, and only then the per-class table of a dataclass.
    """
    cls = type(value)
    if cls in _PLAIN:
        return value
    if cls is dict:
        return {camel_key(k): to_wire(v) for k, v in value.items() if v is not None}
    if cls is list or cls is tuple:
        return [to_wire(v) for v in value if v is not None]
    table = _field_table(cls)
    if table is not None:
        out = {}
        for name, key in table:
            item = getattr(value, name)
            if item is not None:
                out[key] = to_wire(item)
        return out
    if isinstance(value, Enum):
        return value.value
    if isinstance(value, dict):
        return {camel_key(k): to_wire(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [to_wire(v) for v in value if v is not None]
    return value


def to_snake(value: Any) -> Any:
    """A wire dict with snake_case keys, recursively (what `@on` handlers receive)."""
    if isinstance(value, dict):
        return {snake_key(k): to_snake(v) for k, v in value.items()}
    if isinstance(value, list):
        return [to_snake(v) for v in value]
    return value
