"""The CSMS console: the embedded mock CSMS's view of its stations, its operator commands and its policy.

A station is only ever offered the commands of its own OCPP version (`commands_for`), each
named by the action it sends in that version, so a 2.0.1 station is never offered a 1.6-only
command. Every command runs as an asyncio task; its answer, or what went wrong, is shown
beside the form and kept in a short history.
"""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import time
from collections.abc import Coroutine, Iterable
from dataclasses import dataclass
from enum import IntEnum
from typing import Any

import shiboken6
from ocpp.v16.enums import AvailabilityType, MessageTrigger, RegistrationStatus, ResetType
from ocpp.v201.enums import AttributeEnumType, MessageTriggerEnumType, ReportBaseEnumType, ResetEnumType
from PySide6.QtCore import (
    QAbstractTableModel,
    QItemSelection,
    QModelIndex,
    QObject,
    QPersistentModelIndex,
    QSignalBlocker,
    Qt,
    QTimer,
)
from PySide6.QtGui import QColor, QFontDatabase, QGuiApplication, QHideEvent, QResizeEvent, QShowEvent
from PySide6.QtWidgets import (
    QAbstractItemView,
    QBoxLayout,
    QComboBox,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QSpinBox,
    QSplitter,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ocpplab_desktop.csms.server import COMMANDS, MockCsms, NotForThisVersion, StationNotConnected, commands_for
from ocpplab_desktop.csms.state import StationState
from ocpplab_desktop.engine.lab import Lab
from ocpplab_desktop.gui import palette
from ocpplab_desktop.gui.formatting import SUMMARY_LIMIT, payload_summary, truncate
from ocpplab_desktop.model.config import OcppVersion
from ocpplab_desktop.protocol import schemas
from ocpplab_desktop.protocol.errors import CallErrorReceived, CallTimeout, InvalidResponse, NotConnected, RpcError

log = logging.getLogger(__name__)

V16, V201 = OcppVersion.V16, OcppVersion.V201

REFRESH_MS = 1000  # the table's own refresh while shown, on top of the window's refresh() calls
HISTORY_LIMIT = 50
WIDE_LAYOUT_MIN = 720  # px; narrower, the command form sits above its answer and the history above the policy
NO_CSMS_TEXT = (
    "No embedded CSMS runs in this lab: its stations talk to an external CSMS, so there is nothing "
    "to command or configure here. Send commands from that CSMS, or start the lab with the embedded "
    "CSMS to use this console."
)
_NONE = "—"
_MAX_NUMBER = 99  # connector and EVSE inputs; the station answers for numbers it does not have


# --- the station table ------------------------------------------------------------------------
class Column(IntEnum):
    STATION = 0
    VERSION = 1
    CONNECTED = 2
    REGISTRATION = 3
    HEARTBEAT = 4
    CONNECTORS = 5
    TRANSACTIONS = 6


HEADERS = ("Station", "OCPP", "Connected", "Registration", "Last heartbeat", "Connectors", "Transactions")


@dataclass(frozen=True, slots=True)
class StationRow:
    """One table row: what the CSMS knows of a station, as display text."""

    station_id: str
    version: OcppVersion
    connected: bool
    registration: str | None
    last_heartbeat: str
    connectors: str
    connector_details: str  # the tooltip: every status with its error code and time
    transactions: str


def connector_summary(state: StationState) -> tuple[str, str]:
    """("1: Charging, 2: Available", one line per connector with error code and time) for a station.

    1.6 connector 0 (the whole charge point) goes to the details only: its state shows in the
    connectors' own statuses. 2.0.1 connectors are named evse/connector.
    """
    if state.version is V16:
        named = [(str(number), status) for number, status in sorted(state.connectors.items())]
        shown = [(name, status) for name, status in named if name != "0"]
    else:
        named = [(f"{evse}/{number}", status) for (evse, number), status in sorted(state.evse_connectors.items())]
        shown = named
    summary = ", ".join(f"{name}: {status.status}" for name, status in shown)
    details = "\n".join(
        f"{name}: {status.status}"
        + (f" ({status.error_code})" if status.error_code not in (None, "NoError") else "")
        + (f" at {status.timestamp}" if status.timestamp else "")
        for name, status in named
    )
    return summary or _NONE, details


def station_row(state: StationState) -> StationRow:
    summary, details = connector_summary(state)
    heartbeat = (
        time.strftime("%H:%M:%S", time.localtime(state.last_heartbeat)) if state.last_heartbeat is not None else _NONE
    )
    return StationRow(
        station_id=state.station_id,
        version=state.version,
        connected=state.connected,
        registration=str(state.registration) if state.registration is not None else None,
        last_heartbeat=heartbeat,
        connectors=summary,
        connector_details=details,
        transactions=", ".join(str(t.id) for t in state.active_transactions()) or _NONE,
    )


_REGISTRATION_COLOURS = {
    RegistrationStatus.accepted: palette.SUCCESS,
    RegistrationStatus.pending: palette.WARNING,
    RegistrationStatus.rejected: palette.ERROR,
}


class CsmsStationModel(QAbstractTableModel):
    """The stations the CSMS knows, one row each, sorted by id; `update` re-reads them."""

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._rows: list[StationRow] = []

    def update(self, states: Iterable[StationState]) -> None:
        """Show `states`; a new or gone station resets the model, a changed one emits dataChanged."""
        rows = sorted((station_row(s) for s in states), key=lambda r: r.station_id)
        if [r.station_id for r in rows] != [r.station_id for r in self._rows]:
            self.beginResetModel()
            self._rows = rows
            self.endResetModel()
            return
        old, self._rows = self._rows, rows
        for number, (before, after) in enumerate(zip(old, rows, strict=True)):
            if before != after:
                self.dataChanged.emit(self.index(number, 0), self.index(number, len(Column) - 1))

    def row(self, number: int) -> StationRow:
        return self._rows[number]

    def row_of(self, station_id: str) -> int | None:
        return next((n for n, r in enumerate(self._rows) if r.station_id == station_id), None)

    def rowCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent: QModelIndex | QPersistentModelIndex = QModelIndex()) -> int:  # noqa: B008
        return 0 if parent.isValid() else len(Column)

    def headerData(self, section: int, orientation: Qt.Orientation, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if (
            orientation is Qt.Orientation.Horizontal
            and role == Qt.ItemDataRole.DisplayRole
            and 0 <= section < len(HEADERS)
        ):
            return HEADERS[section]
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role: int = Qt.ItemDataRole.DisplayRole) -> Any:
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row, column = self._rows[index.row()], Column(index.column())
        if role == Qt.ItemDataRole.DisplayRole:
            return self._text(row, column)
        if role == Qt.ItemDataRole.ToolTipRole and column is Column.CONNECTORS:
            return row.connector_details or None
        if role == Qt.ItemDataRole.ForegroundRole:
            return self._colour(row, column)
        return None

    @staticmethod
    def _text(row: StationRow, column: Column) -> str:
        if column is Column.STATION:
            return row.station_id
        if column is Column.VERSION:
            return row.version.value
        if column is Column.CONNECTED:
            return "yes" if row.connected else "no"
        if column is Column.REGISTRATION:
            return row.registration or _NONE
        if column is Column.HEARTBEAT:
            return row.last_heartbeat
        if column is Column.CONNECTORS:
            return row.connectors
        return row.transactions

    @staticmethod
    def _colour(row: StationRow, column: Column) -> QColor | None:
        if not row.connected:
            return QColor(palette.UNKNOWN_STATE)  # what the CSMS last heard, not what is true now
        if column is Column.CONNECTED:
            return QColor(palette.SUCCESS)
        if column is Column.REGISTRATION and row.registration in _REGISTRATION_COLOURS:
            return QColor(_REGISTRATION_COLOURS[RegistrationStatus(row.registration)])
        return None


