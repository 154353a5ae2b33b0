"""`ocpplab`: check that Qt can open a window, then run the lab and its window on one qasync loop.

When the Qt platform plugin cannot start, Qt ends the process with qFatal ("could not load
the Qt platform plugin xcb ... Aborted") and no hint of what to install. Two checks replace
that with a message naming the Debian packages: before Qt starts, the xcb plugin's shared
libraries are looked up with the dynamic loader (so the missing ones can be named); and
while QApplication starts, a message handler catches any fatal Qt message (no display, a
broken plugin) and exits with the same advice instead of an abort.
"""

from __future__ import annotations

import asyncio
import ctypes
import gc
import os
import signal
import sys
from collections.abc import Mapping
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ocpplab_desktop.engine.lab import Lab

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2
STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM)
"""Signals that close the window the way Ctrl+Q does."""

HEADLESS_PLATFORMS = frozenset({"offscreen", "minimal"})
"""Qt platforms with no screen: a dialog there waits for a click that never comes."""

APP_NAME = "OCPPLab Desktop"
ORGANIZATION = "OCPPLab"

# The shared libraries Qt's xcb platform plugin and Qt GUI load, and the Debian package of each.
XCB_LIBRARIES: dict[str, str] = {
    "libxcb-cursor.so.0": "libxcb-cursor0",
    "libxkbcommon-x11.so.0": "libxkbcommon-x11-0",
    "libxcb-icccm.so.4": "libxcb-icccm4",
    "libxcb-image.so.0": "libxcb-image0",
    "libxcb-keysyms.so.1": "libxcb-keysyms1",
    "libxcb-randr.so.0": "libxcb-randr0",
    "libxcb-render-util.so.0": "libxcb-render-util0",
    "libxcb-shape.so.0": "libxcb-shape0",
    "libxcb-xinerama.so.0": "libxcb-xinerama0",
    "libxcb-xkb.so.1": "libxcb-xkb1",
    "libEGL.so.1": "libegl1",
    "libGL.so.1": "libgl1",
    "libfontconfig.so.1": "libfontconfig1",
    "libdbus-1.so.3": "libdbus-1-3",
}
_HEADLESS_HINT = "To run without a display (tests, CI, a server), set QT_QPA_PLATFORM=offscreen."


def install_hint() -> str:
    packages = " ".join(XCB_LIBRARIES.values())
    return f"on Debian or Ubuntu, install Qt's system libraries with\n    sudo apt-get install {packages}"


def qt_platform(env: Mapping[str, str]) -> str:
    """The platform plugin Qt will try first: QT_QPA_PLATFORM's first entry, else Wayland or xcb."""
    requested = env.get("QT_QPA_PLATFORM", "").strip()
    if requested:
        # "wayland;xcb" lists fallbacks; "xcb:option=value" passes options to the plugin.
        return requested.split(";")[0].split(":")[0].strip().lower()
    if env.get("WAYLAND_DISPLAY") and env.get("XDG_SESSION_TYPE") == "wayland":
        return "wayland"
    return "xcb"


def missing_libraries(sonames: Mapping[str, str] = XCB_LIBRARIES) -> list[str]:
    """The shared libraries among `sonames` that the dynamic loader cannot load."""
    missing = []
    for soname in sonames:
        try:
            ctypes.CDLL(soname)
        except OSError:
            missing.append(soname)
    return missing


def platform_problem(
    env: Mapping[str, str], system: str = sys.platform, libraries: Mapping[str, str] = XCB_LIBRARIES
) -> str | None:
    """Why Qt would fail to open a window here, with what to do; None when nothing is known to be wrong."""
    if not system.startswith("linux") or qt_platform(env) != "xcb":
        return None
    if not env.get("DISPLAY"):
        return (
            f"{APP_NAME} cannot open its window: there is no X display (DISPLAY is not set).\n"
            f"Start it from a desktop session. {_HEADLESS_HINT}"
        )
    missing = missing_libraries(libraries)
    if not missing:
        return None
    packages = " ".join(libraries[soname] for soname in missing)
    return (
        f"{APP_NAME} cannot open its window: Qt's xcb platform plugin needs libraries that are not installed: "
        f"{', '.join(missing)} (Debian packages: {packages});\n{install_hint()}\n{_HEADLESS_HINT}"
    )


def _exit_on_fatal(mode: object, _context: object, message: str) -> None:
    """Qt message handler while QApplication starts: a fatal message exits with advice instead of an abort."""
    from PySide6.QtCore import QtMsgType

    sys.stderr.write(message + "\n")
    if mode == QtMsgType.QtFatalMsg:
        platform = qt_platform(os.environ)
        display = os.environ.get("WAYLAND_DISPLAY" if platform == "wayland" else "DISPLAY") or "not set"
        sys.stderr.write(
            f"\n{APP_NAME} could not start Qt's {platform!r} platform plugin (see Qt's message above).\n"
            f"If it names a missing library or plugin: {install_hint()}\n"
            f"If it cannot connect to the display (now {display}), start the lab from a desktop session.\n"
            f"{_HEADLESS_HINT}\n"
        )
        sys.stderr.flush()
        os._exit(EXIT_FAILED)


