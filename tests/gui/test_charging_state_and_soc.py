"""What a connector card and the graph say while a car charges: the 2.0.1 charging state beside the
connector status (and lit in the diagram), and a DC car's SoC at station level.

Runs the real window over a real lab (embedded CSMS on a free port, SQLite in tmp_path), offscreen.
"""

from __future__ import annotations

from lab_harness import LabHarness, add_registered, until

from ocpplab_desktop.engine.lab import Lab
from ocpplab_desktop.gui.app import MainWindow
from ocpplab_desktop.gui.connector_card import ConnectorCard
from ocpplab_desktop.model.connector import UserAction


def first_card(window: MainWindow) -> ConnectorCard:
    view = window.station_view
    assert view is not None
    card: ConnectorCard = view.cards[0]
    return card


def test_a_201_card_shows_occupied_and_the_charging_state_charging_then_suspended_ev(in_lab: LabHarness) -> None:
    async def scenario(lab: Lab, window: MainWindow) -> None:
        station = await add_registered(window, "ac-22kw-wallbox-v201")
        window.select_station(station.id, 1, 1)
        card = first_card(window)
        assert card.charging_label.isHidden(), "no charging state without a cable or a transaction"
        assert card.diagram.charging_states() == ["Idle", "EVConnected", "Charging", "SuspendedEV", "SuspendedEVSE"]

        card.button(UserAction.PLUG_IN).click()
        await until(lambda: card.charging_label.text() == "EVConnected", "the card to say EVConnected")
        card.button(UserAction.PRESENT_TOKEN).click()
        await until(lambda: card.charging_label.text() == "Charging", "the card to say Charging")
        assert card.state_label.text() == "Occupied", "the connector status stays beside it"
        assert card.charging_label.isVisible()
        assert card.diagram.current_state() == "Occupied"
        assert card.diagram.current_charging_state() == "Charging"

        card.button(UserAction.EV_SUSPEND).click()
        await until(lambda: card.charging_label.text() == "SuspendedEV", "the card to say SuspendedEV")
        assert card.state_label.text() == "Occupied"
        assert card.diagram.current_charging_state() == "SuspendedEV"
        tx_id = station.connectors[0].tx_id
        csms = lab.csms
        assert csms is not None
        await until(
            lambda: csms.stations[station.id].transactions[tx_id].charging_state == "SuspendedEV",
            "the CSMS to hear the same charging state",
        )

        card.button(UserAction.STOP).click()
        card.button(UserAction.UNPLUG).click()
        await until(card.charging_label.isHidden, "no charging state once the cable is out")
        assert card.diagram.current_charging_state() is None

    in_lab(scenario)


def test_a_16_card_has_no_charging_state_its_status_says_it(in_lab: LabHarness) -> None:
    async def scenario(lab: Lab, window: MainWindow) -> None:
        station = await add_registered(window, "ac-22kw-wallbox")
        window.select_station(station.id, 1, 1)
        card = first_card(window)
        card.button(UserAction.PLUG_IN).click()
        card.button(UserAction.PRESENT_TOKEN).click()
        await until(lambda: card.state_label.text() == "Charging", "the 1.6 status Charging")
        assert card.charging_label.isHidden()
        assert card.diagram.charging_states() == []

    in_lab(scenario)


def test_a_dc_station_selected_at_station_level_draws_the_cars_soc(in_lab: LabHarness) -> None:
    async def scenario(lab: Lab, window: MainWindow) -> None:
        station = await add_registered(window, "dc-150kw-ccs2-chademo")
        window.select_station(station.id)
        window.docks["power"].raise_()
        window.set_speed(100)
        await station.act(1, 1, UserAction.PLUG_IN)
        await station.act(1, 1, UserAction.PRESENT_TOKEN, token="TAG-DC")
        plot = window.power_plot
        assert plot.target == (station.id, None, None)
        await until(lambda: len(plot.curve_data("soc")[1]) >= 3, "SoC points at station level")
        soc = plot.curve_data("soc")[1]
        assert 0 < soc[0] <= soc[-1] <= 100
        reading = station.reading(station.connectors[0]).soc
        assert reading is not None and abs(soc[-1] - reading) < 5, "the station's curve is the car's SoC"
        labels = [label.text for _sample, label in plot.plots[2].legend.items]
        assert "SoC (%)" in labels

    in_lab(scenario)
