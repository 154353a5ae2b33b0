"""The session database on real SQLite files: schema, recording, export/import, deletion, migration."""

from __future__ import annotations

import json
import sqlite3
import threading
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlite_utils import Database
from store_helpers import FakeClock

from ocpplab_desktop.model.config import StationConfig
from ocpplab_desktop.model.events import ConnectorStateChanged, EventBus, MeterSample, StationEvent
from ocpplab_desktop.protocol.frame import Frame
from ocpplab_desktop.store import transfer as transfer_module
from ocpplab_desktop.store.errors import ExportCancelled, SchemaTooNewError, StoreError, UnknownSessionError
from ocpplab_desktop.store.recorder import SessionRecorder
from ocpplab_desktop.store.schema import FRAMES, MIGRATIONS, SCHEMA_VERSION, TABLES, migrate, schema_markdown
from ocpplab_desktop.store.store import SessionSource, Store


def records(frames: list[Frame]) -> list[dict[str, object]]:
    return [frame.to_record() for frame in frames]


def count_rows(path: Path, table: str) -> int:
    """Count through a separate connection: only committed rows are visible there."""
    with sqlite3.connect(path) as conn:
        return int(conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0])


# --- schema ----------------------------------------------------------------------------------


def test_new_database_has_the_schema_tables_and_indexes_in_wal_mode(db_path: Path) -> None:
    Store(db_path).close()
    db = Database(db_path)
    assert db.journal_mode == "wal"
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    for table in TABLES:
        assert db.table(table.name).columns_dict.keys() == set(table.column_names()), table.name
        indexed = {tuple(index.columns) for index in db.table(table.name).indexes}
        assert set(table.indexes) <= indexed, table.name
    db.close()


def test_frames_table_holds_exactly_the_frame_record_plus_session_and_time(
    make_frames: Callable[..., list[Frame]],
) -> None:
    frame = make_frames(1)[0]
    assert set(FRAMES.column_names()) == set(frame.to_record()) | {"id", "session_id", "ts", "escaped"}


def test_schema_markdown_documents_every_table_and_column() -> None:
    text = schema_markdown()
    for table in TABLES:
        assert f"`{table.name}`" in text
        for column in table.columns:
            assert f"| `{column.name}`" in text


def test_opening_an_empty_version_0_database_migrates_it(db_path: Path) -> None:
    with sqlite3.connect(db_path) as conn:
        conn.execute("CREATE TABLE notes (text TEXT)")
    assert sqlite3.connect(db_path).execute("PRAGMA user_version").fetchone()[0] == 0
    with Store(db_path) as store:
        session_id = store.start_session("after upgrade")
        assert [s.id for s in store.list_sessions()] == [session_id]
    db = Database(db_path)
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert {t.name for t in TABLES} | {"notes"} == set(db.table_names())
    db.close()


def test_processes_opening_a_new_database_at_the_same_moment_all_get_the_schema(tmp_path: Path) -> None:
    """The desktop lab and `ocpplab sessions list` may create the same new file at once."""
    openers = 4
    for attempt in range(20):
        path = tmp_path / f"new-{attempt}.db"
        start = threading.Barrier(openers)
        failures: list[BaseException] = []

        def open_store(
            path: Path = path, start: threading.Barrier = start, failures: list[BaseException] = failures
        ) -> None:
            start.wait()
            try:
                Store(path).close()
            except StoreError as exc:
                failures.append(exc)

        threads = [threading.Thread(target=open_store) for _ in range(openers)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)
        assert not failures, f"attempt {attempt}: {failures[0]}"
        with Store(path) as store:
            assert store.list_sessions() == []
        assert Database(path).execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_a_later_migration_step_upgrades_an_existing_database_and_keeps_its_rows(
    recorded: tuple[Path, int, list[Frame]],
) -> None:
    path, _, frames = recorded

    def add_frame_tag(db: Database) -> None:
        db.table("frames").add_column("tag", str)

    db = Database(path)
    assert migrate(db, [*MIGRATIONS, add_frame_tag]) == SCHEMA_VERSION
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION + 1
    assert "tag" in db.table("frames").columns_dict
    assert db.table("frames").count == len(frames)
    db.close()


def test_a_migration_that_fails_leaves_the_database_as_it_was(recorded: tuple[Path, int, list[Frame]]) -> None:
    path, _, frames = recorded

    def add_then_fail(db: Database) -> None:
        db.table("frames").add_column("tag", str)
        db.execute("UPDATE frames SET tag = 'half done'")
        raise sqlite3.OperationalError("disk I/O error (simulated by the migration)")

    db = Database(path)
    with pytest.raises(sqlite3.OperationalError, match="simulated"):
        migrate(db, [*MIGRATIONS, add_then_fail])
    assert db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
    assert "tag" not in db.table("frames").columns_dict
    assert db.table("frames").count == len(frames)
    db.close()


