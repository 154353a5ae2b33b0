"""OCPP 2.0.1 device model: GetVariables, SetVariables and reports, checked against the official schemas."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jsonschema
import ocpp
import pytest
from ocpp.v201.enums import AttributeEnumType

from ocpplab_desktop.model.config import (
    ConfigError,
    ConnectorConfig,
    CurrentType,
    EvseConfig,
    OcppVersion,
    StationConfig,
    VariableSetting,
)
from ocpplab_desktop.model.device_model import (
    Component,
    DeviceModel,
    TooManyItems,
    chunk_report,
    notify_report_requests,
)

SCHEMAS = Path(ocpp.__file__).parent / "v201" / "schemas"
PASSWORD = "s3cret-basic-auth-pw"

STATION = StationConfig(
    ocpp_version=OcppVersion.V201,
    password=PASSWORD,
    heartbeat_interval_s=240,
    meter_interval_s=30,
    evses=(
        EvseConfig(1, (ConnectorConfig(1), ConnectorConfig(2, type="Type1", phases=1, max_power_w=7_360.0))),
        EvseConfig(2, (ConnectorConfig(1, type="CCS2", current_type=CurrentType.DC, phases=0, max_power_w=50_000.0),)),
    ),
)

# Required variables named by the brief and part 2 appendix 3 ("required" column).
REQUIRED = {
    ("ChargingStation", None, "AvailabilityState", None),
    ("ChargingStation", None, "Available", None),
    ("ChargingStation", None, "SupplyPhases", None),
    ("OCPPCommCtrlr", None, "HeartbeatInterval", None),
    ("OCPPCommCtrlr", None, "MessageTimeout", "Default"),
    ("OCPPCommCtrlr", None, "MessageAttempts", "TransactionEvent"),
    ("OCPPCommCtrlr", None, "MessageAttemptInterval", "TransactionEvent"),
    ("OCPPCommCtrlr", None, "FileTransferProtocols", None),
    ("OCPPCommCtrlr", None, "NetworkConfigurationPriority", None),
    ("OCPPCommCtrlr", None, "NetworkProfileConnectionAttempts", None),
    ("OCPPCommCtrlr", None, "OfflineThreshold", None),
    ("OCPPCommCtrlr", None, "ResetRetries", None),
    ("OCPPCommCtrlr", None, "RetryBackOffRandomRange", None),
    ("OCPPCommCtrlr", None, "RetryBackOffRepeatTimes", None),
    ("OCPPCommCtrlr", None, "RetryBackOffWaitMinimum", None),
    ("OCPPCommCtrlr", None, "UnlockOnEVSideDisconnect", None),
    ("OCPPCommCtrlr", None, "WebSocketPingInterval", None),
    ("TxCtrlr", None, "EVConnectionTimeOut", None),
    ("TxCtrlr", None, "StopTxOnEVSideDisconnect", None),
    ("TxCtrlr", None, "StopTxOnInvalidId", None),
    ("TxCtrlr", None, "TxStartPoint", None),
    ("TxCtrlr", None, "TxStopPoint", None),
    ("SampledDataCtrlr", None, "TxStartedMeasurands", None),
    ("SampledDataCtrlr", None, "TxUpdatedMeasurands", None),
    ("SampledDataCtrlr", None, "TxUpdatedInterval", None),
    ("SampledDataCtrlr", None, "TxEndedMeasurands", None),
    ("SampledDataCtrlr", None, "TxEndedInterval", None),
    ("AlignedDataCtrlr", None, "Interval", None),
    ("AlignedDataCtrlr", None, "Measurands", None),
    ("AlignedDataCtrlr", None, "TxEndedInterval", None),
    ("AlignedDataCtrlr", None, "TxEndedMeasurands", None),
    ("AuthCtrlr", None, "AuthorizeRemoteStart", None),
    ("AuthCtrlr", None, "LocalAuthorizeOffline", None),
    ("AuthCtrlr", None, "LocalPreAuthorize", None),
    ("AuthCacheCtrlr", None, "Enabled", None),
    ("LocalAuthListCtrlr", None, "Enabled", None),
    ("LocalAuthListCtrlr", None, "Entries", None),
    ("LocalAuthListCtrlr", None, "ItemsPerMessage", None),
    ("LocalAuthListCtrlr", None, "BytesPerMessage", None),
    *(
        ("DeviceDataCtrlr", None, name, action)
        for name in ("ItemsPerMessage", "BytesPerMessage")
        for action in ("GetReport", "GetVariables", "SetVariables")
    ),
    ("SecurityCtrlr", None, "SecurityProfile", None),
    ("SecurityCtrlr", None, "OrganizationName", None),
    ("SecurityCtrlr", None, "CertificateEntries", None),
    ("SecurityCtrlr", None, "BasicAuthPassword", None),
    ("SecurityCtrlr", None, "Identity", None),
    ("ClockCtrlr", None, "DateTime", None),
    ("ClockCtrlr", None, "TimeSource", None),
    ("ReservationCtrlr", None, "Enabled", None),
    ("SmartChargingCtrlr", None, "Enabled", None),
    ("SmartChargingCtrlr", None, "Entries", "ChargingProfiles"),
    ("SmartChargingCtrlr", None, "LimitChangeSignificance", None),
    ("SmartChargingCtrlr", None, "NotifyChargingLimitWithSchedules", None),
    ("SmartChargingCtrlr", None, "PeriodsPerSchedule", None),
    ("SmartChargingCtrlr", None, "ProfileStackLevel", None),
    ("SmartChargingCtrlr", None, "RateUnit", None),
    ("CustomizationCtrlr", None, "CustomImplementationEnabled", "OCPPLab"),
    *(("EVSE", e, v, None) for e in (1, 2) for v in ("AvailabilityState", "Available", "Power", "SupplyPhases")),
}


def validator(name: str) -> jsonschema.Draft6Validator:
    schema = json.loads((SCHEMAS / f"{name}.json").read_text(encoding="utf-8-sig"))
    return jsonschema.Draft6Validator(schema)


NOTIFY_REPORT = validator("NotifyReportRequest")
GET_VARIABLES_RESPONSE = validator("GetVariablesResponse")
SET_VARIABLES_RESPONSE = validator("SetVariablesResponse")


def assert_valid_report(report_data: list[dict[str, Any]]) -> None:
    for payload in notify_report_requests(1, report_data, "2025-01-01T00:00:00Z"):
        NOTIFY_REPORT.validate(payload)


def get(model: DeviceModel, *data: dict[str, Any]) -> list[dict[str, Any]]:
    results = model.get_variables(list(data))
    GET_VARIABLES_RESPONSE.validate({"getVariableResult": results})
    return results


def set_(model: DeviceModel, *data: dict[str, Any]) -> list[dict[str, Any]]:
    results = model.set_variables(list(data))
    SET_VARIABLES_RESPONSE.validate({"setVariableResult": results})
    return results


def ask(component: str, variable: str, **extra: Any) -> dict[str, Any]:
    """A GetVariableData / SetVariableData entry; `evse`, `value`, `attr`, `instance` as needed."""
    data: dict[str, Any] = {"component": {"name": component}, "variable": {"name": variable}}
    if "evse" in extra:
        data["component"]["evse"] = extra["evse"]
    if "instance" in extra:
        data["variable"]["instance"] = extra["instance"]
    if "attr" in extra:
        data["attributeType"] = extra["attr"]
    if "value" in extra:
        data["attributeValue"] = extra["value"]
    return data


def keys_of(report_data: list[dict[str, Any]]) -> set[tuple[str, int | None, str, str | None]]:
    return {
        (
            r["component"]["name"],
            r["component"].get("evse", {}).get("id"),
            r["variable"]["name"],
            r["variable"].get("instance"),
        )
        for r in report_data
    }


@pytest.fixture
def model() -> DeviceModel:
    return DeviceModel.for_station(STATION, clock=lambda: datetime(2030, 5, 6, 7, 8, 9, tzinfo=UTC))


# --- building the model ----------------------------------------------------------------------------
def test_full_inventory_holds_every_required_variable_in_a_schema_valid_report(model: DeviceModel) -> None:
    report = model.base_report("FullInventory")

    assert_valid_report(report)
    assert keys_of(report) >= REQUIRED
    addresses = {json.dumps([r["component"], r["variable"]], sort_keys=True) for r in report}
    assert len(addresses) == len(report)  # nothing reported twice


def test_every_evse_and_connector_is_a_component_with_its_own_facts(model: DeviceModel) -> None:
    report = model.base_report("FullInventory")
    connectors = {
        (r["component"]["evse"]["id"], r["component"]["evse"]["connectorId"]): r["variableAttribute"][0]["value"]
        for r in report
        if r["component"]["name"] == "Connector" and r["variable"]["name"] == "ConnectorType"
    }

    assert connectors == {(1, 1): "cType2", (1, 2): "cType1", (2, 1): "cCCS2"}
    assert model.get_value("Connector", "SupplyPhases", evse_id=1, connector_id=2) == "1"
    assert model.get_value("EVSE", "SupplyPhases", evse_id=2) == "0"  # DC
    assert model.get_value("EVSE", "Power", evse_id=2, attribute=AttributeEnumType.max_set) == "50000"


def test_defaults_follow_the_station_config(model: DeviceModel) -> None:
    assert model.get_int("OCPPCommCtrlr", "HeartbeatInterval") == 240
    assert model.get_int("SampledDataCtrlr", "TxUpdatedInterval") == 30
    assert model.get_list("SampledDataCtrlr", "TxUpdatedMeasurands")[-1] == "SoC"  # a DC EVSE
    assert model.get_list("TxCtrlr", "TxStartPoint") == ["PowerPathClosed"]
    assert model.get_list("TxCtrlr", "TxStopPoint") == ["EVConnected", "Authorized"]
    assert model.get_int("SecurityCtrlr", "SecurityProfile") == 1
    assert model.get_value("SecurityCtrlr", "BasicAuthPassword") == PASSWORD


def test_clock_variable_reads_the_clock_it_was_given() -> None:
    model = DeviceModel.for_station(STATION, clock=lambda: datetime(2030, 5, 6, 7, 8, 9, tzinfo=UTC))

    [result] = get(model, ask("ClockCtrlr", "DateTime"))

    assert result["attributeValue"] == "2030-05-06T07:08:09.000Z"


def test_template_variables_override_defaults_and_add_vendor_variables() -> None:
    config = StationConfig(
        variables=(
            VariableSetting("OCPPCommCtrlr", "HeartbeatInterval", "45"),
            VariableSetting("EVSE", "AvailabilityState", "Unavailable", evse_id=1),
            VariableSetting("LabCtrlr", "Mood", "cheerful"),
        )
    )
    model = DeviceModel.for_station(config)

    assert model.get_int("OCPPCommCtrlr", "HeartbeatInterval") == 45
    assert model.get_value("EVSE", "AvailabilityState", evse_id=1) == "Unavailable"
    assert set_(model, ask("LabCtrlr", "Mood", value="grumpy"))[0]["attributeStatus"] == "Accepted"
    assert model.get_value("LabCtrlr", "Mood") == "grumpy"


def test_invalid_template_variable_names_it_and_the_problem() -> None:
    config = StationConfig(variables=(VariableSetting("TxCtrlr", "TxStopPoint", "Sunset"),))

    with pytest.raises(ConfigError, match=r"TxCtrlr\.TxStopPoint: Sunset not in"):
        DeviceModel.for_station(config)


# --- GetVariables (B06) ----------------------------------------------------------------------------
def test_get_variables_answers_each_entry_in_order_with_its_status(model: DeviceModel) -> None:
    results = get(
        model,
        ask("OCPPCommCtrlr", "HeartbeatInterval"),
        ask("ocppcommctrlr", "heartbeatinterval", attr="Actual"),
        ask("EVSE", "Power", evse={"id": 1}, attr="MaxSet"),
        ask("Connector", "AvailabilityState", evse={"id": 2, "connectorId": 1}),
        ask("FluxCtrlr", "Level"),
        ask("OCPPCommCtrlr", "Flux"),
        ask("OCPPCommCtrlr", "HeartbeatInterval", attr="Target"),
        ask("EVSE", "Power", evse={"id": 3}),
        ask("DeviceDataCtrlr", "ItemsPerMessage", instance="GetVariables"),
    )

    assert [(r["attributeStatus"], r.get("attributeValue")) for r in results] == [
        ("Accepted", "240"),
        ("Accepted", "240"),
        ("Accepted", "22080"),
        ("Accepted", "Available"),
        ("UnknownComponent", None),
        ("UnknownVariable", None),
        ("NotSupportedAttributeType", None),
        ("UnknownComponent", None),
        ("Accepted", "50"),
    ]
    # B06.FR.02: the requested attribute type comes back; Actual when none was asked for.
    assert [r["attributeType"] for r in results[:3]] == ["Actual", "Actual", "MaxSet"]
    assert results[1]["component"] == {"name": "ocppcommctrlr"}


def test_write_only_password_is_rejected_on_read_and_never_reported(model: DeviceModel) -> None:
    [result] = get(model, ask("SecurityCtrlr", "BasicAuthPassword"))

    assert result["attributeStatus"] == "Rejected"
    assert result["attributeStatusInfo"] == {"reasonCode": "WriteOnly"}
    assert "attributeValue" not in result
    for base in ("FullInventory", "ConfigurationInventory"):
        report = model.base_report(base)
        [password] = [r for r in report if r["variable"]["name"] == "BasicAuthPassword"]
        assert password["variableAttribute"] == [{"type": "Actual", "mutability": "WriteOnly", "persistent": True}]
        assert PASSWORD not in json.dumps(report)
    assert PASSWORD not in json.dumps(model.report(component_variables=[{"component": {"name": "SecurityCtrlr"}}]))


def test_too_many_items_in_one_request_raises() -> None:
    limits = tuple(
        VariableSetting("DeviceDataCtrlr", "ItemsPerMessage", "1", instance=action)
        for action in ("GetVariables", "SetVariables", "GetReport")
    )
    model = DeviceModel.for_station(StationConfig(variables=limits))
    two = [ask("OCPPCommCtrlr", "HeartbeatInterval", value="60")] * 2

    with pytest.raises(TooManyItems, match=r"ItemsPerMessage\[GetVariables\] is 1"):
        model.get_variables(two)
    with pytest.raises(TooManyItems, match="SetVariables"):
        model.set_variables(two)
    with pytest.raises(TooManyItems, match="GetReport"):
        model.report(component_variables=[{"component": {"name": "TxCtrlr"}}] * 2)
    assert model.get_int("OCPPCommCtrlr", "HeartbeatInterval") == 300  # nothing was applied


# --- SetVariables (B05) ----------------------------------------------------------------------------
def test_accepted_set_is_stored_and_reported_to_the_listener(model: DeviceModel) -> None:
    seen: list[tuple[Component, str, str | None, str]] = []
    model.on_change = lambda *change: seen.append(change)

    results = set_(
        model,
        ask("OCPPCommCtrlr", "HeartbeatInterval", value="120"),
        ask("OCPPCommCtrlr", "MessageAttempts", instance="TransactionEvent", value="5"),
        ask("AuthCtrlr", "LocalPreAuthorize", value="TRUE"),
        ask("SampledDataCtrlr", "TxUpdatedMeasurands", value="Voltage, Current.Import"),
    )

    assert [r["attributeStatus"] for r in results] == ["Accepted"] * 4
    assert results[0]["attributeType"] == "Actual"  # B05.FR.12
    assert model.get_int("OCPPCommCtrlr", "HeartbeatInterval") == 120
    assert get(model, ask("OCPPCommCtrlr", "HeartbeatInterval"))[0]["attributeValue"] == "120"
    assert seen == [
        (Component("OCPPCommCtrlr"), "HeartbeatInterval", None, "120"),
        (Component("OCPPCommCtrlr"), "MessageAttempts", "TransactionEvent", "5"),
        (Component("AuthCtrlr"), "LocalPreAuthorize", None, "true"),
        (Component("SampledDataCtrlr"), "TxUpdatedMeasurands", None, "Voltage,Current.Import"),
    ]


@pytest.mark.parametrize(
    ("data", "reason"),
    [
        (ask("ChargingStation", "Model", value="Hacked"), "ReadOnly"),
        (ask("OCPPCommCtrlr", "HeartbeatInterval", value="0"), "ValueOutOfRange"),
        (ask("SmartChargingCtrlr", "LimitChangeSignificance", value="150"), "ValueOutOfRange"),
        (ask("OCPPCommCtrlr", "HeartbeatInterval", value="soon"), "InvalidValue"),
        (ask("OCPPCommCtrlr", "HeartbeatInterval", value="1.5"), "InvalidValue"),
        (ask("SmartChargingCtrlr", "LimitChangeSignificance", value="nan"), "InvalidValue"),
        (ask("AuthCtrlr", "Enabled", value="yes"), "InvalidValue"),
        (
            ask("SampledDataCtrlr", "TxEndedMeasurands", value="Energy.Active.Import.Register,Horsepower"),
            "InvalidValue",
        ),
        (ask("TxCtrlr", "TxStartPoint", value="EVConnected,EVConnected"), "InvalidValue"),
        (ask("AuthCacheCtrlr", "Policy", value="LRU,FIFO"), "InvalidValue"),
        (ask("SecurityCtrlr", "BasicAuthPassword", value="short"), "InvalidValue"),
    ],
)
def test_set_is_rejected_with_a_reason_and_changes_nothing(
    model: DeviceModel, data: dict[str, Any], reason: str
) -> None:
    seen: list[object] = []
    model.on_change = lambda *change: seen.append(change)
    before = model.base_report("FullInventory")

    [result] = set_(model, data)

    assert result["attributeStatus"] == "Rejected"
    assert result["attributeStatusInfo"]["reasonCode"] == reason
    assert model.base_report("FullInventory") == before
    assert seen == []


def test_set_reports_unknown_names_and_unsupported_attribute_types(model: DeviceModel) -> None:
    results = set_(
        model,
        ask("FluxCtrlr", "Level", value="1"),
        ask("OCPPCommCtrlr", "Flux", value="1"),
        ask("OCPPCommCtrlr", "HeartbeatInterval", attr="MaxSet", value="60"),
        ask("EVSE", "Power", evse={"id": 1}, attr="MaxSet", value="1000"),
    )

    assert [r["attributeStatus"] for r in results] == [
        "UnknownComponent",
        "UnknownVariable",
        "NotSupportedAttributeType",
        "Rejected",  # MaxSet exists but is read-only
    ]
    assert results[2]["attributeType"] == "MaxSet"  # B05.FR.02


def test_reboot_variable_is_stored_but_answers_reboot_required(model: DeviceModel) -> None:
    [result] = set_(model, ask("OCPPCommCtrlr", "WebSocketPingInterval", value="20"))

    assert result["attributeStatus"] == "RebootRequired"
    assert model.get_int("OCPPCommCtrlr", "WebSocketPingInterval") == 20


def test_write_only_password_can_be_set(model: DeviceModel) -> None:
    seen: list[str] = []
    model.on_change = lambda _c, variable, _i, value: seen.append(f"{variable}={value}")

    [result] = set_(model, ask("SecurityCtrlr", "BasicAuthPassword", value="another-password-0001"))

    assert result["attributeStatus"] == "Accepted"
    assert model.get_value("SecurityCtrlr", "BasicAuthPassword") == "another-password-0001"
    assert seen == ["BasicAuthPassword=another-password-0001"]


# --- engine updates ---------------------------------------------------------------------------------
def test_engine_updates_read_only_actual_values_without_the_change_hook(model: DeviceModel) -> None:
    seen: list[object] = []
    model.on_change = lambda *change: seen.append(change)

    model.update_actual("Connector", "AvailabilityState", "Occupied", evse_id=1, connector_id=2)

    [result] = get(model, ask("Connector", "AvailabilityState", evse={"id": 1, "connectorId": 2}))
    assert result["attributeValue"] == "Occupied"
    assert model.get_value("Connector", "AvailabilityState", evse_id=1, connector_id=1) == "Available"
    assert seen == []


def test_engine_update_with_a_bad_value_or_name_raises(model: DeviceModel) -> None:
    with pytest.raises(ValueError, match="'Charging' is not one of"):
        model.update_actual("Connector", "AvailabilityState", "Charging", evse_id=1, connector_id=1)
    with pytest.raises(KeyError, match="UnknownComponent"):
        model.update_actual("Connector", "AvailabilityState", "Occupied", evse_id=9, connector_id=1)
    with pytest.raises(KeyError, match="UnknownVariable"):
        model.get_value("TxCtrlr", "Flux")


# --- GetBaseReport (B07) ----------------------------------------------------------------------------
def test_configuration_inventory_holds_exactly_the_settable_variables(model: DeviceModel) -> None:
    full = model.base_report("FullInventory")
    config = model.base_report("ConfigurationInventory")

    assert_valid_report(config)
    settable = [r for r in full if any(a["mutability"] != "ReadOnly" for a in r["variableAttribute"])]
    assert config == settable
    assert ("OCPPCommCtrlr", None, "HeartbeatInterval", None) in keys_of(config)
    assert ("ChargingStation", None, "Model", None) not in keys_of(config)


def test_summary_inventory_reports_availability_and_current_problems(model: DeviceModel) -> None:
    summary = model.base_report("SummaryInventory")

    assert_valid_report(summary)
    assert {r["variable"]["name"] for r in summary} == {"AvailabilityState"}
    assert len(summary) == 1 + 2 + 3  # station, EVSEs, connectors

    model.update_actual("Connector", "Problem", "true", evse_id=2, connector_id=1)

    problems = [r for r in model.base_report("SummaryInventory") if r["variable"]["name"] == "Problem"]
    assert [r["component"] for r in problems] == [{"name": "Connector", "evse": {"id": 2, "connectorId": 1}}]


# --- GetReport (B08) --------------------------------------------------------------------------------
def test_report_by_component_gives_all_its_variables(model: DeviceModel) -> None:
    report = model.report(component_variables=[{"component": {"name": "TxCtrlr"}}])

    assert_valid_report(report)
    assert {r["variable"]["name"] for r in report} == {
        "EVConnectionTimeOut",
        "MaxEnergyOnInvalidId",
        "StopTxOnEVSideDisconnect",
        "StopTxOnInvalidId",
        "TxBeforeAcceptedEnabled",
        "TxStartPoint",
        "TxStopPoint",
    }


def test_report_pattern_without_evse_or_instance_matches_all_of_them(model: DeviceModel) -> None:
    report = model.report(
        component_variables=[
            {"component": {"name": "EVSE"}, "variable": {"name": "AvailabilityState"}},
            {"component": {"name": "Connector", "evse": {"id": 1}}, "variable": {"name": "ConnectorType"}},
            {"component": {"name": "DeviceDataCtrlr"}, "variable": {"name": "ItemsPerMessage"}},
        ]
    )

    assert keys_of(report) == {
        ("EVSE", 1, "AvailabilityState", None),
        ("EVSE", 2, "AvailabilityState", None),
        ("Connector", 1, "ConnectorType", None),
        *(("DeviceDataCtrlr", None, "ItemsPerMessage", a) for a in ("GetReport", "GetVariables", "SetVariables")),
    }
    assert len(report) == 7  # both connectors of EVSE 1


def test_problem_criterion_reports_only_components_with_a_problem(model: DeviceModel) -> None:
    assert model.report(component_criteria=["Problem"]) == []

    model.update_actual("EVSE", "Problem", "true", evse_id=1)
    report = model.report(component_criteria=["Problem"])

    assert_valid_report(report)
    assert {(r["component"]["name"], r["component"]["evse"]["id"]) for r in report} == {("EVSE", 1)}
    assert ("EVSE", 1, "AvailabilityState", None) in keys_of(report)


def test_enabled_criterion_skips_disabled_components_but_keeps_those_without_the_variable(model: DeviceModel) -> None:
    set_(model, ask("SampledDataCtrlr", "Enabled", value="false"))

    names = {r["component"]["name"] for r in model.report(component_criteria=["Enabled"])}

    assert "SampledDataCtrlr" not in names
    assert {"AuthCtrlr", "OCPPCommCtrlr", "ChargingStation"} <= names  # enabled, or no Enabled variable


def test_criteria_and_component_variables_must_both_match(model: DeviceModel) -> None:
    wanted = [{"component": {"name": "EVSE", "evse": {"id": 1}}, "variable": {"name": "AvailabilityState"}}]

    # OCTT TC_B_18: no EVSE has a problem, so the answer is EmptyResultSet.
    assert model.report(wanted, ["Problem"]) == []
    assert keys_of(model.report(wanted, ["Available"])) == {("EVSE", 1, "AvailabilityState", None)}


# --- NotifyReport chunking ----------------------------------------------------------------------------
def test_report_is_split_with_tbc_on_all_but_the_last_message(model: DeviceModel) -> None:
    full = model.base_report("FullInventory")

    payloads = notify_report_requests(7, full, "2025-01-01T00:00:00Z", items_per_message=10)

    assert len(payloads) == -(-len(full) // 10)
    assert [p["seqNo"] for p in payloads] == list(range(len(payloads)))
    assert [p["tbc"] for p in payloads] == [True] * (len(payloads) - 1) + [False]
    assert all(p["requestId"] == 7 and len(p["reportData"]) <= 10 for p in payloads)
    assert [r for p in payloads for r in p["reportData"]] == full
    for payload in payloads:
        NOTIFY_REPORT.validate(payload)


def test_empty_report_needs_no_message_and_chunks_must_hold_something() -> None:
    assert notify_report_requests(1, [], "2025-01-01T00:00:00Z") == []
    with pytest.raises(ValueError, match="at least 1"):
        chunk_report([{"x": 1}], 0)


@pytest.mark.parametrize("controller", ["LocalAuthListCtrlr", "ReservationCtrlr"])
def test_local_lists_and_reservations_are_available_and_can_be_switched_off(
    model: DeviceModel, controller: str
) -> None:
    assert model.get_value(controller, "Available") == "true"
    assert model.get_value(controller, "Enabled") == "true"
    [result] = set_(model, ask(controller, "Enabled", value="false"))
    assert result["attributeStatus"] == "Accepted"
    assert model.get_value(controller, "Enabled") == "false"
    [refused] = set_(model, ask(controller, "Available", value="false"))
    assert refused["attributeStatus"] == "Rejected", "Available is read-only"


def test_smart_charging_is_available_with_the_capacity_of_the_1_6_keys(model: DeviceModel) -> None:
    assert model.get_value("SmartChargingCtrlr", "Available") == "true"
    assert model.get_value("SmartChargingCtrlr", "Enabled") == "true"
    assert model.get_value("SmartChargingCtrlr", "RateUnit") == "A,W"
    assert model.get_int("SmartChargingCtrlr", "ProfileStackLevel") == 10
    assert model.get_int("SmartChargingCtrlr", "PeriodsPerSchedule") == 24
    assert model.get_int("SmartChargingCtrlr", "Entries", "ChargingProfiles") == 0


def test_a_measurand_the_meter_cannot_report_is_refused_for_the_sampled_data(model: DeviceModel) -> None:
    unknown_to_the_meter = "Energy.Active.Import.Register,Temperature"
    [result] = set_(model, ask("SampledDataCtrlr", "TxUpdatedMeasurands", value=unknown_to_the_meter))
    assert result["attributeStatus"] == "Rejected"
    [accepted] = set_(model, ask("SampledDataCtrlr", "TxUpdatedMeasurands", value="Current.Offered,Power.Offered"))
    assert accepted["attributeStatus"] == "Accepted"
