"""The recorder's writer thread on real SQLite files: obstacles delay the recording but lose nothing,
failures are reported once, the sign of life is renewed, and graph samples are thinned out."""

from __future__ import annotations

import asyncio
import itertools
import logging
import sqlite3
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from store_helpers import FakeClock

from ocpplab_desktop.model.events import EventBus, MeterSample
from ocpplab_desktop.protocol.frame import Frame
from ocpplab_desktop.store.errors import StoreError
from ocpplab_desktop.store.recorder import SAMPLE_GAP_S, SessionRecorder
from ocpplab_desktop.store.status import RecordingStatus
from ocpplab_desktop.store.store import Store

WAIT_S = 20.0


def records(frames: list[Frame]) -> list[dict[str, object]]:
    return [frame.to_record() for frame in frames]


def stored_count(db: Path) -> int:
    with sqlite3.connect(db) as conn:
        return int(conn.execute("SELECT count(*) FROM frames").fetchone()[0])


async def until(condition: Callable[[], bool], what: str) -> None:
    deadline = time.monotonic() + WAIT_S
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        await asyncio.sleep(0.01)


async def test_a_lock_held_by_another_program_delays_the_recording_loses_nothing_and_is_reported_once(
    db_path: Path, make_frames: Callable[..., list[Frame]], caplog: pytest.LogCaptureFixture
) -> None:
    before, during, after = make_frames(10, "CP-A"), make_frames(30, "CP-B"), make_frames(5, "CP-C")
    bus = EventBus()
    seen: list[RecordingStatus] = []
    bus.subscribe(lambda event: seen.append(event) if isinstance(event, RecordingStatus) else None)
    with Store(db_path, timeout=0.05) as store:
        session_id = store.start_session("locked out for a while")
        recorder = SessionRecorder(store, bus, session_id, interval=0.01)
        supervisor = asyncio.create_task(recorder.run())
        for frame in before:
            bus.publish(frame)
        await until(lambda: stored_count(db_path) == len(before), "the first frames to be stored")

        other = sqlite3.connect(db_path, isolation_level=None)
        other.execute("BEGIN EXCLUSIVE")  # another program holds the write lock
        with caplog.at_level(logging.WARNING, logger="ocpplab_desktop.store.recorder"):
            for frame in during[:15]:
                bus.publish(frame)
            await until(lambda: recorder.status.failing, "the failure to be reported")
            for frame in during[15:]:
                bus.publish(frame)
            await asyncio.sleep(0.3)  # several more failed attempts while the lock is held
            assert stored_count(db_path) == len(before)
            assert recorder.pending >= len(during)
            other.execute("ROLLBACK")
            other.close()
            for frame in after:
                bus.publish(frame)
            await until(lambda: recorder.pending == 0 and not recorder.status.failing, "the held events")
            await until(lambda: len(seen) == 2, "the bus to hear of the recovery")
        supervisor.cancel()
        recorder.close()

        assert records(list(store.frames(session_id))) == records(before + during + after)
        notes = [e for e in store.events(session_id) if e.kind == "recording"]
    errors = [r.getMessage() for r in caplog.records if r.levelno == logging.ERROR]
    assert len(errors) == 1, "one report for the whole run of failures"
    assert "locked" in errors[0] and "keeping" in errors[0]
    assert [s.failing for s in seen] == [True, False], "the bus heard of the failure and of the recovery"
    assert "locked" in seen[0].reason and seen[0].held >= 15
    assert [n.data["failing"] for n in notes] == [True, False], "the session's events keep the failure too"
    assert "recording is failing" in notes[0].detail


