"""The main window driving a real lab: embedded CSMS on a free port, SQLite in tmp_path, offscreen Qt.

Each test is an async scenario run by `LabHarness` (see lab_harness.py for why the lab lives
inside one run of the qasync loop): the stations, the CSMS, the bridge's timer and the
widgets all run on one loop, as in the app. Every wait is bounded.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from importlib.metadata import version
from pathlib import Path
from typing import Any

import PySide6
import pytest
from lab_harness import LabHarness, add_registered, until
from PySide6.QtCore import Qt, QTimer, qVersion
from PySide6.QtWidgets import QApplication, QPushButton

from ocpplab_desktop.engine.lab import Lab
from ocpplab_desktop.gui.about import AboutDialog, component_versions, versions_text
from ocpplab_desktop.gui.app import MainWindow
from ocpplab_desktop.gui.launch import XCB_LIBRARIES, launch, platform_problem, qt_platform
from ocpplab_desktop.gui.sessions_dock import FRAMES, LIVE_REFRESH_MS, STATIONS, RunningSessionError, SessionsDock
from ocpplab_desktop.gui.station_tree import NAME, STATE
from ocpplab_desktop.model.connector import UserAction
from ocpplab_desktop.model.station_form import free_station_id
from ocpplab_desktop.model.templates import load_template
from ocpplab_desktop.protocol.frame import Frame
from ocpplab_desktop.store import transfer as transfer_module
from ocpplab_desktop.store.store import Store

TEMPLATE = "ac-22kw-wallbox"
TEMPLATE_ID = "CP-AC22-0001"
WAIT_S = 20.0


def tree_texts(window: MainWindow) -> list[tuple[str, str]]:
    """(name, state) of every station row, as shown."""
    model = window.tree_model
    return [(model.item(row, NAME).text(), model.item(row, STATE).text()) for row in range(model.rowCount())]


def logged_actions(window: MainWindow) -> list[str | None]:
    model = window.log_view.model
    return [model.frame_at(row).action for row in range(model.rowCount())]


# -- opening ----------------------------------------------------------------------------------


def test_the_window_opens_with_the_embedded_csms_address_in_the_status_bar(in_lab: LabHarness) -> None:
    async def scenario(lab: Lab, window: MainWindow) -> None:
        assert lab.csms_url is not None
        assert lab.csms_url in window.csms_label.text()
        assert window.stations_label.text() == "0 of 0 stations connected"
        assert window.windowTitle() == "OCPPLab Desktop"

    in_lab(scenario)


def test_without_stations_the_centre_invites_to_create_one(in_lab: LabHarness) -> None:
    async def scenario(lab: Lab, window: MainWindow) -> None:
        ui = window.ui
        assert ui.central_stack.currentWidget() is ui.empty_page
        assert ui.empty_title.text() == "No stations yet"
        assert "New station from template (Ctrl+N)" in ui.empty_hint.text()
        assert ui.empty_new_button.isVisible()

    in_lab(scenario)


def _texts(actions: list[Any]) -> list[str]:
    return [action.text().replace("&", "") for action in actions if not action.isSeparator()]


def test_menus_hold_the_station_view_session_and_help_actions_with_their_shortcuts(in_lab: LabHarness) -> None:
    async def scenario(lab: Lab, window: MainWindow) -> None:
        menus = {action.text().replace("&", ""): action.menu() for action in window.menuBar().actions()}
        assert list(menus) == ["File", "Station", "View", "Session", "Help"]
        assert _texts(menus["File"].actions()) == ["Open workspace…", "Save workspace as…", "Import trace…", "Quit"]
        assert _texts(menus["Station"].actions()) == [
            "New from template…", "New…", "Connect", "Disconnect", "Reboot", "Edit…", "Delete"
        ]  # fmt: skip
        view = _texts(menus["View"].actions())
        assert view[:5] == ["Stations", "Message log", "Power", "Mock CSMS", "Sessions"]
        assert "Reset layout" in view and view[-1] == "Present"
        assert _texts(menus["Session"].actions()) == [
            "Export current session…", "Export graph…", "Sessions…", "Play scenario…", "Continue scenario",
        ]  # fmt: skip
        assert _texts(menus["Help"].actions()) == ["About OCPPLab Desktop"]
        ui = window.ui
        shortcuts = {
            ui.action_new_from_template: "Ctrl+N",
            ui.action_export_session: "Ctrl+E",
            ui.action_export_graph: "Ctrl+Shift+G",
            ui.action_focus_log_filter: "Ctrl+L",
            ui.action_connect: "F5",
            ui.action_disconnect: "Shift+F5",
            ui.action_quit: "Ctrl+Q",
        }
        assert {a.objectName(): a.shortcut().toString() for a in shortcuts} == {
            a.objectName(): keys for a, keys in shortcuts.items()
        }
        tools = [action for action in ui.main_tool_bar.actions() if action.text()][:6]
        assert _texts(tools) == [
            "New from template…", "New…", "Connect", "Disconnect", "Reboot", "Export current session…"
        ]  # fmt: skip
        assert [action.text() for action in tools if action.icon().isNull()] == []

    in_lab(scenario)


# -- stations ---------------------------------------------------------------------------------


def test_a_station_from_a_template_appears_in_the_tree_and_registers_with_the_embedded_csms(
    in_lab: LabHarness,
) -> None:
    async def scenario(lab: Lab, window: MainWindow) -> None:
        station = await add_registered(window, TEMPLATE)

        assert station.id == TEMPLATE_ID
        assert lab.csms_url is not None and station.url.startswith(lab.csms_url)
        await until(lambda: tree_texts(window) == [(f"{TEMPLATE_ID}  ·  1.6", "Accepted")], "the tree to say Accepted")
        connector = window.tree_model.index_of(TEMPLATE_ID, 1, 1)
        assert connector.siblingAtColumn(STATE).data() == "Available"
        view = window.station_view
        assert view is not None and view.station is station
        assert window.ui.central_stack.currentWidget() is window.ui.station_page
        assert view.registration.text().endswith("Accepted")
        assert view.link.text().endswith("Connected")
        assert [card.connector for card in view.cards] == station.connectors
        await until(lambda: window.stations_label.text() == "1 of 1 stations connected", "the status bar count")

    in_lab(scenario)


def test_frames_of_the_station_appear_in_the_message_log(in_lab: LabHarness) -> None:
    async def scenario(lab: Lab, window: MainWindow) -> None:
        await add_registered(window, TEMPLATE)

        await until(lambda: "StatusNotification" in logged_actions(window), "a StatusNotification in the log")
        actions = logged_actions(window)
        assert actions[0] == "BootNotification"
        assert window.frame_count >= len(actions)
        assert window.frames_label.text() == f"{window.frame_count:,} frames"

    in_lab(scenario)


def test_connector_states_follow_the_station_in_the_tree(in_lab: LabHarness) -> None:
    async def scenario(lab: Lab, window: MainWindow) -> None:
        station = await add_registered(window, TEMPLATE)
        await station.act(1, 1, UserAction.PLUG_IN)
        await station.act(1, 1, UserAction.PRESENT_TOKEN, token="TAG-1")

        state = window.tree_model.index_of(station.id, 1, 1).siblingAtColumn(STATE)
        await until(lambda: state.data() == "Charging", "the connector row to say Charging")
        assert state.data(Qt.ItemDataRole.ToolTipRole) == "Charging"

    in_lab(scenario)


def test_the_same_template_twice_gets_the_next_free_id(in_lab: LabHarness) -> None:
    async def scenario(lab: Lab, window: MainWindow) -> None:
        first = await add_registered(window, TEMPLATE)
        second = await add_registered(window, TEMPLATE)

        assert (first.id, second.id) == (TEMPLATE_ID, "CP-AC22-0002")
        assert sorted(lab.stations) == [TEMPLATE_ID, "CP-AC22-0002"]
        assert [name for name, _ in tree_texts(window)] == [f"{TEMPLATE_ID}  ·  1.6", "CP-AC22-0002  ·  1.6"]

    in_lab(scenario)


def test_free_station_ids_count_up_the_trailing_number_or_add_one() -> None:
    assert free_station_id("CP001", []) == "CP001"
    assert free_station_id("CP001", ["CP001", "CP002"]) == "CP003"
    assert free_station_id("CP-9", ["CP-9"]) == "CP-10"
    assert free_station_id("wallbox", ["wallbox"]) == "wallbox-2"


def test_deleting_a_station_removes_it_from_tree_and_lab_and_its_id_can_be_used_again(in_lab: LabHarness) -> None:
    async def scenario(lab: Lab, window: MainWindow) -> None:
        station = await add_registered(window, TEMPLATE)

        await window.delete_station(station.id)

        assert station.id not in lab.stations
        assert not station.connected
        assert window.tree_model.rowCount() == 0
        assert window.station_view is None
        assert window.ui.central_stack.currentWidget() is window.ui.empty_page

        again = await add_registered(window, TEMPLATE)
        assert again.id == station.id and again is not station
        assert list(lab.stations) == [station.id]
        await until(lambda: tree_texts(window) == [(f"{station.id}  ·  1.6", "Accepted")], "one row, accepted")

    in_lab(scenario)


def test_disconnect_holds_the_station_offline_until_connect(in_lab: LabHarness) -> None:
    async def scenario(lab: Lab, window: MainWindow) -> None:
        station = await add_registered(window, TEMPLATE)
        ui = window.ui

        await window.disconnect_station(station.id)
        await until(lambda: tree_texts(window)[0][1] == "Disconnected", "the tree to say Disconnected")
        assert not station.connected
        assert ui.action_connect.isEnabled() and not ui.action_disconnect.isEnabled()
        assert ui.action_edit_station.isEnabled(), "a disconnected station can be edited"

        window.connect_station(station.id)
        await until(lambda: tree_texts(window)[0][1] == "Accepted", "the station to register again")
        assert ui.action_disconnect.isEnabled() and ui.action_edit_station.isEnabled(), "editing reboots it"

    in_lab(scenario)


def test_a_station_charging_offline_shows_what_it_has_queued_and_sends_it_on_connect(in_lab: LabHarness) -> None:
    async def scenario(lab: Lab, window: MainWindow) -> None:
        station = await add_registered(window, TEMPLATE)
        window.select_station(station.id, 1, 1)
        await station.act(1, 1, UserAction.PLUG_IN)
        await station.act(1, 1, UserAction.PRESENT_TOKEN, token="TAG-OFFLINE-CARD")
        station.dialect.keys.change("MeterValueSampleInterval", "5")
        window.set_speed(100)
        view = window.station_view
        assert view is not None
        await until(lambda: not view.outbox.isVisible(), "no queue badge while connected")

        await window.disconnect_station(station.id)
        await until(lambda: station.queued >= 2, "meter values to queue while offline")
        await until(view.outbox.isVisible, "the header to show the queue")

        assert view.outbox.text().endswith("queued") and "transaction messages" in view.outbox.toolTip()
        assert station.connector(1, 1).reported == "Charging"
        window.connect_station(station.id)
        await until(lambda: station.queued == 0 and not view.outbox.isVisible(), "the queue to drain")

    in_lab(scenario)


def test_editing_replaces_the_station_with_the_new_configuration_offline(in_lab: LabHarness) -> None:
    async def scenario(lab: Lab, window: MainWindow) -> None:
        station = await add_registered(window, TEMPLATE)
        await window.disconnect_station(station.id)
        edited = load_template("ac-22kw-wallbox-v201")

        replaced = await window.replace_station(station.id, edited)

        assert list(lab.stations) == [edited.id]
        assert replaced.config == edited and not replaced.connected
        assert tree_texts(window) == [(f"{edited.id}  ·  2.0.1", "Disconnected")]

    in_lab(scenario)


def test_the_tree_context_menu_offers_the_station_actions_for_the_current_station(in_lab: LabHarness) -> None:
    async def scenario(lab: Lab, window: MainWindow) -> None:
        await add_registered(window, TEMPLATE)
        window.select_station(TEMPLATE_ID, 1, 1)

        menu = window.station_menu()

        assert _texts(menu.actions()) == ["Connect", "Disconnect", "Reboot", "Edit…", "Delete"]
        enabled = {action.text().replace("&", ""): action.isEnabled() for action in menu.actions()}
        assert enabled["Disconnect"] and enabled["Delete"] and enabled["Edit…"]
        assert not enabled["Connect"], "a connected station is not connected again"
        menu.deleteLater()

    in_lab(scenario)


def test_the_power_graph_follows_the_tree_selection(in_lab: LabHarness, qtmodeltester: Any) -> None:
    async def scenario(lab: Lab, window: MainWindow) -> None:
        station = await add_registered(window, "ac-dual-2x22kw")
        qtmodeltester.check(window.tree_model)

        window.select_station(station.id, 2, 1)
        assert window.power_plot.target == (station.id, 2, 1)
        window.select_station(station.id)
        assert window.power_plot.target == (station.id, None, None)

    in_lab(scenario)


def test_the_speed_control_drives_the_simulated_clock(in_lab: LabHarness) -> None:
    async def scenario(lab: Lab, window: MainWindow) -> None:
        window.set_speed(20)
        assert lab.clock.speed == 20
        window.set_paused(True)
        assert lab.clock.speed == 0 and window.pause_button.isChecked()
        assert "paused" in window.sim_label.text()
        window.pause_button.click()
        assert lab.clock.speed == 20
        combo = window.speed_combo
        assert [combo.itemData(i) for i in range(combo.count())] == [1, 2, 5, 10, 20, 50, 100]

    in_lab(scenario)


def test_ctrl_l_puts_the_cursor_in_the_log_filter(in_lab: LabHarness) -> None:
    async def scenario(lab: Lab, window: MainWindow) -> None:
        window.activateWindow()
        window.ui.action_focus_log_filter.trigger()
        await until(window.log_view.text_edit.hasFocus, "the log's search box to have the focus")

    in_lab(scenario)


# -- layout -----------------------------------------------------------------------------------


# A floating dock is a window of its own, which the offscreen platform cannot raise.
@pytest.mark.qt_log_ignore("This plugin does not support raise")
def test_geometry_and_dock_layout_survive_a_restart(in_lab: LabHarness, settings_dir: Path) -> None:
    async def scenario(lab: Lab, first: MainWindow) -> None:
        # Qt fits a restored window onto its screen, and the offscreen screen is small (800 x 600):
        # without the wide log and the graphs, a smaller window is allowed and fits.
        first.docks["log"].hide()
        first.docks["power"].hide()
        first.docks["sessions"].setFloating(True)
        await until(lambda: first.minimumSizeHint().width() < 700, "the layout to shrink without the docks")
        first.resize(700, 520)
        await until(lambda: (first.width(), first.height()) == (700, 520), "the window to take its new size")
        assert first.screen().availableGeometry().contains(first.frameGeometry())
        first.close()

        second = in_lab.open_window(lab, resize=False)
        try:
            assert (second.width(), second.height()) == (700, 520)
            assert second.docks["log"].isHidden() and second.docks["power"].isHidden()
            assert second.docks["sessions"].isFloating()
            second.reset_layout()
            assert second.docks["log"].isVisible() and second.docks["power"].isVisible()
            assert not second.docks["sessions"].isFloating()
        finally:
            in_lab.close_window(second)

    in_lab(scenario)
    assert any(settings_dir.rglob("*.ini")), "the layout was written to the settings folder"


# -- sessions ---------------------------------------------------------------------------------


def _store_session(db: Path, events: list[Any]) -> int:
    """An earlier, ended session holding `events` (frames and meter samples)."""
    with Store(db) as store:
        session_id = store.start_session("earlier run")
        store.record(session_id, [(event, 1_750_000_000.0) for event in events])
        store.end_session(session_id)
    return session_id


def test_the_sessions_dock_lists_sessions_newest_first_and_refuses_to_delete_the_running_one(
    in_lab: LabHarness, make_frame: Callable[..., Frame]
) -> None:
    async def scenario(lab: Lab, window: MainWindow) -> None:
        assert lab.db_path is not None and lab.session_id is not None
        later = _store_session(lab.db_path, [make_frame([2, "a", "Heartbeat", {}])])
        sessions = window.sessions

        window.show_sessions()

        assert sessions.session_ids() == [later, lab.session_id]
        assert window.docks["sessions"].isVisible()
        assert sessions.model.item(1, 1).text().startswith("recording 0:0")
        with pytest.raises(RunningSessionError, match="recording now"):
            sessions.delete_session(lab.session_id)
        sessions.delete_session(later)
        assert sessions.session_ids() == [lab.session_id]

    in_lab(scenario)


def test_an_export_runs_beside_the_lab_with_a_progress_dialog_and_says_where_it_went(
    in_lab: LabHarness, tmp_path: Path
) -> None:
    async def scenario(lab: Lab, window: MainWindow) -> None:
        await add_registered(window, TEMPLATE)
        assert lab.session_id is not None
        messages: list[str] = []
        window.sessions.statusMessage.connect(messages.append)
        target = tmp_path / "with-progress.jsonl"

        job = window.sessions.start_export(lab.session_id, target)
        await until(lambda: bool(messages), "the export to finish")

        lines = target.read_text(encoding="utf-8").splitlines()
        assert messages == [f"Exported {len(lines):,} frames of session {lab.session_id} to {target}"]
        assert job.done == len(lines) > 0
        assert window.sessions.exports == [], "the finished job is let go"

    in_lab(scenario)


def test_a_cancelled_export_writes_no_file_and_says_so(
    in_lab: LabHarness, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(transfer_module, "PROGRESS_EVERY", 1)  # a cancel is seen after every frame

    async def scenario(lab: Lab, window: MainWindow) -> None:
        await add_registered(window, TEMPLATE)
        assert lab.session_id is not None
        messages: list[str] = []
        window.sessions.statusMessage.connect(messages.append)
        target = tmp_path / "cancelled.jsonl"

        job = window.sessions.start_export(lab.session_id, target)
        cancel = job.dialog.findChild(QPushButton)
        assert cancel is not None and cancel.text() == "Cancel"
        cancel.click()  # before the worker has written a frame
        await until(lambda: bool(messages), "the export to stop")

        assert messages == [f"Export of session {lab.session_id} cancelled; {target} was not written"]
        assert not target.exists()

    in_lab(scenario)


def shown_running_row(lab: Lab, window: MainWindow) -> tuple[SessionsDock, int]:
    """The sessions dock, shown, and the row of the session the lab records."""
    assert lab.store is not None and lab.session_id is not None
    window.show_sessions()
    return window.sessions, window.sessions.session_ids().index(lab.session_id)


def test_the_running_sessions_row_follows_the_recording_while_the_dock_shows(in_lab: LabHarness) -> None:
    async def scenario(lab: Lab, window: MainWindow) -> None:
        sessions, row = shown_running_row(lab, window)
        assert sessions.model.item(row, FRAMES).text() == "0"

        station = await add_registered(window, TEMPLATE)
        await until(lambda: sessions.model.item(row, FRAMES).text() != "0", "the frame count to follow", 5.0)

        shown = int(sessions.model.item(row, FRAMES).text().replace(",", ""))
        assert 0 < shown <= lab.store.session(lab.session_id).frame_count
        assert sessions.model.item(row, STATIONS).text() == station.id

    in_lab(scenario)


def test_the_running_sessions_row_stops_following_once_the_lab_has_closed_its_store(in_lab: LabHarness) -> None:
    # Seen closing a window of 2,000 stations: the dock's live refresh fired after Lab.close() had closed
    # the store, and raised "Cannot operate on a closed database".
    async def scenario(lab: Lab, window: MainWindow) -> None:
        sessions, row = shown_running_row(lab, window)
        assert lab.store is not None
        before = [sessions.model.item(row, column).text() for column in range(sessions.model.columnCount())]
        lab.store.close()
        assert lab.store.closed
        await asyncio.sleep(1.25 * LIVE_REFRESH_MS / 1000)  # the live refresh fires meanwhile
        sessions.refresh_running()
        after = [sessions.model.item(row, column).text() for column in range(sessions.model.columnCount())]
        assert after == before, "the row keeps what it last showed"
        lab.store = Store(lab.store.path)  # the harness's own close of the lab still has a store to close

    in_lab(scenario)


def test_exporting_the_running_session_writes_every_frame_so_far(in_lab: LabHarness, tmp_path: Path) -> None:
    async def scenario(lab: Lab, window: MainWindow) -> None:
        await add_registered(window, TEMPLATE)
        assert lab.session_id is not None
        target = tmp_path / "export.jsonl"

        count = await window.sessions.export_session(lab.session_id, target)

        lines = target.read_text(encoding="utf-8").splitlines()
        assert count == len(lines) > 0
        assert any(json.loads(line)["action"] == "BootNotification" for line in lines)

    in_lab(scenario)


def test_an_opened_session_shows_its_frames_and_samples_read_only(
    in_lab: LabHarness, make_frame: Callable[..., Frame], sample: Callable[..., Any]
) -> None:
    async def scenario(lab: Lab, window: MainWindow) -> None:
        assert lab.db_path is not None
        frames = [make_frame([2, f"id-{i}", "Heartbeat", {}], station="CP-OLD") for i in range(2500)]
        samples = [sample(float(t), 7000.0, station="CP-OLD") for t in range(10)]
        earlier = _store_session(lab.db_path, [*frames, *samples])
        window.sessions.refresh()

        viewer = window.sessions.open_session(earlier)
        try:
            await until(lambda: not viewer.loading, "the stored session to load")
            assert viewer.log.model.rowCount() == 2500
            assert viewer.plot.targets() == [("CP-OLD", 1, 1)]
            assert viewer.target_combo.currentData() == ("CP-OLD", None, None)
            assert "read-only" in viewer.windowTitle()
        finally:
            viewer.close()

    in_lab(scenario)


# -- about ------------------------------------------------------------------------------------


def test_the_about_dialog_lists_the_versions_of_the_lab_qt_and_libraries(in_lab: LabHarness) -> None:
    async def scenario(lab: Lab, window: MainWindow) -> None:
        dialog = window.show_about()
        try:
            assert isinstance(dialog, AboutDialog)
            shown = {name: label.text() for name, label in dialog.version_labels.items()}
            assert shown["OCPPLab Desktop"] == version("ocpplab-desktop")
            assert shown["Qt"] == qVersion()
            assert shown["PySide6"] == PySide6.__version__
            assert shown["ocpp"] == version("ocpp")
            assert shown["websockets"] == version("websockets")
            assert shown["Python"].startswith(f"{sys.version_info.major}.{sys.version_info.minor}.")
            dialog.copy_versions()
            assert QApplication.clipboard().text() == versions_text(component_versions())
        finally:
            dialog.close()

    in_lab(scenario)


# -- launching --------------------------------------------------------------------------------


def test_launch_runs_the_lab_until_the_window_is_closed_and_then_closes_it(
    qapp: QApplication, tmp_path: Path, settings_dir: Path
) -> None:
    """`launch` end to end: a station registers, the window closes, the session is stored and ended."""
    db = tmp_path / "launched.db"
    style, palette = qapp.style().name(), qapp.palette()
    seen: dict[str, Any] = {}

    def lab_window() -> MainWindow | None:
        return next((w for w in qapp.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible()), None)

    def drive() -> None:
        window = lab_window()
        if window is None:
            QTimer.singleShot(20, drive)
        elif "station" not in seen:
            seen["station"] = window.new_station_from_template(TEMPLATE)
            QTimer.singleShot(20, drive)
        elif seen["station"].registration != "Accepted" and time.monotonic() < deadline:
            QTimer.singleShot(20, drive)
        else:
            window.close()

    deadline = time.monotonic() + WAIT_S
    QTimer.singleShot(0, drive)
    try:
        assert launch(db, 0) == 0
    finally:
        qapp.setStyle(style)
        qapp.setPalette(palette)
        qapp.setQuitOnLastWindowClosed(True)

    assert seen["station"].registration is None and not seen["station"].connected, "the station was stopped"
    with Store(db) as store:
        (session,) = store.list_sessions()
        assert session.ended_at is not None
        assert session.stations == (TEMPLATE_ID,)
        assert any(frame.action == "BootNotification" for frame in store.frames(session.id))


def _launch_in_subprocess(env_changes: dict[str, str], tmp_path: Path) -> subprocess.CompletedProcess[str]:
    env = {key: value for key, value in os.environ.items() if key not in ("QT_QPA_PLATFORM", "DISPLAY")}
    env.update(env_changes)
    code = "import sys; from pathlib import Path; from ocpplab_desktop.gui.launch import launch; "
    code += f"sys.exit(launch(Path({str(tmp_path / 'lab.db')!r}), 0))"
    return subprocess.run(
        [sys.executable, "-c", code], env=env, capture_output=True, text=True, timeout=60, check=False
    )


def test_sigterm_closes_the_running_app_like_quit_and_the_session_is_ended_in_the_database(tmp_path: Path) -> None:
    db = tmp_path / "lab.db"
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_CONFIG_HOME": str(tmp_path / "config")}
    app = subprocess.Popen(
        [sys.executable, "-m", "ocpplab_desktop", "gui", "--db", str(db), "--port", "0"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while not _recording(db) and app.poll() is None and time.monotonic() < deadline:
            time.sleep(0.1)
        assert _recording(db), "the app started a session"

        app.send_signal(signal.SIGTERM)
        _out, err = app.communicate(timeout=30)
    finally:
        app.kill()
        app.wait()

    assert app.returncode == 0, err
    with Store(db) as store:
        (session,) = store.list_sessions()
    assert session.ended_at is not None, "the lab was closed, not killed"


def _recording(db: Path) -> bool:
    if not db.exists():
        return False
    with Store(db) as store:
        return bool(store.list_sessions())


@pytest.mark.parametrize(
    "env",
    [{"QT_QPA_PLATFORM": "no-such-platform"}, {"QT_QPA_PLATFORM": "xcb", "DISPLAY": ":97"}, {"DISPLAY": ""}],
    ids=["unknown plugin", "unreachable X display", "no display at all"],
)
def test_when_qt_cannot_open_a_window_the_lab_says_what_to_install_instead_of_aborting(
    env: dict[str, str], tmp_path: Path
) -> None:
    result = _launch_in_subprocess(env, tmp_path)

    assert result.returncode == 1, f"a plain exit, not Qt's abort (signal {-result.returncode})"
    assert "QT_QPA_PLATFORM=offscreen" in result.stderr
    if env.get("DISPLAY") != "":
        assert "sudo apt-get install " + " ".join(XCB_LIBRARIES.values()) in result.stderr
    assert not (tmp_path / "lab.db").exists(), "nothing was started"


def test_the_xcb_check_names_the_missing_libraries_and_their_packages() -> None:
    # One library that no machine has beside one that every Linux machine has (the C library):
    # the machine's own xcb libraries must not decide the outcome, since a fresh one lacks them.
    libraries = {"libxcb-not-installed-anywhere.so.7": "libxcb-not-installed7", "libc.so.6": "libc6"}
    env = {"DISPLAY": ":0"}

    problem = platform_problem(env, "linux", libraries)

    assert problem is not None
    assert "libxcb-not-installed-anywhere.so.7 (Debian packages: libxcb-not-installed7)" in problem
    assert "libc.so.6" not in problem and "libc6" not in problem
    assert platform_problem({"QT_QPA_PLATFORM": "offscreen"}, "linux", libraries) is None
    assert platform_problem(env, "darwin", libraries) is None


def test_the_platform_qt_will_try_first_is_read_like_qt_reads_it() -> None:
    assert qt_platform({}) == "xcb"
    assert qt_platform({"QT_QPA_PLATFORM": "wayland;xcb"}) == "wayland"
    assert qt_platform({"QT_QPA_PLATFORM": "xcb:nograb"}) == "xcb"
    assert qt_platform({"WAYLAND_DISPLAY": "wayland-0", "XDG_SESSION_TYPE": "wayland"}) == "wayland"
