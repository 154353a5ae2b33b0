"""Charging profiles and composite schedules between the wire of each version and `model.smart_charging`.

The dialects receive payloads as snake_case dicts (what `@on` handlers get) and answer with
snake_case dicts that `to_wire` turns into camelCase. 1.6 (section 7.8 ChargingProfile) has one
schedule per profile and names the station maximum ChargePointMaxProfile; 2.0.1 (part 2, 2.10
ChargingProfileType) has a list of schedules, each with an id, and ChargingStationMaxProfile.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from ocpplab_desktop.model.smart_charging import (
    CompositeSchedule,
    Kind,
    Period,
    Profile,
    Purpose,
    RateUnit,
    Recurrency,
    Schedule,
)

PURPOSE_16 = {
    "ChargePointMaxProfile": Purpose.STATION_MAX,
    "TxDefaultProfile": Purpose.TX_DEFAULT,
    "TxProfile": Purpose.TX,
}
PURPOSE_201 = {
    "ChargingStationMaxProfile": Purpose.STATION_MAX,
    "TxDefaultProfile": Purpose.TX_DEFAULT,
    "TxProfile": Purpose.TX,
}
# ChargingStationExternalConstraints is reported (K09) but never taken from a CSMS (K01.FR.22).
WIRE_PURPOSE_201 = {
    **{purpose: name for name, purpose in PURPOSE_201.items()},
    Purpose.EXTERNAL: Purpose.EXTERNAL.value,
}


def utc_seconds(text: str | None) -> float | None:
    """An OCPP timestamp as UTC seconds; one without a zone is UTC (1.6 section 3.4, 2.0.1 part 2 2.1.1)."""
    if text is None:
        return None
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()


def utc_text(seconds: float) -> str:
    return datetime.fromtimestamp(seconds, tz=UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def _schedule(data: dict[str, Any]) -> Schedule:
    return Schedule(
        unit=RateUnit(data["charging_rate_unit"]),
        periods=tuple(
            Period(int(p["start_period"]), float(p["limit"]), p.get("number_phases"))
            for p in data["charging_schedule_period"]
        ),
        start=utc_seconds(data.get("start_schedule")),
        duration_s=data.get("duration"),
        min_rate=data.get("min_charging_rate"),
        id=data.get("id"),
    )


def _profile(data: dict[str, Any], pid: int, purpose: Purpose, schedule: dict[str, Any], target: int) -> Profile:
    recurrency = data.get("recurrency_kind")
    tx = data.get("transaction_id")
    return Profile(
        id=pid,
        stack_level=int(data["stack_level"]),
        purpose=purpose,
        kind=Kind(data["charging_profile_kind"]),
        schedule=_schedule(schedule),
        target=target,
        recurrency=Recurrency(recurrency) if recurrency else None,
        valid_from=utc_seconds(data.get("valid_from")),
        valid_to=utc_seconds(data.get("valid_to")),
        transaction_id=None if tx is None else str(tx),
    )


def profile_16(connector_id: int, data: dict[str, Any]) -> Profile:
    """1.6 csChargingProfiles (section 7.8) set on `connector_id`."""
    purpose = PURPOSE_16[data["charging_profile_purpose"]]
    return _profile(data, int(data["charging_profile_id"]), purpose, data["charging_schedule"], connector_id)


def profile_201(evse_id: int, data: dict[str, Any]) -> Profile | None:
    """2.0.1 ChargingProfileType set on `evse_id`; None for a purpose a CSMS may not set
    (ChargingStationExternalConstraints, K01.FR.22). Of several schedules (offered to an ISO 15118
    EV) the first is used: the lab's EVs do not choose."""
    purpose = PURPOSE_201.get(data["charging_profile_purpose"])
    if purpose is None:
        return None
    return _profile(data, int(data["id"]), purpose, data["charging_schedule"][0], evse_id)


def _periods(composite: CompositeSchedule) -> list[dict[str, Any]]:
    return [{"start_period": p.start_s, "limit": p.limit, "number_phases": p.number_phases} for p in composite.periods]


def composite_16(composite: CompositeSchedule) -> dict[str, Any]:
    """GetCompositeSchedule.conf's chargingSchedule (1.6 section 6.25)."""
    return {
        "duration": composite.duration_s,
        "start_schedule": utc_text(composite.start),
        "charging_rate_unit": composite.unit.value,
        "charging_schedule_period": _periods(composite),
        "min_charging_rate": composite.min_rate,
    }


def composite_201(composite: CompositeSchedule) -> dict[str, Any]:
    """GetCompositeScheduleResponse's CompositeScheduleType (2.0.1 part 2, 2.14)."""
    return {
        "evse_id": composite.target,
        "duration": composite.duration_s,
        "schedule_start": utc_text(composite.start),
        "charging_rate_unit": composite.unit.value,
        "charging_schedule_period": _periods(composite),
    }


def wire_profile_201(p: Profile) -> dict[str, Any]:
    """A profile as ReportChargingProfiles lists it (ChargingProfileType)."""
    s = p.schedule
    schedule: dict[str, Any] = {
        "id": s.id if s.id is not None else p.id,
        "charging_rate_unit": s.unit.value,
        "charging_schedule_period": [
            {"start_period": period.start_s, "limit": period.limit, "number_phases": period.number_phases}
            for period in s.periods
        ],
        "start_schedule": None if s.start is None else utc_text(s.start),
        "duration": s.duration_s,
        "min_charging_rate": s.min_rate,
    }
    return {
        "id": p.id,
        "stack_level": p.stack_level,
        "charging_profile_purpose": WIRE_PURPOSE_201[p.purpose],
        "charging_profile_kind": p.kind.value,
        "recurrency_kind": None if p.recurrency is None else p.recurrency.value,
        "valid_from": None if p.valid_from is None else utc_text(p.valid_from),
        "valid_to": None if p.valid_to is None else utc_text(p.valid_to),
        "transaction_id": p.transaction_id,
        "charging_schedule": [schedule],
    }
