"""2.0.1 monitoring end to end (part 2, N02-N08): the mock CSMS installs monitors on a lab station over the
in-memory link, the station's variables change (a plug-in, a SetVariables, the meter while charging, the
simulated clock) and the NotifyEvents it sends are checked, along with every frame against the official
schemas.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from rig import Bench, bench, settle

from ocpplab_desktop.model.config import OcppVersion
from ocpplab_desktop.model.connector import UserAction

V201 = OcppVersion.V201
A = UserAction
Errors = Callable[[list[Any], str], list[str]]

EVSE_POWER = {"component": {"name": "EVSE", "evse": {"id": 1}}, "variable": {"name": "Power"}}
CONNECTOR_STATE = {
    "component": {"name": "Connector", "evse": {"id": 1, "connectorId": 1}},
    "variable": {"name": "AvailabilityState"},
}
HEARTBEAT = {"component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "HeartbeatInterval"}}


def monitor(target: dict[str, Any], kind: str, value: float, severity: int = 5, **extra: Any) -> dict[str, Any]:
    return {**target, "type": kind, "value": value, "severity": severity, **extra}


async def set_monitors(rig: Bench, *items: dict[str, Any]) -> list[dict[str, Any]]:
    answer = await rig.csms.send(rig.station.id, "SetVariableMonitoring", {"setMonitoringData": list(items)})
    await settle()
    results: list[dict[str, Any]] = answer["setMonitoringResult"]
    return results


def events(rig: Bench) -> list[dict[str, Any]]:
    return [e for p in rig.payloads("NotifyEvent") for e in p["eventData"] if "variableMonitoringId" in e]


def assert_valid(rig: Bench, schema_errors: Errors) -> None:
    assert schema_errors(rig.frames(), V201.value) == []


async def test_set_variable_monitoring_answers_each_item_with_the_status_the_specification_names(
    schema_errors: Errors,
) -> None:
    async with bench(V201) as rig:
        results = await set_monitors(
            rig,
            monitor(EVSE_POWER, "UpperThreshold", 11_000),
            monitor({**EVSE_POWER, "component": {"name": "NoSuchThing"}}, "Delta", 1),
            monitor({**EVSE_POWER, "variable": {"name": "NoSuchVariable"}}, "Delta", 1),
            monitor(CONNECTOR_STATE, "UpperThreshold", 1),  # an option list has no threshold
            monitor(EVSE_POWER, "UpperThreshold", 12_000),  # same type and severity: a duplicate
            monitor(EVSE_POWER, "Delta", 100, id=999),  # no monitor 999 to replace
            monitor(EVSE_POWER, "Periodic", 0),  # no period of 0 s
        )
        assert [r["status"] for r in results] == [
            "Accepted",
            "UnknownComponent",
            "UnknownVariable",
            "UnsupportedMonitorType",
            "Duplicate",
            "Rejected",
            "Rejected",
        ]
        assert isinstance(results[0]["id"], int)
        assert [(r["type"], r["severity"]) for r in results[:2]] == [("UpperThreshold", 5), ("Delta", 5)]
        assert_valid(rig, schema_errors)


async def test_a_threshold_monitor_on_the_evse_power_fires_while_charging_and_clears_when_it_stops(
    schema_errors: Errors,
) -> None:
    async with bench(V201) as rig:
        (result,) = await set_monitors(rig, monitor(EVSE_POWER, "UpperThreshold", 11_000, transaction=True))
        await rig.step(5)
        assert events(rig) == [], "no power, nothing to report"
        await rig.station.act(1, 1, A.PLUG_IN)
        await rig.station.act(1, 1, A.PRESENT_TOKEN, token="TAG-1")
        await rig.step(3)
        c = rig.station.connector(1, 1)
        assert c.drawing
        (alert,) = events(rig)
        assert alert["trigger"] == "Alerting"
        assert alert["variableMonitoringId"] == result["id"]
        assert alert["eventNotificationType"] == "CustomMonitor"
        assert float(alert["actualValue"]) > 11_000
        assert alert["transactionId"] == c.tx_id
        assert "cleared" not in alert
        await rig.step(10)
        assert len(events(rig)) == 1, "one event for one crossing"
        await rig.station.act(1, 1, A.EV_SUSPEND)
        await rig.step(3)
        cleared = events(rig)[1]
        assert (cleared["trigger"], cleared.get("cleared"), float(cleared["actualValue"])) == ("Alerting", True, 0)
        assert_valid(rig, schema_errors)


async def test_a_delta_monitor_fires_when_the_connector_state_changes_and_a_threshold_on_a_set_variable(
    schema_errors: Errors,
) -> None:
    async with bench(V201) as rig:
        delta, lower = await set_monitors(
            rig, monitor(CONNECTOR_STATE, "Delta", 0, severity=7), monitor(HEARTBEAT, "LowerThreshold", 30)
        )
        await rig.station.act(1, 1, A.PLUG_IN)
        await settle()
        (plugged,) = events(rig)
        assert (plugged["trigger"], plugged["actualValue"], plugged["variableMonitoringId"]) == (
            "Delta",
            "Occupied",
            delta["id"],
        )
        assert plugged["component"] == {"name": "Connector", "evse": {"id": 1, "connectorId": 1}}
        answer = await rig.csms.set_variables(rig.station.id, [{**HEARTBEAT, "attributeValue": "20"}])
        assert answer["setVariableResult"][0]["attributeStatus"] == "Accepted"
        await settle()
        low = events(rig)[-1]
        assert (low["trigger"], low["actualValue"], low["variableMonitoringId"]) == ("Alerting", "20", lower["id"])
        assert_valid(rig, schema_errors)


async def test_a_periodic_monitor_reports_on_the_simulated_clock_until_it_is_cleared(schema_errors: Errors) -> None:
    async with bench(V201) as rig:
        (periodic,) = await set_monitors(rig, monitor(HEARTBEAT, "Periodic", 60))
        await rig.step(59)
        assert events(rig) == []
        await rig.step(2)
        await rig.step(60)
        found = events(rig)
        assert [(e["trigger"], e["variableMonitoringId"], e["actualValue"]) for e in found] == [
            ("Periodic", periodic["id"], str(rig.station.config.heartbeat_interval_s))
        ] * 2
        answer = await rig.csms.send(rig.station.id, "ClearVariableMonitoring", {"id": [periodic["id"], 4242]})
        assert answer["clearMonitoringResult"] == [
            {"id": periodic["id"], "status": "Accepted"},
            {"id": 4242, "status": "NotFound"},
        ]
        await rig.step(300)
        assert len(events(rig)) == 2
        assert_valid(rig, schema_errors)


async def test_a_clock_aligned_monitor_reports_at_the_boundaries_of_its_period(schema_errors: Errors) -> None:
    async with bench(V201) as rig:
        await set_monitors(rig, monitor(HEARTBEAT, "PeriodicClockAligned", 900))
        await rig.step(1800)
        stamps = [e["timestamp"] for e in events(rig)]
        assert stamps, "a clock-aligned event"
        assert all(s[14:19] in ("00:00", "15:00", "30:00", "45:00") for s in stamps)
        assert_valid(rig, schema_errors)


async def test_get_monitoring_report_reports_what_was_set_and_follows_criteria(schema_errors: Errors) -> None:
    async with bench(V201) as rig:
        threshold, delta, periodic = await set_monitors(
            rig,
            monitor(EVSE_POWER, "UpperThreshold", 11_000, severity=3),
            monitor(EVSE_POWER, "Delta", 1000, severity=6),
            monitor(HEARTBEAT, "Periodic", 3600),
        )
        answer = await rig.csms.send(rig.station.id, "GetMonitoringReport", {"requestId": 8})
        assert answer["status"] == "Accepted"
        await settle()
        (report,) = rig.payloads("NotifyMonitoringReport")
        assert (report["requestId"], report["seqNo"], report["tbc"]) == (8, 0, False)
        by_variable = {m["variable"]["name"]: m["variableMonitoring"] for m in report["monitor"]}
        assert sorted((v["id"], v["type"], v["value"], v["severity"]) for v in by_variable["Power"]) == [
            (threshold["id"], "UpperThreshold", 11_000, 3),
            (delta["id"], "Delta", 1000, 6),
        ]
        assert [v["id"] for v in by_variable["HeartbeatInterval"]] == [periodic["id"]]

        answer = await rig.csms.send(
            rig.station.id, "GetMonitoringReport", {"requestId": 9, "monitoringCriteria": ["PeriodicMonitoring"]}
        )
        assert answer["status"] == "Accepted"
        await settle()
        only_periodic = rig.payloads("NotifyMonitoringReport")[-1]
        assert [m["variable"]["name"] for m in only_periodic["monitor"]] == ["HeartbeatInterval"]

        base = await rig.csms.send(rig.station.id, "SetMonitoringBase", {"monitoringBase": "HardWiredOnly"})
        assert base["status"] == "Accepted"
        empty = await rig.csms.send(rig.station.id, "GetMonitoringReport", {"requestId": 10})
        assert empty["status"] == "EmptyResultSet"
        await settle()
        assert len(rig.payloads("NotifyMonitoringReport")) == 2
        assert_valid(rig, schema_errors)


async def test_the_monitoring_level_silences_less_severe_monitors(schema_errors: Errors) -> None:
    async with bench(V201) as rig:
        await set_monitors(rig, monitor(CONNECTOR_STATE, "Delta", 0, severity=7))
        level = await rig.csms.send(rig.station.id, "SetMonitoringLevel", {"severity": 4})
        assert level["status"] == "Accepted"
        assert (await rig.csms.send(rig.station.id, "SetMonitoringLevel", {"severity": 12}))["status"] == "Rejected"
        await rig.station.act(1, 1, A.PLUG_IN)
        await settle()
        assert events(rig) == []
        assert (await rig.csms.send(rig.station.id, "SetMonitoringLevel", {"severity": 9}))["status"] == "Accepted"
        await rig.station.act(1, 1, A.UNPLUG)
        await settle()
        assert [e["actualValue"] for e in events(rig)] == ["Available"]
        variables = await rig.csms.get_variables(
            rig.station.id,
            [{"component": {"name": "MonitoringCtrlr"}, "variable": {"name": "ActiveMonitoringLevel"}}],
        )
        assert variables["getVariableResult"][0]["attributeValue"] == "9"
        assert_valid(rig, schema_errors)


@pytest.mark.parametrize("count", [21])
async def test_more_monitors_than_items_per_message_is_an_occurrence_constraint_violation(count: int) -> None:
    async with bench(V201) as rig:
        items = [monitor(HEARTBEAT, "Delta", n) for n in range(count)]
        with pytest.raises(Exception, match="OccurrenceConstraintViolation"):
            await rig.csms.send(rig.station.id, "SetVariableMonitoring", {"setMonitoringData": items})
