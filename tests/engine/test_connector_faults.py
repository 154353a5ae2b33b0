"""Catalogue faults raised and cleared at a connector, as each version puts them on the wire.

The real station parts and the real mock CSMS on the in-memory link, the clock stepped by hand:
each test asserts the exact frames a fault causes. The stop reasons and components expected here
are written out from the specifications, not read from the catalogue.
"""

from __future__ import annotations

from typing import Any

import pytest
from rig import Bench, bench, settle

from ocpplab_desktop.model.config import OcppVersion
from ocpplab_desktop.model.connector import FaultInfo, Refused, UserAction
from ocpplab_desktop.protocol.cp201 import ChargingStation201
from ocpplab_desktop.protocol.frame import Direction, MessageType

V16, V201 = OcppVersion.V16, OcppVersion.V201
A = UserAction
NOW = "2027-01-15T08:00:00.000Z"  # the rig's clock is not stepped in these tests
VENDOR = "OCPPLab"  # the templates' vendor


def calls_since(rig: Bench, mark: int) -> list[tuple[str | None, dict[str, Any]]]:
    """(action, payload) of each CALL the station sent since `mark`; all frames valid, none a CALLERROR."""
    frames = rig.frames()[mark:]
    assert all(f.error is None and f.message_type is not MessageType.CALLERROR for f in frames)
    return [
        (f.action, f.payload) for f in frames if f.message_type is MessageType.CALL and f.direction is Direction.TO_CSMS
    ]


def event(event_id: int, component: dict[str, Any], variable: str, **fields: Any) -> dict[str, Any]:
    """A NotifyEvent of one EventData (part 2 N07), hard-wired, alerting."""
    data = {
        "eventId": event_id,
        "timestamp": NOW,
        "trigger": "Alerting",
        "eventNotificationType": "HardWiredNotification",
        "component": component,
        "variable": {"name": variable},
        **fields,
    }
    return {"generatedAt": NOW, "seqNo": 0, "eventData": [data]}


def status201(status: str) -> tuple[str, dict[str, Any]]:
    return "StatusNotification", {"timestamp": NOW, "connectorStatus": status, "evseId": 1, "connectorId": 1}


def status16(connector: int, status: str, code: str = "NoError", **fields: Any) -> tuple[str, dict[str, Any]]:
    payload = {"connectorId": connector, "errorCode": code, "status": status, "timestamp": NOW, **fields}
    return "StatusNotification", payload


async def charging(rig: Bench) -> str:
    """Plug in and present an accepted token: a running transaction; its id."""
    await rig.station.act(1, 1, A.PLUG_IN)
    await rig.station.act(1, 1, A.PRESENT_TOKEN, token="TAG-1")
    await settle()
    c = rig.station.connector(1, 1)
    assert c.tx_started and c.tx_id is not None
    return c.tx_id


# --- a fault that takes the connector out of service, raised while Available --------------------------
LOCK = FaultInfo(fault_id="connector_lock", info="lock motor stalled", vendor_error_code="L-12")


async def test_16_a_lock_failure_is_a_faulted_status_with_its_error_code_and_clearing_reports_available() -> None:
    async with bench(V16) as rig:
        mark = rig.mark()
        await rig.station.act(1, 1, A.FAULT, fault=LOCK)
        await settle()
        assert calls_since(rig, mark) == [
            status16(1, "Faulted", "ConnectorLockFailure", info="lock motor stalled", vendorId=VENDOR,
                     vendorErrorCode="L-12"),
        ]  # fmt: skip

        mark = rig.mark()
        assert await rig.station.act(1, 1, A.CLEAR_FAULT) == "Available"
        await settle()
        assert calls_since(rig, mark) == [status16(1, "Available")]


