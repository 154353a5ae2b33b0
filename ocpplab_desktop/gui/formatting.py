"""Display text for frames and times, shared by the log, its detail pane and the plots.

Nothing here runs on the hot path: the log model calls these lazily for the rows on screen.
A payload's one-line summary and the search text of a frame are `protocol.logbook`'s.
"""

from __future__ import annotations

import json
import time
from collections import Counter
from datetime import datetime

from ocpplab_desktop.model.config import StationConfig
from ocpplab_desktop.protocol.frame import Direction, Frame, MessageType
from ocpplab_desktop.protocol.logbook import SUMMARY_LIMIT, payload_summary, truncate

ARROWS = {Direction.TO_CSMS: "→", Direction.TO_STATION: "←"}
DIRECTION_NAMES = {Direction.TO_CSMS: "→ CSMS", Direction.TO_STATION: "← station"}
TYPE_LABELS = {
    MessageType.CALL: "CALL",
    MessageType.CALLRESULT: "RESULT",
    MessageType.CALLERROR: "ERROR",
    MessageType.INVALID: "INVALID",
}


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


def local_time(iso_utc: str) -> str:
    """A stored UTC timestamp as local `YYYY-MM-DD HH:MM:SS`."""
    return datetime.fromisoformat(iso_utc).astimezone().strftime("%Y-%m-%d %H:%M:%S")
