"""External charging limits: a limit set on a station or an EVSE by something other than the CSMS.

2.0.1 part 2 K11-K14: an energy management system (EMS), a system operator (SO) or another local
source can limit a station's charging; the station applies it as a ChargingStationExternalConstraints
profile (ChargingProfilePurposeEnumType: "constraints imposed on the Charging Station by external
sources"), combined with the CSMS's profiles by the minimum, and tells the CSMS with NotifyChargingLimit
and, when it ends, ClearedChargingLimit. 1.6 has no such messages; the limit still binds the meter.

Here are only the rules: which sources there are and the profile that stands for a limit. The
station keeps them with its other profiles (`ChargingProfiles`, engine/external_limits.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from itertools import pairwise

from ocpplab_desktop.model.smart_charging import Kind, Period, Profile, Purpose, RateUnit, Schedule

EXTERNAL_ID_BASE = 1_000_000_000
"""Profile ids of external limits: this plus the connector/EVSE number, clear of the ids a CSMS gives."""


class LimitSource(StrEnum):
    """Who set an external limit (2.0.1 ChargingLimitSourceEnumType without CSO, the CSMS itself)."""

    EMS = "EMS"
    OTHER = "Other"
    SO = "SO"


class BadLimit(ValueError):
    """An external limit that cannot be applied, and why."""


def external_profile(
    target: int,
    limit: float | None,
    unit: RateUnit | str,
    source: LimitSource | str,
    start: float,
    *,
    periods: Sequence[tuple[int, float]] | None = None,
    duration_s: int | None = None,
    grid_critical: bool | None = None,
) -> Profile:
    """The ChargingStationExternalConstraints profile of a limit from `start` (UTC seconds) on `target`
    (a connector/EVSE number, 0: the whole station): one `limit` for ever, or a schedule of
    (seconds from start, limit) `periods`, optionally ending after `duration_s`."""
    try:
        rate_unit = RateUnit(unit)
    except ValueError:
        raise BadLimit(f"{unit!r} is not a rate unit: use A or W") from None
    try:
        origin = LimitSource(source)
    except ValueError:
        names = ", ".join(s.value for s in LimitSource)
        raise BadLimit(f"{source!r} is not an external limit source: use one of {names}") from None
    steps = list(periods) if periods else ([(0, limit)] if limit is not None else [])
    if not steps or any(value is None for _, value in steps):
        raise BadLimit("an external limit needs a limit or a schedule of periods")
    starts = [s for s, _ in steps]
    if starts[0] != 0 or any(b <= a for a, b in pairwise(starts)):
        raise BadLimit(f"the periods must start at 0 and increase, got {starts}")
    if any(value is not None and value < 0 for _, value in steps):
        raise BadLimit("a limit is 0 or more")
    if duration_s is not None and duration_s <= 0:
        raise BadLimit("a duration is more than 0 seconds")
    return Profile(
        id=EXTERNAL_ID_BASE + target,
        stack_level=0,
        purpose=Purpose.EXTERNAL,
        kind=Kind.ABSOLUTE,
        schedule=Schedule(
            rate_unit,
            tuple(Period(int(s), float(v)) for s, v in steps if v is not None),
            start=start,
            duration_s=duration_s,
        ),
        target=target,
        source=origin.value,
        grid_critical=grid_critical,
    )


def externals(profiles: Sequence[Profile]) -> list[Profile]:
    return [p for p in profiles if p.purpose is Purpose.EXTERNAL]