# --- command forms ----------------------------------------------------------------------------
class InputProblem(ValueError):
    """A form field is empty or malformed; the message says which and what to enter."""


def _schema_accepts(version: OcppVersion, action: str, payload: dict[str, Any]) -> bool:
    try:
        schemas.check(version, action, payload)
    except RpcError:
        return False
    return True


@functools.cache
def trigger_messages(version: OcppVersion) -> tuple[str, ...]:
    """The MessageTrigger values a TriggerMessage of `version` may carry.

    The library's 1.6 enum also holds the security extension's values, which only
    ExtendedTriggerMessage takes, so the TriggerMessage schema has the last word.
    """
    enum = MessageTrigger if version is V16 else MessageTriggerEnumType
    action = COMMANDS["trigger_message"].actions[version]
    return tuple(m.value for m in enum if _schema_accepts(version, action, {"requestedMessage": m.value}))


def command_label(command: str, version: OcppVersion) -> str:
    """A command as the action it sends to a station of `version`, e.g. RequestStartTransaction."""
    return str(COMMANDS[command].actions[version])


def _refill(combo: QComboBox, values: Iterable[str]) -> None:
    """Offer `values`, keeping the current choice when it is still offered; nothing happens if unchanged."""
    wanted = list(values)
    if [combo.itemText(i) for i in range(combo.count())] == wanted:
        return
    current = combo.currentText()
    combo.clear()
    combo.addItems(wanted)
    if current in wanted:
        combo.setCurrentText(current)


