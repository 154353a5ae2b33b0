"""Scenarios played in the window for an audience: the caption banner, Continue, and Present (F11).

A scenario's `say` steps become a banner across the top of the window; a `pause` step shows
Continue (F8; the right arrow or the space bar in presentation mode) and waits for it. The
runner is the same `ScenarioRunner` that `ocpplab run` uses, so a demonstration checks its
expectations like any scenario and its session is stored like any other.
"""

from __future__ import annotations

import asyncio
import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtGui import QAction, QFont, QKeySequence
from PySide6.QtWidgets import QFileDialog, QHBoxLayout, QLabel, QPushButton, QToolBar, QWidget

from ocpplab_desktop.engine.scenario import Gate, Report, Scenario, ScenarioError, ScenarioRunner, load_scenario
from ocpplab_desktop.gui import palette
from ocpplab_desktop.gui.presentation import PresentationWindow
from ocpplab_desktop.gui.sim_time import SPEEDS
from ocpplab_desktop.model.events import ScenarioProgress
from ocpplab_desktop.paths import SCENARIOS
from ocpplab_desktop.protocol.tasks import TaskSet

if TYPE_CHECKING:
    from ocpplab_desktop.gui.app import MainWindow

STATUS_MS = 8000
STEP_MAX_PX = 420
"""The banner's step text is cut short beyond this width, so the caption keeps the room."""
log = logging.getLogger(__name__)


def _nearest_speed(speed: float) -> int:
    """The window's speed choice nearest to a scenario's speed (the toolbar offers x1 to x100)."""
    return min(SPEEDS, key=lambda offered: abs(offered - speed))


class CaptionBanner(QToolBar):
    """The scenario's caption across the top of the window, with its step and Continue while paused."""

    def __init__(self, parent: QWidget) -> None:
        super().__init__("Scenario", parent)
        self.setObjectName("caption_banner")
        self.setMovable(False)
        self.setFloatable(False)
        body = QWidget(self)
        layout = QHBoxLayout(body)
        layout.setContentsMargins(10, 4, 10, 4)
        self.caption = QLabel(body)
        self.caption.setObjectName("caption")
        self.caption.setWordWrap(True)
        font = QFont(self.caption.font())
        font.setPointSizeF(font.pointSizeF() * 1.35)
        font.setWeight(QFont.Weight.DemiBold)
        self.caption.setFont(font)
        self.step = QLabel(body)
        self.step.setObjectName("scenario_step")
        self.continue_button = QPushButton("Continue (F8)", body)
        self.continue_button.setObjectName("continue_button")
        layout.addWidget(self.caption, 1)
        layout.addWidget(self.step)
        layout.addWidget(self.continue_button)
        self.addWidget(body)
        self.setStyleSheet(f"QToolBar#caption_banner {{ background: {palette.SUCCESS}22; border: none; }}")
        self.hide()

    def show_progress(self, progress: ScenarioProgress, report: Report | None) -> None:
        self.show()
        if progress.finished and report is not None:
            failed = sum(not r.ok for r in report.results)
            verdict = "every step held" if failed == 0 else f"{failed} step(s) failed (see the status bar)"
            self._set_step(f"{progress.scenario}: finished, {verdict}")
        elif progress.waiting is not None:
            self._set_step(f"Step {progress.step} of {progress.steps} · paused: {progress.waiting}")
        else:
            self._set_step(f"Step {progress.step} of {progress.steps}")
        self.caption.setText(progress.caption or progress.scenario)
        self.continue_button.setVisible(progress.waiting is not None)

    def _set_step(self, text: str) -> None:
        """One line, cut short with an ellipsis when long (the whole text in the tooltip)."""
        self.step.setToolTip(text)
        self.step.setText(self.step.fontMetrics().elidedText(text, Qt.TextElideMode.ElideRight, STEP_MAX_PX))


