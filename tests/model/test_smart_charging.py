"""Charging profiles and the composite schedule: validation as the specifications name it, and the
combination checked against an independent evaluation of the profiles (property-based)."""

from __future__ import annotations

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ocpplab_desktop.model.smart_charging import (
    DAY_S,
    Capacity,
    ChargingProfiles,
    Kind,
    Outlet,
    Period,
    Profile,
    Purpose,
    RateUnit,
    Recurrency,
    SameLevel,
    Schedule,
    share,
)

T0 = 1_800_000_000.0  # 2027-01-15T08:00:00Z
AC = Outlet(target=1, voltage_v=230.0, phases=3, max_current_a=32.0, max_power_w=22_080.0)
AC_TX = Outlet(target=1, voltage_v=230.0, phases=3, max_current_a=32.0, max_power_w=22_080.0, tx_id="7", tx_start=T0)
OUTLETS = {1: AC_TX, 2: Outlet(target=2, voltage_v=230.0, phases=3, max_current_a=32.0, max_power_w=22_080.0)}
CAPACITY = Capacity(max_stack_level=10, max_periods=24, units=frozenset(RateUnit), max_installed=20)


def profile(
    pid: int,
    limits: list[tuple[int, float]],
    *,
    purpose: Purpose = Purpose.TX_DEFAULT,
    unit: RateUnit = RateUnit.A,
    level: int = 0,
    target: int = 1,
    start: float | None = T0,
    kind: Kind = Kind.ABSOLUTE,
    duration: int | None = None,
    **more: object,
) -> Profile:
    periods = tuple(Period(s, v) for s, v in limits)
    schedule = Schedule(unit, periods, start=start, duration_s=duration)
    return Profile(pid, level, purpose, kind, schedule, target=target, **more)  # type: ignore[arg-type]


def installed(*profiles: Profile, capacity: Capacity = CAPACITY) -> ChargingProfiles:
    store = ChargingProfiles()
    for p in profiles:
        verdict = store.install(p, OUTLETS, capacity)
        assert verdict.accepted, verdict
    return store


def watts_at(schedule_periods: tuple[tuple[int, float], ...], offset: float) -> float:
    """Independent reading of a composite: the last period that started at or before `offset`."""
    value = schedule_periods[0][1]
    for start, limit in schedule_periods:
        if start <= offset:
            value = limit
    return value


# --- validation ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("bad", "reason"),
    [
        (profile(1, [(0, 16)], level=11), "InvalidStackLevel"),
        (profile(1, [(i * 60, 16) for i in range(25)]), "InvalidSchedule"),
        (profile(1, [(60, 16)]), "InvalidSchedule"),
        (profile(1, [(0, 16), (0, 8)]), "InvalidSchedule"),
        (profile(1, [(0, 16)], target=9), "UnknownEvse"),
        (profile(1, [(0, 16)], purpose=Purpose.STATION_MAX, target=1), "InvalidValue"),
        (profile(1, [(0, 16)], purpose=Purpose.TX, target=2), "TxNotFound"),
        (profile(1, [(0, 16)], purpose=Purpose.TX, target=1, transaction_id="8"), "TxNotFound"),
        (profile(1, [(0, 16)], purpose=Purpose.TX, target=0), "InvalidValue"),
        (profile(1, [(0, 16)], kind=Kind.RECURRING), "InvalidSchedule"),
        (
            profile(1, [(0, 16)], purpose=Purpose.STATION_MAX, target=0, kind=Kind.RELATIVE, start=None),
            "InvalidProfile",
        ),
    ],
)
def test_invalid_profiles_are_rejected_with_the_reason_the_specification_names(bad: Profile, reason: str) -> None:
    verdict = ChargingProfiles().install(bad, OUTLETS, CAPACITY)
    assert (verdict.status, verdict.reason) == ("Rejected", reason)


