"""Operator commands as OCPP 1.6J CALLs (1.6 section 5): connectors by connectorId, no EVSEs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ocpp.v16 import call
from ocpp.v16.enums import Action, AvailabilityType, ResetType

from ocpplab_desktop.csms.commands import CommandBuilder, NotForThisVersion, WireCall
from ocpplab_desktop.model.config import OcppVersion


class Commands16(CommandBuilder):
    version = OcppVersion.V16
    calls = call
    actions = {
        "remote_start": Action.remote_start_transaction,
        "remote_stop": Action.remote_stop_transaction,
        "reset": Action.reset,
        "change_availability": Action.change_availability,
        "trigger_message": Action.trigger_message,
        "unlock_connector": Action.unlock_connector,
        "get_configuration": Action.get_configuration,
        "change_configuration": Action.change_configuration,
        "set_charging_profile": Action.set_charging_profile,
        "clear_charging_profile": Action.clear_charging_profile,
        "get_composite_schedule": Action.get_composite_schedule,
    }

    def _no_evse(self, evse_id: int | None) -> None:
        if evse_id is not None:
            raise NotForThisVersion(
                f"{self.station_id} speaks OCPP 1.6, which has no EVSEs: address it by connector_id"
            )

    def remote_start(
        self, id_token: str, *, connector_id: int | None, evse_id: int | None, token_type: str
    ) -> WireCall:
        self._no_evse(evse_id)
        return self._wire("remote_start", id_tag=id_token, connector_id=connector_id)

    def remote_stop(self, transaction_id: int | str) -> WireCall:
        return self._wire("remote_stop", transaction_id=int(transaction_id))

    def reset(self, kind: str, *, evse_id: int | None) -> WireCall:
        self._no_evse(evse_id)
        return self._wire("reset", type=self._one_of(kind, ResetType, "reset type"))

    def change_availability(self, operative: bool, *, connector_id: int | None, evse_id: int | None) -> WireCall:
        self._no_evse(evse_id)
        kind = AvailabilityType.operative if operative else AvailabilityType.inoperative
        # 1.6 section 5.2: connectorId 0 addresses the whole Charge Point.
        return self._wire("change_availability", connector_id=connector_id or 0, type=kind)

    def trigger_message(self, message: str, *, connector_id: int | None, evse_id: int | None) -> WireCall:
        self._no_evse(evse_id)
        return self._wire("trigger_message", requested_message=message, connector_id=connector_id)

    def unlock_connector(self, connector_id: int, *, evse_id: int | None) -> WireCall:
        self._no_evse(evse_id)
        return self._wire("unlock_connector", connector_id=connector_id)

    def get_configuration(self, keys: Sequence[str] | None) -> WireCall:
        # 1.6 section 5.8: no key asks for every key.
        return self._wire("get_configuration", key=list(keys) if keys else None)

    def change_configuration(self, key: str, value: str) -> WireCall:
        return self._wire("change_configuration", key=key, value=value)

    # --- Smart Charging (1.6 sections 5.5, 5.7, 5.16): connector 0 is the whole Charge Point ---
    def set_charging_profile(
        self, profile: dict[str, Any], *, connector_id: int | None, evse_id: int | None
    ) -> WireCall:
        self._no_evse(evse_id)
        return self._wire("set_charging_profile", connector_id=connector_id or 0, cs_charging_profiles=profile)

    def clear_charging_profile(
        self,
        *,
        profile_id: int | None,
        connector_id: int | None,
        evse_id: int | None,
        purpose: str | None,
        stack_level: int | None,
    ) -> WireCall:
        self._no_evse(evse_id)
        return self._wire(
            "clear_charging_profile",
            id=profile_id,
            connector_id=connector_id,
            charging_profile_purpose=purpose,
            stack_level=stack_level,
        )

    def get_composite_schedule(
        self, duration_s: int, *, connector_id: int | None, evse_id: int | None, unit: str | None
    ) -> WireCall:
        self._no_evse(evse_id)
        return self._wire(
            "get_composite_schedule", connector_id=connector_id or 0, duration=duration_s, charging_rate_unit=unit
        )
