"""Compare two stored sessions in a window: the frames aligned as `ocpplab diff` aligns them.

The sessions dock's **Compare with…** opens it for the selected session (the new run) against a
recorded one the user picks. Both sessions are read and compared in a worker thread, on a
connection of its own (the database is in WAL mode, so the recorder goes on writing); the
comparison is `replay.diff.diff_frames`, with the command line's ignore rules. The table lists
every aligned position; a differing, missing or extra frame has a tint and a mark of its own,
and the pane below shows the selected position's two frames side by side, the differing lines
lit, with the list of differences (path, recorded value, new value) beside them.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Sequence
from pathlib import Path

from PySide6.QtCore import Qt, Signal
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import (
    QAbstractItemView,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QMainWindow,
    QPushButton,
    QSplitter,
    QStyle,
    QTableView,
    QTableWidget,
    QTableWidgetItem,
    QToolBar,
    QVBoxLayout,
    QWidget,
)

from ocpplab_desktop.gui.diff_views import VERDICTS, AlignedModel, FramePane, Row
from ocpplab_desktop.protocol.frame import Frame, Side
from ocpplab_desktop.replay.diff import DiffReport, FrameRef, Kind, diff_frames, show
from ocpplab_desktop.store.errors import StoreError
from ocpplab_desktop.store.store import SessionInfo, Store

ALWAYS_IGNORED = "message ids, date-times, transaction ids (mapped one to one)"
"""What `diff_frames` leaves out whatever the user lists; said in the summary line."""

TAPS: tuple[tuple[str, Side | None], ...] = (
    ("the station's tap", Side.STATION),
    ("the CSMS's tap", Side.CSMS),
    ("both taps", None),
)


def ignore_list(text: str) -> list[str]:
    """The ignore field's text as `--ignore` items: names or paths separated by commas or blanks."""
    return [item for item in re.split(r"[,\s]+", text) if item]


def _read(db: Path, recorded: int, new: int) -> tuple[list[Frame], list[Frame], SessionInfo, SessionInfo]:
    """Both sessions' frames, read on the calling (worker) thread's own connection."""
    with Store(db) as store:
        return list(store.frames(recorded)), list(store.frames(new)), store.session(recorded), store.session(new)


def _default_tap(a: Sequence[Frame], b: Sequence[Frame]) -> int:
    """The index in TAPS of the first single tap both sessions recorded; both taps when there is none."""
    sides_a, sides_b = {f.side for f in a}, {f.side for f in b}
    for index, (_label, side) in enumerate(TAPS):
        if side is None or (side in sides_a and side in sides_b):
            return index
    return len(TAPS) - 1


