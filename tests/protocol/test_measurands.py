"""Meter readings as sampled values: every measurand a station accepts is reported."""

from __future__ import annotations

import pytest

from ocpplab_desktop.model.meter import MEASURANDS_PROVIDED, MeterReading
from ocpplab_desktop.protocol.measurands import samples

AC = MeterReading(
    energy_wh=1000.0, power_w=11_040.0, current_a=(16.0, 16.0, 16.0), voltage_v=230.0, soc=None,
    offered_w=22_080.0, limit_w=None,
)  # fmt: skip
DC = MeterReading(
    energy_wh=5000.0, power_w=50_000.0, current_a=(125.0,), voltage_v=400.0, soc=42.0, offered_w=60_000.0, limit_w=None
)


@pytest.mark.parametrize("reading", [AC, DC], ids=["AC", "DC"])
def test_every_accepted_measurand_yields_a_value(reading: MeterReading) -> None:
    reported = {sample.measurand for sample in samples(reading, list(MEASURANDS_PROVIDED))}
    expected = set(MEASURANDS_PROVIDED) - ({"SoC"} if reading.soc is None else set())
    assert reported == expected


def test_offered_current_is_what_the_offered_power_allows_per_phase() -> None:
    (ac,) = samples(AC, ["Current.Offered"])
    (dc,) = samples(DC, ["Current.Offered"])
    assert (ac.value, ac.unit) == (32.0, "A")  # 22,080 W / (230 V x 3)
    assert (dc.value, dc.unit) == (150.0, "A")  # 60 kW / 400 V
