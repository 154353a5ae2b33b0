"""2.0.1 services end to end on the in-memory link: GetTransactionStatus (E14) while transaction messages wait,
CostUpdated (I05), CustomerInformation with NotifyCustomerInformation (N09/N10), SetNetworkProfile (B09),
SecurityEventNotification (A04) and TriggerMessage for every message type (F06). Every frame the station
sends is checked against the official schemas.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from ocpp.v201.enums import MessageTriggerEnumType
from rig import Bench, bench, settle

from ocpplab_desktop.model.config import OcppVersion, VariableSetting
from ocpplab_desktop.model.connector import UserAction
from ocpplab_desktop.protocol.faults import CallErrorReply
from ocpplab_desktop.protocol.frame import Direction

V201 = OcppVersion.V201
A = UserAction
Errors = Callable[[list[Any], str], list[str]]
PROFILE = {
    "ocppVersion": "OCPP20",
    "ocppTransport": "JSON",
    "ocppCsmsUrl": "ws://backup.example:9000/ocpp",
    "messageTimeout": 30,
    "securityProfile": 0,
    "ocppInterface": "Wired0",
}


async def status(rig: Bench, transaction_id: str | None = None) -> dict[str, Any]:
    payload = {} if transaction_id is None else {"transactionId": transaction_id}
    return await rig.csms.send(rig.station.id, "GetTransactionStatus", payload)


async def test_get_transaction_status_says_whether_messages_of_an_offline_transaction_still_wait(
    schema_errors: Errors,
) -> None:
    unknown_allowed = VariableSetting("AuthCtrlr", "OfflineTxForUnknownIdEnabled", "true")
    async with bench(V201, variables=(unknown_allowed,)) as rig:
        assert await status(rig) == {"messagesInQueue": False}
        await rig.station.disconnect()
        await rig.station.act(1, 1, A.PLUG_IN)
        await rig.station.act(1, 1, A.PRESENT_TOKEN, token="TAG-1")
        await settle()
        c = rig.station.connector(1, 1)
        tx = c.tx_id
        assert tx is not None and c.tx_started
        # The CSMS fails the first one after the reconnect: it and those behind it wait for the retry (E13).
        rig.csms.faults(rig.station.id).add(
            CallErrorReply(V201, Direction.TO_CSMS, "TransactionEvent", "InternalError")
        )
        rig.station.connect()
        await settle()
        assert await status(rig, tx) == {"messagesInQueue": True, "ongoingIndicator": True}
        assert await status(rig) == {"messagesInQueue": True}
        assert (await status(rig, "another"))["messagesInQueue"] is False
        await rig.step(61)
        assert await status(rig, tx) == {"messagesInQueue": False, "ongoingIndicator": True}
        await rig.station.act(1, 1, A.STOP)
        await settle()
        assert await status(rig, tx) == {"messagesInQueue": False, "ongoingIndicator": False}
        assert schema_errors(rig.frames(), V201.value) == []


async def test_cost_updated_keeps_the_latest_total_for_the_running_transaction(schema_errors: Errors) -> None:
    async with bench(V201) as rig:
        await rig.station.act(1, 1, A.PLUG_IN)
        await rig.station.act(1, 1, A.PRESENT_TOKEN, token="TAG-1")
        await settle()
        c = rig.station.connector(1, 1)
        for total in (1.25, 3.5):
            answer = await rig.csms.send(rig.station.id, "CostUpdated", {"totalCost": total, "transactionId": c.tx_id})
            assert answer == {}
        assert rig.station.total_cost(c) == 3.5
        assert schema_errors(rig.frames(), V201.value) == []


async def test_customer_information_reports_and_clears_what_the_station_keeps_of_a_token(
    schema_errors: Errors,
) -> None:
    async with bench(V201) as rig:
        await rig.station.act(1, 1, A.PRESENT_TOKEN, token="CUST-1")
        await settle()
        assert "CUST-1" in rig.station.auth_cache
        token = {"idToken": "CUST-1", "type": "ISO14443"}
        answer = await rig.csms.send(
            rig.station.id, "CustomerInformation", {"requestId": 3, "report": True, "clear": True, "idToken": token}
        )
        assert answer["status"] == "Accepted"
        await settle()
        parts = rig.payloads("NotifyCustomerInformation")
        assert [(p["requestId"], p["seqNo"], p["tbc"]) for p in parts] == [
            (3, n, n < len(parts) - 1) for n in range(len(parts))
        ]
        text = "\n".join(p["data"] for p in parts)
        assert "authorization cache: CUST-1 Accepted" in text
        assert "cleared" in text
        assert "CUST-1" not in rig.station.auth_cache
        nobody = await rig.csms.send(
            rig.station.id, "CustomerInformation", {"requestId": 4, "report": True, "clear": False}
        )
        assert nobody["status"] == "Invalid"
        assert schema_errors(rig.frames(), V201.value) == []


async def test_set_network_profile_stores_a_valid_profile_and_refuses_the_others(schema_errors: Errors) -> None:
    async with bench(V201) as rig:
        answers = [
            await rig.csms.send(
                rig.station.id, "SetNetworkProfile", {"configurationSlot": slot, "connectionData": data}
            )
            for slot, data in (
                (1, PROFILE),
                (7, PROFILE),
                (1, PROFILE | {"ocppTransport": "SOAP"}),
                (1, PROFILE | {"securityProfile": 2}),  # profile 2 needs a wss URL
            )
        ]
        assert [a["status"] for a in answers] == ["Accepted", "Rejected", "Rejected", "Rejected"]
        read = await rig.csms.get_variables(
            rig.station.id,
            [{"component": {"name": "NetworkConfiguration", "instance": "1"}, "variable": {"name": "OcppCsmsUrl"}}],
        )
        assert read["getVariableResult"][0]["attributeValue"] == PROFILE["ocppCsmsUrl"]
        await settle()
        events = [p["type"] for p in rig.payloads("SecurityEventNotification")]
        assert events == ["ReconfigurationOfSecurityParameters"]
        assert schema_errors(rig.frames(), V201.value) == []


async def test_a_reset_is_reported_as_a_security_event_after_the_new_boot(schema_errors: Errors) -> None:
    async with bench(V201) as rig:
        assert (await rig.csms.reset(rig.station.id, "Immediate"))["status"] == "Accepted"
        await rig.step(30)
        assert rig.station.registration == "Accepted"
        (event,) = rig.payloads("SecurityEventNotification")
        assert (event["type"], event["techInfo"]) == ("ResetOrReboot", "RemoteReset")
        calls = [w[2] for w in rig.wire() if w[:2] == ("->", "CALL")]
        assert calls.index("SecurityEventNotification") > calls.index("BootNotification", 1)
        assert schema_errors(rig.frames(), V201.value) == []


async def test_trigger_message_sends_every_message_type_but_the_certificate_signing_ones(
    schema_errors: Errors,
) -> None:
    certificates = {"SignChargingStationCertificate", "SignV2GCertificate", "SignCombinedCertificate"}
    async with bench(V201) as rig:
        for message in MessageTriggerEnumType:
            answer = await rig.csms.trigger_message(rig.station.id, message.value)
            await settle()
            expected = "NotImplemented" if message.value in certificates else "Accepted"
            assert (message.value, answer["status"]) == (message.value, expected)
        (published,) = rig.payloads("PublishFirmwareStatusNotification")
        assert published["status"] == "Idle"
        assert schema_errors(rig.frames(), V201.value) == []
