"""Display messages of a 2.0.1 charging station (part 2, functional block O: O01-O06).

A part of `ChargingStation201` (which inherits it): SetDisplayMessage, GetDisplayMessages (with
NotifyDisplayMessages) and ClearDisplayMessage. The messages and their rules are
`model.display_messages`; `shown_messages` is what each display shows now, for the window.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from ocpp.routing import on
from ocpp.v201 import call_result
from ocpp.v201.enums import (
    Action,
    ClearMessageStatusEnumType,
    DisplayMessageStatusEnumType,
    GetDisplayMessagesStatusEnumType,
    MessageStateEnumType,
)

from ocpplab_desktop.model.connector import Connector
from ocpplab_desktop.model.device_model import DeviceModel, chunk_report
from ocpplab_desktop.model.display_messages import DisplayMessage, DisplayMessages, message_info
from ocpplab_desktop.protocol.codec import to_wire
from ocpplab_desktop.protocol.station_port import StationPort

CTRLR = "DisplayMessageCtrlr"


def message_state(connectors: list[Connector]) -> str:
    """The MessageStateEnumType of a display over `connectors`: Faulted, Charging, Unavailable or Idle."""
    if any(c.fault is not None for c in connectors):
        return MessageStateEnumType.faulted.value
    if any(c.tx_started for c in connectors):
        return MessageStateEnumType.charging.value
    if connectors and all(c.inoperative for c in connectors):
        return MessageStateEnumType.unavailable.value
    return MessageStateEnumType.idle.value


class DisplayMessages201:
    """SetDisplayMessage, GetDisplayMessages with NotifyDisplayMessages, ClearDisplayMessage."""

    station: StationPort
    model: DeviceModel

    def _start_display_messages(self) -> None:
        self.display_messages = DisplayMessages(lambda name: self.model.get_list(CTRLR, name))
        self.model.set_source(CTRLR, "DisplayMessages", lambda: str(len(self.display_messages)))

    def _now(self) -> datetime:
        return datetime.fromisoformat(self.station.now_iso().replace("Z", "+00:00"))

    def _running(self) -> set[str]:
        return {c.tx_id for c in self.station.connectors if c.tx_started and c.tx_id}

    def shown_messages(self, evse_id: int | None) -> list[DisplayMessage]:
        """What the display of `evse_id` (None: the station's) shows now, most urgent first."""
        if not self.model.get_bool(CTRLR, "Enabled"):
            return []
        connectors = [c for c in self.station.connectors if evse_id is None or c.evse_id == evse_id]
        return self.display_messages.shown(evse_id, message_state(connectors), self._now(), self._running())

    @on(Action.set_display_message)
    def on_set_display_message(self, message: dict[str, Any], **_: Any) -> call_result.SetDisplayMessage:
        if not self.model.get_bool(CTRLR, "Enabled"):
            return call_result.SetDisplayMessage(status=DisplayMessageStatusEnumType.rejected)
        wire = to_wire(message)
        status = self.display_messages.put(wire, self._now(), self._running())
        if status is DisplayMessageStatusEnumType.accepted:
            self.station.note("display_message", f"display message {wire['id']} set: {wire['message']['content']}")
        return call_result.SetDisplayMessage(status=status)

    @on(Action.get_display_messages)
    def on_get_display_messages(
        self,
        request_id: int,
        id: list[int] | None = None,
        priority: str | None = None,
        state: str | None = None,
        **_: Any,
    ) -> call_result.GetDisplayMessages:
        found = self.display_messages.get(self._now(), self._running(), id, priority, state)
        if not found:
            # O04: nothing matches -> Unknown, and no NotifyDisplayMessages follows.
            return call_result.GetDisplayMessages(status=GetDisplayMessagesStatusEnumType.unknown)
        self.station.spawn(self._notify_display_messages(request_id, found))
        return call_result.GetDisplayMessages(status=GetDisplayMessagesStatusEnumType.accepted)

    async def _notify_display_messages(self, request_id: int, found: list[DisplayMessage]) -> None:
        chunks = chunk_report(message_info(found))
        for n, chunk in enumerate(chunks):
            await self.station.send(
                "NotifyDisplayMessages",
                {"requestId": request_id, "tbc": n < len(chunks) - 1, "messageInfo": chunk},
                validate=False,
            )

    @on(Action.clear_display_message)
    def on_clear_display_message(self, id: int, **_: Any) -> call_result.ClearDisplayMessage:
        cleared = self.display_messages.clear(id)
        if cleared:
            self.station.note("display_message", f"display message {id} cleared")
        # O05: Unknown when there is no message with that id.
        status = ClearMessageStatusEnumType.accepted if cleared else ClearMessageStatusEnumType.unknown
        return call_result.ClearDisplayMessage(status=status)
