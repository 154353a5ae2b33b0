"""Engine events as rows of the session database, in the column order `schema.py` declares.

The recorder's writer thread makes a batch's rows with `quick_rows` (a frame or a meter sample
costs one list and one timestamp) and the store inserts them many to a statement. Only when
SQLite refuses a value does the batch go again through `event_rows`, which checks every value:
text SQLite cannot take is escaped (see text.py), and an event that cannot become a row (a value
SQLite has no type for) is not allowed to block the batch: it is stored as an `events` row of
kind "unrecordable" naming what it was, and the rest of the batch goes in.
"""

from __future__ import annotations

import json
import logging
import math
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from ocpplab_desktop.model.events import ConnectorStateChanged, MeterSample, StationEvent
from ocpplab_desktop.protocol.frame import Frame
from ocpplab_desktop.store.schema import EVENTS, FRAMES, METER_SAMPLES, Table
from ocpplab_desktop.store.status import RecordingStatus
from ocpplab_desktop.store.text import ESCAPED, escape_values

log = logging.getLogger(__name__)

Recordable = Frame | MeterSample | ConnectorStateChanged | StationEvent | RecordingStatus
TimedEvent = tuple[Recordable, float]
"""An event the store can record, with the wall-clock time it was seen (frames carry their own)."""

_SQL_MIN_INT, _SQL_MAX_INT = -(2**63), 2**63 - 1
UNRECORDABLE = "unrecordable"
"""The events kind of a row that stands for an event the store could not turn into a row."""
MAX_REPR = 10_000


def iso_utc(wall_time: float) -> str:
    """ISO-8601 UTC with milliseconds, e.g. 2025-03-01T12:00:00.123Z."""
    # The date and time to the second are formatted once a second: a fleet stores thousands of rows in it.
    # As datetime.fromtimestamp does: the fraction rounded half-even to microseconds, then cut to milliseconds.
    fraction, whole = math.modf(wall_time)
    micros = round(fraction * 1e6)
    if micros < 0:
        whole, micros = whole - 1, micros + 1_000_000
    elif micros >= 1_000_000:
        whole, micros = whole + 1, micros - 1_000_000
    second, millis = int(whole), micros // 1000
    prefix = _seconds.get(second)
    if prefix is None:
        if len(_seconds) > 64:
            _seconds.clear()
        prefix = _seconds[second] = datetime.fromtimestamp(second, UTC).strftime("%Y-%m-%dT%H:%M:%S")
    return f"{prefix}.{millis:03d}Z"


_seconds: dict[int, str] = {}


def insert_columns(table: Table) -> tuple[str, ...]:
    """The columns an insert fills: all but an integer row id, which SQLite assigns in order."""
    return tuple(name for name in table.column_names() if name != "id")


def insert_sql(table: Table, rows: int = 1) -> str:
    """An INSERT of `rows` rows of the columns `insert_columns` names."""
    columns = insert_columns(table)
    values = ", ".join([f"({', '.join('?' * len(columns))})"] * rows)
    return f"INSERT INTO {table.name} ({', '.join(columns)}) VALUES {values}"


_FRAME_COLUMNS = insert_columns(FRAMES)
_SAMPLE_COLUMNS = insert_columns(METER_SAMPLES)
_EVENT_COLUMNS = insert_columns(EVENTS)


def prepared(names: tuple[str, ...], values: list[Any]) -> list[Any]:
    """`values` (one per name, the last being `escaped`) ready to bind: text escaped where needed.

    Raises TypeError for a value SQLite has no type for, so the caller can set the event aside
    before it spoils a whole `executemany`.
    """
    for index, value in enumerate(values):
        kind = type(value)
        if kind is str or kind is float or value is None:
            continue
        if kind is not int or not _SQL_MIN_INT <= value <= _SQL_MAX_INT:
            raise TypeError(f"column {names[index]} cannot hold {value!r:.80}")
    values[-1] = escape_values(names, values)
    return values


def event_rows(session_id: int, timed_events: Iterable[TimedEvent]) -> dict[Table, list[list[Any]]]:
    """The rows of a batch, per table, in the order the events were seen."""
    # Lists by table name: a Table's hash walks every column it declares, once per event.
    rows: dict[str, list[list[Any]]] = {FRAMES.name: [], METER_SAMPLES.name: [], EVENTS.name: []}
    for event, wall_time in timed_events:
        try:
            table, row = _row(session_id, event, wall_time)
        except Exception as exc:  # whatever went wrong, the event is stored as what it was, not lost
            log.error("session %d: a %s could not be stored as it is (%s); kept as its repr", session_id,
                      type(event).__name__, exc)  # fmt: skip
            table, row = EVENTS, _unrecordable_row(session_id, event, wall_time, exc)
        rows[table.name].append(row)
    return {FRAMES: rows[FRAMES.name], METER_SAMPLES: rows[METER_SAMPLES.name], EVENTS: rows[EVENTS.name]}


def quick_rows(session_id: int, timed_events: Iterable[TimedEvent]) -> dict[Table, list[list[Any]]]:
    """`event_rows` without checking a frame's or a sample's values: what a fleet's batches take.

    Their values are of the types the columns declare, so the one thing that can be wrong is text
    SQLite cannot take (a lone surrogate from the wire), and binding it raises UnicodeEncodeError:
    the caller then rolls the batch back and writes it again from `event_rows`, which escapes it.
    Every other event goes through `event_rows`' checks."""
    frames: list[list[Any]] = []
    samples: list[list[Any]] = []
    events: list[TimedEvent] = []
    for timed in timed_events:
        event = timed[0]
        kind = type(event)
        if kind is Frame:
            frames.append(_frame_row(session_id, event))  # type: ignore[arg-type]
        elif kind is MeterSample:
            samples.append(sample_values(session_id, event, timed[1]))  # type: ignore[arg-type]
        else:
            events.append(timed)
    return {FRAMES: frames, METER_SAMPLES: samples, EVENTS: event_rows(session_id, events)[EVENTS] if events else []}