def test_a_unit_the_station_does_not_allow_is_rejected() -> None:
    amps_only = Capacity(10, 24, frozenset({RateUnit.A}), 20)
    verdict = ChargingProfiles().install(profile(1, [(0, 11_000)], unit=RateUnit.W), OUTLETS, amps_only)
    assert (verdict.status, verdict.reason) == ("Rejected", "UnsupportedRateUnit")


def test_more_profiles_than_max_installed_are_rejected_but_a_replacement_is_not() -> None:
    two = Capacity(10, 24, frozenset(RateUnit), max_installed=2)
    store = installed(profile(1, [(0, 16)], level=1), profile(2, [(0, 16)], level=2), capacity=two)
    assert not store.install(profile(3, [(0, 16)], level=3), OUTLETS, two).accepted
    assert store.install(profile(2, [(0, 10)], level=5), OUTLETS, two).accepted  # same id: replaces
    assert sorted(p.id for p in store.profiles) == [1, 2]


def test_16_a_profile_with_the_same_id_or_the_same_stack_level_and_purpose_replaces_the_old_one() -> None:
    store = installed(profile(1, [(0, 16)], level=1), profile(2, [(0, 10)], level=2))
    store.install(profile(3, [(0, 8)], level=2), OUTLETS, CAPACITY)
    store.install(profile(1, [(0, 6)], level=4), OUTLETS, CAPACITY)
    assert sorted((p.id, p.stack_level) for p in store.profiles) == [(1, 4), (3, 2)]


def test_201_same_stack_level_and_purpose_while_valid_is_rejected_not_replaced() -> None:
    strict = Capacity(10, 24, frozenset(RateUnit), 20, same_level=SameLevel.REJECT)
    store = installed(profile(1, [(0, 16)], level=2, valid_to=T0 + 3600), capacity=strict)
    clash = store.install(profile(2, [(0, 8)], level=2), OUTLETS, strict)
    assert (clash.status, clash.reason) == ("Rejected", "DuplicateProfile")
    later = store.install(profile(3, [(0, 8)], level=2, valid_from=T0 + 3600), OUTLETS, strict)
    assert later.accepted


def test_clear_by_id_by_purpose_and_by_stack_level_answers_accepted_or_unknown() -> None:
    store = installed(
        profile(1, [(0, 16)], level=1),
        profile(2, [(0, 10)], level=2, target=0),
        profile(3, [(0, 20_000)], purpose=Purpose.STATION_MAX, target=0, unit=RateUnit.W),
    )
    assert store.clear(99) is False
    assert store.clear(1, purpose=Purpose.STATION_MAX) is True  # the id decides alone
    assert [p.id for p in store.profiles] == [2, 3]
    assert store.clear(target=1) is False
    assert store.clear(purpose=Purpose.TX_DEFAULT, stack_level=2) is True
    assert store.clear(target=0) is True and len(store) == 0


def test_tx_profiles_go_with_their_transaction() -> None:
    store = installed(profile(1, [(0, 10)], purpose=Purpose.TX, transaction_id="7"), profile(2, [(0, 16)]))
    assert [p.id for p in store.transaction_ended(1)] == [1]
    assert [p.id for p in store.profiles] == [2]


# --- the combination: worked examples ----------------------------------------------------------------
def test_tx_profile_overrides_tx_default_and_the_station_maximum_caps_both() -> None:
    store = installed(
        profile(1, [(0, 16)], level=5),
        profile(2, [(0, 10), (1800, 25)], purpose=Purpose.TX, level=0),
        profile(3, [(0, 11_000)], purpose=Purpose.STATION_MAX, target=0, unit=RateUnit.W),
    )
    composite = store.composite(AC_TX, OUTLETS.values(), T0, 3600, RateUnit.W)
    # 10 A x 230 V x 3 = 6,900 W, then 25 A would be 17,250 W but the maximum is 11,000 W.
    assert [(p.start_s, p.limit) for p in composite.periods] == [(0, 6900.0), (1800, 11_000.0)]


def test_no_profile_leaves_the_connector_at_its_own_rating() -> None:
    composite = ChargingProfiles().composite(AC, [AC], T0, 600, RateUnit.A)
    assert [(p.start_s, p.limit) for p in composite.periods] == [(0, 32.0)]


