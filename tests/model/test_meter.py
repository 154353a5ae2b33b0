"""The connector meter: energy is the integral of power, and power obeys every limit."""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ocpplab_desktop.model.config import ConnectorConfig, CurrentType
from ocpplab_desktop.model.meter import (
    EV_AC_11KW,
    EV_AC_22KW,
    EV_DC_150KW,
    ConnectorMeter,
    EvProfile,
    default_ev_for,
    limit_from_amps,
)

AC_3PH = ConnectorConfig()  # 3 x 32 A, 230 V, 22,080 W
AC_1PH = ConnectorConfig(phases=1, max_current_a=32.0, max_power_w=7_360.0)
CCS2 = ConnectorConfig(
    type="CCS2", current_type=CurrentType.DC, max_current_a=400.0, max_power_w=150_000.0, voltage_v=500.0
)


def plugged(connector: ConnectorConfig, ev: EvProfile, energy_wh: float = 0.0) -> ConnectorMeter:
    meter = ConnectorMeter(connector, energy_wh=energy_wh)
    meter.plug(ev)
    return meter


def drawing_power(meter: ConnectorMeter) -> float:
    meter.advance(0.0, drawing=True)
    return meter.power_w


def assert_v_times_i_is_p(meter: ConnectorMeter) -> None:
    reading = meter.snapshot()
    assert reading.power_w > 0
    assert sum(reading.voltage_v * i for i in reading.current_a) == pytest.approx(reading.power_w, rel=1e-12)


def test_22kw_for_30_minutes_adds_power_times_time_to_the_register() -> None:
    meter = plugged(AC_3PH, EV_AC_22KW, energy_wh=1_000_000.0)
    meter.advance(1800.0, drawing=True)
    assert meter.energy_wh == pytest.approx(1_000_000.0 + 22_080.0 * 0.5, abs=1e-6)
    assert meter.session_energy_wh == pytest.approx(11_040.0, abs=1e-6)


def test_one_big_step_and_many_small_steps_give_the_same_energy() -> None:
    big = plugged(CCS2, EV_DC_150KW)
    small = plugged(CCS2, EV_DC_150KW)
    big.advance(1500.0, drawing=True)
    for _ in range(1500):
        small.advance(1.0, drawing=True)
    assert small.energy_wh == pytest.approx(big.energy_wh, rel=1e-9)
    assert small.soc == pytest.approx(big.soc, rel=1e-9)


def test_dc_energy_matches_an_independent_integration_of_the_charging_curve() -> None:
    ev = EV_DC_150KW

    def expected_power(soc: float) -> float:
        volts = 400.0 * (0.875 + 0.15 * soc / 100.0)
        taper = 150_000.0 if soc <= 55 else 150_000.0 * (1 - 0.9 * (soc - 55) / 45)
        return min(150_000.0, 400.0 * volts, 500.0 * volts, taper)

    soc, energy, step = ev.soc_start, 0.0, 0.25
    for _ in range(int(1200 / step)):  # classic RK4 on dSoC/dt = P / capacity
        k = 100.0 / (3600.0 * ev.battery_wh)
        k1 = expected_power(soc)
        k2 = expected_power(soc + k * k1 * step / 2)
        k3 = expected_power(soc + k * k2 * step / 2)
        k4 = expected_power(soc + k * k3 * step)
        delivered = step * (k1 + 2 * k2 + 2 * k3 + k4) / 6 / 3600.0
        energy += delivered
        soc += delivered * 100.0 / ev.battery_wh
    meter = plugged(CCS2, ev)
    meter.advance(1200.0, drawing=True)
    assert 55 < soc < ev.soc_target, "the 20 minutes must cross the taper knee and stop short of the target"
    assert meter.energy_wh == pytest.approx(energy, rel=1e-6)
    assert meter.soc == pytest.approx(soc, rel=1e-6)


def test_register_never_decreases_and_survives_sessions() -> None:
    meter = plugged(AC_3PH, EV_AC_11KW, energy_wh=500.0)
    readings = [meter.energy_wh]
    for dt, drawing in [(10.0, True), (0.0, True), (30.0, False), (3600.0, True), (0.5, True)]:
        meter.advance(dt, drawing=drawing)
        readings.append(meter.energy_wh)
    first_session = meter.session_energy_wh
    meter.unplug()
    meter.plug(EV_AC_22KW)
    meter.advance(60.0, drawing=True)
    readings.append(meter.energy_wh)
    assert readings == sorted(readings)
    assert readings[-1] == pytest.approx(500.0 + first_session + 22_080.0 / 60.0)
    assert meter.session_energy_wh == pytest.approx(22_080.0 / 60.0)


