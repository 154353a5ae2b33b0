"""Command-line options checked at the door: each bad value is one line naming the option and what to give.

The argparse types refuse a value before anything starts (argparse exits with status 2); the
database is checked before the lab opens it, so that a read-only file is refused for what it is
(a permission, not disk space or a lock) and no session is started half.
"""

from __future__ import annotations

import argparse
import math
import os
from collections.abc import Coroutine
from pathlib import Path
from typing import Any, TypeVar

from ocpplab_desktop.commands.exit_status import CommandError
from ocpplab_desktop.csms.server import MAX_PORT
from ocpplab_desktop.engine import event_loop
from ocpplab_desktop.model.clock import MAX_SPEED
from ocpplab_desktop.model.config import csms_url_problem
from ocpplab_desktop.paths import default_db

DEFAULT_PORT = 9000
"""The embedded CSMS's port unless one is given."""


def speed(text: str) -> float:
    """--speed: simulated seconds per real second, 1 to MAX_SPEED (0 would pause the clock for good)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number; give 1 to {MAX_SPEED:g}") from None
    if not (math.isfinite(value) and 1 <= value <= MAX_SPEED):
        raise argparse.ArgumentTypeError(
            f"{text} is not a speed from 1 to {MAX_SPEED:g} (simulated seconds per real second)"
        )
    return value


def port(text: str) -> int:
    """--port: 0 to 65535, 0 for any free port."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a port number; give 1 to {MAX_PORT}, or 0") from None
    if not 0 <= value <= MAX_PORT:
        raise argparse.ArgumentTypeError(f"{value} is not a port: give 1 to {MAX_PORT}, or 0 for any free port")
    return value


def csms_url(text: str) -> str:
    """--csms: a ws:// or wss:// URL the WebSocket client can use."""
    from ocpplab_desktop.model.station_form import url_problem  # the builder's rules: templates, device model

    problem = url_problem(text)
    message = problem.message if problem is not None else csms_url_problem(text)
    if message is not None:
        raise argparse.ArgumentTypeError(message)
    return text


def database(path: Path | None) -> Path:
    """The session database a command writes: `path`, else the lab's own (its data folder is created)."""
    if path is not None:
        return path
    try:
        return default_db()
    except OSError as exc:
        raise CommandError(
            f"cannot create the lab's data folder {exc.filename}: {exc.strerror}; give a database file with --db"
        ) from exc


def check_database(path: Path) -> None:
    """Refuse a session database path the command could not write, before anything is written.

    SQLite keeps its write-ahead log beside the database, so the folder must be writable too.
    What only SQLite can tell (not a database, a newer schema) is the store's to say when it opens.
    """
    where = f"session database {path}"
    if path.is_dir():
        raise CommandError(f"{where}: is a folder; give a database file, e.g. {path / 'ocpplab.db'}")
    folder = path.absolute().parent
    if not folder.is_dir():
        raise CommandError(f"{where}: the folder {folder} does not exist; create it or choose another file")
    if path.exists() and not os.access(path, os.R_OK | os.W_OK):
        raise CommandError(
            f"{where}: permission denied, this user cannot write it; make it writable or choose another file"
        )
    if not os.access(folder, os.W_OK | os.X_OK):
        raise CommandError(
            f"{where}: permission denied, this user cannot write in {folder} (SQLite keeps its log beside "
            "the database); choose a file in a writable folder"
        )


T = TypeVar("T")


def run_engine(main: Coroutine[Any, Any, T]) -> T:
    """Run a command's engine on the headless event loop (uvloop where installed; see engine/event_loop.py)."""
    try:
        return event_loop.run(main)
    except event_loop.LoopChoiceError as exc:
        raise CommandError(str(exc)) from None
