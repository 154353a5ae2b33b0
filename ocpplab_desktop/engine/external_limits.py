"""The station's external charging limits: what an EMS, a system operator or another local source sets.

The lab's user sets one (this part's `set`, a scenario's `external_limit:` step) on the station or
on one connector/EVSE; the station keeps it among its charging profiles as a
ChargingStationExternalConstraints profile (model/external_limits.py), so that the meters, the
composite schedule and GetChargingProfiles all see it, and the dialect tells the CSMS (2.0.1 K12
NotifyChargingLimit, K13 ClearedChargingLimit; nothing in 1.6).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from ocpplab_desktop.model.external_limits import BadLimit, LimitSource, external_profile, externals
from ocpplab_desktop.model.smart_charging import Profile, RateUnit

if TYPE_CHECKING:
    from ocpplab_desktop.engine.station import Station


class ExternalLimits:
    """The external limits of one station, one per connector/EVSE number (0: the station)."""

    def __init__(self, station: Station) -> None:
        self.station = station

    def active(self) -> list[Profile]:
        return externals(self.station.smart_charging.profiles.profiles)

    def of(self, target: int) -> Profile | None:
        return next((p for p in self.active() if p.target == target), None)

    def set(
        self,
        limit: float | None = None,
        unit: RateUnit | str = RateUnit.W,
        *,
        target: int = 0,
        source: LimitSource | str = LimitSource.EMS,
        periods: Sequence[tuple[int, float]] | None = None,
        duration_s: int | None = None,
        grid_critical: bool | None = None,
    ) -> Profile:
        """Apply an external limit on `target` (1.6 connectorId, 2.0.1 evseId; 0: the whole station) from now,
        replacing the one it had; BadLimit when it cannot be applied."""
        smart = self.station.smart_charging
        if target != 0 and target not in smart.outlets():
            raise BadLimit(f"{self.station.id} has no connector/EVSE {target}")
        profile = external_profile(
            target,
            limit,
            unit,
            source,
            smart.utc_now(),
            periods=periods,
            duration_s=duration_s,
            grid_critical=grid_critical,
        )
        others = [p for p in smart.profiles.profiles if p.id != profile.id]
        smart.profiles.profiles = [*others, profile]
        smart.apply()
        where = f"connector/EVSE {target}" if target else "the station"
        first = profile.schedule.periods[0]
        self.station.note(
            "external_limit",
            f"external limit from {profile.source} on {where}: {first.limit:g} {profile.schedule.unit}",
            target=target,
            source=profile.source,
            limit=first.limit,
            unit=profile.schedule.unit.value,
        )
        self.station.spawn_quiet(self.station.dialect.charging_limit_set(profile))
        return profile

    def clear(self, target: int = 0) -> bool:
        """Lift the external limit on `target`; False if it had none."""
        smart = self.station.smart_charging
        gone = self.of(target)
        if gone is None:
            return False
        smart.profiles.profiles = [p for p in smart.profiles.profiles if p.id != gone.id]
        smart.apply()
        where = f"connector/EVSE {target}" if target else "the station"
        self.station.note("external_limit", f"external limit from {gone.source} on {where} cleared", target=target)
        self.station.spawn_quiet(self.station.dialect.charging_limit_cleared(gone))
        return True
