"""The simulated clock and the shared timer heap."""

import logging
import math
from collections.abc import Callable
from datetime import UTC, datetime

import pytest

from ocpplab_desktop.model.clock import Scheduler, SimClock


def recorder(scheduler: Scheduler, log: list[tuple[str, float]], name: str) -> Callable[[], None]:
    return lambda: log.append((name, scheduler.now))


def test_timers_run_in_time_order_and_ties_in_scheduling_order() -> None:
    s, ran = Scheduler(), []
    for name, at in [("c", 5.0), ("a", 1.0), ("b1", 3.0), ("b2", 3.0)]:
        s.call_at(at, recorder(s, ran, name))
    assert s.run_due(10.0) == 4
    assert ran == [("a", 1.0), ("b1", 3.0), ("b2", 3.0), ("c", 5.0)]
    assert s.now == 10.0


def test_only_due_timers_run() -> None:
    s, ran = Scheduler(), []
    s.call_later(5.0, recorder(s, ran, "early"))
    s.call_later(50.0, recorder(s, ran, "late"))
    s.run_due(5.0)
    assert ran == [("early", 5.0)]
    assert s.next_due() == 50.0
    assert len(s) == 1


def test_a_cancelled_timer_never_runs() -> None:
    s, ran = Scheduler(), []
    doomed = s.call_later(1.0, recorder(s, ran, "doomed"))
    s.call_later(2.0, recorder(s, ran, "kept"))
    doomed.cancel()
    doomed.cancel()
    assert (len(s), s.next_due(), doomed.active) == (1, 2.0, False)
    s.run_due(10.0)
    assert ran == [("kept", 2.0)]
    assert (len(s), s.next_due()) == (0, None)


def test_periodic_timer_does_not_drift_with_irregular_ticks() -> None:
    s, ran = Scheduler(), []
    s.call_every(10.0, recorder(s, ran, "tick"))
    t = 0.0
    while t < 100.0:
        t += 3.7
        s.run_due(t)
    assert [at for _, at in ran] == [10.0 * n for n in range(1, 11)]


def test_a_big_jump_runs_every_missed_occurrence_in_order() -> None:
    clock, ran = SimClock(), []
    clock.scheduler.call_every(60.0, recorder(clock.scheduler, ran, "meter"))
    clock.scheduler.call_every(300.0, recorder(clock.scheduler, ran, "heartbeat"), first_delay=0.0)
    assert clock.advance_sim(3600.0) == 60 + 13
    times = [at for _, at in ran]
    assert times == sorted(times)
    assert [at for name, at in ran if name == "meter"] == [60.0 * n for n in range(1, 61)]
    assert clock.now == 3600.0


def test_callbacks_see_their_own_due_time_and_can_schedule_within_the_window() -> None:
    clock, seen = SimClock(sim_start_wall=0.0), []

    def first() -> None:
        seen.append(("first", clock.now, clock.isoformat_z()))
        clock.scheduler.call_later(5.0, lambda: seen.append(("follow-up", clock.now, clock.isoformat_z())))

    clock.scheduler.call_at(10.0, first)
    clock.advance_sim(1000.0)
    assert seen == [
        ("first", 10.0, "1970-01-01T00:00:10.000Z"),
        ("follow-up", 15.0, "1970-01-01T00:00:15.000Z"),
    ]


def test_new_interval_applies_after_the_occurrence_already_scheduled() -> None:
    s, ran = Scheduler(), []
    timer = s.call_every(10.0, recorder(s, ran, "t"))
    s.run_due(10.0)
    timer.interval = 5.0
    s.run_due(30.0)
    assert [at for _, at in ran] == [10.0, 20.0, 25.0, 30.0]


def test_interval_changed_inside_the_callback_applies_to_the_next_run() -> None:
    s, ran = Scheduler(), []

    def tick() -> None:
        ran.append(s.now)
        timer.interval = 2.0

    timer = s.call_every(10.0, tick)
    s.run_due(15.0)
    assert ran == [10.0, 12.0, 14.0]


def test_a_periodic_timer_can_cancel_itself() -> None:
    s, ran = Scheduler(), []

    def tick() -> None:
        ran.append(s.now)
        if len(ran) == 3:
            timer.cancel()

    timer = s.call_every(1.0, tick)
    s.run_due(100.0)
    assert ran == [1.0, 2.0, 3.0]
    assert len(s) == 0


