"""Operator commands as OCPP 2.0.1 CALLs: a connector is addressed within its EVSE (an EVSEType)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from ocpp.v201 import call
from ocpp.v201.enums import (
    Action,
    IdTokenEnumType,
    LogEnumType,
    OperationalStatusEnumType,
    ResetEnumType,
    UpdateEnumType,
)

from ocpplab_desktop.csms.commands import CommandBuilder, ListedToken, NotForThisVersion, WireCall
from ocpplab_desktop.model.config import OcppVersion


def _group_id_token(group: str | None) -> dict[str, str] | None:
    """C09.FR.13: a group id token is the CSMS's own, of type Central."""
    return None if group is None else {"id_token": group, "type": IdTokenEnumType.central}


class Commands201(CommandBuilder):
    version = OcppVersion.V201
    calls = call
    actions = {
        "remote_start": Action.request_start_transaction,
        "remote_stop": Action.request_stop_transaction,
        "reset": Action.reset,
        "change_availability": Action.change_availability,
        "trigger_message": Action.trigger_message,
        "unlock_connector": Action.unlock_connector,
        "get_variables": Action.get_variables,
        "set_variables": Action.set_variables,
        "get_base_report": Action.get_base_report,
        "set_charging_profile": Action.set_charging_profile,
        "clear_charging_profile": Action.clear_charging_profile,
        "get_composite_schedule": Action.get_composite_schedule,
        "get_charging_profiles": Action.get_charging_profiles,
        "reserve_now": Action.reserve_now,
        "cancel_reservation": Action.cancel_reservation,
        "send_local_list": Action.send_local_list,
        "get_local_list_version": Action.get_local_list_version,
        "update_firmware": Action.update_firmware,
        "get_log": Action.get_log,
        # commands201_services.py
        "set_variable_monitoring": Action.set_variable_monitoring,
        "clear_variable_monitoring": Action.clear_variable_monitoring,
        "set_monitoring_base": Action.set_monitoring_base,
        "set_monitoring_level": Action.set_monitoring_level,
        "get_monitoring_report": Action.get_monitoring_report,
        "set_display_message": Action.set_display_message,
        "get_display_messages": Action.get_display_messages,
        "clear_display_message": Action.clear_display_message,
        "get_transaction_status": Action.get_transaction_status,
        "cost_updated": Action.cost_updated,
        "customer_information": Action.customer_information,
        "set_network_profile": Action.set_network_profile,
        # commands201_publish.py
        "publish_firmware": Action.publish_firmware,
        "unpublish_firmware": Action.unpublish_firmware,
    }

    def _evse(self, connector_id: int | None, evse_id: int | None) -> dict[str, int] | None:
        """The EVSEType that addresses a whole EVSE or one of its connectors (None: the whole station)."""
        if evse_id is None:
            if connector_id is not None:
                raise NotForThisVersion(
                    f"{self.station_id} speaks OCPP 2.0.1: a connector is addressed by evse_id and connector_id"
                )
            return None
        return {"id": evse_id} if connector_id is None else {"id": evse_id, "connector_id": connector_id}

    def remote_start(
        self, id_token: str, *, connector_id: int | None, evse_id: int | None, token_type: str
    ) -> WireCall:
        evse = self._evse(connector_id, evse_id)
        if evse is not None and "connector_id" in evse:
            raise NotForThisVersion("RequestStartTransaction addresses an EVSE: give evse_id only")
        return self._wire(
            "remote_start",
            id_token={"id_token": id_token, "type": token_type},
            remote_start_id=next(self.ids.remote_start),
            evse_id=evse_id,
        )

    def remote_stop(self, transaction_id: int | str) -> WireCall:
        # 2.0.1 transaction ids are the station's strings.
        return self._wire("remote_stop", transaction_id=str(transaction_id))

    def reset(self, kind: str, *, evse_id: int | None) -> WireCall:
        return self._wire("reset", type=self._one_of(kind, ResetEnumType, "reset type"), evse_id=evse_id)

    def change_availability(self, operative: bool, *, connector_id: int | None, evse_id: int | None) -> WireCall:
        evse = self._evse(connector_id, evse_id)
        status = OperationalStatusEnumType.operative if operative else OperationalStatusEnumType.inoperative
        return self._wire("change_availability", operational_status=status, evse=evse)

    def trigger_message(self, message: str, *, connector_id: int | None, evse_id: int | None) -> WireCall:
        evse = self._evse(connector_id, evse_id)
        return self._wire("trigger_message", requested_message=message, evse=evse)

    def unlock_connector(self, connector_id: int, *, evse_id: int | None) -> WireCall:
        self._evse(connector_id, evse_id)
        return self._wire("unlock_connector", evse_id=evse_id, connector_id=connector_id)

    def get_variables(self, items: list[dict[str, Any]]) -> WireCall:
        return self._wire("get_variables", get_variable_data=items)

    def set_variables(self, items: list[dict[str, Any]]) -> WireCall:
        return self._wire("set_variables", set_variable_data=items)

    def get_base_report(self, report_base: str, *, request_id: int | None) -> WireCall:
        # B07/B08: the NotifyReport parts that follow carry this requestId.
        return self._wire("get_base_report", request_id=self._request_id(request_id), report_base=report_base)

    # --- Smart charging (K01, K08-K10): evseId 0 is the whole station ---------------------------
    def _whole_evse(self, connector_id: int | None) -> None:
        if connector_id is not None:
            raise NotForThisVersion("2.0.1 charging profiles address an EVSE: give evse_id only")

    def set_charging_profile(
        self, profile: dict[str, Any], *, connector_id: int | None, evse_id: int | None
    ) -> WireCall:
        self._whole_evse(connector_id)
        return self._wire("set_charging_profile", evse_id=evse_id or 0, charging_profile=profile)

    def clear_charging_profile(
        self,
        *,
        profile_id: int | None,
        connector_id: int | None,
        evse_id: int | None,
        purpose: str | None,
        stack_level: int | None,
    ) -> WireCall:
        self._whole_evse(connector_id)
        criteria = {"evse_id": evse_id, "charging_profile_purpose": purpose, "stack_level": stack_level}
        given = {k: v for k, v in criteria.items() if v is not None}
        return self._wire(
            "clear_charging_profile", charging_profile_id=profile_id, charging_profile_criteria=given or None
        )

    def get_composite_schedule(
        self, duration_s: int, *, connector_id: int | None, evse_id: int | None, unit: str | None
    ) -> WireCall:
        self._whole_evse(connector_id)
        return self._wire("get_composite_schedule", duration=duration_s, evse_id=evse_id or 0, charging_rate_unit=unit)

    def get_charging_profiles(
        self,
        *,
        request_id: int | None,
        evse_id: int | None,
        purpose: str | None,
        stack_level: int | None,
        profile_ids: Sequence[int] | None,
    ) -> WireCall:
        # K09: the ReportChargingProfiles that follow carry this requestId.
        return self._wire(
            "get_charging_profiles",
            request_id=self._request_id(request_id),
            evse_id=evse_id,
            charging_profile={
                "charging_profile_purpose": purpose,
                "stack_level": stack_level,
                "charging_profile_id": list(profile_ids) if profile_ids else None,
            },
        )

    # --- Reservations (H01, H02) and the Local Authorization List (D01, D02) ----------------------
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
        if connector_id is not None:
            raise NotForThisVersion("a 2.0.1 reservation names an EVSE (evse_id) and maybe a connector_type")
        return self._wire(
            "reserve_now",
            id=reservation_id,
            expiry_date_time=expiry,
            id_token={"id_token": id_token, "type": token_type},
            evse_id=evse_id,
            connector_type=connector_type,
            group_id_token=_group_id_token(group),
        )

    def send_local_list(self, version: int, entries: Sequence[ListedToken], *, full: bool, token_type: str) -> WireCall:
        listed = []
        for entry in entries:
            item: dict[str, Any] = {"id_token": {"id_token": entry.id_token, "type": token_type}}
            if entry.status is not None:
                item["id_token_info"] = {
                    "status": entry.status,
                    "cache_expiry_date_time": entry.expiry,
                    "group_id_token": _group_id_token(entry.group),
                }
            listed.append(item)
        return self._wire(
            "send_local_list",
            version_number=version,
            update_type=UpdateEnumType.full if full else UpdateEnumType.differential,
            local_authorization_list=listed or None,
        )

    # --- firmware (L01/L02) and logs (N01) ----------------------------------------------------------
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
        return self._wire(
            "update_firmware",
            request_id=self._request_id(request_id),
            firmware={
                "location": location,
                "retrieve_date_time": retrieve_date,
                "install_date_time": install_date,
                "signing_certificate": signing_certificate,
                "signature": signature,
            },
            retries=retries,
            retry_interval=retry_interval,
        )

    def get_log(
        self,
        location: str,
        *,
        log_type: str,
        request_id: int | None,
        retries: int | None,
        retry_interval: int | None,
        oldest: str | None,
        latest: str | None,
    ) -> WireCall:
        return self._wire(
            "get_log",
            log={"remote_location": location, "oldest_timestamp": oldest, "latest_timestamp": latest},
            log_type=self._one_of(log_type, LogEnumType, "log type"),
            request_id=self._request_id(request_id),
            retries=retries,
            retry_interval=retry_interval,
        )
