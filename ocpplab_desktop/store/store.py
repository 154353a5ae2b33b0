"""The session database: one SQLite file in WAL mode, read and written through sqlite-utils.

Writes come in batches (see `SessionRecorder`), each batch one transaction, so the cost of
durability is paid a few times a second rather than once per frame. WAL lets the CLI or a
second window read a session while the lab is still recording it.

Export format (JSON Lines): one frame per line, each line exactly `Frame.to_record()`, and
nothing else: no header, no session metadata. Any line of an export is therefore a
frame, files can be concatenated or cut with line tools, and an import names the new
session after the file.
"""

from __future__ import annotations

import json
import sqlite3
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from types import TracebackType
from typing import Any, TextIO

from sqlite_utils import Database

from ocpplab_desktop.model.config import StationConfig
from ocpplab_desktop.model.events import ConnectorStateChanged, MeterSample, StationEvent
from ocpplab_desktop.protocol.frame import Frame
from ocpplab_desktop.store.errors import ExportCancelled, StoreError, UnknownSessionError
from ocpplab_desktop.store.schema import EVENTS, FRAMES, METER_SAMPLES, SESSIONS, STATIONS, TABLES, migrate

# Rows per INSERT statement; sqlite-utils lowers it further to stay under SQLite's 999 variables.
INSERT_BATCH = 500
WAL_RETRY_S = 0.01
PROGRESS_EVERY = 2000
"""Frames between two progress reports of an export."""
Progress = Callable[[int], bool]
"""Told how many frames are done; returns False to cancel."""

try:
    APP_VERSION = version("ocpplab-desktop")
except PackageNotFoundError:  # running from a source tree that was never installed
    APP_VERSION = "unknown"

# An event the store can record, with the wall-clock time it was seen (frames carry their own).
TimedEvent = tuple[Frame | MeterSample | ConnectorStateChanged | StationEvent, float]


class SessionSource(StrEnum):
    LAB = "lab"
    CSMS = "csms"
    IMPORT = "import"


@dataclass(frozen=True, slots=True)
class SessionInfo:
    id: int
    name: str
    started_at: str
    ended_at: str | None
    duration_s: float | None  # None until the session is ended
    stations: tuple[str, ...]
    frame_count: int
    source: str


@dataclass(frozen=True, slots=True)
class StoredEvent:
    """A row of the `events` table (a connector state change has kind "state")."""

    ts: str
    mono_time: float
    station_id: str
    kind: str
    detail: str
    data: dict[str, Any]


@dataclass(frozen=True, slots=True)
class BadLine:
    line: int  # 1-based
    reason: str


@dataclass(frozen=True, slots=True)
class ImportResult:
    session_id: int
    frames: int
    bad_lines: tuple[BadLine, ...]


