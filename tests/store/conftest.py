"""Frames and a recorded session database shared by the store tests."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from ocpplab_desktop.model.config import StationConfig
from ocpplab_desktop.model.events import EventBus
from ocpplab_desktop.protocol.frame import Direction, Frame, MessageType, Side
from ocpplab_desktop.store.recorder import SessionRecorder
from ocpplab_desktop.store.store import Store


def make_frames(count: int, station_id: str = "CP001", start: float = 1_700_000_000.0) -> list[Frame]:
    """A mix of what the wire carries: calls, results, call errors and text that is not JSON."""
    frames = []
    for i in range(count):
        uid = f"{station_id}-{i}"
        kind = i % 4
        if kind == 0:
            raw = json.dumps([2, uid, "Heartbeat", {}])
            mtype, direction, error, rtt, note = MessageType.CALL, Direction.TO_CSMS, None, None, None
        elif kind == 1:
            raw = json.dumps([3, uid, {"currentTime": "2023-11-14T22:13:20Z"}])
            mtype, direction, error, rtt, note = MessageType.CALLRESULT, Direction.TO_STATION, None, 12.5, None
        elif kind == 2:
            raw = json.dumps([4, uid, "FormationViolation", "bad idTag «ü»", {}], ensure_ascii=False)
            mtype, direction, error, rtt, note = (
                MessageType.CALLERROR,
                Direction.TO_STATION,
                None,
                3.25,
                "fault: garble",
            )
        else:
            raw = '[2, "not closed\u2028'
            mtype, direction, error, rtt, note = (
                MessageType.INVALID,
                Direction.TO_CSMS,
                "ProtocolError: not JSON",
                None,
                None,
            )
        try:
            message = json.loads(raw)
        except ValueError:
            message = None
        frames.append(
            Frame(
                seq=1000 + i,
                wall_time=start + i * 0.125,
                mono_time=50.0 + i * 0.125,
                station_id=station_id,
                side=Side.STATION if i % 3 else Side.CSMS,
                direction=direction,
                message_type=mtype,
                unique_id=None if mtype is MessageType.INVALID else uid,
                action=None if mtype is MessageType.INVALID else "Heartbeat",
                raw=raw,
                message=message,
                error=error,
                rtt_ms=rtt,
                note=note,
            )
        )
    return frames


@pytest.fixture(name="make_frames")
def make_frames_fixture() -> Callable[..., list[Frame]]:
    return make_frames


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "sessions.db"


@pytest.fixture
def recorded(db_path: Path) -> tuple[Path, int, list[Frame]]:
    """A database holding one ended lab session of two stations and their frames."""
    frames = make_frames(40, "CP001") + make_frames(20, "CP002", start=1_700_000_001.0)
    bus = EventBus()
    with Store(db_path) as store:
        session_id = store.start_session("morning run")
        for station_id in ("CP001", "CP002"):
            store.add_station(session_id, StationConfig(id=station_id))
        recorder = SessionRecorder(store, bus, session_id)
        for frame in frames:
            bus.publish(frame)
        recorder.close()
    return db_path, session_id, frames
