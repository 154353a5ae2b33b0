"""The station as a Local Controller that publishes firmware (2.0.1 part 2 L03/L04).

PublishFirmware: the station downloads the file (a real HTTP GET, `http_files.py`), retrying
`retries` times `retryInterval` simulated seconds apart, checks its MD5 against the checksum it was
given, and serves it over HTTP on 127.0.0.1 (`file_server.py`, started with the first file and
stopped with the station), reporting Downloading, Downloaded, ChecksumVerified and Published with the
file's URI (or DownloadFailed / InvalidChecksum / PublishFailed). UnpublishFirmware withdraws a file
by its checksum. One publication is worked on at a time; the files published stay until withdrawn.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

from ocpplab_desktop.engine.file_server import FileServer
from ocpplab_desktop.engine.http_files import TransferFailed, download
from ocpplab_desktop.model.firmware_publishing import (
    PublishRequest,
    PublishStage,
    UnpublishOutcome,
    md5_hex,
    published_name,
    same_checksum,
)
from ocpplab_desktop.protocol.publish_wire import PublishWire
from ocpplab_desktop.protocol.tasks import TaskSet

if TYPE_CHECKING:
    from ocpplab_desktop.engine.station import Station

S = PublishStage
ENDS = frozenset({S.DOWNLOAD_FAILED, S.INVALID_CHECKSUM, S.PUBLISHED, S.PUBLISH_FAILED})
"""The stages a publication ends at: from then on the station is free for the next one."""


@dataclass(frozen=True)
class PublishedFile:
    checksum: str
    name: str
    url: str
    request_id: int


class FirmwarePublishing:
    """The firmware files one station publishes, and the publication under way."""

    def __init__(self, station: Station) -> None:
        self.station = station
        self.server = FileServer()
        self.published: dict[str, PublishedFile] = {}
        """Lower-case checksum -> the file served under it."""
        self._stage = S.IDLE
        self._current: PublishRequest | None = None
        self._working = False
        self._tasks = TaskSet(f"station {station.id} publishing", lambda exc: station.note("error", f"publish: {exc}"))

    @property
    def stage(self) -> PublishStage:
        return self._stage

    @property
    def busy(self) -> bool:
        """A publication is under way: from PublishFirmware until the stage it ends at (not its report's answer)."""
        return self._working

    def publish(self, request: PublishRequest) -> bool:
        """Start publishing `request` after the answer has gone; False (Rejected) while another one is under way."""
        if self.busy:
            self.station.note("publish", f"PublishFirmware {request.request_id} refused: a publication is under way")
            return False
        self._current = request
        self._working = True
        self._tasks.spawn(self._run(request))
        return True

    def unpublish(self, checksum: str) -> UnpublishOutcome:
        """L04: withdraw the file with `checksum`; DownloadOngoing while that file is being fetched."""
        current = self._current
        if self.busy and current is not None and same_checksum(current.checksum, checksum):
            return UnpublishOutcome.DOWNLOAD_ONGOING
        gone = self.published.pop(checksum.strip().lower(), None)
        if gone is None:
            return UnpublishOutcome.NO_FIRMWARE
        self.server.files.pop(gone.name, None)
        self.station.note("publish", f"firmware {gone.name} unpublished: no longer served at {gone.url}")
        return UnpublishOutcome.UNPUBLISHED

    def trigger_status(self) -> tuple[PublishStage, int | None, list[str]]:
        """What a triggered PublishFirmwareStatusNotification reports (F06): the publication under way or the
        last one while files are published (with their URIs when Published), else Idle."""
        if not self.busy and not self.published:
            return S.IDLE, None, []
        request_id = self._current.request_id if self._current is not None else None
        return self._stage, request_id, self._locations() if self._stage is S.PUBLISHED else []

    def _locations(self) -> list[str]:
        current = self._current
        if current is None:
            return []
        found = self.published.get(current.checksum.lower())
        return [found.url] if found is not None else []

    async def stop(self) -> None:
        await self._tasks.cancel_all()
        self._working = False
        await self.server.stop()

    async def _report(self, stage: PublishStage, locations: list[str] | None = None) -> None:
        self._stage = stage
        self._working = stage not in ENDS
        request_id = self._current.request_id if self._current is not None else None
        self.station.note("publish", f"firmware publication: {stage}", stage=stage.value, request_id=request_id)
        dialect = self.station.dialect
        if isinstance(dialect, PublishWire):
            await self.station.quiet(dialect.publish_status(stage, request_id, locations or []))

    async def _run(self, request: PublishRequest) -> None:
        content = await self._download(request)
        if content is None:
            return
        await self._report(S.DOWNLOADED)
        if not same_checksum(md5_hex(content), request.checksum):
            await self._report(S.INVALID_CHECKSUM)
            return
        await self._report(S.CHECKSUM_VERIFIED)
        name = published_name(request.location, request.checksum)
        try:
            await self.server.start()
        except OSError as exc:
            self.station.note("publish", f"the file server could not start: {exc}")
            await self._report(S.PUBLISH_FAILED)
            return
        self.server.files[name] = content
        url = self.server.url(name)
        self.published[request.checksum.strip().lower()] = PublishedFile(
            request.checksum, name, url, request.request_id
        )
        await self._report(S.PUBLISHED, [url])

    async def _download(self, request: PublishRequest) -> bytes | None:
        """The file, after at most 1 + retries attempts; None (DownloadFailed reported) if none succeeded."""
        await self._report(S.DOWNLOADING)
        for attempt in range(1 + max(0, request.retries)):
            if attempt:
                await self.station.sleep_sim(request.retry_interval_s)
            try:
                return await download(request.location)
            except TransferFailed as exc:
                self.station.note("publish", f"download attempt {attempt + 1} failed: {exc}", attempt=attempt + 1)
        await self._report(S.DOWNLOAD_FAILED)
        return None
