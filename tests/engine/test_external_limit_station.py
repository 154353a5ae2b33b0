"""External charging limits end to end (2.0.1 K11-K14; 1.6 without messages): the lab's user sets a limit
from an EMS on a station charging against the mock CSMS over a loopback websocket at a fast simulated
clock; the meter values follow it, a higher TxProfile from the CSMS does not lift it, and a 2.0.1 station
tells the CSMS with NotifyChargingLimit and ClearedChargingLimit.

Every check reads the frames the station sent (timestamps in simulated time); the `lab` fixture checks
them all against the official schemas when the test ends.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import datetime
from typing import Any

import pytest
from station_lab import TEMPLATE, V16, V201, csms, lab, sent, set_variable, wait

from ocpplab_desktop.engine.lab import Lab
from ocpplab_desktop.engine.scenario import ScenarioRunner, parse_scenario
from ocpplab_desktop.engine.station import Station
from ocpplab_desktop.model.config import OcppVersion
from ocpplab_desktop.model.connector import UserAction
from ocpplab_desktop.model.events import StationEvent
from ocpplab_desktop.model.external_limits import BadLimit
from ocpplab_desktop.model.templates import load_template

__all__ = ["lab"]

INTERVAL_S = 10  # MeterValueSampleInterval / TxUpdatedInterval
FULL_W, W_16A, W_6A = 22_080.0, 16 * 230.0 * 3, 6 * 230.0 * 3


async def charging_station(lab: Lab, version: OcppVersion, station_id: str) -> Station:
    config = replace(load_template(TEMPLATE[version]), id=station_id, ocpp_version=version, meter_interval_s=INTERVAL_S)
    s = lab.add_station(config)
    await wait(lab, lambda: s.registration == "Accepted", "the boot")
    await s.act(1, 1, UserAction.PLUG_IN)
    await s.act(1, 1, UserAction.PRESENT_TOKEN, token="TAG-1")
    c = s.connector(1, 1)
    await wait(lab, lambda: c.drawing and c.tx_id is not None, "a transaction drawing power")
    return s


def powers(lab: Lab, s: Station) -> list[tuple[float, float]]:
    """(time, active power) of every periodic sample of connector/EVSE 1."""
    if s.version is V16:
        values = [mv for p in sent(lab, s.id, "MeterValues") for mv in p["meterValue"]]
    else:
        values = [mv for p in sent(lab, s.id, "TransactionEvent") for mv in p.get("meterValue", [])]
    found = []
    for mv in values:
        power = [
            float(v["value"])
            for v in mv["sampledValue"]
            if v.get("context") == "Sample.Periodic" and v.get("measurand") == "Power.Active.Import"
        ]
        if power:
            found.append((datetime.fromisoformat(mv["timestamp"]).timestamp(), power[0]))
    return found


async def sample_after(lab: Lab, s: Station, t: float, what: str) -> None:
    await wait(lab, lambda: any(when >= t for when, _ in powers(lab, s)), what)


def tx_profile(version: OcppVersion, tx: str, amps: float, start: str) -> dict[str, Any]:
    schedule = {"chargingRateUnit": "A", "chargingSchedulePeriod": [{"startPeriod": 0, "limit": amps}]}
    schedule["startSchedule"] = start
    if version is V16:
        return {
            "chargingProfileId": 5,
            "stackLevel": 1,
            "chargingProfilePurpose": "TxProfile",
            "chargingProfileKind": "Absolute",
            "chargingSchedule": schedule,
            "transactionId": int(tx),
        }
    return {
        "id": 5,
        "stackLevel": 1,
        "chargingProfilePurpose": "TxProfile",
        "chargingProfileKind": "Absolute",
        "chargingSchedule": [{"id": 5, **schedule}],
        "transactionId": tx,
    }


@pytest.mark.parametrize("version", [V16, V201], ids=str)
async def test_the_meter_follows_an_external_limit_that_a_higher_tx_profile_does_not_lift(
    lab: Lab, version: OcppVersion
) -> None:
    s = await charging_station(lab, version, f"EXT-{version.value}")
    tx = s.connector(1, 1).tx_id
    assert tx is not None
    place = {"connector_id": 1} if version is V16 else {"evse_id": 1}
    answer = await csms(lab).set_charging_profile(s.id, tx_profile(version, tx, 16, s.now_iso()), **place)
    assert answer["status"] == "Accepted"

    set_at = s.smart_charging.utc_now()
    s.external_limits.set(W_6A, "W", target=1, source="EMS", grid_critical=True)
    await sample_after(lab, s, set_at + 2 * INTERVAL_S, "two samples under the external limit")
    composite = await csms(lab).get_composite_schedule(s.id, 600, unit="W", **place)
    schedule = composite["chargingSchedule"] if version is V16 else composite["schedule"]
    assert [(p["startPeriod"], p["limit"]) for p in schedule["chargingSchedulePeriod"]] == [(0, W_6A)]

    cleared_at = s.smart_charging.utc_now()
    assert s.external_limits.clear(1)
    assert not s.external_limits.clear(1), "nothing left to clear"
    await sample_after(lab, s, cleared_at + INTERVAL_S, "a sample after the limit was lifted")

    found = powers(lab, s)
    under = [p for t, p in found if set_at + INTERVAL_S <= t < cleared_at]
    after = [p for t, p in found if t >= cleared_at + INTERVAL_S]
    assert under and all(p == pytest.approx(W_6A) for p in under), "the external limit binds within one interval"
    assert after and all(p == pytest.approx(W_16A) for p in after), "lifted, the CSMS's TxProfile of 16 A applies"

    notified, cleared = sent(lab, s.id, "NotifyChargingLimit"), sent(lab, s.id, "ClearedChargingLimit")
    if version is V201:
        assert notified == [{"chargingLimit": {"chargingLimitSource": "EMS", "isGridCritical": True}, "evseId": 1}]
        assert cleared == [{"chargingLimitSource": "EMS", "evseId": 1}]
        actions = [
            f.action
            for f in lab.frames
            if f.station_id == s.id and f.action in ("NotifyChargingLimit", "ClearedChargingLimit")
        ]  # type: ignore[attr-defined]
        assert actions.index("NotifyChargingLimit") < actions.index("ClearedChargingLimit")
    else:
        assert notified == cleared == []  # 1.6 has no such messages


async def test_a_201_station_reports_its_external_limit_with_the_schedule_when_configured_and_in_get_charging_profiles(
    lab: Lab,
) -> None:
    s = await charging_station(lab, V201, "EXT-REPORT")
    await set_variable(lab, s, "SmartChargingCtrlr", "NotifyChargingLimitWithSchedules", "true")
    s.external_limits.set(None, "A", target=0, source="SO", periods=[(0, 20), (600, 10)])
    await wait(lab, lambda: bool(sent(lab, s.id, "NotifyChargingLimit")), "NotifyChargingLimit")
    (notified,) = sent(lab, s.id, "NotifyChargingLimit")
    assert notified["chargingLimit"] == {"chargingLimitSource": "SO"}
    assert "evseId" not in notified  # on the whole station
    (schedule,) = notified["chargingSchedule"]
    assert schedule["chargingRateUnit"] == "A"
    assert [(p["startPeriod"], p["limit"]) for p in schedule["chargingSchedulePeriod"]] == [(0, 20), (600, 10)]

    answer = await csms(lab).send(
        s.id, "GetChargingProfiles", {"requestId": 9, "chargingProfile": {"chargingLimitSource": ["SO"]}}
    )
    assert answer["status"] == "Accepted"
    await wait(lab, lambda: bool(sent(lab, s.id, "ReportChargingProfiles")), "the report")
    (report,) = sent(lab, s.id, "ReportChargingProfiles")
    assert (report["requestId"], report["chargingLimitSource"], report["evseId"]) == (9, "SO", 0)
    (listed,) = report["chargingProfile"]
    assert listed["chargingProfilePurpose"] == "ChargingStationExternalConstraints"
    only_cso = await csms(lab).send(
        s.id, "GetChargingProfiles", {"requestId": 10, "chargingProfile": {"chargingLimitSource": ["CSO"]}}
    )
    assert only_cso["status"] == "NoProfiles"
    cleared = await csms(lab).clear_charging_profile(s.id, profile_id=None, purpose=None)
    assert cleared["status"] == "Unknown", "the CSMS cannot clear an external limit"

    composite = await csms(lab).get_composite_schedule(s.id, 900, unit="A", evse_id=1)
    periods = [(p["startPeriod"], p["limit"]) for p in composite["schedule"]["chargingSchedulePeriod"]]
    assert periods[0] == (0, 20) and periods[-1][1] == 10


async def test_an_external_limit_on_an_unknown_evse_is_refused(lab: Lab) -> None:
    s = await charging_station(lab, V201, "EXT-BAD")
    with pytest.raises(BadLimit, match="no connector/EVSE 7"):
        s.external_limits.set(1000, target=7)
    with pytest.raises(BadLimit, match="not an external limit source"):
        s.external_limits.set(1000, source="CSO")


@pytest.mark.parametrize("version", [V16, V201], ids=str)
async def test_a_scenario_sets_and_clears_an_external_limit(lab: Lab, version: OcppVersion) -> None:
    station_id = f"EXT-SCN-{version.value}"
    moments: list[float] = []
    lab.bus.subscribe(
        lambda e: (
            moments.append(lab.clock.sim_start_wall + lab.clock.now)
            if isinstance(e, StationEvent) and e.station_id == station_id and e.kind == "external_limit"
            else None
        )
    )
    steps = [
        {"wait_until": {"registration": "Accepted", "timeout": 60}},
        {"plug_in": {"connector": 1}},
        {"present_token": {"connector": 1, "token": "TAG-1"}},
        {"wait": 5},
        {"external_limit": {"limit": 6, "unit": "A", "evse": 1, "source": "Other"}},
        {"wait": 3 * INTERVAL_S},
        {"external_limit": {"evse": 1, "clear": True}},
    ]
    station = {"template": TEMPLATE[version], "id": station_id, "meter_interval_s": INTERVAL_S}
    runner = ScenarioRunner(lab, parse_scenario({"station": station, "speed": 200, "steps": steps}))
    report = await asyncio.wait_for(runner.run(), 60)
    assert report.ok, report.render()
    assert runner.station is not None and runner.station.external_limits.active() == []
    set_at, cleared_at = moments
    under = [p for t, p in powers(lab, runner.station) if set_at + INTERVAL_S <= t < cleared_at]
    assert under and all(p == pytest.approx(W_6A) for p in under)
    if version is V201:
        notified = sent(lab, station_id, "NotifyChargingLimit")
        assert [p["chargingLimit"]["chargingLimitSource"] for p in notified] == ["Other"]
        assert sent(lab, station_id, "ClearedChargingLimit") == [{"chargingLimitSource": "Other", "evseId": 1}]


def test_an_external_limit_step_needs_a_limit_or_clear() -> None:
    steps = [{"external_limit": {"evse": 1}}]
    with pytest.raises(ValueError, match="give a limit, periods, or clear: true"):
        parse_scenario({"station": {"template": TEMPLATE[V16], "id": "EXT-BAD"}, "steps": steps})
