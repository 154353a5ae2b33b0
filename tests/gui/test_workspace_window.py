"""The workspace in the window (issue #17, items 1 and 7): it survives a restart, travels as a file,
asks before a close cuts transactions, and an edit keeps the station's place and says it reboots.

A restart is the harness run twice on one database, each run a new lab (keep_workspace, as
`ocpplab` opens it) and a new window: the real window, the real lab, real websockets on 127.0.0.1.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from lab_harness import LabHarness, Scenario, add_registered, temporary_settings, until
from PySide6.QtWidgets import QApplication, QMessageBox

from ocpplab_desktop.engine.lab import Lab
from ocpplab_desktop.gui.app import MainWindow
from ocpplab_desktop.gui.builder import StationBuilderDialog
from ocpplab_desktop.model.config import ConnectorConfig, CurrentType, EvseConfig, OcppVersion, StationConfig
from ocpplab_desktop.model.connector import UserAction
from ocpplab_desktop.protocol.frame import MessageType, Side

DC_50KW = StationConfig(
    id="HANDMADE-DC",
    vendor="Workshop",
    model="DC 50",
    ocpp_version=OcppVersion.V16,
    evses=(
        EvseConfig(
            1,
            (
                ConnectorConfig(
                    1, "CCS2", CurrentType.DC, phases=0, max_current_a=125, max_power_w=50_000, voltage_v=400
                ),
            ),
        ),
    ),
)


class WorkspaceHarness(LabHarness):
    """The window as `ocpplab` opens it: its lab keeps the workspace in the database."""

    async def _whole(self, scenario: Scenario) -> None:
        lab = Lab(db_path=self.db_path, csms_port=0, keep_workspace=True)
        await lab.start()
        try:
            window = self.open_window(lab)
            try:
                await scenario(lab, window)
            finally:
                if window.isVisible():
                    self.close_window(window)
                window.deleteLater()
        finally:
            await lab.close()


@pytest.fixture
def in_lab(qapp: QApplication, qtbot: Any, tmp_path: Path) -> Any:
    with temporary_settings(tmp_path / "settings"):
        yield WorkspaceHarness(qapp, qtbot, tmp_path)


def tree_ids(window: MainWindow) -> list[str]:
    return window.tree_model.station_ids()


def tree_rows(window: MainWindow) -> list[str]:
    model = window.tree_model
    return [model.item(row).text().split()[0] for row in range(model.rowCount())]


def question(window: MainWindow) -> QMessageBox:
    box = window.workspace_ui.question
    assert box is not None
    return box


def click(box: QMessageBox, text: str) -> None:
    (button,) = [b for b in box.buttons() if b.text().replace("&", "") == text]
    button.click()


def test_stations_built_in_the_window_are_there_after_a_restart_with_their_configuration(in_lab: LabHarness) -> None:
    async def first(lab: Lab, window: MainWindow) -> None:
        window.add_station(DC_50KW)
        window.ui.action_new_station.trigger()
        await until(lambda: bool(window.findChildren(StationBuilderDialog)), "the builder dialog to open")
        dialog = window.findChildren(StationBuilderDialog)[0]
        dialog.ui.template_combo.setCurrentIndex(dialog.ui.template_combo.findText("ac-22kw-wallbox-v201"))
        dialog.ui.station_id.setText("FROM-DIALOG")
        dialog.ok_button().click()
        await until(lambda: "FROM-DIALOG" in lab.stations, "the built station to be added")
        station = lab.stations["FROM-DIALOG"]
        await until(lambda: station.registration == "Accepted", "the station to register")
        await station.act(1, 1, UserAction.MAKE_UNAVAILABLE)
        assert lab.csms is not None
        lab.csms.policy.blocked_tokens.add("LOST-CARD")

    async def second(lab: Lab, window: MainWindow) -> None:
        assert tree_ids(window) == ["HANDMADE-DC", "FROM-DIALOG"] == tree_rows(window)
        assert lab.stations["HANDMADE-DC"].config == DC_50KW
        assert window.statusBar().currentMessage().startswith("Workspace restored: 2 station(s)")
        station = lab.stations["FROM-DIALOG"]
        await until(lambda: station.registration == "Accepted", "the restored station to register")
        assert station.connector(1, 1).reported == "Unavailable"
        assert lab.csms is not None and lab.csms.policy.blocked_tokens == {"LOST-CARD"}

    in_lab(first)
    in_lab(second)


def test_editing_a_connected_station_says_it_reboots_and_keeps_its_place_in_the_tree(in_lab: LabHarness) -> None:
    async def scenario(lab: Lab, window: MainWindow) -> None:
        for name in ("FIRST", "MIDDLE", "LAST"):
            window.add_station(DC_50KW.with_id(name))
        middle = lab.stations["MIDDLE"]
        await until(lambda: middle.registration == "Accepted", "MIDDLE to register")
        window.select_station("MIDDLE")
        assert window.ui.action_edit_station.isEnabled(), "a connected station can be edited"

        window.ui.action_edit_station.trigger()
        await until(lambda: bool(window.findChildren(StationBuilderDialog)), "the builder dialog to open")
        dialog = window.findChildren(StationBuilderDialog)[0]
        dialog.ui.station_id.setText("MIDDLE-2")
        dialog.ui.model.setText("DC 50 rev B")
        dialog.ok_button().click()

        await until(lambda: window.workspace_ui.question is not None, "the reboot to be explained")
        box = question(window)
        assert "MIDDLE is connected. It reboots with the new configuration" in box.text()
        assert "as MIDDLE-2 (a new identity" in box.text()
        assert list(lab.stations) == ["FIRST", "MIDDLE", "LAST"], "nothing changes before the answer"
        click(box, "Reboot with the changes")

        await until(lambda: "MIDDLE-2" in lab.stations, "the edit to take effect")
        edited = lab.stations["MIDDLE-2"]
        assert edited.config.model == "DC 50 rev B"
        assert list(lab.stations) == ["FIRST", "MIDDLE-2", "LAST"] == tree_rows(window), "in its place"
        await until(lambda: edited.registration == "Accepted", "the edited station to boot and register again")
        assert window.current_station() is edited
        assert window.statusBar().currentMessage() == "Station MIDDLE-2 edited; rebooting with the new configuration"

    in_lab(scenario)


def test_closing_while_charging_asks_and_the_next_start_reports_the_power_loss(in_lab: LabHarness) -> None:
    async def first(lab: Lab, window: MainWindow) -> None:
        station = await add_registered(window, "ac-22kw-wallbox")
        await station.act(1, 1, UserAction.PLUG_IN)
        await station.act(1, 1, UserAction.PRESENT_TOKEN, token="TAG-1")
        c = station.connector(1, 1)
        await until(lambda: c.tx_id is not None, "the transaction to start")

        window.close()
        await until(lambda: window.workspace_ui.question is not None, "the question before closing")
        assert f"1 transaction is running (on {station.id})" in question(window).text()
        assert "PowerLoss" in question(window).text()
        click(question(window), "Cancel")
        assert window.isVisible() and c.tx_started, "Cancel keeps the window and the transaction"

        window.close()
        await until(lambda: window.workspace_ui.question is not None, "the question again")
        click(question(window), "Quit")
        await until(lambda: not window.isVisible(), "the window to close")
        assert not c.tx_started

    async def second(lab: Lab, window: MainWindow) -> None:
        model = window.log_view.model

        def stops() -> list[Any]:
            frames = (model.frame_at(row) for row in range(model.rowCount()))
            return [
                f.payload
                for f in frames
                if f.action == "StopTransaction" and f.message_type is MessageType.CALL and f.side is Side.STATION
            ]

        await until(lambda: bool(stops()), "the cut transaction to be reported after the boot")
        assert stops()[0]["reason"] == "PowerLoss"

    in_lab(first)
    in_lab(second)


def test_a_workspace_saved_as_a_file_opens_in_another_lab_and_a_bad_file_is_refused(
    in_lab: LabHarness, tmp_path: Path
) -> None:
    shared = tmp_path / "shared.json"
    bad = tmp_path / "bad.json"
    bad.write_text('{"format": "ocpplab-workspace", "version": 1, "stations": [{"config": {"vendor": 7}}]}')

    async def colleague(lab: Lab, window: MainWindow) -> None:
        window.add_station(DC_50KW, connect=False)
        window.workspace_ui.save(shared)

    async def mine(lab: Lab, window: MainWindow) -> None:
        window.add_station(DC_50KW.with_id("MINE"), connect=False)
        window.workspace_ui.confirm_open(bad)
        await until(lambda: window.workspace_ui.question is not None, "the refusal")
        assert "stations[0].config.vendor: 7 is not text" in question(window).text()
        click(question(window), "OK")
        assert list(lab.stations) == ["MINE"], "a bad file changes nothing"

        window.workspace_ui.confirm_open(shared)
        await until(lambda: window.workspace_ui.question is not None, "the question before replacing")
        assert "replaces the 1 station(s) of this lab" in question(window).text()
        click(question(window), "Replace the stations")
        await until(lambda: tree_rows(window) == ["HANDMADE-DC"], "the file's stations in the tree")
        assert lab.stations["HANDMADE-DC"].config == DC_50KW

    in_lab(colleague)
    in_lab.db_path = tmp_path / "mine.db"  # type: ignore[attr-defined]
    in_lab(mine)
