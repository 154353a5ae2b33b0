"""Variable monitors on a real device model, without a station: what fires when a value changes (part 2 N07)."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from ocpplab_desktop.model.config import OcppVersion
from ocpplab_desktop.model.device_model import DeviceModel
from ocpplab_desktop.model.monitoring import Monitors
from ocpplab_desktop.model.templates import builtin_templates

HEARTBEAT = {"component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "HeartbeatInterval"}}
STATE = {"component": {"name": "ChargingStation"}, "variable": {"name": "AvailabilityState"}}


def model() -> DeviceModel:
    config = replace(builtin_templates()["ac-22kw-wallbox-v201"], ocpp_version=OcppVersion.V201)
    return DeviceModel.for_station(config)


def setup(**item: Any) -> tuple[DeviceModel, Monitors, dict[str, Any]]:
    m = model()
    monitors = Monitors(m.lookup)
    result = monitors.set({"severity": 5, **item})
    return m, monitors, result


def fired(m: DeviceModel, monitors: Monitors, component: str, variable: str, value: str) -> list[tuple[str, str, bool]]:
    m.update_actual(component, variable, value)
    (_, var) = next((c, v) for c, v in m.entries() if c.name == component and v.name == variable)
    return [(e.trigger.value, e.actual_value, e.cleared) for e in monitors.changed(var, in_transaction=False)]


def test_an_upper_threshold_fires_once_when_crossed_and_once_cleared_when_back() -> None:
    m, monitors, result = setup(**HEARTBEAT, type="UpperThreshold", value=1000)
    assert result["status"] == "Accepted"
    assert fired(m, monitors, "OCPPCommCtrlr", "HeartbeatInterval", "90") == []
    assert fired(m, monitors, "OCPPCommCtrlr", "HeartbeatInterval", "1500") == [("Alerting", "1500", False)]
    assert fired(m, monitors, "OCPPCommCtrlr", "HeartbeatInterval", "2000") == [], "still beyond: no new event"
    assert fired(m, monitors, "OCPPCommCtrlr", "HeartbeatInterval", "1000") == [("Alerting", "1000", True)]


def test_a_threshold_already_crossed_when_set_fires_at_the_first_check() -> None:
    m, monitors, _ = setup(**HEARTBEAT, type="LowerThreshold", value=100_000)
    (_, var) = next((c, v) for c, v in m.entries() if c.name == "OCPPCommCtrlr" and v.name == "HeartbeatInterval")
    assert [(e.trigger.value, e.cleared) for e in monitors.changed(var, in_transaction=False)] == [("Alerting", False)]


def test_a_numeric_delta_fires_on_a_move_of_at_least_its_value_from_the_last_event() -> None:
    m, monitors, _ = setup(**HEARTBEAT, type="Delta", value=50)
    start = int(m.get_value("OCPPCommCtrlr", "HeartbeatInterval"))
    assert fired(m, monitors, "OCPPCommCtrlr", "HeartbeatInterval", str(start + 30)) == []
    assert fired(m, monitors, "OCPPCommCtrlr", "HeartbeatInterval", str(start + 60)) == [
        ("Delta", str(start + 60), False)
    ]
    assert fired(m, monitors, "OCPPCommCtrlr", "HeartbeatInterval", str(start + 100)) == [], "50 from the last event"
    assert fired(m, monitors, "OCPPCommCtrlr", "HeartbeatInterval", str(start + 10)) == [
        ("Delta", str(start + 10), False)
    ]


def test_a_delta_on_an_option_list_fires_on_every_change_whatever_its_value() -> None:
    m, monitors, _ = setup(**STATE, type="Delta", value=1000)
    assert fired(m, monitors, "ChargingStation", "AvailabilityState", "Unavailable") == [
        ("Delta", "Unavailable", False)
    ]
    assert fired(m, monitors, "ChargingStation", "AvailabilityState", "Available") == [("Delta", "Available", False)]


def test_the_level_and_the_transaction_flag_decide_whether_an_event_is_reported() -> None:
    m, monitors, _ = setup(**STATE, type="Delta", value=0, transaction=True)
    assert fired(m, monitors, "ChargingStation", "AvailabilityState", "Unavailable") == [], "no transaction runs"
    monitors.level = 4
    (_, var) = next((c, v) for c, v in m.entries() if c.name == "ChargingStation" and v.name == "AvailabilityState")
    m.update_actual("ChargingStation", "AvailabilityState", "Available")
    assert monitors.changed(var, in_transaction=True) == [], "severity 5 is above the level 4"
    monitors.level = 9
    m.update_actual("ChargingStation", "AvailabilityState", "Unavailable")
    assert [e.actual_value for e in monitors.changed(var, in_transaction=True)] == ["Unavailable"]


def test_a_monitor_replaced_by_id_keeps_its_id_and_the_report_groups_by_variable() -> None:
    m, monitors, first = setup(**HEARTBEAT, type="UpperThreshold", value=100)
    second = monitors.set({**HEARTBEAT, "type": "LowerThreshold", "value": 10, "severity": 5})
    replaced = monitors.set({**HEARTBEAT, "id": first["id"], "type": "UpperThreshold", "value": 120, "severity": 2})
    assert replaced["id"] == first["id"] and replaced["status"] == "Accepted"
    (report,) = monitors.report(None, None)
    assert report["variable"] == {"name": "HeartbeatInterval"}
    assert sorted((v["id"], v["value"], v["severity"]) for v in report["variableMonitoring"]) == sorted(
        [(first["id"], 120, 2), (second["id"], 10, 5)]
    )
    assert monitors.report(None, ["DeltaMonitoring"]) == []
    assert m.get_value("OCPPCommCtrlr", "HeartbeatInterval")
