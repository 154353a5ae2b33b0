"""FrameLogModel: batched appends, in-model filtering, the cap, request/response pairing."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtCore import QModelIndex, Qt
from PySide6.QtGui import QBrush, QFont

from ocpplab_desktop.gui.formatting import format_clock
from ocpplab_desktop.gui.log_model import Column, FrameLogModel, FrameRole
from ocpplab_desktop.protocol.frame import Direction, Frame, Side
from ocpplab_desktop.protocol.logbook import LogFilter

FrameFactory = Callable[..., Frame]
Exchange = Callable[..., tuple[Frame, Frame]]


@pytest.fixture
def mixed(make_frame: FrameFactory, exchange: Exchange) -> list[Frame]:
    """A small session from two stations: boot, status, an error, a corrupted frame, meter values."""
    boot = exchange(
        "BootNotification",
        {"chargePointVendor": "OCPPLab", "chargePointModel": "Virtual-22"},
        {"status": "Accepted", "currentTime": "2025-06-15T10:00:00Z", "interval": 300},
        uid="b-1",
    )
    status = exchange(
        "StatusNotification",
        {"connectorId": 1, "errorCode": "NoError", "status": "Preparing"},
        {},
        uid="s-1",
        station="CP-2",
    )
    remote = make_frame(
        [2, "r-1", "RemoteStartTransaction", {"idTag": "TAG-0042", "connectorId": 1}],
        station="CP-2",
        direction=Direction.TO_STATION,
    )
    refused = make_frame(
        [4, "r-1", "NotSupported", "RemoteStartTransaction is not supported", {}],
        station="CP-2",
        direction=Direction.TO_CSMS,
        action="RemoteStartTransaction",
        error="NotSupported",
    )
    garbage = make_frame(
        '[2, "m-1", "MeterValues", {"connectorId": 1,',
        direction=Direction.TO_CSMS,
        error="Invalid JSON: unexpected end",
    )
    meter = make_frame(
        [2, "m-2", "MeterValues", {"connectorId": 1, "meterValue": [{"timestamp": "2025-06-15T10:01:00Z"}]}]
    )
    return [*boot, *status, remote, refused, garbage, meter]


def column_texts(model: FrameLogModel, column: Column) -> list[str]:
    return [model.data(model.index(row, column)) for row in range(model.rowCount())]


@pytest.mark.parametrize("force_py", [True, False], ids=["python-tester", "qt-tester"])
def test_model_passes_qt_model_tester_through_appends_filters_and_drops(
    qtmodeltester, mixed: list[Frame], make_frame: FrameFactory, force_py: bool
) -> None:
    """The tester stays connected after check(), so it also verifies every change that follows."""
    model = FrameLogModel(capacity=12)
    model.append_frames(mixed[:4])
    qtmodeltester.check(model, force_py=force_py)
    model.append_frames(mixed[4:])
    model.set_filter(LogFilter(stations=frozenset({"CP-2"})))
    model.append_frames([make_frame([2, f"h-{i}", "Heartbeat", {}], station="CP-2") for i in range(8)])
    assert model.total_count == 12
    model.set_filter(LogFilter(text="heartbeat"))
    assert model.rowCount() == 8
    model.clear()
    assert model.rowCount() == 0


def test_each_batch_is_one_row_insertion(make_frame: FrameFactory) -> None:
    model = FrameLogModel()
    inserted: list[tuple[int, int]] = []
    model.rowsInserted.connect(lambda _parent, first, last: inserted.append((first, last)))
    for batch in range(3):
        model.append_frames([make_frame([2, f"{batch}-{i}", "Heartbeat", {}]) for i in range(500)])
    assert inserted == [(0, 499), (500, 999), (1000, 1499)]
    assert model.rowCount() == 1500


def test_cells_show_time_arrow_type_summary_and_rtt(mixed: list[Frame]) -> None:
    model = FrameLogModel()
    model.append_frames(mixed)
    first = [model.data(model.index(0, column)) for column in Column]
    assert first == [
        format_clock(mixed[0].wall_time),
        "CP-1",
        "station",
        "→",
        "CALL",
        "BootNotification",
        "b-1",
        "chargePointModel=Virtual-22 chargePointVendor=OCPPLab",
        "",
    ]
    assert model.data(model.index(1, Column.SUMMARY)).startswith("status=Accepted ")
    assert model.data(model.index(1, Column.DIR)) == "←"
    assert model.data(model.index(1, Column.RTT)) == "12.5"
    assert model.data(model.index(2, Column.SUMMARY)) == "status=Preparing connectorId=1 errorCode=NoError"
    assert column_texts(model, Column.TYPE) == ["CALL", "RESULT", "CALL", "RESULT", "CALL", "ERROR", "INVALID", "CALL"]
    assert model.data(model.index(5, Column.SUMMARY)) == "NotSupported: RemoteStartTransaction is not supported"
    assert model.data(model.index(6, Column.SUMMARY)) == "Invalid JSON: unexpected end"
    assert model.data(model.index(7, Column.SUMMARY)) == "connectorId=1 meterValue=[1]"
    assert model.data(model.index(1, Column.RTT), Qt.ItemDataRole.TextAlignmentRole) & Qt.AlignmentFlag.AlignRight


def test_errors_and_invalid_frames_are_tinted_and_others_are_not(mixed: list[Frame]) -> None:
    model = FrameLogModel()
    model.append_frames(mixed)
    tints = [model.data(model.index(row, Column.ACTION), Qt.ItemDataRole.BackgroundRole) for row in range(8)]
    assert [isinstance(tint, QBrush) for tint in tints] == [False] * 5 + [True, True, False]
    assert tints[6].color().alpha() > tints[5].color().alpha(), "an unreadable frame is marked harder than an error"
    type_font = model.data(model.index(5, Column.TYPE), Qt.ItemDataRole.FontRole)
    assert isinstance(type_font, QFont)
    assert type_font.bold()


def test_frame_role_and_frame_at_return_the_record(mixed: list[Frame]) -> None:
    model = FrameLogModel()
    model.append_frames(mixed)
    # Equal, message included: the log holds frames without their parsed messages and parses again.
    assert model.data(model.index(5, Column.TIME), FrameRole) == mixed[5]
    assert model.frame_at(5) == mixed[5] and model.frame_at(5).message == mixed[5].message
    with pytest.raises(IndexError, match="does not exist"):
        model.frame_at(8)
    assert model.data(QModelIndex(), Qt.ItemDataRole.DisplayRole) is None


@pytest.mark.parametrize(
    ("log_filter", "expected_uids"),
    [
        (LogFilter(stations=frozenset({"CP-2"})), ["s-1", "s-1", "r-1", "r-1"]),
        (LogFilter(action="RemoteStartTransaction"), ["r-1", "r-1"]),
        (LogFilter(direction=Direction.TO_STATION), ["b-1", "s-1", "r-1"]),
        (LogFilter(errors_only=True), ["r-1", ""]),
        (LogFilter(text="tag-0042"), ["r-1"]),
        (LogFilter(text="  VIRTUAL-22 "), ["b-1"]),
        (LogFilter(stations=frozenset({"CP-1"}), direction=Direction.TO_CSMS), ["b-1", "", "m-2"]),
        (LogFilter(side=Side.CSMS), []),
    ],
)
def test_filter_shows_only_matching_frames(mixed: list[Frame], log_filter: LogFilter, expected_uids: list[str]) -> None:
    model = FrameLogModel()
    model.append_frames(mixed)
    model.set_filter(log_filter)
    assert column_texts(model, Column.UNIQUE_ID) == expected_uids


def test_frames_appended_after_a_filter_are_filtered_too(make_frame: FrameFactory) -> None:
    model = FrameLogModel()
    model.set_filter(LogFilter(stations=frozenset({"CP-7"}), errors_only=True))
    counts: list[tuple[int, int]] = []
    model.counts_changed.connect(lambda shown, held: counts.append((shown, held)))
    model.append_frames(
        [
            make_frame([2, "a", "Heartbeat", {}], station="CP-7"),
            make_frame([4, "a", "InternalError", "boom", {}], station="CP-7", action="Heartbeat", error="x"),
            make_frame([4, "b", "InternalError", "boom", {}], station="CP-8", action="Heartbeat", error="x"),
        ]
    )
    assert [model.frame_at(row).unique_id for row in range(model.rowCount())] == ["a"]
    assert model.frame_at(0).station_id == "CP-7"
    assert counts == [(1, 3)]


def test_removing_the_filter_brings_back_every_frame_held(mixed: list[Frame]) -> None:
    model = FrameLogModel()
    model.append_frames(mixed)
    model.set_filter(LogFilter(errors_only=True))
    model.set_filter(LogFilter())
    assert [model.frame_at(row) for row in range(model.rowCount())] == mixed


def test_cap_drops_the_oldest_frames_in_one_removal(make_frame: FrameFactory) -> None:
    model = FrameLogModel(capacity=10)
    removed: list[tuple[int, int]] = []
    model.rowsRemoved.connect(lambda _parent, first, last: removed.append((first, last)))
    frames = [make_frame([2, f"id-{i}", "Heartbeat", {}]) for i in range(16)]
    model.append_frames(frames[:6])
    model.append_frames(frames[6:])
    assert removed == [(0, 5)]
    assert model.total_count == 10
    assert [model.frame_at(row).unique_id for row in range(model.rowCount())] == [f"id-{i}" for i in range(6, 16)]


def test_cap_only_removes_rows_that_were_shown(make_frame: FrameFactory) -> None:
    model = FrameLogModel(capacity=4)
    model.set_filter(LogFilter(stations=frozenset({"CP-2"})))
    model.append_frames(
        [
            make_frame([2, "a", "Heartbeat", {}], station="CP-1"),
            make_frame([2, "b", "Heartbeat", {}], station="CP-2"),
            make_frame([2, "c", "Heartbeat", {}], station="CP-1"),
        ]
    )
    removed: list[tuple[int, int]] = []
    model.rowsRemoved.connect(lambda _parent, first, last: removed.append((first, last)))
    model.append_frames([make_frame([2, "d", "Heartbeat", {}], station="CP-2") for _ in range(3)])
    assert removed == [(0, 0)], "dropping a and b removes the one shown row, b"
    assert [model.frame_at(row).unique_id for row in range(model.rowCount())] == ["d", "d", "d"]
    model.set_filter(LogFilter())
    assert [model.frame_at(row).unique_id for row in range(model.rowCount())] == ["c", "d", "d", "d"]


def test_a_batch_larger_than_the_cap_keeps_its_newest_frames(make_frame: FrameFactory) -> None:
    model = FrameLogModel(capacity=3)
    model.append_frames([make_frame([2, f"id-{i}", "Heartbeat", {}]) for i in range(5)])
    assert [model.frame_at(row).unique_id for row in range(3)] == ["id-2", "id-3", "id-4"]


def test_find_partner_links_request_and_response(make_frame: FrameFactory, exchange: Exchange) -> None:
    model = FrameLogModel()
    call, result = exchange("Authorize", {"idTag": "TAG-1"}, {"idTagInfo": {"status": "Accepted"}}, uid="42")
    other_station = make_frame([3, "42", {}], station="CP-9", action="Authorize")
    csms_copy = make_frame([3, "42", {}], side=Side.CSMS, action="Authorize")
    heartbeat = make_frame([2, "43", "Heartbeat", {}])
    model.append_frames([call, heartbeat, other_station, csms_copy, result])
    assert model.find_partner(0) == 4
    assert model.find_partner(4) == 0
    assert model.partner_frame(4) == call
    assert model.find_partner(1) is None, "a heartbeat nobody answered has no partner"
    assert model.find_partner(2) is None, "same id from another station is not a partner"


def test_find_partner_prefers_the_nearest_exchange_when_ids_repeat(make_frame: FrameFactory) -> None:
    model = FrameLogModel()
    frames = [
        make_frame([2, "1", "Heartbeat", {}]),
        make_frame([3, "1", {"currentTime": "2025-06-15T10:00:00Z"}], action="Heartbeat"),
        make_frame([2, "1", "Heartbeat", {}]),
        make_frame([3, "1", {"currentTime": "2025-06-15T10:05:00Z"}], action="Heartbeat"),
    ]
    model.append_frames(frames[:3])
    assert model.find_partner(2) is None, "the second request has no answer yet"
    model.append_frames(frames[3:])
    assert model.find_partner(2) == 3
    assert model.find_partner(3) == 2
    assert model.find_partner(1) == 0


def test_partner_hidden_by_the_filter_has_no_row_but_is_still_known(exchange: Exchange) -> None:
    model = FrameLogModel()
    model.append_frames(exchange("Heartbeat", {}, {"currentTime": "2025-06-15T10:00:00Z"}, uid="7"))
    model.set_filter(LogFilter(direction=Direction.TO_CSMS))
    assert model.find_partner(0) is None
    assert model.partner_frame(0) is not None
    assert model.partner_frame(0).direction is Direction.TO_STATION


def test_partners_survive_the_cap(make_frame: FrameFactory) -> None:
    model = FrameLogModel(capacity=4)
    model.append_frames([make_frame([2, "a", "Heartbeat", {}]), make_frame([3, "a", {}], action="Heartbeat")])
    assert model.find_partner(0) == 1
    model.append_frames([make_frame([2, "b", "Heartbeat", {}]), make_frame([3, "b", {}], action="Heartbeat")])
    model.append_frames([make_frame([2, "a", "Heartbeat", {}]), make_frame([3, "a", {}], action="Heartbeat")])
    assert [model.frame_at(row).unique_id for row in range(4)] == ["b", "b", "a", "a"]
    assert model.find_partner(2) == 3
    assert model.find_partner(1) == 0


def test_new_stations_and_actions_are_announced_once(make_frame: FrameFactory) -> None:
    model = FrameLogModel()
    stations: list[list[str]] = []
    actions: list[list[str]] = []
    model.stations_added.connect(stations.append)
    model.actions_added.connect(actions.append)
    model.append_frames([make_frame([2, "1", "Heartbeat", {}], station="CP-2"), make_frame([2, "2", "Authorize", {}])])
    model.append_frames([make_frame([2, "3", "Heartbeat", {}], station="CP-2")])
    assert stations == [["CP-1", "CP-2"]]
    assert actions == [["Authorize", "Heartbeat"]]
    assert model.stations == ["CP-1", "CP-2"]


def test_capacity_must_be_positive() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        FrameLogModel(capacity=0)
