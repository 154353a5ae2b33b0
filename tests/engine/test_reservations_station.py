"""Reservations end to end (1.6 sections 5.2 and 5.13, 2.0.1 H01-H04): the mock CSMS reserves over a
loopback websocket, lab stations on a fast simulated clock keep the reservation, refuse other tokens,
start for the reserved one with the reservationId in the start message, and free the connector when
the reservation expires or is cancelled. Every frame a station sent is checked against the schemas."""

from __future__ import annotations

from typing import Any

import pytest
from station_lab import DUAL, V16, V201, csms, iso, lab, seconds, sent, set_variable, station, statuses, wait

from ocpplab_desktop.csms.commands import ListedToken
from ocpplab_desktop.engine.lab import Lab
from ocpplab_desktop.engine.station import Station
from ocpplab_desktop.model.config import OcppVersion
from ocpplab_desktop.model.connector import FaultInfo, UserAction

__all__ = ["lab"]  # the fixture

A = UserAction
HOUR_S = 3600.0


def place(version: OcppVersion, number: int | None) -> dict[str, int | None]:
    return {"connector_id": number} if version is V16 else {"evse_id": number}


async def reserve(lab: Lab, s: Station, rid: int, token: str, number: int | None, *, for_s: float = HOUR_S,
                  **more: Any) -> str:  # fmt: skip
    expiry = iso(s.reservations.utc_now() + for_s)
    answer = await csms(lab).reserve_now(s.id, rid, token, expiry, **place(s.version, number), **more)
    return str(answer["status"])


def started_with(s: Station, lab: Lab) -> list[tuple[str | None, Any]]:
    """(token, reservationId) of each transaction start the station sent."""
    if s.version is V16:
        return [(p["idTag"], p.get("reservationId")) for p in sent(lab, s.id, "StartTransaction")]
    return [
        (p["idToken"]["idToken"], p.get("reservationId")) for p in sent(lab, s.id, "TransactionEvent") if "idToken" in p
    ]


@pytest.mark.parametrize("version", [V16, V201], ids=str)
async def test_a_reservation_refuses_another_token_and_the_reserved_one_starts_with_the_reservation_id(
    lab: Lab, version: OcppVersion
) -> None:
    s = await station(lab, version, f"RES-USE-{version.value}")
    c = s.connector(1, 1)
    assert await reserve(lab, s, 7, "RES-A", 1) == "Accepted"
    await wait(lab, lambda: [st for st, _ in statuses(lab, s)][-1:] == ["Reserved"], "StatusNotification Reserved")

    await s.act(1, 1, A.PLUG_IN)
    if version is V201:
        assert c.reported == "Reserved", "G01.FR.09: a cable alone leaves a reserved connector Reserved"
    outcome = await s.act(1, 1, A.PRESENT_TOKEN, token="INTRUDER")
    assert "refused" in outcome and "reservation 7" in outcome
    assert not c.tx_started and c.token is None

    await s.act(1, 1, A.PRESENT_TOKEN, token="RES-A")
    await wait(lab, lambda: c.tx_id is not None and started_with(s, lab) != [], "the reserved token's transaction")
    assert started_with(s, lab) == [("RES-A", 7)]
    assert len(s.reservations.book) == 0, "the transaction ends the reservation"
    assert await csms(lab).cancel_reservation(s.id, 7) == {"status": "Rejected"}


@pytest.mark.parametrize("version", [V16, V201], ids=str)
async def test_a_member_of_the_reserved_group_may_use_the_reservation(lab: Lab, version: OcppVersion) -> None:
    s = await station(lab, version, f"RES-GROUP-{version.value}")
    # The list names MEMBER's parent id tag / group id token.
    listed = await csms(lab).send_local_list(s.id, 1, [ListedToken("MEMBER", "Accepted", group="FLEET-1")])
    assert listed["status"] == "Accepted"
    assert await reserve(lab, s, 8, "DRIVER", 1, group="FLEET-1") == "Accepted"
    await s.act(1, 1, A.PLUG_IN)
    await s.act(1, 1, A.PRESENT_TOKEN, token="MEMBER")
    await wait(lab, lambda: started_with(s, lab) != [], "the group member's transaction")
    assert started_with(s, lab) == [("MEMBER", 8)]


