"""CsmsConsole against a real lab: embedded CSMS, lab stations from templates, asyncio on the Qt loop."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from PySide6.QtCore import Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication
from qt_async import QtAsyncLoop

from ocpplab_desktop.csms.console_text import describe_failure
from ocpplab_desktop.csms.server import BUILDERS
from ocpplab_desktop.engine.lab import Lab
from ocpplab_desktop.engine.station import Station
from ocpplab_desktop.gui import palette
from ocpplab_desktop.gui.console_forms import InputProblem, RemoteStopForm
from ocpplab_desktop.gui.csms_console import DEDICATED_FORMS, CsmsConsole
from ocpplab_desktop.gui.csms_stations import Column
from ocpplab_desktop.gui.profile_editor import ProfileEditor
from ocpplab_desktop.gui.schema_form import SchemaForm
from ocpplab_desktop.model.config import OcppVersion
from ocpplab_desktop.model.connector import UserAction
from ocpplab_desktop.model.templates import load_template
from ocpplab_desktop.protocol.errors import CallErrorReceived, CallTimeout
from ocpplab_desktop.protocol.schemas import csms_actions


@pytest.fixture
def loop(qapp: QApplication) -> Iterator[QtAsyncLoop]:
    with QtAsyncLoop(qapp) as running:
        yield running


@pytest.fixture
def lab(loop: QtAsyncLoop, tmp_path: Path) -> Iterator[Lab]:
    """A started lab with its embedded CSMS on a free port."""
    the_lab = Lab(csms_port=0, db_path=tmp_path / "lab.db")
    loop.run(the_lab.start())
    yield the_lab
    loop.run(the_lab.close())


def add_station(loop: QtAsyncLoop, lab: Lab, template: str, station_id: str) -> Station:
    """A station from a template, connecting to the embedded CSMS (it starts tasks: a running loop is needed)."""

    async def inside() -> Station:
        return lab.add_station(replace(load_template(template), id=station_id))

    return loop.run(inside())


def registered(loop: QtAsyncLoop, lab: Lab, template: str, station_id: str) -> Station:
    station = add_station(loop, lab, template, station_id)
    loop.run_until(lambda: station.registration == "Accepted")
    return station


def act(loop: QtAsyncLoop, station: Station, action: UserAction, token: str | None = None) -> str:
    return loop.run(station.act(1, 1, action, token=token))


def open_console(qtbot: Any, lab: Lab) -> CsmsConsole:
    console = CsmsConsole(lab)
    qtbot.addWidget(console)
    console.resize(1000, 700)
    console.show()
    return console


def cells(console: CsmsConsole, station_id: str) -> list[str] | None:
    """The station's row as shown, after a refresh (the window calls it on changes); None if not listed."""
    console.refresh()
    number = console.model.row_of(station_id)
    if number is None:
        return None
    return [console.model.index(number, column).data() for column in Column]


def send(qtbot: Any, console: CsmsConsole) -> None:
    qtbot.mouseClick(console.send_button, Qt.MouseButton.LeftButton)


def answered(loop: QtAsyncLoop, console: CsmsConsole) -> Any:
    """The JSON answer shown once the last command has one."""
    loop.run_until(lambda: console.outcome_ok is not None)
    assert console.outcome_ok, console.outcome.text()
    return json.loads(console.answer.toPlainText())


def test_connected_stations_are_listed_with_version_registration_connectors_and_transactions(
    qtbot: Any, loop: QtAsyncLoop, lab: Lab
) -> None:
    dual = registered(loop, lab, "ac-dual-2x22kw", "CP-16")
    registered(loop, lab, "ac-22kw-wallbox-v201", "CS-201")
    act(loop, dual, UserAction.PLUG_IN)
    act(loop, dual, UserAction.PRESENT_TOKEN, token="TAG-1")
    console = open_console(qtbot, lab)
    loop.run_until(lambda: (cells(console, "CP-16") or [])[Column.CONNECTORS] == "1: Charging, 2: Available")

    assert lab.csms is not None
    (transaction,) = lab.csms.stations["CP-16"].active_transactions()
    assert cells(console, "CP-16") == ["CP-16", "1.6", "yes", "Accepted", "—", "1: Charging, 2: Available", "1"]
    assert transaction.id == 1
    assert cells(console, "CS-201") == ["CS-201", "2.0.1", "yes", "Accepted", "—", "1/1: Available", "—"]


