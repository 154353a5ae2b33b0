"""Charging profiles and the composite schedule, one representation for OCPP 1.6 and 2.0.1.

Both versions stack the same three kinds of profile (1.6 section 3.13, 2.0.1 part 2 K01/K08):
a station-wide maximum (1.6 ChargePointMaxProfile, 2.0.1 ChargingStationMaxProfile), a default
for every transaction (TxDefaultProfile) and one for a single transaction (TxProfile). The
dialects translate the wire into `Profile`s and back; everything here is version-blind, and the
few points where the versions disagree (what a second profile on the same stack level does) are
`Capacity` settings the dialect chooses.

Times are UTC in seconds since the epoch (the station's clock); nothing here reads a clock.
A profile's limit is piecewise constant in time, so the composite schedule is worked out by
evaluating it at every instant where any profile can change (a period starts, a schedule or a
validity ends, a recurrence restarts) and merging equal neighbours.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from enum import StrEnum
from itertools import pairwise

DAY_S = 86_400
WEEK_S = 7 * DAY_S
DEFAULT_PHASES = 3  # 1.6 section 7.13 / 2.0.1 ChargingSchedulePeriodType: numberPhases absent means 3


class Purpose(StrEnum):
    STATION_MAX = "StationMax"  # 1.6 ChargePointMaxProfile, 2.0.1 ChargingStationMaxProfile
    TX_DEFAULT = "TxDefaultProfile"
    TX = "TxProfile"
    EXTERNAL = (
        "ChargingStationExternalConstraints"  # 2.0.1 K11-K14: a limit set outside OCPP (model/external_limits.py)
    )


class Kind(StrEnum):
    ABSOLUTE = "Absolute"
    RECURRING = "Recurring"
    RELATIVE = "Relative"


class Recurrency(StrEnum):
    DAILY = "Daily"
    WEEKLY = "Weekly"


class RateUnit(StrEnum):
    A = "A"
    W = "W"


class SameLevel(StrEnum):
    """What a new profile does to another one of the same purpose and stack level on the same target."""

    REPLACE = "replace"  # 1.6 section 5.16: it replaces the existing profile
    REJECT = "reject"  # 2.0.1 K01.FR.06 / K01.FR.39: it is rejected while their validity overlaps


@dataclass(frozen=True, slots=True)
class Period:
    start_s: int  # seconds from the start of the schedule; also ends the period before
    limit: float  # in the schedule's unit: A per phase, or W
    number_phases: int | None = None


@dataclass(frozen=True, slots=True)
class Schedule:
    unit: RateUnit
    periods: tuple[Period, ...]
    start: float | None = None  # startSchedule; None: from the start of the transaction
    duration_s: int | None = None  # None: the last period lasts for ever (or until the recurrence restarts)
    min_rate: float | None = None  # minChargingRate, in `unit`
    id: int | None = None  # 2.0.1 ChargingScheduleType.id


@dataclass(frozen=True, slots=True)
class Profile:
    id: int
    stack_level: int
    purpose: Purpose
    kind: Kind
    schedule: Schedule
    target: int = 0  # 1.6 connectorId / 2.0.1 evseId; 0: the whole station
    recurrency: Recurrency | None = None
    valid_from: float | None = None
    valid_to: float | None = None
    transaction_id: str | None = None
    source: str = "CSO"  # 2.0.1 ChargingLimitSourceEnumType: who set it (CSO: the CSMS)
    grid_critical: bool | None = None  # 2.0.1 ChargingLimitType.isGridCritical, of an external limit


@dataclass(frozen=True, slots=True)
class Outlet:
    """A connector (1.6) or EVSE (2.0.1) as the schedules see it."""

    target: int
    voltage_v: float
    phases: int  # AC phases wired; DC counts as 1
    max_current_a: float
    max_power_w: float
    dc: bool = False
    tx_id: str | None = None  # the running transaction, if any
    tx_start: float | None = None  # when it started (UTC seconds): the origin of Relative schedules

    def phases_for(self, number_phases: int | None) -> int:
        if self.dc:
            return 1
        return min(self.phases, number_phases or DEFAULT_PHASES)


@dataclass(frozen=True, slots=True)
class Limit:
    """A limit in A (per phase; DC: the current), in W, or both: each binds."""

    amps: float | None = None
    watts: float | None = None
    number_phases: int | None = None  # of the period that set it

    def tighter(self, other: Limit | None) -> Limit:
        if other is None:
            return self
        return Limit(
            _least(self.amps, other.amps), _least(self.watts, other.watts), self.number_phases or other.number_phases
        )

    def watts_for(self, voltage_v: float, phases: int) -> float:
        """The limit as power at `voltage_v` over `phases` phases (inf when there is none)."""
        amps = math.inf if self.amps is None else self.amps * voltage_v * phases
        return min(amps, math.inf if self.watts is None else self.watts)

    def amps_for(self, voltage_v: float, phases: int) -> float:
        watts = math.inf if self.watts is None else self.watts / (voltage_v * phases)
        return min(watts, math.inf if self.amps is None else self.amps)

    def in_unit(self, unit: RateUnit, voltage_v: float, phases: int) -> float:
        return self.amps_for(voltage_v, phases) if unit is RateUnit.A else self.watts_for(voltage_v, phases)


def _least(a: float | None, b: float | None) -> float | None:
    if a is None:
        return b
    return a if b is None else min(a, b)


def as_limit(value: float, unit: RateUnit, number_phases: int | None = None) -> Limit:
    return (
        Limit(amps=value, number_phases=number_phases)
        if unit is RateUnit.A
        else Limit(watts=value, number_phases=number_phases)
    )


@dataclass(frozen=True, slots=True)
class Capacity:
    """What the station accepts: 1.6 ChargeProfileMaxStackLevel, ChargingScheduleMaxPeriods,
    ChargingScheduleAllowedChargingRateUnit, MaxChargingProfilesInstalled; 2.0.1
    SmartChargingCtrlr ProfileStackLevel, PeriodsPerSchedule, RateUnit, Entries' maxLimit."""

    max_stack_level: int
    max_periods: int
    units: frozenset[RateUnit]
    max_installed: int
    same_level: SameLevel = SameLevel.REPLACE


