"""The dialects' sampled values, built from cached templates, are exactly what each sample gives alone."""

from __future__ import annotations

import asyncio
import json
import random

import pytest
from rig import bench

from ocpplab_desktop.model.config import OcppVersion
from ocpplab_desktop.model.meter import MEASURANDS_PROVIDED, MeterReading
from ocpplab_desktop.protocol.measurands import samples


def _readings(rng: random.Random, phases: int, soc: bool) -> list[MeterReading]:
    return [
        MeterReading(
            energy_wh=rng.uniform(0, 1e6),
            power_w=rng.uniform(0, 3e5),
            current_a=tuple(rng.uniform(0, 500) for _ in range(phases)),
            voltage_v=rng.uniform(200, 900),
            soc=rng.uniform(0, 100) if soc else None,
            offered_w=rng.uniform(1, 3e5),
            limit_w=None,
        )
        for _ in range(50)
    ]


@pytest.mark.parametrize("version", list(OcppVersion))
def test_cached_sampled_values_match_one_sample_at_a_time(version: OcppVersion) -> None:
    rng = random.Random(11)
    lists = [list(MEASURANDS_PROVIDED), ["Energy.Active.Import.Register"], ["Voltage", "Current.Import", "SoC"]]

    async def check() -> None:
        async with bench(version, start=False) as rig:
            dialect = rig.station.dialect
            for phases, soc in [(3, False), (1, True), (2, False)]:
                for measurands in lists:
                    for context in ("Sample.Periodic", "Transaction.End"):
                        for reading in _readings(rng, phases, soc):
                            fast = dialect.sampled_values(reading, context, measurands)
                            slow = [dialect.sampled_value(s, context) for s in samples(reading, measurands)]
                            # Same values, same keys in the same order: the same text on the wire.
                            assert json.dumps(fast) == json.dumps(slow)

    asyncio.run(check())