def test_not_drawing_means_no_power_no_current_but_a_voltage() -> None:
    meter = plugged(AC_3PH, EV_AC_22KW)
    meter.advance(600.0, drawing=False)
    reading = meter.snapshot()
    assert (reading.energy_wh, reading.power_w, reading.current_a) == (0.0, 0.0, (0.0, 0.0, 0.0))
    assert reading.voltage_v == 230.0


@pytest.mark.parametrize(
    ("connector", "ev", "power", "currents"),
    [
        (AC_3PH, EV_AC_22KW, 22_080.0, (32.0, 32.0, 32.0)),
        (AC_1PH, EV_AC_22KW, 7_360.0, (32.0,)),
        (AC_3PH, EvProfile("1-phase car", 7_400.0, 32.0, 40_000.0, phases=1), 7_360.0, (32.0, 0.0, 0.0)),
    ],
)
def test_ac_current_is_spread_over_the_phases_the_car_uses(
    connector: ConnectorConfig, ev: EvProfile, power: float, currents: tuple[float, ...]
) -> None:
    meter = plugged(connector, ev)
    assert drawing_power(meter) == pytest.approx(power)
    assert meter.current_a == pytest.approx(currents)
    assert_v_times_i_is_p(meter)


def test_dc_current_times_battery_voltage_is_the_power() -> None:
    meter = plugged(CCS2, EV_DC_150KW)
    meter.advance(900.0, drawing=True)
    assert len(meter.current_a) == 1
    assert_v_times_i_is_p(meter)


def test_dc_voltage_rises_with_state_of_charge() -> None:
    meter = plugged(CCS2, EV_DC_150KW)
    at_start = meter.voltage_v
    meter.advance(1200.0, drawing=True)
    assert at_start == pytest.approx(356.0)
    assert meter.voltage_v > at_start


def test_ac_power_is_the_lowest_of_car_connector_and_limit() -> None:
    assert drawing_power(plugged(AC_3PH, EV_AC_11KW)) == pytest.approx(11_040.0)  # the car's charger
    small = ConnectorConfig(max_current_a=16.0, max_power_w=11_040.0)
    assert drawing_power(plugged(small, EV_AC_22KW)) == pytest.approx(11_040.0)  # the connector
    limited = plugged(AC_3PH, EV_AC_22KW)
    limited.set_limit(9_000.0)
    assert drawing_power(limited) == pytest.approx(9_000.0)
    limited.set_limit(None)
    assert drawing_power(limited) == pytest.approx(22_080.0)


def test_a_limit_in_watts_and_one_in_amps_both_bind_and_v_times_i_stays_p() -> None:
    meter = plugged(AC_3PH, EV_AC_22KW)
    meter.set_limits(9_000.0, 10.0)  # 10 A x 230 V x 3 = 6,900 W is the lower
    assert drawing_power(meter) == pytest.approx(6_900.0)
    assert meter.limit_w == pytest.approx(6_900.0)
    assert_v_times_i_is_p(meter)
    meter.set_limits(5_000.0, 10.0)
    assert drawing_power(meter) == pytest.approx(5_000.0)
    assert meter.snapshot().offered_w == pytest.approx(5_000.0)
    assert_v_times_i_is_p(meter)
    meter.set_limits(None, None)
    assert drawing_power(meter) == pytest.approx(22_080.0)


def test_an_amps_limit_binds_per_phase_even_on_a_one_phase_car() -> None:
    meter = plugged(AC_3PH, EvProfile("1-phase car", 7_400.0, 32.0, 40_000.0, phases=1))
    meter.set_limit_amps(16.0)
    assert drawing_power(meter) == pytest.approx(16.0 * 230.0)
    assert meter.current_a == pytest.approx((16.0, 0.0, 0.0))
    assert meter.limit_w == pytest.approx(3_680.0)


def test_a_zero_limit_stops_the_energy_flow() -> None:
    meter = plugged(CCS2, EV_DC_150KW, energy_wh=42.0)
    meter.set_limit(0.0)
    meter.advance(3600.0, drawing=True)
    assert (meter.power_w, meter.energy_wh, meter.current_a) == (0.0, 42.0, (0.0,))
    assert meter.soc == EV_DC_150KW.soc_start


