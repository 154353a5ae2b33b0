"""The power and energy a connector delivers to a simulated EV.

The meter integrates energy exactly rather than by sampling: over a step, the power is a
piecewise-linear function of the state of charge (constant limits, current limits times a
battery voltage that rises with SoC, the DC taper), and on each linear piece the SoC follows
a closed-form exponential. So one `advance(3600)` at x1000 speed gives the same energy
register as 3,600 one-second steps, and a fleet of meters costs a few operations per tick.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ocpplab_desktop.model.config import ConnectorConfig, CurrentType
from ocpplab_desktop.model.records import record

# DC charging curve: full power up to the knee, then linear down to a trickle at 100 %.
TAPER_KNEE_SOC = 55.0
TAPER_FLOOR = 0.10
# A pack's terminal voltage relative to its nominal voltage, at 0 % and 100 % SoC
# (a 400 V pack: 350 V empty, 356 V at 10 %, 410 V full).
_PACK_V_EMPTY = 0.875
_PACK_V_FULL = 1.025
# Relative tolerance when two power limits are equal at a breakpoint, or a piece is flat.
_TIE = 1e-9
# Below a nanowatt nothing flows; this also keeps the exponential's rate away from underflow.
_NO_POWER_W = 1e-9

Line = tuple[float, float]  # power in W as a + b * soc (soc in %)


@dataclass(frozen=True, slots=True)
class EvProfile:
    """What the simulated car accepts.

    `max_power_w` is the on-board charger limit on AC and the car's maximum on DC;
    `max_current_a` is per phase on AC and the DC current limit on DC; `phases` only
    matters on AC. The car stops drawing when its SoC reaches `soc_target`.
    """

    name: str
    max_power_w: float
    max_current_a: float
    battery_wh: float
    phases: int = 3
    soc_start: float = 20.0
    soc_target: float = 100.0
    pack_voltage_v: float = 400.0

    def __post_init__(self) -> None:
        for name in ("max_power_w", "max_current_a", "battery_wh", "pack_voltage_v"):
            if not getattr(self, name) > 0:
                raise ValueError(f"EV profile {self.name!r}: {name} must be positive, got {getattr(self, name)}")
        if self.phases not in (1, 2, 3):
            raise ValueError(f"EV profile {self.name!r}: phases must be 1, 2 or 3, got {self.phases}")
        if not (0 <= self.soc_start <= 100 and 0 < self.soc_target <= 100):
            raise ValueError(
                f"EV profile {self.name!r}: soc_start must be 0..100 and soc_target 1..100 (percent), "
                f"got {self.soc_start} and {self.soc_target}"
            )


EV_AC_11KW = EvProfile("AC 11 kW (3 x 16 A)", max_power_w=11_040.0, max_current_a=16.0, battery_wh=60_000.0)
EV_AC_22KW = EvProfile("AC 22 kW (3 x 32 A)", max_power_w=22_080.0, max_current_a=32.0, battery_wh=52_000.0)
EV_DC_150KW = EvProfile(
    "DC 150 kW, 77 kWh",
    max_power_w=150_000.0,
    max_current_a=500.0,
    battery_wh=77_000.0,
    soc_start=10.0,
    soc_target=80.0,
)


def default_ev_for(connector: ConnectorConfig) -> EvProfile:
    """A car that can take everything the connector offers, so the station's limits show."""
    return EV_DC_150KW if connector.current_type is CurrentType.DC else EV_AC_22KW


def limit_from_amps(amps: float, connector: ConnectorConfig, phases: int | None = None) -> float:
    """A smart-charging limit in A as watts at the connector's nominal voltage.

    `phases` is the profile's numberPhases (OCPP's default is 3); a connector cannot use
    more phases than it has. For DC the nominal voltage is the charger's maximum, so this
    is an upper bound; `ConnectorMeter.set_limit_amps` uses the battery voltage instead.
    """
    if connector.current_type is CurrentType.DC:
        return amps * connector.voltage_v
    used = connector.phases if phases is None else min(phases, connector.phases)
    return amps * connector.voltage_v * used