@dataclass(frozen=True, slots=True)
class Verdict:
    """The answer to a SetChargingProfile: `reason` is the 2.0.1 reasonCode, `detail` for people."""

    accepted: bool
    reason: str | None = None
    detail: str = ""

    @property
    def status(self) -> str:
        return "Accepted" if self.accepted else "Rejected"


ACCEPTED = Verdict(True)


def _rejected(reason: str, detail: str) -> Verdict:
    return Verdict(False, reason, detail)


@dataclass(frozen=True, slots=True)
class CompositePeriod:
    start_s: int
    limit: float
    number_phases: int | None = None


@dataclass(frozen=True, slots=True)
class CompositeSchedule:
    target: int
    start: float
    duration_s: int
    unit: RateUnit
    periods: tuple[CompositePeriod, ...]
    min_rate: float | None = None


# --- one profile over time ---------------------------------------------------------------------
def _origin(p: Profile, outlet_start: float | None, ref: float) -> float:
    """Where the schedule's periods are counted from: startSchedule, else the transaction's start
    (1.6 section 7.13 "If absent the schedule will be relative to start of charging"; Relative
    kinds, 1.6 7.12 / 2.0.1 2.12), else `ref` (the start of the composite asked for)."""
    if p.kind is not Kind.RELATIVE and p.schedule.start is not None:
        return p.schedule.start
    return outlet_start if outlet_start is not None else ref


def _cycle(p: Profile) -> int | None:
    if p.kind is not Kind.RECURRING:
        return None
    return WEEK_S if p.recurrency is Recurrency.WEEKLY else DAY_S


