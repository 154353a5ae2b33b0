"""The lab's clock runs a fleet's timers in steps, serving the loop's other work in between, and
keeps the simulated time with the wall clock."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import pytest

from ocpplab_desktop.engine.lab import STEPPED_LAG_S, TIMERS_PER_STEP, Lab


def hold_the_loop(seconds: float) -> None:
    """Busy the event loop's thread, as a long callback would."""
    time.sleep(seconds)


@pytest.fixture
async def lab() -> AsyncIterator[Lab]:
    """A lab without a CSMS at the wall clock's pace, its clock's task already ticking."""
    lab = Lab(csms_port=None, speed=1)
    await lab.start()
    await asyncio.sleep(0.1)
    try:
        yield lab
    finally:
        await lab.close()


async def test_many_timers_due_in_one_tick_run_in_steps_with_other_work_between(lab: Lab) -> None:
    fired: list[float] = []
    seen_between: list[int] = []
    count = TIMERS_PER_STEP * 5
    due = lab.clock.now + 0.05
    for _ in range(count):
        lab.clock.scheduler.call_at(due, lambda: fired.append(lab.clock.now))

    async def other_work() -> None:
        while len(fired) < count:
            seen_between.append(len(fired))
            await asyncio.sleep(0)

    await asyncio.wait_for(other_work(), 10)
    assert fired == [due] * count, "every timer ran at its own simulated time"
    partial = sorted({n for n in seen_between if 0 < n < count})
    assert partial and all(n % TIMERS_PER_STEP == 0 for n in partial), f"other work ran between steps: {partial}"


async def test_a_backlog_longer_than_the_stepping_allows_runs_at_once(lab: Lab) -> None:
    fired: list[float] = []
    count = TIMERS_PER_STEP * 3
    for i in range(count):
        lab.clock.scheduler.call_at(lab.clock.now + 0.001 * i, lambda: fired.append(lab.clock.now))
    seen_between: list[int] = []
    # The loop is held past the stepping limit: the tick after it finds a backlog that large.
    hold_the_loop(STEPPED_LAG_S * 2)

    async def other_work() -> None:
        while len(fired) < count:
            seen_between.append(len(fired))
            await asyncio.sleep(0)

    await asyncio.wait_for(other_work(), 10)
    partial = sorted({n for n in seen_between if 0 < n < count})
    # At most the few due before the hold ran on their own; the backlog after it, in one go.
    assert len(partial) <= 1 and all(n < TIMERS_PER_STEP for n in partial), partial
    assert fired == sorted(fired)
