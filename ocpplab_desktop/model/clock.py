"""Simulated time and the one timer heap that every station shares.

A fleet of 1,000 stations has heartbeats, meter samples and reconnect back-offs; one heap
keyed by simulated time and one ticking task replace thousands of sleeping asyncio tasks,
and make x1000 speed and jumps in time deterministic.

Time lives in the `Scheduler`: `run_due(t)` walks forward through the due timers, and while
a callback runs, `now` is that timer's due time. So a meter sample due at t=60 s is taken
and stamped at 60 s even when one tick jumps an hour. `SimClock` adds the speed and the
mapping to wall-clock UTC on top.
"""

from __future__ import annotations

import heapq
import itertools
import logging
import math
import time
from collections.abc import Callable
from datetime import UTC, datetime

log = logging.getLogger(__name__)

MAX_SPEED = 1000.0

Callback = Callable[[], None]


class Timer:
    """A scheduled callback; periodic when it has an interval."""

    __slots__ = ("_done", "_interval", "_scheduler", "callback", "cancelled", "when")

    def __init__(self, scheduler: Scheduler, when: float, callback: Callback, interval: float | None) -> None:
        self._scheduler = scheduler
        self.when = when
        self.callback = callback
        self.cancelled = False
        self._done = False  # cancelled, or a one-shot that has run
        self._interval = interval

    @property
    def active(self) -> bool:
        """Still going to run (again)."""
        return not self._done

    @property
    def interval(self) -> float | None:
        return self._interval

    @interval.setter
    def interval(self, value: float) -> None:
        """Change a periodic timer's interval; the occurrence already scheduled keeps its time."""
        if self._interval is None:
            raise ValueError("a one-shot timer has no interval; cancel it and use call_every instead")
        self._interval = _positive_interval(value)

    def cancel(self) -> None:
        self.cancelled = True
        self._finish()

    def _finish(self) -> None:
        if not self._done:
            self._done = True
            self._scheduler._live -= 1

    def __repr__(self) -> str:
        state = f"due at {self.when:g}" if self.active else "done"
        return f"<Timer {state} every {self._interval} {self.callback!r}>"


class Scheduler:
    """Timers on simulated time, run in due-time order (ties in scheduling order).

    Periodic timers are re-armed from their scheduled time, not from when they ran, so
    they never drift; and every occurrence missed by a jump runs, in order, because meter
    samples and energy must come out the same at x1 and x1000. The cost of a jump is
    therefore proportional to the simulated span divided by the intervals (positive by
    construction), which bounds it; jump large spans in pieces if the loop must stay live.
    """

    def __init__(self, start: float = 0.0) -> None:
        self._now = float(start)
        self._heap: list[tuple[float, int, Timer]] = []
        self._seq = itertools.count()
        self._live = 0
        self._running = False

    @property
    def now(self) -> float:
        """Simulated seconds: the last `run_due` time, or the due time of the running callback."""
        return self._now

    def __len__(self) -> int:
        """Timers not yet run or cancelled (periodic ones count until cancelled)."""
        return self._live

    def call_at(self, sim_t: float, callback: Callback) -> Timer:
        return self._arm(Timer(self, float(sim_t), callback, None))

    def call_later(self, delay: float, callback: Callback) -> Timer:
        if delay < 0:
            raise ValueError(f"a delay is 0 seconds or more, got {delay}")
        return self.call_at(self._now + delay, callback)

    def call_every(self, interval: float, callback: Callback, first_delay: float | None = None) -> Timer:
        """Run every `interval` seconds, first after `first_delay` (default: one interval)."""
        interval = _positive_interval(interval)
        delay = interval if first_delay is None else first_delay
        if delay < 0:
            raise ValueError(f"first_delay is 0 seconds or more, got {delay}")
        return self._arm(Timer(self, self._now + delay, callback, interval))

    def next_due(self) -> float | None:
        heap = self._heap
        while heap and heap[0][2]._done:
            heapq.heappop(heap)
        return heap[0][0] if heap else None

    def run_due(self, now: float, limit: int | None = None) -> int:
        """Run everything due at or before `now`, in time order; returns how many ran.

        Timers that callbacks schedule inside the window run in this call too, at their
        own time (a timer set in the past runs at the present time instead). With `limit`, at
        most that many run: the time stops at the last one's, and `next_due()` says whether more
        are due up to `now` (the lab runs a fleet's timers in steps, serving its I/O in between).
        """
        if self._running:
            raise RuntimeError("run_due called from a timer callback; schedule a timer instead")
        if now < self._now:
            raise ValueError(f"simulated time only moves forward: now is {self._now}, asked for {now}")
        ran = 0
        self._running = True
        try:
            heap = self._heap
            while heap and heap[0][0] <= now:
                if limit is not None and ran >= limit:
                    return ran
                when, _, timer = heapq.heappop(heap)
                if timer._done:
                    continue
                self._now = max(self._now, when)
                if timer.interval is None:
                    timer._finish()
                self._call(timer)
                ran += 1
                if not timer._done and timer.interval is not None:
                    timer.when = when + timer.interval
                    heapq.heappush(heap, (timer.when, next(self._seq), timer))
            self._now = now
        finally:
            self._running = False
        return ran

    def _arm(self, timer: Timer) -> Timer:
        heapq.heappush(self._heap, (timer.when, next(self._seq), timer))
        self._live += 1
        return timer

    @staticmethod
    def _call(timer: Timer) -> None:
        try:
            timer.callback()
        except Exception:
            # One station's broken callback must not stop the others' heartbeats.
            log.exception("timer callback %r failed", timer.callback)


