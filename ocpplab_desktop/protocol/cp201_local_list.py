"""The Local Authorization List CALLs of a 2.0.1 charging station (part 2, functional block D: D01-D02).

A part of `ChargingStation201` (which inherits it). The list lives in the station's authorizer,
which uses it before the cache (C13, C14); here is only the wire and the LocalAuthListCtrlr:
Enabled switches the list on and off, Entries and Storage report its size, ItemsPerMessage and
BytesPerMessage cap one SendLocalList. 2.0.1 has no NotSupported answer: a SendLocalList the
station cannot take is Failed, with the reason in statusInfo.
"""

from __future__ import annotations

import json
from typing import Any

from ocpp.routing import on
from ocpp.v201 import call_result
from ocpp.v201.enums import Action, SendLocalListStatusEnumType, UpdateEnumType

from ocpplab_desktop.model import config_keys as lab
from ocpplab_desktop.model.device_model import DeviceModel
from ocpplab_desktop.model.local_list import ListUpdate, Outcome
from ocpplab_desktop.protocol.codec import to_wire
from ocpplab_desktop.protocol.dialect import token_info
from ocpplab_desktop.protocol.station_port import StationPort

CTRLR = "LocalAuthListCtrlr"
REASON_LENGTH = 20  # StatusInfoType.reasonCode
STATUS_ENUM = {
    ListUpdate.ACCEPTED: SendLocalListStatusEnumType.accepted,
    ListUpdate.FAILED: SendLocalListStatusEnumType.failed,
    ListUpdate.VERSION_MISMATCH: SendLocalListStatusEnumType.version_mismatch,
    ListUpdate.NOT_SUPPORTED: SendLocalListStatusEnumType.failed,
}


class LocalList201:
    """SendLocalList and GetLocalListVersion; Entries and Storage of the LocalAuthListCtrlr follow the list."""

    station: StationPort
    model: DeviceModel

    def _watch_local_list(self) -> None:
        self.model.set_source(CTRLR, "Entries", lambda: str(len(self.station.local_list)))
        self.model.set_source(
            CTRLR, "Storage", lambda: str(len(json.dumps(self.station.local_list.to_dict()["entries"])))
        )

    @on(Action.send_local_list)
    def on_send_local_list(
        self,
        version_number: int,
        update_type: str,
        local_authorization_list: list[dict[str, Any]] | None = None,
        **_: Any,
    ) -> call_result.SendLocalList:
        items = [to_wire(item) for item in local_authorization_list or []]
        outcome = self._update(version_number, update_type, items)
        self.station.note(
            "local_list",
            f"SendLocalList {update_type} version {version_number}: {outcome.status}"
            + (f" ({outcome.detail})" if outcome.detail else ""),
            status=outcome.status.value,
            version=self.station.local_list.version,
        )
        info = None
        if outcome.status is not ListUpdate.ACCEPTED:
            reason = "NotEnabled" if outcome.status is ListUpdate.NOT_SUPPORTED else outcome.status.value
            info = {"reason_code": reason[:REASON_LENGTH], "additional_info": outcome.detail or None}
        return call_result.SendLocalList(status=STATUS_ENUM[outcome.status], status_info=info)

    def _update(self, version: int, update_type: str, items: list[dict[str, Any]]) -> Outcome:
        if not self.model.get_bool(CTRLR, "Enabled"):
            return Outcome(ListUpdate.NOT_SUPPORTED, "LocalAuthListCtrlr.Enabled is false")
        per_message = self.model.get_int(CTRLR, "ItemsPerMessage")
        if len(items) > per_message:
            return Outcome(ListUpdate.FAILED, f"{len(items)} entries; ItemsPerMessage is {per_message}")
        size = len(json.dumps(items, separators=(",", ":")))
        limit = self.model.get_int(CTRLR, "BytesPerMessage")
        if size > limit:
            return Outcome(ListUpdate.FAILED, f"{size} bytes of entries; BytesPerMessage is {limit}")
        entries = []
        for item in items:
            info = item.get("idTokenInfo")
            token = str(item["idToken"]["idToken"])
            entries.append((token, None if info is None else token_info(info, "cacheExpiryDateTime")))
        return self.station.local_list.update(
            update_type == UpdateEnumType.full, version, entries, lab.LOCAL_LIST_MAX_ENTRIES
        )

    @on(Action.get_local_list_version)
    def on_get_local_list_version(self, **_: Any) -> call_result.GetLocalListVersion:
        # D02: the list's version, 0 when there is none (D02.FR.02) or it is not enabled (D02.FR.03).
        version = self.station.local_list.version if self.model.get_bool(CTRLR, "Enabled") else 0
        return call_result.GetLocalListVersion(version_number=version)