def _number_box(zero_means: str | None = None, minimum: int = 1) -> QSpinBox:
    """A connector or EVSE number; with `zero_means`, 0 is allowed and shown as that word."""
    box = QSpinBox()
    box.setRange(0 if zero_means else minimum, _MAX_NUMBER)
    if zero_means:
        box.setSpecialValueText(zero_means)
        box.setValue(0)
    return box


def _required(edit: QLineEdit, what: str) -> str:
    text = edit.text().strip()
    if not text:
        raise InputProblem(f"enter {what}")
    return text


class CommandForm(QWidget):
    """The inputs of one operator command; `arguments()` are the keywords of its `MockCsms` method."""

    def __init__(self, command: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.command = command
        self.version = V16
        self.rows = QFormLayout(self)
        self.rows.setContentsMargins(0, 0, 0, 0)
        self.rows.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)

    def show_station(self, state: StationState) -> None:
        """Adapt the inputs to a station: its version's labels and choices, its transactions."""
        self.version = state.version

    def arguments(self) -> dict[str, Any]:
        """The keyword arguments after the station id; InputProblem if a field is not usable."""
        raise NotImplementedError


class _PlaceRow:
    """The connector (1.6) or EVSE (2.0.1) a command addresses; the label follows the version, 0 = `zero_means`."""

    def __init__(self, form: CommandForm, zero_means: str) -> None:
        self.label = QLabel()
        self.box = _number_box(zero_means)
        form.rows.addRow(self.label, self.box)

    def show_version(self, version: OcppVersion) -> None:
        self.label.setText("Connector id" if version is V16 else "EVSE id")

    def arguments(self, version: OcppVersion) -> dict[str, int | None]:
        number = self.box.value() or None
        return {"connector_id": number} if version is V16 else {"evse_id": number}


class RemoteStartForm(CommandForm):
    def __init__(self) -> None:
        super().__init__("remote_start")
        self.token = QLineEdit("TAG-0001")
        self.rows.addRow("Id token", self.token)
        self.place = _PlaceRow(self, "any")

    def show_station(self, state: StationState) -> None:
        super().show_station(state)
        self.place.show_version(state.version)

    def arguments(self) -> dict[str, Any]:
        return {"id_token": _required(self.token, "the id token to start with"), **self.place.arguments(self.version)}


class RemoteStopForm(CommandForm):
    def __init__(self) -> None:
        super().__init__("remote_stop")
        self.transaction = QComboBox()
        self.transaction.setEditable(True)
        edit = QLineEdit()
        edit.setPlaceholderText("no active transaction: type an id")
        self.transaction.setLineEdit(edit)
        self.rows.addRow("Transaction id", self.transaction)
        self._offered: list[str] = []

    def show_station(self, state: StationState) -> None:
        super().show_station(state)
        ids = [str(t.id) for t in state.active_transactions()]
        if ids == self._offered:
            return  # refilling would disturb someone typing an id
        typed = self.transaction.currentText() not in (*self._offered, "")
        kept = self.transaction.currentText()
        self._offered = ids
        self.transaction.clear()
        self.transaction.addItems(ids)
        if typed:
            self.transaction.setEditText(kept)

    def arguments(self) -> dict[str, Any]:
        text = self.transaction.currentText().strip()
        if not text:
            raise InputProblem("enter the id of the transaction to stop")
        if self.version is V16:
            # 1.6 section 6.35: RemoteStopTransaction.req transactionId is an integer.
            if not text.lstrip("-").isdigit():
                raise InputProblem(f"OCPP 1.6 transaction ids are integers, not {text!r}")
            return {"transaction_id": int(text)}
        return {"transaction_id": text}


class ResetForm(CommandForm):
    def __init__(self) -> None:
        super().__init__("reset")
        self.kind = QComboBox()
        self.rows.addRow("Type", self.kind)
        self.evse = _number_box("whole station")
        self.rows.addRow("EVSE id", self.evse)

    def show_station(self, state: StationState) -> None:
        super().show_station(state)
        _refill(self.kind, [k.value for k in (ResetType if state.version is V16 else ResetEnumType)])
        # 2.0.1 B11/B12 can reset one EVSE; 1.6 resets the charge point only.
        self.rows.setRowVisible(self.evse, state.version is V201)

    def arguments(self) -> dict[str, Any]:
        if self.version is V16:
            return {"kind": self.kind.currentText()}
        return {"kind": self.kind.currentText(), "evse_id": self.evse.value() or None}


class ChangeAvailabilityForm(CommandForm):
    def __init__(self) -> None:
        super().__init__("change_availability")
        self.kind = QComboBox()
        self.kind.addItems([AvailabilityType.operative.value, AvailabilityType.inoperative.value])
        self.rows.addRow("Availability", self.kind)
        # 1.6 section 5.2 connectorId 0 / 2.0.1 G03 without evse: the whole station.
        self.place = _PlaceRow(self, "whole station")

    def show_station(self, state: StationState) -> None:
        super().show_station(state)
        self.place.show_version(state.version)

    def arguments(self) -> dict[str, Any]:
        operative = self.kind.currentText() == AvailabilityType.operative
        return {"operative": operative, **self.place.arguments(self.version)}


