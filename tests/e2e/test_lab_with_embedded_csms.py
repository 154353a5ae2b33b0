"""Lab stations against the lab's own mock CSMS: every user-visible flow, both versions.

Each test checks at the end that every frame the stations sent is valid against the
official OCPP JSON schemas (checked independently, with jsonschema).
"""

from __future__ import annotations

import itertools
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from test_station_vs_library_csms import until

from ocpplab_desktop.csms.server import MockCsms
from ocpplab_desktop.engine.lab import Lab
from ocpplab_desktop.engine.station import Station
from ocpplab_desktop.model.connector import FaultInfo, UserAction
from ocpplab_desktop.model.templates import load_template
from ocpplab_desktop.protocol.frame import Direction, Frame, MessageType, Side

A = UserAction


class Recorded:
    def __init__(self, lab: Lab) -> None:
        self.frames: list[Frame] = []
        lab.bus.subscribe(lambda e: self.frames.append(e) if isinstance(e, Frame) else None)

    def sent(self, station_id: str, action: str) -> list[dict[str, Any]]:
        return [
            f.payload
            for f in self.frames
            if f.side is Side.STATION and f.station_id == station_id and f.direction is Direction.TO_CSMS
            and f.message_type is MessageType.CALL and f.action == action
        ]  # fmt: skip


@pytest.fixture
async def lab(tmp_path: Path, schema_errors: Any) -> AsyncIterator[Lab]:
    lab = Lab(db_path=tmp_path / "lab.db", csms_port=0, speed=100)
    lab.recorded = Recorded(lab)  # type: ignore[attr-defined]
    await lab.start()
    try:
        yield lab
    finally:
        await lab.close()
    frames: list[Frame] = lab.recorded.frames  # type: ignore[attr-defined]
    for version in ("1.6", "2.0.1"):
        ids = {s.id for s in lab.stations.values() if s.version.value == version}
        mine = [
            f for f in frames if f.side is Side.STATION and f.direction is Direction.TO_CSMS and f.station_id in ids
        ]
        assert schema_errors(mine, version) == []


def rec(lab: Lab) -> Recorded:
    recorded: Recorded = lab.recorded  # type: ignore[attr-defined]
    return recorded


def csms(lab: Lab) -> MockCsms:
    assert lab.csms is not None
    return lab.csms


async def station(lab: Lab, template: str, station_id: str, **overrides: Any) -> Station:
    s = lab.add_station(replace(load_template(template), id=station_id, **overrides))
    await until(lambda: s.registration == "Accepted")
    return s


async def test_201_remote_start_and_stop_from_the_console_commands(lab: Lab) -> None:
    s = await station(lab, "ac-22kw-wallbox-v201", "E2E-201-REMOTE")
    c = s.connector(1, 1)
    await s.act(1, 1, A.PLUG_IN)
    answer = await csms(lab).remote_start(s.id, "REMOTE-201", evse_id=1)
    assert answer["status"] == "Accepted"
    await until(lambda: c.tx_started and c.charging_state() == "Charging")
    started = next(p for p in rec(lab).sent(s.id, "TransactionEvent") if p["eventType"] == "Started")
    assert started["triggerReason"] == "RemoteStart" and started["transactionInfo"]["remoteStartId"] >= 1
    tx = c.tx_id
    assert tx is not None
    await until(lambda: tx in csms(lab).stations[s.id].transactions)
    answer = await csms(lab).remote_stop(s.id, tx)
    assert answer["status"] == "Accepted"
    await until(lambda: not c.tx_started)
    # The transaction ends on the station first; its Ended event reaches the wire a moment later.
    await until(lambda: any(p["eventType"] == "Ended" for p in rec(lab).sent(s.id, "TransactionEvent")))
    ended = next(p for p in rec(lab).sent(s.id, "TransactionEvent") if p["eventType"] == "Ended")
    assert ended["triggerReason"] == "RemoteStop" and ended["transactionInfo"]["stoppedReason"] == "Remote"
    assert c.reported == "Occupied"  # the cable is still in


