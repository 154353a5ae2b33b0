"""External charging limits of a 2.0.1 charging station on the wire (part 2 K12, K13).

A part of `ChargingStation201` (which inherits it). The station applies the limit itself
(engine/external_limits.py); here it tells the CSMS: NotifyChargingLimit when a limit is set or
changes, with the schedule when SmartChargingCtrlr.NotifyChargingLimitWithSchedules is true, and
ClearedChargingLimit when it is lifted.
"""

from __future__ import annotations

from typing import Any

from ocpplab_desktop.model.device_model import DeviceModel
from ocpplab_desktop.model.smart_charging import Profile
from ocpplab_desktop.protocol.charging_profiles import wire_profile_201
from ocpplab_desktop.protocol.codec import to_wire
from ocpplab_desktop.protocol.station_port import StationPort

CTRLR = "SmartChargingCtrlr"


def _evse(limit: Profile) -> dict[str, int]:
    # K12/K13: evseId names the EVSE the limit is on; absent, the limit is on the whole station.
    return {"evseId": limit.target} if limit.target else {}


class ExternalLimits201:
    station: StationPort
    model: DeviceModel

    async def charging_limit_set(self, limit: Profile) -> None:
        charging_limit: dict[str, Any] = {"chargingLimitSource": limit.source}
        if limit.grid_critical is not None:
            charging_limit["isGridCritical"] = limit.grid_critical
        payload: dict[str, Any] = {"chargingLimit": charging_limit, **_evse(limit)}
        if self.model.get_value(CTRLR, "NotifyChargingLimitWithSchedules") == "true":
            # K12: the schedule goes along only when NotifyChargingLimitWithSchedules is true.
            payload["chargingSchedule"] = to_wire(wire_profile_201(limit)["charging_schedule"])
        await self.station.send("NotifyChargingLimit", payload, validate=False)

    async def charging_limit_cleared(self, limit: Profile) -> None:
        payload = {"chargingLimitSource": limit.source, **_evse(limit)}
        await self.station.send("ClearedChargingLimit", payload, validate=False)