class TriggerMessageForm(CommandForm):
    def __init__(self) -> None:
        super().__init__("trigger_message")
        self.message = QComboBox()
        self.rows.addRow("Message", self.message)
        self.place = _PlaceRow(self, "none")

    def show_station(self, state: StationState) -> None:
        super().show_station(state)
        _refill(self.message, trigger_messages(state.version))
        self.place.show_version(state.version)

    def arguments(self) -> dict[str, Any]:
        return {"message": self.message.currentText(), **self.place.arguments(self.version)}


class UnlockConnectorForm(CommandForm):
    def __init__(self) -> None:
        super().__init__("unlock_connector")
        self.evse = _number_box()
        self.rows.addRow("EVSE id", self.evse)
        self.connector = _number_box()
        self.rows.addRow("Connector id", self.connector)

    def show_station(self, state: StationState) -> None:
        super().show_station(state)
        # 2.0.1 F05 addresses a connector of an EVSE; 1.6 numbers connectors over the station.
        self.rows.setRowVisible(self.evse, state.version is V201)

    def arguments(self) -> dict[str, Any]:
        if self.version is V16:
            return {"connector_id": self.connector.value()}
        return {"connector_id": self.connector.value(), "evse_id": self.evse.value()}


class GetConfigurationForm(CommandForm):
    def __init__(self) -> None:
        super().__init__("get_configuration")
        self.keys = QLineEdit()
        self.keys.setPlaceholderText("empty: every key")
        self.keys.setToolTip("Configuration keys, comma separated, e.g. HeartbeatInterval, MeterValueSampleInterval")
        self.rows.addRow("Keys", self.keys)

    def arguments(self) -> dict[str, Any]:
        keys = split_list(self.keys.text())
        return {"keys": keys or None}


class ChangeConfigurationForm(CommandForm):
    def __init__(self) -> None:
        super().__init__("change_configuration")
        self.key = QLineEdit()
        self.key.setPlaceholderText("e.g. HeartbeatInterval")
        self.value = QLineEdit()
        self.rows.addRow("Key", self.key)
        self.rows.addRow("Value", self.value)

    def arguments(self) -> dict[str, Any]:
        return {"key": _required(self.key, "the configuration key to change"), "value": self.value.text()}


class VariablesForm(CommandForm):
    """GetVariables and SetVariables of one variable (2.0.1 B06/B05); SetVariables adds the value."""

    def __init__(self, command: str, with_value: bool) -> None:
        super().__init__(command)
        self.component = QLineEdit()
        self.component.setPlaceholderText("e.g. OCPPCommCtrlr")
        self.variable = QLineEdit()
        self.variable.setPlaceholderText("e.g. HeartbeatInterval")
        self.rows.addRow("Component", self.component)
        self.rows.addRow("Variable", self.variable)
        self.value: QLineEdit | None = None
        if with_value:
            self.value = QLineEdit()
            self.rows.addRow("Value", self.value)
        self.attribute = QComboBox()
        self.attribute.addItems([a.value for a in AttributeEnumType])
        self.rows.addRow("Attribute", self.attribute)

    def arguments(self) -> dict[str, Any]:
        item: dict[str, Any] = {
            "component": {"name": _required(self.component, "the component name")},
            "variable": {"name": _required(self.variable, "the variable name")},
            "attributeType": self.attribute.currentText(),
        }
        if self.value is not None:
            item["attributeValue"] = self.value.text()
        return {"items": [item]}


class GetBaseReportForm(CommandForm):
    def __init__(self) -> None:
        super().__init__("get_base_report")
        self.base = QComboBox()
        self.base.addItems([r.value for r in ReportBaseEnumType])
        self.base.setCurrentText(ReportBaseEnumType.full_inventory.value)
        self.rows.addRow("Report", self.base)

    def arguments(self) -> dict[str, Any]:
        return {"report_base": self.base.currentText()}


def command_forms() -> list[CommandForm]:
    """One form per operator command in `COMMANDS`."""
    return [
        RemoteStartForm(),
        RemoteStopForm(),
        ResetForm(),
        ChangeAvailabilityForm(),
        TriggerMessageForm(),
        UnlockConnectorForm(),
        GetConfigurationForm(),
        ChangeConfigurationForm(),
        VariablesForm("get_variables", with_value=False),
        VariablesForm("set_variables", with_value=True),
        GetBaseReportForm(),
    ]


