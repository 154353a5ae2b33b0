"""A session whose recorder is gone is ended as a crash by the next program that opens the database;
one whose recorder is alive, in this process or another, is left alone. Real processes, real files."""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlite_utils import Database

from ocpplab_desktop.model.events import EventBus
from ocpplab_desktop.store.liveness import HOST, STALE_AFTER_S, process_alive
from ocpplab_desktop.store.recorder import SessionRecorder
from ocpplab_desktop.store.rows import iso_utc
from ocpplab_desktop.store.schema import MIGRATIONS, migrate
from ocpplab_desktop.store.store import Store

CHILD = Path(__file__).with_name("recording_child.py")
FRAMES = 40


@contextmanager
def recording_child(db: Path) -> Iterator[tuple[subprocess.Popen[str], int]]:
    """Another process recording a session of FRAMES frames; yields it and its session id."""
    with subprocess.Popen(
        [sys.executable, str(CHILD), str(db), str(FRAMES)], stdout=subprocess.PIPE, text=True
    ) as child:
        try:
            assert child.stdout is not None
            line = child.stdout.readline()
            assert line.strip().isdigit(), f"the child did not start recording (exit {child.poll()})"
            yield child, int(line)
        finally:
            child.kill()
            child.wait(timeout=30)


def last_frame_ts(db: Path, session_id: int) -> str:
    with sqlite3.connect(db) as conn:
        return str(
            conn.execute("SELECT ts FROM frames WHERE session_id = ? ORDER BY id DESC", [session_id]).fetchone()[0]
        )


def test_a_killed_recorders_session_is_ended_as_a_crash_at_its_last_frame_by_the_next_open(db_path: Path) -> None:
    with recording_child(db_path) as (child, session_id):
        with Store(db_path) as store:
            live = store.session(session_id)
        assert (live.ended_at, live.end_reason) == (None, None), "its recorder is alive: left alone"
        child.send_signal(signal.SIGKILL)
        child.wait(timeout=30)

    with Store(db_path) as store:
        crashed = store.session(session_id)
        assert crashed.crashed and crashed.end_reason == "crash"
        assert crashed.ended_at == last_frame_ts(db_path, session_id)
        assert crashed.frame_count == FRAMES
        next_session = store.start_session("the next start")
        assert store.session(next_session).ended_at is None, "the next start records as usual"
    with Store(db_path) as store:
        assert store.session(session_id) == crashed, "ended once, and left so"
        assert not store.session(next_session).crashed, "this process is alive"


def test_a_recorder_that_exited_without_closing_its_session_counts_as_crashed(db_path: Path) -> None:
    code = (
        "import sys; from ocpplab_desktop.store.store import Store; "
        "s = Store(sys.argv[1]); print(s.start_session('never closed'))"
    )
    done = subprocess.run([sys.executable, "-c", code, str(db_path)], capture_output=True, text=True, check=True)
    with Store(db_path) as store:
        info = store.session(int(done.stdout))
    assert info.crashed
    assert info.ended_at is not None and info.duration_s is not None and info.duration_s >= 0


def add_open_session(
    db: Path, *, pid: int | None, host: str | None, seen_ago_s: float | None
) -> tuple[int, str | None]:
    """An open session row as a recorder would have left it, `seen_ago_s` seconds after its last sign of life.

    Returns its id and `last_seen`.
    """
    now = datetime.now(UTC)
    last_seen = None if seen_ago_s is None else iso_utc((now - timedelta(seconds=seen_ago_s)).timestamp())
    with sqlite3.connect(db) as conn:
        cursor = conn.execute(
            "INSERT INTO sessions (name, started_at, source, meta, pid, host, last_seen) "
            "VALUES (?, ?, 'lab', '{}', ?, ?, ?)",
            ["row", iso_utc((now - timedelta(hours=1)).timestamp()), pid, host, last_seen],
        )
        assert cursor.lastrowid is not None
        return cursor.lastrowid, last_seen


@pytest.mark.parametrize(
    ("pid", "host", "seen_ago_s", "crashed"),
    [
        ("parent", HOST, 0.0, False),
        ("parent", HOST, STALE_AFTER_S * 3, True),
        ("gone", HOST, 0.0, True),
        (1, "another-host", 0.0, False),
        (1, "another-host", STALE_AFTER_S * 3, True),
        (None, None, None, True),
    ],
    ids=[
        "live process, recent sign of life",
        "live process id, stale: the id was reused",
        "process gone",
        "another host, recent sign of life",
        "another host, stale",
        "left open by an older OCPPLab",
    ],
)
def test_which_open_sessions_count_as_crashed(
    db_path: Path, pid: int | str | None, host: str | None, seen_ago_s: float | None, crashed: bool
) -> None:
    Store(db_path).close()
    if pid == "parent":
        pid = os.getppid()
    elif pid == "gone":
        reaped = subprocess.Popen([sys.executable, "-c", "pass"])
        reaped.wait()
        pid = reaped.pid
    assert pid is None or isinstance(pid, int)
    session_id, last_seen = add_open_session(db_path, pid=pid, host=host, seen_ago_s=seen_ago_s)
    with Store(db_path) as store:
        info = store.session(session_id)
    assert info.crashed is crashed
    if crashed:  # no frames: it ends at its last sign of life, else when it started
        assert info.ended_at == (last_seen or info.started_at)


def test_an_open_session_of_a_database_from_before_recorders_named_themselves_is_ended_on_upgrade(
    db_path: Path,
) -> None:
    db = Database(db_path)
    migrate(db, MIGRATIONS[:2])
    db["sessions"].insert({"name": "old", "started_at": "2025-01-01T00:00:00.000Z", "source": "lab", "meta": "{}"})
    db.close()
    with Store(db_path) as store:
        (info,) = store.list_sessions()
    assert (info.crashed, info.ended_at) == (True, "2025-01-01T00:00:00.000Z")


def test_a_session_recorded_in_this_process_is_never_taken_for_a_crash(db_path: Path) -> None:
    with Store(db_path) as store:
        session_id = store.start_session("mine")
        recorder = SessionRecorder(store, EventBus(), session_id)
        with sqlite3.connect(db_path) as conn:  # even when its sign of life is old
            conn.execute("UPDATE sessions SET last_seen = '2000-01-01T00:00:00.000Z'")
        with Store(db_path) as again:
            assert again.end_crashed_sessions() == []
        recorder.close()


def test_a_dead_process_that_was_not_reaped_yet_is_not_alive() -> None:
    assert process_alive(os.getpid())
    child = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        assert process_alive(child.pid)
        child.send_signal(signal.SIGKILL)
        deadline = time.monotonic() + 30
        while process_alive(child.pid) and time.monotonic() < deadline:
            time.sleep(0.01)
        assert not process_alive(child.pid), "a zombie is dead"
    finally:
        child.kill()
        child.wait()
    assert not process_alive(child.pid)
