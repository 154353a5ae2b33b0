"""Display text for frames and times, shared by the log, its detail pane and the plots.

Nothing here runs on the hot path: the log model calls these lazily for the rows on screen,
except `search_text`, which it computes once per frame when the frame arrives.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from collections.abc import Iterator
from typing import Any

from ocpplab_desktop.model.config import StationConfig
from ocpplab_desktop.protocol.frame import Direction, Frame, MessageType

ARROWS = {Direction.TO_CSMS: "→", Direction.TO_STATION: "←"}
DIRECTION_NAMES = {Direction.TO_CSMS: "→ CSMS", Direction.TO_STATION: "← station"}
TYPE_LABELS = {
    MessageType.CALL: "CALL",
    MessageType.CALLRESULT: "RESULT",
    MessageType.CALLERROR: "ERROR",
    MessageType.INVALID: "INVALID",
}

SUMMARY_LIMIT = 160
_VALUE_LIMIT = 40

# Payload fields that say most about a message, shown first in a summary, wherever they sit
# in the payload; everything else follows in payload order.
_TELLING_KEYS = (
    "eventType",
    "triggerReason",
    "chargingState",
    "stoppedReason",
    "status",
    "connectorStatus",
    "connectorId",
    "evseId",
    "errorCode",
    "reason",
    "idTag",
    "idToken",
    "transactionId",
    "type",
    "requestedMessage",
    "chargePointModel",
    "model",
)
_RANK = {key: rank for rank, key in enumerate(_TELLING_KEYS)}


def format_clock(wall_time: float) -> str:
    """Local wall-clock time as HH:MM:SS.mmm."""
    millis = int(wall_time * 1000) % 1000
    return f"{time.strftime('%H:%M:%S', time.localtime(wall_time))}.{millis:03d}"


def format_elapsed(seconds: float) -> str:
    """A duration as M:SS, or H:MM:SS from one hour on; negative durations keep their sign."""
    sign = "-" if seconds < 0 else ""
    whole = int(abs(seconds))
    hours, rest = divmod(whole, 3600)
    minutes, secs = divmod(rest, 60)
    if hours:
        return f"{sign}{hours}:{minutes:02d}:{secs:02d}"
    return f"{sign}{minutes}:{secs:02d}"


def format_kw(watts: float) -> str:
    """Watts as kW with at most two decimals and no trailing zeros: 22080 -> '22.08 kW'."""
    return f"{watts / 1000:.2f}".rstrip("0").rstrip(".") + " kW"


def station_summary(config: StationConfig) -> str:
    """One line for a template picker: 'OCPP 1.6 · 2 x Type2 22.08 kW AC', alike connectors counted."""
    kinds = Counter(f"{c.type} {format_kw(c.max_power_w)} {c.current_type.value}" for _evse, c in config.connectors())
    parts = [kind if count == 1 else f"{count} x {kind}" for kind, count in kinds.items()]
    return f"OCPP {config.ocpp_version.value}  ·  {' + '.join(parts)}"


def format_rtt(rtt_ms: float | None) -> str:
    if rtt_ms is None:
        return ""
    return f"{rtt_ms:.1f}" if rtt_ms < 100 else f"{rtt_ms:.0f}"


def truncate(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _scalar(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if value is None:
        return "null"
    return truncate(str(value), _VALUE_LIMIT)


def _fields(payload: dict[str, Any], prefix: str = "") -> Iterator[tuple[str, str, str]]:
    """(leaf key, dotted path, shown value) for the payload's fields, one level of nesting deep."""
    for key, value in payload.items():
        path = f"{prefix}{key}"
        if isinstance(value, dict):
            if prefix:
                yield key, path, "{…}"
            else:
                yield from _fields(value, f"{path}.")
        elif isinstance(value, list):
            yield key, path, f"[{len(value)}]"
        else:
            yield key, path, _scalar(value)


def payload_summary(payload: Any) -> str:
    """`key=value` pairs of a payload, the telling fields first."""
    if not isinstance(payload, dict):
        return "" if payload is None else _scalar(payload)
    fields = sorted(_fields(payload), key=lambda field: _RANK.get(field[0], len(_RANK)))
    return " ".join(f"{path}={value}" for _, path, value in fields)


def frame_summary(frame: Frame, limit: int = SUMMARY_LIMIT) -> str:
    """One line saying what the frame carries: payload fields, an error's code, or why it is invalid."""
    if frame.message_type is MessageType.INVALID:
        text = frame.error or "unreadable frame"
    elif frame.message_type is MessageType.CALLERROR:
        msg = frame.message
        description = msg[3] if isinstance(msg, list) and len(msg) > 3 else ""
        text = f"{frame.error_code}: {description}"
    else:
        text = payload_summary(frame.payload)
    return truncate(" ".join(text.split()), limit)


def search_text(frame: Frame) -> str:
    """The lowercase text the log's free-text filter searches: station, action, id and the raw frame."""
    return f"{frame.station_id}\x1f{frame.action}\x1f{frame.unique_id}\x1f{frame.raw}".lower()


def pretty_json(frame: Frame) -> str:
    """The frame as indented JSON; the raw text when it was not valid JSON."""
    if frame.message is None:
        return frame.raw
    return json.dumps(frame.message, indent=2, ensure_ascii=False)


def pretty_payload(frame: Frame) -> str:
    payload = frame.payload
    if payload is None:
        return pretty_json(frame)
    return json.dumps(payload, indent=2, ensure_ascii=False)


def frame_heading(frame: Frame) -> str:
    """`CALL BootNotification → CSMS`: what a frame is, in a few words."""
    action = f" {frame.action}" if frame.action else ""
    return f"{TYPE_LABELS[frame.message_type]}{action} {DIRECTION_NAMES[frame.direction]}"


def frame_metadata(frame: Frame) -> str:
    """Station, direction, side, id, RTT, validation error and note, joined on one line."""
    parts = [
        frame.station_id,
        DIRECTION_NAMES[frame.direction],
        f"seen by {frame.side.value}",
        f"id {frame.unique_id or '—'}",
        format_clock(frame.wall_time),
    ]
    if frame.rtt_ms is not None:
        parts.append(f"RTT {format_rtt(frame.rtt_ms)} ms")
    if frame.error:
        parts.append(f"error: {frame.error}")
    if frame.note:
        parts.append(f"note: {frame.note}")
    return " · ".join(parts)
