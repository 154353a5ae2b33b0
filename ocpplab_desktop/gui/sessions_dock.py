"""The sessions dock: every stored session, newest first, to open, export or delete.

An opened session shows in its own read-only window with a message log and power graphs,
filled from the database in batches on the event loop so the lab keeps running while a
long session loads. The window reads through its own connection (the database is in WAL
mode), so the recorder of the running session is never blocked by it.

The dock also says when recording is failing (a full disk, a lock held by another program):
what went wrong and how many events wait in memory, until the recorder can write again.
A session whose program was killed shows as crashed, ending at its last frame.
"""

from __future__ import annotations

import asyncio
import threading
from datetime import UTC, datetime
from pathlib import Path

from PySide6.QtCore import QItemSelectionModel, Qt, QTimer, Signal
from PySide6.QtGui import QFont, QHideEvent, QShowEvent, QStandardItem, QStandardItemModel
from PySide6.QtWidgets import (
    QAbstractItemView,
    QFileDialog,
    QHeaderView,
    QInputDialog,
    QLabel,
    QMessageBox,
    QProgressDialog,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from ocpplab_desktop.engine.lab import Lab
from ocpplab_desktop.gui import theme
from ocpplab_desktop.gui.diff_window import DiffWindow, RecordedSessionDialog
from ocpplab_desktop.gui.flow_layout import FlowLayout
from ocpplab_desktop.gui.formatting import format_elapsed, local_time
from ocpplab_desktop.gui.session_viewer import SessionViewer
from ocpplab_desktop.gui.timeline_window import TimelineWindow
from ocpplab_desktop.store.errors import ExportCancelled, StoreError
from ocpplab_desktop.store.recorder import SessionRecorder
from ocpplab_desktop.store.store import SessionInfo, Store

COLUMNS = ("Started", "Duration", "Stations", "Frames", "Name")
STARTED, DURATION, STATIONS, FRAMES, NAME = range(len(COLUMNS))
SESSION_ROLE = Qt.ItemDataRole.UserRole + 1
PROGRESS_DELAY_MS = 400
"""An export quicker than this shows no progress dialog at all."""
PROGRESS_TICK_MS = 100
LIVE_REFRESH_MS = 2000
"""How often the running session's row re-reads its frame count, stations and duration."""
RECORDING_CHECK_MS = 500
"""How often the dock looks at the recorder's status (an attribute read)."""


class ExportJob:
    """One export running in a worker thread: how far it got, and a flag that stops it."""

    def __init__(self, session_id: int, path: Path, dialog: QProgressDialog) -> None:
        self.session_id = session_id
        self.path = path
        self.dialog = dialog
        self.timer = QTimer(dialog)
        self.task: asyncio.Future[int] | None = None
        self.done = 0
        self._cancelled = threading.Event()

    def report(self, count: int) -> bool:
        """Called by the worker thread: record the count; False once the user has cancelled."""
        self.done = count
        return not self._cancelled.is_set()

    def cancel(self) -> None:
        self._cancelled.set()


class RunningSessionError(ValueError):
    """The session being recorded right now cannot be deleted."""


def _seconds_since(iso_utc: str) -> float:
    return (datetime.now(UTC) - datetime.fromisoformat(iso_utc)).total_seconds()


def _duration_cell(info: SessionInfo, running: bool) -> tuple[str, str]:
    """The Duration column's text and tooltip."""
    if running:
        return f"recording {format_elapsed(_seconds_since(info.started_at))}", "this lab is recording it now"
    if info.duration_s is None:
        return "recording elsewhere", "another OCPPLab program, still running, is recording this session"
    if info.crashed:
        return (
            f"{format_elapsed(info.duration_s)}, crashed",
            f"the program recording it ended without closing it; it ends at its last frame, {info.ended_at} UTC",
        )
    return format_elapsed(info.duration_s), ""


def _recording_problem(recorder: SessionRecorder | None) -> str | None:
    """What to tell the user while the recorder cannot write; None while it can."""
    if recorder is None or not recorder.status.failing:
        return None
    return (
        f"Recording is failing: {recorder.status.reason}. {recorder.pending:,} events are held in memory and "
        "will be written, in order, as soon as the database can be written again."
    )


def _cell(text: str, session_id: int, tooltip: str = "") -> QStandardItem:
    item = QStandardItem(text)
    item.setEditable(False)
    item.setData(session_id, SESSION_ROLE)
    item.setToolTip(tooltip or text)
    return item


class SessionsDock(QWidget):
    """A table of the stored sessions with Refresh, Open, Export JSON Lines… and Delete."""

    sessionDeleted = Signal(int)
    statusMessage = Signal(str)
    """A one-line outcome for the window's status bar."""

    def __init__(self, lab: Lab, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.lab = lab
        self.viewers: list[SessionViewer] = []
        self.playbacks: list[TimelineWindow] = []
        self.comparisons: list[DiffWindow] = []
        self.exports: list[ExportJob] = []
        self.model = QStandardItemModel(0, len(COLUMNS), self)
        self.model.setHorizontalHeaderLabels(list(COLUMNS))
        self.table = QTableView(self)
        self.table.setObjectName("sessionsTable")
        self.table.setModel(self.model)
        self.table.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.table.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.table.setAlternatingRowColors(True)
        self.table.setShowGrid(False)
        self.table.setWordWrap(False)
        self.table.verticalHeader().hide()
        header = self.table.horizontalHeader()
        header.setHighlightSections(False)
        for column in (STARTED, DURATION, FRAMES):
            header.setSectionResizeMode(column, QHeaderView.ResizeMode.ResizeToContents)
        header.setSectionResizeMode(STATIONS, QHeaderView.ResizeMode.Interactive)
        header.resizeSection(STATIONS, 200)
        header.setSectionResizeMode(NAME, QHeaderView.ResizeMode.Stretch)
        self.table.doubleClicked.connect(lambda _index: self._open_selected())

        self.refresh_button = QPushButton("Refresh", self)
        self.open_button = QPushButton(theme.icon("log"), "Open", self)
        self.open_button.setToolTip("Show the session's frames and graphs in a read-only window")
        self.play_button = QPushButton(theme.icon("play"), "Play back…", self)
        self.play_button.setToolTip("Replay the session in a window with play, step, seek and speed; no network")
        self.rename_button = QPushButton("Rename…", self)
        self.rename_button.setToolTip("Give the session a name that says what it was for")
        self.compare_button = QPushButton("Compare with…", self)
        self.compare_button.setToolTip("Compare the session, frame by frame, with a recorded session you choose")
        self.export_button = QPushButton(theme.icon("export"), "Export JSON Lines…", self)
        self.export_button.setToolTip("Save the session's frames, one JSON object per line")
        self.delete_button = QPushButton(theme.icon("delete"), "Delete", self)
        self.delete_button.setToolTip("Remove the session and everything recorded in it from the database")
        self.refresh_button.clicked.connect(self.refresh)
        self.open_button.clicked.connect(self._open_selected)
        self.play_button.clicked.connect(self._play_back_selected)
        self.compare_button.clicked.connect(self._compare_selected)
        self.rename_button.clicked.connect(self._rename_selected)
        self.export_button.clicked.connect(self._export_selected)
        self.delete_button.clicked.connect(self._delete_selected)
        self.location = QLabel(self)
        self.location.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.recording_problem = QLabel(self)
        self.recording_problem.setObjectName("recordingProblem")
        self.recording_problem.setWordWrap(True)
        self.recording_problem.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.recording_problem.setStyleSheet("QLabel { color: #b00020; font-weight: bold; }")
        self.recording_problem.hide()

        buttons = QWidget(self)
        flow = FlowLayout(buttons)  # wraps in a narrow dock (a laptop's layout tabs it beside the station)
        flow.setContentsMargins(0, 0, 0, 0)
        for button in (
            self.refresh_button, self.open_button, self.play_button, self.compare_button, self.rename_button,
            self.export_button, self.delete_button,
        ):  # fmt: skip
            flow.addWidget(button)
        flow.addWidget(self.location)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.addWidget(buttons)
        layout.addWidget(self.recording_problem)
        layout.addWidget(self.table)
        self.table.selectionModel().selectionChanged.connect(lambda *_: self._update_buttons())
        self._live_timer = QTimer(self)
        self._live_timer.setInterval(LIVE_REFRESH_MS)
        self._live_timer.timeout.connect(self.refresh_running)
        self._recording_failing = False
        self._recording_timer = QTimer(self)
        self._recording_timer.setInterval(RECORDING_CHECK_MS)
        self._recording_timer.timeout.connect(self.check_recording)
        self._recording_timer.start()
        self.refresh()

    # -- the table ------------------------------------------------------------------------

    def _store(self) -> Store:
        if self.lab.store is None:
            raise StoreError("this lab records no sessions: it was started without a session database")
        return self.lab.store

    def check_recording(self) -> None:
        """Show whether the recorder can write; a change also goes to the status bar, once."""
        problem = _recording_problem(self.lab.recorder)
        if problem is not None:
            self.recording_problem.setText(problem)
        failing = problem is not None
        if failing == self._recording_failing:
            return
        self._recording_failing = failing
        self.recording_problem.setVisible(failing)
        if failing:
            self.statusMessage.emit("Recording is failing; see the Sessions dock")
        else:
            self.statusMessage.emit("Recording works again; the held events are stored")

    def refresh(self) -> None:
        """Re-read the session list, newest first, keeping the selected session selected.

        Sessions whose program has gone since the lab started are ended as crashed first.
        """
        selected = self.selected_session_id()
        self.model.removeRows(0, self.model.rowCount())
        store = self.lab.store
        self.location.setText("" if store is None else f"{store.path}")
        self.location.setToolTip("The session database; open it with sqlite-utils or any SQLite tool")
        if store is not None:
            try:
                store.end_crashed_sessions()
            except StoreError as exc:
                self.statusMessage.emit(f"Could not look for crashed sessions: {exc}")
        sessions = [] if store is None else list(reversed(store.list_sessions()))
        for info in sessions:
            self.model.appendRow(self._row(info))
        if selected is not None:
            self.select_session(selected)
        self._update_buttons()

    def refresh_running(self) -> None:
        """Bring the row of the session being recorded up to date, in place (selection and scroll stay)."""
        running = self.lab.session_id
        store = self.lab.store
        # The live timer can fire once more after the lab has closed its store (seen closing a 2,000-station window).
        if running is None or store is None or store.closed or running not in (ids := self.session_ids()):
            return
        row = ids.index(running)
        for column, item in enumerate(self._row(store.session(running))):
            current = self.model.item(row, column)
            if current.text() != item.text():
                current.setText(item.text())
                current.setToolTip(item.toolTip())

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self.refresh_running()
        self._live_timer.start()

    def hideEvent(self, event: QHideEvent) -> None:
        self._live_timer.stop()
        super().hideEvent(event)

    def _row(self, info: SessionInfo) -> list[QStandardItem]:
        running = info.id == self.lab.session_id
        duration, duration_tip = _duration_cell(info, running)
        frames = _cell(f"{info.frame_count:,}", info.id)
        frames.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        stations = ", ".join(info.stations)
        name = f"{info.name}  (this session)" if running else info.name
        row = [
            _cell(local_time(info.started_at), info.id, f"session {info.id}, started {info.started_at} UTC"),
            _cell(duration, info.id, duration_tip),
            _cell(stations or "—", info.id, stations or "no stations"),
            frames,
            _cell(name, info.id, f"{info.name} ({info.source})"),
        ]
        if running:
            bold = QFont(self.font())
            bold.setBold(True)
            for item in row:
                item.setFont(bold)
        return row

    def session_ids(self) -> list[int]:
        """The ids in table order (newest first)."""
        return [self.model.item(row, 0).data(SESSION_ROLE) for row in range(self.model.rowCount())]

    def selected_session_id(self) -> int | None:
        rows = self.table.selectionModel().selectedRows()
        return rows[0].data(SESSION_ROLE) if rows else None

    def select_session(self, session_id: int) -> None:
        if session_id in (ids := self.session_ids()):
            self.table.selectionModel().select(
                self.model.index(ids.index(session_id), 0),
                QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows,
            )

    def _update_buttons(self) -> None:
        chosen = self.selected_session_id() is not None
        for button in (
            self.open_button, self.play_button, self.compare_button, self.rename_button, self.export_button,
            self.delete_button,
        ):  # fmt: skip
            button.setEnabled(chosen)

    # -- actions without dialogs (what the buttons do once the user has chosen) -----------

    def open_session(self, session_id: int) -> SessionViewer:
        """A read-only window on a stored session, loading in the background."""
        path = self._store().path
        viewer = SessionViewer(Store(path), self._store().session(session_id), self.window())
        viewer.finished.connect(lambda _result: self.viewers.remove(viewer))
        self.viewers.append(viewer)
        viewer.show()
        return viewer

    def play_back_session(self, session_id: int) -> TimelineWindow:
        """A window that plays the stored session back on a timeline (frames so far, for the running one)."""
        window = TimelineWindow(self._store(), session_id, self.window())
        window.destroyed.connect(lambda: self.playbacks.remove(window))
        self.playbacks.append(window)
        window.show()
        return window

    def compare_sessions(self, recorded: int, new: int) -> DiffWindow:
        """A window comparing session `new` with the recorded session, frame by frame."""
        window = DiffWindow(self._store().path, recorded, new, self.window())
        window.destroyed.connect(lambda: self.comparisons.remove(window))
        self.comparisons.append(window)
        window.show()
        return window

    async def export_session(self, session_id: int, path: Path, job: ExportJob | None = None) -> int:
        """Write the session's frames as JSON Lines; returns how many. The running session is flushed first.

        The writing runs in a worker thread on its own connection (the database is in WAL mode,
        so the recorder goes on writing meanwhile); `job` follows it and can cancel it.
        """
        if session_id == self.lab.session_id and self.lab.recorder is not None:
            await asyncio.to_thread(self.lab.recorder.flush)
        db = self._store().path
        progress = None if job is None else job.report

        def write() -> int:
            with Store(db) as store:
                return store.export_jsonl(session_id, path, progress)

        return await asyncio.to_thread(write)

    def start_export(self, session_id: int, path: Path) -> ExportJob:
        """Export with a progress dialog the user can cancel; the outcome goes to the status bar."""
        total = self._store().session(session_id).frame_count
        dialog = QProgressDialog(f"Exporting session {session_id} to {path.name}…", "Cancel", 0, max(total, 1), self)
        dialog.setWindowTitle("Export JSON Lines")
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setMinimumDuration(PROGRESS_DELAY_MS)
        job = ExportJob(session_id, path, dialog)
        dialog.canceled.connect(job.cancel)
        job.task = asyncio.ensure_future(self.export_session(session_id, path, job))
        job.task.add_done_callback(lambda task: self._export_done(job, task))
        job.timer.timeout.connect(lambda: dialog.setValue(min(job.done, total)))
        job.timer.start(PROGRESS_TICK_MS)
        self.exports.append(job)
        return job

    def _export_done(self, job: ExportJob, task: asyncio.Future[int]) -> None:
        job.timer.stop()
        job.dialog.reset()
        self.exports.remove(job)
        if task.cancelled():
            return  # the lab is closing
        exc = task.exception()
        if isinstance(exc, ExportCancelled):
            self.statusMessage.emit(f"Export of session {job.session_id} cancelled; {job.path} was not written")
        elif exc is not None:
            QMessageBox.warning(self, "Export failed", f"Session {job.session_id} was not exported: {exc}")
        else:
            self.statusMessage.emit(f"Exported {task.result():,} frames of session {job.session_id} to {job.path}")

    def delete_session(self, session_id: int) -> None:
        if session_id == self.lab.session_id:
            raise RunningSessionError(
                f"session {session_id} is the one this lab is recording now; "
                "close the lab and delete it from a later session"
            )
        self._store().delete_session(session_id)
        self.refresh()
        self.sessionDeleted.emit(session_id)

    # -- the buttons ----------------------------------------------------------------------

    def _open_selected(self) -> None:
        session_id = self.selected_session_id()
        if session_id is not None:
            self.open_session(session_id)

    def _play_back_selected(self) -> None:
        session_id = self.selected_session_id()
        if session_id is not None:
            self.play_back_session(session_id)

    def rename_session(self, session_id: int, name: str) -> bool:
        """Store a new name for the session; a name the store refuses is said in the status bar."""
        try:
            stored = self._store().rename_session(session_id, name)
        except (ValueError, StoreError) as exc:
            self.statusMessage.emit(f"Session {session_id} not renamed: {exc}")
            return False
        self.refresh()
        self.statusMessage.emit(f"Session {session_id} renamed to {stored!r}")
        return True

    def _rename_selected(self) -> None:
        session_id = self.selected_session_id()
        if session_id is None:
            return
        current = self._store().session(session_id).name
        name, ok = QInputDialog.getText(self, "Rename session", f"Name of session {session_id}:", text=current)
        if ok and name != current:
            self.rename_session(session_id, name)

    def _compare_selected(self) -> None:
        new = self.selected_session_id()
        if new is None:
            return
        store = self._store()
        dialog = RecordedSessionDialog(store.list_sessions(), store.session(new), self)
        dialog.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        dialog.accepted.connect(lambda: self.compare_sessions(dialog.chosen(), new))
        dialog.open()

    def _export_selected(self) -> None:
        session_id = self.selected_session_id()
        if session_id is not None:
            self.ask_export(session_id)

    def ask_export(self, session_id: int) -> None:
        """Ask for a file name, then export; tells the user the outcome either way."""
        suggested = str(Path.home() / f"ocpplab-session-{session_id}.jsonl")
        name, _filter = QFileDialog.getSaveFileName(
            self, f"Export session {session_id} as JSON Lines", suggested, "JSON Lines (*.jsonl);;All files (*)"
        )
        if name:
            self.start_export(session_id, Path(name))

    def _delete_selected(self) -> None:
        session_id = self.selected_session_id()
        if session_id is None:
            return
        if session_id == self.lab.session_id:
            QMessageBox.information(
                self,
                "Session in use",
                f"Session {session_id} is the one being recorded now, so it cannot be deleted.\n\n"
                "Close the lab; the next time you start it, this session can be deleted here.",
            )
            return
        answer = QMessageBox.question(
            self,
            "Delete session",
            f"Delete session {session_id} and every frame, sample and event recorded in it?\n"
            "This cannot be undone; export it first to keep a copy.",
            QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Cancel,
        )
        if answer == QMessageBox.StandardButton.Yes:
            try:
                self.delete_session(session_id)
            except StoreError as exc:
                QMessageBox.warning(self, "Delete failed", f"Session {session_id} was not deleted: {exc}")
