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


@functools.cache
def _field_table(cls: type) -> tuple[tuple[str, str], ...]:
    return tuple((f.name, camel_key(f.name)) for f in fields(cls))


def to_wire(value: Any) -> Any:
    """A payload dataclass (or dict/list of them) as a JSON-ready camelCase dict, Nones removed."""
    if is_dataclass(value) and not isinstance(value, type):
        out = {}
        for name, key in _field_table(type(value)):
            item = getattr(value, name)
            if item is not None:
                out[key] = to_wire(item)
        return out
    if isinstance(value, dict):
        return {camel_key(k): to_wire(v) for k, v in value.items() if v is not None}
    if isinstance(value, list | tuple):
        return [to_wire(v) for v in value if v is not None]
    if isinstance(value, Enum):
        return value.value
    return value


def to_snake(value: Any) -> Any:
    """A wire dict with snake_case keys, recursively (what `@on` handlers receive)."""
    if isinstance(value, dict):
        return {snake_key(k): to_snake(v) for k, v in value.items()}
    if isinstance(value, list):
        return [to_snake(v) for v in value]
    return value
