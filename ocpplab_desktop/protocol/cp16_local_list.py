"""The Local Auth List Management profile of a 1.6 charge point (sections 3.5.3, 5.10, 5.15, 9.2).

A part of `ChargePoint16` (which inherits it). The list lives in the station's authorizer, which
uses it before the cache; here is only the wire. LocalAuthListEnabled false: SendLocalList is
answered NotSupported and GetLocalListVersion -1 (section 5.10). LocalAuthListMaxLength caps the
list and SendLocalListMaxLength one update (section 9.2): more is Failed.
"""

from __future__ import annotations

from typing import Any

from ocpp.routing import on
from ocpp.v16 import call_result
from ocpp.v16.enums import Action, ConfigurationKey, UpdateStatus, UpdateType

from ocpplab_desktop.model.config_keys import ConfigurationKeys16
from ocpplab_desktop.model.local_list import ListUpdate, Outcome
from ocpplab_desktop.protocol.codec import to_wire
from ocpplab_desktop.protocol.dialect import token_info
from ocpplab_desktop.protocol.station_port import StationPort

K = ConfigurationKey


class LocalList16:
    """SendLocalList and GetLocalListVersion."""

    station: StationPort
    keys: ConfigurationKeys16

    @on(Action.send_local_list)
    def on_send_local_list(
        self,
        list_version: int,
        update_type: str,
        local_authorization_list: list[dict[str, Any]] | None = None,
        **_: Any,
    ) -> call_result.SendLocalList:
        outcome = self._update(list_version, update_type, local_authorization_list or [])
        self.station.note(
            "local_list",
            f"SendLocalList {update_type} version {list_version}: {outcome.status}"
            + (f" ({outcome.detail})" if outcome.detail else ""),
            status=outcome.status.value,
            version=self.station.local_list.version,
        )
        return call_result.SendLocalList(status=UpdateStatus(outcome.status.value))

    def _update(self, version: int, update_type: str, items: list[dict[str, Any]]) -> Outcome:
        if not self.keys.get_bool(K.local_auth_list_enabled):
            return Outcome(ListUpdate.NOT_SUPPORTED, "LocalAuthListEnabled is false")
        per_message = self.keys.get_int(K.send_local_list_max_length)
        if len(items) > per_message:
            return Outcome(ListUpdate.FAILED, f"{len(items)} entries; SendLocalListMaxLength is {per_message}")
        entries = []
        for item in items:
            wire = to_wire(item)
            info = wire.get("idTagInfo")
            entries.append((str(wire["idTag"]), None if info is None else token_info(info, "expiryDate")))
        return self.station.local_list.update(
            update_type == UpdateType.full, version, entries, self.keys.get_int(K.local_auth_list_max_length)
        )

    @on(Action.get_local_list_version)
    def on_get_local_list_version(self, **_: Any) -> call_result.GetLocalListVersion:
        # 5.10: 0 for an empty list, -1 where the Charge Point has no list in use.
        if not self.keys.get_bool(K.local_auth_list_enabled):
            return call_result.GetLocalListVersion(list_version=-1)
        return call_result.GetLocalListVersion(list_version=self.station.local_list.version)