def launch(db: Path | None, port: int, *, startup_problem: str | None = None, scenario: Path | None = None) -> int:
    """Open the lab window with the embedded mock CSMS on `port`; returns the process exit code.

    `startup_problem` is what the command line found wrong before the lab starts (a database it
    cannot write, a port that is taken); it is shown as a start-up error, and the lab does not start.
    `scenario` is played in the window once it is shown (`ocpplab gui --scenario FILE`).
    """
    problem = platform_problem(os.environ)
    if problem is not None:
        print(problem, file=sys.stderr)
        return EXIT_FAILED

    from PySide6.QtCore import QCoreApplication, qInstallMessageHandler
    from PySide6.QtWidgets import QApplication

    from ocpplab_desktop.gui import event_loop, theme
    from ocpplab_desktop.paths import default_db

    QCoreApplication.setOrganizationName(ORGANIZATION)
    QCoreApplication.setApplicationName(APP_NAME)
    qInstallMessageHandler(_exit_on_fatal)
    existing = QApplication.instance()
    app = existing if isinstance(existing, QApplication) else QApplication(sys.argv)
    qInstallMessageHandler(None)
    app.setWindowIcon(theme.icon("app"))
    app.setDesktopFileName("ocpplab")
    theme.apply_theme(app)
    # The window's close ends the lab (stations stopped, recorder flushed) before the loop ends.
    app.setQuitOnLastWindowClosed(False)
    if db is None and startup_problem is None:
        db = default_db()
    result: int = event_loop.run(run_lab(db, port, startup_problem, scenario))
    return result


async def run_lab(db: Path | None, port: int, startup_problem: str | None = None, scenario: Path | None = None) -> int:
    """Start the lab, show the window, and close the lab cleanly once the window is closed.

    Ctrl+C in the terminal, or a SIGTERM from a logout or `kill`, closes the window like Ctrl+Q,
    so the recorder writes its last frames; the handlers are in place before the session starts.
    It does not ask about running transactions (nobody may be there to answer): they end as at a
    power cut, as when Quit is confirmed.
    """
    stop = asyncio.Event()
    previous = {sig: signal.signal(sig, lambda _signum, _frame: stop.set()) for sig in STOP_SIGNALS}
    try:
        return await _run_window(db, port, stop, startup_problem, scenario)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


async def _run_window(
    db: Path | None, port: int, stop: asyncio.Event, startup_problem: str | None, scenario: Path | None = None
) -> int:
    from ocpplab_desktop.engine.lab import Lab
    from ocpplab_desktop.gui.app import MainWindow
    from ocpplab_desktop.store.errors import StoreError

    if startup_problem is not None or db is None:
        return startup_failed(startup_problem or "no session database")
    lab = Lab(
        db_path=db,
        csms_port=port,
        session_name=f"Window {datetime.now().astimezone():%Y-%m-%d %H:%M}",  # the stations are added at close
        csms_port_fallback=True,
        keep_workspace=True,
        name_with_stations=True,
        # Cyclic garbage is collected only in this (the GUI) thread, by the lab's clock task: an
        # automatic collection triggered in the store's writer thread or an import worker would
        # destroy any Qt object caught in a cycle there ("Timers cannot be stopped from another
        # thread", or a crash). Survivors are frozen out of later collections (engine/heap.py):
        # with 2,000 stations charging, full collections had paused the window for up to 0.9 s.
        manage_heap=True,
    )
    try:
        await lab.start()
    except (OSError, StoreError) as exc:
        await lab.close()
        return startup_failed(str(exc))
    if port and lab.csms is not None and lab.csms.port != port:
        print(f"port {port} is taken; the embedded CSMS listens on {lab.csms_url} instead", file=sys.stderr)

    window = MainWindow(lab)
    closed = asyncio.Event()
    window.closed.connect(closed.set)
    window.show()
    if scenario is not None:
        window.demo.play_file(scenario)
    stop_requested = asyncio.ensure_future(stop.wait())
    stop_requested.add_done_callback(lambda _done: window.workspace_ui.quit_without_asking())
    try:
        await closed.wait()
    finally:
        stop_requested.cancel()
        await window.close_tasks()
        saved = await close_lab(lab)
        gc.collect()
        gc.enable()
    return EXIT_OK if saved else EXIT_FAILED


def startup_failed(problem: str) -> int:
    """Say why the lab could not start: on stderr, and in a dialog when there is a screen to show it on."""
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtWidgets import QMessageBox

    message = f"The lab could not start: {problem}"
    print(message, file=sys.stderr)
    if QGuiApplication.platformName() not in HEADLESS_PLATFORMS:
        QMessageBox.critical(None, APP_NAME, f"{message}\n\nTry another port with --port, or another --db file.")
    return EXIT_USAGE


async def close_lab(lab: Lab) -> bool:
    """Stop the stations and the CSMS, write the last frames; False (and a message) if the store failed."""
    from ocpplab_desktop.store.errors import StoreError

    try:
        await lab.close()
    except StoreError as exc:
        print(f"The session could not be saved completely: {exc}", file=sys.stderr)
        return False
    return True
