"""The smart-charging CALLs of a 2.0.1 charging station (part 2, functional block K: K01, K08-K10).

A part of `ChargingStation201` (which inherits it), kept apart so that each module does one job.
The profiles themselves live in the station's smart-charging part; here is only the wire.
"""

from __future__ import annotations

from typing import Any

from ocpp.routing import on
from ocpp.v201 import call_result
from ocpp.v201.enums import (
    Action,
    ChargingProfilePurposeEnumType,
    ChargingProfileStatusEnumType,
    ClearChargingProfileStatusEnumType,
    GenericStatusEnumType,
    GetChargingProfileStatusEnumType,
)

from ocpplab_desktop.model import config_keys as lab
from ocpplab_desktop.model.device_model import DeviceModel
from ocpplab_desktop.model.smart_charging import Capacity, Profile, Purpose, RateUnit, SameLevel, Verdict
from ocpplab_desktop.protocol.charging_profiles import PURPOSE_201, composite_201, profile_201, wire_profile_201
from ocpplab_desktop.protocol.codec import to_wire
from ocpplab_desktop.protocol.station_port import StationPort

CTRLR = "SmartChargingCtrlr"
# StatusInfoType: reasonCode has at most 20 characters, additionalInfo 512.
REASON_LENGTH, INFO_LENGTH = 20, 512


def status_info(verdict: Verdict) -> dict[str, str | None] | None:
    """StatusInfoType of a refusal: the reasonCode and, for people, what was wrong."""
    if verdict.accepted or verdict.reason is None:
        return None
    return {"reason_code": verdict.reason[:REASON_LENGTH], "additional_info": verdict.detail[:INFO_LENGTH] or None}