MEASURANDS_PROVIDED = (
    "Energy.Active.Import.Register",
    "Power.Active.Import",
    "Power.Offered",
    "Current.Import",
    "Current.Offered",
    "Voltage",
    "SoC",
)
"""The measurands a reading can report, spelled alike in 1.6 and 2.0.1. A station accepts only these
in its measurand settings, so a CSMS that asks for another is refused rather than never sent it."""


@record
class MeterReading:
    """One reading, as the protocol layer turns it into MeterValues."""

    energy_wh: float  # Energy.Active.Import.Register
    power_w: float  # Power.Active.Import
    current_a: tuple[float, ...]  # Current.Import per phase (AC) or the DC current
    voltage_v: float  # Voltage
    soc: float | None  # SoC, DC only
    offered_w: float  # Power.Offered
    limit_w: float | None  # the active smart-charging limit, None when unlimited
    sim_time: float | None = None  # when it was taken, in simulated seconds (set by the station)


class ConnectorMeter:
    """The meter of one connector, with the EV plugged into it (if any).

    The energy register is monotonic and survives sessions, like a real MID meter.
    `advance(dt, drawing)` integrates over dt seconds of simulated time; the read-only
    properties describe the moment after the last advance, so after a state change the
    engine calls `advance(0.0, drawing=False)` to make the reading show it.
    """

    def __init__(self, connector: ConnectorConfig, energy_wh: float = 0.0) -> None:
        if energy_wh < 0:
            raise ValueError(f"a meter register starts at 0 Wh or more, got {energy_wh}")
        self.connector = connector
        self._energy_wh = float(energy_wh)
        self._session_wh = 0.0
        self._ev: EvProfile | None = None
        self._soc = 0.0
        self._limit_w: float | None = None
        self._limit_a: float | None = None
        self._drawing = False
        self._cached_lines: tuple[EvProfile, float | None, float | None, bool, tuple[list[Line], float]] | None = None
        self._flat: tuple[float, float] | None = None
        """With the cached lines, when every one is flat (AC): (the lowest power, the power of the line
        `_integrate` takes as active); None otherwise. A constant power needs no search per reading."""

    # --- inputs -------------------------------------------------------------------
    def plug(self, ev: EvProfile) -> None:
        """Connect a car; its SoC starts at `ev.soc_start` and the session energy at 0."""
        self._ev = ev
        self._soc = ev.soc_start
        self._session_wh = 0.0
        self._drawing = False

    def unplug(self) -> None:
        self._ev = None
        self._drawing = False

    def set_limit(self, limit_w: float | None) -> None:
        """Set the active charging limit in W (None: unlimited); replaces any limit in A."""
        self._limit_w = _checked_limit(limit_w, "W")
        self._limit_a = None

    def set_limit_amps(self, amps: float | None) -> None:
        """Set the active limit in A per phase (DC: A); replaces any limit in W.

        Kept in amps so it binds per phase whatever number of phases the car uses, and on
        DC at the battery's present voltage.
        """
        self._limit_a = _checked_limit(amps, "A")
        self._limit_w = None

    def set_limits(self, watts: float | None, amps: float | None) -> None:
        """Set a limit in W and one in A per phase at once (either None: none in that unit); both bind.

        A composite schedule can hold both: a TxProfile in A under a station maximum in W."""
        self._limit_w = _checked_limit(watts, "W")
        self._limit_a = _checked_limit(amps, "A")

    def advance(self, dt_s: float, drawing: bool) -> None:
        """Let dt_s seconds of simulated time pass; energy flows only while `drawing`."""
        if dt_s < 0:
            raise ValueError(f"a meter cannot go back in time (dt={dt_s} s)")
        self._drawing = drawing
        if not drawing or self._ev is None or dt_s == 0:
            return
        soc_before = self._soc
        self._soc = self._integrate(self._ev, self._soc, dt_s)
        delivered = (self._soc - soc_before) * self._ev.battery_wh / 100.0
        self._energy_wh += delivered
        self._session_wh += delivered

    # --- readings -----------------------------------------------------------------
    @property
    def ev(self) -> EvProfile | None:
        return self._ev

    @property
    def energy_wh(self) -> float:
        return self._energy_wh

    @property
    def session_energy_wh(self) -> float:
        """Energy delivered since the present (or last) car was plugged in."""
        return self._session_wh

    @property
    def soc(self) -> float | None:
        return self._soc if self._ev is not None else None

    @property
    def ev_full(self) -> bool:
        """The car has reached its target SoC and stopped drawing (the engine's SuspendedEV)."""
        return self._ev is not None and self._soc >= self._ev.soc_target

    @property
    def voltage_v(self) -> float:
        """AC: the supply voltage. DC: the battery's voltage, 0 with no car connected."""
        if self.connector.current_type is CurrentType.AC:
            return self.connector.voltage_v
        return _pack_voltage(self._ev, self._soc) if self._ev is not None else 0.0

    @property
    def power_w(self) -> float:
        if not self._drawing or self._ev is None:
            return 0.0
        return self._power_at(self._ev, self._soc)

    @property
    def current_a(self) -> tuple[float, ...]:
        """Per phase on AC (0 on phases the car does not use), one value on DC; V x I sums to P."""
        return self._current(self.power_w, self.voltage_v)

    def _current(self, power: float, voltage: float) -> tuple[float, ...]:
        if self.connector.current_type is CurrentType.DC:
            return (power / voltage if voltage > 0 else 0.0,)
        used = self._phases_used()
        per_phase = power / (self.connector.voltage_v * used)
        return tuple(per_phase if phase < used else 0.0 for phase in range(self.connector.phases))

    @property
    def limits_w_a(self) -> tuple[float | None, float | None]:
        """The limits as set: (in W, in A per phase)."""
        return self._limit_w, self._limit_a

    @property
    def limit_w(self) -> float | None:
        """The active limit in W for the car plugged in now (a limit in A at the present voltage)."""
        return self._limit(self.voltage_v)

    def _limit(self, voltage: float) -> float | None:
        if self._limit_a is None:
            return self._limit_w
        if self.connector.current_type is CurrentType.AC:
            amps_w = limit_from_amps(self._limit_a, self.connector, self._phases_used())
        else:
            amps_w = self._limit_a * (voltage or self.connector.voltage_v)
        return amps_w if self._limit_w is None else min(amps_w, self._limit_w)

    @property
    def offered_w(self) -> float:
        """What the station offers on this connector now: its rating, capped by the limit."""
        return self._offered(self.voltage_v)

    def _offered(self, voltage: float) -> float:
        c = self.connector
        phases = c.phases if c.current_type is CurrentType.AC else 1
        voltage = voltage or c.voltage_v
        offered = min(c.max_power_w, c.max_current_a * voltage * phases)
        if self._limit_w is not None:
            offered = min(offered, self._limit_w)
        if self._limit_a is not None:
            offered = min(offered, self._limit_a * voltage * phases)
        return offered

    def snapshot(self, sim_time: float | None = None) -> MeterReading:
        power, voltage = self.power_w, self.voltage_v  # each worked out once per reading
        return MeterReading(
            energy_wh=self._energy_wh,
            power_w=power,
            current_a=self._current(power, voltage),
            voltage_v=voltage,
            soc=self.soc if self.connector.current_type is CurrentType.DC else None,
            offered_w=self._offered(voltage),
            limit_w=self._limit(voltage),
            sim_time=sim_time,
        )

    # --- the power curve ------------------------------------------------------------
    def _phases_used(self) -> int:
        ev_phases = self._ev.phases if self._ev is not None else self.connector.phases
        return min(ev_phases, self.connector.phases)

    def _lines(self, ev: EvProfile, soc: float) -> tuple[list[Line], float]:
        """Every limit on the power as a line in SoC, valid from `soc` up to the returned SoC.

        They change only with the car, the limit and (on DC) the side of the taper's knee, so
        they are worked out once for each and reused by every reading in between."""
        below_knee = soc < TAPER_KNEE_SOC
        cached = self._cached_lines
        if (
            cached is not None
            and cached[0] is ev
            and cached[1] == self._limit_w
            and cached[2] == self._limit_a
            and cached[3] is below_knee
        ):
            return cached[4]
        lines = self._work_out_lines(ev, soc)
        self._cached_lines = (ev, self._limit_w, self._limit_a, below_knee, lines)
        self._flat = None
        if all(b == 0.0 for _, b in lines[0]):
            lowest = min(a for a, _ in lines[0])
            # The first line within the tie of the lowest, as _integrate's search picks it.
            self._flat = lowest, next(a for a, _ in lines[0] if a <= lowest * (1 + _TIE))
        return lines

    def _work_out_lines(self, ev: EvProfile, soc: float) -> tuple[list[Line], float]:
        c = self.connector
        lines: list[Line] = [(c.max_power_w, 0.0)]
        if self._limit_w is not None:
            lines.append((self._limit_w, 0.0))
        amps = [c.max_current_a, ev.max_current_a] + ([self._limit_a] if self._limit_a is not None else [])
        if c.current_type is CurrentType.AC:
            volts_phases = c.voltage_v * self._phases_used()
            lines.append((ev.max_power_w, 0.0))
            lines.extend((a * volts_phases, 0.0) for a in amps)
            return lines, ev.soc_target
        v_a, v_b = _pack_voltage_line(ev)
        lines.extend((a * v_a, a * v_b) for a in amps)
        if soc < TAPER_KNEE_SOC:
            lines.append((ev.max_power_w, 0.0))
            return lines, min(TAPER_KNEE_SOC, ev.soc_target)
        slope = -ev.max_power_w * (1.0 - TAPER_FLOOR) / (100.0 - TAPER_KNEE_SOC)
        lines.append((ev.max_power_w - slope * TAPER_KNEE_SOC, slope))
        return lines, ev.soc_target

    def _power_at(self, ev: EvProfile, soc: float) -> float:
        if soc >= ev.soc_target:
            return 0.0
        lines, _ = self._lines(ev, soc)
        flat = self._flat
        if flat is not None:
            return max(0.0, flat[0])
        return max(0.0, min(a + b * soc for a, b in lines))

    def _integrate(self, ev: EvProfile, soc: float, dt: float) -> float:
        """The SoC after dt seconds of charging from `soc`.

        dSoC/dt = k * P(SoC) with P = a + b * SoC on each piece, so P(t) = P0 * exp(b*k*t).
        The active piece is the lowest line; the minimum of lines is concave, so within a
        region the active slope only decreases and the loop visits each piece at most once.
        """
        k = 100.0 / (3600.0 * ev.battery_wh)  # % per joule
        while dt > 0 and soc < ev.soc_target:
            lines, end = self._lines(ev, soc)
            constant = self._flat
            if constant is not None:  # constant power up to `end`: what the search below finds, without it
                if constant[0] < _NO_POWER_W:
                    break
                t_end = (end - soc) / (k * constant[1])
                if t_end >= dt:
                    return soc + k * constant[1] * dt
                soc, dt = end, dt - t_end
                continue
            lowest = min(a + b * soc for a, b in lines)
            if lowest < _NO_POWER_W:
                break
            a, b = min((line for line in lines if line[0] + line[1] * soc <= lowest * (1 + _TIE)), key=lambda x: x[1])
            for a2, b2 in lines:
                if b2 < b:
                    crossing = (a2 - a) / (b - b2)
                    if crossing > soc * (1 + _TIE):
                        end = min(end, crossing)
            p0 = a + b * soc
            growth = b * (end - soc) / p0  # relative change of power over the piece
            flat = abs(growth) < _TIE
            if flat:
                t_end = (end - soc) / (k * p0)
            elif growth > -1:
                t_end = math.log1p(growth) / (b * k)
            else:  # the power would reach zero inside the piece: it is never left
                t_end = math.inf
            if t_end >= dt:
                return soc + k * p0 * dt if flat else soc + p0 * math.expm1(b * k * dt) / b
            soc, dt = end, dt - t_end
        return soc


def _pack_voltage_line(ev: EvProfile) -> Line:
    """The battery voltage as a + b * SoC."""
    return ev.pack_voltage_v * _PACK_V_EMPTY, ev.pack_voltage_v * (_PACK_V_FULL - _PACK_V_EMPTY) / 100.0


def _pack_voltage(ev: EvProfile, soc: float) -> float:
    a, b = _pack_voltage_line(ev)
    return a + b * soc


def _checked_limit(value: float | None, unit: str) -> float | None:
    if value is not None and not (0 <= value < math.inf):
        raise ValueError(f"a charging limit is a finite {unit} value of 0 or more (or None for no limit), got {value}")
    return value