async def test_blocked_token_is_rejected_by_the_embedded_csms_and_no_transaction_starts(lab: Lab) -> None:
    csms(lab).policy.blocked_tokens.add("STOLEN")
    s = await station(lab, "ac-22kw-wallbox", "E2E-BLOCKED")
    await s.act(1, 1, A.PLUG_IN)
    assert "Blocked" in await s.act(1, 1, A.PRESENT_TOKEN, token="STOLEN")
    assert rec(lab).sent(s.id, "StartTransaction") == []
    assert csms(lab).stations[s.id].transactions == {}


async def test_reset_reboots_the_same_station_without_a_duplicate(lab: Lab) -> None:
    s = await station(lab, "ac-22kw-wallbox", "E2E-RESET")
    await s.act(1, 1, A.PLUG_IN)
    await s.act(1, 1, A.PRESENT_TOKEN, token="TAG")
    answer = await csms(lab).reset(s.id, "Soft")
    assert answer["status"] == "Accepted"
    await until(lambda: len(rec(lab).sent(s.id, "BootNotification")) == 2)
    await until(lambda: s.registration == "Accepted")
    assert list(lab.stations) == ["E2E-RESET"] and list(csms(lab).stations) == ["E2E-RESET"]
    assert rec(lab).sent(s.id, "StopTransaction")[0]["reason"] == "SoftReset"
    assert s.connector(1, 1).reported == "Preparing"  # still plugged, no transaction


async def test_station_reconnects_after_the_embedded_csms_restarts(lab: Lab) -> None:
    s = await station(lab, "ac-22kw-wallbox-v201", "E2E-RECONNECT")
    s.options.backoff.first_s, s.options.backoff.maximum_s = 0.05, 0.2
    server = csms(lab)
    port = server.port
    await server.stop()
    await until(lambda: not s.connected)
    restarted = MockCsms(lab.bus, port=port)
    await restarted.start()
    try:
        await until(lambda: s.registration == "Accepted", timeout=15)
        assert len(rec(lab).sent(s.id, "BootNotification")) == 2
        assert restarted.stations[s.id].registration == "Accepted"
    finally:
        await restarted.stop()


async def test_basic_auth_password_is_sent_and_a_wrong_one_is_refused(lab: Lab) -> None:
    csms(lab).policy.passwords["E2E-AUTH"] = "correct-horse-battery"
    csms(lab).policy.passwords["E2E-AUTH-BAD"] = "correct-horse-battery"
    s = await station(lab, "ac-22kw-wallbox", "E2E-AUTH", password="correct-horse-battery")
    assert s.connected
    notes: list[Any] = []
    lab.bus.subscribe(lambda e: notes.append(e) if getattr(e, "kind", "") == "connect_failed" else None)
    bad = lab.add_station(replace(load_template("ac-22kw-wallbox"), id="E2E-AUTH-BAD", password="wrong-password-here"))
    await until(lambda: bool(notes))
    assert bad.registration is None and "401" in notes[0].detail


async def test_refused_credentials_are_reported_as_a_security_event_once_the_station_is_let_in(lab: Lab) -> None:
    """2.0.1 A04 with part 2 appendix 1: FailedToAuthenticateAtCsms, once, after the station connects."""
    csms(lab).policy.passwords["E2E-AUTH-201"] = "the-right-password-16"
    config = replace(load_template("ac-22kw-wallbox-v201"), id="E2E-AUTH-201", password="a-wrong-password-16")
    s = lab.add_station(config)
    s.options.backoff.first_s, s.options.backoff.maximum_s = 0.05, 0.1
    refusals: list[Any] = []
    lab.bus.subscribe(lambda e: refusals.append(e) if getattr(e, "kind", "") == "connect_failed" else None)
    await until(lambda: len(refusals) >= 2)
    assert all("401" in r.detail for r in refusals)
    csms(lab).policy.passwords["E2E-AUTH-201"] = "a-wrong-password-16"  # the operator fixes the CSMS's side
    await until(lambda: s.registration == "Accepted")
    await until(lambda: bool(rec(lab).sent(s.id, "SecurityEventNotification")))
    (event,) = rec(lab).sent(s.id, "SecurityEventNotification")
    assert event["type"] == "FailedToAuthenticateAtCsms" and "401" in event["techInfo"]


