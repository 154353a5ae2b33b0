"""The handlers both versions share, run for each version through the real handler objects.

Stations come in over an in-memory pipe (`MockCsms.serve_connection`), send real OCPP-J text
frames and read the CSMS's answer as it went out; the CSMS's clock is pinned, so the time in
an answer is known to the millisecond.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest
from memory_pipe import on_memory, pipe
from ocpp.routing import create_route_map, on
from ocpp.v16 import call_result as r16

from ocpplab_desktop.csms.handlers import CsmsHandlers, ocpp_datetime
from ocpplab_desktop.csms.handlers16 import CsmsHandlers16
from ocpplab_desktop.csms.handlers201 import CsmsHandlers201
from ocpplab_desktop.csms.policy import CsmsPolicy
from ocpplab_desktop.csms.server import MockCsms
from ocpplab_desktop.csms.state import CsmsEvent, StationState
from ocpplab_desktop.model.config import OcppVersion
from ocpplab_desktop.model.events import EventBus, StationEvent

PINNED_TEXT = "2027-01-02T03:04:05.678Z"  # the `pinned_now` fixture as an OCPP dateTime

BOOT: dict[str, dict[str, Any]] = {
    "ocpp1.6": {"chargePointVendor": "Mem", "chargePointModel": "Pipe"},
    "ocpp2.0.1": {"chargingStation": {"vendorName": "Mem", "model": "Pipe"}, "reason": "PowerUp"},
}
SAMPLES = [{"timestamp": "2027-01-02T03:04:00Z", "sampledValue": [{"value": 1500}]}]
METER_VALUES: dict[str, dict[str, Any]] = {
    "ocpp1.6": {"connectorId": 1, "meterValue": [{**SAMPLES[0], "sampledValue": [{"value": "1500"}]}]},
    "ocpp2.0.1": {"evseId": 1, "meterValue": SAMPLES},
}
SECURITY_EVENT = {"type": "FirmwareUpdated", "timestamp": "2027-01-02T03:04:00Z"}

both_versions = pytest.mark.parametrize("subprotocol", ["ocpp1.6", "ocpp2.0.1"])


def csms_kinds(published: list[Any], station_id: str) -> list[str]:
    return [e.kind for e in published if isinstance(e, StationEvent) and e.station_id == station_id]


@both_versions
async def test_boot_notification_is_answered_by_the_policy_at_the_csms_time(
    memory_csms: MockCsms, published: list[Any], subprotocol: str
) -> None:
    memory_csms.policy.heartbeat_interval = 42
    async with on_memory(memory_csms, "CS-BOOT", subprotocol) as station:
        answer = await station.call("BootNotification", BOOT[subprotocol])
        state = memory_csms.stations["CS-BOOT"]
        assert answer[2] == {"currentTime": PINNED_TEXT, "interval": 42, "status": "Accepted"}
        assert state.boot == BOOT[subprotocol] and state.registration == "Accepted"
    assert csms_kinds(published, "CS-BOOT") == [CsmsEvent.CONNECTED, CsmsEvent.BOOT, CsmsEvent.DISCONNECTED]


@both_versions
async def test_heartbeat_answers_the_csms_time_and_records_when_it_came(
    memory_csms: MockCsms, pinned_now: datetime, subprotocol: str
) -> None:
    async with on_memory(memory_csms, "CS-HB", subprotocol) as station:
        answer = await station.call("Heartbeat", {})
        assert answer[2] == {"currentTime": PINNED_TEXT}
        assert memory_csms.stations["CS-HB"].last_heartbeat == pinned_now.timestamp()


@both_versions
async def test_firmware_status_notification_keeps_the_last_status(memory_csms: MockCsms, subprotocol: str) -> None:
    async with on_memory(memory_csms, "CS-FW", subprotocol) as station:
        for status in ("Downloading", "Installed"):
            assert (await station.call("FirmwareStatusNotification", {"status": status}))[2] == {}
        assert memory_csms.stations["CS-FW"].firmware_status == "Installed"


@both_versions
async def test_log_status_notification_keeps_the_last_upload_status(memory_csms: MockCsms, subprotocol: str) -> None:
    async with on_memory(memory_csms, "CS-LOG", subprotocol) as station:
        answer = await station.call("LogStatusNotification", {"status": "Uploaded", "requestId": 1})
        assert answer[2] == {}
        assert memory_csms.stations["CS-LOG"].upload_status == "Uploaded"


@both_versions
async def test_data_transfer_is_answered_unknown_vendor_id(memory_csms: MockCsms, subprotocol: str) -> None:
    async with on_memory(memory_csms, "CS-DT", subprotocol) as station:
        answer = await station.call("DataTransfer", {"vendorId": "org.example", "data": "hello"})
        assert answer[2] == {"status": "UnknownVendorId"}


@both_versions
async def test_sign_certificate_is_rejected_for_want_of_a_certificate_authority(
    memory_csms: MockCsms, subprotocol: str
) -> None:
    async with on_memory(memory_csms, "CS-CSR", subprotocol) as station:
        answer = await station.call("SignCertificate", {"csr": "-----BEGIN CERTIFICATE REQUEST-----"})
        assert answer[2] == {"status": "Rejected"}


@both_versions
async def test_security_event_notification_is_acknowledged(memory_csms: MockCsms, subprotocol: str) -> None:
    async with on_memory(memory_csms, "CS-SEC", subprotocol) as station:
        assert (await station.call("SecurityEventNotification", SECURITY_EVENT))[2] == {}


@both_versions
async def test_meter_values_are_kept_with_the_csms_time_of_arrival(
    memory_csms: MockCsms, pinned_now: datetime, subprotocol: str
) -> None:
    async with on_memory(memory_csms, "CS-MV", subprotocol) as station:
        assert (await station.call("MeterValues", METER_VALUES[subprotocol]))[2] == {}
        record = memory_csms.stations["CS-MV"].meter_values[-1]
        assert (record.received_at, record.connector_id) == (pinned_now.timestamp(), 1)
        assert record.meter_value == METER_VALUES[subprotocol]["meterValue"]


# --- the in-memory attach point -------------------------------------------------------------------
async def test_a_station_on_an_in_memory_pipe_is_served_like_one_on_a_socket(
    memory_csms: MockCsms, published: list[Any]
) -> None:
    async with on_memory(memory_csms, "CP-MEM", "ocpp1.6") as station:
        state = memory_csms.stations["CP-MEM"]
        assert (state.version, state.connected, state.remote_address) == (OcppVersion.V16, True, "memory")
        answer = await station.call("BootNotification", BOOT["ocpp1.6"])
        assert answer == [3, "m-1", {"currentTime": PINNED_TEXT, "interval": 300, "status": "Accepted"}]
    assert not state.connected
    disconnected = [e for e in published if isinstance(e, StationEvent) and e.kind == CsmsEvent.DISCONNECTED]
    assert disconnected[-1].data == {"code": 1000}


async def test_stop_closes_in_memory_connections_with_going_away(memory_csms: MockCsms) -> None:
    async with on_memory(memory_csms, "CS-STAY", "ocpp2.0.1") as station:
        await memory_csms.stop()
        assert station.connection.close_code == 1001
        state = memory_csms.stations["CS-STAY"]
        await memory_csms.wait_for(lambda: not state.connected, timeout=5, what="the disconnect")


@pytest.mark.parametrize(
    ("path", "subprotocol", "problem"),
    [("/ocpp/", "ocpp1.6", "no station id"), ("/CP-1", "ocpp1.5", "'ocpp1.5' is not an OCPP subprotocol")],
)
async def test_serve_connection_refuses_what_it_cannot_serve(
    memory_csms: MockCsms, path: str, subprotocol: str, problem: str
) -> None:
    _, csms_end = pipe()
    with pytest.raises(ValueError, match=problem):
        await memory_csms.serve_connection(csms_end, path=path, subprotocol=subprotocol)
    assert memory_csms.stations == {}


# --- how the version classes share --------------------------------------------------------------
def handler_objects() -> list[CsmsHandlers]:
    policy, bus = CsmsPolicy(), EventBus()
    return [cls(StationState("CS-1", cls.version), policy, bus, lambda: 1) for cls in (CsmsHandlers16, CsmsHandlers201)]


def test_shared_actions_are_routed_to_the_one_base_handler_in_both_versions() -> None:
    shared = ["BootNotification", "Heartbeat", "FirmwareStatusNotification", "LogStatusNotification"]
    shared += ["DataTransfer", "SignCertificate", "SecurityEventNotification"]
    for handlers in handler_objects():
        routes = create_route_map(handlers)
        for action in shared:
            handler = routes[action]["_on_action"]
            assert handler.__func__ is getattr(CsmsHandlers, handler.__name__), (handlers.version, action)


def test_a_version_class_replaces_a_shared_handler_by_defining_its_name() -> None:
    class Grumpy16(CsmsHandlers16):
        @on("DataTransfer")
        def on_data_transfer(self, **_: Any) -> r16.DataTransfer:
            return r16.DataTransfer(status="Rejected")

    routes = create_route_map(Grumpy16(StationState("CP-1", OcppVersion.V16), CsmsPolicy(), EventBus(), lambda: 1))
    assert routes["DataTransfer"]["_on_action"]().status == "Rejected"


def test_ocpp_datetime_writes_utc_with_milliseconds(pinned_now: datetime) -> None:
    assert ocpp_datetime(pinned_now) == PINNED_TEXT
    assert ocpp_datetime(pinned_now.astimezone().replace(microsecond=0)) == "2027-01-02T03:04:05.000Z"
    assert ocpp_datetime(pinned_now.replace(tzinfo=None)) == PINNED_TEXT  # naive is taken as UTC
