"""One connector of a station as a card: its state, live readings and the buttons a person would press.

The card keeps no state of its own: `refresh()` re-reads the connector and the station's meter,
and the window calls it when the bus reports something about this connector. A button runs
`Station.act` on the asyncio loop (qasync) and the outcome - or why it was refused - lands in
the card's status line. Buttons the state machine forbids are greyed with the rule as tooltip;
"Force" lets them through for negative tests, and the engine records such actions as forced.
"""

from __future__ import annotations

import asyncio
import logging

import shiboken6
from ocpp.v16.enums import ChargePointErrorCode
from PySide6.QtCore import Qt
from PySide6.QtGui import QFont, QResizeEvent
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSizePolicy,
    QVBoxLayout,
    QWidget,
)

from ocpplab_desktop.engine.station import Station
from ocpplab_desktop.gui import palette
from ocpplab_desktop.gui.card_notices import DisplayMessageLabel, format_cost, reservation_text
from ocpplab_desktop.gui.formatting import format_kw
from ocpplab_desktop.gui.state_diagram import StateDiagram
from ocpplab_desktop.model.config import CurrentType
from ocpplab_desktop.model.connector import ACTION_LABELS, Connector, FaultInfo, Refused, UserAction
from ocpplab_desktop.model.faults import FAULT_CATALOGUE, FaultEntry
from ocpplab_desktop.model.version_traits import traits
from ocpplab_desktop.protocol.errors import CallErrorReceived, CallTimeout, InvalidResponse, NotConnected, RpcError

log = logging.getLogger(__name__)

SIDE_BY_SIDE_PX = 820
"""From this card width on, the state and the controls stand side by side."""
DEFAULT_TOKEN = "04A1B2C3D4E5F6"
FAULT_CODES = tuple(code.value for code in ChargePointErrorCode if code is not ChargePointErrorCode.no_error)


def _fault_tip(entry: FaultEntry) -> str:
    effect = "the connector goes Faulted" if entry.faults_connector else "the connector stays in service"
    if entry.station_level:
        effect = "reported for the whole station"
    ends = ", and a running transaction ends" if entry.ends_transaction else ""
    return (
        f"{entry.label}: 1.6 {entry.error_code.value}; 2.0.1 NotifyEvent {entry.component}/{entry.variable}. "
        f"{effect.capitalize()}{ends}."
    )


# What can go wrong on the wire while an action runs; anything else is a bug and says so.
PROTOCOL_ERRORS = (CallErrorReceived, CallTimeout, InvalidResponse, NotConnected, RpcError)

# The buttons, one row per part of the session they act on: the cable, the session, who pauses
# the energy (EV or EVSE), availability and faults (the fault code and info fields follow).
_ROWS: tuple[tuple[UserAction, ...], ...] = (
    (UserAction.PLUG_IN, UserAction.UNPLUG),
    (UserAction.PRESENT_TOKEN, UserAction.START, UserAction.STOP),
    (UserAction.EV_SUSPEND, UserAction.EV_RESUME, UserAction.EVSE_SUSPEND, UserAction.EVSE_RESUME),
    (UserAction.MAKE_UNAVAILABLE, UserAction.MAKE_AVAILABLE, UserAction.FAULT, UserAction.CLEAR_FAULT),
)


def _caption(text: str) -> QLabel:
    label = QLabel(text)
    label.setEnabled(False)  # the palette's disabled text: a quiet caption in either theme
    return label


