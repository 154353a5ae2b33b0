"""Firmware publishing of a 2.0.1 Local Controller: PublishFirmware (part 2 L03) with
PublishFirmwareStatusNotification, and UnpublishFirmware (L04).

A part of `ChargingStation201` (which inherits it). The work is the station's
(`engine/firmware_publishing.py`); here is only the wire. Every notification of a publication carries
the requestId of the PublishFirmware that started it; a triggered one with nothing published says Idle.
"""

from __future__ import annotations

from typing import Any

from ocpp.routing import on
from ocpp.v201 import call_result
from ocpp.v201.enums import Action, GenericStatusEnumType, MessageTriggerEnumType

from ocpplab_desktop.model.file_transfers import DEFAULT_RETRIES, DEFAULT_RETRY_INTERVAL_S
from ocpplab_desktop.model.firmware_publishing import PublishRequest, PublishStage
from ocpplab_desktop.protocol.publish_wire import PublishWire
from ocpplab_desktop.protocol.station_port import StationPort


class FirmwarePublishing201(PublishWire):
    station: StationPort

    @on(Action.publish_firmware)
    def on_publish_firmware(
        self,
        location: str,
        checksum: str,
        request_id: int,
        retries: int | None = None,
        retry_interval: int | None = None,
        **_: Any,
    ) -> call_result.PublishFirmware:
        started = self.station.firmware_publishing.publish(
            PublishRequest(
                location=location,
                checksum=checksum,
                request_id=request_id,
                retries=DEFAULT_RETRIES if retries is None else retries,
                retry_interval_s=DEFAULT_RETRY_INTERVAL_S if retry_interval is None else retry_interval,
            )
        )
        if started:
            return call_result.PublishFirmware(status=GenericStatusEnumType.accepted)
        # One publication at a time: another one while a download is under way is refused.
        return call_result.PublishFirmware(
            status=GenericStatusEnumType.rejected,
            status_info={"reason_code": "Busy", "additional_info": "a firmware publication is under way"},
        )

    @on(Action.unpublish_firmware)
    def on_unpublish_firmware(self, checksum: str, **_: Any) -> call_result.UnpublishFirmware:
        return call_result.UnpublishFirmware(status=self.station.firmware_publishing.unpublish(checksum).value)

    async def publish_status(self, stage: PublishStage, request_id: int | None, locations: list[str]) -> None:
        payload: dict[str, Any] = {"status": stage.value}
        if locations:
            payload["location"] = locations  # required with Published: where the file is served
        if request_id is not None:
            payload["requestId"] = request_id
        await self.station.send("PublishFirmwareStatusNotification", payload, validate=False)

    async def publish_trigger(self, message: str) -> bool:
        """A triggered PublishFirmwareStatusNotification (F06): the current status, Idle with nothing published."""
        if message != MessageTriggerEnumType.publish_firmware_status_notification:
            return False
        await self.publish_status(*self.station.firmware_publishing.trigger_status())
        return True