def test_the_station_composite_adds_the_connectors_and_is_capped_by_the_maximum() -> None:
    store = installed(
        profile(1, [(0, 10)], target=0),
        profile(2, [(0, 20_000), (600, 5_000)], purpose=Purpose.STATION_MAX, target=0, unit=RateUnit.W),
    )
    composite = store.composite(None, OUTLETS.values(), T0, 1200, RateUnit.W)
    assert [(p.start_s, p.limit) for p in composite.periods] == [(0, 13_800.0), (600, 5_000.0)]


def test_an_expired_profile_gives_way_to_the_one_below_it() -> None:
    store = installed(profile(1, [(0, 16)], level=0), profile(2, [(0, 6)], level=3, valid_to=T0 + 900))
    composite = store.composite(AC_TX, OUTLETS.values(), T0, 1800, RateUnit.A)
    assert [(p.start_s, p.limit) for p in composite.periods] == [(0, 6.0), (900, 16.0)]


def test_a_relative_schedule_counts_from_the_start_of_the_transaction() -> None:
    store = installed(profile(1, [(0, 6), (600, 16)], kind=Kind.RELATIVE, start=None))
    composite = store.composite(AC_TX, OUTLETS.values(), T0 + 300, 900, RateUnit.A)
    assert [(p.start_s, p.limit) for p in composite.periods] == [(0, 6.0), (300, 16.0)]


def test_amps_and_watts_convert_with_the_voltage_and_the_phases() -> None:
    store = installed(profile(1, [(0, 11_040)], unit=RateUnit.W))
    assert store.limit_at(AC_TX, T0).amps_for(230.0, 3) == pytest.approx(16.0)
    one_phase = installed(profile(1, [(0, 16)]))
    one_phase.profiles[0] = Profile(
        1, 0, Purpose.TX_DEFAULT, Kind.ABSOLUTE, Schedule(RateUnit.A, (Period(0, 16, 1),), start=T0), target=1
    )
    composite = one_phase.composite(AC_TX, OUTLETS.values(), T0, 60, RateUnit.W)
    assert [(p.limit, p.number_phases) for p in composite.periods] == [(3680.0, 1)]


# --- the combination: properties ------------------------------------------------------------------
limits_a = st.integers(min_value=0, max_value=40)
schedules = st.lists(st.tuples(st.integers(min_value=1, max_value=7200), limits_a), max_size=6).map(
    lambda tail: [(0, float(tail[0][1] if tail else 16)), *sorted({s: float(v) for s, v in tail}.items())]
)


@settings(max_examples=60, deadline=None)
@given(
    tx_default=schedules,
    tx=st.one_of(st.none(), schedules),
    station_max=st.lists(st.tuples(st.integers(min_value=1, max_value=7200), st.integers(0, 30_000)), max_size=5),
    first_max=st.integers(min_value=0, max_value=30_000),
)
def test_the_composite_never_exceeds_the_station_maximum(
    tx_default: list[tuple[int, float]],
    tx: list[tuple[int, float]] | None,
    station_max: list[tuple[int, int]],
    first_max: int,
) -> None:
    max_periods = tuple([(0, float(first_max)), *sorted({s: float(v) for s, v in station_max}.items())])
    profiles = [
        profile(1, tx_default),
        profile(3, list(max_periods), purpose=Purpose.STATION_MAX, target=0, unit=RateUnit.W),
    ]
    if tx is not None:
        profiles.append(profile(2, tx, purpose=Purpose.TX))
    store = installed(*profiles)
    composite = store.composite(AC_TX, OUTLETS.values(), T0, 7200, RateUnit.W)
    periods = tuple((p.start_s, p.limit) for p in composite.periods)
    for offset in range(0, 7200, 97):
        assert watts_at(periods, offset) <= watts_at(max_periods, offset) + 0.05
        expected_a = watts_at(tuple(tx if tx is not None else tx_default), offset)
        own = min(expected_a, 32.0) * 230.0 * 3
        assert watts_at(periods, offset) == pytest.approx(min(own, watts_at(max_periods, offset)), abs=0.05)