def choices(form: SchemaForm, name: str) -> list[str]:
    combo = form.fields.fields[name].combo  # type: ignore[attr-defined]
    return [combo.itemText(i) for i in range(combo.count())]


def test_each_station_is_offered_every_csms_action_of_its_own_ocpp_version_and_only_those(
    qtbot: Any, loop: QtAsyncLoop, lab: Lab
) -> None:
    registered(loop, lab, "ac-22kw-wallbox", "CP-16")
    registered(loop, lab, "ac-22kw-wallbox-v201", "CS-201")
    console = open_console(qtbot, lab)

    console.select_station("CS-201")
    assert console.offered_commands() == list(csms_actions(OcppVersion.V201))
    assert not {"GetConfiguration", "ChangeConfiguration", "BootNotification"} & set(console.offered_commands())
    assert "RequestStartTransaction" in console.offered_commands()
    assert "RemoteStartTransaction" not in console.offered_commands()
    reset = console.choose_command("Reset")
    assert isinstance(reset, SchemaForm)
    assert choices(reset, "type") == ["Immediate", "OnIdle"]
    with pytest.raises(ValueError, match="not offered"):
        console.choose_command("GetConfiguration")

    console.select_station("CP-16")
    assert console.offered_commands() == list(csms_actions(OcppVersion.V16))
    assert not {"GetVariables", "SetVariables", "GetBaseReport"} & set(console.offered_commands())
    assert console.command.currentText() == "Reset"  # the chosen action stays when it applies
    reset16 = console.choose_command("Reset")
    assert isinstance(reset16, SchemaForm) and choices(reset16, "type") == ["Hard", "Soft"]
    trigger = console.choose_command("TriggerMessage")
    assert isinstance(trigger, SchemaForm)
    # The security extension's triggers belong to ExtendedTriggerMessage, not to 1.6 TriggerMessage.
    assert "Heartbeat" in choices(trigger, "requestedMessage")
    assert "SignChargePointCertificate" not in choices(trigger, "requestedMessage")
    with pytest.raises(ValueError, match="not offered"):
        console.choose_command("GetBaseReport")


@pytest.mark.parametrize(("template", "version"), [("ac-22kw-wallbox", "1.6"), ("ac-22kw-wallbox-v201", "2.0.1")])
def test_every_csms_action_has_a_form_from_its_schema_or_a_dedicated_one(
    qtbot: Any, loop: QtAsyncLoop, lab: Lab, template: str, version: str
) -> None:
    registered(loop, lab, template, "CP-ALL")
    console = open_console(qtbot, lab)
    console.select_station("CP-ALL")
    dedicated = {BUILDERS[OcppVersion(version)].actions[name]: name for name in DEDICATED_FORMS}
    for action in console.offered_commands():
        form = console.choose_command(action)
        if action in dedicated:
            assert not isinstance(form, SchemaForm) and form.command == dedicated[action]
        else:
            assert isinstance(form, SchemaForm) and form.action == action
            try:
                form.payload()  # the form as built is a valid payload, or the schema says what to enter
            except InputProblem as problem:
                assert str(problem).startswith(f"{action}: ")


def test_remote_start_to_a_plugged_in_16_station_is_accepted_and_the_connector_charges(
    qtbot: Any, loop: QtAsyncLoop, lab: Lab
) -> None:
    station = registered(loop, lab, "ac-22kw-wallbox", "CP-RS")
    act(loop, station, UserAction.PLUG_IN)
    console = open_console(qtbot, lab)
    console.select_station("CP-RS")
    form = console.choose_command("RemoteStartTransaction")
    assert isinstance(form, SchemaForm)
    form.fields.fields["idTag"].set_value("TAG-REMOTE")
    form.fields.include("connectorId")
    form.fields.fields["connectorId"].set_value(1)
    send(qtbot, console)

    assert answered(loop, console) == {"status": "Accepted"}
    loop.run_until(lambda: station.connectors[0].status() == "Charging")
    loop.run_until(lambda: (cells(console, "CP-RS") or [])[Column.CONNECTORS] == "1: Charging")
    (entry,) = console.history_entries()
    assert (entry.action, entry.ok, entry.outcome) == ("RemoteStartTransaction", True, "Accepted")
    assert "idTag=TAG-REMOTE" in entry.arguments and "connectorId=1" in entry.arguments


