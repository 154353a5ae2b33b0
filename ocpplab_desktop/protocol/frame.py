"""The `Frame` record: one raw OCPP-J message as it crossed the wire, parsed once.

This is the one place that defines what the lab knows about a frame. The store's
`frames` table, the JSON Lines export and the log view are all built from these fields.
"""

from __future__ import annotations

import itertools
import json
import time
from dataclasses import replace
from enum import IntEnum, StrEnum
from typing import Any

from ocpplab_desktop.model.records import record


class Direction(StrEnum):
    """Absolute direction on the link, independent of which side recorded it."""

    TO_CSMS = "to_csms"
    TO_STATION = "to_station"


class Side(StrEnum):
    """Which endpoint's tap saw the frame."""

    STATION = "station"
    CSMS = "csms"


class MessageType(IntEnum):
    """OCPP-J MessageTypeId (1.6J section 4.1.3, 2.0.1 part 4 section 4.1.3); 0 = unreadable."""

    INVALID = 0
    CALL = 2
    CALLRESULT = 3
    CALLERROR = 4


_seq = itertools.count(1)


@record
class Frame:
    """One frame as it crossed the wire.

    `message` is the parsed JSON array (None when the text was not valid JSON) so that
    no consumer ever parses `raw` again. `error` holds the validation result: None for a
    valid frame, otherwise the OCPP error code and what was wrong. For a CALLRESULT or
    CALLERROR, `action` is the action of the CALL it answers and `rtt_ms` the time since
    that CALL crossed the same tap.
    """

    seq: int
    wall_time: float
    mono_time: float
    station_id: str
    side: Side
    direction: Direction
    message_type: MessageType
    unique_id: str | None
    action: str | None
    raw: str
    message: Any = None
    error: str | None = None
    rtt_ms: float | None = None
    note: str | None = None
    intended: str | None = None
    """For a frame an interceptor altered (a fault, a replay mapping): the text the sender meant;
    `raw` is what the wire carried. None when the two are the same."""

    @property
    def payload(self) -> Any:
        """The payload object (CALL: element 3, CALLRESULT: element 2, CALLERROR: details)."""
        msg = self.message
        if not isinstance(msg, list):
            return None
        index = {MessageType.CALL: 3, MessageType.CALLRESULT: 2, MessageType.CALLERROR: 4}.get(self.message_type)
        if index is None or len(msg) <= index:
            return None
        return msg[index]

    @property
    def error_code(self) -> str | None:
        """For a CALLERROR, its error code."""
        msg = self.message
        if self.message_type is MessageType.CALLERROR and isinstance(msg, list) and len(msg) > 2:
            return str(msg[2])
        return None

    def to_record(self) -> dict[str, Any]:
        """A flat, JSON-ready dict: the row of the store and the line of an export."""
        return {
            "seq": self.seq,
            "wall_time": self.wall_time,
            "mono_time": self.mono_time,
            "station_id": self.station_id,
            "side": self.side.value,
            "direction": self.direction.value,
            "message_type": int(self.message_type),
            "unique_id": self.unique_id,
            "action": self.action,
            "raw": self.raw,
            "error": self.error,
            "rtt_ms": self.rtt_ms,
            "note": self.note,
            "intended": self.intended,
        }

    def held(self) -> Frame:
        """This frame without its parsed message, for keeping many of them (the window's log).

        A parsed MeterValues is a few dozen dicts and lists, each one more object for the cyclic
        garbage collector to walk on every full collection; the raw text is one string it skips.
        `parsed()` gives the whole frame back."""
        if self.message is None:
            return self
        # Built field by field: dataclasses.replace costs several times as much, per frame of the log.
        return Frame(
            self.seq, self.wall_time, self.mono_time, self.station_id, self.side, self.direction,
            self.message_type, self.unique_id, self.action, self.raw, None, self.error, self.rtt_ms,
            self.note, self.intended,
        )  # fmt: skip

    def parsed(self) -> Frame:
        """This frame with `message` parsed from `raw` (itself when it already has it, or when the
        text is not JSON)."""
        if self.message is not None:
            return self
        message = parse_json(self.raw)
        return self if message is None else replace(self, message=message)

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Frame:
        """Rebuild a frame from `to_record()` output (the store, an import)."""
        raw = record["raw"]
        message = parse_json(raw)
        return cls(
            seq=int(record["seq"]),
            wall_time=float(record["wall_time"]),
            mono_time=float(record["mono_time"]),
            station_id=record["station_id"],
            side=Side(record["side"]),
            direction=Direction(record["direction"]),
            message_type=MessageType(int(record["message_type"])),
            unique_id=record.get("unique_id"),
            action=record.get("action"),
            raw=raw,
            message=message,
            error=record.get("error"),
            rtt_ms=record.get("rtt_ms"),
            note=record.get("note"),
            intended=record.get("intended"),
        )


def parse_json(text: str) -> Any:
    """The JSON value of `text`, or None when it is not JSON (too deeply nested counts as not JSON)."""
    try:
        return json.loads(text)
    except (ValueError, RecursionError):
        return None


def next_seq() -> int:
    return next(_seq)


def now() -> tuple[float, float]:
    """(wall, monotonic) timestamps for a frame taken at this instant."""
    return time.time(), time.monotonic()
