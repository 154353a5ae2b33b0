"""The Firmware Management profile of a 1.6 charge point: UpdateFirmware (5.16) and GetDiagnostics (5.9),
with FirmwareStatusNotification (4.5) and DiagnosticsStatusNotification (4.4).

A part of `ChargePoint16` (which inherits it). The work is the station's (`engine/firmware.py`,
`engine/log_upload.py`); here is only the wire. 1.6 has no status for a signature check, a
scheduled installation or the reboot: those stages are not reported as they happen, and a
triggered notification names the 1.6 status they are part of.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from ocpp.routing import on
from ocpp.v16 import call, call_result
from ocpp.v16.enums import Action, DiagnosticsStatus, FirmwareStatus, MessageTrigger

from ocpplab_desktop.model.file_transfers import (
    DEFAULT_RETRIES,
    DEFAULT_RETRY_INTERVAL_S,
    FirmwareRequest,
    FirmwareStage,
    LogRequest,
    LogStage,
)
from ocpplab_desktop.protocol.file_transfers import TransferWire, send_message
from ocpplab_desktop.protocol.station_port import StationPort

F = FirmwareStage
FIRMWARE_16: dict[FirmwareStage, FirmwareStatus] = {
    F.IDLE: FirmwareStatus.idle,
    F.DOWNLOADING: FirmwareStatus.downloading,
    F.DOWNLOADED: FirmwareStatus.downloaded,
    F.DOWNLOAD_FAILED: FirmwareStatus.download_failed,
    F.SIGNATURE_VERIFIED: FirmwareStatus.downloaded,
    # 5.16: only a "valid" image is installed; one that fails its check fails the installation.
    F.INVALID_SIGNATURE: FirmwareStatus.installation_failed,
    F.INSTALL_SCHEDULED: FirmwareStatus.downloaded,
    F.INSTALLING: FirmwareStatus.installing,
    F.INSTALL_REBOOTING: FirmwareStatus.installing,
    F.INSTALLED: FirmwareStatus.installed,
    F.INSTALLATION_FAILED: FirmwareStatus.installation_failed,
}
UNREPORTED_16 = frozenset({F.SIGNATURE_VERIFIED, F.INSTALL_SCHEDULED, F.INSTALL_REBOOTING})
"""Stages 1.6 has no status of its own for: sent only when a trigger asks."""
DIAGNOSTICS_16: dict[LogStage, DiagnosticsStatus] = {
    LogStage.IDLE: DiagnosticsStatus.idle,
    LogStage.UPLOADING: DiagnosticsStatus.uploading,
    LogStage.UPLOADED: DiagnosticsStatus.uploaded,
    LogStage.FAILED: DiagnosticsStatus.upload_failed,
    LogStage.DENIED: DiagnosticsStatus.upload_failed,
    LogStage.UNSUPPORTED: DiagnosticsStatus.upload_failed,
}


def utc_seconds(text: str) -> float:
    """An OCPP dateTime as UTC seconds; a time without a zone is UTC (1.6 section 3.4, 2.0.1 part 2 2.1.1)."""
    moment = datetime.fromisoformat(text)
    return (moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)).timestamp()


class FirmwareManagement16(TransferWire):
    station: StationPort

    async def _send_wire(self, payload: Any) -> None:
        await send_message(self.station, payload)

    @on(Action.update_firmware)
    def on_update_firmware(
        self, location: str, retrieve_date: str, retries: int | None = None, retry_interval: int | None = None, **_: Any
    ) -> call_result.UpdateFirmware:
        # 5.16: the answer is empty; the station downloads at retrieveDate and reports each step.
        self.station.firmware.update(
            FirmwareRequest(
                location=location,
                retrieve_at=utc_seconds(retrieve_date),
                retries=DEFAULT_RETRIES if retries is None else int(retries),
                retry_interval_s=DEFAULT_RETRY_INTERVAL_S if retry_interval is None else int(retry_interval),
            )
        )
        return call_result.UpdateFirmware()

    @on(Action.get_diagnostics)
    def on_get_diagnostics(
        self, location: str, retries: int | None = None, retry_interval: int | None = None, **_: Any
    ) -> call_result.GetDiagnostics:
        # 5.9: the answer names the file that will be uploaded to the location (a directory).
        name, _cancelled = self.station.log_uploads.upload(
            LogRequest(
                location=location,
                kind="Diagnostics",
                retries=DEFAULT_RETRIES if retries is None else int(retries),
                retry_interval_s=DEFAULT_RETRY_INTERVAL_S if retry_interval is None else int(retry_interval),
            )
        )
        return call_result.GetDiagnostics(file_name=name)

    async def firmware_status(self, stage: FirmwareStage, request_id: int | None) -> None:
        del request_id  # 1.6 has no request ids
        if stage not in UNREPORTED_16:
            await self._send_wire(call.FirmwareStatusNotification(status=FIRMWARE_16[stage]))

    async def log_status(self, stage: LogStage, request_id: int | None) -> None:
        del request_id
        await self._send_wire(call.DiagnosticsStatusNotification(status=DIAGNOSTICS_16[stage]))

    async def transfer_trigger(self, message: str) -> bool:
        """A triggered Firmware/DiagnosticsStatusNotification (5.17): the current status, Idle when none."""
        if message == MessageTrigger.firmware_status_notification:
            stage, _ = self.station.firmware.trigger_stage()
            await self._send_wire(call.FirmwareStatusNotification(status=FIRMWARE_16[stage]))
        elif message == MessageTrigger.diagnostics_status_notification:
            log_stage, _ = self.station.log_uploads.trigger_stage()
            await self._send_wire(call.DiagnosticsStatusNotification(status=DIAGNOSTICS_16[log_stage]))
        else:
            return False
        return True
