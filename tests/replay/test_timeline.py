"""The timeline without Qt: any way of getting to a moment shows the same frames and states there."""

from __future__ import annotations

import itertools
import json
import random
from pathlib import Path
from typing import Any

import pytest

from ocpplab_desktop.cli import main
from ocpplab_desktop.model.events import MeterSample
from ocpplab_desktop.protocol.frame import Direction, Frame, MessageType, Side
from ocpplab_desktop.replay.timeline import Timeline, clock_text, status_report
from ocpplab_desktop.store.store import Store

_seq = itertools.count(1)


def frame(message: list[Any], at: float, *, station: str = "CP-1", side: Side = Side.STATION) -> Frame:
    """A frame as a tap records it `at` seconds into the session."""
    message_type = MessageType(message[0])
    direction = Direction.TO_CSMS if message_type is MessageType.CALL else Direction.TO_STATION
    action = message[2] if message_type is MessageType.CALL else None
    return Frame(next(_seq), 1_750_000_000.0 + at, 500.0 + at, station, side, direction, message_type,
                 str(message[1]), action, json.dumps(message), message)  # fmt: skip


def status16(at: float, connector: int, status: str, **kw: Any) -> Frame:
    payload = {"connectorId": connector, "errorCode": "NoError", "status": status}
    return frame([2, f"s{at}", "StatusNotification", payload], at, **kw)


def status201(at: float, evse: int, connector: int, status: str, **kw: Any) -> Frame:
    payload = {"timestamp": "2026-01-01T00:00:00Z", "connectorStatus": status, "evseId": evse, "connectorId": connector}
    return frame([2, f"s{at}", "StatusNotification", payload], at, **kw)


def meter_call(at: float, context: str = "Sample.Periodic", **kw: Any) -> Frame:
    value = {"timestamp": "2026-01-01T00:00:00Z", "sampledValue": [{"value": "1", "context": context}]}
    return frame([2, f"m{at}", "MeterValues", {"connectorId": 1, "meterValue": [value]}], at, **kw)


def sample(sim_time: float, on_wire: bool, station: str = "CP-1") -> MeterSample:
    return MeterSample(station, 1, 1, sim_time, 0.0, 7000.0, 11000.0, 230.0, (10.0,), None, on_wire)


def random_session(rng: random.Random, count: int = 60) -> list[Frame]:
    """Frames of both sides with status reports from two stations, some at the same instant."""
    frames: list[Frame] = []
    at = 0.0
    statuses = ("Available", "Preparing", "Charging", "Finishing", "Faulted")
    for i in range(count):
        at += rng.choice((0.0, 0.0, 0.01, 0.5, 2.0))
        station = rng.choice(("CP-1", "CP-2"))
        if rng.random() < 0.4:
            made = status16(at, rng.randint(0, 2), rng.choice(statuses), station=station)
        else:
            made = frame([2, f"h{i}", "Heartbeat", {}], at, station=station)
        frames.append(made)
        frames.append(frame(made.message, at + 0.001, station=station, side=Side.CSMS))
    return frames


def replayed_states(frames: list[Frame]) -> dict[tuple[Any, ...], str]:
    """An independent oracle: the last status each station's connector reported."""
    states: dict[tuple[Any, ...], str] = {}
    for item in frames:
        if item.action == "StatusNotification" and item.message_type is MessageType.CALL:
            states[(item.station_id, item.payload["connectorId"])] = item.payload["status"]
    return states


@pytest.mark.parametrize("seed", range(8))
def test_playing_at_any_tick_sizes_shows_the_same_frames_as_seeking_there(seed: int) -> None:
    rng = random.Random(seed)
    frames = random_session(rng)
    played = Timeline(frames)
    shown: list[Frame] = []
    while not played.at_end:
        shown += played.advance(rng.uniform(0.0, 0.2), rng.choice((0.1, 1.0, 10.0, 1000.0)))
        sought = Timeline(frames)
        assert sought.seek(played.position) == shown
        assert sought.index == played.index
        assert played.connector_states() == replayed_states(shown)
    assert shown == [item for item in frames if item.side is Side.STATION]
    assert played.position == played.duration


@pytest.mark.parametrize("seed", range(8))
def test_each_step_moves_the_index_by_one_and_back_undoes_it(seed: int) -> None:
    rng = random.Random(seed)
    frames = random_session(rng)
    timeline = Timeline(frames)
    timeline.seek(rng.uniform(0, timeline.duration))
    for _ in range(100):
        before, position = timeline.index, timeline.position
        states = timeline.connector_states()
        if rng.random() < 0.5:
            stepped = timeline.step_forward()
            assert timeline.index == min(before + 1, len(timeline.frames))
            if stepped is not None:
                assert timeline.step_back() is stepped
                assert timeline.index == before and timeline.connector_states() == states
                timeline.step_forward()
        else:
            stepped = timeline.step_back()
            assert timeline.index == max(before - 1, 0)
            if stepped is not None:
                assert timeline.frames[timeline.index] is stepped
                assert timeline.position <= position
        assert timeline.connector_states() == replayed_states(list(timeline.frames[: timeline.index]))
        # Seeking to where the steps led shows at least the frames shown (later ones at the same instant too).
        assert Timeline(frames).seek(timeline.position)[: timeline.index] == list(timeline.frames[: timeline.index])