def _frame_row(session_id: int, f: Frame) -> list[Any]:
    # In _FRAME_COLUMNS' order (checked below, when this module is imported): the values of `to_record()`.
    return [
        session_id, f.seq, iso_utc(f.wall_time), f.wall_time, f.mono_time, f.station_id, f.side.value,
        f.direction.value, f.message_type.value, f.unique_id, f.action, f.raw, f.error, f.rtt_ms, f.note,
        f.intended, None,
    ]  # fmt: skip


def _check_row_order(builder: str, written: tuple[str, ...], columns: tuple[str, ...]) -> None:
    if written != columns:  # pragma: no cover - a schema change must change the builder too
        raise ImportError(f"rows.{builder} is out of step with its table's columns: {columns}")


_check_row_order("_frame_row", (
    "session_id", "seq", "ts", "wall_time", "mono_time", "station_id", "side", "direction", "message_type",
    "unique_id", "action", "raw", "error", "rtt_ms", "note", "intended", ESCAPED,
), _FRAME_COLUMNS)  # fmt: skip


def frame_values(session_id: int, frame: Frame) -> list[Any]:
    """A frame's row. Raises ValueError or OverflowError for a wall time out of range, TypeError (see `prepared`)."""
    return prepared(_FRAME_COLUMNS, _frame_row(session_id, frame))


def _row(session_id: int, event: Recordable, wall_time: float) -> tuple[Table, list[Any]]:
    if isinstance(event, Frame):
        return FRAMES, frame_values(session_id, event)
    if isinstance(event, MeterSample):
        return METER_SAMPLES, prepared(_SAMPLE_COLUMNS, sample_values(session_id, event, wall_time))
    return EVENTS, prepared(_EVENT_COLUMNS, _event_values(session_id, event, wall_time))


def sample_values(session_id: int, sample: MeterSample, wall_time: float) -> list[Any]:
    # In _SAMPLE_COLUMNS' order (checked below, when this module is imported).
    currents = sample.current_a
    count = len(currents)
    return [
        session_id, sample.station_id, sample.evse_id, sample.connector_id, sample.sim_time, iso_utc(wall_time),
        sample.energy_wh, sample.power_w, sample.limit_w, sample.voltage_v,
        currents[0] if count > 0 else None, currents[1] if count > 1 else None, currents[2] if count > 2 else None,
        sample.soc, int(sample.on_wire), None,
    ]  # fmt: skip


_check_row_order("sample_values", (
    "session_id", "station_id", "evse_id", "connector_id", "sim_time", "ts", "energy_wh", "power_w", "limit_w",
    "voltage_v", "current_l1", "current_l2", "current_l3", "soc", "on_wire", ESCAPED,
), _SAMPLE_COLUMNS)  # fmt: skip


def _event_values(
    session_id: int, event: ConnectorStateChanged | StationEvent | RecordingStatus, wall_time: float
) -> list[Any]:
    if isinstance(event, ConnectorStateChanged):
        station_id, kind = event.station_id, "state"
        detail = f"EVSE {event.evse_id} connector {event.connector_id}: {event.old} -> {event.new} ({event.cause})"
        data: dict[str, Any] = {
            "evse_id": event.evse_id,
            "connector_id": event.connector_id,
            "old": event.old,
            "new": event.new,
            "cause": event.cause,
            "forced": event.forced,
        }
    elif isinstance(event, RecordingStatus):
        station_id, kind, detail = "", "recording", event.detail
        data = {"failing": event.failing, "reason": event.reason, "held": event.held}
    else:
        station_id, kind, detail, data = event.station_id, event.kind, event.detail, event.data
    return _event_list(
        session_id, wall_time, mono_time=event.mono_time, station_id=station_id, kind=kind, detail=detail, data=data
    )


def _unrecordable_row(session_id: int, event: Any, wall_time: float, exc: Exception) -> list[Any]:
    detail = f"a {type(event).__name__} that could not be stored as it is: {exc}"
    data = {"type": type(event).__name__, "repr": repr(event)[:MAX_REPR]}
    station_id = getattr(event, "station_id", "")
    mono_time = getattr(event, "mono_time", 0.0)
    return prepared(
        _EVENT_COLUMNS,
        _event_list(
            session_id,
            wall_time,
            mono_time=float(mono_time) if isinstance(mono_time, int | float) else 0.0,
            station_id=station_id if isinstance(station_id, str) else repr(station_id),
            kind=UNRECORDABLE,
            detail=detail,
            data=data,
        ),
    )


def _event_list(
    session_id: int, wall_time: float, *, mono_time: float, station_id: str, kind: str, detail: str, data: Any
) -> list[Any]:
    values = {
        "session_id": session_id,
        "ts": iso_utc(wall_time),
        "mono_time": mono_time,
        "station_id": station_id,
        "kind": kind,
        "detail": detail,
        "data": json.dumps(data, default=str),
        ESCAPED: None,
    }
    return [values[name] for name in _EVENT_COLUMNS]