class SmartCharging201:
    """SetChargingProfile, ClearChargingProfile, GetChargingProfiles (with ReportChargingProfiles) and
    GetCompositeSchedule; `Entries` of the SmartChargingCtrlr counts the profiles installed."""

    station: StationPort
    model: DeviceModel

    def _watch_entries(self) -> None:
        self.model.set_source(
            CTRLR, "Entries", lambda: str(len(self.station.smart_charging.profiles)), instance="ChargingProfiles"
        )

    def charging_capacity(self) -> Capacity:
        """The SmartChargingCtrlr's variables as the limits a profile must keep."""
        return Capacity(
            max_stack_level=self.model.get_int(CTRLR, "ProfileStackLevel"),
            max_periods=self.model.get_int(CTRLR, "PeriodsPerSchedule"),
            units=frozenset(RateUnit(u) for u in self.model.get_list(CTRLR, "RateUnit")),
            max_installed=lab.CHARGING_PROFILES_MAX,
            same_level=SameLevel.REJECT,
        )

    def charging_profile(self, evse_id: int, data: dict[str, Any]) -> Profile | Verdict:
        """The profile a request carries, or why it cannot be one."""
        if data["charging_profile_purpose"] == ChargingProfilePurposeEnumType.tx_profile and not data.get(
            "transaction_id"
        ):
            # K01.FR.03: a TxProfile names its transaction.
            return Verdict(False, "TxNotFound", "a TxProfile needs a transactionId")
        profile = profile_201(evse_id, data)
        if profile is None:
            # K01.FR.22: ChargingStationExternalConstraints are set by the station itself, never by the CSMS.
            return Verdict(False, "InvalidValue", "the CSMS cannot set ChargingStationExternalConstraints")
        return profile

    @on(Action.set_charging_profile)
    def on_set_charging_profile(
        self, evse_id: int, charging_profile: dict[str, Any], **_: Any
    ) -> call_result.SetChargingProfile:
        request = self.charging_profile(evse_id, charging_profile)
        if isinstance(request, Verdict):
            verdict = request
        else:
            verdict = self.station.smart_charging.install(request, self.charging_capacity())
        if not verdict.accepted:
            self.station.note(
                "charging_profile", f"SetChargingProfile {charging_profile['id']} rejected: {verdict.detail}"
            )
        return call_result.SetChargingProfile(
            status=ChargingProfileStatusEnumType(verdict.status), status_info=status_info(verdict)
        )

    @on(Action.clear_charging_profile)
    def on_clear_charging_profile(
        self,
        charging_profile_id: int | None = None,
        charging_profile_criteria: dict[str, Any] | None = None,
        **_: Any,
    ) -> call_result.ClearChargingProfile:
        criteria = charging_profile_criteria or {}
        purpose_name = criteria.get("charging_profile_purpose")
        purpose = None if purpose_name is None else PURPOSE_201.get(purpose_name)
        cleared = (purpose_name is None or purpose is not None) and self.station.smart_charging.clear(
            charging_profile_id,
            target=criteria.get("evse_id"),
            purpose=purpose,
            stack_level=criteria.get("stack_level"),
        )
        # K10.FR.02 / K10.FR.08: Accepted when something was cleared, Unknown when nothing matched.
        status = ClearChargingProfileStatusEnumType.accepted if cleared else ClearChargingProfileStatusEnumType.unknown
        return call_result.ClearChargingProfile(status=status)

    @on(Action.get_charging_profiles)
    def on_get_charging_profiles(
        self, request_id: int, charging_profile: dict[str, Any], evse_id: int | None = None, **_: Any
    ) -> call_result.GetChargingProfiles:
        found = self._matching_profiles(charging_profile, evse_id)
        if not found:
            # K09: NoProfiles when nothing matches, and no report follows.
            return call_result.GetChargingProfiles(status=GetChargingProfileStatusEnumType.no_profiles)
        self.station.spawn(self._report_profiles(request_id, found))
        return call_result.GetChargingProfiles(status=GetChargingProfileStatusEnumType.accepted)

    def _matching_profiles(self, criteria: dict[str, Any], evse_id: int | None) -> list[Profile]:
        sources = criteria.get("charging_limit_source")
        purpose_name = criteria.get("charging_profile_purpose")
        purpose = (
            None
            if purpose_name is None
            else {**PURPOSE_201, Purpose.EXTERNAL.value: Purpose.EXTERNAL}.get(purpose_name)
        )
        if purpose_name is not None and purpose is None:
            return []
        found = self.station.smart_charging.profiles.matching(
            profile_ids=criteria.get("charging_profile_id"),
            target=evse_id,
            purpose=purpose,
            stack_level=criteria.get("stack_level"),
        )
        # The CSMS's profiles have source CSO; an external limit the source that set it (K09, K12).
        return [p for p in found if sources is None or p.source in sources]

    async def _report_profiles(self, request_id: int, profiles: list[Profile]) -> None:
        """K09: one ReportChargingProfiles per source and EVSE (both are fields of it), tbc on all but the last."""
        groups = sorted({(p.source, p.target) for p in profiles})
        for n, (source, target) in enumerate(groups):
            await self.station.send(
                "ReportChargingProfiles",
                {
                    "requestId": request_id,
                    "chargingLimitSource": source,
                    "evseId": target,
                    "chargingProfile": [
                        to_wire(wire_profile_201(p)) for p in profiles if (p.source, p.target) == (source, target)
                    ],
                    "tbc": n < len(groups) - 1,
                },
            )

    @on(Action.get_composite_schedule)
    def on_get_composite_schedule(
        self, duration: int, evse_id: int, charging_rate_unit: str | None = None, **_: Any
    ) -> call_result.GetCompositeSchedule:
        unit = None if charging_rate_unit is None else RateUnit(charging_rate_unit)
        if unit is not None and unit not in self.charging_capacity().units:
            verdict = Verdict(False, "UnsupportedRateUnit", f"the station does not report in {unit}")
        else:
            composite = self.station.smart_charging.composite(evse_id, duration, unit)
            if composite is not None:
                return call_result.GetCompositeSchedule(
                    status=GenericStatusEnumType.accepted, schedule=composite_201(composite)
                )
            verdict = Verdict(False, "UnknownEvse", f"there is no EVSE {evse_id}")
        # K08: Rejected when the schedule cannot be given.
        return call_result.GetCompositeSchedule(status=GenericStatusEnumType.rejected, status_info=status_info(verdict))
