"""The centre of the window: one station's header (identity, link, registration, actions) and its connector cards."""

from __future__ import annotations

from dataclasses import dataclass

from PySide6.QtCore import Qt, Signal, SignalInstance
from PySide6.QtGui import QColor, QFont, QResizeEvent
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from ocpplab_desktop.engine.station import Station
from ocpplab_desktop.gui import palette, theme
from ocpplab_desktop.gui.card_notices import DisplayMessageLabel
from ocpplab_desktop.gui.connector_card import ConnectorCard

CARD_MIN_WIDTH = 380
"""Cards are laid out in as many columns of at least this width as the view has room for."""

# Link and registration tones; success, error and "unknown" grey are the shared ones.
_OK, _ERROR, _IDLE = palette.SUCCESS, palette.ERROR, palette.UNKNOWN_STATE
_WARN, _BUSY = "#d18f00", "#2f7fd8"


@dataclass(frozen=True, slots=True)
class Badge:
    """A short state word with its colour and a sentence for the tooltip."""

    text: str
    colour: str
    detail: str


def link_badge(station: Station) -> Badge:
    """The station's connection: connected, trying to connect, or held offline by the user."""
    if station.connected:
        return Badge("Connected", _OK, f"WebSocket open to {station.url}")
    if not station.link_up:
        return Badge("Disconnected", _IDLE, "Disconnected; Connect (F5) opens the WebSocket to the CSMS again")
    return Badge("Connecting…", _BUSY, f"Connecting to {station.url}; retries with back-off until it succeeds")


def registration_badge(station: Station) -> Badge:
    """What the CSMS answered to the BootNotification (1.6 section 4.2, 2.0.1 B01-B03)."""
    registration = station.registration
    if registration == "Accepted":
        return Badge("Accepted", _OK, "The CSMS accepted the BootNotification; the station is in service")
    if registration == "Pending":
        return Badge("Pending", _WARN, "The CSMS answered Pending: the station boots again after the interval")
    if registration == "Rejected":
        return Badge("Rejected", _ERROR, "The CSMS rejected the BootNotification: it retries after the interval")
    if station.connected:
        return Badge("Booting…", _BUSY, "BootNotification sent; waiting for the CSMS to accept it")
    return Badge("Not registered", _IDLE, "Not connected, so not registered with a CSMS")


def outbox_badge(station: Station) -> Badge | None:
    """While offline, the CALLs waiting to be sent (the transaction messages kept for later).

    Connected, the outbox drains as fast as the CSMS answers; a badge there would only flicker.
    """
    count = station.queued
    if count == 0 or station.connected:
        return None
    return Badge(
        f"{count} queued",
        _WARN,
        f"{count} CALL(s) waiting in the outbox; transaction messages are kept while offline\n"
        "and sent in order after the next boot (1.6 section 4.7, 2.0.1 E12)",
    )


def summary_badge(station: Station) -> Badge:
    """Link and registration in one word, for the station tree."""
    return registration_badge(station) if station.connected else link_badge(station)