async def test_change_configuration_heartbeat_interval_and_get_configuration(lab: Lab) -> None:
    s = await station(lab, "ac-22kw-wallbox", "E2E-CONFIG")
    assert (await csms(lab).change_configuration(s.id, "HeartbeatInterval", "5"))["status"] == "Accepted"
    answer = await csms(lab).get_configuration(s.id, ["HeartbeatInterval", "NoSuchKey"])
    assert answer["configurationKey"] == [{"key": "HeartbeatInterval", "readonly": False, "value": "5"}]
    assert answer["unknownKey"] == ["NoSuchKey"]
    await until(lambda: len(rec(lab).sent(s.id, "Heartbeat")) >= 2)  # 5 s simulated at x100
    assert (await csms(lab).change_configuration(s.id, "NumberOfConnectors", "4"))["status"] == "Rejected"


async def test_201_get_set_variables_and_base_report(lab: Lab) -> None:
    s = await station(lab, "ac-22kw-wallbox-v201", "E2E-VARS")
    answer = await csms(lab).set_variables(
        s.id,
        [{"component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "HeartbeatInterval"}, "attributeValue": "7"}],
    )
    assert answer["setVariableResult"][0]["attributeStatus"] == "Accepted"
    answer = await csms(lab).get_variables(
        s.id, [{"component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "HeartbeatInterval"}}]
    )
    assert answer["getVariableResult"][0]["attributeValue"] == "7"
    answer = await csms(lab).get_base_report(s.id, "FullInventory", request_id=3)
    assert answer["status"] == "Accepted"
    await until(lambda: 3 in csms(lab).stations[s.id].reports and csms(lab).stations[s.id].reports[3].complete)


async def test_change_availability_is_scheduled_during_a_transaction_then_applied(lab: Lab) -> None:
    s = await station(lab, "ac-22kw-wallbox", "E2E-AVAIL")
    c = s.connector(1, 1)
    await s.act(1, 1, A.PLUG_IN)
    await s.act(1, 1, A.PRESENT_TOKEN, token="TAG")
    answer = await csms(lab).change_availability(s.id, False, connector_id=1)
    assert answer["status"] == "Scheduled"
    assert c.reported == "Charging"
    await s.act(1, 1, A.STOP)
    await s.act(1, 1, A.UNPLUG)
    await until(lambda: c.reported == "Unavailable")
    assert (await csms(lab).change_availability(s.id, True, connector_id=1))["status"] == "Accepted"
    await until(lambda: c.reported == "Available")


async def test_fault_reports_the_error_code_and_clearing_returns_to_the_state_of_the_connector(lab: Lab) -> None:
    s = await station(lab, "ac-22kw-wallbox", "E2E-FAULT")
    c = s.connector(1, 1)
    await s.act(1, 1, A.PLUG_IN)
    await s.act(1, 1, A.FAULT, fault=FaultInfo("GroundFailure", "RCD tripped", "E-042"))
    assert c.reported == "Faulted"
    await until(lambda: any(p["status"] == "Faulted" for p in rec(lab).sent(s.id, "StatusNotification")))
    faulted = next(p for p in rec(lab).sent(s.id, "StatusNotification") if p["status"] == "Faulted")
    assert faulted["errorCode"] == "GroundFailure" and faulted["vendorErrorCode"] == "E-042"
    await s.act(1, 1, A.CLEAR_FAULT)
    assert c.reported == "Preparing"  # 1.6 section 4.9 I2: the cable is still plugged


async def test_unlock_connector_stops_the_transaction_with_reason_unlock_command(lab: Lab) -> None:
    s = await station(lab, "ac-22kw-wallbox", "E2E-UNLOCK")
    await s.act(1, 1, A.PLUG_IN)
    await s.act(1, 1, A.PRESENT_TOKEN, token="TAG")
    assert (await csms(lab).unlock_connector(s.id, 1))["status"] == "Unlocked"
    await until(lambda: bool(rec(lab).sent(s.id, "StopTransaction")))
    assert rec(lab).sent(s.id, "StopTransaction")[0]["reason"] == "UnlockCommand"


async def test_trigger_message_status_notification_is_sent(lab: Lab) -> None:
    s = await station(lab, "ac-22kw-wallbox", "E2E-TRIGGER")
    before = len(rec(lab).sent(s.id, "StatusNotification"))
    assert (await csms(lab).trigger_message(s.id, "StatusNotification", connector_id=1))["status"] == "Accepted"
    await until(lambda: len(rec(lab).sent(s.id, "StatusNotification")) == before + 1)


async def test_dc_session_power_tapers_as_soc_rises(lab: Lab) -> None:
    lab.clock.speed = 1000
    s = await station(lab, "dc-150kw-ccs2-chademo", "E2E-DC", meter_interval_s=60)
    await s.act(1, 1, A.PLUG_IN)
    await s.act(1, 1, A.PRESENT_TOKEN, token="TAG-DC")
    await until(lambda: s.connector(1, 1).reported == "SuspendedEV", timeout=30)  # the car is full at 80 %

    def value(sample: dict[str, Any], measurand: str) -> float:
        return next(float(v["value"]) for v in sample["sampledValue"] if v["measurand"] == measurand)

    readings = [(value(m["meterValue"][0], "SoC"), value(m["meterValue"][0], "Power.Active.Import"))
                for m in rec(lab).sent(s.id, "MeterValues")]  # fmt: skip
    early = [p for soc, p in readings if soc < 50]
    late = [p for soc, p in readings if 70 < soc < 80]
    assert early and late and max(late) < 0.8 * min(early), readings
    socs = [soc for soc, _ in readings]
    assert socs == sorted(socs)


async def test_station_sends_data_transfer_and_gets_the_csms_answer(lab: Lab) -> None:
    s = await station(lab, "ac-22kw-wallbox", "E2E-DT")
    answer = await s.data_transfer("com.example", "hello", "{}")
    assert answer["status"] in {"Accepted", "UnknownVendorId", "UnknownMessageId", "Rejected"}
    assert rec(lab).sent(s.id, "DataTransfer") == [{"vendorId": "com.example", "messageId": "hello", "data": "{}"}]


async def test_16_clock_aligned_meter_values_fall_on_the_interval_boundaries(lab: Lab) -> None:
    s = await station(lab, "ac-22kw-wallbox", "E2E-ALIGNED-16")
    assert (await csms(lab).change_configuration(s.id, "ClockAlignedDataInterval", "60"))["status"] == "Accepted"
    await until(lambda: len([m for m in rec(lab).sent(s.id, "MeterValues")]) >= 2)
    for message in rec(lab).sent(s.id, "MeterValues")[:2]:
        value = message["meterValue"][0]
        assert value["sampledValue"][0]["context"] == "Sample.Clock"
        assert value["timestamp"].endswith(":00.000Z"), value["timestamp"]  # on the minute, UTC


async def test_201_clock_aligned_values_during_a_transaction_travel_in_transaction_events(lab: Lab) -> None:
    s = await station(lab, "ac-22kw-wallbox-v201", "E2E-ALIGNED-201")
    await s.act(1, 1, A.PLUG_IN)
    await s.act(1, 1, A.PRESENT_TOKEN, token="TAG")
    answer = await csms(lab).set_variables(
        s.id, [{"component": {"name": "AlignedDataCtrlr"}, "variable": {"name": "Interval"}, "attributeValue": "60"}]
    )
    assert answer["setVariableResult"][0]["attributeStatus"] == "Accepted"

    def clock_events() -> list[dict[str, Any]]:
        return [p for p in rec(lab).sent(s.id, "TransactionEvent") if p["triggerReason"] == "MeterValueClock"]

    await until(lambda: len(clock_events()) >= 2)
    sample = clock_events()[0]["meterValue"][0]
    assert sample["sampledValue"][0]["context"] == "Sample.Clock"
    assert sample["sampledValue"][0]["measurand"] == "Energy.Active.Import.Register"


async def test_periodic_meter_values_are_stamped_when_taken_one_interval_apart(lab: Lab) -> None:
    from datetime import datetime

    s = await station(lab, "ac-22kw-wallbox", "E2E-STAMPS", meter_interval_s=60)
    await s.act(1, 1, A.PLUG_IN)
    await s.act(1, 1, A.PRESENT_TOKEN, token="TAG")
    await until(lambda: len(rec(lab).sent(s.id, "MeterValues")) >= 3)
    stamps = [
        datetime.fromisoformat(m["meterValue"][0]["timestamp"].replace("Z", "+00:00"))
        for m in rec(lab).sent(s.id, "MeterValues")[:3]
    ]
    assert [(b - a).total_seconds() for a, b in itertools.pairwise(stamps)] == [60.0, 60.0]