@pytest.mark.parametrize("version", [V16, V201], ids=str)
async def test_a_reservation_expires_on_the_simulated_clock_and_the_connector_is_available_again(
    lab: Lab, version: OcppVersion
) -> None:
    s = await station(lab, version, f"RES-EXPIRE-{version.value}")
    c = s.connector(1, 1)
    text = iso(s.reservations.utc_now() + 120)
    expiry = seconds(text)
    # Probes on the simulated clock itself, a second before and a moment after the expiry: the lab's
    # clock jumps a whole tick at a time, but its timers run in time order at their own times.
    seen: dict[str, str | None] = {}
    at = expiry - s.clock.sim_start_wall - s.clock_skew_s  # the expiry in the clock's simulated seconds
    s.clock.scheduler.call_at(at - 1.0, lambda: seen.setdefault("before", c.reserved_for))
    s.clock.scheduler.call_at(at + 0.01, lambda: seen.setdefault("after", c.reserved_for))
    answer = await csms(lab).reserve_now(s.id, 3, "LATE", text, **place(version, 1))
    assert answer["status"] == "Accepted"
    await wait(lab, lambda: [st for st, _ in statuses(lab, s)][-2:] == ["Reserved", "Available"], "Available again")
    assert seen == {"before": "LATE", "after": None}, "reserved until the expiry, free right after it"
    assert statuses(lab, s)[-1][1] >= expiry, "not reported free before the expiry"
    if version is V201:
        await wait(lab, lambda: sent(lab, s.id, "ReservationStatusUpdate") != [], "ReservationStatusUpdate")
        assert sent(lab, s.id, "ReservationStatusUpdate") == [
            {"reservationId": 3, "reservationUpdateStatus": "Expired"}
        ]
    await s.act(1, 1, A.PLUG_IN)
    assert "accepted" in await s.act(1, 1, A.PRESENT_TOKEN, token="ANYONE")


@pytest.mark.parametrize("version", [V16, V201], ids=str)
async def test_cancel_reservation_frees_the_connector(lab: Lab, version: OcppVersion) -> None:
    s = await station(lab, version, f"RES-CANCEL-{version.value}")
    assert await reserve(lab, s, 11, "HOLDER", 1) == "Accepted"
    await wait(lab, lambda: [st for st, _ in statuses(lab, s)][-1:] == ["Reserved"], "Reserved")
    assert await csms(lab).cancel_reservation(s.id, 11) == {"status": "Accepted"}
    await wait(lab, lambda: [st for st, _ in statuses(lab, s)][-1:] == ["Available"], "Available after the cancel")
    assert await csms(lab).cancel_reservation(s.id, 11) == {"status": "Rejected"}
    assert sent(lab, s.id, "ReservationStatusUpdate") == [], "a cancelled reservation is not reported"


@pytest.mark.parametrize("version", [V16, V201], ids=str)
async def test_reserve_now_answers_occupied_faulted_unavailable_and_replaces_by_id(
    lab: Lab, version: OcppVersion
) -> None:
    s = await station(lab, version, f"RES-ANSWERS-{version.value}", DUAL)
    assert await reserve(lab, s, 1, "FIRST", 1) == "Accepted"
    assert await reserve(lab, s, 2, "SECOND", 1) == "Occupied", "reserved for another reservation"
    assert await reserve(lab, s, 1, "FIRST", 2) == "Accepted", "the same id moves the reservation"
    await wait(lab, lambda: s.connector(1, 1).reported == "Available", "connector 1 free again")
    assert await reserve(lab, s, 3, "THIRD", 1) == "Accepted"
    assert await csms(lab).cancel_reservation(s.id, 3) == {"status": "Accepted"}
    await s.act(1, 1, A.PLUG_IN)
    assert await reserve(lab, s, 4, "FOURTH", 1) == "Occupied"
    await s.act(1, 1, A.FAULT, fault=FaultInfo("GroundFailure"))
    assert await reserve(lab, s, 4, "FOURTH", 1) == "Faulted"
    await s.act(1, 1, A.CLEAR_FAULT)
    await s.act(1, 1, A.UNPLUG)
    await s.act(1, 1, A.MAKE_UNAVAILABLE)
    assert await reserve(lab, s, 4, "FOURTH", 1) == "Unavailable"
    assert await reserve(lab, s, 5, "FIFTH", 9) == "Rejected", "no such connector / EVSE"


