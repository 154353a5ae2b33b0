"""The meter loop: each connector's meter on the simulated clock, and the timers that sample it.

A meter is advanced lazily ("settled") to the present whenever it is read or the drawing state
of its connector changes, so energy is exact at any speed. Three timers read it: the sampled
interval (1.6 MeterValueSampleInterval, 2.0.1 TxUpdatedInterval) during transactions, the
clock-aligned interval (1.6 section 3.16.2, 2.0.1 J01), which falls on multiples of the
interval since midnight UTC, and the graph sample that feeds the window and the store.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

from ocpplab_desktop.model.clock import SimClock, Timer
from ocpplab_desktop.model.connector import Connector
from ocpplab_desktop.model.events import EventBus, MeterSample
from ocpplab_desktop.model.meter import ConnectorMeter, EvProfile, MeterReading, default_ev_for


@dataclass
class _Meter:
    meter: ConnectorMeter
    last_advance: float


class Metering:
    """Meters of one station's connectors and the periodic samples taken of them."""

    def __init__(
        self,
        station_id: str,
        connectors: list[Connector],
        *,
        clock: SimClock,
        bus: EventBus,
        on_ev_full: Callable[[Connector], None],
    ) -> None:
        self.station_id = station_id
        self.clock = clock
        self.bus = bus
        self._on_ev_full = on_ev_full
        self.connectors = connectors
        self._meters = {id(c): _Meter(ConnectorMeter(c.config), clock.now) for c in connectors}
        self._sampled: dict[int, tuple[Timer, Callable[[Connector], None]]] = {}
        self._aligned: Timer | None = None
        self._graph: Timer | None = None
        self._graph_interval = 0.0
        self._published_at: dict[int, float] = {}  # connector -> simulated time of its last MeterSample

    def meter(self, c: Connector) -> ConnectorMeter:
        return self._meters[id(c)].meter

    def settle(self, c: Connector) -> None:
        """Bring the meter to the present, at the drawing state it had since the last change."""
        entry = self._meters[id(c)]
        now = self.clock.now
        entry.meter.advance(max(0.0, now - entry.last_advance), drawing=c.drawing)
        entry.last_advance = now
        if c.drawing and entry.meter.ev_full and not c.ev_full:
            c.ev_full = True
            self._on_ev_full(c)

    def skip(self, c: Connector) -> None:
        """Let the time since the last reading pass without counting it (the meter had no power)."""
        self._meters[id(c)].last_advance = self.clock.now

    def reading(self, c: Connector) -> MeterReading:
        """The connector's meter, brought up to the present simulated time."""
        self.settle(c)
        return self._meters[id(c)].meter.snapshot(self.clock.now)

    def plug(self, c: Connector, ev: EvProfile | None) -> None:
        self.meter(c).plug(ev or default_ev_for(c.config))

    def unplug(self, c: Connector) -> None:
        self.meter(c).unplug()

    def set_limit(self, c: Connector, limit_w: float | None) -> None:
        """Apply an active charging limit (smart charging) from now on."""
        self.settle(c)
        self.meter(c).set_limit(limit_w)

    def set_limits(self, c: Connector, watts: float | None, amps: float | None) -> None:
        """Apply a limit in W and one in A (smart charging's composite) from now on."""
        meter = self.meter(c)
        if meter.limits_w_a != (watts, amps):
            self.settle(c)
            meter.set_limits(watts, amps)

    # --- timers -----------------------------------------------------------------------------
    def start_sampling(self, c: Connector, interval: int, due: Callable[[Connector], None]) -> None:
        """Sample `c` every `interval` s from now: the start of its transaction (1.6 MeterValueSampleInterval,
        2.0.1 TxUpdatedInterval are counted from the start of the transaction). 0: no periodic samples."""
        self.stop_sampling(c)
        if interval > 0:
            self._sampled[id(c)] = (self.clock.scheduler.call_every(interval, lambda: due(c)), due)

    def stop_sampling(self, c: Connector) -> None:
        entry = self._sampled.pop(id(c), None)
        if entry is not None:
            entry[0].cancel()

    def change_sampling(self, interval: int) -> None:
        """A new interval applies to the running transactions from now on."""
        for c in self.connectors:
            entry = self._sampled.get(id(c))
            if entry is not None:
                self.start_sampling(c, interval, entry[1])

    def arm_aligned(self, interval: int, due: Callable[[], None]) -> None:
        """Clock-aligned samples fall on multiples of the interval since midnight UTC (1.6 section 9.1.2)."""
        if self._aligned is not None:
            self._aligned.cancel()
            self._aligned = None
        if interval <= 0:
            return
        now = self.clock.utc_now()
        since_midnight = now.hour * 3600 + now.minute * 60 + now.second + now.microsecond / 1e6
        first = interval - since_midnight % interval
        self._aligned = self.clock.scheduler.call_every(interval, due, first_delay=first)

    def start_graph(self, interval: float | None) -> None:
        """Publish a `MeterSample` of every connector each `interval` simulated seconds (None: never)."""
        if self._graph is None and interval:
            self._graph_interval = interval
            self._graph = self.clock.scheduler.call_every(interval, self._graph_sample)

    def stop(self) -> None:
        for c in self.connectors:
            self.stop_sampling(c)
        for timer in (self._aligned, self._graph):
            if timer is not None:
                timer.cancel()
        self._aligned = self._graph = None

    def _graph_sample(self) -> None:
        # A connector that published a sample within the last interval (its MeterValues, sampled as
        # often or more) already has its point on the graph: reading it again would add nothing.
        since = self.clock.now - self._graph_interval
        for c in self.connectors:
            if self._published_at.get(id(c), -math.inf) <= since:
                self.publish(c, self.reading(c))

    def publish(self, c: Connector, r: MeterReading, *, on_wire: bool = False) -> None:
        """A `MeterSample` for the graphs and the store; `on_wire` when it also went out in a MeterValues."""
        self._published_at[id(c)] = self.clock.now
        self.bus.publish(
            MeterSample(
                self.station_id, c.evse_id, c.connector_id, self.clock.now, r.energy_wh, r.power_w,
                r.limit_w if r.limit_w is not None else r.offered_w, r.voltage_v, r.current_a, r.soc, on_wire,
            )
        )  # fmt: skip
