"""Text that SQLite cannot take as-is, stored without loss.

SQLite keeps TEXT as UTF-8. A str holding a lone UTF-16 surrogate has no UTF-8 form, and
Python's sqlite3 refuses it with UnicodeEncodeError; `json.loads` makes such a str from a frame
like `[2,"\\ud800","Heartbeat",{}]`, so a station or a CSMS can send one. Such a value is stored
as its JSON string literal with every non-ASCII character escaped (`json.dumps(value)`: the
surrogate becomes `"\\ud800"`, quotes included), and the row's `escaped` column lists the columns
so stored, comma-separated. `json.loads` of a listed column gives the exact text back.

Everything else is stored as it is, so an ordinary row costs one flag check per text value. That
includes a NUL: SQLite stores text with its length, and Python's sqlite3 binds and reads it whole
(only SQL functions such as `length()` and the sqlite3 shell's display stop at it), so the `raw`
column keeps what the wire carried, byte for byte, for any program that reads it.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

ESCAPED = "escaped"
"""The column that lists a row's escaped columns."""


def needs_escape(value: str) -> bool:
    """True for text SQLite cannot take as-is: text with a lone surrogate, which has no UTF-8 form."""
    if value.isascii():
        return False
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


def stored_form(value: str) -> str:
    """`value` as a text column holds it: to compare a column with, in a WHERE clause."""
    return json.dumps(value) if needs_escape(value) else value


def escape_values(names: Sequence[str], values: list[Any]) -> str | None:
    """Escape, in place, the text values that need it; returns the `escaped` column's value."""
    escaped = None
    for index, value in enumerate(values):
        if type(value) is str and needs_escape(value):
            values[index] = json.dumps(value)
            escaped = names[index] if escaped is None else f"{escaped},{names[index]}"
    return escaped


def escape_row(row: dict[str, Any]) -> dict[str, Any]:
    """`row` with its text values escaped where needed and its `escaped` column set."""
    names = list(row)
    values = list(row.values())
    escaped = escape_values(names, values)
    return {**dict(zip(names, values, strict=True)), ESCAPED: escaped}


def restore_row(row: dict[str, Any]) -> dict[str, Any]:
    """A row as read from the database, with its escaped columns turned back into the original text."""
    listed = row.get(ESCAPED)
    if listed:
        row = dict(row)
        for name in listed.split(","):
            row[name] = json.loads(row[name])
    return row
