"""The Faults dock driving a real lab: stations on the embedded mock CSMS over loopback websockets.

Each test is an async scenario run by `LabHarness` (see lab_harness.py), as in
test_main_window.py: the panel's buttons are clicked, the engine injects the fault, and what
the wire did is read back from the message log, the station and the session's events.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from typing import Any

import pytest
from lab_harness import LabHarness, add_registered, until
from PySide6.QtCore import QPoint, QPointF, Qt
from PySide6.QtGui import QWheelEvent
from PySide6.QtWidgets import QApplication

from ocpplab_desktop.engine.lab import Lab
from ocpplab_desktop.engine.station import Station
from ocpplab_desktop.gui.app import MainWindow
from ocpplab_desktop.gui.fault_panel import WHY_ALL_CSMS, WHY_EXTERNAL, WHY_STATION_ONLY, FaultPanel
from ocpplab_desktop.model.connector import UserAction
from ocpplab_desktop.model.events import StationEvent
from ocpplab_desktop.model.templates import load_template
from ocpplab_desktop.protocol.errors import ERROR_CODES, CallErrorReceived
from ocpplab_desktop.protocol.faults import NOTE_PREFIX
from ocpplab_desktop.protocol.frame import Direction, Frame, MessageType, Side

V16, V201 = "ac-22kw-wallbox", "ac-22kw-wallbox-v201"


def faults_dock(window: MainWindow) -> FaultPanel:
    """Bring the Faults dock to the front, as View > Faults does."""
    dock = window.docks["faults"]
    dock.show()
    dock.raise_()
    return window.fault_panel


def logged(window: MainWindow) -> list[Frame]:
    model = window.log_view.model
    return [model.frame_at(row) for row in range(model.rowCount())]


def choose(combo: Any, text: str) -> None:
    index = combo.findText(text)
    assert index >= 0, f"{text!r} is not offered: {[combo.itemText(i) for i in range(combo.count())]}"
    combo.setCurrentIndex(index)


# -- following the selection ------------------------------------------------------------------


def test_the_panel_asks_for_a_station_then_follows_the_selected_one(in_lab: LabHarness) -> None:
    async def scenario(lab: Lab, window: MainWindow) -> None:
        panel = faults_dock(window)
        assert panel.pages.currentWidget() is panel.no_station
        assert "Select a station" in panel.no_station.text()
        view = [a.text() for a in window.ui.menu_view.actions() if not a.isSeparator()]
        assert "Faults" in view
        assert window.docks["faults"].toggleViewAction().shortcut().toString() == "Alt+6"

        first = await add_registered(window, V16)
        second = await add_registered(window, V201)
        assert panel.station is second and panel.pages.currentWidget() is panel.content
        assert "OCPP 2.0.1" in panel.title.text() and second.id in panel.title.text()
        codes = [panel.error_code.itemText(i) for i in range(panel.error_code.count())]
        assert codes == list(ERROR_CODES[second.version])
        window.select_station(first.id)
        assert panel.station is first and "OCPP 1.6" in panel.title.text()
        assert "FormationViolation" in [panel.error_code.itemText(i) for i in range(panel.error_code.count())]

        await window.delete_station(first.id)
        await window.delete_station(second.id)
        assert panel.pages.currentWidget() is panel.no_station

    in_lab(scenario)


def test_controls_that_do_not_apply_are_disabled_with_the_reason(in_lab: LabHarness) -> None:
    async def scenario(lab: Lab, window: MainWindow) -> None:
        station = await add_registered(window, V16)
        panel = faults_dock(window)
        assert panel.side_csms.isEnabled()
        assert panel.restore_button.toolTip() == "The station has power" and not panel.restore_button.isEnabled()
        assert not panel.delay.isEnabled(), "delay seconds apply to the delay kind only"
        choose(panel.kind, "delay")
        assert panel.delay.isEnabled()

        panel.side_csms.click()
        for control in (panel.power_button, panel.power_off, panel.skew_button):
            assert not control.isEnabled() and control.toolTip() == WHY_STATION_ONLY
        assert panel.close_button.isEnabled(), "either side can close the connection"

        window.add_station(replace(load_template(V16), id="EXTERNAL-1", csms_url="ws://127.0.0.1:9"), connect=False)
        assert panel.station is lab.stations["EXTERNAL-1"] and panel.station is not station
        assert not panel.side_csms.isEnabled() and panel.side_csms.toolTip() == WHY_EXTERNAL
        assert panel.side_station.isChecked()
        assert not panel.close_button.isEnabled(), "nothing to close while not connected"

    in_lab(scenario)


# -- network faults ---------------------------------------------------------------------------


@pytest.mark.parametrize("template", [V16, V201])
def test_dropping_the_next_frame_to_the_csms_records_it_unsent_and_the_fault_then_ends(
    in_lab: LabHarness, template: str
) -> None:
    async def scenario(lab: Lab, window: MainWindow) -> None:
        station = await add_registered(window, template)
        panel = faults_dock(window)
        assert panel.side_station.isChecked()
        choose(panel.direction, "to the CSMS")
        choose(panel.kind, "drop")
        panel.count.setValue(1)
        panel.tabs.setCurrentIndex(0)

        panel.inject_button.click()
        await until(lambda: bool(panel.active_faults), "the drop to be listed as active")
        assert panel.outcome_ok is True and "drop" in panel.outcome.text()
        [(side, description)] = panel.active_faults
        assert side == "station" and "drop" in description
        assert "drop" in panel.active_list.item(0).text()
        assert "drop" in window.statusBar().currentMessage()

        # The station reports the new status, a CALL to the CSMS; its answer would never come, so no waiting.
        plug = asyncio.ensure_future(station.act(1, 1, UserAction.PLUG_IN))

        def dropped() -> list[Frame]:
            return [f for f in logged(window) if f.note and f"{NOTE_PREFIX}drop" in f.note]

        await until(lambda: bool(dropped()), "the dropped frame in the log")
        [frame] = dropped()
        assert frame.direction is Direction.TO_CSMS and frame.action == "StatusNotification"
        assert frame.error is not None and frame.error.startswith("not sent")
        await until(lambda: panel.active_faults == [], "the used-up drop to leave the active list")
        assert panel.active_list.item(0).text() == "none" and not panel.clear_button.isEnabled()
        plug.cancel()
        await asyncio.gather(plug, return_exceptions=True)

    in_lab(scenario)


@pytest.mark.parametrize(("template", "code"), [(V16, "FormationViolation"), (V201, "FormatViolation")])
def test_the_csms_answers_a_status_notification_with_the_chosen_callerror(
    in_lab: LabHarness, template: str, code: str
) -> None:
    async def scenario(lab: Lab, window: MainWindow) -> None:
        station = await add_registered(window, template)
        panel = faults_dock(window)
        panel.side_csms.click()
        panel.tabs.setCurrentIndex(1)
        panel.error_action.setCurrentText("StatusNotification")
        choose(panel.error_code, code)
        panel.error_description.setText("refused by the lab")
        panel.error_details.setText('{"reason": "fault panel test"}')
        assert panel.times_once.isChecked()

        panel.callerror_button.click()
        await until(lambda: bool(panel.active_faults), "the CALLERROR fault to be listed")
        [(side, description)] = panel.active_faults
        assert side == "csms" and code in description and "StatusNotification" in description

        await station.act(1, 1, UserAction.PLUG_IN)

        def received() -> list[Frame]:
            return [
                f
                for f in logged(window)
                if f.side is Side.STATION and f.message_type is MessageType.CALLERROR and f.error_code == code
            ]

        await until(lambda: bool(received()), f"the station to receive a CALLERROR {code}")
        [frame] = received()
        assert frame.direction is Direction.TO_STATION and frame.action == "StatusNotification"
        assert frame.message[3] == "refused by the lab" and frame.message[4] == {"reason": "fault panel test"}
        await until(lambda: panel.active_faults == [], "the once-only CALLERROR to leave the active list")

    in_lab(scenario)


def test_details_that_are_not_a_json_object_are_flagged_and_inject_nothing(in_lab: LabHarness) -> None:
    async def scenario(lab: Lab, window: MainWindow) -> None:
        await add_registered(window, V16)
        panel = faults_dock(window)
        panel.tabs.setCurrentIndex(1)

        panel.error_details.setText('{"reason": ')
        assert panel.details_problem.isVisibleTo(panel) and "not JSON" in panel.details_problem.text()
        panel.callerror_button.click()
        assert panel.outcome_ok is False and panel.outcome.text().startswith("Not injected: details are not JSON")
        assert "Not injected" in window.statusBar().currentMessage()

        panel.error_details.setText("[1, 2]")
        assert "must be a JSON object" in panel.details_problem.text()
        panel.callerror_button.click()
        assert lab.csms is not None and panel.station is not None
        assert panel.active_faults == [] and lab.csms.faults(panel.station.id).active == []

        panel.error_details.setText('{"ok": true}')
        assert not panel.details_problem.isVisibleTo(panel)

    in_lab(scenario)


def test_clear_all_empties_the_active_list_at_both_ends(in_lab: LabHarness) -> None:
    async def scenario(lab: Lab, window: MainWindow) -> None:
        await add_registered(window, V201)
        panel = faults_dock(window)
        choose(panel.kind, "delay")
        panel.delay.setValue(3.0)
        panel.count.setValue(0)
        assert panel.count.text() == "until cleared"
        panel.inject_button.click()
        await until(lambda: len(panel.active_faults) == 1, "the delay to be listed")
        panel.side_csms.click()
        panel.error_action.setCurrentText("Heartbeat")
        panel.times_always.click()
        panel.callerror_button.click()
        await until(lambda: len(panel.active_faults) == 2, "the CALLERROR to be listed too")
        assert [side for side, _ in panel.active_faults] == ["station", "csms"]
        assert panel.clear_button.isEnabled() and panel.active_count.text() == "2 active"

        panel.clear_button.click()
        assert panel.active_faults == [] and panel.active_list.item(0).text() == "none"
        assert panel.active_count.text() == "none active" and not panel.clear_button.isEnabled()
        assert panel.outcome.text().endswith("2 fault(s) cleared")

    in_lab(scenario)


def test_all_stations_makes_the_csms_callerror_every_station_s_and_clear_all_ends_it(in_lab: LabHarness) -> None:
    async def scenario(lab: Lab, window: MainWindow) -> None:
        first = await add_registered(window, V16)
        second = await add_registered(window, V201)
        panel = faults_dock(window)
        assert not panel.all_stations.isEnabled() and panel.all_stations.toolTip() == WHY_ALL_CSMS
        panel.side_csms.click()
        assert panel.all_stations.isEnabled()
        panel.all_stations.click()
        panel.tabs.setCurrentIndex(1)
        panel.error_action.setCurrentText("DataTransfer")
        choose(panel.error_code, "InternalError")
        panel.times_always.click()

        panel.callerror_button.click()
        await until(lambda: bool(panel.active_faults), "the fault for all stations to be listed")
        [(side, description)] = panel.active_faults
        assert side == "csms" and "every station" in description and "every station" in panel.outcome.text()
        window.select_station(first.id)
        assert panel.station is first
        await until(lambda: panel.active_faults == [(side, description)], "the first station to show it too")
        third = await add_registered(window, V16)

        async def answer(station: Station) -> str:
            try:
                await station.send("DataTransfer", {"vendorId": "ocpplab.test"})
            except CallErrorReceived as error:
                return error.code
            return "answered"

        assert [await answer(s) for s in (first, second, third)] == ["InternalError"] * 3

        panel.clear_button.click()
        assert panel.active_faults == [] and panel.outcome.text().endswith("1 fault(s) cleared")
        assert [await answer(s) for s in (first, second, third)] == ["answered"] * 3
        panel.side_station.click()
        assert not panel.all_stations.isChecked() and not panel.all_stations.isEnabled()

    in_lab(scenario)


# -- station faults ---------------------------------------------------------------------------


def test_a_power_loss_of_5_s_takes_the_station_offline_and_it_boots_again(in_lab: LabHarness) -> None:
    async def scenario(lab: Lab, window: MainWindow) -> None:
        station = await add_registered(window, V201)
        panel = faults_dock(window)
        panel.tabs.setCurrentIndex(3)
        seen: list[str] = []

        def note(event: object) -> None:
            if isinstance(event, StationEvent) and event.station_id == station.id:
                seen.append(event.kind)

        def boots() -> list[Frame]:
            return [f for f in logged(window) if f.action == "BootNotification" and f.message_type is MessageType.CALL]

        unsubscribe = lab.bus.subscribe(note)
        try:
            window.set_speed(100)
            panel.power_off.setValue(5.0)
            panel.power_button.click()
            await until(lambda: "boot" in seen, "the station to boot again after 5 simulated seconds")
        finally:
            unsubscribe()
        assert seen.index("power_loss") < seen.index("disconnected") < seen.index("power_up")
        assert seen.index("power_up") < seen.index("connected") < seen.index("boot")
        assert "power lost for 5 s" in panel.outcome.text()
        await until(lambda: len(boots()) == 2, "the log to show the second boot")
        assert boots()[-1].payload["reason"] == "PowerUp"
        await until(lambda: station.registration == "Accepted" and station.connected, "the station to be back")

    in_lab(scenario)


def test_a_malformed_frame_and_a_clock_skew_from_the_panel(in_lab: LabHarness) -> None:
    async def scenario(lab: Lab, window: MainWindow) -> None:
        station = await add_registered(window, V16)
        panel = faults_dock(window)
        panel.tabs.setCurrentIndex(2)
        panel.form_kind.setCurrentIndex(panel.form_kind.findData("invalid_json"))

        panel.malformed_button.click()

        def malformed() -> list[Frame]:
            return [f for f in logged(window) if f.note and "malformed invalid_json" in f.note]

        await until(lambda: bool(malformed()), "the malformed frame in the log")
        assert malformed()[0].direction is Direction.TO_CSMS and malformed()[0].message_type is MessageType.INVALID
        assert "sent a malformed frame (invalid_json)" in panel.outcome.text()

        panel.tabs.setCurrentIndex(3)
        panel.skew.setValue(-90)
        panel.skew_button.click()
        await until(lambda: station.clock_skew_s == -90, "the station's clock to run 90 s behind")
        await until(lambda: ("station", "clock -90 s") in panel.active_faults, "the skew in the active list")
        panel.skew.setValue(0)
        panel.skew_button.click()
        await until(lambda: panel.active_faults == [], "a skew of 0 to put the clock back in step")

    in_lab(scenario)


def test_the_wheel_over_an_unfocused_field_scrolls_the_dock_instead_of_changing_it(in_lab: LabHarness) -> None:
    async def scenario(lab: Lab, window: MainWindow) -> None:
        await add_registered(window, V16)
        panel = faults_dock(window)
        panel.tabs.setCurrentIndex(3)
        box = panel.power_off
        assert not box.hasFocus()
        centre = QPointF(box.rect().center())
        wheel = QWheelEvent(
            centre,
            QPointF(box.mapToGlobal(centre.toPoint())),
            QPoint(0, 0),
            QPoint(0, 120),
            Qt.MouseButton.NoButton,
            Qt.KeyboardModifier.NoModifier,
            Qt.ScrollPhase.NoScrollPhase,
            False,
        )
        QApplication.sendEvent(box, wheel)
        assert box.value() == 5.0 and not wheel.isAccepted()

    in_lab(scenario)