def period_at(p: Profile, t: float, outlet_start: float | None = None, ref: float | None = None) -> Period | None:
    """The period of `p` in force at `t`, None when `p` is not (outside its validity or schedule)."""
    if (p.valid_from is not None and t < p.valid_from) or (p.valid_to is not None and t >= p.valid_to):
        return None
    origin = _origin(p, outlet_start, t if ref is None else ref)
    if t < origin:
        return None
    offset = t - origin
    cycle = _cycle(p)
    if cycle is not None:
        offset %= cycle  # a recurring schedule restarts at its first period (1.6 7.12, 2.0.1 2.12)
    duration = p.schedule.duration_s
    if duration is not None and offset >= duration:
        return None
    found = None
    for period in p.schedule.periods:
        if period.start_s > offset:
            break
        found = period
    return found


def _instants(p: Profile, a: float, b: float, outlet_start: float | None, ref: float) -> Iterator[float]:
    """Every instant in (a, b) at which `p`'s limit may change."""
    for t in (p.valid_from, p.valid_to):
        if t is not None:
            yield t
    origin = _origin(p, outlet_start, ref)
    offsets = [period.start_s for period in p.schedule.periods]
    if p.schedule.duration_s is not None:
        offsets.append(p.schedule.duration_s)
    cycle = _cycle(p)
    if cycle is None:
        yield from (origin + o for o in offsets)
        return
    first = max(0, math.floor((a - origin) / cycle))
    k = first
    while origin + k * cycle < b:
        yield from (origin + k * cycle + o for o in offsets if o < cycle)
        k += 1