async def test_201_a_lock_failure_is_faulted_plus_the_plug_retention_locks_problem_then_its_clearing() -> None:
    async with bench(V201) as rig:
        mark = rig.mark()
        await rig.station.act(1, 1, A.FAULT, fault=LOCK)
        await settle()
        lock = {"name": "ConnectorPlugRetentionLock", "evse": {"id": 1, "connectorId": 1}}  # G05.FR.02
        assert calls_since(rig, mark) == [
            status201("Faulted"),
            ("NotifyEvent", event(1, lock, "Problem", actualValue="true", techCode="L-12",
                                  techInfo="lock motor stalled")),
        ]  # fmt: skip

        mark = rig.mark()
        assert await rig.station.act(1, 1, A.CLEAR_FAULT) == "Available"
        await settle()
        assert calls_since(rig, mark) == [
            ("NotifyEvent", event(2, lock, "Problem", actualValue="false", cleared=True, techCode="L-12",
                                  techInfo="lock motor stalled")),
            status201("Available"),
        ]  # fmt: skip


async def test_201_the_device_model_shows_the_failed_variable_while_the_fault_lasts() -> None:
    async with bench(V201) as rig:
        dialect = rig.station.dialect
        assert isinstance(dialect, ChargingStation201)
        await rig.station.act(1, 1, A.FAULT, fault=FaultInfo(fault_id="ground_fault"))
        assert dialect.model.get_value("RCD", "Tripped", evse_id=1) == "true"
        assert dialect.model.get_value("Connector", "AvailabilityState", evse_id=1, connector_id=1) == "Faulted"
        await rig.station.act(1, 1, A.CLEAR_FAULT)
        assert dialect.model.get_value("RCD", "Tripped", evse_id=1) == "false"


async def test_201_a_bare_error_code_is_reported_on_the_connectors_problem_as_before() -> None:
    async with bench(V201) as rig:
        mark = rig.mark()
        await rig.station.act(1, 1, A.FAULT, fault=FaultInfo("OtherError", "door open"))
        await settle()
        connector = {"name": "Connector", "evse": {"id": 1, "connectorId": 1}}
        assert calls_since(rig, mark) == [
            status201("Faulted"),
            ("NotifyEvent", event(1, connector, "Problem", actualValue="true", techCode="OtherError",
                                  techInfo="door open")),
        ]  # fmt: skip


# --- while charging: a fault that ends the transaction, and one that does not --------------------------
@pytest.mark.parametrize(
    ("fault_id", "reason"),
    [("emergency_stop", "EmergencyStop"), ("ground_fault", "Other")],  # 1.6 section 7.36 has no GroundFault
)
async def test_16_a_fault_while_charging_ends_the_transaction_with_its_reason(fault_id: str, reason: str) -> None:
    async with bench(V16) as rig:
        tx_id = await charging(rig)
        mark = rig.mark()
        await rig.station.act(1, 1, A.FAULT, fault=FaultInfo(fault_id=fault_id))
        await settle()
        sent = calls_since(rig, mark)
        assert [action for action, _ in sent] == ["StatusNotification", "StopTransaction"]
        assert sent[0] == status16(1, "Faulted", FaultInfo(fault_id=fault_id).error_code)
        stop = sent[1][1]
        assert (stop["transactionId"], stop["reason"], stop["idTag"]) == (int(tx_id), reason, "TAG-1")
        c = rig.station.connector(1, 1)
        assert not c.tx_started and c.reported == "Faulted"

        mark = rig.mark()
        await rig.station.act(1, 1, A.CLEAR_FAULT)
        await settle()
        assert calls_since(rig, mark) == [status16(1, "Finishing")], "the cable is still in (1.6 section 4.9 I6)"