class Demo(QObject):
    """Plays scenario files in the window and presents one station full screen."""

    progressChanged = Signal(object)
    """A `ScenarioProgress`, on the GUI thread."""
    statusMessage = Signal(str)

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self.lab = window.lab
        self.gate = Gate()
        self.progress: ScenarioProgress | None = None
        self.report: Report | None = None
        self.presentation: PresentationWindow | None = None
        self._tasks = TaskSet("scenario in the window", on_error=self._failed)
        self._selected_station: str | None = None
        self._task: asyncio.Task[None] | None = None

        self.banner = CaptionBanner(window)
        window.addToolBarBreak(Qt.ToolBarArea.TopToolBarArea)
        window.addToolBar(Qt.ToolBarArea.TopToolBarArea, self.banner)
        self.banner.continue_button.clicked.connect(self.resume)

        self.action_play = QAction("Play scenario…", self)
        self.action_play.setToolTip("Run a scenario file in this window, with its captions and pauses")
        self.action_play.triggered.connect(self._ask_scenario)
        self.action_continue = QAction("Continue scenario", self)
        self.action_continue.setShortcut(QKeySequence(Qt.Key.Key_F8))
        self.action_continue.setEnabled(False)
        self.action_continue.triggered.connect(self.resume)
        self.action_present = QAction("Present", self)
        self.action_present.setShortcut(QKeySequence(Qt.Key.Key_F11))
        self.action_present.setCheckable(True)
        self.action_present.setToolTip("One station full screen, large, with the caption, its states and its power")
        self.action_present.toggled.connect(self._present)
        for action in (self.action_play, self.action_continue, self.action_present):
            window.addAction(action)  # shortcuts work wherever the focus is
        session_menu = window.ui.menu_session
        session_menu.addSeparator()
        session_menu.addAction(self.action_play)
        session_menu.addAction(self.action_continue)
        view_menu = window.ui.menu_view
        view_menu.addSeparator()
        view_menu.addAction(self.action_present)

        self._unsubscribe = self.lab.bus.subscribe(self._on_event)
        window.closed.connect(self._detach)

    def _detach(self) -> None:
        """The window closed: no more progress to show, and a scenario still running ends."""
        self._unsubscribe()
        if self._task is not None:
            self._task.cancel()

    # --- playing ---------------------------------------------------------------------------
    @property
    def running(self) -> bool:
        return len(self._tasks) > 0

    def play_file(self, path: Path) -> bool:
        """Load and play a scenario file; a file that does not load is said in the status bar."""
        try:
            scenario = load_scenario(path)
        except ScenarioError as exc:
            self.statusMessage.emit(f"Scenario not started: {exc}")
            return False
        return self.play(scenario)

    def play(self, scenario: Scenario) -> bool:
        if self.running:
            self.statusMessage.emit("A scenario is already running; wait for it to end first")
            return False
        station_id = scenario.station.id
        if station_id in self.lab.stations and station_id not in self.lab.transient:
            self.statusMessage.emit(
                f"Scenario not started: the workspace has a station {station_id} already; "
                "remove it or rename the scenario's station"
            )
            return False
        self.report = None
        self.progress = None
        self._selected_station = None
        self.window.sim_time.set_speed(_nearest_speed(scenario.speed))
        runner = ScenarioRunner(self.lab, scenario, gate=self.gate)
        self._task = self._tasks.spawn(self._run(runner, station_id), name=f"scenario {scenario.name}")
        self.statusMessage.emit(f"Playing scenario: {scenario.name}")
        return True

    async def _run(self, runner: ScenarioRunner, station_id: str) -> None:
        if station_id in self.lab.stations:  # left by an earlier play of a scenario: it starts afresh
            await self.lab.remove_station(station_id)
            self.window.tree_model.sync()
        report = await runner.run()
        self.report = report
        failed = sum(not r.ok for r in report.results)
        self.statusMessage.emit(
            f"Scenario {report.scenario}: {len(report.results) - failed} step(s) passed, {failed} failed"
            + ("" if failed == 0 else f"; first failure: {next(r for r in report.results if not r.ok).detail}")
        )
        if self.progress is not None:
            self._show(self.progress)

    def _failed(self, exc: BaseException) -> None:
        log.error("scenario in the window failed", exc_info=exc)
        self.statusMessage.emit(f"Scenario stopped by an error: {exc}")

    def resume(self) -> bool:
        """Continue a pause; False (and nothing happens) when no pause waits."""
        return self.gate.resume()

    def _ask_scenario(self) -> None:
        name, _ = QFileDialog.getOpenFileName(
            self.window, "Play scenario", str(SCENARIOS), "Scenarios (*.yaml *.yml);;All files (*)"
        )
        if name:
            self.play_file(Path(name))

    # --- progress --------------------------------------------------------------------------
    def _on_event(self, event: Any) -> None:
        if isinstance(event, ScenarioProgress):
            self.progress = event
            self._show(event)

    def _show(self, progress: ScenarioProgress) -> None:
        self.banner.show_progress(progress, self.report)
        self.action_continue.setEnabled(progress.waiting is not None)
        if progress.station_id != self._selected_station and progress.station_id in self.lab.stations:
            # Once: the presenter may look at another station later. The runner added the
            # station to the lab, not through the window: the tree learns of it here.
            if not self.window.tree_model.index_of(progress.station_id).isValid():
                self.window.tree_model.sync()
            self.window.select_station(progress.station_id)
            current = self.window.current_station()
            if current is not None and current.id == progress.station_id:
                self._selected_station = progress.station_id
        self.progressChanged.emit(progress)

    # --- presenting ------------------------------------------------------------------------
    def _present(self, on: bool) -> None:
        if not on:
            if self.presentation is not None:
                self.presentation.close()
            return
        station = self.window.current_station()
        if station is None and self._selected_station is not None:
            station = self.lab.stations.get(self._selected_station)
        if station is None:
            self.statusMessage.emit("Present: select a station first (or play a scenario)")
            self.action_present.setChecked(False)
            return
        self.presentation = PresentationWindow(station, self.window.bridge, self)
        self.presentation.closed.connect(self._presentation_closed)
        self.presentation.present()

    def _presentation_closed(self) -> None:
        self.presentation = None
        self.action_present.setChecked(False)
        self.window.activateWindow()

    async def close_tasks(self) -> None:
        self._unsubscribe()
        if self.presentation is not None:
            self.presentation.close()
        await self._tasks.close()


def install(window: MainWindow) -> Demo:
    """Add the scenario player and Present to `window`'s menus; status messages go to its status bar."""
    demo = Demo(window)
    demo.statusMessage.connect(lambda text: window.statusBar().showMessage(text, STATUS_MS))
    return demo