# --- the installed profiles ------------------------------------------------------------------------
@dataclass
class ChargingProfiles:
    """The profiles installed on one station, and their combination."""

    profiles: list[Profile] = field(default_factory=list)

    def __len__(self) -> int:
        return len(self.profiles)

    # --- SetChargingProfile -------------------------------------------------------------------
    def check(self, p: Profile, outlets: Mapping[int, Outlet], capacity: Capacity) -> Verdict:
        """Whether `p` may be installed, with the status and reason the specifications name."""
        problem = _shape_problem(p, capacity)
        if problem is not None:
            return problem
        if p.target != 0 and p.target not in outlets:
            # 1.6 section 5.16 (an unknown connector); 2.0.1 K01.FR.28.
            return _rejected("UnknownEvse", f"there is no connector/EVSE {p.target}")
        if p.purpose is Purpose.STATION_MAX and p.target != 0:
            # 1.6 section 7.9 (ChargePointMaxProfile only on connector 0); 2.0.1 K01.FR.38 (evseId 0).
            return _rejected("InvalidValue", "a station maximum profile is set on connector/EVSE 0 only")
        if p.purpose is Purpose.TX:
            problem = _tx_problem(p, outlets)
            if problem is not None:
                return problem
        if capacity.same_level is SameLevel.REJECT:
            clash = next((q for q in self.profiles if q.id != p.id and _same_level(p, q) and _overlap(p, q)), None)
            if clash is not None:
                return _rejected(
                    "DuplicateProfile",
                    f"profile {clash.id} has the same purpose and stack level on this target while valid",
                )
        after = len([q for q in self.profiles if not self._replaced_by(q, p, capacity)]) + 1
        if after > capacity.max_installed:
            # 1.6 MaxChargingProfilesInstalled; 2.0.1 SmartChargingCtrlr.Entries maxLimit.
            return _rejected("InvalidValue", f"{capacity.max_installed} profiles are installed already")
        return ACCEPTED

    @staticmethod
    def _replaced_by(old: Profile, new: Profile, capacity: Capacity) -> bool:
        # Both versions replace a profile with the same id (1.6 5.16, 2.0.1 K01.FR.05); 1.6 also one
        # with the same stack level and purpose (on the same connector).
        if old.id == new.id:
            return True
        return capacity.same_level is SameLevel.REPLACE and _same_level(old, new)

    def install(self, p: Profile, outlets: Mapping[int, Outlet], capacity: Capacity) -> Verdict:
        verdict = self.check(p, outlets, capacity)
        if verdict.accepted:
            self.profiles = [q for q in self.profiles if not self._replaced_by(q, p, capacity)]
            self.profiles.append(p)
        return verdict

    # --- ClearChargingProfile / GetChargingProfiles ----------------------------------------------
    def matching(
        self,
        *,
        profile_ids: Iterable[int] | None = None,
        target: int | None = None,
        purpose: Purpose | None = None,
        stack_level: int | None = None,
    ) -> list[Profile]:
        """The profiles that meet every criterion given (None: any)."""
        ids = None if profile_ids is None else set(profile_ids)
        return [
            p
            for p in self.profiles
            if (ids is None or p.id in ids)
            and (target is None or p.target == target)
            and (purpose is None or p.purpose is purpose)
            and (stack_level is None or p.stack_level == stack_level)
        ]

    def clear(
        self,
        profile_id: int | None = None,
        *,
        target: int | None = None,
        purpose: Purpose | None = None,
        stack_level: int | None = None,
    ) -> bool:
        """Remove by id, or else by every criterion given; True ("Accepted") if anything matched,
        False ("Unknown") otherwise (1.6 section 5.5, 2.0.1 K10). An id makes the other criteria moot."""
        if profile_id is not None:
            gone = self.matching(profile_ids=[profile_id])
        else:
            gone = self.matching(target=target, purpose=purpose, stack_level=stack_level)
        # An external constraint is the station's own (K01.FR.22): only its source clears it.
        gone = [p for p in gone if p.purpose is not Purpose.EXTERNAL]
        self.profiles = [p for p in self.profiles if p not in gone]
        return bool(gone)

    def transaction_ended(self, target: int) -> list[Profile]:
        """A TxProfile lives as long as its transaction (1.6 section 3.13.4; 2.0.1 ChargingProfilePurposeEnumType
        TxProfile: it ceases to be valid when the transaction ends)."""
        gone = self.matching(target=target, purpose=Purpose.TX)
        self.profiles = [p for p in self.profiles if p not in gone]
        return gone

    # --- the combination -------------------------------------------------------------------------
    def _winner(
        self, purpose: Purpose, targets: tuple[int, ...], t: float, start: float | None, ref: float
    ) -> tuple[Profile, Period] | None:
        """Within one purpose the highest stack level in force wins (1.6 3.13.2, 2.0.1 K08); at a tie
        a profile for the connector/EVSE itself goes before one for the whole station."""
        best: tuple[tuple[int, bool], Profile, Period] | None = None
        for p in self.profiles:
            if p.purpose is not purpose or p.target not in targets:
                continue
            period = period_at(p, t, start, ref)
            if period is None:
                continue
            rank = (p.stack_level, p.target != 0)
            if best is None or rank > best[0]:
                best = (rank, p, period)
        return None if best is None else (best[1], best[2])

    def own_limit_at(self, outlet: Outlet, t: float, ref: float | None = None) -> Limit:
        """The limit of one connector/EVSE without the station maximum: its rating, capped by its
        TxProfile if one is in force, else by its TxDefaultProfile (1.6 3.13.2: TxProfile overrides
        TxDefaultProfile)."""
        ref = t if ref is None else ref
        own = Limit(amps=outlet.max_current_a, watts=outlet.max_power_w)
        chosen = None
        if outlet.tx_id is not None:
            chosen = self._winner(Purpose.TX, (outlet.target,), t, outlet.tx_start, ref)
        if chosen is None:
            chosen = self._winner(Purpose.TX_DEFAULT, (outlet.target, 0), t, outlet.tx_start, ref)
        # 2.0.1 K11-K14: an external constraint on the EVSE binds whatever the CSMS's profiles allow.
        own = own.tighter(self.external_at(outlet.target, t)) if outlet.target != 0 else own
        if chosen is None:
            return own
        p, period = chosen
        return as_limit(period.limit, p.schedule.unit, period.number_phases).tighter(own)

    def external_at(self, target: int, t: float) -> Limit | None:
        """The external constraint (2.0.1 ChargingStationExternalConstraints) on `target` (0: the station)."""
        chosen = self._winner(Purpose.EXTERNAL, (target,), t, None, t)
        if chosen is None:
            return None
        p, period = chosen
        return as_limit(period.limit, p.schedule.unit, period.number_phases)

    def station_max_at(self, t: float) -> Limit | None:
        """The station maximum at `t`: its profile, capped by an external constraint on the whole station."""
        external = self.external_at(0, t)
        chosen = self._winner(Purpose.STATION_MAX, (0,), t, None, t)
        if chosen is None:
            return external
        p, period = chosen
        return as_limit(period.limit, p.schedule.unit, period.number_phases).tighter(external)

    def limit_at(self, outlet: Outlet, t: float, ref: float | None = None) -> Limit:
        """The composite limit of one connector/EVSE at `t`, capped by the station maximum."""
        return self.own_limit_at(outlet, t, ref).tighter(self.station_max_at(t))

    def station_value_at(self, outlets: Iterable[Outlet], t: float, unit: RateUnit, ref: float | None = None) -> float:
        """The station as a whole (connector/EVSE 0): its connectors' limits added, capped by the maximum
        (1.6 section 5.7: connector 0 reports the expected consumption of the grid connection)."""
        outlets = list(outlets)
        total = sum(_value(self.own_limit_at(o, t, ref), unit, o, None) for o in outlets)
        cap = self.station_max_at(t)
        if cap is None or not outlets:
            return total
        voltage = max(o.voltage_v for o in outlets)
        phases = max(o.phases_for(cap.number_phases) for o in outlets)
        return min(total, cap.in_unit(unit, voltage, phases))

    def changes(self, a: float, b: float, outlets: Iterable[Outlet], ref: float | None = None) -> list[float]:
        """Every instant in (a, b) at which a limit of these outlets may change, in order."""
        ref = a if ref is None else ref
        starts = {o.tx_start for o in outlets} | {None}
        found = {t for p in self.profiles for s in starts for t in _instants(p, a, b, s, ref) if a < t < b}
        return sorted(found)

    def next_change(self, t: float, outlets: Iterable[Outlet], horizon_s: float = WEEK_S + DAY_S) -> float | None:
        found = self.changes(t, t + horizon_s, outlets, ref=t)
        return found[0] if found else None

    def composite(
        self, outlet: Outlet | None, outlets: Iterable[Outlet], start: float, duration_s: int, unit: RateUnit
    ) -> CompositeSchedule:
        """The composite schedule from `start` for `duration_s` seconds, of one connector/EVSE, or of the
        station (`outlet` None). Periods of equal limit are merged; the first starts at 0."""
        outlets = list(outlets)
        concerned = outlets if outlet is None else [outlet]
        instants = [start, *self.changes(start, start + duration_s, concerned, ref=start)]
        periods: list[CompositePeriod] = []
        for t in instants:
            if outlet is None:
                value, phases = self.station_value_at(outlets, t, unit, ref=start), None
            else:
                limit = self.limit_at(outlet, t, ref=start)
                value, phases = _value(limit, unit, outlet, limit.number_phases), limit.number_phases
            entry = CompositePeriod(round(t - start), round(value, 1), phases)
            if periods and periods[-1].start_s == entry.start_s:
                periods.pop()
            if not periods or (periods[-1].limit, periods[-1].number_phases) != (entry.limit, entry.number_phases):
                periods.append(entry)
        periods[0] = replace(periods[0], start_s=0)
        rates = [p.schedule.min_rate for p in self.profiles if p.schedule.min_rate is not None]
        target = 0 if outlet is None else outlet.target
        return CompositeSchedule(target, start, duration_s, unit, tuple(periods), min(rates) if rates else None)