class BadgeLabel(QLabel):
    """A rounded, tinted label showing a `Badge`."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._badge: Badge | None = None
        self.setSizePolicy(QSizePolicy.Policy.Fixed, QSizePolicy.Policy.Fixed)

    def show_badge(self, badge: Badge) -> None:
        if badge == self._badge:
            return
        self._badge = badge
        colour = QColor(badge.colour)
        rgb = f"{colour.red()}, {colour.green()}, {colour.blue()}"
        self.setText(f"●  {badge.text}")
        self.setToolTip(badge.detail)
        self.setStyleSheet(
            f"QLabel {{ color: {colour.name()}; background: rgba({rgb}, 36); border: 1px solid rgba({rgb}, 110);"
            " border-radius: 10px; padding: 2px 10px; font-weight: 600; }"
        )


class StationView(QWidget):
    """Header and connector cards of one station; `refresh()` re-reads the live station."""

    connectRequested = Signal(str)
    disconnectRequested = Signal(str)
    rebootRequested = Signal(str)

    def __init__(self, station: Station, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.station = station
        self.setObjectName("stationView")

        header = QFrame(self)
        header.setObjectName("stationHeader")
        header.setFrameShape(QFrame.Shape.StyledPanel)
        self.title = QLabel(station.id, header)
        title_font = QFont(self.font())
        title_font.setPointSizeF(title_font.pointSizeF() * 1.6)
        title_font.setWeight(QFont.Weight.DemiBold)
        self.title.setFont(title_font)
        self.title.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.link = BadgeLabel(header)
        self.registration = BadgeLabel(header)
        self.outbox = BadgeLabel(header)
        self.outbox.setObjectName("outboxBadge")
        self.identity = QLabel(header)
        self.identity.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.csms_url = QLabel(header)
        self.csms_url.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.csms_url.setToolTip("The URL this station connects to; its id is the last path segment")
        config = station.config
        parts = (
            f"OCPP {station.version.value}",
            f"{config.vendor} {config.model}",
            f"serial {config.serial_number}",
            f"firmware {config.firmware_version}",
        )
        # Lines break between the parts, never inside one.
        self.identity.setText("  ·  ".join(part.replace(" ", "\u00a0") for part in parts))
        embedded = "" if config.csms_url else "  (embedded mock CSMS)"
        self.csms_url.setText(f"CSMS  {station.url}{embedded}")
        self.connect_button = self._button("Connect", "connect", self.connectRequested, "Connect to the CSMS (F5)")
        self.disconnect_button = self._button(
            "Disconnect",
            "disconnect",
            self.disconnectRequested,
            "Take the network link down: the station runs on offline\nand queues transaction messages (Shift+F5)",
        )
        self.reboot_button = self._button(
            "Reboot", "reboot", self.rebootRequested, "End transactions, reconnect and boot again (Ctrl+R)"
        )

        # Identity and URL wrap rather than widen the centre: the docks beside it keep their room.
        self.identity.setWordWrap(True)
        self.csms_url.setWordWrap(True)
        details = QVBoxLayout()
        details.setSpacing(2)
        details.addWidget(self.identity)
        details.addWidget(self.csms_url)
        title_row = QHBoxLayout()
        title_row.setSpacing(10)
        title_row.addWidget(self.title)
        title_row.addWidget(self.link)
        title_row.addWidget(self.registration)
        title_row.addWidget(self.outbox)
        title_row.addStretch(1)
        details_row = QHBoxLayout()
        details_row.addLayout(details, 1)
        for button in (self.connect_button, self.disconnect_button, self.reboot_button):
            details_row.addWidget(button, 0, Qt.AlignmentFlag.AlignBottom)
        header_layout = QVBoxLayout(header)
        header_layout.setContentsMargins(12, 8, 12, 8)
        header_layout.setSpacing(4)
        header_layout.addLayout(title_row)
        header_layout.addLayout(details_row)
        # The station's own display (2.0.1 messages that name no EVSE); each EVSE's are on its cards.
        self.display = DisplayMessageLabel("the station's display", header)
        header_layout.addWidget(self.display)

        self.cards = [ConnectorCard(station, connector, self) for connector in station.connectors]
        self._grid_columns = 0
        self._grid_host = QWidget()
        self._grid = QGridLayout(self._grid_host)
        self._grid.setContentsMargins(12, 12, 12, 12)
        self._grid.setSpacing(12)
        scroll = QScrollArea(self)
        scroll.setObjectName("connectorCards")
        scroll.setWidgetResizable(True)
        scroll.setFrameShape(QFrame.Shape.NoFrame)
        scroll.setWidget(self._grid_host)
        self._scroll = scroll

        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 8, 8, 0)
        layout.setSpacing(0)
        layout.addWidget(header)
        layout.addWidget(scroll, 1)
        self._lay_out_cards(1)
        self.refresh()

    def _button(self, text: str, icon: str, signal: SignalInstance, tip: str) -> QPushButton:
        button = QPushButton(theme.icon(icon), text, self)
        button.setToolTip(tip)
        button.clicked.connect(lambda: signal.emit(self.station.id))
        return button

    # -- refreshing -----------------------------------------------------------------------

    def refresh(self) -> None:
        """Re-read the station: header, buttons and every card."""
        station = self.station
        held = not station.link_up
        self.link.show_badge(link_badge(station))
        self.registration.show_badge(registration_badge(station))
        queued = outbox_badge(station)
        if queued is not None:
            self.outbox.show_badge(queued)
        self.outbox.setVisible(queued is not None)
        self.connect_button.setEnabled(not station.connected and held)
        self.disconnect_button.setEnabled(station.connected or not held)
        self.reboot_button.setEnabled(station.connected)
        self.display.show_messages(station.shown_messages(None))
        for card in self.cards:
            card.refresh()

    # -- layout ---------------------------------------------------------------------------

    def _columns_for(self, width: int) -> int:
        return max(1, min(len(self.cards), width // CARD_MIN_WIDTH))

    def _lay_out_cards(self, columns: int) -> None:
        if columns == self._grid_columns:
            return
        self._grid_columns = columns
        for card in self.cards:
            self._grid.removeWidget(card)
        for index, card in enumerate(self.cards):
            self._grid.addWidget(card, index // columns, index % columns, Qt.AlignmentFlag.AlignTop)
        for column in range(self._grid.columnCount()):
            self._grid.setColumnStretch(column, 1 if column < columns else 0)
        self._grid.setRowStretch(self._grid.rowCount(), 1)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._lay_out_cards(self._columns_for(self._scroll.viewport().width() - 24))