@pytest.mark.parametrize(
    ("fault_id", "component", "variable", "reason"),
    [
        ("ground_fault", "RCD", "Tripped", "GroundFault"),
        ("over_current", "OverCurrentProtection", "Operated", "OvercurrentFault"),
        ("emergency_stop", "EmergencyStopSensor", "Tripped", "EmergencyStop"),
    ],
)
async def test_201_a_fault_while_charging_ends_the_transaction_with_its_stopped_reason(
    fault_id: str, component: str, variable: str, reason: str
) -> None:
    async with bench(V201) as rig:
        tx_id = await charging(rig)
        mark = rig.mark()
        await rig.station.act(1, 1, A.FAULT, fault=FaultInfo(fault_id=fault_id, tech_info="tripped at 31 mA"))
        await settle()
        sent = calls_since(rig, mark)
        assert [action for action, _ in sent] == ["StatusNotification", "NotifyEvent", "TransactionEvent"]
        assert sent[0] == status201("Faulted")
        code = FaultInfo(fault_id=fault_id).error_code
        at_evse = {"name": component, "evse": {"id": 1}}
        assert sent[1][1] == event(1, at_evse, variable, actualValue="true", techCode=code,
                                   techInfo="tripped at 31 mA", transactionId=tx_id)  # fmt: skip
        ended = sent[2][1]
        assert (ended["eventType"], ended["triggerReason"]) == ("Ended", "AbnormalCondition")
        assert ended["transactionInfo"] == {
            "transactionId": tx_id,
            "chargingState": "EVConnected",
            "stoppedReason": reason,
        }
        assert rig.station.connector(1, 1).reported == "Faulted"


@pytest.mark.parametrize("version", [V16, V201])
async def test_a_fault_the_catalogue_lets_charge_on_leaves_the_transaction_running(version: OcppVersion) -> None:
    async with bench(version) as rig:
        tx_id = await charging(rig)
        mark = rig.mark()
        await rig.station.act(1, 1, A.FAULT, fault=FaultInfo(fault_id="power_meter", info="no reading"))
        await settle()
        sent = calls_since(rig, mark)
        metering = {"name": "FiscalMetering", "evse": {"id": 1}}
        problem = {"techCode": "PowerMeterFailure", "techInfo": "no reading", "transactionId": tx_id}
        if version is V16:
            assert sent == [status16(1, "Faulted", "PowerMeterFailure", info="no reading")]
        else:
            assert sent == [
                status201("Faulted"),
                ("NotifyEvent", event(1, metering, "Problem", actualValue="true", **problem)),
            ]
        c = rig.station.connector(1, 1)
        assert c.tx_started and c.tx_id == tx_id and not c.drawing

        mark = rig.mark()
        await rig.station.act(1, 1, A.CLEAR_FAULT)
        await settle()
        if version is V16:
            assert calls_since(rig, mark) == [status16(1, "Charging")]  # 1.6 section 4.9 I3
        else:
            assert calls_since(rig, mark) == [
                ("NotifyEvent", event(2, metering, "Problem", actualValue="false", cleared=True, **problem)),
                status201("Occupied"),
            ]
        assert not rig.payloads("StopTransaction") and "Ended" not in {
            p["eventType"] for p in rig.payloads("TransactionEvent")
        }
        assert c.drawing


# --- faults that leave the connector in service ---------------------------------------------------------
async def test_16_a_station_level_fault_is_reported_on_connector_0_and_charging_goes_on() -> None:
    async with bench(V16) as rig:
        await charging(rig)
        mark = rig.mark()
        await rig.station.act(1, 1, A.FAULT, fault=FaultInfo(fault_id="weak_signal", info="RSSI -105 dBm"))
        await rig.station.act(1, 1, A.CLEAR_FAULT, fault=FaultInfo(fault_id="weak_signal"))
        await settle()
        assert calls_since(rig, mark) == [
            status16(0, "Available", "WeakSignal", info="RSSI -105 dBm"),
            status16(0, "Available"),
        ]
        c = rig.station.connector(1, 1)
        assert c.tx_started and c.reported == "Charging" and c.fault is None


