"""The workspace in the window: File > Open/Save workspace, the question before closing on running
transactions, what a restore could not bring back, and what an edit of a connected station does.

The workspace itself (what it holds, how it is saved and restored) is core code in
engine/workspace.py; this module only asks and tells.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from PySide6.QtCore import QObject, Qt
from PySide6.QtWidgets import QFileDialog, QMainWindow, QMessageBox, QPushButton, QStatusBar

from ocpplab_desktop.engine import workspace
from ocpplab_desktop.engine.lab import Lab
from ocpplab_desktop.engine.station import Station
from ocpplab_desktop.engine.workspace import Workspace, WorkspaceError
from ocpplab_desktop.gui.bridge import spawn_soon
from ocpplab_desktop.model.config import StationConfig
from ocpplab_desktop.protocol.tasks import TaskSet

FILE_FILTER = "OCPPLab workspace (*.json)"
STATUS_MS = 8000


def _transactions(running: dict[str, int]) -> str:
    count = sum(running.values())
    where = ", ".join(running)
    return f"{count} transaction{'s' if count != 1 else ''} {'is' if count == 1 else 'are'} running (on {where})"


POWER_LOSS_NOTE = (
    "They end as at a power cut: each station reports its transaction stopped (reason PowerLoss) "
    "after it boots at the next start of the lab."
)


def edit_consequences(station: Station, config: StationConfig) -> str:
    """What applying `config` to a connected `station` does, in words, for the confirmation."""
    old = station.config
    lines = [f"Station {old.id} is connected. It reboots with the new configuration: it closes its connection"]
    boots = "and boots again"
    if config.id != old.id:
        boots += f" as {config.id} (a new identity: the CSMS sees a different station)"
    if config.csms_url != old.csms_url:
        boots += f", connecting to {config.csms_url or 'the embedded mock CSMS'}"
    if config.ocpp_version != old.ocpp_version:
        boots += f", speaking OCPP {config.ocpp_version.value}"
    lines[0] += f" {boots}."
    running = sum(1 for c in station.connectors if c.tx_started)
    if running:
        lines.append(
            f"Its {running} running transaction{'s' if running != 1 else ''} end{'s' if running == 1 else ''} "
            "first (reason Reboot)."
        )
    return " ".join(lines)


class WorkspaceUi(QObject):
    """Installed on the main window; `stations_changed` is how the window re-reads the lab's stations."""

    def __init__(self, window: QMainWindow, lab: Lab, stations_changed: Callable[[], None]) -> None:
        super().__init__(window)
        self.window = window
        self.lab = lab
        self._stations_changed = stations_changed
        self._tasks = TaskSet("workspace")
        self._may_close = False
        self.question: QMessageBox | None = None
        """The question open now (close with running transactions, replace the stations), for tests."""

    def _status(self) -> QStatusBar:
        return self.window.statusBar()

    # -- files ------------------------------------------------------------------------------

    def save(self, path: Path) -> None:
        """Save the lab's workspace as a file."""
        workspace.snapshot(self.lab).save(path)
        self._status().showMessage(f"Workspace saved to {path}", STATUS_MS)

    async def open(self, path: Path) -> list[str]:
        """Make the file's workspace the lab's; returns what could not be applied."""
        loaded = Workspace.load(path)
        keeper = self.lab.workspace
        problems = await (keeper.replace(loaded) if keeper is not None else workspace.apply(self.lab, loaded))
        self._stations_changed()
        self._status().showMessage(f"Workspace {path.name} opened: {len(self.lab.stations)} station(s)", STATUS_MS)
        if problems:
            self._warn("Workspace opened in part", "\n".join(problems))
        return problems

    def ask_save(self) -> None:
        name, _filter = QFileDialog.getSaveFileName(self.window, "Save workspace as", "workspace.json", FILE_FILTER)
        if not name:
            return
        try:
            self.save(Path(name))
        except OSError as exc:
            self._warn("Workspace not saved", f"{name}: {exc.strerror or exc}")

    def ask_open(self) -> None:
        name, _filter = QFileDialog.getOpenFileName(self.window, "Open workspace", "", FILE_FILTER)
        if name:
            self.confirm_open(Path(name))

    def confirm_open(self, path: Path) -> None:
        """Check the file, then ask before its stations replace the lab's (if it has any)."""
        try:
            Workspace.load(path)
        except WorkspaceError as exc:
            self._warn("Workspace not opened", f"{exc}\n\nThe lab is unchanged.")
            return
        if not self.lab.stations:
            self._spawn("Open workspace", path)
            return
        count = len(self.lab.stations)
        text = f"The workspace in {path.name} replaces the {count} station(s) of this lab and its CSMS policy."
        running = workspace.running_transactions(self.lab)
        if running:
            text += f"\n\n{_transactions(running)}. They end as at a power cut (reason PowerLoss)."
        self._ask("Open workspace", text, "Replace the stations", lambda: self._spawn("Open workspace", path))

    def _spawn(self, what: str, path: Path) -> None:
        spawn_soon(self._tasks, self._reported, what, path)

    async def _reported(self, what: str, path: Path) -> None:
        try:
            await self.open(path)
        except (WorkspaceError, OSError) as exc:
            self._warn(f"{what} failed", str(exc))

    # -- closing ----------------------------------------------------------------------------

    def may_close(self) -> bool:
        """Whether the window may close now; with transactions running, asks first (and closes it once they end)."""
        if self._may_close:
            return True
        running = workspace.running_transactions(self.lab)
        if not running:
            return True
        self._ask(
            "Quit while charging?",
            f"{_transactions(running)}.\n\n{POWER_LOSS_NOTE}",
            "Quit",
            lambda: spawn_soon(self._tasks, self._power_down_and_close),
        )
        return False

    def quit_without_asking(self) -> None:
        """A signal to quit (SIGTERM at logout, Ctrl+C in the terminal): nobody may be there to answer,
        so running transactions end as at a power cut (reported with PowerLoss at the next start)."""
        if self._may_close or not workspace.running_transactions(self.lab):
            self._may_close = True
            self.window.close()
            return
        spawn_soon(self._tasks, self._power_down_and_close)

    async def _power_down_and_close(self) -> None:
        await workspace.power_down(self.lab)
        self._may_close = True
        self.window.close()

    async def close_tasks(self) -> None:
        await self._tasks.close()

    # -- restore ------------------------------------------------------------------------------

    def report_restore(self) -> None:
        """Say what the workspace restored at start, and what it could not."""
        keeper = self.lab.workspace
        if keeper is None:
            return
        if keeper.problems:
            self._warn("Workspace not fully restored", "\n".join(keeper.problems))
        elif self.lab.stations:
            self._status().showMessage(
                f"Workspace restored: {len(self.lab.stations)} station(s) from {self.lab.db_path}", STATUS_MS
            )

    # -- asking -------------------------------------------------------------------------------

    def _ask(self, title: str, text: str, do: str, then: Callable[[], None]) -> None:
        """A window-modal question with a button `do` and Cancel; `then` runs if `do` is chosen."""
        box = QMessageBox(QMessageBox.Icon.Question, title, text, QMessageBox.StandardButton.Cancel, self.window)
        box.setWindowModality(Qt.WindowModality.WindowModal)
        button = box.addButton(do, QMessageBox.ButtonRole.AcceptRole)
        box.setDefaultButton(QMessageBox.StandardButton.Cancel)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)

        def answered(clicked: QPushButton | object) -> None:
            self.question = None
            if clicked is button:
                then()

        box.buttonClicked.connect(answered)
        self.question = box
        box.open()

    def confirm_edit(self, station_id: str, config: StationConfig, apply: Callable[[str, StationConfig], None]) -> None:
        """The builder's OK on an edit: a station that is (or tries to be) online reboots into the change,
        so say so, and how, and let the user choose; one held offline takes it at once."""
        station = self.lab.stations.get(station_id)
        if station is None:
            return  # deleted while the dialog was open
        if config == station.config:
            self._status().showMessage(f"Station {station_id}: nothing changed", STATUS_MS)
        elif station.link_up:
            consequences = edit_consequences(station, config)
            self._ask(
                f"Edit station {station_id}", consequences, "Reboot with the changes", lambda: apply(station_id, config)
            )
        else:
            apply(station_id, config)

    def _warn(self, title: str, text: str) -> None:
        box = QMessageBox(QMessageBox.Icon.Warning, title, text, QMessageBox.StandardButton.Ok, self.window)
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        self.question = box
        box.finished.connect(lambda _result: setattr(self, "question", None))
        box.open()
