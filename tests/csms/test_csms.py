"""The mock CSMS over loopback, driven by stations written with the `ocpp` library only."""

from __future__ import annotations

import asyncio
import base64
import re
from typing import Any

import pytest
import websockets
from library_stations import Station16, Station201, connected, now
from ocpp.v16 import call as c16
from ocpp.v16.enums import RegistrationStatus
from ocpp.v201 import call as c201

from ocpplab_desktop.csms.policy import BootRule
from ocpplab_desktop.csms.server import COMMANDS, MockCsms, NotForThisVersion, StationNotConnected, commands_for
from ocpplab_desktop.csms.state import CsmsEvent, TransactionStatus
from ocpplab_desktop.model.config import OcppVersion
from ocpplab_desktop.model.events import StationEvent
from ocpplab_desktop.protocol import schemas
from ocpplab_desktop.protocol.errors import CallErrorReceived
from ocpplab_desktop.protocol.frame import Direction, Frame, MessageType, Side

BOOT16 = c16.BootNotification(charge_point_vendor="Lib", charge_point_model="Box")
BOOT201 = c201.BootNotification(charging_station={"vendor_name": "Lib", "model": "Box"}, reason="PowerUp")


def kinds(published: list[Any], station_id: str) -> list[str]:
    return [e.kind for e in published if isinstance(e, StationEvent) and e.station_id == station_id]


def frames(published: list[Any]) -> list[Frame]:
    return [e for e in published if isinstance(e, Frame)]


def tx_event(event_type: str, seq_no: int, tx_id: str = "tx-1", **fields: Any) -> c201.TransactionEvent:
    return c201.TransactionEvent(
        event_type=event_type,
        timestamp=now(),
        trigger_reason=fields.pop("trigger_reason", "Authorized"),
        seq_no=seq_no,
        transaction_info={"transaction_id": tx_id, **fields.pop("info", {})},
        **fields,
    )


def energy(wh: float, unit: str = "Wh") -> list[dict[str, Any]]:
    return [
        {
            "timestamp": now(),
            "sampled_value": [
                {"value": wh, "measurand": "Energy.Active.Import.Register", "unit_of_measure": {"unit": unit}}
            ],
        }
    ]


async def refusal(url: str, **options: Any) -> websockets.InvalidStatus:
    with pytest.raises(websockets.InvalidStatus) as caught:
        async with websockets.connect(url, open_timeout=5, **options):
            pass
    return caught.value


# --- registration -------------------------------------------------------------------------------
async def test_boot_is_accepted_and_the_station_registered(csms: MockCsms, published: list[Any]) -> None:
    async with connected(csms, Station16, "CP-BOOT") as cp:
        answer = await cp.call(BOOT16, suppress=False)
        heartbeat = await cp.call(c16.Heartbeat(), suppress=False)
        state = csms.stations["CP-BOOT"]
        assert (answer.status, answer.interval) == ("Accepted", 300)
        assert heartbeat.current_time.endswith("Z")
        assert state.version is OcppVersion.V16 and state.connected
        assert state.registration == "Accepted"
        assert state.boot == {"chargePointVendor": "Lib", "chargePointModel": "Box"}
        assert state.last_heartbeat is not None
        assert state.remote_address is not None and state.remote_address.startswith("127.0.0.1:")
    await csms.wait_for(lambda: not state.connected, what="the disconnect")
    assert kinds(published, "CP-BOOT") == [CsmsEvent.CONNECTED, CsmsEvent.BOOT, CsmsEvent.DISCONNECTED]


async def test_boot_policy_answers_pending_by_default_and_rejected_per_station(csms: MockCsms) -> None:
    csms.policy.boot_status = RegistrationStatus.pending
    csms.policy.heartbeat_interval = 20
    csms.policy.station_boot["CP-NO"] = BootRule(RegistrationStatus.rejected, 600)
    async with connected(csms, Station16, "CP-WAIT") as waiting, connected(csms, Station201, "CS-NO") as other:
        pending = await waiting.call(BOOT16, suppress=False)
        assert (pending.status, pending.interval) == ("Pending", 20)
        assert csms.stations["CP-WAIT"].registration == "Pending"
        default = await other.call(BOOT201, suppress=False)
        assert default.status == "Pending"
    async with connected(csms, Station201, "CP-NO") as rejected:
        answer = await rejected.call(BOOT201, suppress=False)
        assert (answer.status, answer.interval) == ("Rejected", 600)
        assert csms.stations["CP-NO"].registration == "Rejected"


