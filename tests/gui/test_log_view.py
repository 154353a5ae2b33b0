"""LogView driven like a user would: typing filters, selecting rows, copying, scrolling."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from PySide6.QtCore import QModelIndex, QPoint, Qt
from PySide6.QtGui import QColor, QGuiApplication

from ocpplab_desktop.gui.log_model import Column
from ocpplab_desktop.gui.log_view import LogView
from ocpplab_desktop.protocol.frame import Direction, Frame, Side

FrameFactory = Callable[..., Frame]
Exchange = Callable[..., tuple[Frame, Frame]]


@pytest.fixture
def view(qtbot) -> LogView:
    widget = LogView()
    qtbot.addWidget(widget)
    widget.resize(1100, 600)
    widget.show()
    qtbot.waitExposed(widget)
    return widget


def heartbeats(make_frame: FrameFactory, count: int, station: str = "CP-1") -> list[Frame]:
    return [make_frame([2, f"hb-{i}", "Heartbeat", {}], station=station) for i in range(count)]


def shown_ids(view: LogView) -> list[str | None]:
    return [view.model.frame_at(row).unique_id for row in range(view.model.rowCount())]


def test_typing_in_the_filter_box_filters_once_after_the_pause(
    qtbot, view: LogView, make_frame: FrameFactory, exchange: Exchange
) -> None:
    view.append_frames([*heartbeats(make_frame, 5), *exchange("Authorize", {"idTag": "TAG-0042"}, {}, uid="a-1")])
    resets: list[None] = []
    view.model.modelReset.connect(lambda: resets.append(None))
    qtbot.keyClicks(view.text_edit, "TAG-0042")
    qtbot.waitUntil(lambda: view.model.rowCount() == 1)
    assert shown_ids(view) == ["a-1"]
    assert len(resets) == 1, "eight keystrokes, one re-filter"
    assert view.count_label.text() == "1 of 7 frames"


def test_combos_offer_stations_and_actions_seen_and_filter_by_them(
    view: LogView, make_frame: FrameFactory, exchange: Exchange
) -> None:
    view.append_frames([*heartbeats(make_frame, 2, "CP-B"), *exchange("Authorize", {}, {}, uid="x", station="CP-A")])
    assert [view.station_combo.itemText(i) for i in range(view.station_combo.count())] == [
        "All stations",
        "CP-A",
        "CP-B",
    ]
    view.station_combo.setCurrentIndex(view.station_combo.findText("CP-A"))
    assert shown_ids(view) == ["x", "x"]
    view.action_combo.setCurrentIndex(view.action_combo.findText("Heartbeat"))
    assert shown_ids(view) == []
    view.station_combo.setCurrentIndex(0)
    view.direction_combo.setCurrentIndex(view.direction_combo.findData(Direction.TO_CSMS.value))
    assert shown_ids(view) == ["hb-0", "hb-1"]


def test_side_defaults_to_the_station_copy_and_both_shows_the_side_column(
    view: LogView, make_frame: FrameFactory
) -> None:
    station_copy = make_frame([2, "1", "Heartbeat", {}])
    csms_copy = make_frame([2, "1", "Heartbeat", {}], side=Side.CSMS)
    view.append_frames([station_copy, csms_copy])
    assert [view.model.frame_at(row) for row in range(view.model.rowCount())] == [station_copy]
    assert view.table.isColumnHidden(Column.SIDE)
    view.side_combo.setCurrentText("Both")
    assert view.model.rowCount() == 2
    assert not view.table.isColumnHidden(Column.SIDE)
    assert "recorded twice" in view.side_combo.toolTip()


def test_errors_only_keeps_errors(view: LogView, make_frame: FrameFactory) -> None:
    error = make_frame([4, "e", "FormationViolation", "payload is not an object", {}], action="Heartbeat", error="x")
    view.append_frames([*heartbeats(make_frame, 3), error])
    view.errors_check.setChecked(True)
    assert shown_ids(view) == ["e"]
    assert view.count_label.text() == "1 of 4 frames"


def test_selecting_a_response_shows_both_frames_and_links_to_the_request(
    qtbot, view: LogView, make_frame: FrameFactory, exchange: Exchange
) -> None:
    call, result = exchange("Authorize", {"idTag": "TAG-1"}, {"idTagInfo": {"status": "Accepted"}}, uid="au-1")
    view.append_frames([call, *heartbeats(make_frame, 3), result])
    view.select_row(4)
    text = view.json_edit.toPlainText()
    request_at = text.index("// CALL Authorize → CSMS")
    response_at = text.index("// RESULT Authorize ← station, 12.5 ms (selected)")
    assert request_at < response_at, "request first, then its response"
    assert '\n  "au-1",\n' in text
    assert '    "idTag": "TAG-1"\n' in text
    assert '"status": "Accepted"' in text
    assert "CP-1 · ← station · seen by station · id au-1" in view.meta_label.text()
    assert "RTT 12.5 ms" in view.meta_label.text()
    assert view.partner_button.isVisible()
    assert view.partner_button.text() == "Go to request"
    qtbot.mouseClick(view.partner_button, Qt.MouseButton.LeftButton)
    assert view.table.currentIndex().row() == 0
    assert view.partner_button.text() == "Go to response"


def test_response_arriving_after_its_request_was_selected_joins_the_detail(
    view: LogView, make_frame: FrameFactory, exchange: Exchange
) -> None:
    call, result = exchange("Heartbeat", {}, {"currentTime": "2025-06-15T10:00:00Z"}, uid="late")
    view.append_frames([call])
    view.select_row(0)
    assert view.partner_button.isHidden()
    view.append_frames([*heartbeats(make_frame, 2), result])
    assert '"currentTime": "2025-06-15T10:00:00Z"' in view.json_edit.toPlainText()
    assert view.partner_button.text() == "Go to response"
    view.partner_button.click()
    assert view.selected_frames() == [result]


def test_go_to_partner_finds_the_row_after_old_rows_were_dropped(
    qtbot, make_frame: FrameFactory, exchange: Exchange
) -> None:
    view = LogView(capacity=6)
    qtbot.addWidget(view)
    call, result = exchange("Authorize", {"idTag": "T"}, {"idTagInfo": {"status": "Accepted"}}, uid="au")
    view.append_frames([*heartbeats(make_frame, 2), call, result])
    view.select_row(3)
    view.append_frames(heartbeats(make_frame, 2))
    view.partner_button.click()
    assert view.selected_frames() == [call]


def test_go_to_a_partner_the_filter_hides_clears_the_filter_and_selects_it(
    qtbot, view: LogView, make_frame: FrameFactory, exchange: Exchange
) -> None:
    call, result = exchange("Authorize", {"idTag": "TAG-7"}, {"idTagInfo": {"status": "Accepted"}}, uid="au")
    view.append_frames([call, *heartbeats(make_frame, 3), result])
    view.text_edit.setText("TAG-7")  # in the request's payload only: the text filter hides the response
    qtbot.waitUntil(lambda: shown_ids(view) == ["au"])
    view.select_row(0)
    assert '"status": "Accepted"' in view.json_edit.toPlainText(), "the detail pairs it with the hidden response"
    assert view.partner_button.isEnabled()
    assert view.partner_button.text() == "Go to response (clears the filter)"
    assert "hidden by the current filter" in view.partner_button.toolTip()

    qtbot.mouseClick(view.partner_button, Qt.MouseButton.LeftButton)
    assert view.selected_frames() == [result]
    assert view.text_edit.text() == ""
    assert view.model.rowCount() == 5
    assert view.partner_button.text() == "Go to request"


def test_the_splitter_never_collapses_the_table_or_the_detail(qtbot, view: LogView, make_frame: FrameFactory) -> None:
    view.append_frames(heartbeats(make_frame, 30))
    splitter = view.splitter
    assert not splitter.childrenCollapsible()
    splitter.setSizes([0, 10_000])
    rows = view.table.rowHeight(0)
    assert view.table.height() >= 4 * rows, "at least four rows of the table stay"
    splitter.setSizes([10_000, 0])
    line = view.json_edit.fontMetrics().lineSpacing()
    assert view.json_edit.height() >= 4 * line, "at least four lines of the detail stay"


def test_a_narrow_log_wraps_its_filter_bar_and_keeps_the_search_box_readable(qtbot, view: LogView) -> None:
    placeholder = view.text_edit.fontMetrics().horizontalAdvance(view.text_edit.placeholderText())
    view.resize(1400, 500)
    qtbot.waitUntil(lambda: view.text_edit.y() == view.station_combo.y())
    assert view.text_edit.width() > placeholder, "one line: the search box takes the room left"
    view.resize(520, 500)
    qtbot.waitUntil(lambda: view.text_edit.y() > view.station_combo.y())
    assert view.text_edit.width() > placeholder
    bar = view.filter_bar
    for widget in (view.station_combo, view.side_combo, view.text_edit, view.count_label, view.clear_button):
        assert bar.rect().contains(widget.geometry()), f"{widget.objectName() or type(widget).__name__} is cut off"
    assert view.splitter.y() > bar.geometry().bottom(), "the table starts under the wrapped bar"


def test_invalid_frame_shows_its_raw_text_and_error(view: LogView, make_frame: FrameFactory) -> None:
    garbage = make_frame('[2, "x", "Heartbeat", {', direction=Direction.TO_CSMS, error="Invalid JSON at char 23")
    view.append_frames([garbage])
    view.select_row(0)
    assert view.json_edit.toPlainText().endswith('[2, "x", "Heartbeat", {')
    assert "error: Invalid JSON at char 23" in view.meta_label.text()
    assert view.partner_button.isHidden()


def test_ctrl_c_copies_the_raw_text_of_the_selected_frames(
    qtbot, view: LogView, make_frame: FrameFactory, exchange: Exchange
) -> None:
    call, result = exchange("Heartbeat", {}, {"currentTime": "2025-06-15T10:00:00Z"}, uid="h-9")
    view.append_frames([call, *heartbeats(make_frame, 2), result])
    view.select_row(0)
    view.table.setFocus()
    qtbot.keyClick(view.table, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert QGuiApplication.clipboard().text() == call.raw
    for _ in range(3):
        qtbot.keyClick(view.table, Qt.Key.Key_Down, Qt.KeyboardModifier.ShiftModifier)
    assert len(view.selected_frames()) == 4
    qtbot.keyClick(view.table, Qt.Key.Key_C, Qt.KeyboardModifier.ControlModifier)
    assert QGuiApplication.clipboard().text().splitlines() == [frame.raw for frame in view.selected_frames()]
    assert QGuiApplication.clipboard().text().splitlines()[-1] == result.raw


def test_context_menu_copies_the_payload_and_filters_to_action_and_station(
    view: LogView, make_frame: FrameFactory
) -> None:
    status = make_frame([2, "s", "StatusNotification", {"connectorId": 1, "status": "Charging"}], station="CP-7")
    view.append_frames([*heartbeats(make_frame, 2), status, *heartbeats(make_frame, 1, "CP-7")])
    menu = view.context_menu(2)
    actions = {action.text(): action for action in menu.actions() if action.text()}
    assert list(actions) == ["Copy frame", "Copy payload (pretty)", "Filter to StatusNotification", "Filter to CP-7"]
    view.select_row(2)
    actions["Copy payload (pretty)"].trigger()
    assert QGuiApplication.clipboard().text() == '{\n  "connectorId": 1,\n  "status": "Charging"\n}'
    actions["Filter to StatusNotification"].trigger()
    assert view.action_combo.currentText() == "StatusNotification"
    assert shown_ids(view) == ["s"]
    view.action_combo.setCurrentIndex(0)
    actions["Filter to CP-7"].trigger()
    assert shown_ids(view) == ["s", "hb-0"]


def test_selection_survives_a_filter_change(view: LogView, make_frame: FrameFactory) -> None:
    view.append_frames(heartbeats(make_frame, 3, "CP-1") + heartbeats(make_frame, 3, "CP-2"))
    view.select_row(4)
    chosen = view.selected_frames()
    view.filter_to_station("CP-2")
    assert view.selected_frames() == chosen
    assert view.table.currentIndex().row() == 1
    assert "CP-2" in view.meta_label.text()


def test_new_rows_scroll_into_view_only_when_already_at_the_bottom(
    qtbot, view: LogView, make_frame: FrameFactory
) -> None:
    bar = view.table.verticalScrollBar()
    view.append_frames(heartbeats(make_frame, 300))
    assert bar.maximum() > 0
    assert bar.value() == bar.maximum(), "an untouched log follows new frames"
    bar.setValue(10)
    view.append_frames(heartbeats(make_frame, 100))
    assert bar.value() == 10, "a reader who scrolled up is left alone"
    bar.setValue(bar.maximum())
    view.append_frames(heartbeats(make_frame, 100))
    assert bar.value() == bar.maximum()
    view.pause_check.setChecked(True)
    at = bar.value()
    view.append_frames(heartbeats(make_frame, 100))
    qtbot.waitUntil(lambda: bar.maximum() > at)
    assert bar.value() == at


def test_dropping_old_rows_keeps_what_a_reader_looks_at(qtbot, make_frame: FrameFactory) -> None:
    view = LogView(capacity=400)
    qtbot.addWidget(view)
    view.show()
    view.append_frames(heartbeats(make_frame, 400))
    bar = view.table.verticalScrollBar()
    bar.setValue(200)
    top = view.table.indexAt(QPoint(1, 1)).row()
    looked_at = view.model.frame_at(top)
    view.append_frames(heartbeats(make_frame, 50))
    assert view.model.frame_at(view.table.indexAt(QPoint(1, 1)).row()) == looked_at


def test_clear_empties_the_view_and_the_detail(view: LogView, make_frame: FrameFactory) -> None:
    view.append_frames(heartbeats(make_frame, 4))
    view.select_row(1)
    view.clear_button.click()
    assert view.model.rowCount() == 0
    assert view.count_label.text() == "0 of 0 frames"
    assert view.json_edit.toPlainText() == ""
    assert view.station_combo.findText("CP-1") > 0, "stations seen stay selectable"


def test_stored_session_is_loaded_in_batches(qtbot, view: LogView, make_frame: FrameFactory) -> None:
    view.append_frames(heartbeats(make_frame, 3, "LIVE"))
    stored = heartbeats(make_frame, 4500, "CP-S")
    batches: list[int] = []
    view.model.rowsInserted.connect(lambda _parent, first, last: batches.append(last - first + 1))
    with qtbot.waitSignal(view.stored_session_loaded) as loaded:
        view.show_stored_session(iter(stored))
    assert loaded.args == [4500]
    assert batches == [2000, 2000, 500]
    assert view.model.frame_at(0) == stored[0]
    assert view.model.total_count == 4500
    assert not view.loading


def _row_colour(view: LogView, row: int) -> QColor:
    image = view.table.viewport().grab().toImage()
    rect = view.table.visualRect(view.model.index(row, Column.RTT))
    return image.pixelColor(rect.center())


def test_error_rows_are_painted_with_a_red_tint(view: LogView, make_frame: FrameFactory) -> None:
    error = make_frame([4, "e", "InternalError", "boom", {}], action="Heartbeat", error="InternalError")
    view.append_frames([*heartbeats(make_frame, 2), error])
    view.table.clearSelection()
    view.table.selectionModel().setCurrentIndex(QModelIndex(), view.table.selectionModel().SelectionFlag.Clear)
    plain, tinted = _row_colour(view, 0), _row_colour(view, 2)
    assert tinted.red() - tinted.green() > 15
    assert abs(plain.red() - plain.green()) < 10


def test_a_frame_a_fault_altered_shows_what_the_wire_carried_and_what_was_intended(
    view: LogView, make_frame: FrameFactory
) -> None:
    from dataclasses import replace

    broken = make_frame('[2, "x", "Heartbeat", {', direction=Direction.TO_CSMS, error="Invalid JSON")
    altered = replace(broken, intended='[2,"x","Heartbeat",{}]', note="fault: corrupt (truncate)")
    view.append_frames([altered])
    view.faults_check.setChecked(True)
    view.select_row(0)
    text = view.json_edit.toPlainText()
    assert '[2, "x", "Heartbeat", {' in text
    assert text.endswith('// intended (what the sender meant; a fault altered it on the way):\n[2,"x","Heartbeat",{}]')
    assert "note: fault: corrupt (truncate)" in view.meta_label.text()
