"""What a CSMS put on a station besides its states: display messages, the running cost, a reservation.

* 2.0.1 display messages (O01-O06) as a display shows them now, most urgent first, styled by their
  priority: AlwaysFront filled, InFront outlined, NormalCycle quiet;
* the latest total cost of the running transaction (2.0.1 CostUpdated, I05), in the station's
  currency where it has one configured;
* while a connector is Reserved: for whom and until when, on the station's clock (1.6 section 5.13,
  2.0.1 H01).

The words are plain functions; `DisplayMessageLabel` only shows them. The card and the station
header re-read the station on every refresh, so a message that expires on the simulated clock or is
cleared disappears at the next one.
"""

from __future__ import annotations

import html
from datetime import UTC, datetime

from ocpp.v201.enums import MessagePriorityEnumType as Priority
from PySide6.QtCore import Qt
from PySide6.QtGui import QColor
from PySide6.QtWidgets import QLabel, QSizePolicy, QWidget

from ocpplab_desktop.gui import palette
from ocpplab_desktop.gui.formatting import format_elapsed
from ocpplab_desktop.model.display_messages import DisplayMessage
from ocpplab_desktop.model.reservations import Reservation

_FILLED, _OUTLINED, _QUIET = "filled", "outlined", "quiet"
PRIORITY_LOOKS: dict[str, tuple[str, str]] = {
    Priority.always_front.value: (_FILLED, palette.ERROR),
    Priority.in_front.value: (_OUTLINED, palette.WARNING),
    Priority.normal_cycle.value: (_QUIET, "#2f7fd8"),
}
"""Priority -> (how the label is drawn, its colour)."""


def message_lines(messages: list[DisplayMessage]) -> list[str]:
    """One line per message, for the tooltip: id, priority, what it is for, the content."""
    lines = []
    for m in messages:
        details = [m.priority]
        if m.state is not None:
            details.append(f"while {m.state}")
        if m.transaction_id is not None:
            details.append(f"transaction {m.transaction_id}")
        end = m.wire.get("endDateTime")
        if end is not None:
            details.append(f"until {end}")
        lines.append(f"#{m.id} ({', '.join(details)}): {m.content}")
    return lines


def format_cost(total: float, currency: str | None) -> str:
    """A total cost as money: two decimals unless the CSMS sent more, then the currency if known."""
    amount = f"{total:,.2f}" if round(total, 2) == total else f"{total:,.4f}".rstrip("0")
    return f"{amount} {currency}" if currency else amount


def reservation_text(reservation: Reservation, now_utc: float, place: str) -> tuple[str, str]:
    """("for TAG until 14:05:00 UTC (12:30 left)", a tooltip with the rest), on the station's clock; `place`
    names what is reserved ("EVSE 1 connector 1")."""
    expiry = datetime.fromtimestamp(reservation.expiry, UTC)
    left = format_elapsed(max(0.0, reservation.expiry - now_utc))
    text = f"for {reservation.token}\nuntil {expiry:%H:%M:%S} UTC ({left} left)"
    where = "any connector that fits" if reservation.place is None else place
    details = [
        f"Reservation {reservation.id} for {reservation.token} ({where})",
        f"expires {expiry.isoformat().replace('+00:00', 'Z')} on the station's clock",
    ]
    if reservation.group is not None:
        details.append(f"tokens of group {reservation.group} may use it too")
    if reservation.connector_type is not None:
        details.append(f"connector type {reservation.connector_type}")
    return text, "\n".join(details)


class DisplayMessageLabel(QLabel):
    """The most urgent display message (and how many more there are), styled by its priority; hidden
    while there is none."""

    def __init__(self, what: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._what = what  # "EVSE 1's display", "the station's display"
        self._shown: list[tuple[int, str, str]] | None = None
        self.setObjectName("displayMessage")
        self.setTextFormat(Qt.TextFormat.RichText)  # built from escaped content only
        self.setWordWrap(True)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Fixed)
        self.hide()

    def show_messages(self, messages: list[DisplayMessage]) -> None:
        """Show `messages` (most urgent first); nothing is restyled when they are the ones shown already."""
        key = [(m.id, m.priority, m.content) for m in messages]
        if key == self._shown:
            return
        self._shown = key
        self.setVisible(bool(messages))
        if not messages:
            return
        first = messages[0]
        more = f"&nbsp;&nbsp;<small>+{len(messages) - 1} more</small>" if len(messages) > 1 else ""
        self.setText(f"<b>{html.escape(first.content)}</b>&nbsp;&nbsp;<small>{first.priority}</small>{more}")
        self.setToolTip(f"Display messages on {self._what}, most urgent first:\n" + "\n".join(message_lines(messages)))
        look, colour = PRIORITY_LOOKS.get(first.priority, (_QUIET, palette.UNKNOWN_STATE))
        self.setProperty("priority", first.priority)
        if look == _FILLED:
            text = palette.text_on(QColor(colour)).name()
            style = f"background: {colour}; color: {text}; border: 2px solid {colour};"
        elif look == _OUTLINED:
            style = f"color: {colour}; border: 2px solid {colour};"
        else:
            style = f"border: 1px solid {colour};"
        self.setStyleSheet(f"QLabel#displayMessage {{ {style} border-radius: 6px; padding: 3px 8px; }}")

    def text_shown(self) -> str:
        """The content of the message shown, '' when none is (for the tests and the screenshot check)."""
        return "" if not self._shown else self._shown[0][2]
