"""Operator commands of 2.0.1 only, as CALLs: PublishFirmware and UnpublishFirmware (part 2 L03/L04),
for a station that is a Local Controller.

A part of `CommandBuilder` (which inherits it): a builder whose `actions` do not name a command (1.6's)
refuses it with `NotForThisVersion`, as for every command of one version.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ocpplab_desktop.csms.commands import WireCall


class PublishCommands201:
    if TYPE_CHECKING:

        def _build(self, command: str, **fields: Any) -> WireCall: ...

        def _request_id(self, request_id: int | None) -> int: ...

    def publish_firmware(
        self, location: str, checksum: str, *, request_id: int | None, retries: int | None, retry_interval: int | None
    ) -> WireCall:
        """`checksum`: the MD5 of the file, 32 hex digits (L03)."""
        return self._build(
            "publish_firmware",
            location=location,
            checksum=checksum,
            request_id=self._request_id(request_id),
            retries=retries,
            retry_interval=retry_interval,
        )

    def unpublish_firmware(self, checksum: str) -> WireCall:
        return self._build("unpublish_firmware", checksum=checksum)