# --- tokens and transactions, 1.6 ---------------------------------------------------------------
async def test_blocked_and_invalid_tokens_are_answered_on_authorize_and_start_transaction(csms: MockCsms) -> None:
    csms.policy.blocked_tokens.add("STOLEN")
    csms.policy.invalid_tokens.add("UNKNOWN")
    async with connected(csms, Station16, "CP-TOK") as cp:
        statuses = [
            (await cp.call(c16.Authorize(id_tag=tag), suppress=False)).id_tag_info["status"]
            for tag in ("GOOD", "STOLEN", "UNKNOWN")
        ]
        assert statuses == ["Accepted", "Blocked", "Invalid"]
        start = await cp.call(
            c16.StartTransaction(connector_id=1, id_tag="STOLEN", meter_start=0, timestamp=now()), suppress=False
        )
        assert start.id_tag_info["status"] == "Blocked"
        # The transaction exists all the same: the charge point is the one to end it.
        assert csms.stations["CP-TOK"].transactions[start.transaction_id].id_token == "STOLEN"


async def test_transaction_ids_increase_and_the_state_follows_the_transaction(
    csms: MockCsms, published: list[Any]
) -> None:
    async with connected(csms, Station16, "CP-TX") as cp:
        await cp.call(c16.StatusNotification(connector_id=1, error_code="NoError", status="Charging"), suppress=False)
        first = await cp.call(
            c16.StartTransaction(connector_id=1, id_tag="T1", meter_start=1000, timestamp=now()), suppress=False
        )
        second = await cp.call(
            c16.StartTransaction(connector_id=2, id_tag="T2", meter_start=0, timestamp=now()), suppress=False
        )
        assert (first.transaction_id, second.transaction_id) == (1, 2)
        meter = [
            {"timestamp": now(), "sampled_value": [{"value": "1500", "measurand": "Energy.Active.Import.Register"}]}
        ]
        await cp.call(c16.MeterValues(connector_id=1, transaction_id=1, meter_value=meter), suppress=False)
        stop = await cp.call(
            c16.StopTransaction(meter_stop=2500, timestamp=now(), transaction_id=1, reason="EVDisconnected"),
            suppress=False,
        )
        assert stop.id_tag_info is None  # no idTag in the request, nothing to answer
        state = csms.stations["CP-TX"]
        tx = state.transactions[1]
        assert (tx.connector_id, tx.id_token, tx.meter_start_wh, tx.meter_stop_wh) == (1, "T1", 1000, 2500)
        assert (tx.status, tx.stop_reason) == (TransactionStatus.ENDED, "EVDisconnected")
        assert [t.id for t in state.active_transactions()] == [2]
        assert state.connectors[1].status == "Charging" and state.connectors[1].error_code == "NoError"
        assert state.meter_values[-1].transaction_id == 1
        assert state.meter_values[-1].meter_value[0]["sampledValue"][0]["value"] == "1500"
    assert kinds(published, "CP-TX").count(CsmsEvent.TRANSACTION_STARTED) == 2
    assert CsmsEvent.TRANSACTION_ENDED in kinds(published, "CP-TX")


async def test_stop_of_an_unknown_transaction_is_answered_and_recorded(csms: MockCsms) -> None:
    async with connected(csms, Station16, "CP-LATE") as cp:
        answer = await cp.call(
            c16.StopTransaction(meter_stop=10, timestamp=now(), transaction_id=77, id_tag="T9"), suppress=False
        )
        assert answer.id_tag_info == {"status": "Accepted"}
        tx = csms.stations["CP-LATE"].transactions[77]
        assert (tx.status, tx.stop_reason) == (TransactionStatus.ENDED, "Local")


