"""The seam between the dialects' firmware and log handlers and the station's parts that do the work.

The handlers (`cp16_files.py`, `cp201_files.py`) read a request into a `FirmwareRequest` or
`LogRequest` and hand it to the station's part (`engine/firmware.py`, `engine/log_upload.py`),
which downloads, installs and uploads on the simulated clock and reports each stage back through
`TransferWire`, the part of each dialect that says a stage in its version's words.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import TYPE_CHECKING, Any, Protocol

from ocpplab_desktop.model.file_transfers import FirmwareRequest, FirmwareStage, LogRequest, LogStage
from ocpplab_desktop.protocol.codec import to_wire

if TYPE_CHECKING:
    from ocpplab_desktop.protocol.station_port import StationPort


class FirmwarePort(Protocol):
    """The station's firmware part, as the handlers use it."""

    @property
    def stage(self) -> FirmwareStage:
        """The last stage reported (Idle before any update)."""
        ...

    @property
    def request_id(self) -> int | None: ...

    def update(self, request: FirmwareRequest) -> bool:
        """Start an update; True if one under way was cancelled for it."""
        ...

    def trigger_stage(self) -> tuple[FirmwareStage, int | None]:
        """What a triggered status notification reports: the stage and its request id."""
        ...


class LogPort(Protocol):
    """The station's log-upload part, as the handlers use it."""

    @property
    def stage(self) -> LogStage: ...

    @property
    def request_id(self) -> int | None: ...

    def upload(self, request: LogRequest) -> tuple[str, bool]:
        """Start an upload; (the file's name, whether an upload under way was cancelled for it)."""
        ...

    def trigger_stage(self) -> tuple[LogStage, int | None]:
        """What a triggered status notification reports: the stage and its request id."""
        ...


class TransferWire(ABC):
    """What each dialect says about firmware updates and log uploads."""

    @abstractmethod
    async def firmware_status(self, stage: FirmwareStage, request_id: int | None) -> None:
        """FirmwareStatusNotification of `stage`; nothing for a stage the version has no status for."""

    @abstractmethod
    async def log_status(self, stage: LogStage, request_id: int | None) -> None:
        """DiagnosticsStatusNotification (1.6) / LogStatusNotification (2.0.1) of `stage`."""


async def send_message(station: StationPort, payload: Any) -> None:
    """Send a message the dialect built (an `ocpp` call dataclass) through the station's outbox."""
    await station.send(type(payload).__name__, to_wire(payload), validate=False)
