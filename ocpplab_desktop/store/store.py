"""The session database: one SQLite file in WAL mode, read and written through sqlite-utils.

Recording is written by the recorder's own thread on its own connection (see recorder.py),
in batches, each batch one transaction, so the cost of durability is paid a few times a second
rather than once per frame and the event loop never waits for SQLite. WAL lets the window, the
CLI or a second window read a session while it is being recorded, each on its own connection.

Every text value goes through text.py on its way in and out, so text SQLite cannot take as-is
(a lone surrogate, a NUL) is stored escaped and read back exactly. Opening a database also
closes the sessions whose recorder is gone (liveness.py): a crash leaves no session open for ever.
Export and import as JSON Lines are transfer.py's (`Store` inherits them); the line format is jsonl.py's.
"""

from __future__ import annotations

import json
import logging
import os
import sqlite3
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from enum import StrEnum
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path
from types import TracebackType
from typing import Any

from sqlite_utils import Database

from ocpplab_desktop.model.config import StationConfig
from ocpplab_desktop.model.events import MeterSample
from ocpplab_desktop.protocol.frame import Frame
from ocpplab_desktop.store.errors import ExportCancelled, StoreError, UnknownSessionError
from ocpplab_desktop.store.jsonl import Progress
from ocpplab_desktop.store.liveness import HOST, recorder_alive
from ocpplab_desktop.store.rows import TimedEvent, event_rows, insert_sql, iso_utc, quick_rows
from ocpplab_desktop.store.schema import (
    EVENTS,
    FRAMES,
    METER_SAMPLES,
    OUTBOX,
    SESSIONS,
    STATIONS,
    TABLES,
    Table,
    migrate,
)
from ocpplab_desktop.store.text import escape_row, restore_row, stored_form
from ocpplab_desktop.store.transfer import INSERT_BATCH, BadLine, ImportResult, TraceTransfer

log = logging.getLogger(__name__)
MAX_SESSION_NAME = 200
WAL_CHECKPOINT_PAGES = 10_000
"""Pages the write-ahead log may hold before a commit copies them into the database (SQLite's
default is 1,000). A fleet's commit touches a page of each per-station index for every station,
so at the default nearly every commit also checkpointed: measured with 1,000 stations' frames,
the recorder's CPU per CALL grew from 16 to 39 us as the file grew, 21 us with 10,000 pages. Every
connection has the same threshold, so a rare write from the event loop's connection does not
find a long log over its own, lower threshold and copy it there."""
WAL_RETRY_S = 0.01

try:
    APP_VERSION = version("ocpplab-desktop")
except PackageNotFoundError:  # running from a source tree that was never installed
    APP_VERSION = "unknown"

# The recorder's sign of life; it also takes back a crash mark set while it could not write.
_HEARTBEAT = (
    f"UPDATE {SESSIONS.name} SET last_seen = ?, "
    "ended_at = CASE WHEN end_reason = 'crash' THEN NULL ELSE ended_at END, "
    "end_reason = CASE WHEN end_reason = 'crash' THEN NULL ELSE end_reason END WHERE id = ?"
)


class SessionSource(StrEnum):
    LAB = "lab"
    CSMS = "csms"
    IMPORT = "import"


class EndReason(StrEnum):
    CLOSED = "closed"
    """The program that recorded it closed it."""
    CRASH = "crash"
    """A later start found its recorder gone; `ended_at` is the time of its last frame."""


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
    end_reason: str | None = None

    @property
    def crashed(self) -> bool:
        return self.end_reason == EndReason.CRASH


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
class OutboxRow:
    """A message a station queued while offline, in the order it must go (`id`)."""

    id: int
    station_id: str
    action: str
    payload: str
    meta: dict[str, Any]