class DiffWindow(QMainWindow):
    """Two stored sessions aligned frame by frame: the recorded run (A) and the new run (B)."""

    compared = Signal()
    """A comparison has finished and the views show it (the first one, and each recompute)."""

    def __init__(
        self, db: Path, recorded: int, new: int, parent: QWidget | None = None, *, ignore: Sequence[str] = ()
    ) -> None:
        super().__init__(parent)
        if parent is not None:
            self.setWindowFlag(Qt.WindowType.Window)
        self.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.setWindowTitle(f"Compare session {new} with recorded session {recorded}")
        self.resize(1240, 660)  # with the title bar and the status bar, on a 1280x720 screen
        self.db, self.recorded_id, self.new_id = db, recorded, new
        self.report: DiffReport | None = None
        self.ignored: list[str] = []
        self.error: str | None = None
        self._frames: tuple[list[Frame], list[Frame]] = ([], [])
        self._by_seq: tuple[dict[int, Frame], dict[int, Frame]] = ({}, {})
        self._generation = 0
        self._task: asyncio.Future[None] | None = None

        self.model = AlignedModel(self)
        self.table = self._build_table()
        self.recorded_pane = FramePane("recorded", self)
        self.new_pane = FramePane("new", self)
        self.differences = QTableWidget(0, 3, self)
        self.differences.setObjectName("differencesTable")
        self.differences.setHorizontalHeaderLabels(["Path in the frame", "Recorded", "New"])
        self.differences.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.differences.verticalHeader().hide()
        self.differences.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.differences.horizontalHeader().setStretchLastSection(True)
        self.summary = QLabel("Reading both sessions…", self)
        self.summary.setObjectName("diffSummary")
        self.summary.setWordWrap(True)
        self.summary.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self._build_toolbar(ignore)
        self._build_centre()
        self.table.selectionModel().currentRowChanged.connect(lambda *_: self._show_selected())
        self._set_busy(True)
        self._task = asyncio.ensure_future(self._load())

    # -- building ------------------------------------------------------------------------

    def _build_table(self) -> QTableView:
        table = QTableView(self)
        table.setObjectName("alignedFrames")
        table.setModel(self.model)
        table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        table.setShowGrid(False)
        table.setWordWrap(False)
        table.verticalHeader().hide()
        table.verticalHeader().setDefaultSectionSize(table.fontMetrics().height() + 6)
        header = table.horizontalHeader()
        header.setHighlightSections(False)
        header.setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        header.setStretchLastSection(True)
        return table

    def _build_toolbar(self, ignore: Sequence[str]) -> None:
        bar = QToolBar("Compare", self)
        bar.setObjectName("compareToolbar")
        bar.setMovable(False)
        bar.setToolButtonStyle(Qt.ToolButtonStyle.ToolButtonTextBesideIcon)
        self.addToolBar(bar)
        style = self.style()
        self.only_differences_action = QAction("Only differences", self)
        self.only_differences_action.setCheckable(True)
        self.only_differences_action.setShortcut(QKeySequence("Ctrl+D"))
        self.only_differences_action.setToolTip("Hide the frames that agree (Ctrl+D)")
        self.only_differences_action.toggled.connect(self._only_differences_toggled)
        self.previous_action = QAction(
            style.standardIcon(QStyle.StandardPixmap.SP_ArrowUp), "Previous difference", self
        )
        self.previous_action.setShortcuts([QKeySequence("Shift+F8"), QKeySequence("Alt+Up")])
        self.previous_action.setToolTip("Select the differing frame above (Shift+F8 or Alt+Up)")
        self.previous_action.triggered.connect(self.previous_difference)
        self.next_action = QAction(style.standardIcon(QStyle.StandardPixmap.SP_ArrowDown), "Next difference", self)
        self.next_action.setShortcuts([QKeySequence("F8"), QKeySequence("Alt+Down")])
        self.next_action.setToolTip("Select the differing frame below (F8 or Alt+Down)")
        self.next_action.triggered.connect(self.next_difference)
        for action in (self.only_differences_action, self.previous_action, self.next_action):
            bar.addAction(action)
        bar.addSeparator()
        self.tap_combo = QComboBox(self)
        for label, _side in TAPS:
            self.tap_combo.addItem(label)
        self.tap_combo.setToolTip(
            "A lab session holds every frame twice, as the station saw it and as the built-in CSMS saw it"
        )
        self.tap_combo.activated.connect(lambda _index: self.recompute())
        bar.addWidget(QLabel(" Frames seen by ", self))
        bar.addWidget(self.tap_combo)
        bar.addSeparator()
        self.ignore_edit = QLineEdit(", ".join(ignore), self)
        self.ignore_edit.setObjectName("ignoreFields")
        self.ignore_edit.setPlaceholderText("fields to ignore: meterStop, meterValue[].sampledValue[].value")
        self.ignore_edit.setToolTip(
            "Left out besides message ids, date-times and transaction ids: a field name anywhere (meterStop) or a "
            "payload path ([] for any index), separated by commas; as `ocpplab diff --ignore`. Enter recomputes."
        )
        self.ignore_edit.setClearButtonEnabled(True)
        self.ignore_edit.setMinimumWidth(320)
        self.ignore_edit.returnPressed.connect(self.recompute)
        self.recompute_button = QPushButton("Recompute", self)
        self.recompute_button.clicked.connect(self.recompute)
        bar.addWidget(QLabel(" Ignore ", self))
        bar.addWidget(self.ignore_edit)
        bar.addWidget(self.recompute_button)

    def _build_centre(self) -> None:
        detail = QSplitter(Qt.Orientation.Horizontal, self)
        detail.addWidget(self.recorded_pane)
        detail.addWidget(self.new_pane)
        detail.addWidget(self.differences)
        detail.setSizes([420, 420, 440])
        centre = QSplitter(Qt.Orientation.Vertical, self)
        centre.addWidget(self.table)
        centre.addWidget(detail)
        centre.setSizes([330, 300])
        box = QWidget(self)
        layout = QVBoxLayout(box)
        layout.setContentsMargins(6, 4, 6, 0)
        layout.addWidget(self.summary)
        layout.addWidget(centre, 1)
        self.setCentralWidget(box)

    # -- comparing -----------------------------------------------------------------------

    async def _load(self) -> None:
        try:
            a, b, info_a, info_b = await asyncio.to_thread(_read, self.db, self.recorded_id, self.new_id)
        except (StoreError, OSError) as exc:
            self._fail(f"The sessions could not be read from {self.db}: {exc}")
            return
        self.setWindowTitle(
            f"Compare session {info_b.id} ({info_b.name}) with recorded session {info_a.id} ({info_a.name})"
        )
        self._frames = (a, b)
        self._by_seq = ({f.seq: f for f in a}, {f.seq: f for f in b})
        self.tap_combo.setCurrentIndex(_default_tap(a, b))
        await self._compare()

    def recompute(self) -> None:
        """Compare again with the tap and the ignore list as they stand now."""
        if self._task is not None and not self._task.done() and self.report is None:
            return  # still reading; the first comparison will use them
        self._task = asyncio.ensure_future(self._compare())

    async def _compare(self) -> None:
        self._generation += 1
        generation = self._generation
        side = TAPS[self.tap_combo.currentIndex()][1]
        ignore = ignore_list(self.ignore_edit.text())
        a, b = ([f for f in frames if side is None or f.side is side] for frames in self._frames)
        self._set_busy(True)
        report = await asyncio.to_thread(diff_frames, a, b, ignore=ignore)
        if generation != self._generation:
            return  # a later recompute was asked for meanwhile
        selected = self.selected_row()
        self.report, self.ignored = report, ignore
        self.model.set_report(report)
        self._show_summary(report, ignore)
        self._set_busy(False)
        if not self._reselect(selected.ref if selected else None):
            self.next_difference()
        self._show_selected()
        self.compared.emit()

    def _fail(self, message: str) -> None:
        self.error = message
        self.summary.setText(message)
        self.summary.setStyleSheet("QLabel { color: #b00020; font-weight: bold; }")
        self.compared.emit()

    def _set_busy(self, busy: bool) -> None:
        for widget in (self.tap_combo, self.ignore_edit, self.recompute_button):
            widget.setEnabled(not busy)
        if busy:
            self.summary.setText("Comparing…" if self.report is not None else "Reading both sessions…")

    def _show_summary(self, report: DiffReport, ignore: Sequence[str]) -> None:
        frames_with = sum(1 for row in self.model.rows if row.kind is not None)
        outcome = (
            "no differences" if report.ok else f"{len(report.differences):,} differences in {frames_with:,} frames"
        )
        listed = f"; {', '.join(ignore)}" if ignore else ""
        self.summary.setText(
            f"<b>{report.compared:,} frames compared, {outcome}</b> (recorded session {self.recorded_id} → "
            f"new session {self.new_id}) · ignored: {ALWAYS_IGNORED}{listed}"
        )
        self.summary.setStyleSheet("")

    # -- moving about --------------------------------------------------------------------

    def selected_row(self) -> Row | None:
        index = self.table.currentIndex()
        return self.model.row_at(index.row()) if index.isValid() else None

    def select_visible_row(self, row: int) -> None:
        index = self.model.index(row, 0)
        self.table.setCurrentIndex(index)
        self.table.scrollTo(index, QAbstractItemView.ScrollHint.PositionAtCenter)

    def _reselect(self, ref: FrameRef | None) -> bool:
        """Select the position of the same frames after a recompute or a filter change."""
        if ref is None:
            return False
        for visible in range(self.model.rowCount()):
            other = self.model.row_at(visible).ref
            if (other.seq_a, other.seq_b) == (ref.seq_a, ref.seq_b) or (
                other.seq_a is not None and other.seq_a == ref.seq_a
            ):
                self.select_visible_row(visible)
                return True
        return False

    def next_difference(self) -> None:
        self._jump(forward=True)

    def previous_difference(self) -> None:
        self._jump(forward=False)

    def _jump(self, *, forward: bool) -> None:
        rows = self.model.differing_rows()
        current = self.table.currentIndex().row() if self.table.currentIndex().isValid() else None
        if forward:
            ahead = [row for row in rows if current is None or row > current]
        else:
            ahead = [row for row in reversed(rows) if current is None or row < current]
        if ahead:
            self.select_visible_row(ahead[0])
        self._update_navigation()

    def _update_navigation(self) -> None:
        rows = self.model.differing_rows()
        index = self.table.currentIndex()
        current = index.row() if index.isValid() else None
        self.next_action.setEnabled(any(current is None or row > current for row in rows))
        self.previous_action.setEnabled(any(current is not None and row < current for row in rows))
        if current is not None and current in rows:
            self.statusBar().showMessage(f"Difference {rows.index(current) + 1} of {len(rows)}")
        elif rows:
            self.statusBar().showMessage(f"{len(rows)} differing frames; F8 selects the next one")
        else:
            self.statusBar().clearMessage()

    def _only_differences_toggled(self, on: bool) -> None:
        selected = self.selected_row()
        self.model.set_only_differences(on)
        if not self._reselect(selected.ref if selected else None):
            self.next_difference()
        self._show_selected()

    def _show_selected(self) -> None:
        row = self.selected_row()
        self._update_navigation()
        differences = row.differences if row else ()
        paths = [d.path for d in differences]
        self.recorded_pane.show_frame(self._frame(0, row.ref.seq_a) if row else None, paths)
        self.new_pane.show_frame(self._frame(1, row.ref.seq_b) if row else None, paths)
        self.differences.setRowCount(len(differences))
        for i, difference in enumerate(differences):
            whole = difference.kind in (Kind.MISSING, Kind.EXTRA)
            cells = (
                VERDICTS[difference.kind] if whole else difference.path,
                show(difference.recorded),
                show(difference.new),
            )
            for column, text in enumerate(cells):
                item = QTableWidgetItem(text)
                item.setToolTip(text)
                self.differences.setItem(i, column, item)

    def _frame(self, run: int, seq: int | None) -> Frame | None:
        return None if seq is None else self._by_seq[run].get(seq)

    def closeEvent(self, event: QCloseEvent) -> None:
        if self._task is not None:
            self._task.cancel()
        super().closeEvent(event)