@settings(max_examples=60, deadline=None)
@given(limits=schedules, duration=st.integers(min_value=60, max_value=7200))
def test_with_one_profile_the_composite_is_that_profile(limits: list[tuple[int, float]], duration: int) -> None:
    store = installed(profile(1, limits, duration=duration))
    composite = store.composite(AC_TX, OUTLETS.values(), T0, 9000, RateUnit.A)
    periods = tuple((p.start_s, p.limit) for p in composite.periods)
    for offset in range(0, 9000, 61):
        expected = min(watts_at(tuple(limits), offset), 32.0) if offset < duration else 32.0
        assert watts_at(periods, offset) == expected


@settings(max_examples=60, deadline=None)
@given(
    low=limits_a,
    high=limits_a,
    levels=st.tuples(st.integers(0, 9), st.integers(1, 10)).filter(lambda lv: lv[0] < lv[1]),
    valid=st.tuples(st.integers(0, 3000), st.integers(1, 3000)),
)
def test_a_higher_stack_level_of_the_same_purpose_wins_while_it_is_valid(
    low: int, high: int, levels: tuple[int, int], valid: tuple[int, int]
) -> None:
    valid_from, valid_to = T0 + valid[0], T0 + valid[0] + valid[1]
    store = installed(
        profile(1, [(0, float(low))], level=levels[0]),
        profile(2, [(0, float(high))], level=levels[1], valid_from=valid_from, valid_to=valid_to),
    )
    for t in range(0, 7000, 37):
        inside = valid_from <= T0 + t < valid_to
        assert store.limit_at(AC_TX, T0 + t).amps == min(32, high if inside else low)


@settings(max_examples=40, deadline=None)
@given(limits=schedules, t=st.floats(min_value=0, max_value=DAY_S, allow_nan=False), days=st.integers(1, 30))
def test_a_daily_recurring_profile_repeats_every_24_hours(limits: list[tuple[int, float]], t: float, days: int) -> None:
    store = installed(profile(1, limits, kind=Kind.RECURRING, recurrency=Recurrency.DAILY, duration=8 * 3600))
    assert store.limit_at(AC_TX, T0 + t) == store.limit_at(AC_TX, T0 + t + days * DAY_S)


def test_a_weekly_profile_is_not_a_daily_one() -> None:
    store = installed(profile(1, [(0, 6), (DAY_S, 16)], kind=Kind.RECURRING, recurrency=Recurrency.WEEKLY))
    assert store.limit_at(AC_TX, T0 + 3600).amps == 6
    assert store.limit_at(AC_TX, T0 + DAY_S + 3600).amps == 16
    assert store.limit_at(AC_TX, T0 + 7 * DAY_S + 3600).amps == 6


@settings(max_examples=100, deadline=None)
@given(total=st.floats(0, 1e5), wanted=st.lists(st.floats(0, 5e4), max_size=6))
def test_a_shared_limit_is_never_exceeded_and_nobody_gets_more_than_it_wants(total: float, wanted: list[float]) -> None:
    given_out = share(total, wanted)
    assert sum(given_out) <= total * (1 + 1e-9) + 1e-9
    assert all(g <= w + 1e-9 for g, w in zip(given_out, wanted, strict=True))
    if sum(wanted) <= total:
        assert given_out == pytest.approx(wanted)
    elif wanted:
        assert sum(given_out) == pytest.approx(total)


def test_next_change_finds_the_next_period_boundary() -> None:
    store = installed(profile(1, [(0, 16), (600, 6)], valid_to=T0 + 1500))
    assert store.next_change(T0 + 10, [AC_TX]) == T0 + 600
    assert store.next_change(T0 + 600, [AC_TX]) == T0 + 1500
    assert store.next_change(T0 + 1500, [AC_TX]) is None
    assert math.isfinite(store.limit_at(AC_TX, T0 + 2000).watts_for(230.0, 3))
