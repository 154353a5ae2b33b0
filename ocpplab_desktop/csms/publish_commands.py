"""The mock CSMS's operator commands for a Local Controller's firmware publishing (2.0.1 L03/L04).

A part of `MockCsms` (which inherits it). Without a location, PublishFirmware offers the image of
the next firmware version from the CSMS's own file service (`files.py`); the checksum of an image of
that service is worked out here, any other location needs its checksum given.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import unquote

from ocpplab_desktop.csms.commands import CommandBuilder, WireCall
from ocpplab_desktop.csms.files import GENERATED, FileService
from ocpplab_desktop.model.file_transfers import firmware_image
from ocpplab_desktop.model.firmware_publishing import md5_hex


class PublishCommands:
    files: FileService

    def commands(self, station_id: str) -> CommandBuilder:
        raise NotImplementedError  # MockCsms's

    async def _run(self, station_id: str, call: WireCall) -> dict[str, Any]:
        raise NotImplementedError  # MockCsms's

    def default_firmware_url(self, station_id: str) -> str:
        raise NotImplementedError  # FileCommands'

    def own_image(self, location: str) -> bytes | None:
        """The image the CSMS's file service serves at `location`; None for any other location."""
        prefix = f"{self.files.url}/firmware/"
        if not location.startswith(prefix):
            return None
        name = unquote(location[len(prefix) :])
        if name in self.files.firmware:
            return self.files.firmware[name]
        generated = GENERATED.fullmatch(name)
        return firmware_image(generated.group(1)) if generated else None

    async def publish_firmware(
        self,
        station_id: str,
        location: str | None = None,
        *,
        checksum: str | None = None,
        request_id: int | None = None,
        retries: int | None = None,
        retry_interval: int | None = None,
    ) -> dict[str, Any]:
        """2.0.1 PublishFirmware (L03) to a Local Controller; without a location, the file service's next version
        for the station; without a checksum, the MD5 of the file service's image (other locations need one)."""
        where = location or self.default_firmware_url(station_id)
        if checksum is None:
            image = self.own_image(where)
            if image is None:
                raise ValueError(f"give the MD5 checksum of {where}: it is not a file of the CSMS's file service")
            checksum = md5_hex(image)
        call = self.commands(station_id).publish_firmware(
            where, checksum, request_id=request_id, retries=retries, retry_interval=retry_interval
        )
        return await self._run(station_id, call)

    async def unpublish_firmware(self, station_id: str, checksum: str) -> dict[str, Any]:
        """2.0.1 UnpublishFirmware (L04): stop publishing the file with this MD5 checksum."""
        return await self._run(station_id, self.commands(station_id).unpublish_firmware(checksum))