def test_remote_stop_with_the_offered_transaction_id_ends_the_transaction(
    qtbot: Any, loop: QtAsyncLoop, lab: Lab
) -> None:
    station = registered(loop, lab, "ac-22kw-wallbox", "CP-STOP")
    act(loop, station, UserAction.PLUG_IN)
    act(loop, station, UserAction.PRESENT_TOKEN, token="TAG-1")
    assert lab.csms is not None
    csms_state = lab.csms.stations["CP-STOP"]
    loop.run_until(lambda: bool(csms_state.active_transactions()))
    console = open_console(qtbot, lab)
    console.select_station("CP-STOP")
    form = console.choose_command("RemoteStopTransaction")
    assert isinstance(form, RemoteStopForm)  # kept: it offers the running transactions
    combo = form.transaction
    transaction_id = str(csms_state.active_transactions()[0].id)
    assert [combo.itemText(i) for i in range(combo.count())] == [transaction_id]
    assert combo.currentText() == transaction_id
    send(qtbot, console)

    assert answered(loop, console) == {"status": "Accepted"}
    loop.run_until(lambda: station.connectors[0].status() == "Finishing")
    loop.run_until(lambda: (cells(console, "CP-STOP") or [])[Column.TRANSACTIONS] == "—")
    assert combo.count() == 0


def test_a_token_blocked_in_the_policy_is_answered_blocked_at_the_station(
    qtbot: Any, loop: QtAsyncLoop, lab: Lab
) -> None:
    station = registered(loop, lab, "ac-22kw-wallbox", "CP-AUTH")
    act(loop, station, UserAction.PLUG_IN)
    console = open_console(qtbot, lab)
    qtbot.keyClicks(console.policy_pane.tokens["blocked_tokens"], "TAG-LOST, TAG-STOLEN")
    assert lab.csms is not None and lab.csms.policy.blocked_tokens == {"TAG-LOST", "TAG-STOLEN"}

    assert act(loop, station, UserAction.PRESENT_TOKEN, token="TAG-STOLEN") == "token TAG-STOLEN Blocked"
    assert station.connectors[0].status() == "Preparing" and station.connectors[0].token is None
    assert "accepted" in act(loop, station, UserAction.PRESENT_TOKEN, token="TAG-GOOD")


def test_the_expired_and_concurrent_token_fields_make_the_csms_answer_so(
    qtbot: Any, loop: QtAsyncLoop, lab: Lab
) -> None:
    station = registered(loop, lab, "ac-22kw-wallbox-v201", "CP-AUTH-201")
    act(loop, station, UserAction.PLUG_IN)
    console = open_console(qtbot, lab)
    pane = console.policy_pane
    form = pane.layout()
    labels = [form.labelForField(edit).text() for edit in pane.tokens.values()]  # type: ignore[attr-defined]
    assert labels == ["Blocked tokens", "Invalid tokens", "Expired tokens", "ConcurrentTx tokens"]
    qtbot.keyClicks(pane.tokens["expired_tokens"], "TAG-OLD")
    qtbot.keyClicks(pane.tokens["concurrent_tokens"], "TAG-BUSY, TAG-TWICE")
    assert lab.csms is not None
    policy = lab.csms.policy
    assert (policy.expired_tokens, policy.concurrent_tokens) == ({"TAG-OLD"}, {"TAG-BUSY", "TAG-TWICE"})

    assert act(loop, station, UserAction.PRESENT_TOKEN, token="TAG-OLD") == "token TAG-OLD Expired"
    assert act(loop, station, UserAction.PRESENT_TOKEN, token="TAG-TWICE") == "token TAG-TWICE ConcurrentTx"
    assert not station.connectors[0].tx_started


