"""The seam between a 2.0.1 Local Controller's publishing handlers and the station part that does the work.

`cp201_publish.py` reads PublishFirmware/UnpublishFirmware and hands them to the station's
publishing part (`engine/firmware_publishing.py`), which reports each stage back through
`PublishWire`. Only 2.0.1 has these messages (part 2 L03/L04).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Protocol

from ocpplab_desktop.model.firmware_publishing import PublishRequest, PublishStage, UnpublishOutcome


class PublishingPort(Protocol):
    """The station's publishing part, as the handlers use it."""

    def publish(self, request: PublishRequest) -> bool:
        """Start a publication; False when one is under way (Rejected)."""
        ...

    def unpublish(self, checksum: str) -> UnpublishOutcome: ...

    def trigger_status(self) -> tuple[PublishStage, int | None, list[str]]:
        """What a triggered status notification reports: the stage, its request id and locations."""
        ...


class PublishWire(ABC):
    """What a dialect says about firmware publishing."""

    @abstractmethod
    async def publish_status(self, stage: PublishStage, request_id: int | None, locations: list[str]) -> None:
        """PublishFirmwareStatusNotification of `stage` (with `locations` when Published)."""
