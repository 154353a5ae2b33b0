"""File → Import trace…: a JSON Lines export or a plain OCPP-J log into a new stored session.

The import runs in a worker thread on its own database connection (WAL mode: the recorder goes
on writing meanwhile), behind a progress dialog with Cancel. When it ends, the sessions dock
shows the new session and the status bar says what was imported, what was inferred and how
many lines could not be read. A plain log that names no station asks for the station id.
"""

from __future__ import annotations

import asyncio
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QAction, QGuiApplication
from PySide6.QtWidgets import QFileDialog, QInputDialog, QMessageBox, QProgressDialog

from ocpplab_desktop.replay.trace import ImportCancelled, TraceError, TraceImport, import_trace
from ocpplab_desktop.store.store import Store

if TYPE_CHECKING:
    from ocpplab_desktop.gui.sessions_dock import SessionsDock

HEADLESS = frozenset({"offscreen", "minimal"})
PROGRESS_TICK_MS = 100


class ImportJob:
    """One import in a worker thread: how many frames so far, and a flag that stops it."""

    def __init__(self, path: Path, dialog: QProgressDialog) -> None:
        self.path = path
        self.dialog = dialog
        self.timer = QTimer(dialog)
        self.task: asyncio.Future[TraceImport] | None = None
        self.done = 0
        self.outcome = ""
        self._cancelled = threading.Event()

    def report(self, count: int) -> bool:
        """Called by the worker thread; False once the user has cancelled."""
        self.done = count
        return not self._cancelled.is_set()

    def cancel(self) -> None:
        self._cancelled.set()


def start_import(dock: SessionsDock, path: Path, station_id: str | None = None) -> ImportJob:
    """Import `path` with a progress dialog; the outcome goes to the dock's status messages."""
    store = dock.lab.store
    if store is None:
        raise TraceError("this lab records no sessions: it was started without a session database")
    db = store.path
    dialog = QProgressDialog(f"Importing {path.name}…", "Cancel", 0, 0, dock)
    dialog.setWindowTitle("Import trace")
    dialog.setWindowModality(Qt.WindowModality.WindowModal)
    dialog.setMinimumDuration(500)
    job = ImportJob(path, dialog)
    dialog.canceled.connect(job.cancel)

    def work() -> TraceImport:
        with Store(db) as worker_store:
            return import_trace(worker_store, path, station_id=station_id, progress=job.report)

    job.task = asyncio.ensure_future(asyncio.to_thread(work))
    job.task.add_done_callback(lambda task: _finished(dock, job, task))
    job.timer.timeout.connect(lambda: dialog.setLabelText(f"Importing {path.name}… {job.done:,} frames"))
    job.timer.start(PROGRESS_TICK_MS)
    return job


def _finished(dock: SessionsDock, job: ImportJob, task: asyncio.Future[TraceImport]) -> None:
    job.timer.stop()
    job.dialog.reset()
    if task.cancelled():
        return
    exc = task.exception()
    if isinstance(exc, ImportCancelled):
        job.outcome = f"Import of {job.path.name} cancelled; nothing was stored"
    elif isinstance(exc, TraceError) and "station" in str(exc) and _can_ask():
        station_id, ok = QInputDialog.getText(dock, "Import trace", f"{exc}\n\nStation id of this log:")
        if ok and station_id.strip():
            start_import(dock, job.path, station_id.strip())
            return
        job.outcome = f"{job.path.name} was not imported: {exc}"
    elif exc is not None:
        job.outcome = f"{job.path.name} was not imported: {exc}"
        if _can_ask():
            QMessageBox.warning(dock, "Import failed", job.outcome)
    else:
        result = task.result()
        skipped = f"; {len(result.bad_lines)} line(s) could not be read" if result.bad_lines else ""
        inferred = f" ({'; '.join(result.inferred)})" if result.inferred else ""
        job.outcome = (
            f"Imported {result.frames:,} frames of {job.path.name} as session {result.session_id}{skipped}{inferred}"
        )
        dock.refresh()
    dock.statusMessage.emit(job.outcome)


def _can_ask() -> bool:
    return QGuiApplication.platformName() not in HEADLESS


def install(dock: SessionsDock, menu_owner: object) -> QAction:
    """Add File → Import trace… to the window's File menu (`menu_owner.ui.menu_file`), before Quit."""
    menu = menu_owner.ui.menu_file  # type: ignore[attr-defined]
    quit_action = menu_owner.ui.action_quit  # type: ignore[attr-defined]
    action = QAction("Import trace…", dock)
    action.setToolTip("A JSON Lines export or a plain OCPP-J log (one timestamped frame a line) as a new session")

    def ask() -> None:
        name, _ = QFileDialog.getOpenFileName(dock, "Import trace", "", "Traces (*.jsonl *.log *.txt);;All files (*)")
        if name:
            start_import(dock, Path(name))

    action.triggered.connect(ask)
    menu.insertAction(quit_action, action)
    return action
