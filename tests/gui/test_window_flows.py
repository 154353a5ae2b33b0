"""What an engineer does in the window, end to end: build a station, charge with the buttons, export.

Runs the real window over a real lab (embedded CSMS on a free port, SQLite in tmp_path), the
same way as test_main_window.py; every wait is bounded.
"""

from __future__ import annotations

from pathlib import Path

from lab_harness import LabHarness, add_registered, until
from PySide6.QtGui import QImage

from ocpplab_desktop.engine.lab import Lab
from ocpplab_desktop.gui.app import MainWindow
from ocpplab_desktop.gui.builder import StationBuilderDialog
from ocpplab_desktop.gui.connector_card import ConnectorCard
from ocpplab_desktop.model.connector import UserAction


def logged_actions(window: MainWindow) -> list[str | None]:
    model = window.log_view.model
    return [model.frame_at(row).action for row in range(model.rowCount())]


def card_of(window: MainWindow) -> ConnectorCard:
    view = window.station_view
    assert view is not None and view.cards
    card: ConnectorCard = view.cards[0]
    return card


def test_a_station_built_in_the_builder_dialog_is_added_and_registers(in_lab: LabHarness) -> None:
    async def scenario(lab: Lab, window: MainWindow) -> None:
        window.ui.action_new_station.trigger()
        await until(lambda: bool(window.findChildren(StationBuilderDialog)), "the builder dialog to open")
        dialog = window.findChildren(StationBuilderDialog)[0]
        combo = dialog.ui.template_combo
        combo.setCurrentIndex(combo.findText("dc-150kw-ccs2-chademo"))
        dialog.ui.station_id.setText("BUILT-IN-DIALOG")
        assert dialog.problems() == [] and dialog.ok_button().isEnabled()
        dialog.ok_button().click()
        await until(lambda: "BUILT-IN-DIALOG" in lab.stations, "the built station to be added")
        station = lab.stations["BUILT-IN-DIALOG"]
        await until(lambda: station.registration == "Accepted", "the built station to register")
        assert [c.config.type for c in station.connectors] == ["CCS2", "CHAdeMO"]

    in_lab(scenario)


def test_a_full_charge_stepped_with_the_card_buttons_shows_states_log_rows_and_power(
    in_lab: LabHarness, tmp_path: Path
) -> None:
    async def scenario(lab: Lab, window: MainWindow) -> None:
        station = await add_registered(window, "ac-22kw-wallbox")
        window.select_station(station.id, 1, 1)
        window.set_speed(100)
        card = card_of(window)
        connector = station.connector(1, 1)
        seen: list[str] = []

        async def press(action: UserAction, state: str) -> None:
            button = card.button(action)
            assert button.isEnabled(), f"{action} should be allowed in {connector.reported}"
            button.click()
            await until(lambda: connector.reported == state, f"{action} to reach {state}")
            await until(lambda: card.state_label.text() == state, f"the card to show {state}")
            seen.append(card.state_label.text())

        assert not card.button(UserAction.UNPLUG).isEnabled()
        assert "no cable is plugged in" in card.button(UserAction.UNPLUG).toolTip()
        await press(UserAction.PLUG_IN, "Preparing")
        await press(UserAction.PRESENT_TOKEN, "Charging")
        await until(lambda: logged_actions(window).count("MeterValues") >= 2, "two MeterValues in the log")
        await until(lambda: len(window.power_plot.curve_data("power")[1]) > 0, "power in the graph")
        await until(lambda: max(window.power_plot.curve_data("power")[1]) > 20.0, "22 kW in the graph")
        await press(UserAction.STOP, "Finishing")
        await press(UserAction.UNPLUG, "Available")

        assert seen == ["Preparing", "Charging", "Finishing", "Available"]
        actions = logged_actions(window)
        for action in ("Authorize", "StartTransaction", "StopTransaction"):
            assert action in actions
        energy = window.power_plot.curve_data("energy")[1]
        assert energy[-1] > energy[0]

        out = tmp_path / "graph.png"
        window.export_graph(out)
        image = QImage(str(out))
        assert not image.isNull() and image.width() > 200
        colours = {image.pixel(x, y) for x in range(0, image.width(), 7) for y in range(0, image.height(), 7)}
        assert len(colours) > 10
        svg = tmp_path / "graph.svg"
        window.export_graph(svg)
        title = window.graph_title()
        assert title.startswith(f"{station.id}, EVSE 1 connector 1 · session {lab.session_id}: "), title
        assert title.split(": ", 1)[1] in svg.read_text(encoding="utf-8")

    in_lab(scenario)


def test_editing_a_disconnected_station_replaces_its_configuration_and_it_connects_again(in_lab: LabHarness) -> None:
    async def scenario(lab: Lab, window: MainWindow) -> None:
        station = await add_registered(window, "ac-22kw-wallbox")
        window.select_station(station.id)
        window.ui.action_disconnect.trigger()
        await until(lambda: not station.link_up, "the station to be disconnected")

        window.ui.action_edit_station.trigger()
        await until(lambda: bool(window.findChildren(StationBuilderDialog)), "the builder dialog to open")
        dialog = window.findChildren(StationBuilderDialog)[0]
        assert dialog.windowTitle() == f"Edit station {station.id}"
        assert dialog.ui.station_id.text() == station.id, "the dialog starts from the station's configuration"
        dialog.ui.model.setText("Edited Model X")
        dialog.ok_button().click()
        await until(
            lambda: station.id in lab.stations and lab.stations[station.id].config.model == "Edited Model X",
            "the edit to take effect",
        )

        edited = lab.stations[station.id]
        assert edited is not station and list(lab.stations) == [station.id], "replaced, not duplicated"
        window.select_station(station.id)
        window.ui.action_connect.trigger()
        await until(lambda: edited.registration == "Accepted", "the edited station to register")

    in_lab(scenario)
