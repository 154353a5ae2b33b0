"""Smart charging end to end: the mock CSMS sends profiles over a loopback websocket to lab stations
charging on a fast simulated clock, and the stations' meter values follow the limits.

Every check reads the frames the station sent (timestamps in simulated time), so nothing depends on
how fast the machine is; each test ends by checking those frames against the official schemas.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest
from station_lab import TEMPLATE, V16, V201, boot, csms, lab, sent, wait

from ocpplab_desktop.engine.lab import Lab
from ocpplab_desktop.engine.station import Station
from ocpplab_desktop.model.config import OcppVersion
from ocpplab_desktop.model.connector import UserAction
from ocpplab_desktop.model.templates import load_template

__all__ = ["lab"]  # the fixture

A = UserAction
INTERVAL_S = 10  # MeterValueSampleInterval / TxUpdatedInterval
FULL_W, W_16A, W_6A = 22_080.0, 16 * 230.0 * 3, 6 * 230.0 * 3


async def station(lab: Lab, version: OcppVersion, station_id: str, template: str | None = None) -> Station:
    config = replace(
        load_template(template or TEMPLATE[version]), id=station_id, ocpp_version=version, meter_interval_s=INTERVAL_S
    )
    return await boot(lab, config)


async def charging(lab: Lab, s: Station, evse: int = 1) -> None:
    await s.act(evse, 1, A.PLUG_IN)
    await s.act(evse, 1, A.PRESENT_TOKEN, token=f"TAG-{evse}")
    c = s.connector(evse, 1)
    await wait(lab, lambda: c.drawing and c.tx_id is not None, "a transaction drawing power")


# --- the meter values the station sent ----------------------------------------------------------
def _seconds(text: str) -> float:
    return datetime.fromisoformat(text).timestamp()


def samples(lab: Lab, s: Station, evse: int = 1) -> list[tuple[float, float, float]]:
    """(time, power, sum of V x I over the phases) of every periodic sample of a connector."""
    if s.version is V16:
        values = [mv for p in sent(lab, s.id, "MeterValues") if p["connectorId"] == evse for mv in p["meterValue"]]
    else:
        values = [
            mv for p in sent(lab, s.id, "TransactionEvent") if p["evse"]["id"] == evse for mv in p.get("meterValue", [])
        ]
    found = []
    for mv in values:
        periodic = [v for v in mv["sampledValue"] if v.get("context") == "Sample.Periodic"]
        power = [float(v["value"]) for v in periodic if v.get("measurand") == "Power.Active.Import"]
        if not power:
            continue
        volts = {v["phase"][:2]: float(v["value"]) for v in periodic if v.get("measurand") == "Voltage"}
        amps = {v["phase"]: float(v["value"]) for v in periodic if v.get("measurand") == "Current.Import"}
        found.append((_seconds(mv["timestamp"]), power[0], sum(volts[ph] * i for ph, i in amps.items())))
    return found


def assert_v_times_i_is_p(found: list[tuple[float, float, float]]) -> None:
    for _, power, vi in found:
        assert vi == pytest.approx(power, rel=1e-3, abs=1.0)


# --- the profiles, in each version's wire form ---------------------------------------------------
def profile(
    version: OcppVersion,
    pid: int,
    periods: list[tuple[int, float]],
    *,
    purpose: str = "TxDefaultProfile",
    start: str | None = None,
    level: int = 0,
    unit: str = "A",
    transaction_id: str | None = None,
) -> dict[str, Any]:
    schedule: dict[str, Any] = {
        "chargingRateUnit": unit,
        "chargingSchedulePeriod": [{"startPeriod": s, "limit": v} for s, v in periods],
    }
    if start is not None:
        schedule["startSchedule"] = start
    kind = "Absolute" if start is not None else "Relative"
    if version is V16:
        if purpose == "ChargingStationMaxProfile":
            purpose = "ChargePointMaxProfile"
        wire = {"chargingProfileId": pid, "stackLevel": level, "chargingProfilePurpose": purpose}
        wire |= {"chargingProfileKind": kind, "chargingSchedule": schedule}
        if transaction_id is not None:
            wire["transactionId"] = int(transaction_id)
        return wire
    wire = {"id": pid, "stackLevel": level, "chargingProfilePurpose": purpose, "chargingProfileKind": kind}
    wire["chargingSchedule"] = [{"id": pid, **schedule}]
    if transaction_id is not None:
        wire["transactionId"] = transaction_id
    return wire


def place(version: OcppVersion, number: int) -> dict[str, int]:
    return {"connector_id": number} if version is V16 else {"evse_id": number}


def composite_periods(version: OcppVersion, answer: dict[str, Any]) -> tuple[str, list[tuple[int, float]]]:
    schedule = answer["chargingSchedule"] if version is V16 else answer["schedule"]
    start = answer["scheduleStart"] if version is V16 else schedule["scheduleStart"]
    return start, [(p["startPeriod"], p["limit"]) for p in schedule["chargingSchedulePeriod"]]


# --- the tests ---------------------------------------------------------------------------------
@pytest.mark.parametrize("version", [V16, V201], ids=str)
async def test_meter_values_follow_a_tx_default_profile_of_16_a_then_6_a_and_clearing_restores_the_maximum(
    lab: Lab, version: OcppVersion
) -> None:
    s = await station(lab, version, f"SC-FOLLOW-{version.value}")
    await charging(lab, s)
    start_text = s.now_iso()
    start = _seconds(start_text)  # as the profile says it, to the millisecond like the samples' timestamps
    answer = await csms(lab).set_charging_profile(
        s.id, profile(version, 1, [(0, 16), (300, 6)], start=start_text), **place(version, 1)
    )
    assert answer["status"] == "Accepted"

    composite = await csms(lab).get_composite_schedule(s.id, 900, unit="W", **place(version, 1))
    assert composite["status"] == "Accepted"
    schedule_start, periods = composite_periods(version, composite)
    boundary = round(start + 300 - _seconds(schedule_start))
    assert periods == [(0, W_16A), (boundary, W_6A)]

    await wait(lab, lambda: any(t >= start + 300 + INTERVAL_S for t, _, _ in samples(lab, s)), "a sample at 6 A")
    cleared = await csms(lab).clear_charging_profile(s.id, profile_id=1)
    assert cleared["status"] == "Accepted"
    cleared_at = s.smart_charging.utc_now()
    await wait(lab, lambda: any(t >= cleared_at + INTERVAL_S for t, _, _ in samples(lab, s)), "a sample after clear")

    found = samples(lab, s)
    assert_v_times_i_is_p(found)
    for t, power, _ in found:
        if start + INTERVAL_S <= t < start + 300:
            assert power == pytest.approx(W_16A)
        elif start + 300 + INTERVAL_S <= t < cleared_at:
            assert power == pytest.approx(W_6A)  # within one sample interval of the period boundary
        elif t >= cleared_at + INTERVAL_S:
            assert power == pytest.approx(FULL_W)  # the connector's own maximum again
    unknown = await csms(lab).clear_charging_profile(s.id, profile_id=1)
    assert unknown["status"] == "Unknown"


@pytest.mark.parametrize("version", [V16, V201], ids=str)
async def test_a_tx_profile_over_the_default_holds_until_it_expires_then_the_default_is_back(
    lab: Lab, version: OcppVersion
) -> None:
    s = await station(lab, version, f"SC-EXPIRE-{version.value}")
    await charging(lab, s)
    tx = s.connector(1, 1).tx_id
    assert tx is not None
    start_text = s.now_iso()
    start = _seconds(start_text)
    expiry = datetime.fromtimestamp(start + 200, tz=UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    tx_profile = profile(version, 2, [(0, 6)], purpose="TxProfile", start=start_text, transaction_id=tx) | {
        "validTo": expiry
    }
    for wire in (profile(version, 1, [(0, 16)], start=start_text, level=3), tx_profile):
        answer = await csms(lab).set_charging_profile(s.id, wire, **place(version, 1))
        assert answer["status"] == "Accepted"
    await wait(lab, lambda: any(t >= start + 200 + INTERVAL_S for t, _, _ in samples(lab, s)), "a sample after expiry")
    found = samples(lab, s)
    assert_v_times_i_is_p(found)
    during = [p for t, p, _ in found if start + INTERVAL_S <= t < start + 200]
    after = [p for t, p, _ in found if t >= start + 200 + INTERVAL_S]
    assert during and all(p == pytest.approx(W_6A) for p in during), "the TxProfile wins over a higher default"
    assert after and all(p == pytest.approx(W_16A) for p in after), "expired, the default applies"


@pytest.mark.parametrize("version", [V16, V201], ids=str)
async def test_invalid_profiles_are_rejected_with_the_status_the_specification_names(
    lab: Lab, version: OcppVersion
) -> None:
    s = await station(lab, version, f"SC-REJECT-{version.value}")
    cmd = csms(lab)
    no_tx = await cmd.set_charging_profile(
        s.id, profile(version, 1, [(0, 10)], purpose="TxProfile", transaction_id="1"), **place(version, 1)
    )
    too_high = await cmd.set_charging_profile(s.id, profile(version, 2, [(0, 10)], level=11), **place(version, 1))
    too_many = await cmd.set_charging_profile(
        s.id, profile(version, 3, [(60 * i, 10) for i in range(25)]), **place(version, 1)
    )
    max_on_connector = await cmd.set_charging_profile(
        s.id,
        profile(version, 4, [(0, 10)], purpose="ChargingStationMaxProfile", start=s.now_iso()),
        **place(version, 1),
    )
    answers = [no_tx, too_high, too_many, max_on_connector]
    assert [a["status"] for a in answers] == ["Rejected"] * 4
    if version is V201:
        reasons = [a["statusInfo"]["reasonCode"] for a in answers]
        assert reasons == ["TxNotFound", "InvalidStackLevel", "InvalidSchedule", "InvalidValue"]
    composite = await cmd.get_composite_schedule(s.id, 60, unit="A", **place(version, 1))
    assert composite_periods(version, composite)[1] == [(0, 32.0)], "nothing was installed"
    unknown_connector = await cmd.get_composite_schedule(s.id, 60, **place(version, 7))
    assert unknown_connector["status"] == "Rejected"


@pytest.mark.parametrize("version", [V16, V201], ids=str)
async def test_a_station_maximum_is_shared_between_the_charging_connectors(lab: Lab, version: OcppVersion) -> None:
    s = await station(lab, version, f"SC-SHARE-{version.value}", "ac-dual-2x22kw")
    await charging(lab, s, 1)
    await charging(lab, s, 2)
    start = s.smart_charging.utc_now()
    answer = await csms(lab).set_charging_profile(
        s.id, profile(version, 9, [(0, 22_080)], purpose="ChargingStationMaxProfile", unit="W", start=s.now_iso())
    )
    assert answer["status"] == "Accepted"
    await wait(
        lab,
        lambda: all(any(t >= start + INTERVAL_S for t, _, _ in samples(lab, s, n)) for n in (1, 2)),
        "samples of both connectors",
    )
    for n in (1, 2):
        after = [(t, p) for t, p, _ in samples(lab, s, n) if t >= start + INTERVAL_S]
        assert after and all(p == pytest.approx(FULL_W / 2) for _, p in after)
        assert_v_times_i_is_p(samples(lab, s, n))
    station_wide = await csms(lab).get_composite_schedule(s.id, 600, unit="W")
    assert composite_periods(version, station_wide)[1] == [(0, 22_080.0)]


@pytest.mark.parametrize("version", [V16, V201], ids=str)
async def test_a_remote_start_profile_is_the_tx_profile_and_ends_with_its_transaction(
    lab: Lab, version: OcppVersion
) -> None:
    s = await station(lab, version, f"SC-REMOTE-{version.value}")
    c = s.connector(1, 1)
    await s.act(1, 1, A.PLUG_IN)
    tx_profile = profile(version, 5, [(0, 10)], purpose="TxProfile")
    if version is V16:
        answer = await csms(lab).send(
            s.id, "RemoteStartTransaction", {"idTag": "REMOTE", "connectorId": 1, "chargingProfile": tx_profile}
        )
    else:
        request = {"idToken": {"idToken": "REMOTE", "type": "Central"}, "remoteStartId": 77, "evseId": 1}
        answer = await csms(lab).send(s.id, "RequestStartTransaction", {**request, "chargingProfile": tx_profile})
    assert answer["status"] == "Accepted"
    await wait(lab, lambda: c.drawing and c.tx_id is not None, "the remote transaction")
    started = s.smart_charging.utc_now()
    await wait(lab, lambda: any(t >= started + INTERVAL_S for t, _, _ in samples(lab, s)), "a sample")
    assert all(p == pytest.approx(10 * 230.0 * 3) for t, p, _ in samples(lab, s) if t >= started)
    assert [p.id for p in s.smart_charging.profiles.profiles] == [5]

    await s.act(1, 1, A.STOP)
    await wait(lab, lambda: not c.tx_started, "the end of the transaction")
    assert s.smart_charging.profiles.profiles == []
    composite = await csms(lab).get_composite_schedule(s.id, 60, unit="A", **place(version, 1))
    assert composite_periods(version, composite)[1] == [(0, 32.0)]


async def test_201_get_charging_profiles_is_answered_and_followed_by_report_charging_profiles(lab: Lab) -> None:
    s = await station(lab, V201, "SC-REPORT-201")
    cmd = csms(lab)
    for pid, evse in ((1, 0), (2, 1)):
        answer = await cmd.set_charging_profile(s.id, profile(V201, pid, [(0, 16)], level=pid), evse_id=evse)
        assert answer["status"] == "Accepted"
    same_level = await cmd.set_charging_profile(s.id, profile(V201, 3, [(0, 8)], level=2), evse_id=1)
    assert (same_level["status"], same_level["statusInfo"]["reasonCode"]) == ("Rejected", "DuplicateProfile")
    entries = await cmd.get_variables(
        s.id,
        [
            {
                "component": {"name": "SmartChargingCtrlr"},
                "variable": {"name": "Entries", "instance": "ChargingProfiles"},
            }
        ],
    )
    assert entries["getVariableResult"][0]["attributeValue"] == "2"

    answer = await cmd.get_charging_profiles(s.id, request_id=42, purpose="TxDefaultProfile")
    assert answer["status"] == "Accepted"
    await wait(lab, lambda: len(sent(lab, s.id, "ReportChargingProfiles")) == 2, "the reports")
    reports = sent(lab, s.id, "ReportChargingProfiles")
    assert [(r["requestId"], r["evseId"], r["tbc"], r["chargingLimitSource"]) for r in reports] == [
        (42, 0, True, "CSO"),
        (42, 1, False, "CSO"),
    ]
    assert [[p["id"] for p in r["chargingProfile"]] for r in reports] == [[1], [2]]
    none = await cmd.get_charging_profiles(s.id, purpose="TxProfile")
    assert none["status"] == "NoProfiles"

    assert (await cmd.clear_charging_profile(s.id, evse_id=0))["status"] == "Accepted"
    assert (await cmd.clear_charging_profile(s.id, evse_id=0))["status"] == "Unknown"
    assert [p.id for p in s.smart_charging.profiles.profiles] == [2]


async def test_16_smart_charging_is_advertised_with_its_keys(lab: Lab) -> None:
    s = await station(lab, V16, "SC-KEYS-16")
    answer = await csms(lab).get_configuration(s.id, ["SupportedFeatureProfiles", "ChargeProfileMaxStackLevel"])
    values = {k["key"]: k["value"] for k in answer["configurationKey"]}
    assert "SmartCharging" in values["SupportedFeatureProfiles"].split(",")
    assert values["ChargeProfileMaxStackLevel"] == "10"


@pytest.mark.parametrize("version", [V16, V201], ids=str)
async def test_the_upcoming_limit_of_the_whole_station_adds_its_connectors_and_keeps_under_the_maximum(
    lab: Lab, version: OcppVersion
) -> None:
    # What the power graph draws ahead of now for an EVSE or the station: connector 1 limited to 6 A,
    # connector 2 at its rating, and from 60 s on a station maximum of 20 kW over both.
    s = await station(lab, version, f"SC-AHEAD-{version.value}", "ac-dual-2x22kw")
    await charging(lab, s, 1)
    cmd = csms(lab)
    assert (await cmd.set_charging_profile(s.id, profile(version, 3, [(0, 6)]), **place(version, 1)))["status"] == (
        "Accepted"
    )
    later = datetime.fromtimestamp(s.smart_charging.utc_now() + 60, UTC).isoformat(timespec="seconds")
    maximum = profile(version, 4, [(0, 20_000)], purpose="ChargingStationMaxProfile", unit="W", start=later)
    assert (await cmd.set_charging_profile(s.id, maximum))["status"] == "Accepted"
    first, second = s.connector(1, 1), s.connector(2, 1)
    points = s.smart_charging.upcoming_total([first, second], 300)
    watts = [w for _, w in points]
    assert watts[0] == pytest.approx(W_6A + FULL_W)
    assert watts[-1] == pytest.approx(20_000)
    assert [t for t, _ in points] == sorted(t for t, _ in points)
    change = next(t for t, w in points if w == pytest.approx(20_000))
    assert change - points[0][0] == pytest.approx(60, abs=2)
    alone = s.smart_charging.upcoming_total([first], 300)
    assert alone[0][1] == pytest.approx(W_6A) and alone[-1][1] == pytest.approx(W_6A)
