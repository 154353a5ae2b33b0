"""Operator commands as OCPP 1.6J CALLs (1.6 section 5): connectors by connectorId, no EVSEs."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ocpp.v16 import call
from ocpp.v16.enums import Action, AvailabilityType, ResetType, UpdateType

from ocpplab_desktop.csms.commands import CommandBuilder, ListedToken, NotForThisVersion, WireCall
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
        "reserve_now": Action.reserve_now,
        "cancel_reservation": Action.cancel_reservation,
        "send_local_list": Action.send_local_list,
        "get_local_list_version": Action.get_local_list_version,
        "update_firmware": Action.update_firmware,
        "get_diagnostics": Action.get_diagnostics,
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

    # --- Reservation (5.2, 5.13) and Local Auth List Management (5.10, 5.15) ----------------------
    def reserve_now(
        self,
        reservation_id: int,
        id_token: str,
        expiry: str,
        *,
        connector_id: int | None,
        evse_id: int | None,
        group: str | None,
        connector_type: str | None,
        token_type: str,
    ) -> WireCall:
        self._no_evse(evse_id)
        if connector_type is not None:
            raise NotForThisVersion("a 1.6 reservation names a connector, not a connector type")
        return self._wire(
            "reserve_now",
            connector_id=connector_id or 0,  # 5.13: connector 0 is any connector
            expiry_date=expiry,
            id_tag=id_token,
            reservation_id=reservation_id,
            parent_id_tag=group,
        )

    def send_local_list(self, version: int, entries: Sequence[ListedToken], *, full: bool, token_type: str) -> WireCall:
        listed = []
        for entry in entries:
            item: dict[str, Any] = {"id_tag": entry.id_token}
            if entry.status is not None:
                item["id_tag_info"] = {
                    "status": entry.status,
                    "expiry_date": entry.expiry,
                    "parent_id_tag": entry.group,
                }
            listed.append(item)
        return self._wire(
            "send_local_list",
            list_version=version,
            update_type=UpdateType.full if full else UpdateType.differential,
            local_authorization_list=listed or None,
        )

    # --- Firmware Management (5.9, 5.16) -----------------------------------------------------------
    def update_firmware(
        self,
        location: str,
        retrieve_date: str,
        *,
        retries: int | None,
        retry_interval: int | None,
        request_id: int | None,
        install_date: str | None,
        signature: str | None,
        signing_certificate: str | None,
    ) -> WireCall:
        given = {"request_id": request_id, "install_date": install_date, "signature": signature}
        extra = [name for name, value in {**given, "signing_certificate": signing_certificate}.items() if value]
        if extra:
            raise NotForThisVersion(
                f"a 1.6 UpdateFirmware has no {', '.join(extra)} (those are 2.0.1's); send location and retrieve_date"
            )
        return self._wire(
            "update_firmware",
            location=location,
            retrieve_date=retrieve_date,
            retries=retries,
            retry_interval=retry_interval,
        )

    def get_diagnostics(
        self,
        location: str,
        *,
        retries: int | None,
        retry_interval: int | None,
        start_time: str | None,
        stop_time: str | None,
    ) -> WireCall:
        return self._wire(
            "get_diagnostics",
            location=location,
            retries=retries,
            retry_interval=retry_interval,
            start_time=start_time,
            stop_time=stop_time,
        )
