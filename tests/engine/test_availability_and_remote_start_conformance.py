"""Conformance points of issue #16: ChangeAvailability answers and reports, the 1.6 transition table,
the 2.0.1 idToken type and a RequestStartTransaction into a transaction that already runs.

Each runs a real station against the mock CSMS on the in-memory link with a hand-stepped clock, and
checks every frame the station sent against the official schemas.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from rig import Bench, bench, settle

from ocpplab_desktop.model.config import OcppVersion, VariableSetting
from ocpplab_desktop.model.connector import UserAction

V16, V201 = OcppVersion.V16, OcppVersion.V201
A = UserAction
Errors = Callable[[list[Any], str], list[str]]


def assert_valid(rig: Bench, schema_errors: Errors) -> None:
    assert schema_errors(rig.frames(), rig.station.version.value) == []


async def charge(rig: Bench) -> None:
    await rig.station.act(1, 1, A.PLUG_IN)
    await rig.station.act(1, 1, A.PRESENT_TOKEN, token="TAG-1")
    await settle()


def place(version: OcppVersion) -> dict[str, int]:
    return {"connector_id": 1} if version is V16 else {"evse_id": 1}


async def test_operative_on_a_connector_already_operative_is_accepted_even_during_a_transaction(
    schema_errors: Errors,
) -> None:
    for version in V16, V201:
        async with bench(version) as rig:
            await charge(rig)
            assert rig.station.connector(1, 1).tx_started
            answer = await rig.csms.change_availability(rig.station.id, True, **place(version))
            # 1.6 section 5.2 / 2.0.1 G03: "a status it is already in" is Accepted, not Scheduled.
            assert answer["status"] == "Accepted"
            whole = await rig.csms.change_availability(rig.station.id, True)
            assert whole["status"] == "Accepted"
            inoperative = await rig.csms.change_availability(rig.station.id, False, **place(version))
            assert inoperative["status"] == "Scheduled"
            assert_valid(rig, schema_errors)


async def test_16_change_availability_of_connector_0_reports_connector_0_and_each_connector(
    schema_errors: Errors,
) -> None:
    async with bench(V16) as rig:
        before = len(rig.payloads("StatusNotification"))
        answer = await rig.csms.change_availability(rig.station.id, False, connector_id=0)
        assert answer["status"] == "Accepted"
        await settle()
        reported = {(p["connectorId"], p["status"]) for p in rig.payloads("StatusNotification")[before:]}
        expected = {(0, "Unavailable")} | {(c.number16, "Unavailable") for c in rig.station.connectors}
        assert reported == expected
        before = len(rig.payloads("StatusNotification"))
        assert (await rig.csms.change_availability(rig.station.id, True, connector_id=0))["status"] == "Accepted"
        await settle()
        reported = {(p["connectorId"], p["status"]) for p in rig.payloads("StatusNotification")[before:]}
        assert reported == {(0, "Available")} | {(c.number16, "Available") for c in rig.station.connectors}
        assert_valid(rig, schema_errors)


async def test_16_inoperative_while_preparing_follows_the_transition_table_through_available(
    schema_errors: Errors, caplog: pytest.LogCaptureFixture
) -> None:
    async with bench(V16) as rig:
        c = rig.station.connector(1, 1)
        await rig.station.act(1, 1, A.PLUG_IN)
        await settle()
        assert c.reported == "Preparing"
        answer = await rig.csms.change_availability(rig.station.id, False, connector_id=1)
        # Section 4.9 has no Preparing -> Unavailable: the change waits until the connector is free.
        assert answer["status"] == "Scheduled"
        await settle()
        assert c.reported == "Preparing"
        await rig.station.act(1, 1, A.UNPLUG)
        await settle()
        statuses = [p["status"] for p in rig.payloads("StatusNotification") if p["connectorId"] == 1]
        assert statuses[-3:] == ["Preparing", "Available", "Unavailable"]
        assert c.reported == "Unavailable"
        assert "not in the transition table" not in caplog.text
        assert_valid(rig, schema_errors)


async def test_201_a_central_token_keeps_its_type_in_the_transaction_events(schema_errors: Errors) -> None:
    async with bench(V201) as rig:
        await rig.station.act(1, 1, A.PLUG_IN)
        answer = await rig.csms.remote_start(rig.station.id, "CENTRAL-1", evse_id=1, token_type="Central")
        assert answer["status"] == "Accepted"
        await settle()
        tokens = [p["idToken"] for p in rig.payloads("TransactionEvent") if "idToken" in p]
        assert tokens and all(t == {"idToken": "CENTRAL-1", "type": "Central"} for t in tokens)
        assert_valid(rig, schema_errors)


async def test_201_remote_start_into_a_transaction_started_at_ev_connected_sends_updated_remote_start(
    schema_errors: Errors,
) -> None:
    setting = VariableSetting("TxCtrlr", "TxStartPoint", "EVConnected")
    async with bench(V201, variables=(setting,)) as rig:
        c = rig.station.connector(1, 1)
        await rig.station.act(1, 1, A.PLUG_IN)
        await settle()
        assert c.tx_started, "EVConnected starts the transaction at the plug-in"
        answer = await rig.csms.send(
            rig.station.id,
            "RequestStartTransaction",
            {"idToken": {"idToken": "REMOTE-9", "type": "Central"}, "remoteStartId": 41, "evseId": 1},
        )
        assert answer["status"] == "Accepted"
        assert answer["transactionId"] == c.tx_id
        await settle()
        remote = [p for p in rig.payloads("TransactionEvent") if p["triggerReason"] == "RemoteStart"]
        assert len(remote) == 1
        (event,) = remote
        assert event["eventType"] == "Updated"
        assert event["transactionInfo"]["remoteStartId"] == 41
        assert event["idToken"] == {"idToken": "REMOTE-9", "type": "Central"}
        assert c.drawing
        assert_valid(rig, schema_errors)
