"""The station's power supply and its clock: power loss and clock faults, as a test of a CSMS needs them.

Power loss (issue #14): the station stops at once - no close frame, no final message, its
timers stop, the meter stops counting. Transaction messages already queued stay in the
outbox (persisted, as a real station keeps them in flash). When the power comes back after
the chosen time, what was interrupted is reported as the specifications say: the
transaction that was running is ended with reason PowerLoss (1.6 StopTransaction, section
4.10; 2.0.1 TransactionEvent Ended with stoppedReason PowerLoss, E06/E07), queued behind the
messages from before, and the station boots with reason PowerUp (2.0.1 B01; 1.6's
BootNotification carries no reason). A cable that was plugged stays plugged.

Clock faults: the station's own clock runs `skew_s` seconds off the lab's, in every
timestamp it sends (meter values, transaction events, status notifications); changing the
skew while the station runs is a clock jump.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from ocpplab_desktop.model.clock import Timer
from ocpplab_desktop.model.connector import Connector

if TYPE_CHECKING:
    from ocpplab_desktop.engine.station import Station


class PowerSupply:
    """Power on and off for one station."""

    def __init__(self, station: Station) -> None:
        self.station = station
        self.on = True
        self._interrupted: list[Connector] = []
        self._restore: Timer | None = None
        self._link_was_up = False

    async def lose(self, off_s: float | None = None) -> None:
        """Cut the power now; it comes back after `off_s` simulated seconds (None: when `restore` is called)."""
        station = self.station
        if not self.on:
            return
        self.on = False
        for c in station.connectors:
            station.metering.settle(c)  # the meter counted up to this instant, not beyond
            c.powered = False
            if c.tx_started:
                self._interrupted.append(c)
        station.metering.stop()
        back = f"; it comes back in {off_s:g} s" if off_s is not None else ""
        running = ", ".join(str(c.tx_id) for c in self._interrupted if c.tx_id) or "none"
        station.note("power_loss", f"power lost{back} (transactions interrupted: {running})", off_s=off_s)
        self._link_was_up = station.link.wanted.is_set()
        station.link.wanted.clear()
        await station.link.abort()
        if off_s is not None:
            self._restore = station.clock.scheduler.call_later(max(0.0, off_s), lambda: station.spawn(self.restore()))

    async def restore(self) -> None:
        """The power is back: report what was interrupted, then boot (reason PowerUp)."""
        station = self.station
        if self.on:
            return
        if self._restore is not None:
            self._restore.cancel()
            self._restore = None
        self.on = True
        for c in station.connectors:
            station.metering.skip(c)  # no energy flowed while the power was off
            c.powered = True
        station.note("power_up", "power is back: booting (PowerUp)")
        interrupted, self._interrupted = self._interrupted, []
        station.link.boot_reason = "PowerUp"
        await self._end(interrupted)
        station.metering.start_graph(station.options.graph_sample_s)
        if self._link_was_up:
            station.start()

    @property
    def link_wanted(self) -> bool:
        """Whether the station is to be online: while the power is off, as it was when the power went."""
        return self.station.link_up if self.on else self._link_was_up

    async def shut_down(self) -> None:
        """The lab closes (or drops this station) with the power off: cut it, and end what it interrupts now.

        What `restore` would report when the power came back is queued at once instead: the
        station is offline, so the messages are kept in the journal, and a station with this id
        started later (the next start of the lab) delivers them after its boot, reason PowerLoss.
        """
        await self.lose()
        interrupted, self._interrupted = self._interrupted, []
        await self._end(interrupted)

    async def _end(self, interrupted: list[Connector]) -> None:
        station = self.station
        for c in interrupted:
            if c.tx_started:
                # Queued (the station is offline) and delivered after the boot, in order.
                await station.quiet(station.transactions.end(c, station.dialect.REASON_POWER_LOSS))