def test_policy_fields_change_the_csms_answers_and_follow_changes_made_elsewhere(
    qtbot: Any, loop: QtAsyncLoop, lab: Lab
) -> None:
    assert lab.csms is not None
    policy = lab.csms.policy
    console = open_console(qtbot, lab)
    console.policy_pane.boot_status.setCurrentText("Pending")
    console.policy_pane.heartbeat.setValue(42)
    qtbot.keyClicks(console.policy_pane.tokens["invalid_tokens"], "TAG-X")
    assert (policy.boot_status, policy.heartbeat_interval, policy.invalid_tokens) == ("Pending", 42, {"TAG-X"})

    station = add_station(loop, lab, "ac-22kw-wallbox", "CP-PEND")
    loop.run_until(lambda: station.registration == "Pending")
    loop.run_until(lambda: (cells(console, "CP-PEND") or [])[Column.REGISTRATION] == "Pending")

    policy.blocked_tokens.add("TAG-FROM-A-SCENARIO")
    console.refresh()
    assert console.policy_pane.tokens["blocked_tokens"].text() == "TAG-FROM-A-SCENARIO"


def test_a_command_to_a_disconnected_station_is_shown_as_a_readable_error(
    qtbot: Any, loop: QtAsyncLoop, lab: Lab
) -> None:
    station = registered(loop, lab, "ac-22kw-wallbox", "CP-GONE")
    console = open_console(qtbot, lab)
    loop.run(station.stop())
    loop.run_until(lambda: (cells(console, "CP-GONE") or [])[Column.CONNECTED] == "no")
    console.select_station("CP-GONE")
    console.choose_command("Reset")
    send(qtbot, console)

    loop.run_until(lambda: console.outcome_ok is not None)
    text = console.outcome.text()
    assert console.outcome_ok is False
    assert "CP-GONE is not connected to the mock CSMS" in text and "Connect the station" in text
    assert palette.ERROR in console.outcome.styleSheet()
    assert console.answer.toPlainText() == ""
    (entry,) = console.history_entries()
    assert entry.ok is False and "not connected" in entry.outcome


def test_an_unusable_form_is_not_sent_and_says_what_to_enter(qtbot: Any, loop: QtAsyncLoop, lab: Lab) -> None:
    registered(loop, lab, "ac-22kw-wallbox", "CP-FORM")
    console = open_console(qtbot, lab)
    console.select_station("CP-FORM")
    form = console.choose_command("RemoteStopTransaction")
    assert isinstance(form, RemoteStopForm)
    send(qtbot, console)
    assert console.outcome_ok is False and "enter the id of the transaction" in console.outcome.text()
    form.transaction.setEditText("abc")
    send(qtbot, console)
    assert "OCPP 1.6 transaction ids are integers" in console.outcome.text()
    assert console.history_entries() == []


