"""The station's log-upload part: GetDiagnostics (1.6 section 5.9) and GetLog (2.0.1 N01) for real.

The file is the session's frames of this station as JSON Lines, one `Frame.to_record()` a line
(the format of `ocpplab sessions export`), read from the session database at the moment of the
upload (`StationOptions.session_frames`, which the lab supplies when it records a session); a
SecurityLog holds only the SecurityEventNotification frames. A station without a session
database uploads one line that says so. The file goes to the location by HTTP PUT
(`model.file_transfers.upload_target`), with `retries` more attempts `retryInterval` apart on the
simulated clock; Uploading, then Uploaded or the failure, are reported as they happen.
"""

from __future__ import annotations

import io
import json
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from ocpplab_desktop.engine.firmware import wire
from ocpplab_desktop.engine.http_files import TransferFailed, upload
from ocpplab_desktop.model.file_transfers import LogRequest, LogStage, log_file_name, upload_target
from ocpplab_desktop.protocol.frame import Frame
from ocpplab_desktop.protocol.tasks import TaskSet
from ocpplab_desktop.store.jsonl import write_jsonl
from ocpplab_desktop.store.store import StoreError

if TYPE_CHECKING:
    from ocpplab_desktop.engine.station import Station

FrameSource = Callable[[str], Awaitable[list[Frame]]]
"""The frames of the running session of a station (by id), oldest first."""
SECURITY_ACTIONS = frozenset({"SecurityEventNotification"})
# HTTP answers that 2.0.1 UploadLogStatusEnumType names (1.6 says UploadFailed for all of them).
DENIED_HTTP = frozenset({401, 403})
UNSUPPORTED_HTTP = frozenset({405, 501})
L = LogStage


class LogUploads:
    """The diagnostics/log uploads of one station."""

    def __init__(self, station: Station, frames: FrameSource | None) -> None:
        self.station = station
        self.frames = frames
        self._stage = L.IDLE
        self._request_id: int | None = None
        self._tasks = TaskSet(
            f"station {station.id} log upload", lambda exc: station.note("error", f"log upload: {exc}")
        )

    @property
    def stage(self) -> LogStage:
        return self._stage

    @property
    def request_id(self) -> int | None:
        return self._request_id

    def upload(self, request: LogRequest) -> tuple[str, bool]:
        """Start `request` after the answer has gone; (the file name, whether an upload under way was cancelled)."""
        cancelled = len(self._tasks) > 0
        name = log_file_name(self.station.id, request.kind, self.station.now_iso())
        self.station.spawn(self._replace(request, name))
        return name, cancelled

    async def _replace(self, request: LogRequest, name: str) -> None:
        await self._tasks.cancel_all()
        self._request_id = request.request_id
        self._tasks.spawn(self._run(request, name))

    async def stop(self) -> None:
        await self._tasks.cancel_all()

    async def _report(self, stage: LogStage, detail: str = "") -> None:
        self._stage = stage
        self.station.note("log_upload", f"log upload: {stage}{detail}", stage=stage.value, request_id=self._request_id)
        await self.station.quiet(wire(self.station).log_status(stage, self._request_id))

    async def _run(self, request: LogRequest, name: str) -> None:
        station = self.station
        try:
            content = await self.content(request)
        except (StoreError, OSError) as exc:
            station.note("log_upload", f"the session's frames could not be read: {exc}")
            await self._report(L.FAILED)
            return
        target = upload_target(request.location, name)
        await self._report(L.UPLOADING)
        failure: TransferFailed | None = None
        for attempt in range(1 + max(0, request.retries)):
            if attempt:
                await station.sleep_sim(request.retry_interval_s)
            try:
                await upload(target, content)
            except TransferFailed as exc:
                failure = exc
                station.note("log_upload", f"upload attempt {attempt + 1} failed: {exc}", attempt=attempt + 1)
                continue
            await self._report(L.UPLOADED, f" ({len(content)} bytes to {target})")
            return
        status = failure.status if failure is not None else None
        if status in DENIED_HTTP:
            await self._report(L.DENIED)
        elif status in UNSUPPORTED_HTTP:
            await self._report(L.UNSUPPORTED)
        else:
            await self._report(L.FAILED)

    async def content(self, request: LogRequest) -> bytes:
        """The file: this station's frames of the session as JSON Lines."""
        if self.frames is None:
            note = {"station_id": self.station.id, "note": "no session database: the lab kept no frames to upload"}
            return (json.dumps(note) + "\n").encode()
        frames = await self.frames(self.station.id)
        if request.security_only:
            frames = [f for f in frames if f.action in SECURITY_ACTIONS]
        out = io.StringIO()
        write_jsonl(frames, out, None, 1)
        return out.getvalue().encode()

    def trigger_stage(self) -> tuple[LogStage, int | None]:
        """What a triggered status notification reports: Uploading (with the request id) during an upload,
        else Idle (1.6 section 4.4; 2.0.1 N01: the request id only while an upload is under way)."""
        if len(self._tasks) > 0 and self._stage is L.UPLOADING:
            return L.UPLOADING, self._request_id
        return L.IDLE, None