def _value(limit: Limit, unit: RateUnit, outlet: Outlet, number_phases: int | None) -> float:
    return limit.in_unit(unit, outlet.voltage_v, outlet.phases_for(number_phases or outlet.phases))


def _same_level(a: Profile, b: Profile) -> bool:
    same = a.purpose is b.purpose and a.stack_level == b.stack_level and a.target == b.target
    if same and a.purpose is Purpose.TX:
        return a.transaction_id == b.transaction_id or None in (a.transaction_id, b.transaction_id)
    return same


def _overlap(a: Profile, b: Profile) -> bool:
    a_from, a_to = a.valid_from or -math.inf, a.valid_to or math.inf
    b_from, b_to = b.valid_from or -math.inf, b.valid_to or math.inf
    return a_from < b_to and b_from < a_to


def _shape_problem(p: Profile, capacity: Capacity) -> Verdict | None:
    """What is wrong with the profile itself, whatever is installed."""
    s = p.schedule
    if not 0 <= p.stack_level <= capacity.max_stack_level:
        # 1.6 ChargeProfileMaxStackLevel; 2.0.1 SmartChargingCtrlr.ProfileStackLevel.
        return _rejected("InvalidStackLevel", f"stack level {p.stack_level} is above {capacity.max_stack_level}")
    if s.unit not in capacity.units:
        # 1.6 ChargingScheduleAllowedChargingRateUnit; 2.0.1 K01.FR.26 (SmartChargingCtrlr.RateUnit).
        return _rejected("UnsupportedRateUnit", f"the station does not take limits in {s.unit}")
    if not s.periods or len(s.periods) > capacity.max_periods:
        # 1.6 ChargingScheduleMaxPeriods; 2.0.1 SmartChargingCtrlr.PeriodsPerSchedule.
        return _rejected("InvalidSchedule", f"a schedule has 1 to {capacity.max_periods} periods, got {len(s.periods)}")
    starts = [period.start_s for period in s.periods]
    if starts[0] != 0 or any(b <= a for a, b in pairwise(starts)):
        # 2.0.1 K01.FR.31 (the first period starts at 0) and K01.FR.35 (in increasing order).
        return _rejected("InvalidSchedule", f"periods must start at 0 and increase, got {starts}")
    if any(period.limit < 0 or (period.number_phases not in (None, 1, 2, 3)) for period in s.periods):
        return _rejected("InvalidValue", "a period's limit is 0 or more and numberPhases 1 to 3")
    if p.kind is Kind.RECURRING and (p.recurrency is None or s.start is None):
        # 1.6 7.12 / 2.0.1 K01.FR.40: a recurring schedule needs its kind and a startSchedule.
        return _rejected("InvalidSchedule", "a Recurring profile needs recurrencyKind and startSchedule")
    if p.purpose is Purpose.STATION_MAX and p.kind is Kind.RELATIVE:
        # 2.0.1 K01.FR.38: a station maximum has no transaction to be relative to.
        return _rejected("InvalidProfile", "a station maximum profile cannot be Relative")
    if p.valid_from is not None and p.valid_to is not None and p.valid_to <= p.valid_from:
        return _rejected("InvalidValue", "validTo is not after validFrom")
    return None