def split_list(text: str) -> list[str]:
    """Comma-separated entries, stripped, empty ones left out."""
    return [part.strip() for part in text.split(",") if part.strip()]


# What a command can run into in a working lab; anything else is a bug, and is logged as one.
EXPECTED_FAILURES = (CallErrorReceived, CallTimeout, NotConnected, NotForThisVersion, InvalidResponse, RpcError)


def describe_failure(exc: BaseException) -> str:
    """What went wrong with a command, in a sentence that says what to do where there is something to do."""
    if isinstance(exc, CallErrorReceived):
        details = f" {json.dumps(exc.details, ensure_ascii=False)}" if exc.details else ""
        return f"CALLERROR {exc.code}: {exc.description or '(no description)'}{details}"
    if isinstance(exc, CallTimeout):
        return f"Timeout: {exc}; is the station busy or stalled?"
    if isinstance(exc, StationNotConnected):
        return f"Not connected: {exc}. Connect the station, then send again."
    if isinstance(exc, NotConnected):
        return f"Not sent, the connection is down: {exc}"
    if isinstance(exc, NotForThisVersion):
        return f"Not for this station: {exc}"
    if isinstance(exc, InvalidResponse):
        return f"Invalid answer: {exc}"
    if isinstance(exc, RpcError):
        return f"Not sent, the request is invalid ({exc.code}): {exc.description}"
    return f"Failed with {type(exc).__name__}: {exc}"


def _brief(value: Any) -> str:
    """A value in one line: objects as `key=value` fields, lists as their items separated by ';'."""
    if isinstance(value, dict):
        return payload_summary(value)
    if isinstance(value, list):
        return "; ".join(_brief(item) for item in value)
    return str(value)


def describe_arguments(arguments: dict[str, Any]) -> str:
    """A command's arguments for the history, e.g. `id_token=TAG-1, connector_id=1`."""
    text = ", ".join(f"{name}={_brief(value)}" for name, value in arguments.items() if value is not None)
    return truncate(text, SUMMARY_LIMIT)


def short_answer(answer: dict[str, Any]) -> str:
    """An answer in a few words: its status when that is all it says (most answers), else its fields."""
    if list(answer) == ["status"]:
        return str(answer["status"])
    if len(answer) == 1 and isinstance(only := next(iter(answer.values())), list):
        return truncate(_brief(only), SUMMARY_LIMIT) or "an empty list"
    return truncate(payload_summary(answer), SUMMARY_LIMIT) or "an empty answer"


@dataclass
class HistoryEntry:
    """A command sent from the console and, once known, its outcome."""

    station_id: str
    action: str
    arguments: str
    sent_at: float
    ok: bool | None = None  # None while waiting for the answer
    outcome: str = "waiting for the answer…"
    answer: str = ""  # pretty JSON of the answer payload

    def line(self) -> str:
        clock = time.strftime("%H:%M:%S", time.localtime(self.sent_at))
        request = f"{self.action} {self.arguments}" if self.arguments else self.action
        return f"{clock}  {self.station_id}  {request} → {self.outcome}"