async def test_201_a_reserved_evse_that_faults_loses_its_reservation_with_removed(lab: Lab) -> None:
    s = await station(lab, V201, "RES-REMOVED-201")
    assert await reserve(lab, s, 21, "HOLDER", 1) == "Accepted"
    await s.act(1, 1, A.FAULT, fault=FaultInfo("GroundFailure"))
    await wait(lab, lambda: sent(lab, s.id, "ReservationStatusUpdate") != [], "ReservationStatusUpdate")
    assert sent(lab, s.id, "ReservationStatusUpdate") == [{"reservationId": 21, "reservationUpdateStatus": "Removed"}]
    await s.act(1, 1, A.CLEAR_FAULT)
    await wait(lab, lambda: s.connector(1, 1).reported == "Available", "Available, not Reserved, after the fault")


async def test_16_a_reservation_outlives_a_fault_and_the_connector_is_reserved_again(lab: Lab) -> None:
    s = await station(lab, V16, "RES-FAULT-16")
    assert await reserve(lab, s, 22, "HOLDER", 1) == "Accepted"
    await s.act(1, 1, A.FAULT, fault=FaultInfo("GroundFailure"))
    await s.act(1, 1, A.CLEAR_FAULT)
    await wait(lab, lambda: [st for st, _ in statuses(lab, s)][-3:] == ["Reserved", "Faulted", "Reserved"], "I7")


@pytest.mark.parametrize("version", [V16, V201], ids=str)
async def test_a_reservation_of_no_particular_connector_needs_the_configuration_and_keeps_one_free(
    lab: Lab, version: OcppVersion
) -> None:
    s = await station(lab, version, f"RES-ANY-{version.value}", DUAL)
    assert await reserve(lab, s, 30, "ROAMER", None) == "Rejected", "not configured: connector 0 / no evseId"
    if version is V16:
        s = await station(lab, version, "RES-ANY-16-ZERO", DUAL, ReserveConnectorZeroSupported="true")
    else:
        await set_variable(lab, s, "ReservationCtrlr", "NonEvseSpecific", "true")
    assert await reserve(lab, s, 30, "ROAMER", None) == "Accepted"
    # Two free connectors, one reservation of either: the first goes to anyone, the last is kept.
    await s.act(1, 1, A.PLUG_IN)
    assert "accepted" in await s.act(1, 1, A.PRESENT_TOKEN, token="PASSER-BY")
    await wait(lab, lambda: s.connector(2, 1).reported == "Reserved", "the last free connector Reserved")
    await s.act(2, 1, A.PLUG_IN)
    assert "kept free for reservation 30" in await s.act(2, 1, A.PRESENT_TOKEN, token="SOMEONE-ELSE")
    await s.act(2, 1, A.PRESENT_TOKEN, token="ROAMER")
    await wait(lab, lambda: ("ROAMER", 30) in started_with(s, lab), "the reserved token's transaction")


async def test_16_reservations_and_the_local_list_are_advertised_with_their_keys(lab: Lab) -> None:
    s = await station(lab, V16, "RES-KEYS-16")
    keys = ["SupportedFeatureProfiles", "ReserveConnectorZeroSupported", "LocalAuthListEnabled",
            "LocalAuthListMaxLength", "SendLocalListMaxLength"]  # fmt: skip
    answer = await csms(lab).get_configuration(s.id, keys)
    values = {k["key"]: k["value"] for k in answer["configurationKey"]}
    assert {"Reservation", "LocalAuthListManagement"} <= set(values["SupportedFeatureProfiles"].split(","))
    assert values == values | {"ReserveConnectorZeroSupported": "false", "LocalAuthListEnabled": "true"}
    assert answer.get("unknownKey") is None


async def test_201_the_reservation_controller_is_available_and_enabled(lab: Lab) -> None:
    s = await station(lab, V201, "RES-CTRLR-201")
    names = ("Available", "Enabled", "NonEvseSpecific")
    answer = await csms(lab).get_variables(
        s.id, [{"component": {"name": "ReservationCtrlr"}, "variable": {"name": n}} for n in names]
    )
    assert [r["attributeValue"] for r in answer["getVariableResult"]] == ["true", "true", "false"]
    await set_variable(lab, s, "ReservationCtrlr", "Enabled", "false")
    expiry = iso(s.reservations.utc_now() + HOUR_S)
    refused = await csms(lab).reserve_now(s.id, 40, "ANY", expiry, evse_id=1)
    assert (refused["status"], refused["statusInfo"]["reasonCode"]) == ("Rejected", "NotEnabled"), "H01.FR.01"
