"""ConnectorCard over a real, unconnected Station: buttons follow the state machine, actions run on asyncio."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from ocpp.v16.enums import ChargePointErrorCode
from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtWidgets import QApplication, QScrollArea, QWidget
from qt_async import QtAsyncLoop

from ocpplab_desktop.engine.station import Station
from ocpplab_desktop.gui.connector_card import DEFAULT_TOKEN, FAULT_CODES, ConnectorCard
from ocpplab_desktop.model.clock import SimClock
from ocpplab_desktop.model.connector import ACTION_LABELS, UserAction
from ocpplab_desktop.model.events import EventBus, StationEvent
from ocpplab_desktop.model.faults import FAULT_CATALOGUE
from ocpplab_desktop.model.templates import builtin_templates

UNREACHABLE = "ws://127.0.0.1:1"  # never connected: actions change the connector, nothing is sent


@pytest.fixture
def loop(qapp: QApplication) -> Iterator[QtAsyncLoop]:
    with QtAsyncLoop(qapp) as running:
        yield running


def make_card(qtbot: Any, template: str, connector: int = 0) -> tuple[ConnectorCard, Station, list[Any]]:
    events: list[Any] = []
    bus = EventBus()
    bus.subscribe(events.append)
    station = Station(builtin_templates()[template], bus=bus, clock=SimClock(), url=UNREACHABLE)
    card = ConnectorCard(station, station.connectors[connector])
    qtbot.addWidget(card)
    return card, station, events


def click(qtbot: Any, card: ConnectorCard, action: UserAction) -> None:
    qtbot.mouseClick(card.button(action), Qt.MouseButton.LeftButton)


def test_every_user_action_has_a_button_labelled_as_the_model_names_it(qtbot: Any) -> None:
    card, _, _ = make_card(qtbot, "ac-22kw-wallbox")
    assert {action: card.button(action).text() for action in UserAction} == ACTION_LABELS


def test_title_names_evse_connector_type_power_and_the_16_connector_id(qtbot: Any) -> None:
    card, _, _ = make_card(qtbot, "ac-dual-2x22kw", connector=1)
    assert card.title.text() == "EVSE 2 / connector 1  ·  connectorId 2"
    assert card.subtitle.text() == "Type2  ·  AC 3-phase  ·  max 22.08 kW"


def test_201_title_has_no_16_connector_id(qtbot: Any) -> None:
    card, _, _ = make_card(qtbot, "ac-22kw-wallbox-v201")
    assert "connectorId" not in card.title.text()


def test_unplug_is_disabled_without_a_cable_and_its_tooltip_names_the_rule(qtbot: Any) -> None:
    card, _, _ = make_card(qtbot, "ac-22kw-wallbox")
    unplug = card.button(UserAction.UNPLUG)
    assert not unplug.isEnabled()
    assert unplug.toolTip() == "Refused in Available: no cable is plugged in"
    assert card.button(UserAction.PLUG_IN).isEnabled()


def test_plug_in_moves_a_16_connector_to_preparing(qtbot: Any, loop: QtAsyncLoop) -> None:
    card, _, _ = make_card(qtbot, "ac-22kw-wallbox")
    click(qtbot, card, UserAction.PLUG_IN)
    loop.run_until(lambda: card.state_label.text() == "Preparing")
    assert card.diagram.current_state() == "Preparing"
    assert card.diagram.previous_transition() == ("Available", "Preparing")
    assert card.status_text() == "Plug in: cable plugged in; Preparing"
    assert card.button(UserAction.UNPLUG).isEnabled()
    assert not card.button(UserAction.PLUG_IN).isEnabled()
    assert card.button(UserAction.PLUG_IN).toolTip() == "Refused in Preparing: a cable is already plugged in"


def test_plug_in_makes_a_201_connector_occupied(qtbot: Any, loop: QtAsyncLoop) -> None:
    card, _, _ = make_card(qtbot, "ac-22kw-wallbox-v201")
    click(qtbot, card, UserAction.PLUG_IN)
    loop.run_until(lambda: card.state_label.text() == "Occupied")
    assert card.diagram.current_state() == "Occupied"


def test_a_button_the_new_state_disables_does_not_make_its_scroll_area_jump(qtbot: Any, loop: QtAsyncLoop) -> None:
    card, _, _ = make_card(qtbot, "ac-22kw-wallbox")
    area = QScrollArea()
    qtbot.addWidget(area)
    area.setWidgetResizable(True)
    area.setWidget(card)
    area.resize(520, 150)
    area.show()
    qtbot.waitExposed(area)
    area.ensureWidgetVisible(card.button(UserAction.PLUG_IN), 0, 0)
    before = area.verticalScrollBar().value()
    assert before > 0, "the plug-in button sits below the fold"

    click(qtbot, card, UserAction.PLUG_IN)
    loop.run_until(lambda: not card.button(UserAction.PLUG_IN).isEnabled())

    assert area.verticalScrollBar().value() == before


def test_force_enables_refused_buttons_and_their_tooltips_keep_the_rule(qtbot: Any) -> None:
    card, _, _ = make_card(qtbot, "ac-22kw-wallbox")
    refused = [a for a in UserAction if card.connector.refusal(a) is not None]
    assert refused and not any(card.button(a).isEnabled() for a in refused)
    card.force_box.setChecked(True)
    assert all(card.button(a).isEnabled() for a in UserAction)
    assert card.button(UserAction.UNPLUG).toolTip().startswith("Refused in Available: no cable is plugged in\n")
    card.force_box.setChecked(False)
    assert not card.button(UserAction.UNPLUG).isEnabled()


def test_a_forced_action_runs_and_is_recorded_as_forced(qtbot: Any, loop: QtAsyncLoop) -> None:
    card, _, events = make_card(qtbot, "ac-22kw-wallbox")
    card.force_box.setChecked(True)
    click(qtbot, card, UserAction.CLEAR_FAULT)
    loop.run_until(lambda: "forced" in card.status_text())
    assert card.status_text().startswith("Clear fault forced past “there is no fault to clear”")
    assert [e.kind for e in events if isinstance(e, StationEvent)] == ["forced"]


def test_an_action_the_state_no_longer_allows_shows_the_refusal_on_the_card(qtbot: Any, loop: QtAsyncLoop) -> None:
    card, station, _ = make_card(qtbot, "ac-22kw-wallbox")
    # Someone else (a scenario, the CSMS) plugs in before the card was refreshed.
    loop.run(station.act(1, 1, UserAction.PLUG_IN))
    assert card.button(UserAction.PLUG_IN).isEnabled()
    click(qtbot, card, UserAction.PLUG_IN)
    loop.run_until(lambda: card.status_text().startswith("Refused"))
    assert card.status_text() == "Refused in Preparing: a cable is already plugged in"
    assert card.state_label.text() == "Preparing", "the card refreshed after the refusal"


def test_fault_reports_the_chosen_error_code_and_info(qtbot: Any, loop: QtAsyncLoop) -> None:
    card, _, _ = make_card(qtbot, "ac-22kw-wallbox")
    assert ChargePointErrorCode.no_error.value not in FAULT_CODES
    labels = [card.fault_combo.itemText(i) for i in range(card.fault_combo.count())]
    assert labels == [entry.label for entry in FAULT_CATALOGUE], "the catalogue, the same for both versions"
    card.fault_combo.setCurrentIndex(card.fault_combo.findData("ground_fault"))
    card.fault_info.setText("RCD tripped")
    click(qtbot, card, UserAction.FAULT)
    loop.run_until(lambda: card.state_label.text() == "Faulted")
    assert card.connector.fault is not None
    assert (card.connector.fault.error_code, card.connector.fault.info) == ("GroundFailure", "RCD tripped")
    assert card.button(UserAction.CLEAR_FAULT).isEnabled()


def test_presenting_an_empty_token_asks_for_one_instead_of_acting(qtbot: Any, loop: QtAsyncLoop) -> None:
    card, _, events = make_card(qtbot, "ac-22kw-wallbox")
    assert card.token_edit.text() == DEFAULT_TOKEN
    card.token_edit.clear()
    click(qtbot, card, UserAction.PRESENT_TOKEN)
    assert card.status_text() == "Enter the id token to present first."
    assert card.connector.token is None and events == []


def test_soc_is_shown_for_dc_connectors_only(qtbot: Any) -> None:
    dc, _, _ = make_card(qtbot, "dc-150kw-ccs2-chademo")
    ac, _, _ = make_card(qtbot, "ac-22kw-wallbox")
    assert dc.soc.isVisibleTo(dc) and dc.soc.text() == "—"
    assert not ac.soc.isVisibleTo(ac)


def test_readings_show_power_energy_and_transaction(qtbot: Any) -> None:
    card, _, _ = make_card(qtbot, "ac-22kw-wallbox")
    assert (card.power.text(), card.energy.text(), card.transaction.text()) == ("0 kW", "0.000 kWh", "—")


def in_card(card: ConnectorCard, widget: QWidget) -> QRect:
    """Where `widget` sits, in the card's coordinates."""
    return QRect(widget.mapTo(card, QPoint(0, 0)), widget.size())


def test_a_wide_card_puts_state_and_controls_side_by_side_and_a_narrow_one_puts_the_diagram_last(
    qtbot: Any,
) -> None:
    card, _, _ = make_card(qtbot, "ac-22kw-wallbox")
    card.resize(1000, 600)
    card.show()
    qtbot.waitExposed(card)
    plug_in = card.button(UserAction.PLUG_IN)
    qtbot.waitUntil(lambda: card.side_by_side)
    qtbot.waitUntil(lambda: in_card(card, card.diagram).right() < in_card(card, plug_in).left())

    card.resize(500, 900)
    qtbot.waitUntil(lambda: not card.side_by_side)
    # Narrow, the buttons come before the diagram: they stay in view when the card is short.
    last_row = card.button(UserAction.CLEAR_FAULT)
    qtbot.waitUntil(lambda: in_card(card, last_row).bottom() < in_card(card, card.diagram).top())
    assert in_card(card, card.state_label).bottom() < in_card(card, plug_in).top()