def test_flush_raises_while_writing_fails_keeps_the_events_and_close_retries(
    db_path: Path, make_frames: Callable[..., list[Frame]]
) -> None:
    frames = make_frames(12)
    bus = EventBus()
    with Store(db_path, timeout=0.01) as store:
        session_id = store.start_session("closed while locked")
        recorder = SessionRecorder(store, bus, session_id, interval=3600)
        for frame in frames:
            bus.publish(frame)
        other = sqlite3.connect(db_path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")
        with pytest.raises(StoreError, match="locked"):
            recorder.close()
        assert recorder.pending == len(frames) + 1, "the frames and the note that writing failed"
        other.execute("ROLLBACK")
        other.close()
        recorder.close()
        assert recorder.pending == 0
        assert records(list(store.frames(session_id))) == records(frames)
        assert [e.data["failing"] for e in store.events(session_id)] == [True]
        info = store.session(session_id)
    assert info.end_reason == "closed"


async def test_an_idle_recorder_renews_its_sessions_sign_of_life(db_path: Path) -> None:
    def last_seen() -> str:
        with sqlite3.connect(db_path) as conn:
            return str(conn.execute("SELECT last_seen FROM sessions").fetchone()[0])

    with Store(db_path) as store:
        recorder = SessionRecorder(store, EventBus(), store.start_session("idle"), interval=0.01)
        first = last_seen()
        await until(lambda: last_seen() != first, "a new sign of life")
        recorder.close()
    assert last_seen() > first


async def test_the_recorder_takes_back_a_crash_mark_set_while_it_was_silent(db_path: Path) -> None:
    with Store(db_path) as store:
        session_id = store.start_session("thought dead")
        recorder = SessionRecorder(store, EventBus(), session_id, interval=0.01)
        with sqlite3.connect(db_path) as conn:
            conn.execute("UPDATE sessions SET ended_at = last_seen, end_reason = 'crash'")
        assert store.session(session_id).crashed
        await until(lambda: store.session(session_id).ended_at is None, "the recorder to show it is alive")
        assert store.session(session_id).end_reason is None
        recorder.close()
        assert store.session(session_id).end_reason == "closed"


# --- meter samples -------------------------------------------------------------------------------


def sample(connector: int, sim_time: float, *, on_wire: bool = False) -> MeterSample:
    return MeterSample("CP-X", 1, connector, sim_time, sim_time * 2, 7000.0, 7400.0, 230.0, (10.0,), on_wire=on_wire)


def record_samples(db: Path, clock: FakeClock, events: list[tuple[float, Any]]) -> list[MeterSample]:
    """Publish each (wall-clock time, sample) at its time; returns what was stored."""
    bus = EventBus()
    with Store(db) as store:
        session_id = store.start_session("samples")
        recorder = SessionRecorder(store, bus, session_id, interval=3600, clock=clock)
        for at, event in events:
            clock.now = at
            bus.publish(event)
        recorder.close()
        return store.samples(session_id)


def test_at_x100_graph_samples_are_thinned_to_one_per_gap_per_connector_and_meter_values_are_all_kept(
    db_path: Path,
) -> None:
    clock = FakeClock()
    start = clock.now
    events: list[tuple[float, Any]] = []
    for tick in range(1000):  # 10 s of wall-clock time at x100: one graph sample per simulated second
        for connector in (1, 2):
            events.append((start + tick * 0.01, sample(connector, float(tick))))
        if tick % 60 == 0:  # a MeterValues every 60 simulated seconds
            events.append((start + tick * 0.01, sample(1, float(tick), on_wire=True)))
    stored = record_samples(db_path, clock, events)

    published_on_wire = [event for _, event in events if event.on_wire]
    assert [s for s in stored if s.on_wire] == published_on_wire
    for connector in (1, 2):
        kept = [s for s in stored if s.connector_id == connector and not s.on_wire]
        assert 0 < len(kept) <= 10 / SAMPLE_GAP_S + 1
        gaps = [(b.sim_time - a.sim_time) / 100 for a, b in itertools.pairwise(kept)]
        assert all(gap >= SAMPLE_GAP_S - 1e-9 for gap in gaps), "one per gap of wall-clock time at most"


def test_at_x1_every_graph_sample_is_kept_despite_timer_jitter(db_path: Path) -> None:
    clock = FakeClock()
    jitter = [0.0, 0.04, -0.03, 0.05, -0.05, 0.01]
    events = [(clock.now + t + jitter[t % len(jitter)], sample(1, float(t))) for t in range(60)]
    assert len(record_samples(db_path, clock, events)) == 60


def test_a_wall_clock_that_steps_back_does_not_stop_the_samples(db_path: Path) -> None:
    clock = FakeClock()
    start = clock.now
    events = [(start, sample(1, 0.0)), (start - 3600.0, sample(1, 1.0)), (start - 3599.0, sample(1, 2.0))]
    assert [s.sim_time for s in record_samples(db_path, clock, events)] == [0.0, 1.0, 2.0]