def iso_utc(wall_time: float) -> str:
    """ISO-8601 UTC with milliseconds, e.g. 2025-03-01T12:00:00.123Z."""
    return datetime.fromtimestamp(wall_time, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _seconds_between(start: str, end: str) -> float:
    return (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds()


class Store:
    """One open session database. Not thread-safe: use it from the thread that opened it."""

    def __init__(self, path: Path | str, *, timeout: float = 5.0) -> None:
        """Open or create the database at `path` and bring its schema up to date.

        `timeout` is how long a write waits for another process's write lock before failing.
        """
        self.path = Path(path)
        try:
            conn = sqlite3.connect(self.path, timeout=timeout)
        except sqlite3.Error as exc:
            raise StoreError(
                f"cannot open session database {self.path}: {exc}; check that its folder exists and is writable"
            ) from exc
        try:
            self._db = Database(conn)
            _enable_wal(self._db, timeout)
            migrate(self._db)
        except sqlite3.Error as exc:
            conn.close()
            raise StoreError(
                f"cannot use {self.path} as a session database: {exc}; choose another file or move this one away"
            ) from exc
        except StoreError:
            conn.close()
            raise

    # --- lifecycle -----------------------------------------------------------------
    def close(self) -> None:
        self._db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.close()

    # --- sessions ------------------------------------------------------------------
    def start_session(
        self, name: str, source: SessionSource = SessionSource.LAB, meta: dict[str, Any] | None = None
    ) -> int:
        return self._insert_session(name, source, meta or {}, iso_utc(time.time()))

    def end_session(self, session_id: int) -> None:
        self._require(session_id)
        with self._writing():
            self._db.execute(
                f"UPDATE {SESSIONS.name} SET ended_at = ? WHERE id = ?", [iso_utc(time.time()), session_id]
            )

    def add_station(self, session_id: int, config: StationConfig) -> None:
        """Record a station's configuration; adding the same station id again replaces it."""
        self._require(session_id)
        row = {
            "session_id": session_id,
            "station_id": config.id,
            "ocpp_version": config.ocpp_version.value,
            "config": json.dumps(config.to_dict()),
        }
        with self._writing():
            self._db.table(STATIONS.name).insert(row, replace=True)

    def session(self, session_id: int) -> SessionInfo:
        found = self._sessions(session_id)
        if not found:
            raise UnknownSessionError(session_id)
        return found[0]

    def list_sessions(self) -> list[SessionInfo]:
        """All sessions, oldest first."""
        return self._sessions(None)

    def delete_session(self, session_id: int) -> None:
        """Remove the session and every row that belongs to it."""
        self._require(session_id)
        with self._writing(), self._db.atomic():
            for table in TABLES:
                if "session_id" in table.column_names():
                    self._db.table(table.name).delete_where("session_id = ?", [session_id])
            self._db.table(SESSIONS.name).delete_where("id = ?", [session_id])

    # --- recording -----------------------------------------------------------------
    def record(self, session_id: int, timed_events: Iterable[TimedEvent]) -> None:
        """Write a batch of events in one transaction: all of them are stored, or none."""
        rows: dict[str, list[dict[str, Any]]] = {FRAMES.name: [], METER_SAMPLES.name: [], EVENTS.name: []}
        for event, wall_time in timed_events:
            if isinstance(event, Frame):
                rows[FRAMES.name].append(_frame_row(session_id, event))
            elif isinstance(event, MeterSample):
                rows[METER_SAMPLES.name].append(_sample_row(session_id, event, wall_time))
            else:
                rows[EVENTS.name].append(_event_row(session_id, event, wall_time))
        with self._writing(), self._db.atomic():
            for table, table_rows in rows.items():
                self._db.table(table).insert_all(table_rows, batch_size=INSERT_BATCH)

    # --- reading -------------------------------------------------------------------
    def frames(self, session_id: int, station_id: str | None = None) -> Iterator[Frame]:
        """The session's frames in the order they were seen, optionally of one station."""
        self._require(session_id)
        where, params = _session_where(session_id, station_id)
        rows = self._db.table(FRAMES.name).rows_where(where, params, order_by="id")
        return (Frame.from_record(row) for row in rows)

    def samples(self, session_id: int, station_id: str | None = None) -> list[MeterSample]:
        self._require(session_id)
        where, params = _session_where(session_id, station_id)
        rows = self._db.table(METER_SAMPLES.name).rows_where(where, params, order_by="sim_time, rowid")
        return [
            MeterSample(
                station_id=row["station_id"],
                evse_id=row["evse_id"],
                connector_id=row["connector_id"],
                sim_time=row["sim_time"],
                energy_wh=row["energy_wh"],
                power_w=row["power_w"],
                limit_w=row["limit_w"],
                voltage_v=row["voltage_v"],
                current_a=tuple(row[f"current_l{n}"] for n in (1, 2, 3) if row[f"current_l{n}"] is not None),
                soc=row["soc"],
            )
            for row in rows
        ]

    def events(self, session_id: int) -> list[StoredEvent]:
        self._require(session_id)
        rows = self._db.table(EVENTS.name).rows_where("session_id = ?", [session_id], order_by="id")
        return [
            StoredEvent(
                ts=row["ts"],
                mono_time=row["mono_time"],
                station_id=row["station_id"],
                kind=row["kind"],
                detail=row["detail"],
                data=json.loads(row["data"]),
            )
            for row in rows
        ]

    # --- JSON Lines ----------------------------------------------------------------
    def export_jsonl(self, session_id: int, out: TextIO | Path, progress: Progress | None = None) -> int:
        """Write the session's frames, one `Frame.to_record()` per line; returns how many.

        `progress(count)` is called every PROGRESS_EVERY frames and at the end; when it returns
        False the export stops with ExportCancelled, and a file it was writing is removed.
        """
        frames = self.frames(session_id)
        if not isinstance(out, Path):
            return _write_jsonl(frames, out, progress)
        try:
            with out.open("w", encoding="utf-8", newline="\n") as stream:
                return _write_jsonl(frames, stream, progress)
        except ExportCancelled:
            out.unlink(missing_ok=True)
            raise
        except OSError as exc:
            raise StoreError(f"cannot write {out}: {exc.strerror}; choose another file") from exc

    def import_jsonl(self, path: Path | str, name: str | None = None) -> ImportResult:
        """Read an export into a new session (source "import"), named after the file by default.

        Lines that are not a frame are skipped and listed in the result; blank lines are
        ignored. The import is one transaction: if the file cannot be read to the end, or
        holds no frame at all, nothing is stored and StoreError says why.
        """
        path = Path(path)
        bad: list[BadLine] = []
        try:
            with path.open("rb") as stream, self._writing(), self._db.atomic():
                session_id = self._insert_session(
                    name or path.stem, SessionSource.IMPORT, {"imported_from": str(path)}, iso_utc(time.time())
                )
                count, stations, first, last = self._import_lines(session_id, stream, bad)
                if count == 0:
                    details = "; ".join(f"line {b.line}: {b.reason}" for b in bad[:3]) or "the file is empty"
                    raise StoreError(f"{path} holds no frames ({details}); export a session to see the format")
                self._db.table(STATIONS.name).insert_all(
                    [{"session_id": session_id, "station_id": s} for s in sorted(stations)], batch_size=INSERT_BATCH
                )
                self._db.execute(
                    f"UPDATE {SESSIONS.name} SET started_at = ?, ended_at = ? WHERE id = ?",
                    [iso_utc(first), iso_utc(last), session_id],
                )
        except OSError as exc:
            raise StoreError(f"cannot read {path}: {exc.strerror or exc}") from exc
        return ImportResult(session_id, count, tuple(bad))

    def _import_lines(
        self, session_id: int, lines: Iterable[bytes], bad: list[BadLine]
    ) -> tuple[int, set[str], float, float]:
        """Insert the frames among `lines`, a chunk at a time; returns (count, stations, first, last)."""
        frames_table = self._db.table(FRAMES.name)
        chunk: list[dict[str, Any]] = []
        count, stations, first, last = 0, set(), float("inf"), float("-inf")
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                frame = _parse_line(line)
            except (ValueError, KeyError, TypeError) as exc:
                bad.append(BadLine(number, _reason(exc)))
                continue
            try:
                row = _frame_row(session_id, frame)
            except (ValueError, OverflowError):
                bad.append(BadLine(number, f"wall_time {frame.wall_time} is out of range for a Unix time"))
                continue
            chunk.append(row)
            count += 1
            stations.add(frame.station_id)
            first, last = min(first, frame.wall_time), max(last, frame.wall_time)
            if len(chunk) >= INSERT_BATCH:
                frames_table.insert_all(chunk, batch_size=INSERT_BATCH)
                chunk.clear()
        frames_table.insert_all(chunk, batch_size=INSERT_BATCH)
        return count, stations, first, last

    # --- internals -----------------------------------------------------------------
    def _insert_session(self, name: str, source: SessionSource, meta: dict[str, Any], started_at: str) -> int:
        row = {
            "name": name,
            "started_at": started_at,
            "app_version": APP_VERSION,
            "source": source.value,
            "meta": json.dumps(meta),
        }
        with self._writing():
            table = self._db.table(SESSIONS.name).insert(row)
        assert table.last_pk is not None
        return int(table.last_pk)

    def _require(self, session_id: int) -> None:
        if self._db.execute(f"SELECT 1 FROM {SESSIONS.name} WHERE id = ?", [session_id]).fetchone() is None:
            raise UnknownSessionError(session_id)

    def _sessions(self, session_id: int | None) -> list[SessionInfo]:
        """One session, or all of them when `session_id` is None."""
        if session_id is None:
            station_filter, session_filter, params = "", "", []
        else:
            station_filter, session_filter, params = "WHERE session_id = ?", "WHERE s.id = ?", [session_id]
        stations: dict[int, list[str]] = {}
        for row in self._db.query(
            f"SELECT session_id, station_id FROM {STATIONS.name} {station_filter} ORDER BY session_id, station_id",
            params,
        ):
            stations.setdefault(row["session_id"], []).append(row["station_id"])
        sql = (
            f"SELECT s.*, (SELECT count(*) FROM {FRAMES.name} f WHERE f.session_id = s.id) AS frame_count "
            f"FROM {SESSIONS.name} s {session_filter} ORDER BY s.id"
        )
        return [
            SessionInfo(
                id=row["id"],
                name=row["name"],
                started_at=row["started_at"],
                ended_at=row["ended_at"],
                duration_s=_seconds_between(row["started_at"], row["ended_at"]) if row["ended_at"] else None,
                stations=tuple(stations.get(row["id"], ())),
                frame_count=row["frame_count"],
                source=row["source"],
            )
            for row in self._db.query(sql, params)
        ]

    @contextmanager
    def _writing(self) -> Iterator[None]:
        """Turn a SQLite write failure into a StoreError that names the file and what to check."""
        try:
            yield
        except sqlite3.Error as exc:
            raise StoreError(
                f"cannot write to the session database {self.path}: {exc}; "
                "check free disk space and that no other program holds it locked"
            ) from exc


def _session_where(session_id: int, station_id: str | None) -> tuple[str, list[Any]]:
    if station_id is None:
        return "session_id = ?", [session_id]
    return "session_id = ? AND station_id = ?", [session_id, station_id]


def _frame_row(session_id: int, frame: Frame) -> dict[str, Any]:
    row = frame.to_record()
    row["session_id"] = session_id
    row["ts"] = iso_utc(frame.wall_time)
    return row


def _sample_row(session_id: int, sample: MeterSample, wall_time: float) -> dict[str, Any]:
    currents = (*sample.current_a, None, None, None)
    return {
        "session_id": session_id,
        "station_id": sample.station_id,
        "evse_id": sample.evse_id,
        "connector_id": sample.connector_id,
        "sim_time": sample.sim_time,
        "ts": iso_utc(wall_time),
        "energy_wh": sample.energy_wh,
        "power_w": sample.power_w,
        "limit_w": sample.limit_w,
        "voltage_v": sample.voltage_v,
        "current_l1": currents[0],
        "current_l2": currents[1],
        "current_l3": currents[2],
        "soc": sample.soc,
    }


def _event_row(session_id: int, event: ConnectorStateChanged | StationEvent, wall_time: float) -> dict[str, Any]:
    if isinstance(event, ConnectorStateChanged):
        kind = "state"
        detail = f"EVSE {event.evse_id} connector {event.connector_id}: {event.old} -> {event.new} ({event.cause})"
        data: dict[str, Any] = {
            "evse_id": event.evse_id,
            "connector_id": event.connector_id,
            "old": event.old,
            "new": event.new,
            "cause": event.cause,
            "forced": event.forced,
        }
    else:
        kind, detail, data = event.kind, event.detail, event.data
    return {
        "session_id": session_id,
        "ts": iso_utc(wall_time),
        "mono_time": event.mono_time,
        "station_id": event.station_id,
        "kind": kind,
        "detail": detail,
        "data": json.dumps(data, default=str),
    }


def _enable_wal(db: Database, timeout: float) -> None:
    """Switch to WAL, waiting out other processes that open the same new file at this moment.

    The switch needs the file to itself, and SQLite reports "database is locked" at once instead
    of calling the busy handler when two connections would deadlock on it; so retry until
    `timeout`, like a write does.
    """
    deadline = time.monotonic() + timeout
    while True:
        try:
            db.enable_wal()
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() > deadline:
                raise
            time.sleep(WAL_RETRY_S)


def _write_jsonl(frames: Iterable[Frame], stream: TextIO, progress: Progress | None) -> int:
    count = 0
    for frame in frames:
        stream.write(json.dumps(frame.to_record(), ensure_ascii=False) + "\n")
        count += 1
        if progress is not None and count % PROGRESS_EVERY == 0 and not progress(count):
            raise ExportCancelled(f"export stopped after {count:,} frames")
    if progress is not None:
        progress(count)
    return count


def _parse_line(line: bytes) -> Frame:
    record = json.loads(line.decode("utf-8").strip())
    if not isinstance(record, dict):
        raise ValueError(f"expected a JSON object, got {type(record).__name__}")
    for key in ("station_id", "raw"):
        if not isinstance(record.get(key), str):
            raise ValueError(f"field {key!r} must be a string")
    return Frame.from_record(record)


def _reason(exc: Exception) -> str:
    if isinstance(exc, KeyError):
        return f"missing field {exc.args[0]!r}"
    if isinstance(exc, UnicodeDecodeError):
        return "not UTF-8 text"
    if isinstance(exc, json.JSONDecodeError):
        return f"not JSON: {exc.msg} (column {exc.colno})"
    return str(exc)


__all__ = [
    "BadLine",
    "ImportResult",
    "SessionInfo",
    "SessionSource",
    "Store",
    "StoreError",
    "StoredEvent",
    "TimedEvent",
    "UnknownSessionError",
    "iso_utc",
]
