"""The station's firmware part: an UpdateFirmware carried out on the simulated clock.

1.6 section 5.16 and 2.0.1 L01/L02: at the retrieve date the station downloads the image from
the location it was given (a real HTTP GET, `http_files.py`), retrying `retries` times
`retryInterval` apart; checks the signature when one came with the request (2.0.1); waits for
the install date (InstallScheduled) and for running transactions to end (1.6 5.16 recommends it,
2.0.1 L01 requires it before a reboot); installs; reboots; and after the next boot, whose
BootNotification carries the new firmwareVersion, reports Installed (2.0.1: and the security
event FirmwareUpdated). The station's configuration keeps the new version.

A failure can be chosen (`fail_at`): the download, the signature check or the installation
goes wrong, and the update stops at DownloadFailed, InvalidSignature (with the security event
InvalidFirmwareSignature; 1.6, which checks no signature, says InstallationFailed) or
InstallationFailed, on the old firmware.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from ocpplab_desktop.engine.http_files import TransferFailed, download
from ocpplab_desktop.model.file_transfers import FirmwareFailure, FirmwareRequest, FirmwareStage, firmware_version_of
from ocpplab_desktop.protocol.file_transfers import TransferWire
from ocpplab_desktop.protocol.tasks import TaskSet

if TYPE_CHECKING:
    from ocpplab_desktop.engine.station import Station

INSTALL_S = 10.0
"""Simulated seconds an installation takes."""
IDLE_POLL_S = 1.0
"""How often (simulated seconds) an installation that waits for transactions to end looks again."""
S = FirmwareStage


def wire(station: Station) -> TransferWire:
    """The station's dialect as it reports transfers (both dialects are one)."""
    dialect = station.dialect
    assert isinstance(dialect, TransferWire)
    return dialect


def station_utc(station: Station) -> float:
    """The station's own clock in UTC seconds (clock faults included)."""
    clock = station.clock
    return clock.sim_start_wall + clock.now + station.clock_skew_s


class FirmwareUpdates:
    """The firmware update of one station, from UpdateFirmware to the boot on the new firmware."""

    def __init__(self, station: Station) -> None:
        self.station = station
        self.fail_at: FirmwareFailure | None = None
        """A chosen failure for the updates from now on; None: they succeed."""
        self._stage = S.IDLE
        self._request_id: int | None = None
        self._installed: str | None = None  # the version a reboot is about to start
        self._tasks = TaskSet(f"station {station.id} firmware", lambda exc: station.note("error", f"firmware: {exc}"))

    @property
    def stage(self) -> FirmwareStage:
        return self._stage

    @property
    def request_id(self) -> int | None:
        return self._request_id

    @property
    def busy(self) -> bool:
        return len(self._tasks) > 0 or self._installed is not None

    def update(self, request: FirmwareRequest) -> bool:
        """Start `request` after the answer has gone; True if an update under way was cancelled for it."""
        cancelled = self.busy
        if cancelled:
            self.station.note("firmware", "the firmware update under way is cancelled for a new one")
        self._installed = None
        self.station.spawn(self._replace(request))
        return cancelled

    async def _replace(self, request: FirmwareRequest) -> None:
        await self._tasks.cancel_all()
        self._request_id = request.request_id
        self._tasks.spawn(self._run(request))

    async def stop(self) -> None:
        await self._tasks.cancel_all()

    async def _report(self, stage: FirmwareStage) -> None:
        self._stage = stage
        self.station.note("firmware", f"firmware update: {stage}", stage=stage.value, request_id=self._request_id)
        await self.station.quiet(wire(self.station).firmware_status(stage, self._request_id))

    async def _run(self, request: FirmwareRequest) -> None:
        station = self.station
        wait = request.retrieve_at - station_utc(station)
        if wait > 0:
            await station.sleep_sim(wait)
        image = await self._download(request)
        if image is None:
            return
        await self._report(S.DOWNLOADED)
        if request.signed or self.fail_at is FirmwareFailure.SIGNATURE:
            if self.fail_at is FirmwareFailure.SIGNATURE:
                await self._report(S.INVALID_SIGNATURE)
                await station.quiet(
                    station.dialect.security_event("InvalidFirmwareSignature", f"firmware from {request.location}")
                )
                return
            await self._report(S.SIGNATURE_VERIFIED)
        if request.install_at is not None and request.install_at > station_utc(station):
            await self._report(S.INSTALL_SCHEDULED)
            await station.sleep_sim(request.install_at - station_utc(station))
        while any(c.tx_started for c in station.connectors):
            await station.sleep_sim(IDLE_POLL_S)
        await self._report(S.INSTALLING)
        await station.sleep_sim(INSTALL_S)
        if self.fail_at is FirmwareFailure.INSTALL:
            await self._report(S.INSTALLATION_FAILED)
            return
        version = firmware_version_of(request.location, image)
        await self._report(S.INSTALL_REBOOTING)
        self._installed = version
        before = station.config.firmware_version
        station.config = replace(station.config, firmware_version=version)
        station.note("firmware", f"firmware {version} installed (was {before}): rebooting", version=version)
        await station.reboot(station.dialect.REASON_REBOOT, boot_reason="FirmwareUpdate")

    async def _download(self, request: FirmwareRequest) -> bytes | None:
        """The image, after at most 1 + retries attempts; None (DownloadFailed reported) if none succeeded."""
        station = self.station
        await self._report(S.DOWNLOADING)
        for attempt in range(1 + max(0, request.retries)):
            if attempt:
                await station.sleep_sim(request.retry_interval_s)
            try:
                if self.fail_at is FirmwareFailure.DOWNLOAD:
                    raise TransferFailed(f"GET {request.location}: failed on purpose (a chosen download failure)")
                return await download(request.location)
            except TransferFailed as exc:
                station.note("firmware", f"download attempt {attempt + 1} failed: {exc}", attempt=attempt + 1)
        await self._report(S.DOWNLOAD_FAILED)
        return None

    def after_boot(self) -> None:
        """The station booted: if that was the reboot into new firmware, report it installed."""
        if self._installed is not None:
            self._installed = None
            self._tasks.spawn(self._confirm())

    async def _confirm(self) -> None:
        await self._report(S.INSTALLED)
        await self.station.quiet(
            self.station.dialect.security_event("FirmwareUpdated", f"firmware {self.station.config.firmware_version}")
        )

    def trigger_stage(self) -> tuple[FirmwareStage, int | None]:
        """What a triggered FirmwareStatusNotification reports: Idle (no request id) when no update is under
        way or the last one was installed, else the last stage with its request id (2.0.1 L01, F06)."""
        if self._stage is S.INSTALLED or (self._stage is S.IDLE and not self.busy):
            return S.IDLE, None
        return self._stage, self._request_id

    # --- chosen failures -----------------------------------------------------------------------
    def choose_failure(self, stage: FirmwareFailure | None) -> None:
        self.fail_at = stage
        what = f"the {stage} will fail" if stage is not None else "they will succeed"
        self.station.note("fault", f"firmware updates: {what}", what="firmware_failure", stage=stage and stage.value)
