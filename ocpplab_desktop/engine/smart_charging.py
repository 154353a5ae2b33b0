"""The station's smart-charging part: its installed charging profiles and the limits they set.

The profiles and their combination are `model.smart_charging`; this part keeps them for one
station, tells each connector's meter its limit at the simulated time, and re-works the limits
whenever they can change: a profile is installed or cleared, a period or validity boundary
passes (one timer, armed at the next boundary), a transaction starts or ends (a TxProfile goes
with its transaction), a connector starts or stops drawing (a station maximum is shared between
the connectors that draw). Profile times are the station's own clock (clock faults included).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING

from ocpplab_desktop.model.clock import Timer
from ocpplab_desktop.model.config import CurrentType
from ocpplab_desktop.model.connector import Connector
from ocpplab_desktop.model.smart_charging import (
    Capacity,
    ChargingProfiles,
    CompositeSchedule,
    Limit,
    Outlet,
    Profile,
    Purpose,
    RateUnit,
    Verdict,
    as_limit,
    share,
)

if TYPE_CHECKING:
    from ocpplab_desktop.engine.station import Station

# Limits are worked out a microsecond into a period, so that a timer that fires at a boundary
# (give or take the float rounding of the clock) sees the period it was armed for.
_INTO_PERIOD_S = 1e-6


class SmartCharging:
    """The charging profiles of one station and the limits they put on its connectors now."""

    def __init__(self, station: Station, target_of: Callable[[Connector], int]) -> None:
        self.station = station
        self.target_of = target_of
        """The connector/EVSE number a profile names (1.6 connectorId, 2.0.1 evseId): the dialect's."""
        self.profiles = ChargingProfiles()
        self._tx_start: dict[int, float] = {}  # id(connector) -> when its transaction started (UTC s)
        self._pending: dict[int, tuple[Profile, Capacity]] = {}  # a RemoteStart's TxProfile
        self._limited: set[int] = set()  # connectors whose meter has a limit from here
        self._timer: Timer | None = None

    # --- time and places -------------------------------------------------------------------
    def utc_now(self) -> float:
        """The station's clock in UTC seconds."""
        clock = self.station.clock
        return clock.sim_start_wall + clock.now + self.station.clock_skew_s

    def outlet(self, c: Connector) -> Outlet:
        cfg = c.config
        dc = cfg.current_type is CurrentType.DC
        running = "" if c.tx_started else None  # a 1.6 transaction has no id until the CSMS gives one
        return Outlet(
            target=self.target_of(c),
            voltage_v=cfg.voltage_v,
            phases=1 if dc else cfg.phases,
            max_current_a=cfg.max_current_a,
            max_power_w=cfg.max_power_w,
            dc=dc,
            tx_id=c.tx_id if c.tx_started and c.tx_id else running,
            tx_start=self._tx_start.get(id(c)),
        )

    def outlets(self) -> dict[int, Outlet]:
        """Each connector/EVSE number's outlet; of an EVSE with several connectors, the one in a transaction."""
        found: dict[int, Outlet] = {}
        for c in self.station.connectors:
            outlet = self.outlet(c)
            if outlet.target not in found or outlet.tx_id is not None:
                found[outlet.target] = outlet
        return found

    # --- what the dialects ask -----------------------------------------------------------------
    def install(self, profile: Profile, capacity: Capacity) -> Verdict:
        """SetChargingProfile: install `profile` if the specification allows it, and apply it now."""
        self.refresh(apply=False)
        verdict = self.profiles.install(profile, self.outlets(), capacity)
        if verdict.accepted:
            self.station.note(
                "charging_profile",
                f"charging profile {profile.id} ({profile.purpose}, stack level {profile.stack_level}) "
                f"installed on {profile.target or 'the station'}",
                profile_id=profile.id,
            )
            self.apply()
        return verdict

    def clear(
        self,
        profile_id: int | None = None,
        *,
        target: int | None = None,
        purpose: Purpose | None = None,
        stack_level: int | None = None,
    ) -> bool:
        """ClearChargingProfile; True if any profile matched (Accepted), else False (Unknown)."""
        cleared = self.profiles.clear(profile_id, target=target, purpose=purpose, stack_level=stack_level)
        if cleared:
            self.apply()
        return cleared

    def expect_tx_profile(self, c: Connector, profile: Profile, capacity: Capacity) -> None:
        """A RemoteStart's chargingProfile: the TxProfile of the transaction it starts (1.6 section 5.11,
        2.0.1 F01.FR.08), installed when that transaction begins."""
        self._pending[id(c)] = (profile, capacity)

    def composite(self, target: int, duration_s: int, unit: RateUnit | None) -> CompositeSchedule | None:
        """GetCompositeSchedule from now: of one connector/EVSE, or the station's (target 0); None if there
        is no such target. Without a unit: A where every connector is AC, else W."""
        self.refresh(apply=False)
        outlets = self.outlets()
        if target != 0 and target not in outlets:
            return None
        concerned = list(outlets.values()) if target == 0 else [outlets[target]]
        if unit is None:
            unit = RateUnit.W if any(o.dc for o in concerned) else RateUnit.A
        outlet = None if target == 0 else outlets[target]
        return self.profiles.composite(outlet, outlets.values(), self.utc_now(), duration_s, unit)

    def upcoming(self, c: Connector, horizon_s: float) -> list[tuple[float, float]]:
        """The connector's composite limit in W over the next `horizon_s` seconds, for the power graph:
        (simulated time, watts) at now, at each change and at the end; empty without profiles."""
        outlet = self.outlet(c)

        def watts(t: float, ref: float) -> float:
            limit = self.profiles.limit_at(outlet, t, ref=ref)
            return limit.in_unit(RateUnit.W, outlet.voltage_v, outlet.phases_for(limit.number_phases))

        return self._ahead([outlet], horizon_s, watts)

    def upcoming_total(self, connectors: Sequence[Connector], horizon_s: float) -> list[tuple[float, float]]:
        """The limit of `connectors` together (an EVSE's, the station's) as `upcoming` gives one
        connector's: their limits added, capped by the station maximum (what the station reports for
        connector / EVSE 0)."""
        # One outlet per place: 2.0.1 limits an EVSE, which all its connectors share; the connector with
        # the transaction (sorted last, so kept) is the one its TxProfile applies to.
        by_place = {o.target: o for o in (self.outlet(c) for c in sorted(connectors, key=lambda c: c.tx_started))}
        outlets = list(by_place.values())
        return self._ahead(
            outlets, horizon_s, lambda t, ref: self.profiles.station_value_at(outlets, t, RateUnit.W, ref=ref)
        )

    def _ahead(
        self, outlets: list[Outlet], horizon_s: float, watts: Callable[[float, float], float]
    ) -> list[tuple[float, float]]:
        """`watts(t, ref)` now, at each change of these outlets' limits within `horizon_s` and at its end,
        as (simulated time, W); empty without profiles or outlets."""
        if not self.profiles.profiles or not outlets:
            return []
        now, sim_now = self.utc_now(), self.station.clock.now
        points = [
            (sim_now + t - now, watts(t + _INTO_PERIOD_S, now))
            for t in [now, *self.profiles.changes(now, now + horizon_s, outlets, ref=now)]
        ]
        points.append((sim_now + horizon_s, points[-1][1]))
        return points

    # --- keeping the limits ---------------------------------------------------------------------
    def refresh(self, *, apply: bool = True) -> None:
        """Follow the connectors' transactions: a TxProfile ends with its transaction, a RemoteStart's
        TxProfile begins with it, a Relative schedule counts from its start. Then apply the limits."""
        for c in self.station.connectors:
            key = id(c)
            if c.tx_started and key not in self._tx_start:
                self._tx_start[key] = self.utc_now()
                pending = self._pending.pop(key, None)
                if pending is not None:
                    profile, capacity = pending
                    verdict = self.profiles.install(profile, self.outlets(), capacity)
                    if not verdict.accepted:
                        self.station.note("charging_profile", f"remote start's TxProfile not used: {verdict.detail}")
            elif not c.tx_started and key in self._tx_start:
                del self._tx_start[key]
                self.profiles.transaction_ended(self.target_of(c))
        if apply:
            self.apply()

    def apply(self) -> None:
        """Give every connector's meter its limit now, and wake up at the next change."""
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
        if not self.profiles.profiles and not self._limited:
            return
        now = self.utc_now()
        t = now + _INTO_PERIOD_S
        limits = {id(c): self.profiles.own_limit_at(self.outlet(c), t) for c in self.station.connectors}
        cap = self.profiles.station_max_at(t)
        if cap is not None:
            self._share(cap, limits)
        for c in self.station.connectors:
            self._set(c, limits[id(c)])
        following = self.profiles.next_change(now, self.outlets().values())
        if following is not None:
            self._timer = self.station.clock.scheduler.call_later(max(following - now, _INTO_PERIOD_S), self.apply)

    def _share(self, cap: Limit, limits: dict[int, Limit]) -> None:
        """A station maximum is shared between the connectors that draw, none getting more than it can
        use; one that does not draw is capped by the whole maximum (it may start at any moment)."""
        unit = RateUnit.A if cap.amps is not None else RateUnit.W
        total = cap.amps if cap.amps is not None else cap.watts
        assert total is not None
        drawing = [c for c in self.station.connectors if c.drawing]
        wanted = []
        for c in drawing:
            outlet = self.outlet(c)
            own = limits[id(c)]
            ev = self.station.metering.meter(c).ev
            if ev is not None:
                own = own.tighter(Limit(amps=ev.max_current_a, watts=ev.max_power_w))
            wanted.append(own.in_unit(unit, outlet.voltage_v, outlet.phases_for(cap.number_phases)))
        for c, given in zip(drawing, share(total, wanted), strict=True):
            limits[id(c)] = limits[id(c)].tighter(as_limit(given, unit, cap.number_phases))
        for c in self.station.connectors:
            if not c.drawing:
                limits[id(c)] = limits[id(c)].tighter(cap)

    def _set(self, c: Connector, limit: Limit) -> None:
        cfg = c.config
        amps = limit.amps if limit.amps is not None and limit.amps < cfg.max_current_a else None
        watts = limit.watts if limit.watts is not None and limit.watts < cfg.max_power_w else None
        phases = self.outlet(c).phases_for(limit.number_phases)
        if amps is not None and phases < cfg.phases:
            # Fewer phases than the connector has (numberPhases): the power of that many phases.
            by_phases = amps * cfg.voltage_v * phases
            watts = by_phases if watts is None else min(watts, by_phases)
        if amps is None and watts is None:
            self._limited.discard(id(c))
        else:
            self._limited.add(id(c))
        self.station.metering.set_limits(c, watts, amps)

    def stop(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None