class ConnectorCard(QFrame):
    """State, readings and actions of one connector of `station`."""

    def __init__(self, station: Station, connector: Connector, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._station = station
        self._connector = connector
        self._pending: set[asyncio.Future[None]] = set()
        self.setObjectName("connectorCard")
        self.setFrameShape(QFrame.Shape.StyledPanel)

        self.title = QLabel(self._title())
        self.title.setFont(self._bold(1.25))
        self.subtitle = QLabel(self._subtitle())
        self.state_label = QLabel()
        self.state_label.setObjectName("stateLabel")
        self.state_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.state_label.setFont(self._bold(1.6))  # readable from across the room
        self.diagram = StateDiagram(station.version, self)

        heading = QVBoxLayout()
        heading.setSpacing(2)
        heading.addWidget(self.title)
        heading.addWidget(self.subtitle)

        self.power = QLabel()
        self.energy = QLabel()
        self.soc = QLabel()
        self.cost = QLabel()
        self.cost.setToolTip("The total cost of the running transaction, as the CSMS last sent it (2.0.1 CostUpdated)")
        self.transaction = QLabel()
        self.token_edit = QLineEdit(DEFAULT_TOKEN)
        self.token_edit.setToolTip("The id token presented at the reader (1.6 idTag, 2.0.1 idToken)")
        self.fault_combo = QComboBox()
        # One catalogue for both versions: each reports the fault in its own form (model/faults.py).
        for entry in FAULT_CATALOGUE:
            self.fault_combo.addItem(entry.label, entry.id)
            self.fault_combo.setItemData(self.fault_combo.count() - 1, _fault_tip(entry), Qt.ItemDataRole.ToolTipRole)
        self.fault_combo.setToolTip("The fault the Fault button raises (hover an entry for what each version sends)")
        self.fault_info = QLineEdit()
        self.fault_info.setPlaceholderText("info (optional)")
        self.fault_info.setToolTip("Free text reported with the fault")
        self._buttons: dict[UserAction, QPushButton] = {}
        # What refresh() last applied to each button, so that a refresh per UI tick restyles nothing.
        self._button_looks: dict[UserAction, tuple[bool, str, bool]] = {}
        self._shown_state = ""

        self.force_box = QCheckBox("Force (out-of-order, negative test)")
        self.force_box.setToolTip(
            "Let every button through, even when the connector's state forbids it.\n"
            "The engine records the action as forced; use it to test how a CSMS copes."
        )
        self.force_box.setStyleSheet(f"QCheckBox {{ color: {palette.WARNING}; font-weight: bold; }}")
        self.force_box.toggled.connect(self._force_toggled)

        self.status_line = QLabel()
        self.status_line.setWordWrap(True)
        self.status_line.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)

        # The state and readings, then what to do (token, buttons, fault, force), then the diagram,
        # one above the other: every button shows without scrolling in a laptop's centre. A wide
        # card puts state, diagram and readings beside the controls instead.
        self.charging_label = QLabel()
        self.charging_label.setObjectName("chargingLabel")
        self.charging_label.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.charging_label.setFont(self._bold(1.3))
        self.charging_label.setToolTip(
            "The transaction's charging state, as the TransactionEvent reports it\n"
            "(2.0.1 chargingState: EVConnected, Charging, SuspendedEV, SuspendedEVSE, Idle; E01-E03)"
        )
        self.charging_label.hide()
        self._shown_charging: str | None = None
        # Who a Reserved connector waits for, beside the state (a reserved connector has no charging state).
        self.reservation_label = QLabel()
        self.reservation_label.setObjectName("reservationLabel")
        reserved = palette.state_colour("Reserved").name()
        self.reservation_label.setStyleSheet(f"QLabel#reservationLabel {{ color: {reserved}; font-weight: 600; }}")
        self.reservation_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.reservation_label.hide()
        self.display = DisplayMessageLabel(f"EVSE {connector.evse_id}'s display")
        self._state_box = QWidget()
        state_column = QVBoxLayout(self._state_box)
        state_column.setContentsMargins(0, 0, 0, 0)
        state_column.setSpacing(6)
        state_row = QHBoxLayout()
        state_row.addWidget(self.state_label, 3)
        state_row.addWidget(self.charging_label, 2)
        state_row.addWidget(self.reservation_label, 2)
        state_column.addLayout(state_row)
        state_column.addWidget(self.display)
        self._readings_box = QWidget()
        self._readings_box.setLayout(self._readings(dc=connector.config.current_type is CurrentType.DC))
        self._controls_box = QWidget()
        controls = QVBoxLayout(self._controls_box)
        controls.setContentsMargins(0, 0, 0, 0)
        controls.setSpacing(6)
        token_row = QHBoxLayout()
        token_row.addWidget(QLabel("Token"))
        token_row.addWidget(self.token_edit, 1)
        controls.addLayout(token_row)
        controls.addLayout(self._action_buttons())
        fault_details = QHBoxLayout()
        fault_details.addWidget(self.fault_combo, 1)
        fault_details.addWidget(self.fault_info, 1)
        controls.addLayout(fault_details)
        controls.addWidget(self.force_box)
        controls.addWidget(self.status_line)
        controls.addStretch(1)
        self._body = QGridLayout()
        self._body.setHorizontalSpacing(16)
        self._body.setVerticalSpacing(8)
        self._wide: bool | None = None
        self._place(wide=False)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(12, 10, 12, 10)
        layout.setSpacing(8)
        layout.addLayout(heading)
        layout.addLayout(self._body, 1)
        self._style_frame(forced=False)
        self.refresh()

    @property
    def side_by_side(self) -> bool:
        """Whether state and controls stand side by side (a wide card) rather than one above the other."""
        return bool(self._wide)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._place(wide=event.size().width() >= SIDE_BY_SIDE_PX)

    def _place(self, *, wide: bool) -> None:
        """Narrow: state, readings, controls, diagram in one column. Wide: the controls in a column of their own."""
        if wide is self._wide:
            return
        self._wide = wide
        body = self._body
        parts = (self._state_box, self.diagram, self._readings_box, self._controls_box)
        for part in parts:
            body.removeWidget(part)
        top = Qt.AlignmentFlag.AlignTop
        if wide:
            body.addWidget(self._state_box, 0, 0)
            body.addWidget(self.diagram, 1, 0)
            body.addWidget(self._readings_box, 2, 0)
            body.addWidget(self._controls_box, 0, 1, 3, 1, top)
            stretches = ((0, 1, 0, 0), (1, 1))
        else:
            body.addWidget(self._state_box, 0, 0)
            body.addWidget(self._readings_box, 1, 0)
            body.addWidget(self._controls_box, 2, 0)
            body.addWidget(self.diagram, 3, 0)
            stretches = ((0, 0, 0, 1), (1, 0))
        rows, columns = stretches
        for row, stretch in enumerate(rows):
            body.setRowStretch(row, stretch)
        for column, stretch in enumerate(columns):
            body.setColumnStretch(column, stretch)

    def _bold(self, scale: float) -> QFont:
        font = QFont(self.font())
        font.setPointSizeF(font.pointSizeF() * scale)
        font.setBold(True)
        return font

    def _readings(self, *, dc: bool) -> QGridLayout:
        grid = QGridLayout()
        grid.setContentsMargins(0, 0, 0, 0)
        grid.setVerticalSpacing(2)
        font = self._bold(1.2)
        columns = [("Power", self.power), ("Energy", self.energy), ("SoC", self.soc), ("Cost", self.cost)]
        for column, (name, value) in enumerate(columns):
            caption = _caption(name)
            value.setFont(font)
            value.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
            grid.addWidget(caption, 0, column)
            grid.addWidget(value, 1, column)
            shown = dc or value is not self.soc  # an AC EV reports no state of charge
            if value is self.cost:
                self._cost_caption, shown = caption, False  # shown once the CSMS sends a cost
            grid.setColumnStretch(column, 1 if shown else 0)
            if not shown:
                caption.hide()
                value.hide()
        self._readings_grid = grid
        # A row of its own: a 2.0.1 transaction id is a 36-character UUID.
        transaction = QHBoxLayout()
        transaction.setSpacing(8)
        transaction.addWidget(_caption("Transaction"))
        self.transaction.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        transaction.addWidget(self.transaction, 1)
        grid.addLayout(transaction, 2, 0, 1, len(columns))
        return grid

    def _action_buttons(self) -> QVBoxLayout:
        rows = QVBoxLayout()
        rows.setSpacing(4)
        for row_actions in _ROWS:
            row = QHBoxLayout()
            row.setSpacing(6)
            for action in row_actions:
                button = QPushButton(ACTION_LABELS[action])
                button.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
                # A click must not take focus: when the state then disables the clicked button, Qt
                # moves focus on and the surrounding scroll area jumps to the newly focused widget.
                button.setFocusPolicy(Qt.FocusPolicy.TabFocus)
                button.clicked.connect(lambda _checked=False, a=action: self._trigger(a))
                self._buttons[action] = button
                row.addWidget(button, 1)
            rows.addLayout(row)
        return rows

    # --- for the window and the tests -------------------------------------------------------
    @property
    def connector(self) -> Connector:
        return self._connector

    def button(self, action: UserAction) -> QPushButton:
        return self._buttons[action]

    def status_text(self) -> str:
        return self.status_line.text()

    def refresh(self) -> None:
        """Re-read the connector and its meter: state, readings, which buttons are allowed and why not.

        Cheap enough to call on every UI tick: styles are only touched when something changed.
        """
        c = self._connector
        state = c.reported or c.status()
        if state != self._shown_state:
            self._shown_state = state
            self.state_label.setText(state)
            self.state_label.setStyleSheet(palette.state_chip("stateLabel", state, 8, "6px 14px"))
            self.diagram.set_state(state)
        self._show_charging_state(traits(self._station.version).charging_state(c))
        reading = self._station.reading(c)
        self.power.setText(format_kw(reading.power_w))
        self.energy.setText(f"{reading.energy_wh / 1000:.3f} kWh")
        self.soc.setText("—" if reading.soc is None else f"{reading.soc:.0f} %")
        self.transaction.setText(c.tx_id or "—")
        self._show_notices(c)
        forced = self.force_box.isChecked()
        for action, button in self._buttons.items():
            rule = self._station.refusal(c, action)
            if rule is None:
                look = (True, f"{ACTION_LABELS[action]}: allowed in {state}", False)
            elif forced:
                look = (
                    True,
                    f"Refused in {state}: {rule}\nForce is on: it runs anyway and is recorded as forced.",
                    True,
                )
            else:
                look = (False, f"Refused in {state}: {rule}", False)
            if self._button_looks.get(action) != look:
                self._button_looks[action] = look
                enabled, tooltip, warn = look
                button.setEnabled(enabled)
                button.setToolTip(tooltip)
                button.setStyleSheet(f"QPushButton {{ color: {palette.WARNING}; }}" if warn else "")

    def _show_notices(self, c: Connector) -> None:
        """What the CSMS put here: the EVSE's display messages, the transaction's cost, the reservation."""
        station = self._station
        self.display.show_messages([m for m in station.shown_messages(c.evse_id) if m.evse_id == c.evse_id])
        total = station.total_cost(c)
        if (total is None) != self.cost.isHidden():
            for widget in (self._cost_caption, self.cost):
                widget.setVisible(total is not None)
            self._readings_grid.setColumnStretch(3, 0 if total is None else 1)
        if total is not None:
            self.cost.setText(format_cost(total, station.cost_currency()))
        reservation = station.reservations.holding(c)
        self.reservation_label.setVisible(reservation is not None)
        if reservation is not None:
            place = station.dialect.connector_label(c)
            text, tooltip = reservation_text(reservation, station.reservations.utc_now(), place)
            self.reservation_label.setText(text)
            self.reservation_label.setToolTip(tooltip)

    def _show_charging_state(self, charging: str | None) -> None:
        """The transaction's charging state beside the connector status, where the version reports one."""
        if charging == self._shown_charging:
            return
        self._shown_charging = charging
        self.diagram.set_charging_state(charging)
        self.charging_label.setVisible(charging is not None)
        if charging is None:
            return
        colour = palette.state_colour(charging)
        self.charging_label.setText(charging)
        self.charging_label.setStyleSheet(
            f"QLabel#chargingLabel {{ color: {colour.name()}; border: 2px solid {colour.name()};"
            " border-radius: 8px; padding: 5px 10px; }"
        )

    # --- actions ---------------------------------------------------------------------------
    def _trigger(self, action: UserAction) -> None:
        token = self.token_edit.text().strip() or None
        if action is UserAction.PRESENT_TOKEN and token is None:
            self._show("Enter the id token to present first.", palette.ERROR)
            return
        fault = None
        if action is UserAction.FAULT:
            fault_id = str(self.fault_combo.currentData())
            fault = FaultInfo(info=self.fault_info.text().strip() or None, fault_id=fault_id)
        self._show(f"{ACTION_LABELS[action]}…", None)
        task = asyncio.ensure_future(self._run(action, token, fault))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

    async def _run(self, action: UserAction, token: str | None, fault: FaultInfo | None) -> None:
        c = self._connector
        label = ACTION_LABELS[action]
        force = self.force_box.isChecked()
        rule = self._station.refusal(c, action)
        colour: str | None = None
        try:
            outcome = await self._station.act(c.evse_id, c.connector_id, action, force=force, token=token, fault=fault)
        except Refused as exc:
            message, colour = f"Refused in {exc.state}: {exc.rule}", palette.ERROR
        except PROTOCOL_ERRORS as exc:
            message, colour = f"{label} failed: {exc}", palette.ERROR
        except Exception as exc:
            # A bug in the engine: say so on the card, keep the traceback in the log.
            log.exception("%s on %s failed", label, self._title())
            message, colour = f"{label} failed with an internal error: {type(exc).__name__}: {exc}", palette.ERROR
        else:
            if rule is not None:
                message, colour = f"{label} forced past “{rule}”: {outcome}", palette.WARNING
            else:
                message = f"{label}: {outcome}"
        if shiboken6.isValid(self):  # the card may have closed while the action ran
            self._show(message, colour)
            self.refresh()

    def _show(self, message: str, colour: str | None) -> None:
        self.status_line.setText(message)
        self.status_line.setStyleSheet("" if colour is None else f"QLabel {{ color: {colour}; }}")

    def _force_toggled(self, on: bool) -> None:
        self._style_frame(forced=on)
        self.refresh()

    def _style_frame(self, *, forced: bool) -> None:
        border = f"2px solid {palette.WARNING}" if forced else "1px solid palette(mid)"
        self.setStyleSheet(f"QFrame#connectorCard {{ border: {border}; border-radius: 8px; }}")

    # --- text --------------------------------------------------------------------------------
    def _title(self) -> str:
        c = self._connector
        title = f"EVSE {c.evse_id} / connector {c.connector_id}"
        # Where the version numbers connectors over the station, the card also says the number on the wire.
        return (
            f"{title}  ·  connectorId {c.number16}"
            if traits(self._station.version).station_wide_connector_ids
            else title
        )

    def _subtitle(self) -> str:
        cc = self._connector.config
        kind = f"AC {cc.phases}-phase" if cc.current_type is CurrentType.AC else "DC"
        return f"{cc.type}  ·  {kind}  ·  max {format_kw(cc.max_power_w)}"
