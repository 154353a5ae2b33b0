"""Meter readings as OCPP sampled values: which measurands, which phases, which units.

Both versions share the choice of values; they differ only in spelling (1.6 sends strings
and a unit name, 2.0.1 numbers and a unitOfMeasure object), which each dialect applies.
AC currents and voltages are reported per phase, so that the sum over phases of V x I
equals the power sent in the same sample.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import NamedTuple

from ocpplab_desktop.model.meter import MeterReading

PHASES = ("L1", "L2", "L3")


class Sample(NamedTuple):
    measurand: str
    value: float
    unit: str
    phase: str | None = None
    location: str | None = None


class Probe(NamedTuple):
    """One sampled value to read from every reading: what it is, and how to read it."""

    measurand: str
    unit: str
    phase: str | None
    location: str | None
    read: Callable[[MeterReading], float]


def _per_phase(phase: int, digits: int) -> Callable[[MeterReading], float]:
    return lambda r: round(r.current_a[phase], digits)


def _current_offered(r: MeterReading) -> float:
    # What the offered power allows per phase (or the DC current) at the present voltage.
    return round(r.offered_w / (r.voltage_v * len(r.current_a)), 3)


@functools.lru_cache(maxsize=256)
def plan(measurands: tuple[str, ...], phases: int, soc: bool) -> tuple[Probe, ...]:
    """The sampled values of `measurands` for a meter with `phases` current values (1: DC), worked out
    once: a station sends the same kinds of values in every MeterValues."""
    dc = phases == 1
    out: list[Probe] = []
    for measurand in measurands:
        if measurand == "Energy.Active.Import.Register":
            out.append(Probe(measurand, "Wh", None, None, lambda r: round(r.energy_wh, 1)))
        elif measurand == "Power.Active.Import":
            out.append(Probe(measurand, "W", None, None, lambda r: round(r.power_w, 1)))
        elif measurand == "Power.Offered":
            out.append(Probe(measurand, "W", None, None, lambda r: round(r.offered_w, 1)))
        elif measurand == "Current.Import":
            if dc:
                out.append(Probe(measurand, "A", None, None, _per_phase(0, 3)))
            else:
                out.extend(Probe(measurand, "A", PHASES[i], None, _per_phase(i, 3)) for i in range(min(phases, 3)))
        elif measurand == "Current.Offered":
            out.append(Probe(measurand, "A", None, None, _current_offered))
        elif measurand == "Voltage":
            if dc:
                out.append(Probe(measurand, "V", None, None, lambda r: round(r.voltage_v, 1)))
            else:
                out.extend(
                    Probe(measurand, "V", f"{PHASES[i]}-N", None, lambda r: round(r.voltage_v, 1))
                    for i in range(min(phases, 3))
                )
        elif measurand == "SoC" and soc:
            out.append(Probe(measurand, "Percent", None, "EV", lambda r: round(r.soc or 0.0, 1)))
    return tuple(out)


def plan_for(reading: MeterReading, measurands: list[str]) -> tuple[Probe, ...]:
    return plan(tuple(measurands), len(reading.current_a), reading.soc is not None)


def samples(reading: MeterReading, measurands: list[str]) -> list[Sample]:
    return [Sample(p.measurand, p.read(reading), p.unit, p.phase, p.location) for p in plan_for(reading, measurands)]