def test_dc_power_is_full_below_the_knee_and_tapers_above_it() -> None:
    def power_at(soc: float) -> float:
        return drawing_power(plugged(CCS2, EvProfile("car", 150_000.0, 500.0, 77_000.0, soc_start=soc)))

    assert power_at(50.0) == pytest.approx(150_000.0)
    assert power_at(70.0) == pytest.approx(150_000.0 * (1 - 0.9 * 15 / 45))
    above_knee = [power_at(soc) for soc in (56.0, 65.0, 80.0, 95.0)]
    assert above_knee == sorted(above_knee, reverse=True)
    assert power_at(99.9) < 0.11 * 150_000.0


def test_dc_power_at_low_soc_is_capped_by_the_connector_current() -> None:
    meter = plugged(CCS2, EV_DC_150KW)  # 400 A at 356 V is below 150 kW
    assert drawing_power(meter) == pytest.approx(400.0 * 356.0)


def test_car_stops_drawing_at_its_target_soc() -> None:
    meter = plugged(CCS2, EV_DC_150KW)
    meter.advance(4 * 3600.0, drawing=True)
    assert meter.ev_full
    assert meter.soc == pytest.approx(EV_DC_150KW.soc_target)
    assert meter.power_w == 0.0
    expected = (EV_DC_150KW.soc_target - EV_DC_150KW.soc_start) / 100.0 * EV_DC_150KW.battery_wh
    assert meter.session_energy_wh == pytest.approx(expected)


def test_snapshot_reports_soc_for_dc_only() -> None:
    dc = plugged(CCS2, EV_DC_150KW).snapshot()
    ac = plugged(AC_3PH, EV_AC_22KW).snapshot()
    assert dc.soc == EV_DC_150KW.soc_start
    assert ac.soc is None


def test_offered_power_is_the_rating_capped_by_the_limit() -> None:
    meter = ConnectorMeter(AC_3PH)
    assert meter.offered_w == pytest.approx(22_080.0)
    meter.set_limit_amps(10.0)
    assert meter.offered_w == pytest.approx(6_900.0)
    assert meter.snapshot().limit_w == pytest.approx(6_900.0)


def test_limit_from_amps_uses_the_phases_the_connector_has() -> None:
    assert limit_from_amps(16.0, AC_3PH) == pytest.approx(11_040.0)
    assert limit_from_amps(16.0, AC_3PH, phases=1) == pytest.approx(3_680.0)
    assert limit_from_amps(16.0, AC_1PH, phases=3) == pytest.approx(3_680.0)
    assert limit_from_amps(100.0, CCS2) == pytest.approx(50_000.0)


def test_default_ev_matches_the_current_type() -> None:
    assert default_ev_for(CCS2) is EV_DC_150KW
    assert default_ev_for(AC_3PH) is EV_AC_22KW


@pytest.mark.parametrize("limit", [-1.0, math.inf, math.nan])
def test_a_negative_or_non_finite_limit_is_refused(limit: float) -> None:
    with pytest.raises(ValueError, match="charging limit"):
        ConnectorMeter(AC_3PH).set_limit(limit)


def test_an_ev_profile_with_an_impossible_target_is_refused() -> None:
    with pytest.raises(ValueError, match="soc_target"):
        EvProfile("broken", 11_000.0, 16.0, 50_000.0, soc_target=120.0)


@settings(deadline=None)  # no timing assertions in tests
@given(
    steps=st.lists(st.floats(min_value=0.0, max_value=900.0), min_size=1, max_size=40),
    limit_a=st.one_of(st.none(), st.floats(min_value=0.0, max_value=600.0)),
    soc_start=st.floats(min_value=0.0, max_value=99.0),
)
def test_any_split_of_time_gives_the_same_monotonic_energy(
    steps: list[float], limit_a: float | None, soc_start: float
) -> None:
    ev = EvProfile("car", 150_000.0, 500.0, 77_000.0, soc_start=soc_start, soc_target=100.0)
    split, whole = plugged(CCS2, ev), plugged(CCS2, ev)
    split.set_limit_amps(limit_a)
    whole.set_limit_amps(limit_a)
    previous = 0.0
    for dt in steps:
        split.advance(dt, drawing=True)
        assert split.energy_wh >= previous
        previous = split.energy_wh
    whole.advance(sum(steps), drawing=True)
    assert split.energy_wh == pytest.approx(whole.energy_wh, rel=1e-9, abs=1e-6)
    assert split.soc is not None and split.soc <= 100.0