def test_201_trigger_and_get_variables_show_the_station_answers(qtbot: Any, loop: QtAsyncLoop, lab: Lab) -> None:
    registered(loop, lab, "ac-22kw-wallbox-v201", "CS-VARS")
    console = open_console(qtbot, lab)
    console.select_station("CS-VARS")
    assert (cells(console, "CS-VARS") or [])[Column.HEARTBEAT] == "—"
    trigger = console.choose_command("TriggerMessage")
    assert isinstance(trigger, SchemaForm)
    trigger.fields.fields["requestedMessage"].set_value("Heartbeat")
    send(qtbot, console)
    assert answered(loop, console) == {"status": "Accepted"}
    loop.run_until(lambda: (cells(console, "CS-VARS") or [])[Column.HEARTBEAT] != "—")

    variables = console.choose_command("GetVariables")
    assert isinstance(variables, SchemaForm)
    variables.fields.fields["getVariableData"].set_value(
        [{"component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "HeartbeatInterval"}}]
    )
    send(qtbot, console)
    (result,) = answered(loop, console)["getVariableResult"]
    assert (result["attributeStatus"], result["attributeValue"]) == ("Accepted", "300")
    assert [e.action for e in console.history_entries()] == ["GetVariables", "TriggerMessage"]


def test_failures_read_as_what_went_wrong() -> None:
    callerror = CallErrorReceived("Reset", "NotSupported", "Reset is not supported here", {})
    assert describe_failure(callerror) == "CALLERROR NotSupported: Reset is not supported here"
    timeout = describe_failure(CallTimeout("no answer to Reset within 30 s"))
    assert timeout.startswith("Timeout: no answer to Reset within 30 s")


def test_the_address_is_shown_and_copied_with_a_station_id_placeholder(qtbot: Any, lab: Lab) -> None:
    console = open_console(qtbot, lab)
    expected = f"{lab.csms_url}/<stationId>"
    assert console.address.text() == expected
    qtbot.mouseClick(console.copy_button, Qt.MouseButton.LeftButton)
    assert QGuiApplication.clipboard().text() == expected


def test_the_station_model_passes_the_qt_model_tester(
    qtbot: Any, qtmodeltester: Any, loop: QtAsyncLoop, lab: Lab
) -> None:
    registered(loop, lab, "ac-22kw-wallbox", "CP-A")
    registered(loop, lab, "ac-22kw-wallbox-v201", "CS-B")
    console = open_console(qtbot, lab)
    assert console.model.rowCount() == 2
    qtmodeltester.check(console.model)


def test_without_an_embedded_csms_the_console_says_so_instead_of_showing_forms(qtbot: Any, tmp_path: Path) -> None:
    console = open_console(qtbot, Lab(csms_port=None, db_path=tmp_path / "lab.db"))
    assert console.pages.currentWidget() is console.no_csms
    assert "No embedded CSMS" in console.no_csms.text()


# Per template: the GetCompositeSchedule payload and the ClearChargingProfile payload, typed in the JSON tab.
PROFILE_CASES = {
    "ac-22kw-wallbox": (
        {"connectorId": 1, "duration": 3600, "chargingRateUnit": "A"},
        {"chargingProfilePurpose": "TxDefaultProfile"},
    ),
    "ac-22kw-wallbox-v201": (
        {"evseId": 1, "duration": 3600, "chargingRateUnit": "A"},
        {"chargingProfileCriteria": {"chargingProfilePurpose": "TxDefaultProfile"}},
    ),
}


@pytest.mark.parametrize("template", list(PROFILE_CASES))
def test_charging_profile_commands_set_report_plot_and_clear_a_profile(
    qtbot: Any, loop: QtAsyncLoop, lab: Lab, template: str
) -> None:
    composite, clear = PROFILE_CASES[template]
    station_id = f"SC-{template}"
    registered(loop, lab, template, station_id)
    console = open_console(qtbot, lab)
    console.select_station(station_id)
    setter = console.choose_command("SetChargingProfile")
    assert isinstance(setter, ProfileEditor)
    setter.place.setValue(1)
    setter.profile_id.setValue(4)
    setter.stack_level.setValue(1)
    setter.purpose.setCurrentText("TxDefaultProfile")
    setter.kind.setCurrentText("Relative")
    setter.unit.setCurrentText("A")
    setter.set_periods([(0, 8, None)])
    send(qtbot, console)
    assert answered(loop, console)["status"] == "Accepted"

    asker = console.choose_command("GetCompositeSchedule")
    assert isinstance(asker, SchemaForm)
    asker.show_json(json.dumps(composite))
    send(qtbot, console)
    answer = answered(loop, console)
    schedule = answer.get("chargingSchedule") or answer["schedule"]
    assert [p["limit"] for p in schedule["chargingSchedulePeriod"]] == [8.0]
    assert console.schedule_plot.isVisible()
    assert console.schedule_plot.steps() == ([0.0, 3600.0], [8.0, 8.0])

    cleaner = console.choose_command("ClearChargingProfile")
    assert isinstance(cleaner, SchemaForm)
    cleaner.show_json(json.dumps(clear))
    send(qtbot, console)
    assert answered(loop, console) == {"status": "Accepted"}
    assert not console.schedule_plot.isVisible()
    send(qtbot, console)
    assert answered(loop, console) == {"status": "Unknown"}