# --- transactions, 2.0.1 ------------------------------------------------------------------------
async def test_201_transaction_events_started_updated_ended_are_reflected_in_state(
    csms: MockCsms, published: list[Any]
) -> None:
    csms.policy.blocked_tokens.add("BLOCKED")
    async with connected(csms, Station201, "CS-TX") as cs:
        await cs.call(BOOT201, suppress=False)
        started = await cs.call(
            tx_event(
                "Started",
                0,
                evse={"id": 1, "connector_id": 1},
                id_token={"id_token": "TAG-9", "type": "ISO14443"},
                meter_value=energy(1000),
                info={"charging_state": "EVConnected", "remote_start_id": 4},
            ),
            suppress=False,
        )
        assert started.id_token_info == {"status": "Accepted"}
        tx = csms.stations["CS-TX"].transactions["tx-1"]
        assert (tx.evse_id, tx.connector_id, tx.id_token, tx.meter_start_wh) == (1, 1, "TAG-9", 1000)
        assert (tx.status, tx.charging_state, tx.remote_start_id) == (TransactionStatus.ACTIVE, "EVConnected", 4)

        updated = await cs.call(
            tx_event("Updated", 1, trigger_reason="ChargingStateChanged", info={"charging_state": "Charging"}),
            suppress=False,
        )
        assert updated.id_token_info is None
        assert (tx.charging_state, tx.seq_no) == ("Charging", 1)

        ended = await cs.call(
            tx_event(
                "Ended",
                2,
                trigger_reason="EVCommunicationLost",
                meter_value=energy(5.5, "kWh"),
                info={"stopped_reason": "EVDisconnected", "charging_state": "Idle"},
            ),
            suppress=False,
        )
        assert ended.id_token_info is None
        assert (tx.status, tx.stop_reason, tx.meter_stop_wh, tx.seq_no) == (
            TransactionStatus.ENDED,
            "EVDisconnected",
            5500,
            2,
        )
        blocked = await cs.call(
            tx_event("Started", 0, "tx-2", id_token={"id_token": "BLOCKED", "type": "ISO14443"}), suppress=False
        )
        assert blocked.id_token_info == {"status": "Blocked"}
        await cs.call(
            c201.StatusNotification(timestamp=now(), connector_status="Occupied", evse_id=1, connector_id=1),
            suppress=False,
        )
        assert csms.stations["CS-TX"].evse_connectors[(1, 1)].status == "Occupied"
    assert kinds(published, "CS-TX").count(CsmsEvent.TRANSACTION_STARTED) == 2


# --- the handshake ------------------------------------------------------------------------------
async def test_connection_without_a_supported_subprotocol_is_refused_with_400_and_the_reason(
    csms: MockCsms, published: list[Any]
) -> None:
    none = await refusal(f"{csms.url}/CP-X")
    assert none.response.status_code == 400
    assert b"no supported OCPP subprotocol: offered none; supported ocpp1.6, ocpp2.0.1" in none.response.body
    old = await refusal(f"{csms.url}/CP-X", subprotocols=[websockets.Subprotocol("ocpp1.5")])
    assert b"offered ocpp1.5;" in old.response.body
    assert kinds(published, "CP-X") == [CsmsEvent.REFUSED, CsmsEvent.REFUSED]
    assert "CP-X" not in csms.stations


async def test_path_without_a_station_id_is_refused_with_404(csms: MockCsms) -> None:
    refused = await refusal(f"{csms.url}/", subprotocols=[websockets.Subprotocol("ocpp1.6")])
    assert refused.response.status_code == 404
    assert b"no station id in the path" in refused.response.body


async def test_the_client_preference_picks_the_version(csms: MockCsms) -> None:
    async with connected(csms, Station201, "CS-BOTH", subprotocols=["ocpp2.0.1", "ocpp1.6"]) as cs:
        assert cs._connection.subprotocol == "ocpp2.0.1"
        assert csms.stations["CS-BOTH"].version is OcppVersion.V201
    async with connected(csms, Station16, "CP-BOTH", subprotocols=["chat", "ocpp1.6", "ocpp2.0.1"]) as cp:
        assert cp._connection.subprotocol == "ocpp1.6"


