"""Meter readings as OCPP sampled values: which measurands, which phases, which units.

Both versions share the choice of values; they differ only in spelling (1.6 sends strings
and a unit name, 2.0.1 numbers and a unitOfMeasure object), which each dialect applies.
AC currents and voltages are reported per phase, so that the sum over phases of V x I
equals the power sent in the same sample.
"""

from __future__ import annotations

from typing import NamedTuple

from ocpplab_desktop.model.meter import MeterReading

PHASES = ("L1", "L2", "L3")


class Sample(NamedTuple):
    measurand: str
    value: float
    unit: str
    phase: str | None = None
    location: str | None = None


def samples(reading: MeterReading, measurands: list[str]) -> list[Sample]:
    dc = len(reading.current_a) == 1
    out: list[Sample] = []
    for measurand in measurands:
        if measurand == "Energy.Active.Import.Register":
            out.append(Sample(measurand, round(reading.energy_wh, 1), "Wh"))
        elif measurand == "Power.Active.Import":
            out.append(Sample(measurand, round(reading.power_w, 1), "W"))
        elif measurand == "Power.Offered":
            out.append(Sample(measurand, round(reading.offered_w, 1), "W"))
        elif measurand == "Current.Import":
            if dc:
                out.append(Sample(measurand, round(reading.current_a[0], 3), "A"))
            else:
                out.extend(
                    Sample(measurand, round(amps, 3), "A", phase)
                    for phase, amps in zip(PHASES, reading.current_a, strict=False)
                )
        elif measurand == "Current.Offered":
            # What the offered power allows per phase (or the DC current) at the present voltage.
            phases = len(reading.current_a)
            out.append(Sample(measurand, round(reading.offered_w / (reading.voltage_v * phases), 3), "A"))
        elif measurand == "Voltage":
            if dc:
                out.append(Sample(measurand, round(reading.voltage_v, 1), "V"))
            else:
                out.extend(
                    Sample(measurand, round(reading.voltage_v, 1), "V", f"{phase}-N")
                    for phase in PHASES[: len(reading.current_a)]
                )
        elif measurand == "SoC" and reading.soc is not None:
            out.append(Sample(measurand, round(reading.soc, 1), "Percent", location="EV"))
    return out
