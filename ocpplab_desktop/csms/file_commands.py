"""The mock CSMS's operator commands for firmware and logs: UpdateFirmware, GetDiagnostics, GetLog.

A part of `MockCsms` (which inherits it). The locations default to the CSMS's own file service
(`files.py`): an image of the version after the one the station booted with, and the station's
upload folder; the retrieve date defaults to now on the CSMS's clock (the lab's simulated time).
"""

from __future__ import annotations

from typing import Any

from ocpplab_desktop.csms.commands import CommandBuilder, WireCall
from ocpplab_desktop.csms.files import FileService
from ocpplab_desktop.csms.handlers import Clock, ocpp_datetime
from ocpplab_desktop.csms.state import StationState


class FileCommands:
    files: FileService
    stations: dict[str, StationState]
    _clock: Clock

    def commands(self, station_id: str) -> CommandBuilder:
        raise NotImplementedError  # MockCsms's

    async def _run(self, station_id: str, call: WireCall) -> dict[str, Any]:
        raise NotImplementedError  # MockCsms's

    def default_firmware_url(self, station_id: str) -> str:
        """An image of the next version after the one the station last booted with."""
        state = self.stations.get(station_id)
        boot = (state.boot if state is not None else None) or {}
        station = boot.get("chargingStation", boot)  # 2.0.1 nests it; 1.6 has the fields at the top
        return self.files.next_firmware_url(station.get("firmwareVersion"))

    async def update_firmware(
        self,
        station_id: str,
        location: str | None = None,
        *,
        retrieve_date: str | None = None,
        retries: int | None = None,
        retry_interval: int | None = None,
        request_id: int | None = None,
        install_date: str | None = None,
        signature: str | None = None,
        signing_certificate: str | None = None,
    ) -> dict[str, Any]:
        """UpdateFirmware (1.6 5.16, 2.0.1 L01/L02); without a location, the file service's next version; without
        a retrieve date, now. 2.0.1 only: request_id (default: the CSMS's next), install_date, signature and
        signing_certificate (a signature makes the station check it: L01)."""
        call = self.commands(station_id).update_firmware(
            location or self.default_firmware_url(station_id),
            retrieve_date or ocpp_datetime(self._clock()),
            retries=retries,
            retry_interval=retry_interval,
            request_id=request_id,
            install_date=install_date,
            signature=signature,
            signing_certificate=signing_certificate,
        )
        return await self._run(station_id, call)

    async def get_diagnostics(
        self,
        station_id: str,
        location: str | None = None,
        *,
        retries: int | None = None,
        retry_interval: int | None = None,
        start_time: str | None = None,
        stop_time: str | None = None,
    ) -> dict[str, Any]:
        """1.6 GetDiagnostics (5.9); without a location, the file service's folder for the station."""
        call = self.commands(station_id).get_diagnostics(
            location or self.files.upload_url(station_id),
            retries=retries,
            retry_interval=retry_interval,
            start_time=start_time,
            stop_time=stop_time,
        )
        return await self._run(station_id, call)

    async def get_log(
        self,
        station_id: str,
        location: str | None = None,
        *,
        log_type: str = "DiagnosticsLog",
        request_id: int | None = None,
        retries: int | None = None,
        retry_interval: int | None = None,
        oldest: str | None = None,
        latest: str | None = None,
    ) -> dict[str, Any]:
        """2.0.1 GetLog (N01) of `log_type` DiagnosticsLog or SecurityLog; without a location, the file
        service's folder for the station; request_id defaults to the CSMS's next."""
        call = self.commands(station_id).get_log(
            location or self.files.upload_url(station_id),
            log_type=log_type,
            request_id=request_id,
            retries=retries,
            retry_interval=retry_interval,
            oldest=oldest,
            latest=latest,
        )
        return await self._run(station_id, call)
