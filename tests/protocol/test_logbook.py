"""The log's core without Qt: the cap, filtering over a mix of frames, and pairing a CALL with its answer."""

from __future__ import annotations

import itertools
import json
import random
from dataclasses import replace
from typing import Any

import pytest

from ocpplab_desktop.protocol.frame import Direction, Frame, MessageType, Side
from ocpplab_desktop.protocol.logbook import Logbook, LogFilter, is_error, search_text

_seq = itertools.count(1)


def frame(
    message: list[Any] | str,
    *,
    station: str = "CP-1",
    side: Side = Side.STATION,
    direction: Direction | None = None,
    action: str | None = None,
    error: str | None = None,
) -> Frame:
    """A frame as a tap records it; `message` is the OCPP-J array, or raw text that is not JSON."""
    seq = next(_seq)
    if isinstance(message, str):
        raw, parsed, message_type, unique_id = message, None, MessageType.INVALID, None
    else:
        raw, parsed = json.dumps(message), message
        message_type, unique_id = MessageType(message[0]), str(message[1])
        if message_type is MessageType.CALL:
            action = message[2]
    if direction is None:
        direction = Direction.TO_CSMS if message_type is MessageType.CALL else Direction.TO_STATION
    return Frame(seq, 1_750_000_000.0 + seq, float(seq), station, side, direction, message_type, unique_id,
                 action, raw, parsed, error)  # fmt: skip


def call(uid: str, action: str = "Heartbeat", payload: dict[str, Any] | None = None, **kw: Any) -> Frame:
    return frame([2, uid, action, payload or {}], **kw)


def result(uid: str, action: str = "Heartbeat", payload: dict[str, Any] | None = None, **kw: Any) -> Frame:
    return frame([3, uid, payload or {}], action=action, **kw)


def callerror(uid: str, action: str = "Heartbeat", **kw: Any) -> Frame:
    return frame([4, uid, "InternalError", "handler failed", {}], action=action, **kw)


def book_of(frames: list[Frame], capacity: int = 1000) -> Logbook:
    book = Logbook(capacity)
    book.extend(frames)
    return book


# --- pairing -------------------------------------------------------------------------------------
def test_interleaved_stations_and_sides_reusing_ids_pair_each_call_with_its_own_answer() -> None:
    """Three stations, both taps, the same ids in each, answers out of order: every pair is found."""
    rng = random.Random(3)
    frames: list[Frame] = []
    expected: dict[int, int] = {}  # position of a frame -> position of its partner
    waiting: list[tuple[int, str, Side, str, Direction]] = []
    for n in range(800):
        if waiting and rng.random() < 0.45:  # an answer to one of the open calls, not necessarily the oldest
            position, station, side, uid, towards = waiting.pop(rng.randrange(len(waiting)))
            back = Direction.TO_STATION if towards is Direction.TO_CSMS else Direction.TO_CSMS
            answer = result if rng.random() < 0.8 else callerror
            expected[position], expected[len(frames)] = len(frames), position
            frames.append(answer(uid, station=station, side=side, direction=back))
            continue
        station, side = rng.choice(["CP-1", "CP-2", "CP-3"]), rng.choice(list(Side))
        uid = str(n % 7)  # ids come back: one is used again once its call was answered
        if any((s, sd, u) == (station, side, uid) for _, s, sd, u, _ in waiting):
            continue
        towards = rng.choice(list(Direction))  # CSMS-initiated calls travel the other way
        waiting.append((len(frames), station, side, uid, towards))
        frames.append(call(uid, station=station, side=side, direction=towards))
    assert len(expected) > 300 and len({f.station_id for f in frames}) == 3
    book = book_of(frames)
    for position in range(len(frames)):
        assert book.partner(position) == expected.get(position), frames[position]


def test_a_response_pairs_with_the_latest_call_of_its_id_before_it() -> None:
    frames = [call("1"), result("1"), call("1"), result("1")]
    book = book_of(frames)
    assert [book.partner(i) for i in range(4)] == [1, 0, 3, 2]


def test_an_answer_travelling_the_same_way_as_the_call_is_no_partner() -> None:
    book = book_of([call("1"), result("1", direction=Direction.TO_CSMS)])
    assert book.partner(0) is None and book.partner(1) is None


def test_unreadable_frames_and_unanswered_calls_have_no_partner() -> None:
    book = book_of([call("1"), frame('[3, "1", {"curr'), call("2"), result("2")])
    assert book.partner(0) is None
    assert book.partner(1) is None
    assert book.partner(2) == 3


def test_pairs_are_found_across_batches_and_lost_once_the_cap_drops_the_call() -> None:
    book = Logbook(capacity=3)
    book.extend([call("1"), call("2")])
    assert book.partner(0) is None
    book.extend([result("1")])
    assert book.partner(2) == 0, "an answer that arrives later pairs with the call held before"
    book.extend([result("2")])  # drops call "1"
    assert book.start == 1
    assert book.partner(3) == 1
    assert book.partner(2) is None, "its call is gone"


# --- the cap -------------------------------------------------------------------------------------
def test_the_cap_keeps_the_newest_frames_under_indices_that_do_not_change() -> None:
    frames = [call(str(n)) for n in range(5)]
    book = Logbook(capacity=3)
    for one in frames:
        book.extend([one])
    assert (len(book), book.start, book.end) == (3, 2, 5)
    assert [book.frame(i) for i in range(2, 5)] == frames[2:]
    with pytest.raises(IndexError):
        book.frame(1)
    assert book.overflow(2) == 2 and book.overflow(10) == 3


