"""The CSMS console: the embedded mock CSMS's view of its stations, its operator commands and its policy.

A station is offered every action a CSMS may send to its own OCPP version
(`protocol.schemas.csms_actions`), and only those. Each action's form is built from its
official request schema (`schema_form`), with a raw JSON tab, and sent with `MockCsms.send`;
a dedicated form stands in where it adds something (`DEDICATED_FORMS`: the charging-profile
editor, the remote stop that offers the running transactions). Every command runs as a task
of the console's `TaskSet`; its answer, or what went wrong, is shown beside the form (a
GetCompositeSchedule answer also as a plot) and kept in a short history, with the files stations
uploaded to the CSMS's file service. UpdateFirmware, GetDiagnostics and GetLog start from that
service's URLs, and a firmware picker serves an image from disk (`console_files`). The station table
is `csms_stations`, the policy pane `csms_policy_pane`; the words of the table and of the outcomes
are in `csms.console_text`.
"""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Awaitable, Callable
from typing import Any

import shiboken6
from PySide6.QtCore import (
    QItemSelection,
    QModelIndex,
    Qt,
    QTimer,
    QUrl,
    Signal,
)
from PySide6.QtGui import (
    QColor,
    QDesktopServices,
    QFontDatabase,
    QGuiApplication,
    QHideEvent,
    QResizeEvent,
    QShowEvent,
)
from PySide6.QtWidgets import (
    QAbstractItemView,
    QBoxLayout,
    QComboBox,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QPlainTextEdit,
    QPushButton,
    QSplitter,
    QStackedWidget,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ocpplab_desktop.csms.console_text import (
    EXPECTED_FAILURES,
    HistoryEntry,
    command_label,
    describe_arguments,
)
from ocpplab_desktop.csms.files import Upload
from ocpplab_desktop.csms.server import BUILDERS, MockCsms
from ocpplab_desktop.csms.state import StationState
from ocpplab_desktop.engine.lab import Lab
from ocpplab_desktop.gui import palette
from ocpplab_desktop.gui.bridge import spawn_soon
from ocpplab_desktop.gui.console_files import (
    LOCATIONS,
    UPDATE_FIRMWARE,
    FirmwarePicker,
    service_defaults,
    upload_line,
    upload_preview,
)
from ocpplab_desktop.gui.console_forms import CommandForm, InputProblem, RemoteStopForm
from ocpplab_desktop.gui.csms_policy_pane import PolicyPane
from ocpplab_desktop.gui.csms_stations import CsmsStationModel
from ocpplab_desktop.gui.profile_editor import ProfileEditor, SchedulePlot, composite_steps
from ocpplab_desktop.gui.schema_form import SchemaForm
from ocpplab_desktop.model.config import OcppVersion
from ocpplab_desktop.protocol.schemas import csms_actions
from ocpplab_desktop.protocol.tasks import TaskSet

log = logging.getLogger(__name__)

TABLE_ROWS = 6
"""Station rows the table shows before it scrolls: with twenty stations, picking one is a glance."""
REFRESH_MS = 1000  # the table's own refresh while shown, on top of the window's refresh() calls
HISTORY_LIMIT = 50
WIDE_LAYOUT_MIN = 720  # px; narrower, the command form sits above its answer and the history above the policy
DEDICATED_FORMS: dict[str, Callable[[], CommandForm]] = {
    "set_charging_profile": ProfileEditor,
    "remote_stop": RemoteStopForm,
}
"""Operator commands whose own form adds to the schema's: a profile editor with a preview, a choice of
the running transactions. Every other action gets the form of its schema."""
COMPOSITE_SCHEDULE = "GetCompositeSchedule"
NO_CSMS_TEXT = (
    "No embedded CSMS runs in this lab: its stations talk to an external CSMS, so there is nothing "
    "to command or configure here. Send commands from that CSMS, or start the lab with the embedded "
    "CSMS to use this console."
)


# --- the console -----------------------------------------------------------------------------
class CsmsConsole(QWidget):
    """The CSMS dock: stations table, version-aware command forms with answers and history, policy editor.

    `select_station` follows the station chosen elsewhere (the window's tree); a row the user
    picks here is announced with `stationChosen`, so the window can select it in turn.
    """

    stationChosen = Signal(str)

    def __init__(self, lab: Lab, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.lab = lab
        self._csms: MockCsms | None = None
        self._station_id: str | None = None
        self._followed: str | None = None  # the station chosen in the window or here, selected once the CSMS knows it
        self._version: OcppVersion | None = None
        self._latest: HistoryEntry | None = None
        self._uploads_shown = 0  # of the file service's uploads, how many are in the history
        self._tasks = TaskSet("CSMS console")
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
        rows = self.table.verticalHeader()
        rows.setDefaultSectionSize(self.table.fontMetrics().height() + 8)
        scrollbar = self.table.horizontalScrollBar().sizeHint().height()  # the columns are often wider than the dock
        self.table.setMinimumHeight(
            header.sizeHint().height()
            + TABLE_ROWS * rows.defaultSectionSize()
            + scrollbar
            + 2 * self.table.frameWidth()
        )

        # Each part keeps at least its minimum height; where the dock is shorter, the dock scrolls.
        self.splitter = QSplitter(Qt.Orientation.Vertical)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(self.table)
        self.splitter.addWidget(self._build_command_area())
        self.splitter.addWidget(self._build_lower_area())
        self.splitter.setStretchFactor(0, 2)
        self.splitter.setStretchFactor(1, 3)
        self.splitter.setStretchFactor(2, 2)

        layout = QVBoxLayout(self.console)
        layout.addLayout(address_row)
        layout.addWidget(self.splitter, 1)

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
        self.forms: dict[tuple[OcppVersion, str], CommandForm | SchemaForm] = {}  # built when first chosen
        self.form_stack = QStackedWidget()
        self.firmware_picker = FirmwarePicker()
        self.firmware_picker.chosen.connect(self._firmware_chosen)
        self.firmware_picker.problem.connect(lambda text: self._show_outcome(text, ok=False))
        self.firmware_picker.hide()  # shown with the UpdateFirmware form
        self.send_button = QPushButton("Send")
        self.send_button.clicked.connect(self.send)
        send_row = QHBoxLayout()
        send_row.addStretch(1)
        send_row.addWidget(self.send_button)
        left = QVBoxLayout(self.command_box)
        left.addWidget(self.command)
        left.addWidget(self.firmware_picker)
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
        self.schedule_plot = SchedulePlot()
        self.schedule_plot.setToolTip("The composite schedule the station answered, over its duration")
        self.schedule_plot.hide()
        right = QVBoxLayout(answer_box)
        right.addWidget(self.outcome)
        right.addWidget(self.answer, 1)
        right.addWidget(self.schedule_plot, 1)

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
        self.open_uploads = QPushButton("Open uploads folder")
        self.open_uploads.setToolTip("Where the mock CSMS keeps the diagnostics and logs stations upload")
        self.open_uploads.clicked.connect(self.open_uploads_folder)
        uploads_row = QHBoxLayout()
        uploads_row.addStretch(1)
        uploads_row.addWidget(self.open_uploads)
        history_layout = QVBoxLayout(history_box)
        history_layout.addWidget(self.history)
        history_layout.addLayout(uploads_row)

        self.policy_pane = PolicyPane()

        area = QWidget()
        self._lower_row = QBoxLayout(QBoxLayout.Direction.LeftToRight, area)
        self._lower_row.setContentsMargins(0, 0, 0, 0)
        self._lower_row.addWidget(history_box, 3)
        self._lower_row.addWidget(self.policy_pane, 2)
        return area

    # --- state ---------------------------------------------------------------------------
    @property
    def station_id(self) -> str | None:
        """The selected station."""
        return self._station_id

    def address_text(self) -> str:
        return f"{self.lab.csms_url}/<stationId>"

    def offered_commands(self) -> list[str]:
        """The actions in the combo, in order."""
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
            self._uploads_shown = 0
            self.address.setText(self.address_text())
        self._show_uploads(csms)
        self._selecting = True
        try:
            self.model.update(csms.stations.values())
        finally:
            self._selecting = False
        known = csms.stations
        wanted = next((sid for sid in (self._followed, self._station_id) if sid is not None and sid in known), None)
        if wanted is None and self.model.rowCount() > 0:
            wanted = self.model.row(0).station_id
        self.select_station(wanted)
        self.policy_pane.show_policy(csms.policy)

    def follow_station(self, station_id: str) -> None:
        """The station chosen elsewhere: select it now if the CSMS knows it, else as soon as it does."""
        self._followed = station_id
        if self._csms is not None and station_id in self._csms.stations:
            self.select_station(station_id)

    def select_station(self, station_id: str | None) -> None:
        """Select a station's row (None: no station) and adapt the command area to it."""
        number = self.model.row_of(station_id) if station_id is not None else None
        self._selecting = True
        try:
            if number is None:
                self.table.clearSelection()
            elif not self.table.selectionModel().isRowSelected(number, QModelIndex()):
                self.table.selectRow(number)
                self.table.scrollTo(self.model.index(number, 0))
        finally:
            self._selecting = False
        self._show_station(station_id if number is not None else None)

    def _selection_changed(self, selected: QItemSelection, _deselected: QItemSelection) -> None:
        if self._selecting:
            return
        rows = {index.row() for index in selected.indexes()}
        station_id = self.model.row(min(rows)).station_id if rows else None
        self._show_station(station_id)
        if station_id is not None:
            self._followed = station_id
            self.stationChosen.emit(station_id)

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
        for (version, _action), form in self.forms.items():
            if version is state.version:
                self._offer(form, state)

    def _offer_commands(self, version: OcppVersion) -> None:
        """Fill the combo with the version's actions only, keeping the chosen one when it applies."""
        chosen = self.command.currentData()
        self.command.blockSignals(True)
        try:
            self.command.clear()
            for action in csms_actions(version):
                self.command.addItem(action, action)
            index = self.command.findData(chosen)
            self.command.setCurrentIndex(max(index, 0))
        finally:
            self.command.blockSignals(False)
        self._command_changed()

    def _command_changed(self) -> None:
        action = self.command.currentData()
        if action is not None and self._version is not None:
            self.form_stack.setCurrentWidget(self.form_for(self._version, action))
        self.firmware_picker.setVisible(action == UPDATE_FIRMWARE)

    def form_for(self, version: OcppVersion, action: str) -> CommandForm | SchemaForm:
        """The form of `action` for stations of `version`, built the first time it is asked for."""
        form = self.forms.get((version, action))
        if form is None:
            dedicated = {BUILDERS[version].actions.get(name): make for name, make in DEDICATED_FORMS.items()}
            form = self.forms[(version, action)] = (
                dedicated[action]() if action in dedicated else SchemaForm(version, action)
            )
            self.form_stack.addWidget(form)
            state = self._csms.stations.get(self._station_id or "") if self._csms is not None else None
            if state is not None and state.version is version:
                self._offer(form, state)
        return form

    def _offer(self, form: CommandForm | SchemaForm, state: StationState) -> None:
        """Adapt `form` to the station; a schema's form also gets the file service's URLs and the station's time."""
        csms = self._csms
        if not isinstance(form, SchemaForm) or csms is None:
            form.show_station(state)
            return
        form.show_station(state, service_defaults(csms, form.action, state.station_id, self._now(state.station_id)))
        if form.action == UPDATE_FIRMWARE:
            self.firmware_picker.show_service(csms, state.station_id)

    def _now(self, station_id: str) -> str:
        """Now on the station's simulated clock (its own, a clock fault included) where it is a lab station."""
        station = self.lab.stations.get(station_id)
        return station.now_iso() if station is not None else self.lab.clock.isoformat_z()

    def _firmware_chosen(self, url: str) -> None:
        """The picker chose an image: its URL becomes the UpdateFirmware form's location."""
        if self._version is None:
            return
        form = self.form_for(self._version, UPDATE_FIRMWARE)
        if not isinstance(form, SchemaForm):
            return
        form.tabs.setCurrentIndex(0)  # the form's fields, which the JSON tab's payload fills first
        for path in LOCATIONS[UPDATE_FIRMWARE]:
            editor = form.editor(path)
            if editor is not None:
                editor.set_value(url)

    def choose_command(self, action: str) -> CommandForm | SchemaForm:
        """Choose `action` in the combo (it must be offered to the selected station); its form."""
        index = self.command.findData(action)
        if index < 0:
            raise ValueError(f"{action} is not offered to the selected station: {', '.join(self.offered_commands())}")
        self.command.setCurrentIndex(index)
        assert self._version is not None  # a station is selected, or nothing would be offered
        return self.form_for(self._version, action)

    # --- sending -------------------------------------------------------------------------
    def send(self) -> None:
        """Send the chosen command to the selected station; the answer arrives in the Answer box."""
        csms, station_id, action = self._csms, self._station_id, self.command.currentData()
        if csms is None or station_id is None or action is None or self._version is None:
            self._show_outcome("Select a station first.", ok=False)
            return
        form = self.form_for(self._version, action)
        try:
            if isinstance(form, SchemaForm):
                arguments = form.payload()
                label = action
            else:
                arguments = form.arguments()
                label = command_label(form.command, self._version)
        except InputProblem as exc:
            self._show_outcome(f"Not sent: {exc}.", ok=False)
            return
        ask: Callable[[], Awaitable[dict[str, Any]]]
        if isinstance(form, SchemaForm):
            payload = arguments

            def ask() -> Awaitable[dict[str, Any]]:
                return csms.send(station_id, action, payload)

        else:
            command: Callable[..., Awaitable[dict[str, Any]]] = getattr(csms, form.command)

            def ask() -> Awaitable[dict[str, Any]]:
                return command(station_id, **arguments)

        entry = HistoryEntry(station_id, label, describe_arguments(arguments), time.time())
        item = QListWidgetItem(entry.line())
        item.setData(Qt.ItemDataRole.UserRole, entry)
        self._add_history_item(item)
        self._latest = entry
        self.answer.clear()
        self._show_outcome(entry.sent_text(), ok=None)
        spawn_soon(self._tasks, self._await_answer, entry, item, ask)

    async def _await_answer(
        self, entry: HistoryEntry, item: QListWidgetItem, ask: Callable[[], Awaitable[dict[str, Any]]]
    ) -> None:
        try:
            entry.answered(await ask())
        except asyncio.CancelledError:
            entry.cancelled()
            self._finished(entry, item)
            raise
        except Exception as exc:  # shown in the history whatever it is; only a bug is logged as one
            entry.failed(exc)
            if not isinstance(exc, EXPECTED_FAILURES):
                log.error("%s to %s failed unexpectedly", entry.action, entry.station_id, exc_info=exc)
        self._finished(entry, item)

    def _finished(self, entry: HistoryEntry, item: QListWidgetItem) -> None:
        if not shiboken6.isValid(self):
            return  # the console was deleted while the station was answering
        item.setText(entry.line())
        item.setForeground(QColor(palette.SUCCESS if entry.ok else palette.ERROR))
        item.setToolTip(entry.line())
        if entry is self._latest:
            self._show_entry(entry)
        self.refresh()

    def _show_entry(self, entry: HistoryEntry) -> None:
        self.answer.setPlainText(entry.answer)
        self._show_outcome(entry.outcome_text(), ok=entry.ok)
        steps = (
            composite_steps(json.loads(entry.answer)) if entry.answer and entry.action == COMPOSITE_SCHEDULE else None
        )
        if steps is not None:
            self.schedule_plot.show_steps(*steps)
        self.schedule_plot.setVisible(steps is not None)

    def _history_selected(self, current: QListWidgetItem | None, _previous: QListWidgetItem | None) -> None:
        if current is None:
            return
        shown = current.data(Qt.ItemDataRole.UserRole)
        if isinstance(shown, Upload):
            outcome, preview = upload_preview(shown)
            self.answer.setPlainText(preview)
            self._show_outcome(outcome, ok=True)
            self.schedule_plot.hide()
        else:
            self._show_entry(shown)

    def _show_uploads(self, csms: MockCsms) -> None:
        """Every upload the file service received since the last look, as a line of the history."""
        for upload in csms.files.uploads[self._uploads_shown :]:
            item = QListWidgetItem(upload_line(upload))
            item.setData(Qt.ItemDataRole.UserRole, upload)
            item.setToolTip(f"{upload_line(upload)}\nSelect it to see how it begins")
            self._add_history_item(item)
        self._uploads_shown = len(csms.files.uploads)

    def uploads_shown(self) -> list[Upload]:
        """The uploads in the history, newest first."""
        found = (self.history.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.history.count()))
        return [item for item in found if isinstance(item, Upload)]

    def open_uploads_folder(self) -> None:
        if self._csms is not None:
            QDesktopServices.openUrl(QUrl.fromLocalFile(str(self._csms.files.folder)))

    def _show_outcome(self, text: str, ok: bool | None) -> None:
        colour = {True: palette.SUCCESS, False: palette.ERROR, None: ""}[ok]
        self.outcome.setStyleSheet(f"color: {colour};" if colour else "")
        self.outcome.setText(text)
        self.outcome_ok = ok

    def _add_history_item(self, item: QListWidgetItem) -> None:
        self.history.insertItem(0, item)
        while self.history.count() > HISTORY_LIMIT:
            self.history.takeItem(self.history.count() - 1)

    def history_entries(self) -> list[HistoryEntry]:
        """The commands in the history, newest first."""
        found = (self.history.item(i).data(Qt.ItemDataRole.UserRole) for i in range(self.history.count()))
        return [item for item in found if isinstance(item, HistoryEntry)]

    def copy_address(self) -> None:
        QGuiApplication.clipboard().setText(self.address.text())

    async def close_tasks(self) -> None:
        """Cancel the commands still waiting for an answer, and wait until they have ended."""
        await self._tasks.close()

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
