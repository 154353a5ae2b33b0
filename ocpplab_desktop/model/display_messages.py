"""Display messages a CSMS puts on a 2.0.1 station's displays (part 2, functional block O: O01-O06).

A message (MessageInfoType) has an id, a priority, optionally the state of the station it is for,
a validity window (startDateTime, endDateTime) and a transaction it belongs to. What a display
shows at a moment is computed from them on the simulated clock, so nothing needs a timer: a message
past its endDateTime, or of a transaction that has ended, is removed the next time the messages are
read (O01/O02: the station removes them then; a CSMS cannot tell the difference).

Choices made here once:
- AlwaysFront: a newer AlwaysFront message for the same display replaces the older one
  (MessagePriorityEnumType: "When a newer message with this MessagePriority is received, this
  message is replaced").
- A display that names an EVSE is that EVSE's; one that does not is the station's, shown on every EVSE.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ocpp.v201.enums import (
    DisplayMessageStatusEnumType,
    MessageFormatEnumType,
    MessagePriorityEnumType,
    MessageStateEnumType,
)

from ocpplab_desktop.model.device_variables import RO, RW, D, Variable, Wire, var

MAX_MESSAGES = 10
PRIORITY_ORDER = {
    MessagePriorityEnumType.always_front.value: 0,
    MessagePriorityEnumType.in_front.value: 1,
    MessagePriorityEnumType.normal_cycle.value: 2,
}


def display_message_ctrlr() -> list[Variable]:
    """The DisplayMessageCtrlr's variables (part 2 appendix 3)."""
    return [
        var("Available", "true", D.boolean),
        var("Enabled", "true", D.boolean, RW),
        # The number of messages the station can keep: maxLimit; the value is how many it keeps now.
        var("DisplayMessages", "0", D.integer, RO, min_limit=0, max_limit=MAX_MESSAGES),
        var(
            "SupportedFormats",
            ",".join(f.value for f in MessageFormatEnumType),
            D.member_list,
            RO,
            values_list=",".join(f.value for f in MessageFormatEnumType),
        ),
        var(
            "SupportedPriorities",
            ",".join(p.value for p in MessagePriorityEnumType),
            D.member_list,
            RO,
            values_list=",".join(p.value for p in MessagePriorityEnumType),
        ),
    ]


def _time(text: str | None) -> datetime | None:
    return None if text is None else datetime.fromisoformat(text.replace("Z", "+00:00"))


@dataclass(frozen=True)
class DisplayMessage:
    """One MessageInfoType as the station keeps it; `wire` is the message as the CSMS sent it (camelCase)."""

    wire: Wire

    @property
    def id(self) -> int:
        return int(self.wire["id"])

    @property
    def priority(self) -> str:
        return str(self.wire["priority"])

    @property
    def state(self) -> str | None:
        return self.wire.get("state")

    @property
    def content(self) -> str:
        return str(self.wire["message"]["content"])

    @property
    def transaction_id(self) -> str | None:
        return self.wire.get("transactionId")

    @property
    def evse_id(self) -> int | None:
        display = self.wire.get("display") or {}
        evse = display.get("evse") or {}
        return evse.get("id")

    def ended(self, now: datetime, running: set[str]) -> bool:
        """Past its endDateTime, or of a transaction that no longer runs."""
        end = _time(self.wire.get("endDateTime"))
        return (end is not None and now >= end) or (
            self.transaction_id is not None and self.transaction_id not in running
        )

    def started(self, now: datetime) -> bool:
        start = _time(self.wire.get("startDateTime"))
        return start is None or now >= start


@dataclass
class DisplayMessages:
    """The messages set on one station. `settings` reads the DisplayMessageCtrlr (formats, priorities)."""

    settings: Callable[[str], list[str]] = field(default=lambda _name: [])
    _messages: dict[int, DisplayMessage] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self._messages)

    def put(self, wire: Wire, now: datetime, running: set[str]) -> DisplayMessageStatusEnumType:
        """O01/O02: SetDisplayMessage; the status for the CSMS, the message kept when Accepted."""
        self.purge(now, running)
        status = DisplayMessageStatusEnumType
        if wire["message"]["format"] not in self.settings("SupportedFormats"):
            return status.not_supported_message_format
        if wire["priority"] not in self.settings("SupportedPriorities"):
            return status.not_supported_priority
        if wire.get("state") is not None and wire["state"] not in {s.value for s in MessageStateEnumType}:
            return status.not_supported_state
        tx = wire.get("transactionId")
        if tx is not None and tx not in running:
            return status.unknown_transaction  # O02: a transaction that is not ongoing
        message = DisplayMessage(wire)
        if message.id not in self._messages and len(self._messages) >= MAX_MESSAGES:
            return status.rejected
        if message.priority == MessagePriorityEnumType.always_front.value:
            for old in [m for m in self._messages.values() if m.priority == message.priority]:
                if old.evse_id == message.evse_id:
                    del self._messages[old.id]
        self._messages[message.id] = message  # O01: a message with a known id replaces that one
        return status.accepted

    def get(
        self,
        now: datetime,
        running: set[str],
        ids: Iterable[int] | None = None,
        priority: str | None = None,
        state: str | None = None,
    ) -> list[DisplayMessage]:
        """O04 GetDisplayMessages: the messages that match every criterion given."""
        self.purge(now, running)
        wanted = None if ids is None else set(ids)
        return [
            m
            for m in self._messages.values()
            if (wanted is None or m.id in wanted)
            and (priority is None or m.priority == priority)
            and (state is None or m.state == state)
        ]

    def clear(self, message_id: int) -> bool:
        """O05 ClearDisplayMessage: True when there was such a message."""
        return self._messages.pop(message_id, None) is not None

    def purge(self, now: datetime, running: set[str]) -> None:
        for m in [m for m in self._messages.values() if m.ended(now, running)]:
            del self._messages[m.id]

    def shown(self, evse_id: int | None, state: str, now: datetime, running: set[str]) -> list[DisplayMessage]:
        """What the display of `evse_id` (None: the station's own) shows now in `state` (a
        MessageStateEnumType value), most urgent first: started, not ended, for this display and state."""
        self.purge(now, running)
        shown = [
            m
            for m in self._messages.values()
            if m.started(now) and (m.evse_id is None or m.evse_id == evse_id) and (m.state is None or m.state == state)
        ]
        return sorted(shown, key=lambda m: (PRIORITY_ORDER.get(m.priority, 3), m.id))


def message_info(messages: list[DisplayMessage]) -> list[dict[str, Any]]:
    return [m.wire for m in messages]