def _seconds_between(start: str, end: str) -> float:
    return (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds()


class Store(TraceTransfer):
    """One open session database. Not thread-safe: use it from one thread at a time."""

    def __init__(self, path: Path | str, *, timeout: float = 5.0, recorder: bool = False) -> None:
        """Open or create the database at `path`, bring its schema up to date, end crashed sessions.

        `timeout` is how long a write waits for another connection's write lock before failing.
        `recorder=True` opens the recorder's writer connection: usable from any thread (its owner
        takes turns under a lock), committing without waiting for the disk (WAL with
        synchronous=NORMAL: a crash of the program loses nothing committed, a power cut may lose
        the last commits), and leaving the search for crashed sessions to the other connections.
        """
        self._closed = False
        self.path = Path(path)
        self.timeout = timeout
        try:
            conn = sqlite3.connect(self.path, timeout=timeout, check_same_thread=not recorder)
        except sqlite3.Error as exc:
            raise StoreError(
                f"cannot open session database {self.path}: {exc}; check that its folder exists and is writable"
            ) from exc
        try:
            self._db = Database(conn)
            _enable_wal(self._db, timeout)
            self._db.execute(f"PRAGMA wal_autocheckpoint = {WAL_CHECKPOINT_PAGES}")
            migrate(self._db)
            if recorder:
                self._db.execute("PRAGMA synchronous = NORMAL")
        except sqlite3.Error as exc:
            conn.close()
            raise StoreError(
                f"cannot use {self.path} as a session database: {exc}; choose another file or move this one away"
            ) from exc
        except StoreError:
            conn.close()
            raise
        if not recorder:
            try:
                self.end_crashed_sessions()
            except StoreError as exc:  # reading still works; the next start tries again
                log.warning("%s; crashed sessions stay open until the next start", exc)

    # --- lifecycle -----------------------------------------------------------------
    def close(self) -> None:
        self._closed = True
        self._db.close()

    @property
    def closed(self) -> bool:
        """Closed: a window's timer that outlives its lab must not read from it."""
        return self._closed

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
        """A new session recorded by this process (see liveness.py for why it names the process)."""
        now = iso_utc(time.time())
        return self._insert_session(
            name, source, meta or {}, now, recorder={"pid": os.getpid(), "host": HOST, "last_seen": now}
        )

    def end_session(self, session_id: int, reason: EndReason = EndReason.CLOSED) -> None:
        self._require(session_id)
        with self._writing():
            self._db.execute(
                f"UPDATE {SESSIONS.name} SET ended_at = ?, end_reason = ? WHERE id = ?",
                [iso_utc(time.time()), reason.value, session_id],
            )

    def rename_session(self, session_id: int, name: str) -> str:
        """Give a session another name (surrounding blanks dropped); returns the name stored."""
        self._require(session_id)
        name = " ".join(name.split())
        if not name:
            raise ValueError("a session name cannot be empty")
        if len(name) > MAX_SESSION_NAME:
            raise ValueError(f"a session name has at most {MAX_SESSION_NAME} characters; this one has {len(name)}")
        try:
            name.encode("utf-8")
        except UnicodeEncodeError:
            raise ValueError("a session name cannot hold a lone UTF-16 surrogate") from None
        with self._writing():
            self._db.table(SESSIONS.name).update(session_id, {"name": name})
        return name

    def end_crashed_sessions(self) -> list[int]:
        """End the sessions whose recorder is gone, at the time of their last frame; returns their ids."""
        if not self._crashed_sessions():  # the usual case, found without taking the write lock
            return []
        with self._writing():
            # Decide again holding the write lock: a recorder may have just renewed its sign of life.
            self._db.execute("BEGIN IMMEDIATE")
            try:
                crashed = self._crashed_sessions()
                for row in crashed:
                    last_frame = self._db.execute(
                        f"SELECT ts FROM {FRAMES.name} WHERE session_id = ? ORDER BY id DESC LIMIT 1", [row["id"]]
                    ).fetchone()
                    self._db.execute(
                        f"UPDATE {SESSIONS.name} SET ended_at = ?, end_reason = ? WHERE id = ?",
                        [
                            last_frame[0] if last_frame else row["last_seen"] or row["started_at"],
                            EndReason.CRASH.value,
                            row["id"],
                        ],
                    )
                self._db.execute("COMMIT")
            except BaseException:
                self._db.conn.rollback()
                raise
        for row in crashed:
            log.warning("session %d was left open by a program that is gone: ended as a crash", row["id"])
        return [row["id"] for row in crashed]

    def _crashed_sessions(self) -> list[dict[str, Any]]:
        now = datetime.now(UTC)
        rows = self._db.query(
            f"SELECT id, pid, host, last_seen, started_at, escaped FROM {SESSIONS.name} "
            "WHERE ended_at IS NULL ORDER BY id"
        )
        return [
            row for row in map(restore_row, rows) if not recorder_alive(row["pid"], row["host"], row["last_seen"], now)
        ]

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
            self._db.table(STATIONS.name).insert(escape_row(row), replace=True)

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
        """Write a batch of events in one transaction, all of them or none, and renew the session's sign of life.

        The sign of life also takes back a crash mark a later start may have set while this
        recorder could not write (see liveness.py).
        """
        events = timed_events if isinstance(timed_events, list) else list(timed_events)
        try:
            self._insert(session_id, quick_rows(session_id, events))
        except (UnicodeEncodeError, OverflowError, StoreError) as exc:
            if isinstance(exc, StoreError) and not isinstance(exc.__cause__, _BIND_ERRORS):
                raise  # the database failed (disk full, locked): the recorder keeps the batch and retries
            # A value SQLite cannot take as it is (text with a lone surrogate, a value of no SQL type):
            # rolled back, and written again from the checked rows, which escape or set it aside.
            self._insert(session_id, event_rows(session_id, events))

    def _insert(self, session_id: int, rows: dict[Table, list[list[Any]]]) -> None:
        with self._writing(), self._db.atomic():
            for table, values in rows.items():
                _insert_rows(self._db.conn, table, values)
            self._db.conn.execute(_HEARTBEAT, [iso_utc(time.time()), session_id])

    # --- the outbox ----------------------------------------------------------------
    def outbox_append(self, station_id: str, action: str, payload: str, meta: dict[str, Any]) -> int:
        """Queue a station's message; committed when this returns. Returns its id (ids give the order)."""
        row = {
            "station_id": station_id,
            "action": action,
            "payload": payload,
            "created_at": iso_utc(time.time()),
            "meta": json.dumps(meta),
        }
        with self._writing():
            table = self._db.table(OUTBOX.name).insert(escape_row(row))
        assert table.last_pk is not None
        return int(table.last_pk)

    def outbox_update(self, row_id: int, payload: str | None = None, meta: dict[str, Any] | None = None) -> None:
        """Change a queued message's payload or meta (None: keep it); committed when this returns."""
        current = self._outbox_rows("id = ?", [row_id])
        if not current:
            raise StoreError(f"no queued message with id {row_id} in the outbox; it was sent or deleted")
        old = current[0]
        row = {
            "payload": old.payload if payload is None else payload,
            "meta": json.dumps(old.meta if meta is None else meta),
            "station_id": old.station_id,
            "action": old.action,
        }
        with self._writing():
            self._db.table(OUTBOX.name).update(row_id, escape_row(row))

    def outbox_delete(self, row_id: int) -> None:
        """Forget a queued message (the CSMS has it); deleting one that is gone is not an error."""
        with self._writing():
            self._db.table(OUTBOX.name).delete_where("id = ?", [row_id])

    def outbox_pending(self, station_id: str) -> list[OutboxRow]:
        """The station's queued messages, oldest first."""
        return self._outbox_rows("station_id = ?", [stored_form(station_id)])

    def _outbox_rows(self, where: str, params: list[Any]) -> list[OutboxRow]:
        rows = self._db.table(OUTBOX.name).rows_where(where, params, order_by="id")
        return [
            OutboxRow(row["id"], row["station_id"], row["action"], row["payload"], json.loads(row["meta"]))
            for row in map(restore_row, rows)
        ]

    # --- reading -------------------------------------------------------------------
    def frames(self, session_id: int, station_id: str | None = None) -> Iterator[Frame]:
        """The session's frames in the order they were seen, optionally of one station."""
        self._require(session_id)
        where, params = _session_where(session_id, station_id)
        rows = self._db.table(FRAMES.name).rows_where(where, params, order_by="id")
        return (Frame.from_record(restore_row(row)) for row in rows)

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
                on_wire=bool(row["on_wire"]),
            )
            for row in map(restore_row, rows)
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
            for row in map(restore_row, rows)
        ]

    # --- internals -----------------------------------------------------------------
    def _insert_session(
        self,
        name: str,
        source: SessionSource,
        meta: dict[str, Any],
        started_at: str,
        recorder: dict[str, Any] | None = None,
    ) -> int:
        row = {
            "name": name,
            "started_at": started_at,
            "app_version": APP_VERSION,
            "source": source.value,
            "meta": json.dumps(meta),
            **(recorder or {}),
        }
        with self._writing():
            table = self._db.table(SESSIONS.name).insert(escape_row(row))
        assert table.last_pk is not None
        return int(table.last_pk)

    def _new_import(self, name: str, meta: dict[str, Any]) -> int:
        """An empty session of source "import", for an import (transfer.py) to fill."""
        return self._insert_session(name, SessionSource.IMPORT, meta, iso_utc(time.time()))

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
            f"SELECT session_id, station_id, escaped FROM {STATIONS.name} {station_filter} "
            "ORDER BY session_id, station_id",
            params,
        ):
            stations.setdefault(row["session_id"], []).append(restore_row(row)["station_id"])
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
                end_reason=row["end_reason"],
            )
            for row in map(restore_row, self._db.query(sql, params))
        ]

    @contextmanager
    def _writing(self) -> Iterator[None]:
        """Turn a SQLite write failure into a StoreError that names the file and what to check."""
        try:
            yield
        except sqlite3.Error as exc:
            raise StoreError(
                f"cannot write to the session database {self.path}: {exc}; "
                "check free disk space, that the file is writable and that no other program holds it locked"
            ) from exc


