"""A seeded random network plan is reproducible: the same seed, the same session, frame for frame."""

from __future__ import annotations

import asyncio

from rig import bench, settle

from ocpplab_desktop.model.config import OcppVersion
from ocpplab_desktop.model.connector import UserAction
from ocpplab_desktop.protocol.faults import RandomPlan
from ocpplab_desktop.protocol.frame import Direction


async def _session(seed: int) -> list[tuple[str, str | None, str | None, str | None]]:
    # A lost CALL is only noticed when its response timeout (in real time) runs out: a short one,
    # waited out after every step, so that each step ends with everything it caused done.
    async with bench(OcppVersion.V16, meter_interval_s=10, response_timeout_s=0.05) as rig:
        station = rig.station
        station.faults.add(RandomPlan(Direction.TO_CSMS, loss=0.2, delay=0.0, jitter=0.0, seed=seed))
        await station.act(1, 1, UserAction.PLUG_IN)
        await station.act(1, 1, UserAction.PRESENT_TOKEN, token="TAG-SEED")
        for _ in range(12):
            await rig.step(50)
            for _ in range(2):
                await asyncio.sleep(0.06)
                await settle()
        return [(f.direction.value, f.action, f.unique_id, f.error) for f in rig.frames()]


async def test_the_same_seed_gives_the_same_sequence_twice_and_another_seed_another() -> None:
    first, again, other = await _session(7), await _session(7), await _session(8)
    dropped = [f for f in first if f[3] is not None and "dropped by fault injection" in f[3]]
    assert dropped, "20% loss over ten simulated minutes dropped something"
    assert first == again
    assert first != other