class RecordedSessionDialog(QDialog):
    """Compare with…: which stored session is the recorded run for the selected (new) one."""

    def __init__(self, sessions: Sequence[SessionInfo], new: SessionInfo, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setWindowTitle(f"Compare session {new.id} with…")
        self.combo = QComboBox(self)
        others = sorted((info for info in sessions if info.id != new.id), key=lambda info: info.id, reverse=True)
        for info in others:
            stations = ", ".join(info.stations) or "no stations"
            self.combo.addItem(f"session {info.id}: {info.name} ({stations}, {info.frame_count:,} frames)", info.id)
        # Most often the run before, of the same station (a replay's session lists no stations).
        before = [i for i, info in enumerate(others) if info.id < new.id]
        alike = [i for i in before if set(others[i].stations) & set(new.stations)]
        if alike or before:
            self.combo.setCurrentIndex((alike or before)[0])
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.button(QDialogButtonBox.StandardButton.Ok).setText("Compare")
        buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(bool(others))
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(
            QLabel(
                f"Session {new.id} ({new.name}) is the new run.\n"
                + ("Compare it with the recorded run:" if others else "There is no other session to compare it with."),
                self,
            )
        )
        row = QHBoxLayout()
        row.addWidget(self.combo, 1)
        layout.addLayout(row)
        layout.addWidget(buttons)

    def chosen(self) -> int:
        """The recorded session's id; once accepted, which needs a session to choose."""
        return int(self.combo.currentData())