def test_opening_a_database_from_a_newer_version_says_so(db_path: Path) -> None:
    with sqlite3.connect(db_path) as conn:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(SchemaTooNewError, match=f"schema version {SCHEMA_VERSION + 1}.*upgrade OCPPLab"):
        Store(db_path)


def test_a_file_that_is_not_a_database_gives_a_store_error(tmp_path: Path) -> None:
    path = tmp_path / "notes.txt"
    path.write_text("these are not the tables you are looking for\n" * 100)
    with pytest.raises(StoreError, match=r"cannot use .*notes\.txt as a session database"):
        Store(path)


# --- recording -------------------------------------------------------------------------------


def test_recorder_buffers_until_flush_then_stores_every_frame_in_order(
    db_path: Path, make_frames: Callable[..., list[Frame]]
) -> None:
    frames = make_frames(1234)
    bus = EventBus()
    with Store(db_path) as store:
        session_id = store.start_session("bulk")
        recorder = SessionRecorder(store, bus, session_id, interval=3600)
        for frame in frames:
            bus.publish(frame)
        bus.publish("not something the store records")
        assert count_rows(db_path, "frames") == 0
        assert recorder.flush() == len(frames)
        assert recorder.pending == 0
        recorder.close()
    with Store(db_path) as reopened:
        assert records(list(reopened.frames(session_id))) == records(frames)


def test_recorder_close_flushes_stops_listening_and_ends_the_session(
    db_path: Path, make_frames: Callable[..., list[Frame]]
) -> None:
    bus = EventBus()
    frames = make_frames(10)
    with Store(db_path) as store:
        session_id = store.start_session("short")
        recorder = SessionRecorder(store, bus, session_id)
        for frame in frames:
            bus.publish(frame)
        recorder.close()
        bus.publish(make_frames(1, "CP009")[0])
        assert recorder.pending == 0
        info = store.session(session_id)
    assert info.ended_at is not None
    assert info.duration_s is not None
    assert info.frame_count == len(frames)
    assert (info.end_reason, info.crashed) == ("closed", False)


def test_samples_and_events_are_stored_and_read_back(db_path: Path) -> None:
    bus = EventBus()
    clock = FakeClock()
    samples = [
        MeterSample("CP001", 1, 1, 0.0, 0.0, 11_000.0, 22_080.0, 230.0, (16.0, 16.0, 16.0), soc=20.0),
        MeterSample("CP001", 1, 1, 60.0, 183.3, 11_000.0, 11_000.0, 230.0, (16.0, 16.0, 16.0), soc=21.5),
        MeterSample("CP002", 1, 1, 60.0, 50.0, 3_000.0, 3_680.0, 400.0, (7.5,), on_wire=True),
    ]
    state = ConnectorStateChanged("CP001", 1, 1, "Available", "Preparing", "plug in", forced=True, mono_time=3.5)
    fault = StationEvent("CP002", "fault", "ground failure", {"code": "GroundFailure"}, mono_time=4.0)
    with Store(db_path) as store:
        session_id = store.start_session("power")
        recorder = SessionRecorder(store, bus, session_id, clock=clock)
        for event in (samples[0], state, samples[1], fault, samples[2]):
            bus.publish(event)
            clock.now += 1.0  # one wall-clock second apart: no sample is thinned out
        recorder.close()
        assert store.samples(session_id) == samples
        assert store.samples(session_id, "CP002") == samples[2:]
        events = store.events(session_id)
    assert [(e.station_id, e.kind, e.mono_time) for e in events] == [("CP001", "state", 3.5), ("CP002", "fault", 4.0)]
    assert events[0].data == {
        "evse_id": 1,
        "connector_id": 1,
        "old": "Available",
        "new": "Preparing",
        "cause": "plug in",
        "forced": True,
    }
    assert events[1].detail == "ground failure"
    assert events[1].data == {"code": "GroundFailure"}


def test_the_writer_thread_stores_frames_while_recording_without_a_flush_or_close(
    db_path: Path, make_frames: Callable[..., list[Frame]]
) -> None:
    bus = EventBus()
    frames = make_frames(25)
    with Store(db_path) as store:
        recorder = SessionRecorder(store, bus, store.start_session("live"), interval=0.01)
        for frame in frames:
            bus.publish(frame)
        deadline = time.monotonic() + 10
        while count_rows(db_path, "frames") < len(frames) and time.monotonic() < deadline:
            time.sleep(0.01)
        stored = count_rows(db_path, "frames")
        recorder.close()
    assert stored == len(frames)