class SimClock:
    """Simulated seconds since the lab started, at a speed, mapped onto wall-clock UTC.

    Speed 0 pauses; otherwise 1 to 1000 simulated seconds per real second.
    """

    def __init__(self, speed: float = 1.0, sim_start_wall: float | None = None) -> None:
        self.scheduler = Scheduler()
        self.sim_start_wall = time.time() if sim_start_wall is None else sim_start_wall
        self._speed = _checked_speed(speed)
        self._iso_second: int | None = None
        self._iso_prefix = ""

    @property
    def now(self) -> float:
        return self.scheduler.now

    @property
    def speed(self) -> float:
        return self._speed

    @speed.setter
    def speed(self, value: float) -> None:
        self._speed = _checked_speed(value)

    @property
    def paused(self) -> bool:
        return self._speed == 0

    def advance_real(self, dt_real_s: float) -> float:
        """Let dt_real_s real seconds pass at the current speed; returns the simulated seconds."""
        if dt_real_s < 0:
            raise ValueError(f"real time only moves forward, got dt={dt_real_s} s")
        dt = dt_real_s * self._speed
        self.advance_sim(dt)
        return dt

    def advance_sim(self, dt: float) -> int:
        """Jump dt simulated seconds, running the timers due on the way; returns how many ran."""
        if dt < 0:
            raise ValueError(f"simulated time only moves forward, got dt={dt} s")
        return self.scheduler.run_due(self.now + dt)

    def utc_at(self, sim_t: float) -> datetime:
        return datetime.fromtimestamp(self.sim_start_wall + sim_t, tz=UTC)

    def utc_now(self) -> datetime:
        return self.utc_at(self.now)

    def isoformat_z(self, sim_t: float | None = None) -> str:
        """RFC 3339 UTC with milliseconds, as OCPP timestamps are written: 2026-11-24T12:00:00.000Z."""
        wall = self.sim_start_wall + (self.now if sim_t is None else sim_t)
        second = math.floor(wall)
        micro = round((wall - second) * 1e6)
        if micro >= 1_000_000:  # rounds up into the next second
            second, micro = second + 1, 0
        if second != self._iso_second:
            # One strftime per second of time, not per timestamp: a fleet writes thousands a second.
            self._iso_second = second
            self._iso_prefix = datetime.fromtimestamp(second, tz=UTC).strftime("%Y-%m-%dT%H:%M:%S.")
        return f"{self._iso_prefix}{micro // 1000:03d}Z"


def _checked_speed(value: float) -> float:
    if not (value == 0 or 1 <= value <= MAX_SPEED):
        raise ValueError(f"speed is 0 (paused) or 1 to {MAX_SPEED:g} times real time, got {value}")
    return float(value)


def _positive_interval(value: float) -> float:
    if not (0 < value < math.inf):
        raise ValueError(f"a timer interval is a positive number of seconds, got {value}")
    return float(value)
