"""A real lab and its main window on one qasync loop, for the window and screenshot tests.

The lab has tasks alive the whole time it runs (its clock, each station's connection). So it
starts, is used and closes inside ONE `run_until_complete`: between two such calls pytest-qt
processes Qt events (in its setup and teardown hooks, in `waitExposed`), which runs qasync's
callbacks while asyncio does not consider the loop running, and a station's next step would
fail with "no running event loop" and leave its socket open. A test therefore hands the
harness an async scenario `(lab, window) -> None`; every wait in it is bounded by `until`.

Imported by the test modules as `from lab_harness import ...` (pytest puts this folder on
sys.path, as for `qt_async`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from PySide6.QtCore import QSettings
from PySide6.QtWidgets import QApplication
from qt_async import QtAsyncLoop

from ocpplab_desktop.engine.lab import Lab
from ocpplab_desktop.engine.station import Station
from ocpplab_desktop.gui.app import MainWindow

Scenario = Callable[[Lab, MainWindow], Awaitable[None]]
WAIT_S = 20.0
SCENARIO_S = 90.0
WINDOW_SIZE = (1400, 900)


@contextmanager
def temporary_settings(folder: Path) -> Iterator[Path]:
    """QSettings() reads and writes INI files under `folder`, never the user's configuration."""
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    QSettings.setPath(QSettings.Format.IniFormat, QSettings.Scope.UserScope, str(folder))
    try:
        yield folder
    finally:
        QSettings.setDefaultFormat(QSettings.Format.NativeFormat)


async def until(condition: Callable[[], bool], what: str, timeout: float = WAIT_S) -> None:
    """Let the loop run until `condition()` holds; fail saying what never happened."""

    async def poll() -> None:
        while not condition():  # noqa: ASYNC110 - widget and engine state; nothing to wait on
            await asyncio.sleep(0.02)

    try:
        await asyncio.wait_for(poll(), timeout)
    except TimeoutError:
        raise AssertionError(f"gave up after {timeout:g} s waiting for {what}") from None


async def add_registered(window: MainWindow, template: str) -> Station:
    """A station from `template`, added the way Station > New from template adds it, once accepted."""
    station = window.new_station_from_template(template)
    await until(lambda: station.registration == "Accepted", f"{station.id} to be accepted by the CSMS")
    return station


class LabHarness:
    """Runs scenarios against a fresh lab (CSMS on a free port, database in tmp_path) and its window."""

    def __init__(self, app: QApplication, qtbot: Any, folder: Path) -> None:
        self.app = app
        self.qtbot = qtbot
        self.db_path = folder / "lab.db"

    def __call__(self, scenario: Scenario, timeout: float = SCENARIO_S) -> None:
        # As in the app: closing the window must not quit the application (and stop the loop).
        self.app.setQuitOnLastWindowClosed(False)
        try:
            with QtAsyncLoop(self.app) as loop:
                loop.run(asyncio.wait_for(self._whole(scenario), timeout))
        finally:
            self.app.setQuitOnLastWindowClosed(True)

    async def _whole(self, scenario: Scenario) -> None:
        lab = Lab(db_path=self.db_path, csms_port=0)
        await lab.start()
        try:
            window = self.open_window(lab)
            try:
                await scenario(lab, window)
            finally:
                self.close_window(window)
        finally:
            await lab.close()

    def open_window(self, lab: Lab, *, resize: bool = True) -> MainWindow:
        """The lab's window, shown; at WINDOW_SIZE unless `resize` is False (keep the saved geometry)."""
        window = MainWindow(lab)
        if resize:
            window.resize(*WINDOW_SIZE)
        window.show()
        self.qtbot.waitExposed(window)
        return window

    @staticmethod
    def close_window(window: MainWindow) -> None:
        window.close()
        window.deleteLater()
