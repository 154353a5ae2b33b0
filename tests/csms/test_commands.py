"""The per-version command builders: every operator command as the CALL its version defines.

Pure unit tests: a builder turns a command into (action, wire payload) with no station and
no socket. The expected payloads are written out from the specifications' message tables.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest

from ocpplab_desktop.csms.commands import CommandBuilder, CommandIds, ListedToken, NotForThisVersion, WireCall
from ocpplab_desktop.csms.commands16 import Commands16
from ocpplab_desktop.csms.commands201 import Commands201
from ocpplab_desktop.csms.server import BUILDERS, COMMANDS, commands_for
from ocpplab_desktop.model.config import OcppVersion
from ocpplab_desktop.protocol import schemas

Build = Callable[[Any], WireCall]
ITEM = {"component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "HeartbeatInterval"}}
SCHEDULE = {"chargingRateUnit": "A", "chargingSchedulePeriod": [{"startPeriod": 0, "limit": 16}]}
PROFILE_16 = {
    "chargingProfileId": 3,
    "stackLevel": 0,
    "chargingProfilePurpose": "TxDefaultProfile",
    "chargingProfileKind": "Relative",
    "chargingSchedule": SCHEDULE,
}
PROFILE_201 = {
    "id": 3,
    "stackLevel": 0,
    "chargingProfilePurpose": "TxDefaultProfile",
    "chargingProfileKind": "Relative",
    "chargingSchedule": [{"id": 1, **SCHEDULE}],
}
NO_CRITERIA: dict[str, Any] = {"profile_id": None, "purpose": None, "stack_level": None}

EXPIRY = "2026-12-06T10:00:00Z"
LISTED = [ListedToken("A", "Accepted", group="P"), ListedToken("B", None)]
FW, LOGS, WHEN = "http://files.example/fw-2.0.bin", "http://files.example/logs/", "2030-01-01T00:00:00Z"
NO_FIRMWARE_OPTIONS: dict[str, Any] = dict.fromkeys(
    ("retries", "retry_interval", "request_id", "install_date", "signature", "signing_certificate")
)
CALLS_16: dict[str, tuple[Build, WireCall]] = {
    "remote_start": (
        lambda b: b.remote_start("TAG", connector_id=2, evse_id=None, token_type="Central"),
        WireCall("RemoteStartTransaction", {"idTag": "TAG", "connectorId": 2}),
    ),
    "remote_stop": (lambda b: b.remote_stop("7"), WireCall("RemoteStopTransaction", {"transactionId": 7})),
    "reset": (lambda b: b.reset("Hard", evse_id=None), WireCall("Reset", {"type": "Hard"})),
    "change_availability": (
        lambda b: b.change_availability(False, connector_id=None, evse_id=None),
        WireCall("ChangeAvailability", {"connectorId": 0, "type": "Inoperative"}),
    ),
    "trigger_message": (
        lambda b: b.trigger_message("StatusNotification", connector_id=1, evse_id=None),
        WireCall("TriggerMessage", {"requestedMessage": "StatusNotification", "connectorId": 1}),
    ),
    "unlock_connector": (
        lambda b: b.unlock_connector(2, evse_id=None),
        WireCall("UnlockConnector", {"connectorId": 2}),
    ),
    "get_configuration": (
        lambda b: b.get_configuration(["HeartbeatInterval"]),
        WireCall("GetConfiguration", {"key": ["HeartbeatInterval"]}),
    ),
    "change_configuration": (
        lambda b: b.change_configuration("HeartbeatInterval", "60"),
        WireCall("ChangeConfiguration", {"key": "HeartbeatInterval", "value": "60"}),
    ),
    "set_charging_profile": (
        lambda b: b.set_charging_profile(PROFILE_16, connector_id=None, evse_id=None),
        WireCall("SetChargingProfile", {"connectorId": 0, "csChargingProfiles": PROFILE_16}),
    ),
    "clear_charging_profile": (
        lambda b: b.clear_charging_profile(
            profile_id=None, connector_id=1, evse_id=None, purpose="TxProfile", stack_level=2
        ),
        WireCall("ClearChargingProfile", {"connectorId": 1, "chargingProfilePurpose": "TxProfile", "stackLevel": 2}),
    ),
    "get_composite_schedule": (
        lambda b: b.get_composite_schedule(600, connector_id=None, evse_id=None, unit="W"),
        WireCall("GetCompositeSchedule", {"connectorId": 0, "duration": 600, "chargingRateUnit": "W"}),
    ),
    "reserve_now": (
        lambda b: b.reserve_now(
            4, "TAG", EXPIRY, connector_id=None, evse_id=None, group="P", connector_type=None, token_type="ISO14443"
        ),
        WireCall(
            "ReserveNow",
            {"connectorId": 0, "expiryDate": EXPIRY, "idTag": "TAG", "reservationId": 4, "parentIdTag": "P"},
        ),
    ),
    "cancel_reservation": (
        lambda b: b.cancel_reservation(4),
        WireCall("CancelReservation", {"reservationId": 4}),
    ),
    "send_local_list": (
        lambda b: b.send_local_list(2, LISTED, full=False, token_type="ISO14443"),
        WireCall(
            "SendLocalList",
            {
                "listVersion": 2,
                "updateType": "Differential",
                "localAuthorizationList": [
                    {"idTag": "A", "idTagInfo": {"status": "Accepted", "parentIdTag": "P"}},
                    {"idTag": "B"},
                ],
            },
        ),
    ),
    "get_local_list_version": (lambda b: b.get_local_list_version(), WireCall("GetLocalListVersion", {})),
    "update_firmware": (
        lambda b: b.update_firmware(FW, WHEN, **NO_FIRMWARE_OPTIONS),
        WireCall("UpdateFirmware", {"location": FW, "retrieveDate": WHEN}),
    ),
    "get_diagnostics": (
        lambda b: b.get_diagnostics(LOGS, retries=2, retry_interval=30, start_time=None, stop_time=None),
        WireCall("GetDiagnostics", {"location": LOGS, "retries": 2, "retryInterval": 30}),
    ),
}
CALLS_201: dict[str, tuple[Build, WireCall]] = {
    "remote_start": (
        lambda b: b.remote_start("TAG", connector_id=None, evse_id=1, token_type="ISO14443"),
        WireCall(
            "RequestStartTransaction",
            {"idToken": {"idToken": "TAG", "type": "ISO14443"}, "remoteStartId": 1, "evseId": 1},
        ),
    ),
    "remote_stop": (lambda b: b.remote_stop(7), WireCall("RequestStopTransaction", {"transactionId": "7"})),
    "reset": (lambda b: b.reset("OnIdle", evse_id=2), WireCall("Reset", {"type": "OnIdle", "evseId": 2})),
    "change_availability": (
        lambda b: b.change_availability(True, connector_id=2, evse_id=1),
        WireCall("ChangeAvailability", {"operationalStatus": "Operative", "evse": {"id": 1, "connectorId": 2}}),
    ),
    "trigger_message": (
        lambda b: b.trigger_message("Heartbeat", connector_id=None, evse_id=1),
        WireCall("TriggerMessage", {"requestedMessage": "Heartbeat", "evse": {"id": 1}}),
    ),
    "unlock_connector": (
        lambda b: b.unlock_connector(2, evse_id=1),
        WireCall("UnlockConnector", {"evseId": 1, "connectorId": 2}),
    ),
    "get_variables": (
        lambda b: b.get_variables([ITEM]),
        WireCall("GetVariables", {"getVariableData": [ITEM]}),
    ),
    "set_variables": (
        lambda b: b.set_variables([{**ITEM, "attribute_value": "60"}]),
        WireCall("SetVariables", {"setVariableData": [{**ITEM, "attributeValue": "60"}]}),
    ),
    "get_base_report": (
        lambda b: b.get_base_report("FullInventory", request_id=None),
        WireCall("GetBaseReport", {"requestId": 1, "reportBase": "FullInventory"}),
    ),
    "set_charging_profile": (
        lambda b: b.set_charging_profile(PROFILE_201, connector_id=None, evse_id=1),
        WireCall("SetChargingProfile", {"evseId": 1, "chargingProfile": PROFILE_201}),
    ),
    "clear_charging_profile": (
        lambda b: b.clear_charging_profile(connector_id=None, evse_id=None, **{**NO_CRITERIA, "profile_id": 3}),
        WireCall("ClearChargingProfile", {"chargingProfileId": 3}),
    ),
    "get_composite_schedule": (
        lambda b: b.get_composite_schedule(600, connector_id=None, evse_id=1, unit=None),
        WireCall("GetCompositeSchedule", {"duration": 600, "evseId": 1}),
    ),
    "get_charging_profiles": (
        lambda b: b.get_charging_profiles(
            request_id=None, evse_id=None, purpose="TxProfile", stack_level=None, profile_ids=None
        ),
        WireCall("GetChargingProfiles", {"requestId": 1, "chargingProfile": {"chargingProfilePurpose": "TxProfile"}}),
    ),
    "reserve_now": (
        lambda b: b.reserve_now(
            4, "TAG", EXPIRY, connector_id=None, evse_id=1, group="P", connector_type="cType2", token_type="ISO14443"
        ),
        WireCall(
            "ReserveNow",
            {
                "id": 4,
                "expiryDateTime": EXPIRY,
                "idToken": {"idToken": "TAG", "type": "ISO14443"},
                "connectorType": "cType2",
                "evseId": 1,
                "groupIdToken": {"idToken": "P", "type": "Central"},
            },
        ),
    ),
    "cancel_reservation": (
        lambda b: b.cancel_reservation(4),
        WireCall("CancelReservation", {"reservationId": 4}),
    ),
    "send_local_list": (
        lambda b: b.send_local_list(2, LISTED, full=True, token_type="ISO14443"),
        WireCall(
            "SendLocalList",
            {
                "versionNumber": 2,
                "updateType": "Full",
                "localAuthorizationList": [
                    {
                        "idToken": {"idToken": "A", "type": "ISO14443"},
                        "idTokenInfo": {"status": "Accepted", "groupIdToken": {"idToken": "P", "type": "Central"}},
                    },
                    {"idToken": {"idToken": "B", "type": "ISO14443"}},
                ],
            },
        ),
    ),
    "get_local_list_version": (lambda b: b.get_local_list_version(), WireCall("GetLocalListVersion", {})),
    "update_firmware": (
        lambda b: b.update_firmware(FW, WHEN, **{**NO_FIRMWARE_OPTIONS, "signature": "c2ln"}),
        WireCall(
            "UpdateFirmware",
            {"requestId": 1, "firmware": {"location": FW, "retrieveDateTime": WHEN, "signature": "c2ln"}},
        ),
    ),
    "get_log": (
        lambda b: b.get_log(
            LOGS, log_type="SecurityLog", request_id=5, retries=None, retry_interval=None, oldest=None, latest=None
        ),
        WireCall("GetLog", {"log": {"remoteLocation": LOGS}, "logType": "SecurityLog", "requestId": 5}),
    ),
}
MONITOR = {**ITEM, "type": "Delta", "value": 1, "severity": 5}
MESSAGE = {"id": 1, "priority": "NormalCycle", "message": {"format": "UTF8", "content": "Hi"}}
NETWORK = {
    "ocppVersion": "OCPP20",
    "ocppTransport": "JSON",
    "ocppCsmsUrl": "ws://csms.example/ocpp",
    "messageTimeout": 30,
    "securityProfile": 0,
    "ocppInterface": "Wired0",
}
# The 2.0.1 services (csms/commands201_services.py): monitoring, display messages, E14, I05, N09, B09.
CALLS_201 |= {
    "set_variable_monitoring": (
        lambda b: b.set_variable_monitoring([MONITOR]),
        WireCall("SetVariableMonitoring", {"setMonitoringData": [MONITOR]}),
    ),
    "clear_variable_monitoring": (
        lambda b: b.clear_variable_monitoring([3, 4]),
        WireCall("ClearVariableMonitoring", {"id": [3, 4]}),
    ),
    "set_monitoring_base": (
        lambda b: b.set_monitoring_base("FactoryDefault"),
        WireCall("SetMonitoringBase", {"monitoringBase": "FactoryDefault"}),
    ),
    "set_monitoring_level": (
        lambda b: b.set_monitoring_level(4),
        WireCall("SetMonitoringLevel", {"severity": 4}),
    ),
    "get_monitoring_report": (
        lambda b: b.get_monitoring_report(request_id=None, criteria=["DeltaMonitoring"], items=None),
        WireCall("GetMonitoringReport", {"requestId": 1, "monitoringCriteria": ["DeltaMonitoring"]}),
    ),
    "set_display_message": (
        lambda b: b.set_display_message(MESSAGE),
        WireCall("SetDisplayMessage", {"message": MESSAGE}),
    ),
    "get_display_messages": (
        lambda b: b.get_display_messages(request_id=7, ids=[1], priority=None, state="Idle"),
        WireCall("GetDisplayMessages", {"requestId": 7, "id": [1], "state": "Idle"}),
    ),
    "clear_display_message": (
        lambda b: b.clear_display_message(1),
        WireCall("ClearDisplayMessage", {"id": 1}),
    ),
    "get_transaction_status": (
        lambda b: b.get_transaction_status("tx-1"),
        WireCall("GetTransactionStatus", {"transactionId": "tx-1"}),
    ),
    "cost_updated": (
        lambda b: b.cost_updated(2.5, "tx-1"),
        WireCall("CostUpdated", {"totalCost": 2.5, "transactionId": "tx-1"}),
    ),
    "customer_information": (
        lambda b: b.customer_information(
            request_id=None, report=True, clear=False, id_token="TAG", token_type="ISO14443", customer_identifier=None
        ),
        WireCall(
            "CustomerInformation",
            {"requestId": 1, "report": True, "clear": False, "idToken": {"idToken": "TAG", "type": "ISO14443"}},
        ),
    ),
    "set_network_profile": (
        lambda b: b.set_network_profile(1, NETWORK),
        WireCall("SetNetworkProfile", {"configurationSlot": 1, "connectionData": NETWORK}),
    ),
    "publish_firmware": (
        lambda b: b.publish_firmware(
            "http://127.0.0.1:8000/fw.bin", "0" * 32, request_id=None, retries=1, retry_interval=5
        ),
        WireCall(
            "PublishFirmware",
            {
                "location": "http://127.0.0.1:8000/fw.bin",
                "checksum": "0" * 32,
                "requestId": 1,
                "retries": 1,
                "retryInterval": 5,
            },
        ),
    ),
    "unpublish_firmware": (
        lambda b: b.unpublish_firmware("0" * 32),
        WireCall("UnpublishFirmware", {"checksum": "0" * 32}),
    ),
}
CASES = {OcppVersion.V16: CALLS_16, OcppVersion.V201: CALLS_201}
STATION = {OcppVersion.V16: "CP-1", OcppVersion.V201: "CS-1"}


def builder(version: OcppVersion, ids: CommandIds | None = None) -> CommandBuilder:
    return BUILDERS[version](STATION[version], ids or CommandIds())


@pytest.mark.parametrize(("version", "command"), [(v, name) for v, calls in CASES.items() for name in calls], ids=str)
def test_each_command_is_built_as_the_call_of_the_station_version(version: OcppVersion, command: str) -> None:
    build, expected = CASES[version][command]
    call = build(builder(version))
    assert call == expected
    assert call.action == COMMANDS[command].actions[version]
    schemas.check(version, call.action, call.payload)  # raises when the payload breaks the schema


@pytest.mark.parametrize("version", list(OcppVersion), ids=str)
def test_every_command_of_a_version_is_covered_and_offered_in_the_builder_order(version: OcppVersion) -> None:
    assert list(CASES[version]) == commands_for(version) == list(BUILDERS[version].actions)


def test_the_command_table_is_read_from_both_builders() -> None:
    assert {OcppVersion.V16: Commands16, OcppVersion.V201: Commands201} == BUILDERS
    assert COMMANDS["reset"].actions == {OcppVersion.V16: "Reset", OcppVersion.V201: "Reset"}
    assert COMMANDS["remote_stop"].actions == {
        OcppVersion.V16: "RemoteStopTransaction",
        OcppVersion.V201: "RequestStopTransaction",
    }
    assert COMMANDS["get_base_report"].actions == {OcppVersion.V201: "GetBaseReport"}


# --- what does not apply ------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("version", "command"),
    [(v, name) for v in OcppVersion for name in COMMANDS if v not in COMMANDS[name].actions],
    ids=str,
)
def test_a_command_of_the_other_version_is_refused_with_the_commands_that_apply(
    version: OcppVersion, command: str
) -> None:
    other = OcppVersion.V201 if version is OcppVersion.V16 else OcppVersion.V16
    build, _ = CASES[other][command]
    expected = (
        f"{command} does not apply to {STATION[version]}, an OCPP {version} station; "
        f"its commands: {', '.join(commands_for(version))}"
    )
    with pytest.raises(NotForThisVersion, match=f"^{re.escape(expected)}$"):
        build(builder(version))


NO_EVSES = "CP-1 speaks OCPP 1.6, which has no EVSEs: address it by connector_id"


@pytest.mark.parametrize(
    "build",
    [
        lambda b: b.remote_start("T", connector_id=None, evse_id=1, token_type="Central"),
        lambda b: b.reset("Soft", evse_id=1),
        lambda b: b.change_availability(True, connector_id=None, evse_id=1),
        lambda b: b.trigger_message("Heartbeat", connector_id=None, evse_id=1),
        lambda b: b.unlock_connector(1, evse_id=1),
    ],
    ids=["remote_start", "reset", "change_availability", "trigger_message", "unlock_connector"],
)
def test_an_evse_given_to_a_16_station_is_refused(build: Build) -> None:
    with pytest.raises(NotForThisVersion, match=f"^{re.escape(NO_EVSES)}$"):
        build(builder(OcppVersion.V16))


CONNECTOR_WITHOUT_EVSE = "CS-1 speaks OCPP 2.0.1: a connector is addressed by evse_id and connector_id"


@pytest.mark.parametrize(
    "build",
    [
        lambda b: b.remote_start("T", connector_id=1, evse_id=None, token_type="Central"),
        lambda b: b.change_availability(True, connector_id=1, evse_id=None),
        lambda b: b.trigger_message("Heartbeat", connector_id=1, evse_id=None),
        lambda b: b.unlock_connector(1, evse_id=None),
    ],
    ids=["remote_start", "change_availability", "trigger_message", "unlock_connector"],
)
def test_a_201_connector_without_its_evse_is_refused(build: Build) -> None:
    with pytest.raises(NotForThisVersion, match=f"^{re.escape(CONNECTOR_WITHOUT_EVSE)}$"):
        build(builder(OcppVersion.V201))


def test_a_201_remote_start_of_one_connector_is_refused_without_using_a_remote_start_id() -> None:
    ids = CommandIds()
    with pytest.raises(NotForThisVersion, match=r"^RequestStartTransaction addresses an EVSE: give evse_id only$"):
        builder(OcppVersion.V201, ids).remote_start("T", connector_id=1, evse_id=1, token_type="Central")
    assert next(ids.remote_start) == 1


@pytest.mark.parametrize(
    ("version", "kind", "message"),
    [
        (OcppVersion.V16, "Immediate", "'Immediate' is not an OCPP 1.6 reset type: use one of Hard, Soft"),
        (OcppVersion.V201, "Hard", "'Hard' is not an OCPP 2.0.1 reset type: use one of Immediate, OnIdle"),
    ],
    ids=str,
)
def test_a_reset_type_of_the_other_version_is_refused_with_the_types_that_apply(
    version: OcppVersion, kind: str, message: str
) -> None:
    with pytest.raises(NotForThisVersion, match=f"^{re.escape(message)}$"):
        builder(version).reset(kind, evse_id=None)


# --- the ids the CSMS assigns -------------------------------------------------------------------
def test_remote_start_ids_count_across_stations_and_only_201_uses_them() -> None:
    ids = CommandIds()
    first, other = Commands201("CS-A", ids), Commands201("CS-B", ids)

    def start(build: CommandBuilder) -> dict[str, Any]:
        return build.remote_start("T", connector_id=None, evse_id=None, token_type="Central").payload

    assert start(first)["remoteStartId"] == 1
    assert "remoteStartId" not in start(Commands16("CP-A", ids))
    assert start(other)["remoteStartId"] == 2


def test_a_base_report_uses_the_request_id_given_or_the_next_of_the_csms() -> None:
    ids = CommandIds()
    build = Commands201("CS-A", ids)
    assert build.get_base_report("FullInventory", request_id=9).payload["requestId"] == 9
    assert build.get_base_report("FullInventory", request_id=None).payload["requestId"] == 1
    assert build.get_base_report("SummaryInventory", request_id=None).payload["requestId"] == 2


def test_get_configuration_without_keys_asks_for_every_key() -> None:
    assert builder(OcppVersion.V16).get_configuration(None) == WireCall("GetConfiguration", {})
    assert builder(OcppVersion.V16).get_configuration([]) == WireCall("GetConfiguration", {})
