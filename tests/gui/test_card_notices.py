"""What a CSMS puts on a station, shown in the window: display messages (2.0.1 O01-O06) on the connector card and
in the station header, the running cost (2.0.1 CostUpdated, I05) and a reservation (1.6 5.13, 2.0.1 H01).

Real lab, real embedded mock CSMS on a loopback websocket, the real window offscreen; the CSMS's CALLs are
sent by the mock CSMS (its Python API, or its console as a user would).
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from lab_harness import LabHarness, add_registered, until

from ocpplab_desktop.csms.server import MockCsms
from ocpplab_desktop.engine.lab import Lab
from ocpplab_desktop.engine.station import Station
from ocpplab_desktop.gui.app import MainWindow
from ocpplab_desktop.gui.card_notices import format_cost
from ocpplab_desktop.gui.connector_card import ConnectorCard
from ocpplab_desktop.gui.schema_form import SchemaForm
from ocpplab_desktop.gui.station_view import StationView
from ocpplab_desktop.model.config import VariableSetting
from ocpplab_desktop.model.connector import UserAction
from ocpplab_desktop.model.templates import load_template

V201 = "ac-22kw-wallbox-v201"


def mock(lab: Lab) -> MockCsms:
    assert lab.csms is not None
    return lab.csms


def shown(window: MainWindow, station: Station) -> tuple[StationView, ConnectorCard]:
    window.select_station(station.id, 1, 1)
    view = window.station_view
    assert view is not None and view.station is station
    return view, view.cards[0]


def message(message_id: int, priority: str, content: str, evse: int | None = 1, **more: Any) -> dict[str, Any]:
    info: dict[str, Any] = {
        "id": message_id,
        "priority": priority,
        "message": {"format": "UTF8", "content": content},
        **more,
    }
    if evse is not None:
        info["display"] = {"name": "DisplayMessageCtrlr", "evse": {"id": evse}}
    return {"message": info}


def station_iso(station: Station, ahead_s: float) -> str:
    now = datetime.fromisoformat(station.now_iso().replace("Z", "+00:00"))
    return (now + timedelta(seconds=ahead_s)).isoformat(timespec="seconds").replace("+00:00", "Z")


def test_display_messages_show_on_the_201_card_by_priority_and_go_when_cleared_or_expired(in_lab: LabHarness) -> None:
    async def scenario(lab: Lab, window: MainWindow) -> None:
        station = await add_registered(window, V201)
        view, card = shown(window, station)
        csms = mock(lab)
        assert card.display.isHidden() and view.display.isHidden()

        answer = await csms.send(station.id, "SetDisplayMessage", message(7, "NormalCycle", "Welcome <b>driver</b>"))
        assert answer == {"status": "Accepted"}
        await until(lambda: card.display.text_shown() == "Welcome <b>driver</b>", "the message on the card")
        assert card.display.isVisible() and card.display.property("priority") == "NormalCycle"
        assert "&lt;b&gt;driver" in card.display.text(), "the content is shown as text, not as markup"
        assert view.display.isHidden(), "a message for EVSE 1 is not on the station's display"

        await csms.send(station.id, "SetDisplayMessage", message(8, "AlwaysFront", "Cable fault, use EVSE 2"))
        await until(lambda: card.display.text_shown() == "Cable fault, use EVSE 2", "the urgent message first")
        assert card.display.property("priority") == "AlwaysFront"
        assert "+1 more" in card.display.text()
        assert "#7 (NormalCycle): Welcome <b>driver</b>" in card.display.toolTip()

        expiry = station_iso(station, 30)
        await csms.send(
            station.id, "SetDisplayMessage", message(9, "InFront", "Closing soon", None, endDateTime=expiry)
        )
        await until(lambda: view.display.text_shown() == "Closing soon", "the station-wide message in the header")
        assert view.display.property("priority") == "InFront"
        assert card.display.text_shown() == "Cable fault, use EVSE 2", "the card keeps its EVSE's own messages"

        answer = await csms.send(station.id, "ClearDisplayMessage", {"id": 8})
        assert answer == {"status": "Accepted"}
        await until(lambda: card.display.text_shown() == "Welcome <b>driver</b>", "the cleared message gone")
        await csms.send(station.id, "ClearDisplayMessage", {"id": 7})
        await until(card.display.isHidden, "the card's display empty once every message is cleared")

        window.set_speed(100)  # 30 simulated seconds pass in well under a second
        await until(view.display.isHidden, "the station-wide message gone at its endDateTime")
        assert station.shown_messages(None) == []

    in_lab(scenario)


def test_a_cost_updated_shows_on_the_card_with_the_currency_while_the_transaction_runs(in_lab: LabHarness) -> None:
    async def scenario(lab: Lab, window: MainWindow) -> None:
        template = load_template(V201)
        currency = VariableSetting("TariffCostCtrlr", "Currency", "EUR")
        station = window.add_station(replace(template, id="CS-COST", variables=(*template.variables, currency)))
        await until(lambda: station.registration == "Accepted", "the boot")
        _view, card = shown(window, station)
        assert card.cost.isHidden()
        await station.act(1, 1, UserAction.PLUG_IN)
        await station.act(1, 1, UserAction.PRESENT_TOKEN, token="TAG-COST")
        connector = station.connectors[0]
        await until(lambda: connector.tx_id is not None, "a transaction")
        assert card.cost.isHidden(), "no cost before the CSMS sends one"

        answer = await mock(lab).send(station.id, "CostUpdated", {"totalCost": 3.5, "transactionId": connector.tx_id})
        assert answer == {}
        await until(lambda: card.cost.text() == "3.50 EUR", "the cost on the card")
        assert card.cost.isVisible()
        await mock(lab).send(station.id, "CostUpdated", {"totalCost": 4.125, "transactionId": connector.tx_id})
        await until(lambda: card.cost.text() == "4.125 EUR", "the latest total")

        await station.act(1, 1, UserAction.STOP)
        await until(lambda: connector.tx_id is None, "the transaction to end")
        await until(card.cost.isHidden, "the cost gone with the transaction")

    in_lab(scenario)


def test_a_cost_reads_as_money_and_without_a_currency_as_a_bare_number() -> None:
    assert format_cost(3.5, "EUR") == "3.50 EUR"
    assert format_cost(1234.0, None) == "1,234.00"
    assert format_cost(0.1234, "SEK") == "0.1234 SEK"


# The payload of ReserveNow for TAG-RES, reservation 3, until `expiry`, by template; typed in the console.
RESERVE = {
    "ac-22kw-wallbox": lambda expiry: {"connectorId": 1, "expiryDate": expiry, "idTag": "TAG-RES", "reservationId": 3},
    V201: lambda expiry: {
        "id": 3,
        "expiryDateTime": expiry,
        "idToken": {"idToken": "TAG-RES", "type": "ISO14443"},
        "evseId": 1,
    },
}
CANCEL = {"ac-22kw-wallbox": {"reservationId": 3}, V201: {"reservationId": 3}}


@pytest.mark.parametrize("template", list(RESERVE))
def test_a_reservation_made_from_the_console_shows_its_token_and_expiry_on_the_card(
    in_lab: LabHarness, template: str
) -> None:
    async def scenario(lab: Lab, window: MainWindow) -> None:
        station = await add_registered(window, template)
        _view, card = shown(window, station)
        console = window.csms_console
        console.refresh()
        console.select_station(station.id)
        expiry = station_iso(station, 3600)
        until_text = datetime.fromisoformat(expiry.replace("Z", "+00:00")).astimezone(UTC).strftime("%H:%M:%S UTC")

        async def send(action: str, payload: dict[str, Any]) -> None:
            form = console.choose_command(action)
            assert isinstance(form, SchemaForm)
            form.show_json(json.dumps(payload))
            console.outcome_ok = None
            console.send_button.click()
            await until(lambda: console.outcome_ok is not None, f"the answer to {action}")
            assert json.loads(console.answer.toPlainText()) == {"status": "Accepted"}

        await send("ReserveNow", RESERVE[template](expiry))
        await until(lambda: card.state_label.text() == "Reserved", "the connector Reserved")
        await until(card.reservation_label.isVisible, "the reservation on the card")
        text = card.reservation_label.text()
        assert "for TAG-RES" in text and f"until {until_text}" in text, text
        place = station.dialect.connector_label(station.connectors[0])
        assert f"Reservation 3 for TAG-RES ({place})" in card.reservation_label.toolTip()

        await send("CancelReservation", CANCEL[template])
        await until(lambda: card.state_label.text() == "Available", "the connector free again")
        assert card.reservation_label.isHidden()

    in_lab(scenario)
