"""Firmware and logs of a 2.0.1 charging station: UpdateFirmware (part 2 L01/L02) with
FirmwareStatusNotification, GetLog (N01) with LogStatusNotification, and the security events they
cause (SecurityEventNotification, A04: FirmwareUpdated, InvalidFirmwareSignature).

A part of `ChargingStation201` (which inherits it). The work is the station's (`engine/firmware.py`,
`engine/log_upload.py`); here is only the wire. Every notification of an update or upload carries
the requestId of the request that started it; only a triggered one with nothing under way goes
without (Idle).
"""

from __future__ import annotations

from typing import Any

from ocpp.routing import on
from ocpp.v201 import call, call_result
from ocpp.v201.enums import Action, LogStatusEnumType, MessageTriggerEnumType, UpdateFirmwareStatusEnumType

from ocpplab_desktop.model.file_transfers import (
    DEFAULT_RETRIES,
    DEFAULT_RETRY_INTERVAL_S,
    FirmwareRequest,
    FirmwareStage,
    LogRequest,
    LogStage,
)
from ocpplab_desktop.protocol.cp16_files import utc_seconds
from ocpplab_desktop.protocol.file_transfers import TransferWire, send_message
from ocpplab_desktop.protocol.station_port import StationPort

TECH_INFO_LENGTH = 255  # SecurityEventNotificationRequest.techInfo


class FirmwareAndLogs201(TransferWire):
    station: StationPort

    @on(Action.update_firmware)
    def on_update_firmware(
        self,
        request_id: int,
        firmware: dict[str, Any],
        retries: int | None = None,
        retry_interval: int | None = None,
        **_: Any,
    ) -> call_result.UpdateFirmware:
        install = firmware.get("install_date_time")
        cancelled = self.station.firmware.update(
            FirmwareRequest(
                location=firmware["location"],
                retrieve_at=utc_seconds(firmware["retrieve_date_time"]),
                retries=DEFAULT_RETRIES if retries is None else retries,
                retry_interval_s=DEFAULT_RETRY_INTERVAL_S if retry_interval is None else retry_interval,
                request_id=request_id,
                install_at=utc_seconds(install) if install else None,
                # L01 (secure update) checks the signature; L02 (no signature) has nothing to check.
                signed=bool(firmware.get("signature")),
            )
        )
        # L01: an update under way is cancelled for the new one, and the answer says so.
        status = UpdateFirmwareStatusEnumType.accepted_canceled if cancelled else UpdateFirmwareStatusEnumType.accepted
        return call_result.UpdateFirmware(status=status)

    @on(Action.get_log)
    def on_get_log(
        self,
        log: dict[str, Any],
        log_type: str,
        request_id: int,
        retries: int | None = None,
        retry_interval: int | None = None,
        **_: Any,
    ) -> call_result.GetLog:
        name, cancelled = self.station.log_uploads.upload(
            LogRequest(
                location=log["remote_location"],
                kind=log_type,
                retries=DEFAULT_RETRIES if retries is None else retries,
                retry_interval_s=DEFAULT_RETRY_INTERVAL_S if retry_interval is None else retry_interval,
                request_id=request_id,
            )
        )
        # N01: an upload under way is cancelled for the new one (AcceptedCanceled); the answer names the file.
        status = LogStatusEnumType.accepted_canceled if cancelled else LogStatusEnumType.accepted
        return call_result.GetLog(status=status, filename=name)

    async def firmware_status(self, stage: FirmwareStage, request_id: int | None) -> None:
        await send_message(self.station, call.FirmwareStatusNotification(status=stage.value, request_id=request_id))

    async def log_status(self, stage: LogStage, request_id: int | None) -> None:
        await send_message(self.station, call.LogStatusNotification(status=stage.value, request_id=request_id))

    async def security_event(self, kind: str, info: str | None = None) -> None:
        """SecurityEventNotification (A04) of `kind` (named as in part 2 appendix 1), now."""
        event = call.SecurityEventNotification(
            type=kind, timestamp=self.station.now_iso(), tech_info=info[:TECH_INFO_LENGTH] if info else None
        )
        await send_message(self.station, event)

    async def transfer_trigger(self, message: str) -> bool:
        """A triggered FirmwareStatusNotification / LogStatusNotification (F06): the current status."""
        if message == MessageTriggerEnumType.firmware_status_notification:
            await self.firmware_status(*self.station.firmware.trigger_stage())
        elif message == MessageTriggerEnumType.log_status_notification:
            await self.log_status(*self.station.log_uploads.trigger_stage())
        else:
            return False
        return True