# --- the console -----------------------------------------------------------------------------
class CsmsConsole(QWidget):
    """The CSMS dock: stations table, version-aware command forms with answers and history, policy editor."""

    def __init__(self, lab: Lab, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.lab = lab
        self._csms: MockCsms | None = None
        self._station_id: str | None = None
        self._version: OcppVersion | None = None
        self._latest: HistoryEntry | None = None
        self._tasks: set[asyncio.Future[dict[str, Any]]] = set()  # asyncio keeps only weak references to tasks
        self._selecting = False
        self.outcome_ok: bool | None = None  # how the outcome line reads: success, failure, or neutral

        self.pages = QStackedWidget()
        self.no_csms = QLabel(NO_CSMS_TEXT)
        self.no_csms.setWordWrap(True)
        self.no_csms.setAlignment(Qt.AlignmentFlag.AlignCenter)
        self.no_csms.setMargin(24)
        self.console = QWidget()
        self.pages.addWidget(self.no_csms)
        self.pages.addWidget(self.console)
        outer = QVBoxLayout(self)
        outer.setContentsMargins(0, 0, 0, 0)
        outer.addWidget(self.pages)

        self.address = QLineEdit()
        self.address.setReadOnly(True)
        self.address.setToolTip("Point a station (this lab's or another simulator) here, with its id at the end")
        self.copy_button = QPushButton("Copy")
        self.copy_button.setToolTip("Copy the address to the clipboard")
        self.copy_button.clicked.connect(self.copy_address)
        address_row = QHBoxLayout()
        address_row.addWidget(QLabel("CSMS address"))
        address_row.addWidget(self.address, 1)
        address_row.addWidget(self.copy_button)

        self.model = CsmsStationModel(self)
        self.table = QTableView()
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.table.verticalHeader().hide()
        self.table.setWordWrap(False)
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        self.table.selectionModel().selectionChanged.connect(self._selection_changed)

        splitter = QSplitter(Qt.Orientation.Vertical)
        splitter.setChildrenCollapsible(False)
        splitter.addWidget(self.table)
        splitter.addWidget(self._build_command_area())
        splitter.addWidget(self._build_lower_area())
        splitter.setStretchFactor(0, 2)
        splitter.setStretchFactor(1, 3)
        splitter.setStretchFactor(2, 2)

        layout = QVBoxLayout(self.console)
        layout.addLayout(address_row)
        layout.addWidget(splitter, 1)

        self._timer = QTimer(self)
        self._timer.setInterval(REFRESH_MS)
        self._timer.timeout.connect(self.refresh)
        self.refresh()

    # --- building ------------------------------------------------------------------------
    def _build_command_area(self) -> QWidget:
        self.command_box = QGroupBox("Command")
        self.command = QComboBox()
        self.command.setToolTip("Only the commands of the selected station's OCPP version are offered")
        self.command.currentIndexChanged.connect(self._command_changed)
        self.forms = {form.command: form for form in command_forms()}
        self.form_stack = QStackedWidget()
        for form in self.forms.values():
            self.form_stack.addWidget(form)
        self.send_button = QPushButton("Send")
        self.send_button.clicked.connect(self.send)
        send_row = QHBoxLayout()
        send_row.addStretch(1)
        send_row.addWidget(self.send_button)
        left = QVBoxLayout(self.command_box)
        left.addWidget(self.command)
        left.addWidget(self.form_stack)
        left.addLayout(send_row)
        left.addStretch(1)

        answer_box = QGroupBox("Answer")
        self.outcome = QLabel("Select a station, choose a command and press Send.")
        self.outcome.setWordWrap(True)
        self.outcome.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.answer = QPlainTextEdit()
        self.answer.setReadOnly(True)
        self.answer.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        self.answer.setPlaceholderText("The station's answer appears here as JSON")
        right = QVBoxLayout(answer_box)
        right.addWidget(self.outcome)
        right.addWidget(self.answer, 1)

        area = QWidget()
        self._command_row = QBoxLayout(QBoxLayout.Direction.LeftToRight, area)
        self._command_row.setContentsMargins(0, 0, 0, 0)
        self._command_row.addWidget(self.command_box, 2)
        self._command_row.addWidget(answer_box, 3)
        return area

    def _build_lower_area(self) -> QWidget:
        history_box = QGroupBox("History")
        self.history = QListWidget()
        self.history.setWordWrap(False)
        self.history.setTextElideMode(Qt.TextElideMode.ElideRight)
        self.history.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.history.setToolTip("Commands sent from this console, newest first; select one to see its answer")
        self.history.currentItemChanged.connect(self._history_selected)
        QVBoxLayout(history_box).addWidget(self.history)

        policy_box = QGroupBox("CSMS policy")
        self.boot_status = QComboBox()
        self.boot_status.addItems([s.value for s in RegistrationStatus])
        self.boot_status.setToolTip(
            "The answer to the next BootNotification (1.6 section 4.2; 2.0.1 B01-B03); "
            "Pending or Rejected stations boot again after the interval"
        )
        self.heartbeat = QSpinBox()
        self.heartbeat.setRange(1, 86_400)
        self.heartbeat.setSuffix(" s")
        self.heartbeat.setToolTip("The interval the BootNotification answer gives; applies from the next boot")
        self.blocked = QLineEdit()
        self.blocked.setPlaceholderText("comma separated")
        self.blocked.setToolTip("Tokens answered Blocked in Authorize and transaction messages")
        self.invalid = QLineEdit()
        self.invalid.setPlaceholderText("comma separated")
        self.invalid.setToolTip("Tokens answered Invalid in Authorize and transaction messages")
        form = QFormLayout(policy_box)
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)
        form.addRow("Boot answer", self.boot_status)
        form.addRow("Heartbeat interval", self.heartbeat)
        form.addRow("Blocked tokens", self.blocked)
        form.addRow("Invalid tokens", self.invalid)
        self.boot_status.currentTextChanged.connect(self._apply_boot_status)
        self.heartbeat.valueChanged.connect(self._apply_heartbeat)
        self.blocked.textChanged.connect(self._apply_blocked)
        self.invalid.textChanged.connect(self._apply_invalid)

        area = QWidget()
        self._lower_row = QBoxLayout(QBoxLayout.Direction.LeftToRight, area)
        self._lower_row.setContentsMargins(0, 0, 0, 0)
        self._lower_row.addWidget(history_box, 3)
        self._lower_row.addWidget(policy_box, 2)
        return area

    # --- state ---------------------------------------------------------------------------
    @property
    def station_id(self) -> str | None:
        """The selected station."""
        return self._station_id

    def address_text(self) -> str:
        return f"{self.lab.csms_url}/<stationId>"

    def offered_commands(self) -> list[str]:
        """The command names in the combo, in order."""
        return [self.command.itemData(i) for i in range(self.command.count())]

    def refresh(self) -> None:
        """Re-read the CSMS: stations, the selected station's forms, and the policy unless being edited."""
        csms = self.lab.csms
        if csms is None:
            self.pages.setCurrentWidget(self.no_csms)
            return
        self.pages.setCurrentWidget(self.console)
        if csms is not self._csms:
            self._csms = csms
            self.address.setText(self.address_text())
        self._selecting = True
        try:
            self.model.update(csms.stations.values())
        finally:
            self._selecting = False
        wanted = self._station_id if self._station_id in csms.stations else None
        if wanted is None and self.model.rowCount() > 0:
            wanted = self.model.row(0).station_id
        self.select_station(wanted)
        self._show_policy(csms)

    def select_station(self, station_id: str | None) -> None:
        """Select a station's row (None: no station) and adapt the command area to it."""
        number = self.model.row_of(station_id) if station_id is not None else None
        self._selecting = True
        try:
            if number is None:
                self.table.clearSelection()
            elif not self.table.selectionModel().isRowSelected(number, QModelIndex()):
                self.table.selectRow(number)
        finally:
            self._selecting = False
        self._show_station(station_id if number is not None else None)

    def _selection_changed(self, selected: QItemSelection, _deselected: QItemSelection) -> None:
        if self._selecting:
            return
        rows = {index.row() for index in selected.indexes()}
        self._show_station(self.model.row(min(rows)).station_id if rows else None)

    def _show_station(self, station_id: str | None) -> None:
        state = self._csms.stations.get(station_id) if self._csms is not None and station_id else None
        self.command_box.setEnabled(state is not None)
        if state is None:
            self._station_id = self._version = None
            self.command_box.setTitle("Command (select a station above)")
            return
        if (state.station_id, state.version) != (self._station_id, self._version):
            self._station_id, self._version = state.station_id, state.version
            self._offer_commands(state.version)
            self.command_box.setTitle(f"Command to {state.station_id} (OCPP {state.version.value})")
        for form in self.forms.values():
            form.show_station(state)

    def _offer_commands(self, version: OcppVersion) -> None:
        """Fill the combo with the version's commands only, keeping the chosen one when it applies."""
        chosen = self.command.currentData()
        self.command.blockSignals(True)
        try:
            self.command.clear()
            for name in commands_for(version):
                self.command.addItem(command_label(name, version), name)
            index = self.command.findData(chosen)
            self.command.setCurrentIndex(max(index, 0))
        finally:
            self.command.blockSignals(False)
        self._command_changed()

    def _command_changed(self) -> None:
        name = self.command.currentData()
        if name in self.forms:
            self.form_stack.setCurrentWidget(self.forms[name])

    def choose_command(self, command: str) -> CommandForm:
        """Choose `command` in the combo (it must be offered to the selected station); its form."""
        index = self.command.findData(command)
        if index < 0:
            raise ValueError(f"{command} is not offered to the selected station: {', '.join(self.offered_commands())}")
        self.command.setCurrentIndex(index)
        return self.forms[command]

    # --- sending -------------------------------------------------------------------------
    def send(self) -> None:
        """Send the chosen command to the selected station; the answer arrives in the Answer box."""
        csms, station_id, name = self._csms, self._station_id, self.command.currentData()
        if csms is None or station_id is None or name is None or self._version is None:
            self._show_outcome("Select a station first.", ok=False)
            return
        form = self.forms[name]
        try:
            arguments = form.arguments()
        except InputProblem as exc:
            self._show_outcome(f"Not sent: {exc}.", ok=False)
            return
        call: Coroutine[Any, Any, dict[str, Any]] = getattr(csms, name)(station_id, **arguments)
        entry = HistoryEntry(station_id, command_label(name, self._version), describe_arguments(arguments), time.time())
        item = QListWidgetItem(entry.line())
        item.setData(Qt.ItemDataRole.UserRole, entry)
        self.history.insertItem(0, item)
        while self.history.count() > HISTORY_LIMIT:
            self.history.takeItem(self.history.count() - 1)
        self._latest = entry
        self.answer.clear()
        self._show_outcome(f"Sent {entry.action} to {station_id}; waiting for the answer…", ok=None)
        task = asyncio.ensure_future(call)
        self._tasks.add(task)
        task.add_done_callback(functools.partial(self._finished, entry, item))

    def _finished(self, entry: HistoryEntry, item: QListWidgetItem, task: asyncio.Future[dict[str, Any]]) -> None:
        self._tasks.discard(task)
        if not shiboken6.isValid(self):
            return  # the console was deleted while the station was answering
        if task.cancelled():
            entry.ok, entry.outcome = False, "cancelled before the station answered"
        elif (exc := task.exception()) is not None:
            entry.ok, entry.outcome = False, describe_failure(exc)
            if not isinstance(exc, EXPECTED_FAILURES):
                log.error("%s to %s failed unexpectedly", entry.action, entry.station_id, exc_info=exc)
        else:
            answer = task.result()
            entry.ok = True
            entry.outcome = short_answer(answer)
            entry.answer = json.dumps(answer, indent=2, ensure_ascii=False)
        item.setText(entry.line())
        item.setForeground(QColor(palette.SUCCESS if entry.ok else palette.ERROR))
        item.setToolTip(entry.line())
        if entry is self._latest:
            self._show_entry(entry)
        self.refresh()

    def _show_entry(self, entry: HistoryEntry) -> None:
        self.answer.setPlainText(entry.answer)
        if entry.ok is None:
            self._show_outcome(f"{entry.action} to {entry.station_id}: waiting for the answer…", ok=None)
        elif entry.ok:
            self._show_outcome(f"{entry.action} to {entry.station_id}: {entry.outcome}", ok=True)
        else:
            self._show_outcome(f"{entry.action} to {entry.station_id} failed. {entry.outcome}", ok=False)

    def _history_selected(self, current: QListWidgetItem | None, _previous: QListWidgetItem | None) -> None:
        if current is not None:
            self._show_entry(current.data(Qt.ItemDataRole.UserRole))

    def _show_outcome(self, text: str, ok: bool | None) -> None:
        colour = {True: palette.SUCCESS, False: palette.ERROR, None: ""}[ok]
        self.outcome.setStyleSheet(f"color: {colour};" if colour else "")
        self.outcome.setText(text)
        self.outcome_ok = ok

    def history_entries(self) -> list[HistoryEntry]:
        """The history, newest first."""
        return [self.history.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.history.count())]

    def copy_address(self) -> None:
        QGuiApplication.clipboard().setText(self.address.text())

    # --- policy --------------------------------------------------------------------------
    def _show_policy(self, csms: MockCsms) -> None:
        """Show the live policy (a scenario may change it too), leaving alone a field being edited."""
        policy = csms.policy
        _sync(self.boot_status, self.boot_status.currentText() == policy.boot_status, policy.boot_status.value)
        _sync(self.heartbeat, self.heartbeat.value() == policy.heartbeat_interval, policy.heartbeat_interval)
        for edit, tokens in ((self.blocked, policy.blocked_tokens), (self.invalid, policy.invalid_tokens)):
            _sync(edit, set(split_list(edit.text())) == tokens, ", ".join(sorted(tokens)))

    def _apply_boot_status(self, text: str) -> None:
        if self._csms is not None:
            self._csms.policy.boot_status = RegistrationStatus(text)

    def _apply_heartbeat(self, seconds: int) -> None:
        if self._csms is not None:
            self._csms.policy.heartbeat_interval = seconds

    def _apply_blocked(self, text: str) -> None:
        if self._csms is not None:
            _replace(self._csms.policy.blocked_tokens, split_list(text))

    def _apply_invalid(self, text: str) -> None:
        if self._csms is not None:
            _replace(self._csms.policy.invalid_tokens, split_list(text))

    # --- visibility ----------------------------------------------------------------------
    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.refresh()
        self._timer.start()

    def hideEvent(self, event: QHideEvent) -> None:
        self._timer.stop()
        super().hideEvent(event)

    def resizeEvent(self, event: QResizeEvent) -> None:
        # Side by side where there is room (a dock at the bottom), stacked in a narrow side dock.
        wide = event.size().width() >= WIDE_LAYOUT_MIN
        direction = QBoxLayout.Direction.LeftToRight if wide else QBoxLayout.Direction.TopToBottom
        for row in (self._command_row, self._lower_row):
            row.setDirection(direction)
        super().resizeEvent(event)


def _sync(widget: QComboBox | QSpinBox | QLineEdit, same: bool, value: Any) -> None:
    """Show `value` in a policy field without applying it back, unless it is shown already or has the focus."""
    if same or widget.hasFocus():
        return
    with QSignalBlocker(widget):
        if isinstance(widget, QComboBox):
            widget.setCurrentText(value)
        elif isinstance(widget, QSpinBox):
            widget.setValue(value)
        else:
            widget.setText(value)


def _replace(tokens: set[str], new: Iterable[str]) -> None:
    """Change a policy's token set in place: the CSMS handlers hold the same set."""
    tokens.clear()
    tokens.update(new)