def test_states_come_from_one_side_only_and_the_csms_side_when_alone() -> None:
    both = [status16(0.0, 1, "Preparing"), status16(0.0, 1, "Faulted", side=Side.CSMS)]
    assert Timeline(both).side is Side.STATION
    timeline = Timeline(both)
    timeline.seek(1.0)
    assert timeline.connector_states() == {("CP-1", 1): "Preparing"}
    alone = Timeline([both[1]])
    alone.seek(1.0)
    assert alone.side is Side.CSMS and alone.connector_states() == {("CP-1", 1): "Faulted"}


def test_a_201_report_is_keyed_by_evse_and_connector() -> None:
    report = status_report(status201(0.0, 2, 1, "Occupied"))
    assert report == (("CP-1", 2, 1), "Occupied")
    assert status_report(frame([2, "x", "Heartbeat", {}], 0.0)) is None
    answer = frame([3, "x", {}], 0.0)
    assert status_report(answer) is None


def test_connector_states_at_an_index_ignore_the_cursor() -> None:
    timeline = Timeline([status16(0.0, 1, "Preparing"), status16(1.0, 1, "Charging"), status16(2.0, 1, "Finishing")])
    assert timeline.connector_states(0) == {}
    assert timeline.connector_states(2) == {("CP-1", 1): "Charging"}
    assert timeline.index == 0


def test_seek_is_kept_within_the_session_and_advance_refuses_to_go_backwards() -> None:
    timeline = Timeline([frame([2, "a", "Heartbeat", {}], 0.0), frame([2, "b", "Heartbeat", {}], 3.0)])
    assert timeline.duration == 3.0
    assert len(timeline.seek(99.0)) == 2 and timeline.position == 3.0 and timeline.at_end
    assert len(timeline.seek(-5.0)) == 1 and timeline.position == 0.0
    with pytest.raises(ValueError, match="positive speed"):
        timeline.advance(0.1, 0.0)
    assert timeline.step_back() is not None and timeline.step_back() is None


def test_an_empty_session_is_a_timeline_of_nothing() -> None:
    timeline = Timeline([])
    assert (timeline.duration, timeline.index, timeline.at_end) == (0.0, 0, True)
    assert timeline.advance(1.0, 1.0) == [] and timeline.step_forward() is None


def test_samples_are_placed_between_the_calls_that_carried_them() -> None:
    # Simulated time ran 100x faster than the frames' clock: sim 100 s went out at 1 s, sim 300 s at 3 s.
    frames = [
        frame([2, "boot", "Heartbeat", {}], 0.0),
        meter_call(1.0),
        meter_call(2.0, "Sample.Clock"),
        meter_call(3.0),
    ]
    samples = [
        sample(100.0, True),
        sample(200.0, False),
        sample(300.0, True),
        sample(50.0, False),
        sample(900.0, False),
    ]
    timeline = Timeline(frames, samples)
    assert [s.sim_time for s in timeline.samples] == [50.0, 100.0, 200.0, 300.0, 900.0]
    assert timeline.sample_times == pytest.approx([0.5, 1.0, 2.0, 3.0, 3.0])  # the last one kept inside
    assert [s.sim_time for s in timeline.samples_until(2.5)] == [50.0, 100.0, 200.0]


def test_without_anchors_simulated_time_runs_at_real_speed_from_the_first_sample() -> None:
    frames = [frame([2, "a", "Heartbeat", {}], 0.0), frame([2, "b", "Heartbeat", {}], 10.0)]
    timeline = Timeline(frames, [sample(40.0, False), sample(45.0, False), sample(99.0, False)])
    assert timeline.sample_times == (0.0, 5.0, 10.0)


def test_the_clock_text_shows_tenths_and_hours_when_needed() -> None:
    assert clock_text(0.0) == "00:00.0"
    assert clock_text(75.34) == "01:15.3"
    assert clock_text(3725.0) == "1:02:05.0"


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("timeline") / "session.db"
    assert main(["run", "local-session-16", "--db", str(db), "--speed", "500"]) == 0
    return db


def test_a_recorded_session_plays_to_the_end_with_every_connector_available(recorded: Path) -> None:
    with Store(recorded) as store:
        frames = list(store.frames(1))
        samples = store.samples(1)
    timeline = Timeline(frames, samples)
    station_frames = [item for item in frames if item.side is Side.STATION]
    shown: list[Frame] = []
    while not timeline.at_end:
        shown += timeline.advance(1 / 30, 0.1)
    assert shown == station_frames
    assert set(timeline.connector_states().values()) == {"Available"}
    assert ("SCN-LOCAL-16", 1) in timeline.connector_states()
    # The graph's samples all fall within the session, in time order, periodic ones at their CALL.
    assert len(timeline.samples_until(timeline.duration)) == len(samples) > 0
    assert list(timeline.sample_times) == sorted(timeline.sample_times)
    meter_calls = [
        t
        for t, item in zip(timeline.times, timeline.frames, strict=True)
        if item.action == "MeterValues" and item.message_type is MessageType.CALL
    ]
    assert [t for t, s in zip(timeline.sample_times, timeline.samples, strict=True) if s.on_wire] == meter_calls
