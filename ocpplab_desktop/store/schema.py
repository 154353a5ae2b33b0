"""The session database schema, defined once, and the migrations derived from it.

`TABLES` is the only description of the database. Creating a new file, upgrading an old
one and the README's table of columns are all computed from it. The schema version is
kept in `PRAGMA user_version`; `MIGRATIONS[n]` takes a database from version n to n + 1.

To add a column later: append it to its table with `since=N` (N = next version) and
append `partial(_bring_to, N)` to `MIGRATIONS`, or a hand-written step if existing data
must be rewritten. Added columns must be nullable, because existing rows have no value for them.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial

from sqlite_utils import Database

from ocpplab_desktop.store.errors import SchemaTooNewError

SQL_TYPES: dict[type, str] = {int: "INTEGER", float: "REAL", str: "TEXT"}


@dataclass(frozen=True, slots=True)
class Column:
    name: str
    type: type  # int, float or str; see SQL_TYPES
    doc: str
    since: int = 1  # the schema version that introduced the column


@dataclass(frozen=True, slots=True)
class Table:
    name: str
    doc: str
    columns: tuple[Column, ...]
    pk: tuple[str, ...] = ()
    indexes: tuple[tuple[str, ...], ...] = ()
    since: int = 1

    def column_names(self) -> list[str]:
        return [c.name for c in self.columns]


_SESSION_ID = Column("session_id", int, "the session (sessions.id)")
_STATION_ID = Column("station_id", str, "charging station identity")
_TS = Column("ts", str, "wall-clock time, ISO-8601 UTC with milliseconds (for people; sort by id)")
# Every table with text columns has one: see store/text.py for the escaping scheme.
_ESCAPED = Column(
    "escaped",
    str,
    "usually empty; else the comma-separated columns of this row stored as a JSON string literal because "
    "their text held a lone UTF-16 surrogate, which has no UTF-8 form: json.loads gives the exact text back",
    since=3,
)

SESSIONS = Table(
    "sessions",
    "One recording: a lab run, a mock-CSMS run or an imported trace.",
    (
        Column("id", int, "session id"),
        Column("name", str, "name given by the user (an import: the file name)"),
        Column("started_at", str, "ISO-8601 UTC; an import: its first frame"),
        Column("ended_at", str, "ISO-8601 UTC; empty while recording; after a crash: the time of its last frame"),
        Column("app_version", str, "OCPPLab version that recorded it"),
        Column("source", str, "lab, csms or import"),
        Column("meta", str, "JSON object: notes and anything else about the run"),
        Column("pid", int, "process id of the program recording it", since=3),
        Column("host", str, "host name of the machine recording it", since=3),
        Column("last_seen", str, "ISO-8601 UTC; the recorder's last sign of life, renewed about every second", since=3),
        Column("end_reason", str, "closed, crash (found by a later start: its recorder was gone), or empty", since=3),
        _ESCAPED,
    ),
    pk=("id",),
)

STATIONS = Table(
    "stations",
    "The stations taking part in a session, with the configuration they ran with.",
    (
        _SESSION_ID,
        _STATION_ID,
        Column("ocpp_version", str, "1.6 or 2.0.1; empty for an import"),
        Column("config", str, "JSON: StationConfig.to_dict(); empty for an import"),
        _ESCAPED,
    ),
    pk=("session_id", "station_id"),
)

# The frame columns besides id, session_id, ts and escaped are exactly the keys of Frame.to_record().
FRAMES = Table(
    "frames",
    "Every OCPP-J frame as it crossed the wire, in the order it was seen.",
    (
        Column("id", int, "row id; the order frames were seen in"),
        _SESSION_ID,
        Column("seq", int, "sequence number given by the tap"),
        _TS,
        Column("wall_time", float, "Unix time in seconds"),
        Column("mono_time", float, "monotonic clock in seconds, for intervals"),
        _STATION_ID,
        Column("side", str, "which tap saw it: station or csms"),
        Column("direction", str, "to_csms or to_station"),
        Column("message_type", int, "2 CALL, 3 CALLRESULT, 4 CALLERROR, 0 unreadable"),
        Column("unique_id", str, "OCPP-J message id"),
        Column("action", str, "OCPP action; for a result or error, the action of its CALL"),
        Column("raw", str, "the text exactly as sent"),
        Column("error", str, "validation result: empty if valid, else the OCPP error code and reason"),
        Column("rtt_ms", float, "for a result or error: milliseconds since its CALL"),
        Column("note", str, "annotation, e.g. the fault that altered the frame"),
        Column("intended", str, "for a frame an interceptor altered: the text the sender meant", since=2),
        _ESCAPED,
    ),
    pk=("id",),
    indexes=(("session_id", "id"), ("session_id", "station_id")),
)

METER_SAMPLES = Table(
    "meter_samples",
    "Meter readings per connector, in simulated time: those sent in a MeterValues, and for graphs at most "
    "about one per connector per second of wall-clock time.",
    (
        _SESSION_ID,
        _STATION_ID,
        Column("evse_id", int, "EVSE id (1.6: 1 per connector)"),
        Column("connector_id", int, "connector id within the EVSE"),
        Column("sim_time", float, "simulated time in seconds"),
        _TS,
        Column("energy_wh", float, "meter register, Wh"),
        Column("power_w", float, "active power, W"),
        Column("limit_w", float, "charging limit in force, W"),
        Column("voltage_v", float, "voltage, V"),
        Column("current_l1", float, "current on L1 (DC: the current), A"),
        Column("current_l2", float, "current on L2, A"),
        Column("current_l3", float, "current on L3, A"),
        Column("soc", float, "EV state of charge, %"),
        Column("on_wire", int, "1 if the reading went to the CSMS in a MeterValues, else 0", since=3),
        _ESCAPED,
    ),
    indexes=(("session_id", "station_id", "sim_time"),),
)

EVENTS = Table(
    "events",
    "Everything else: connector state changes (kind 'state'), connects, boots, faults, errors.",
    (
        Column("id", int, "row id; the order events were seen in"),
        _SESSION_ID,
        _TS,
        Column("mono_time", float, "monotonic clock in seconds, comparable with frames.mono_time"),
        _STATION_ID,
        Column("kind", str, "'state' for a connector state change, else the station event kind"),
        Column("detail", str, "one line for people"),
        Column("data", str, "JSON object; for 'state': evse_id, connector_id, old, new, cause, forced"),
        _ESCAPED,
    ),
    pk=("id",),
    indexes=(("session_id", "id"),),
)

OUTBOX = Table(
    "outbox",
    "Stations' transaction messages queued while offline, kept until the CSMS has them; not tied to a session.",
    (
        Column("id", int, "row id; the order the messages must go in"),
        _STATION_ID,
        Column("action", str, "OCPP action of the queued CALL"),
        Column("payload", str, "JSON text of the CALL's payload"),
        Column("created_at", str, "ISO-8601 UTC, when it was queued"),
        Column("meta", str, "JSON object: what the station keeps with it (attempts, transaction id, ...)"),
        _ESCAPED,
    ),
    pk=("id",),
    indexes=(("station_id", "id"),),
    since=3,
)

WORKSPACE = Table(
    "workspace",
    "The window's workspace (stations, connector availability, mock-CSMS policy), saved whenever it changes, "
    "so that the next start on this database brings it back; not tied to a session.",
    (
        Column("name", str, "which workspace: 'current' for the one the window restores"),
        Column("document", str, "JSON: the workspace document, as File > Save workspace as... writes it"),
        Column("saved_at", str, "ISO-8601 UTC, when it was last saved"),
    ),
    pk=("name",),
    since=4,
)

TABLES: tuple[Table, ...] = (SESSIONS, STATIONS, FRAMES, METER_SAMPLES, EVENTS, OUTBOX, WORKSPACE)

Migration = Callable[[Database], None]


def _bring_to(version: int, db: Database) -> None:
    """Create the tables, columns and indexes that `TABLES` says appeared in `version`."""
    for table in TABLES:
        handle = db.table(table.name)
        if table.since == version:
            columns = [c for c in table.columns if c.since <= version]
            db.create_table(
                table.name,
                {c.name: SQL_TYPES[c.type] for c in columns},
                pk=table.pk[0] if len(table.pk) == 1 else table.pk or None,
            )
        elif table.since < version:
            for column in table.columns:
                if column.since == version:
                    handle.add_column(column.name, SQL_TYPES[column.type])
        if table.since <= version:
            for index in table.indexes:
                handle.create_index(index, index_name=f"idx_{table.name}_{'_'.join(index)}", if_not_exists=True)


MIGRATIONS: tuple[Migration, ...] = (
    partial(_bring_to, 1),
    partial(_bring_to, 2),
    partial(_bring_to, 3),
    partial(_bring_to, 4),
)
SCHEMA_VERSION = len(MIGRATIONS)


def user_version(db: Database) -> int:
    return int(db.execute("PRAGMA user_version").fetchone()[0])


def migrate(db: Database, migrations: Sequence[Migration] = MIGRATIONS) -> int:
    """Upgrade `db` to `len(migrations)` in one transaction; returns the version it had.

    Another process may be creating the same new file at this moment (the window and
    `ocpplab sessions list`, say): the upgrade takes the write lock first (BEGIN IMMEDIATE,
    which waits out the connection's busy timeout) and then reads the version again, so
    exactly one of them migrates and the others find the schema done.
    """
    found = _checked_version(db, migrations)
    if found == len(migrations):
        return found
    db.execute("BEGIN IMMEDIATE")
    try:
        found = _checked_version(db, migrations)
        for version in range(found, len(migrations)):
            migrations[version](db)
            # user_version takes no bound parameter; `version` is our own integer.
            db.execute(f"PRAGMA user_version = {version + 1}")
        db.execute("COMMIT")
    except BaseException:
        db.conn.rollback()
        raise
    return found


def _checked_version(db: Database, migrations: Sequence[Migration]) -> int:
    found = user_version(db)
    if found > len(migrations):
        raise SchemaTooNewError(
            f"the session database has schema version {found}, but this OCPPLab knows only up to "
            f"{len(migrations)}; upgrade OCPPLab or open another database"
        )
    return found


def schema_markdown() -> str:
    """The schema as Markdown, one section per table, for the README."""
    parts: list[str] = []
    for table in TABLES:
        parts.append(f"#### `{table.name}`\n\n{table.doc}\n")
        parts.append("| column | type | meaning |\n|---|---|---|")
        for column in table.columns:
            key = " (key)" if column.name in table.pk else ""
            parts.append(f"| `{column.name}`{key} | {SQL_TYPES[column.type]} | {column.doc} |")
        if table.indexes:
            parts.append("\nIndexed on " + "; ".join(f"({', '.join(i)})" for i in table.indexes) + ".")
        parts.append("")
    return "\n".join(parts)
