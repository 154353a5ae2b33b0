"""The console's forms built from the official request schemas, against a real lab and its window."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from lab_harness import LabHarness, add_registered, until
from PySide6.QtWidgets import QApplication

from ocpplab_desktop.engine.lab import Lab
from ocpplab_desktop.gui.app import MainWindow
from ocpplab_desktop.gui.csms_console import CsmsConsole
from ocpplab_desktop.gui.schema_form import ArrayEditor, EnumEditor, ObjectEditor, SchemaForm
from ocpplab_desktop.model.connector import UserAction
from ocpplab_desktop.protocol import schemas


@pytest.fixture
def in_lab(qapp: QApplication, qtbot: Any, tmp_path: Path) -> Iterator[LabHarness]:
    yield LabHarness(qapp, qtbot, tmp_path)


def _form(console: CsmsConsole, action: str) -> SchemaForm:
    form = console.choose_command(action)
    assert isinstance(form, SchemaForm)
    return form


async def _answer(console: CsmsConsole) -> dict[str, Any]:
    console.send_button.click()
    await until(lambda: console.outcome_ok is not None, "the station's answer")
    assert console.outcome_ok, console.outcome.text()
    answer: dict[str, Any] = json.loads(console.answer.toPlainText())
    return answer


def test_a_form_with_nested_arrays_and_enums_fills_station_defaults_and_sends_a_valid_payload(
    in_lab: LabHarness,
) -> None:
    async def scenario(lab: Lab, window: MainWindow) -> None:
        station = await add_registered(window, "ac-22kw-wallbox-v201")
        await station.act(1, 1, UserAction.PLUG_IN)
        await station.act(1, 1, UserAction.PRESENT_TOKEN, token="TAG-FORM")
        assert lab.csms is not None
        known = lab.csms.stations[station.id]
        await until(lambda: bool(known.active_transactions()), "the CSMS to see the transaction")
        console = window.csms_console
        console.refresh()
        console.select_station(station.id)

        setter = _form(console, "SetVariables")
        items = setter.fields.fields["setVariableData"]
        assert isinstance(items, ArrayEditor) and len(items.items) == 1  # minItems 1
        items.add()
        for item, (component, variable, value) in zip(
            items.items,
            [("OCPPCommCtrlr", "HeartbeatInterval", "120"), ("SampledDataCtrlr", "TxUpdatedInterval", "30")],
            strict=True,
        ):
            assert isinstance(item, ObjectEditor)
            attribute = item.fields["attributeType"]
            assert isinstance(attribute, EnumEditor)
            assert [attribute.combo.itemText(i) for i in range(attribute.combo.count())] == [
                "Actual",
                "Target",
                "MinSet",
                "MaxSet",
            ]
            item.fields["component"].set_value({"name": component})
            item.fields["variable"].set_value({"name": variable})
            item.fields["attributeValue"].set_value(value)
        payload = setter.payload()
        schemas.check(known.version, "SetVariables", payload)  # valid against the official schema
        results = (await _answer(console))["setVariableResult"]
        assert [(r["variable"]["name"], r["attributeStatus"]) for r in results] == [
            ("HeartbeatInterval", "Accepted"),
            ("TxUpdatedInterval", "Accepted"),
        ]

        # The running transaction's id and the station's EVSE come from what the CSMS knows.
        status = _form(console, "GetTransactionStatus")
        (running,) = known.active_transactions()
        assert status.payload() == {}  # an optional field is sent only when ticked
        status.fields.include("transactionId")
        assert status.payload() == {"transactionId": str(running.id)}
        starter = _form(console, "RequestStartTransaction")
        assert starter.fields.fields["idToken"].value()["idToken"] == "TAG-FORM"
        starter.fields.include("evseId")
        assert starter.payload()["evseId"] == 1
        console.choose_command("RequestStopTransaction")
        assert await _answer(console) == {"status": "Accepted"}
        await until(lambda: not known.active_transactions(), "the transaction to end")

    in_lab(scenario)


def test_the_json_tab_refuses_a_payload_the_schema_refuses_with_the_schemas_message(in_lab: LabHarness) -> None:
    async def scenario(lab: Lab, window: MainWindow) -> None:
        station = await add_registered(window, "ac-22kw-wallbox")
        console = window.csms_console
        console.refresh()
        console.select_station(station.id)
        reset = _form(console, "Reset")
        reset.show_json('{"type": "Sideways"}')
        console.send_button.click()
        assert console.outcome_ok is False
        assert console.outcome.text() == "Not sent: Reset: type must be one of ['Hard', 'Soft']."
        reset.show_json('{"type": ')
        console.send_button.click()
        assert console.outcome.text().startswith("Not sent: the JSON is not valid")
        assert console.history_entries() == []

        # Back on the form tab, a payload that fits is taken into the fields.
        reset.show_json('{"type": "Soft"}')
        reset.tabs.setCurrentIndex(0)
        assert reset.payload() == {"type": "Soft"}
        assert await _answer(console) == {"status": "Accepted"}
        assert [e.action for e in console.history_entries()] == ["Reset"]

    in_lab(scenario)


def test_an_action_without_fields_is_sent_as_an_empty_object(in_lab: LabHarness) -> None:
    async def scenario(lab: Lab, window: MainWindow) -> None:
        station = await add_registered(window, "ac-22kw-wallbox")
        console = window.csms_console
        console.refresh()
        console.select_station(station.id)
        form = _form(console, "ClearCache")
        assert form.payload() == {}
        assert await _answer(console) == {"status": "Accepted"}
        assert console.history_entries()[0].line().endswith("ClearCache → Accepted")

    in_lab(scenario)