def _insert_rows(conn: sqlite3.Connection, table: Table, rows: list[list[Any]]) -> None:
    """Insert `rows` in order, many to a statement.

    sqlite3 lets other threads run while SQLite works on a statement, and each statement then
    waits to get the interpreter back: one statement per row made the recorder's thread wait its
    turn behind a busy event loop once per row (measured: three times the CPU and seconds per
    batch). Rows go in chunks of ROWS_PER_INSERT, the rest in chunks of halving size, so
    there are few distinct statements (sqlite3 keeps them prepared) and few turns per batch."""
    start, left = 0, len(rows)
    if not left:
        return
    size = min(ROWS_PER_INSERT, max(1, conn.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) // len(rows[0])))
    while left:
        while size > left:
            size //= 2
        statement = _multi_insert(table, size)
        while left >= size:
            chunk = rows[start : start + size]
            conn.execute(statement, chunk[0] if size == 1 else [v for row in chunk for v in row])
            start, left = start + size, left - size


ROWS_PER_INSERT = 256
"""Rows per INSERT statement, at most (256 rows of the widest table bind 4,352 values; SQLite before
3.32 allows only 999 in a statement, and `_insert_rows` then takes fewer rows at a time)."""


def _multi_insert(table: Table, rows: int) -> str:
    key = table.name, rows  # a Table's own hash walks every column it declares
    statement = _MULTI_INSERTS.get(key)
    if statement is None:
        statement = _MULTI_INSERTS[key] = insert_sql(table, rows)
    return statement


_MULTI_INSERTS: dict[tuple[str, int], str] = {}
_BIND_ERRORS = (sqlite3.ProgrammingError, sqlite3.InterfaceError)
"""What sqlite3 raises for a value it cannot bind (a type SQLite has none for)."""


def _session_where(session_id: int, station_id: str | None) -> tuple[str, list[Any]]:
    if station_id is None:
        return "session_id = ?", [session_id]
    return "session_id = ? AND station_id = ?", [session_id, stored_form(station_id)]


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


__all__ = [
    "INSERT_BATCH",
    "BadLine",
    "EndReason",
    "ExportCancelled",
    "ImportResult",
    "OutboxRow",
    "Progress",
    "SessionInfo",
    "SessionSource",
    "Store",
    "StoreError",
    "StoredEvent",
    "TimedEvent",
    "UnknownSessionError",
    "iso_utc",
]