def test_a_failing_callback_is_logged_and_the_others_still_run(caplog: pytest.LogCaptureFixture) -> None:
    s, ran = Scheduler(), []

    def broken() -> None:
        raise RuntimeError("station exploded")

    s.call_every(1.0, broken)
    s.call_later(1.5, recorder(s, ran, "fine"))
    with caplog.at_level(logging.ERROR, logger="ocpplab_desktop.model.clock"):
        assert s.run_due(2.0) == 3
    assert ran == [("fine", 1.5)]
    assert [r.exc_info[1].args for r in caplog.records if r.exc_info and r.exc_info[1]] == [("station exploded",)] * 2
    assert s.next_due() == 3.0, "a failing periodic timer stays armed"


def test_time_does_not_go_backwards() -> None:
    s = Scheduler(start=100.0)
    with pytest.raises(ValueError, match="only moves forward"):
        s.run_due(99.0)
    with pytest.raises(ValueError, match="only moves forward"):
        SimClock().advance_sim(-1.0)


@pytest.mark.parametrize("interval", [0.0, -5.0, math.inf])
def test_a_periodic_timer_needs_a_positive_interval(interval: float) -> None:
    with pytest.raises(ValueError, match="positive"):
        Scheduler().call_every(interval, lambda: None)


@pytest.mark.parametrize("speed", [0.5, -1.0, 1000.5, math.nan])
def test_speed_outside_pause_or_1_to_1000_is_refused(speed: float) -> None:
    clock = SimClock()
    with pytest.raises(ValueError, match="speed is 0"):
        clock.speed = speed
    assert clock.speed == 1.0


def test_real_time_becomes_simulated_time_at_the_speed() -> None:
    clock = SimClock(speed=1000.0)
    assert clock.advance_real(0.25) == 250.0
    clock.speed = 1
    clock.advance_real(2.0)
    assert clock.now == 252.0


def test_a_paused_clock_stands_still_and_runs_nothing() -> None:
    clock, ran = SimClock(), []
    clock.scheduler.call_later(1.0, lambda: ran.append(clock.now))
    clock.speed = 0
    assert clock.paused
    assert clock.advance_real(3600.0) == 0.0
    assert (clock.now, ran) == (0.0, [])


def test_wall_clock_follows_simulated_time_in_rfc3339_utc() -> None:
    start = datetime(2026, 11, 24, 12, 0, tzinfo=UTC).timestamp()
    clock = SimClock(speed=10.0, sim_start_wall=start)
    assert clock.isoformat_z() == "2026-11-24T12:00:00.000Z"
    clock.advance_real(9.0)
    clock.advance_sim(0.25)
    assert clock.utc_now() == datetime(2026, 11, 24, 12, 1, 30, 250_000, tzinfo=UTC)
    assert clock.isoformat_z() == "2026-11-24T12:01:30.250Z"


def test_timestamps_are_the_same_as_formatting_each_from_scratch() -> None:
    import random

    clock = SimClock(sim_start_wall=1_764_676_800.0)
    rng = random.Random(5)
    moments = [0.0, 0.0004, 0.0005, 0.9995, 0.99951, 59.999, 86_399.9996] + [rng.uniform(0, 1e6) for _ in range(5000)]
    for t in moments:
        moment = clock.utc_at(t)
        expected = moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"
        assert clock.isoformat_z(t) == expected, t


def test_a_limited_run_stops_at_the_last_timer_it_ran_and_the_next_run_goes_on_in_order() -> None:
    s, ran = Scheduler(), []
    for name, at in (("a", 1.0), ("b", 2.0), ("c", 3.0), ("late", 9.0)):
        s.call_at(at, recorder(s, ran, name))
    assert s.run_due(5.0, limit=2) == 2
    assert ran == [("a", 1.0), ("b", 2.0)] and s.now == 2.0, "the time waits at the last timer run"
    assert s.next_due() == 3.0
    assert s.run_due(5.0, limit=2) == 1
    assert ran[-1] == ("c", 3.0) and s.now == 5.0, "all due ran: the time reaches the target"
    assert s.next_due() == 9.0
