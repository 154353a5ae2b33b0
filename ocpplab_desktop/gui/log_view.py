"""The message log widget: filter bar, frame table and a detail pane pairing request and response."""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Sequence
from contextlib import ExitStack
from itertools import islice

from PySide6.QtCore import (
    QItemSelectionModel,
    QModelIndex,
    QPersistentModelIndex,
    QPoint,
    QSignalBlocker,
    Qt,
    QTimer,
    Signal,
)
from PySide6.QtGui import QAction, QFontDatabase, QFontMetrics, QGuiApplication, QKeyEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QComboBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMenu,
    QPlainTextEdit,
    QPushButton,
    QSizePolicy,
    QSplitter,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ocpplab_desktop.gui import formatting
from ocpplab_desktop.gui.flow_layout import FlowLayout
from ocpplab_desktop.gui.log_model import DEFAULT_CAPACITY, Column, FrameLogModel
from ocpplab_desktop.protocol.frame import Direction, Frame, MessageType, Side
from ocpplab_desktop.protocol.logbook import LogFilter

FILTER_DEBOUNCE_MS = 200
MIN_TABLE_ROWS = 4
MIN_DETAIL_LINES = 4
"""The splitter between the table and the detail never squeezes either below this."""
STORED_BATCH = 2000
"""Frames of a stored session appended per event-loop turn: a few milliseconds each."""

_SIDE_TOOLTIP = (
    "When the lab runs both the stations and the mock CSMS, each frame is recorded twice: by the\n"
    "station's tap and by the CSMS's. They differ when a fault is injected on the link (a frame\n"
    "dropped, delayed or corrupted on the way). Show what the station saw (default), what the\n"
    "CSMS saw, or both copies."
)
# Character widths of the fixed columns; Summary takes what is left.
_COLUMN_CHARS = {
    Column.TIME: 13,
    Column.STATION: 12,
    Column.SIDE: 8,
    Column.DIR: 4,
    Column.TYPE: 8,
    Column.ACTION: 22,
    Column.UNIQUE_ID: 20,
    Column.RTT: 9,
}


class _FrameTable(QTableView):
    """The table, with Ctrl+C copying whole frames rather than the current cell's text."""

    copy_requested = Signal()

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.matches(QKeySequence.StandardKey.Copy):
            self.copy_requested.emit()
            event.accept()
            return
        super().keyPressEvent(event)