def basic(user: str, password: str) -> dict[str, str]:
    return {"Authorization": "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()}


async def test_basic_auth_refuses_wrong_or_missing_credentials_with_401(csms: MockCsms) -> None:
    csms.policy.passwords["CP-AUTH"] = "0123456789abcdef"
    url, offer = f"{csms.url}/CP-AUTH", [websockets.Subprotocol("ocpp1.6")]
    wrong = await refusal(url, subprotocols=offer, additional_headers=basic("CP-AUTH", "guess"))
    assert wrong.response.status_code == 401
    assert b"wrong credentials for station CP-AUTH" in wrong.response.body
    assert wrong.response.headers["WWW-Authenticate"].startswith("Basic")
    other_user = await refusal(url, subprotocols=offer, additional_headers=basic("CP-OTHER", "0123456789abcdef"))
    assert other_user.response.status_code == 401
    missing = await refusal(url, subprotocols=offer)
    assert missing.response.status_code == 401 and b"needs HTTP basic auth" in missing.response.body
    async with connected(csms, Station16, "CP-AUTH", additional_headers=basic("CP-AUTH", "0123456789abcdef")) as cp:
        assert (await cp.call(BOOT16, suppress=False)).status == "Accepted"


async def test_a_reconnecting_station_replaces_its_stale_connection(csms: MockCsms, published: list[Any]) -> None:
    async with connected(csms, Station16, "CP-TWICE") as stale, connected(csms, Station16, "CP-TWICE") as fresh:
        await asyncio.wait_for(stale._connection.wait_closed(), 5)
        assert stale._connection.close_code == 1000
        state = csms.stations["CP-TWICE"]
        assert state.connected
        assert await csms.remote_start("CP-TWICE", "TAG") == {"status": "Accepted"}
        assert fresh.received == [("RemoteStartTransaction", {"id_tag": "TAG"})]
        assert stale.received == []
    assert kinds(published, "CP-TWICE") == [
        CsmsEvent.CONNECTED,
        CsmsEvent.REPLACED,
        CsmsEvent.CONNECTED,
        CsmsEvent.DISCONNECTED,
    ]


async def test_stop_closes_every_station_connection(bus: Any, published: list[Any]) -> None:
    server = MockCsms(bus, port=0)
    await server.start()
    async with connected(server, Station16, "CP-END") as cp:
        await server.stop()
        await asyncio.wait_for(cp._connection.wait_closed(), 5)
        assert cp._connection.close_code == 1001
        assert not server.stations["CP-END"].connected and not server.running
    assert kinds(published, "CP-END")[-1] == CsmsEvent.DISCONNECTED


# --- operator commands --------------------------------------------------------------------------
async def test_remote_start_reaches_the_station_and_returns_its_answer(csms: MockCsms) -> None:
    async with connected(csms, Station16, "CP-RS") as cp, connected(csms, Station201, "CS-RS") as cs:
        assert await csms.remote_start("CP-RS", "TAG-1", connector_id=2) == {"status": "Accepted"}
        assert cp.received == [("RemoteStartTransaction", {"id_tag": "TAG-1", "connector_id": 2})]
        assert await csms.remote_start("CS-RS", "TAG-2", evse_id=1) == {"status": "Accepted"}
        await csms.remote_start("CS-RS", "TAG-3")
        sent = [payload for _, payload in cs.received]
        assert sent[0] == {"id_token": {"id_token": "TAG-2", "type": "Central"}, "remote_start_id": 1, "evse_id": 1}
        assert sent[1]["remote_start_id"] == 2
        with pytest.raises(NotForThisVersion, match="no EVSEs"):
            await csms.remote_start("CP-RS", "TAG", evse_id=1)


async def test_a_call_error_from_the_station_raises_call_error_received(csms: MockCsms) -> None:
    async with connected(csms, Station16, "CP-ERR"):
        # The library station has no Reset handler and answers with a CALLERROR.
        with pytest.raises(CallErrorReceived) as caught:
            await csms.reset("CP-ERR", "Soft")
        assert caught.value.action == "Reset"
        assert caught.value.code in ("NotImplemented", "NotSupported")


async def test_a_command_to_a_station_that_is_not_connected_raises_station_not_connected(csms: MockCsms) -> None:
    with pytest.raises(StationNotConnected, match="GHOST is not connected"):
        await csms.remote_start("GHOST", "TAG")
    with pytest.raises(StationNotConnected):
        await csms.send("GHOST", "Reset", {"type": "Soft"})
    async with connected(csms, Station16, "CP-GONE"):
        pass
    await csms.wait_for(lambda: not csms.stations["CP-GONE"].connected, what="the disconnect")
    with pytest.raises(StationNotConnected):
        await csms.get_configuration("CP-GONE")


def test_commands_for_201_offer_no_16_only_action() -> None:
    for version in OcppVersion:
        names = commands_for(version)
        assert names, f"no commands for {version}"
        for name in names:
            assert COMMANDS[name].actions[version] in schemas.ACTIONS[version]
    only16 = {c.name for c in COMMANDS.values() if OcppVersion.V201 not in c.actions}
    assert {"get_configuration", "change_configuration"} <= only16
    assert not only16 & set(commands_for(OcppVersion.V201))
    assert "get_base_report" in commands_for(OcppVersion.V201)
    assert "get_base_report" not in commands_for(OcppVersion.V16)


async def test_a_command_of_the_other_version_is_refused_before_sending(csms: MockCsms, published: list[Any]) -> None:
    async with connected(csms, Station201, "CS-V") as cs:
        with pytest.raises(NotForThisVersion, match="get_configuration does not apply to CS-V"):
            await csms.get_configuration("CS-V")
        with pytest.raises(NotForThisVersion, match=re.escape("not an OCPP 2.0.1 reset type")):
            await csms.reset("CS-V", "Hard")
        with pytest.raises(NotForThisVersion, match=re.escape("RemoteStartTransaction is not an OCPP 2.0.1 action")):
            await csms.send("CS-V", "RemoteStartTransaction", {"idTag": "T"})
        assert cs.received == []
    assert not any(f.direction is Direction.TO_STATION for f in frames(published))


async def test_configuration_commands_reach_a_16_station(csms: MockCsms) -> None:
    async with connected(csms, Station16, "CP-CFG") as cp:
        answer = await csms.get_configuration("CP-CFG", ["HeartbeatInterval"])
        assert answer["configurationKey"][0] == {"key": "HeartbeatInterval", "readonly": False, "value": "300"}
        assert await csms.change_configuration("CP-CFG", "HeartbeatInterval", "60") == {"status": "Accepted"}
        assert cp.received == [
            ("GetConfiguration", {"key": ["HeartbeatInterval"]}),
            ("ChangeConfiguration", {"key": "HeartbeatInterval", "value": "60"}),
        ]


async def test_get_variables_and_base_report_reach_a_201_station(csms: MockCsms) -> None:
    async with connected(csms, Station201, "CS-DM") as cs:
        item = {"component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "HeartbeatInterval"}}
        answer = await csms.get_variables("CS-DM", [item])
        assert answer["getVariableResult"][0]["attributeValue"] == "300"
        assert await csms.get_base_report("CS-DM", "FullInventory", request_id=7) == {"status": "Accepted"}
        report = csms.stations["CS-DM"].report(7)
        await csms.wait_for(lambda: report.complete, what="the last NotifyReport part")
        assert report.status == "Accepted" and report.parts == 2
        assert [d["variable"]["name"] for d in report.report_data] == ["HeartbeatInterval", "OfflineThreshold"]
        assert cs.received[-1] == ("GetBaseReport", {"request_id": 7, "report_base": "FullInventory"})


async def test_wait_for_gives_up_with_a_clear_error(csms: MockCsms) -> None:
    with pytest.raises(TimeoutError, match=re.escape("the impossible did not hold within 0.05 s")):
        await csms.wait_for(lambda: False, timeout=0.05, what="the impossible")


# --- every message gets a valid answer; every frame is on the bus ---------------------------------
CHARGING_SCHEDULE = {
    "id": 1,
    "charging_rate_unit": "W",
    "charging_schedule_period": [{"start_period": 0, "limit": 11000.0}],
}
OTHER_201_MESSAGES = [
    c201.Heartbeat(),
    c201.Authorize(id_token={"id_token": "T", "type": "ISO14443"}),
    c201.DataTransfer(vendor_id="org.example"),
    c201.FirmwareStatusNotification(status="Installed"),
    c201.LogStatusNotification(status="Uploaded", request_id=1),
    c201.MeterValues(evse_id=1, meter_value=energy(10)),
    c201.NotifyEvent(
        generated_at=now(),
        seq_no=0,
        event_data=[
            {
                "event_id": 1,
                "timestamp": now(),
                "trigger": "Alerting",
                "actual_value": "true",
                "event_notification_type": "HardWiredNotification",
                "component": {"name": "EVSE"},
                "variable": {"name": "Problem"},
            }
        ],
    ),
    c201.NotifyReport(request_id=3, generated_at=now(), seq_no=0),
    c201.SecurityEventNotification(type="FirmwareUpdated", timestamp=now()),
    c201.NotifyChargingLimit(charging_limit={"charging_limit_source": "EMS"}),
    c201.ClearedChargingLimit(charging_limit_source="EMS"),
    c201.ReportChargingProfiles(
        request_id=1,
        charging_limit_source="EMS",
        evse_id=1,
        charging_profile=[
            {
                "id": 1,
                "stack_level": 0,
                "charging_profile_purpose": "TxDefaultProfile",
                "charging_profile_kind": "Absolute",
                "charging_schedule": [CHARGING_SCHEDULE],
            }
        ],
    ),
    c201.NotifyEVChargingNeeds(charging_needs={"requested_energy_transfer": "AC_three_phase"}, evse_id=1),
    c201.NotifyEVChargingSchedule(time_base=now(), charging_schedule=CHARGING_SCHEDULE, evse_id=1),
    c201.NotifyMonitoringReport(request_id=1, seq_no=0, generated_at=now()),
    c201.NotifyCustomerInformation(data="no data", seq_no=0, generated_at=now(), request_id=1),
    c201.NotifyDisplayMessages(request_id=1),
    c201.ReservationStatusUpdate(reservation_id=1, reservation_update_status="Expired"),
    c201.PublishFirmwareStatusNotification(status="Idle"),
    c201.SignCertificate(csr="-----BEGIN CERTIFICATE REQUEST-----"),
    c201.Get15118EVCertificate(
        iso15118_schema_version="urn:iso:15118:2:2013:MsgDef", action="Install", exi_request="AA"
    ),
    c201.GetCertificateStatus(
        ocsp_request_data={
            "hash_algorithm": "SHA256",
            "issuer_name_hash": "aa",
            "issuer_key_hash": "bb",
            "serial_number": "01",
            "responder_url": "http://ocsp.example",
        }
    ),
]
OTHER_16_MESSAGES = [
    c16.DataTransfer(vendor_id="org.example"),
    c16.DiagnosticsStatusNotification(status="Uploaded"),
    c16.FirmwareStatusNotification(status="Installed"),
    c16.LogStatusNotification(status="Uploaded", request_id=1),
    c16.SecurityEventNotification(type="FirmwareUpdated", timestamp=now(), tech_info="lab"),
    c16.SignCertificate(csr="-----BEGIN CERTIFICATE REQUEST-----"),
    c16.SignedFirmwareStatusNotification(status="Installed", request_id=1),
]


@pytest.mark.parametrize(
    "case",
    [(Station201, OTHER_201_MESSAGES, "2.0.1"), (Station16, OTHER_16_MESSAGES, "1.6")],
    ids=["2.0.1", "1.6"],
)
async def test_every_station_message_gets_a_schema_valid_answer(
    csms: MockCsms, published: list[Any], schema_errors: Any, case: tuple[type[Any], list[Any], str]
) -> None:
    station_class, messages, version = case
    async with connected(csms, station_class, "CS-ALL") as station:
        for message in messages:
            assert await station.call(message, suppress=False) is not None, type(message).__name__
    answered = [
        f.action
        for f in frames(published)
        if f.message_type is MessageType.CALLRESULT and f.direction is Direction.TO_STATION
    ]
    assert answered == [type(m).__name__ for m in messages]
    assert schema_errors(frames(published), version) == []
    state = csms.stations["CS-ALL"]
    assert state.firmware_status == "Installed" and state.upload_status == "Uploaded"


async def test_every_frame_is_published_with_side_csms(csms: MockCsms, published: list[Any]) -> None:
    async with connected(csms, Station16, "CP-TAP") as cp:
        await cp.call(BOOT16, suppress=False)
        await csms.remote_start("CP-TAP", "TAG")
    seen = frames(published)
    assert {f.side for f in seen} == {Side.CSMS}
    assert [(f.direction, f.message_type, f.action) for f in seen] == [
        (Direction.TO_CSMS, MessageType.CALL, "BootNotification"),
        (Direction.TO_STATION, MessageType.CALLRESULT, "BootNotification"),
        (Direction.TO_STATION, MessageType.CALL, "RemoteStartTransaction"),
        (Direction.TO_CSMS, MessageType.CALLRESULT, "RemoteStartTransaction"),
    ]
    assert all(f.station_id == "CP-TAP" and f.error is None for f in seen)