def test_close_waits_for_the_writers_last_batch(db_path: Path, make_frames: Callable[..., list[Frame]]) -> None:
    bus = EventBus()
    frames = make_frames(30)
    with Store(db_path) as store:
        session_id = store.start_session("closed at once")
        recorder = SessionRecorder(store, bus, session_id, interval=3600)
        for frame in frames:
            bus.publish(frame)
        recorder.close()
        assert records(list(store.frames(session_id))) == records(frames)


def test_a_failed_flush_keeps_the_events_and_the_next_flush_stores_them_in_order(
    db_path: Path, make_frames: Callable[..., list[Frame]]
) -> None:
    bus = EventBus()
    first, second = make_frames(20), make_frames(5, "CP002")
    with Store(db_path, timeout=0.01) as store:
        session_id = store.start_session("locked out")
        recorder = SessionRecorder(store, bus, session_id, interval=3600)
        other = sqlite3.connect(db_path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")  # another program holds the write lock
        for frame in first:
            bus.publish(frame)
        with pytest.raises(StoreError, match=r"cannot write to the session database.*locked"):
            recorder.flush()
        assert recorder.pending == len(first)
        other.execute("ROLLBACK")
        other.close()
        for frame in second:
            bus.publish(frame)
        assert recorder.flush() == len(first) + len(second)
        assert records(list(store.frames(session_id))) == records(first + second)
        recorder.close()


# --- sessions --------------------------------------------------------------------------------


def test_list_sessions_reports_stations_frames_duration_and_source(recorded: tuple[Path, int, list[Frame]]) -> None:
    path, session_id, frames = recorded
    with Store(path) as store:
        running = store.start_session("still running", SessionSource.CSMS, {"notes": "left open"})
        sessions = store.list_sessions()
    assert [s.id for s in sessions] == [session_id, running]
    done, still = sessions
    assert (done.name, done.stations, done.frame_count, done.source) == (
        "morning run",
        ("CP001", "CP002"),
        len(frames),
        "lab",
    )
    assert done.duration_s is not None
    assert done.duration_s >= 0
    assert (still.ended_at, still.duration_s, still.frame_count, still.source) == (None, None, 0, "csms")


def test_frames_of_one_station_are_filtered_and_ordered(recorded: tuple[Path, int, list[Frame]]) -> None:
    path, session_id, frames = recorded
    with Store(path) as store:
        only = list(store.frames(session_id, "CP002"))
    assert records(only) == records([f for f in frames if f.station_id == "CP002"])


def test_add_station_stores_its_configuration(db_path: Path) -> None:
    config = StationConfig(id="CP777", vendor="Acme")
    with Store(db_path) as store:
        session_id = store.start_session("configs")
        store.add_station(session_id, config)
        store.add_station(session_id, config)  # a second add replaces, it does not fail
    row = Database(db_path).execute("SELECT ocpp_version, config FROM stations").fetchall()
    assert len(row) == 1
    assert StationConfig.from_dict(json.loads(row[0][1])) == config
    assert row[0][0] == "1.6"


def test_delete_session_removes_all_its_rows_and_keeps_the_others(
    db_path: Path, make_frames: Callable[..., list[Frame]]
) -> None:
    bus = EventBus()
    with Store(db_path) as store:
        ids = []
        for name in ("keep", "drop"):
            session_id = store.start_session(name)
            store.add_station(session_id, StationConfig(id="CP001"))
            recorder = SessionRecorder(store, bus, session_id)
            bus.publish(make_frames(1)[0])
            bus.publish(MeterSample("CP001", 1, 1, 1.0, 1.0, 1.0, 1.0, 230.0, (1.0,)))
            bus.publish(StationEvent("CP001", "boot"))
            recorder.close()
            ids.append(session_id)
        keep, drop = ids
        store.delete_session(drop)
        assert [s.id for s in store.list_sessions()] == [keep]
        with pytest.raises(UnknownSessionError):
            store.frames(drop)
    for table in TABLES:
        if table.name in ("outbox", "workspace"):  # a station's queue and the workspace outlive sessions
            continue
        column = "id" if table.name == "sessions" else "session_id"
        with sqlite3.connect(db_path) as conn:
            left = {row[0] for row in conn.execute(f"SELECT DISTINCT {column} FROM {table.name}")}
        assert left == {keep}, table.name


def test_unknown_session_ids_raise_a_specific_error(db_path: Path) -> None:
    with Store(db_path) as store, pytest.raises(UnknownSessionError, match="no session with id 42"):
        store.delete_session(42)


# --- JSON Lines --------------------------------------------------------------------------------


def test_export_writes_one_frame_record_per_line(recorded: tuple[Path, int, list[Frame]], tmp_path: Path) -> None:
    path, session_id, frames = recorded
    out = tmp_path / "trace.jsonl"
    with Store(path) as store:
        assert store.export_jsonl(session_id, out) == len(frames)
    lines = out.read_bytes().split(b"\n")
    assert lines[-1] == b""
    assert [json.loads(line) for line in lines[:-1]] == records(frames)


def test_export_then_import_gives_identical_frames(recorded: tuple[Path, int, list[Frame]], tmp_path: Path) -> None:
    path, session_id, frames = recorded
    out = tmp_path / "trace.jsonl"
    with Store(path) as store:
        store.export_jsonl(session_id, out)
        result = store.import_jsonl(out)
        assert result.bad_lines == ()
        assert result.frames == len(frames)
        assert records(list(store.frames(result.session_id))) == records(frames)
        info = store.session(result.session_id)
    assert (info.name, info.source, info.stations) == ("trace", "import", ("CP001", "CP002"))
    assert info.duration_s == max(f.wall_time for f in frames) - min(f.wall_time for f in frames)


def test_import_reports_malformed_lines_by_number_and_imports_the_rest(
    db_path: Path, tmp_path: Path, make_frames: Callable[..., list[Frame]]
) -> None:
    good = make_frames(3)
    lines = [
        json.dumps(good[0].to_record()),
        '{"seq": 1, "raw": "[2,',
        json.dumps(good[1].to_record()),
        "",
        '["a", "list"]',
        json.dumps({k: v for k, v in good[2].to_record().items() if k != "direction"}),
        json.dumps({**good[2].to_record(), "side": "sideways"}),
        json.dumps({**good[2].to_record(), "wall_time": 1e20}),
        json.dumps(good[2].to_record()),
    ]
    trace = tmp_path / "damaged.jsonl"
    trace.write_bytes("\n".join(lines).encode() + b"\n\xff\xfe\n")
    with Store(db_path) as store:
        result = store.import_jsonl(trace, name="repaired")
        assert records(list(store.frames(result.session_id))) == records(good)
        assert store.session(result.session_id).name == "repaired"
    assert [(b.line, b.reason) for b in result.bad_lines] == [
        (2, "not JSON: Unterminated string starting at (column 19)"),
        (5, "expected a JSON object, got list"),
        (6, "missing field 'direction'"),
        (7, "'sideways' is not a valid Side"),
        (8, "wall_time 1e+20 is out of range for a Unix time"),
        (10, "not UTF-8 text"),
    ]


def test_import_of_a_file_without_frames_stores_nothing(db_path: Path, tmp_path: Path) -> None:
    trace = tmp_path / "junk.jsonl"
    trace.write_text("hello\n\n")
    with Store(db_path) as store:
        with pytest.raises(StoreError, match=r"junk.jsonl holds no frames \(line 1: not JSON: Expecting value"):
            store.import_jsonl(trace)
        assert store.list_sessions() == []


def test_import_of_a_missing_file_says_it_cannot_be_read(db_path: Path, tmp_path: Path) -> None:
    with Store(db_path) as store:
        with pytest.raises(StoreError, match=r"cannot read .*absent\.jsonl: No such file"):
            store.import_jsonl(tmp_path / "absent.jsonl")
        assert store.list_sessions() == []


def test_an_export_reports_progress_and_a_cancelled_one_leaves_no_file(
    recorded: tuple[Path, int, list[Frame]], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path, session_id, frames = recorded
    monkeypatch.setattr(transfer_module, "PROGRESS_EVERY", 2)
    seen: list[int] = []
    with Store(path) as store:
        whole = tmp_path / "whole.jsonl"
        assert store.export_jsonl(session_id, whole, progress=lambda n: seen.append(n) or True) == len(frames)
        assert seen[-1] == len(frames) and seen == sorted(seen)

        stopped = tmp_path / "stopped.jsonl"
        with pytest.raises(ExportCancelled, match="after 2 frames"):
            store.export_jsonl(session_id, stopped, progress=lambda n: False)
    assert not stopped.exists(), "a cancelled export leaves no half-written file"