class LogView(QWidget):
    """Live or stored frames, filtered in the model, with request ⇄ response detail."""

    stored_session_loaded = Signal(int)
    """Emitted with the number of frames once `show_stored_session` has appended them all."""

    def __init__(self, parent: QWidget | None = None, capacity: int = DEFAULT_CAPACITY) -> None:
        super().__init__(parent)
        self.model = FrameLogModel(capacity, self)
        self._detail_frame: int | None = None
        self._awaiting_partner = False
        self._follow_bottom = True
        self._kept_frame: int | None = None
        self._stored: Iterator[Frame] | None = None
        self._stored_count = 0

        filter_bar = self._build_filter_bar()
        self.table = self._build_table()
        self._build_detail()
        # Neither side collapses to nothing: the table keeps a few rows, the detail a few lines.
        self.splitter = QSplitter(Qt.Orientation.Vertical, self)
        self.splitter.setChildrenCollapsible(False)
        self.splitter.addWidget(self.table)
        self.splitter.addWidget(self._detail)
        self.splitter.setStretchFactor(0, 3)
        self.splitter.setStretchFactor(1, 2)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(filter_bar)
        layout.addWidget(self.splitter, 1)

        self._text_timer = QTimer(self)
        self._text_timer.setSingleShot(True)
        self._text_timer.setInterval(FILTER_DEBOUNCE_MS)
        self._text_timer.timeout.connect(self._apply_filter)
        self._stored_timer = QTimer(self)
        self._stored_timer.setInterval(0)
        self._stored_timer.timeout.connect(self._load_stored_batch)

        model = self.model
        model.stations_added.connect(lambda names: self._add_choices(self.station_combo, names))
        model.actions_added.connect(lambda names: self._add_choices(self.action_combo, names))
        model.counts_changed.connect(self._show_counts)
        model.rowsAboutToBeInserted.connect(self._note_scroll_position)
        model.rowsInserted.connect(self._follow_new_rows)
        model.rowsInserted.connect(self._show_arrived_response)
        model.rowsAboutToBeRemoved.connect(self._note_scroll_position)
        model.rowsRemoved.connect(self._hold_position_after_drop)
        model.modelAboutToBeReset.connect(self._keep_current_frame)
        model.modelReset.connect(self._restore_current_frame)
        self.table.selectionModel().currentRowChanged.connect(self._show_detail)
        self._apply_filter()
        self._show_counts(0, 0)
        self._show_detail(QModelIndex())

    # -- public API -----------------------------------------------------------------------

    def append_frames(self, frames: Sequence[Frame]) -> None:
        """Add a batch of live frames (call once per UI tick, not per frame)."""
        self.model.append_frames(frames)

    def clear(self) -> None:
        """Empty the view; the session database keeps every frame."""
        self._stop_stored_load()
        self.model.clear()

    def show_stored_session(self, frames: Iterable[Frame]) -> None:
        """Replace the log with a stored session's frames, appended in batches so the window stays live.

        `frames` may be a lazy iterator over the store; `stored_session_loaded` fires at the end.
        """
        self.clear()
        self._stored = iter(frames)
        self._stored_count = 0
        self._stored_timer.start()

    @property
    def loading(self) -> bool:
        """True while a stored session is still being appended."""
        return self._stored is not None

    def selected_frames(self) -> list[Frame]:
        """Frames of the selected rows, in log order."""
        rows = sorted(index.row() for index in self.table.selectionModel().selectedRows())
        return [self.model.frame_at(row) for row in rows]

    def select_row(self, row: int) -> None:
        """Make `row` the current, only selected row, and scroll it into view."""
        index = self.model.index(row, 0)
        self.table.selectionModel().setCurrentIndex(
            index,
            QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
        )
        self.table.scrollTo(index, QAbstractItemView.ScrollHint.PositionAtCenter)

    def copy_frames(self) -> None:
        """Put the raw text of the selected frames on the clipboard, one per line."""
        frames = self.selected_frames()
        if frames:
            QGuiApplication.clipboard().setText("\n".join(frame.raw for frame in frames))

    def copy_payload(self) -> None:
        """Put the current frame's payload, pretty-printed, on the clipboard."""
        frame = self._current_frame()
        if frame is not None:
            QGuiApplication.clipboard().setText(formatting.pretty_payload(frame))

    def filter_to_action(self, action: str) -> None:
        self.action_combo.setCurrentIndex(max(0, self.action_combo.findData(action)))

    def filter_to_station(self, station_id: str) -> None:
        self.station_combo.setCurrentIndex(max(0, self.station_combo.findData(station_id)))

    # -- building ------------------------------------------------------------------------

    def clear_filters(self) -> None:
        """Show every frame again (all stations, actions and directions, no search); the side stays."""
        combos = (self.station_combo, self.action_combo, self.direction_combo)
        checks = (self.errors_check, self.faults_check)
        with ExitStack() as quiet:  # one re-filter at the end, not one per control
            for widget in (*combos, *checks, self.text_edit):
                quiet.enter_context(QSignalBlocker(widget))
            for combo in combos:
                combo.setCurrentIndex(0)
            for check in checks:
                check.setChecked(False)
            self.text_edit.clear()
        self._apply_filter()

    def _build_filter_bar(self) -> QWidget:
        self.station_combo = QComboBox(self)
        self.station_combo.addItem("All stations", None)
        self.action_combo = QComboBox(self)
        self.action_combo.addItem("All actions", None)
        for combo in (self.station_combo, self.action_combo):
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToContents)
        self.direction_combo = QComboBox(self)
        self.direction_combo.addItem("Both directions", None)
        for direction in Direction:
            self.direction_combo.addItem(formatting.DIRECTION_NAMES[direction], direction.value)
        self.side_combo = QComboBox(self)
        self.side_combo.addItem("Seen by station", Side.STATION.value)
        self.side_combo.addItem("Seen by CSMS", Side.CSMS.value)
        self.side_combo.addItem("Both", None)
        self.side_combo.setToolTip(_SIDE_TOOLTIP)
        self.errors_check = QCheckBox("Errors", self)
        self.errors_check.setToolTip("Only CALLERRORs, unreadable frames and frames that failed validation")
        self.text_edit = QLineEdit(self)
        self.text_edit.setPlaceholderText("Search id, action, payload…")
        self.text_edit.setClearButtonEnabled(True)
        # Room for the placeholder: in a narrow dock the bar wraps onto a second line instead.
        placeholder = self.text_edit.placeholderText()
        self.text_edit.setMinimumWidth(self.text_edit.fontMetrics().horizontalAdvance(placeholder) + 40)
        self.text_edit.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.pause_check = QCheckBox("Pause", self)
        self.pause_check.setToolTip("Pause autoscroll: keep the view still while frames arrive")
        self.clear_button = QPushButton("Clear", self)
        self.clear_button.setToolTip("Empty this view; the session database keeps every frame")
        self.count_label = QLabel(self)

        for combo in (self.station_combo, self.action_combo, self.direction_combo, self.side_combo):
            combo.currentIndexChanged.connect(self._apply_filter)
        self.errors_check.toggled.connect(self._apply_filter)
        self.faults_check = QCheckBox("Faults", self)
        self.faults_check.setToolTip("Only frames an injected fault dropped, altered, delayed, duplicated or made")
        self.faults_check.toggled.connect(self._apply_filter)
        self.text_edit.textChanged.connect(lambda _text: self._text_timer.start())
        self.clear_button.clicked.connect(self.clear)

        bar = QWidget(self)
        flow = FlowLayout(bar)
        flow.setContentsMargins(4, 4, 4, 0)
        for widget in (
            self.station_combo,
            self.action_combo,
            self.direction_combo,
            self.side_combo,
            self.errors_check,
            self.faults_check,
            self.text_edit,
            self.pause_check,
            self.clear_button,
            self.count_label,
        ):
            flow.addWidget(widget)
        bar.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Preferred)
        self.filter_bar = bar
        return bar

    def _build_table(self) -> _FrameTable:
        table = _FrameTable(self)
        table.setModel(self.model)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.ExtendedSelection)
        table.setWordWrap(False)
        table.setAlternatingRowColors(True)
        table.setShowGrid(False)
        table.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        table.setTextElideMode(Qt.TextElideMode.ElideRight)
        # Fixed row heights: the view never measures rows, whatever the row count. The height
        # fits both the table's font and the monospace font of the id and summary columns.
        mono = QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont)
        row_height = max(table.fontMetrics().height(), QFontMetrics(mono).height()) + 6
        rows = table.verticalHeader()
        rows.setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        rows.setMinimumSectionSize(row_height)
        rows.setDefaultSectionSize(row_height)
        rows.hide()
        columns = table.horizontalHeader()
        columns.setHighlightSections(False)
        char = table.fontMetrics().horizontalAdvance("0")
        for column, chars in _COLUMN_CHARS.items():
            columns.resizeSection(column, chars * char + 12)
        columns.setSectionResizeMode(Column.SUMMARY, QHeaderView.ResizeMode.Stretch)
        table.setColumnHidden(Column.SIDE, True)
        header_height = columns.sizeHint().height()
        table.setMinimumHeight(header_height + MIN_TABLE_ROWS * row_height + 2 * table.frameWidth())

        table.copy_requested.connect(self.copy_frames)
        table.setContextMenuPolicy(Qt.ContextMenuPolicy.CustomContextMenu)
        table.customContextMenuRequested.connect(self._show_context_menu)
        return table

    def _build_detail(self) -> None:
        self._detail = QWidget(self)
        self.meta_label = QLabel(self._detail)
        self.meta_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.meta_label.setWordWrap(True)
        self.partner_button = QPushButton(self._detail)
        self.partner_button.setFlat(True)
        self.partner_button.setCursor(Qt.CursorShape.PointingHandCursor)
        self.partner_button.clicked.connect(self._go_to_partner)
        self.json_edit = QPlainTextEdit(self._detail)
        self.json_edit.setReadOnly(True)
        self.json_edit.setLineWrapMode(QPlainTextEdit.LineWrapMode.NoWrap)
        self.json_edit.setFont(QFontDatabase.systemFont(QFontDatabase.SystemFont.FixedFont))
        header = QHBoxLayout()
        header.addWidget(self.meta_label, 1)
        header.addWidget(self.partner_button)
        lines = self.json_edit.fontMetrics().lineSpacing() * MIN_DETAIL_LINES
        self.json_edit.setMinimumHeight(lines + 2 * self.json_edit.frameWidth() + 8)
        layout = QVBoxLayout(self._detail)
        layout.setContentsMargins(4, 0, 4, 4)
        layout.addLayout(header)
        layout.addWidget(self.json_edit)

    # -- filtering -----------------------------------------------------------------------

    @staticmethod
    def _add_choices(combo: QComboBox, names: list[str]) -> None:
        """Insert new names in sorted order after the "All" entry, keeping the current choice."""
        existing = [combo.itemText(i) for i in range(1, combo.count())]
        for name in names:
            position = 1 + sum(1 for text in existing if text < name)
            combo.insertItem(position, name, name)
            existing.insert(position - 1, name)

    def _current_filter(self) -> LogFilter:
        station = self.station_combo.currentData()
        direction = self.direction_combo.currentData()
        side = self.side_combo.currentData()
        return LogFilter(
            stations=frozenset() if station is None else frozenset({station}),
            action=self.action_combo.currentData(),
            direction=None if direction is None else Direction(direction),
            side=None if side is None else Side(side),
            errors_only=self.errors_check.isChecked(),
            faults_only=self.faults_check.isChecked(),
            text=self.text_edit.text(),
        )

    def _apply_filter(self) -> None:
        self._text_timer.stop()
        log_filter = self._current_filter()
        # Both copies of a frame look alike; the Side column tells them apart.
        self.table.setColumnHidden(Column.SIDE, log_filter.side is not None)
        self.model.set_filter(log_filter)

    def _show_counts(self, shown: int, held: int) -> None:
        self.count_label.setText(f"{shown:,} of {held:,} frames")

    # -- following new rows and keeping the selection across filter changes --------------

    def _at_bottom(self) -> bool:
        bar = self.table.verticalScrollBar()
        return bar.value() >= bar.maximum()

    def _note_scroll_position(self) -> None:
        self._follow_bottom = self._at_bottom() and not self.pause_check.isChecked()

    def _follow_new_rows(self) -> None:
        if self._follow_bottom:
            self.table.scrollToBottom()

    def _hold_position_after_drop(self, _parent: QModelIndex, first: int, last: int) -> None:
        """The cap removed rows above: scroll up as many so a reader's rows stay where they were."""
        if not self._follow_bottom:
            bar = self.table.verticalScrollBar()
            bar.setValue(max(0, bar.value() - (last - first + 1)))

    def _keep_current_frame(self) -> None:
        row = self.table.currentIndex().row()
        self._kept_frame = None if row < 0 else self.model.absolute_index(row)

    def _restore_current_frame(self) -> None:
        kept, self._kept_frame = self._kept_frame, None
        row = None if kept is None else self.model.row_of(kept)
        if row is not None:
            self.select_row(row)
            return
        self._show_detail(QModelIndex())
        if not self.pause_check.isChecked():
            self.table.scrollToBottom()

    # -- detail pane ---------------------------------------------------------------------

    def _current_frame(self) -> Frame | None:
        row = self.table.currentIndex().row()
        return None if row < 0 else self.model.frame_at(row)

    def _show_detail(self, current: QModelIndex | QPersistentModelIndex, _previous: object = None) -> None:
        if not current.isValid():
            self.meta_label.setText("Select a frame to see it in full.")
            self.json_edit.setPlainText("")
            self.partner_button.hide()
            self._detail_frame = None
            self._awaiting_partner = False
            return
        row = current.row()
        frame = self.model.frame_at(row)
        partner = self.model.partner_frame(row)
        self._detail_frame = self.model.absolute_index(row)
        self._awaiting_partner = partner is None and frame.message_type is MessageType.CALL
        self.meta_label.setText(formatting.frame_metadata(frame))
        self.json_edit.setPlainText(_exchange_text(frame, partner))
        if partner is None:
            self.partner_button.hide()
            return
        target = "response" if frame.message_type is MessageType.CALL else "request"
        reachable = self.model.find_partner(row) is not None
        self.partner_button.setText(f"Go to {target}" if reachable else f"Go to {target} (clears the filter)")
        self.partner_button.setToolTip(
            f"Select the {target} in the log"
            if reachable
            else f"The {target} is hidden by the current filter: going to it shows every frame again"
        )
        self.partner_button.show()

    def _show_arrived_response(self) -> None:
        """A shown request whose response was still outstanding: show the response once it is in."""
        if self._awaiting_partner:
            current = self.table.currentIndex()
            if current.isValid() and self.model.partner_frame(current.row()) is not None:
                self._show_detail(current)

    def _go_to_partner(self) -> None:
        # Rows shift as the cap drops old frames, so look the partner up now, not when shown.
        shown = self._detail_frame
        row = None if shown is None else self.model.row_of(shown)
        partner_row = None if row is None else self.model.find_partner(row)
        if row is not None and partner_row is None and shown is not None:
            self.clear_filters()  # the partner is hidden: show everything, then go to it
            row = self.model.row_of(shown)
            partner_row = None if row is None else self.model.find_partner(row)
        if partner_row is not None:
            self.select_row(partner_row)

    # -- context menu --------------------------------------------------------------------

    def _show_context_menu(self, position: QPoint) -> None:
        index = self.table.indexAt(position)
        if not index.isValid():
            return
        if not self.table.selectionModel().isRowSelected(index.row(), QModelIndex()):
            self.select_row(index.row())
        self.context_menu(index.row()).exec(self.table.viewport().mapToGlobal(position))

    def context_menu(self, row: int) -> QMenu:
        """The menu for a row: copy frame or payload, filter to its action or station."""
        frame = self.model.frame_at(row)
        menu = QMenu(self)
        copy = QAction("Copy frame", menu)
        copy.setShortcut(QKeySequence(QKeySequence.StandardKey.Copy))
        copy.triggered.connect(self.copy_frames)
        menu.addAction(copy)
        menu.addAction("Copy payload (pretty)", self.copy_payload)
        menu.addSeparator()
        if frame.action:
            action = frame.action
            menu.addAction(f"Filter to {action}", lambda: self.filter_to_action(action))
        station = frame.station_id
        menu.addAction(f"Filter to {station}", lambda: self.filter_to_station(station))
        return menu

    # -- stored sessions -----------------------------------------------------------------

    def _load_stored_batch(self) -> None:
        if self._stored is None:
            return
        batch = list(islice(self._stored, STORED_BATCH))
        self.model.append_frames(batch)
        self._stored_count += len(batch)
        if len(batch) < STORED_BATCH:
            count = self._stored_count
            self._stop_stored_load()
            self.stored_session_loaded.emit(count)

    def _stop_stored_load(self) -> None:
        self._stored_timer.stop()
        self._stored = None


def _exchange_text(frame: Frame, partner: Frame | None) -> str:
    """The frame and its partner, request first, each under a heading; for a frame a fault altered,
    also the text that was intended."""
    text = _exchange_only(frame, partner)
    if frame.intended is not None:
        text += f"\n\n// intended (what the sender meant; a fault altered it on the way):\n{frame.intended}"
    return text


def _exchange_only(frame: Frame, partner: Frame | None) -> str:
    if partner is None:
        return f"// {formatting.frame_heading(frame)}\n{formatting.pretty_json(frame)}"
    pair = (partner, frame) if frame.message_type is not MessageType.CALL else (frame, partner)
    blocks = []
    for item in pair:
        marker = " (selected)" if item is frame else ""
        rtt = f", {formatting.format_rtt(item.rtt_ms)} ms" if item.rtt_ms is not None else ""
        blocks.append(f"// {formatting.frame_heading(item)}{rtt}{marker}\n{formatting.pretty_json(item)}")
    return "\n\n".join(blocks)
