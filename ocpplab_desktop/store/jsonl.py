"""The JSON Lines trace format: one frame per line, each line exactly `Frame.to_record()`.

Nothing else is in the file: no header, no session metadata. Any line of an export is
therefore a frame, files can be concatenated or cut with line tools, and an import names the
new session after the file.

A line is written with non-ASCII text as it is (UTF-8), except when the frame holds text that
has no UTF-8 form (a lone surrogate a peer sent as `\\ud800`) or that the output stream cannot
encode: then that line is written in ASCII with JSON escapes, which reads back to the same text.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from typing import TextIO

from ocpplab_desktop.protocol.frame import Frame
from ocpplab_desktop.store.errors import ExportCancelled

PROGRESS_EVERY = 2000
"""Frames between two progress reports of an export."""
Progress = Callable[[int], bool]
"""Told how many frames are done; returns False to cancel."""


def write_jsonl(frames: Iterable[Frame], stream: TextIO, progress: Progress | None, every: int) -> int:
    """Write one line per frame; returns how many. `progress` is called every `every` frames and at the end."""
    count = 0
    for frame in frames:
        record = frame.to_record()
        try:
            stream.write(json.dumps(record, ensure_ascii=False) + "\n")
        except UnicodeEncodeError:  # encoding happens before anything is written, so nothing is half-written
            stream.write(json.dumps(record) + "\n")
        count += 1
        if progress is not None and count % every == 0 and not progress(count):
            raise ExportCancelled(f"export stopped after {count:,} frames")
    if progress is not None:
        progress(count)
    return count


def parse_line(line: bytes) -> Frame:
    record = json.loads(line.decode("utf-8").strip())
    if not isinstance(record, dict):
        raise ValueError(f"expected a JSON object, got {type(record).__name__}")
    for key in ("station_id", "raw"):
        if not isinstance(record.get(key), str):
            raise ValueError(f"field {key!r} must be a string")
    return Frame.from_record(record)


def reason(exc: Exception) -> str:
    """Why a line is not a frame, in a few words."""
    if isinstance(exc, KeyError):
        return f"missing field {exc.args[0]!r}"
    if isinstance(exc, UnicodeDecodeError):
        return "not UTF-8 text"
    if isinstance(exc, json.JSONDecodeError):
        return f"not JSON: {exc.msg} (column {exc.colno})"
    return str(exc)