def test_a_batch_larger_than_the_cap_leaves_only_its_newest_frames() -> None:
    frames = [call(str(n)) for n in range(5)]
    book = book_of([call("old")], capacity=3)
    book.extend(frames)
    assert [book.frame(i) for i in range(book.start, book.end)] == frames[-3:]


def test_clearing_forgets_the_frames_but_not_the_stations_and_indices_go_on() -> None:
    book = book_of([call("1", station="CP-1")])
    book.clear()
    assert len(book) == 0 and book.stations == ["CP-1"]
    book.extend([call("2", station="CP-2")])
    assert book.start == 1 and book.matching(LogFilter()) == [1]


def test_stations_and_actions_are_reported_new_only_once() -> None:
    book = Logbook(10)
    assert book.extend([call("1", "Heartbeat", station="B"), call("2", "Authorize", station="A")]) == (
        ["A", "B"],
        ["Authorize", "Heartbeat"],
    )
    assert book.extend([call("3", "Heartbeat", station="A"), call("4", "BootNotification", station="C")]) == (
        ["C"],
        ["BootNotification"],
    )


# --- filtering -----------------------------------------------------------------------------------
def mix() -> list[Frame]:
    """Two stations on both taps: calls, answers, CALLERRORs, a frame that failed validation, an unreadable one."""
    frames = []
    for station in ("CP-1", "CP-2"):
        for side in Side:
            status = {"connectorId": 1, "errorCode": "NoError", "status": "Charging"}
            frames += [
                call("a", "StatusNotification", status, station=station, side=side),
                result("a", "StatusNotification", station=station, side=side),
                call("b", "Heartbeat", station=station, side=side),
                callerror("b", station=station, side=side),
                call("c", "Authorize", {"idTag": "TAG-7"}, station=station, side=side, error="FormationViolation"),
                frame('[3, "c", {"idTagInfo"', station=station, side=side),
            ]
    return frames


def passes(f: Frame, log_filter: LogFilter) -> bool:
    """What a filter means, written out frame by frame (the logbook filters in bulk)."""
    needle = log_filter.text.strip().lower()
    return (
        (not log_filter.stations or f.station_id in log_filter.stations)
        and (log_filter.side is None or f.side is log_filter.side)
        and (log_filter.direction is None or f.direction is log_filter.direction)
        and (log_filter.action is None or f.action == log_filter.action)
        and (not log_filter.errors_only or f.message_type in (MessageType.CALLERROR, MessageType.INVALID)
             or f.error is not None)
        and (needle in f"{f.station_id} {f.action} {f.unique_id} {f.raw}".lower())
    )  # fmt: skip


FILTERS = [
    LogFilter(**dict(zip(("stations", "side", "direction", "action", "errors_only", "text"), values, strict=True)))
    for values in itertools.product(
        [frozenset(), frozenset({"CP-2"})],
        [None, Side.CSMS],
        [None, Direction.TO_STATION],
        [None, "Heartbeat"],
        [False, True],
        ["", "  CHARGING ", "tag-7", "cp-1"],
    )
]


@pytest.mark.parametrize("log_filter", FILTERS)
def test_a_filter_shows_exactly_the_frames_it_describes(log_filter: LogFilter) -> None:
    frames = mix()
    book = book_of(frames)
    assert book.matching(log_filter) == [i for i, f in enumerate(frames) if passes(f, log_filter)]


def test_matching_a_range_gives_absolute_indices_of_that_range_only() -> None:
    frames = mix()
    book = Logbook(capacity=20)
    for start in range(0, len(frames), 6):
        book.extend(frames[start : start + 6])
    assert book.start == len(frames) - 20
    wanted = [i for i, f in enumerate(frames) if i >= book.start and f.station_id == "CP-2"]
    assert book.matching(LogFilter(stations=frozenset({"CP-2"}))) == wanted
    assert book.matching(LogFilter(stations=frozenset({"CP-2"})), start=book.end - 6) == wanted[-6:]


def test_errors_are_callerrors_unreadable_frames_and_frames_that_failed_validation() -> None:
    assert [is_error(f) for f in mix()[:6]] == [False, False, False, True, True, True]


def test_the_search_text_is_lowercase_and_holds_station_action_id_raw_frame_note_and_error() -> None:
    frame = call("AbC", "BootNotification", {"chargePointModel": "X1"}, station="Cp-9")
    text = search_text(frame)
    assert (
        text == 'cp-9\x1fbootnotification\x1fabc\x1f[2, "abc", "bootnotification", {"chargepointmodel": "x1"}]\x1f\x1f'
    )
    noted = search_text(replace(frame, note="fault: drop", error="not sent: Dropped"))
    assert noted.endswith("\x1ffault: drop\x1fnot sent: dropped")


def test_the_faults_filter_shows_every_frame_a_fault_touched_and_nothing_else() -> None:
    book = Logbook(100)
    plain = call("a1", "Heartbeat", {})
    dropped = replace(call("a2", "Heartbeat", {}), note="fault: drop", error="not sent: dropped")
    corrupted = replace(call("a3", "Heartbeat", {}), intended='[2,"a3","Heartbeat",{}]')
    other_note = replace(call("a4", "Heartbeat", {}), note="injected by replay")
    book.extend([plain, dropped, corrupted, other_note])
    assert book.matching(LogFilter(faults_only=True)) == [1, 2]