def _tx_problem(p: Profile, outlets: Mapping[int, Outlet]) -> Verdict | None:
    if p.target == 0:
        # 2.0.1 K01.FR.16: a TxProfile names its EVSE; 1.6 has no transaction on connector 0.
        return _rejected("InvalidValue", "a TxProfile is set on a connector/EVSE, not on 0")
    outlet = outlets[p.target]
    if outlet.tx_id is None:
        # 1.6 section 5.16 "no transaction active on the connector"; 2.0.1 K01.FR.09.
        return _rejected("TxNotFound", f"no transaction runs on connector/EVSE {p.target}")
    if p.transaction_id is not None and p.transaction_id != outlet.tx_id:
        # 1.6 section 5.16 (the transactionId avoids a mismatch); 2.0.1 K01.FR.33.
        return _rejected("TxNotFound", f"transaction {p.transaction_id} does not run on connector/EVSE {p.target}")
    return None


def share(total: float, wanted: list[float]) -> list[float]:
    """Split `total` between consumers that each want at most `wanted[i]`, equally, with what one
    does not need going to the others (water-filling). The sum never exceeds `total`."""
    given = [0.0] * len(wanted)
    left = max(0.0, total)
    order = sorted(range(len(wanted)), key=lambda i: wanted[i])
    for n, i in enumerate(order):
        fair = left / (len(order) - n)
        given[i] = min(max(0.0, wanted[i]), fair)
        left -= given[i]
    return given