async def test_201_a_station_level_fault_is_a_notify_event_of_the_stations_component_only() -> None:
    async with bench(V201) as rig:
        await charging(rig)
        mark = rig.mark()
        await rig.station.act(1, 1, A.FAULT, fault=FaultInfo(fault_id="reader_failure", tech_code="RFID-3"))
        await rig.station.act(1, 1, A.CLEAR_FAULT, fault=FaultInfo(fault_id="reader_failure"))
        await settle()
        reader = {"name": "TokenReader"}
        assert calls_since(rig, mark) == [
            ("NotifyEvent", event(1, reader, "Problem", actualValue="true", techCode="RFID-3")),
            ("NotifyEvent", event(2, reader, "Problem", actualValue="false", cleared=True, techCode="RFID-3")),
        ]
        assert rig.station.connector(1, 1).reported == "Occupied"


async def test_16_an_ev_communication_error_is_reported_with_the_connectors_own_status() -> None:
    async with bench(V16) as rig:
        await charging(rig)
        mark = rig.mark()
        await rig.station.act(1, 1, A.FAULT, fault=FaultInfo("EVCommunicationError"))
        await rig.station.act(1, 1, A.CLEAR_FAULT, fault=FaultInfo("EVCommunicationError"))
        await settle()
        assert calls_since(rig, mark) == [
            status16(1, "Charging", "EVCommunicationError"),  # section 7.6: not a reason to go Faulted
            status16(1, "Charging"),
        ]


async def test_201_a_monitored_threshold_is_a_hard_wired_monitor_event() -> None:
    async with bench(V201) as rig:
        mark = rig.mark()
        await rig.station.act(1, 1, A.FAULT, fault=FaultInfo(fault_id="over_voltage"))
        await settle()
        (_, notify) = calls_since(rig, mark)[1]
        assert notify["eventData"][0]["eventNotificationType"] == "HardWiredMonitor"
        assert notify["eventData"][0]["component"] == {"name": "ElectricalFeed", "evse": {"id": 1}}


# --- what is refused --------------------------------------------------------------------------------------
async def test_the_same_station_level_fault_twice_and_clearing_one_not_active_are_refused() -> None:
    async with bench(V16) as rig:
        station = rig.station
        weak = FaultInfo(fault_id="weak_signal")
        await station.act(1, 1, A.FAULT, fault=weak)
        assert station.user.active_faults(station.connector(1, 1)) == [weak]
        mark = rig.mark()
        with pytest.raises(Refused, match="Weak wireless signal is already active"):
            await station.act(1, 1, A.FAULT, fault=weak)
        with pytest.raises(Refused, match="Card reader failure is not active"):
            await station.act(1, 1, A.CLEAR_FAULT, fault=FaultInfo(fault_id="reader_failure"))
        with pytest.raises(Refused, match="there is no fault to clear"):
            await station.act(1, 1, A.CLEAR_FAULT)
        assert rig.wire_since(mark) == []


async def test_clearing_another_fault_than_the_connectors_is_refused() -> None:
    async with bench(V201) as rig:
        await rig.station.act(1, 1, A.FAULT, fault=FaultInfo(fault_id="ground_fault"))
        with pytest.raises(Refused, match="the connector's fault is Ground fault"):
            await rig.station.act(1, 1, A.CLEAR_FAULT, fault=FaultInfo(fault_id="over_current"))
        await rig.station.act(1, 1, A.CLEAR_FAULT, fault=FaultInfo(fault_id="ground_fault"))
        assert rig.station.connector(1, 1).fault is None


async def test_a_fault_too_long_for_the_wire_is_refused_before_anything_is_sent() -> None:
    async with bench(V16) as rig:
        mark = rig.mark()
        with pytest.raises(ValueError, match="info has 60 characters; at most 50 fit"):
            await rig.station.act(1, 1, A.FAULT, fault=FaultInfo("GroundFailure", "x" * 60))
        assert rig.wire_since(mark) == [] and rig.station.connector(1, 1).fault is None
