"""Is the program that recorded a session still running? How a crashed session is told apart.

A recording session's row names its recorder: the process id, the host, and `last_seen`, which
the recorder's writer thread renews about every second. A session without an end belongs to
a live recorder when that process still runs on this host and its sign of life is recent; on
another host (a database on a shared folder) only the sign of life can tell. Anything else
was left open by a program that ended without closing it: a crash, a kill -9, a power cut.
"""

from __future__ import annotations

import os
import socket
import sys
from datetime import datetime

HEARTBEAT_S = 1.0
"""How often a recorder renews its session's `last_seen`, at least."""
STALE_AFTER_S = 10.0
"""A session whose `last_seen` is older than this has no live recorder, even if its process id
is in use (process ids are reused) or it was recorded on another host."""

HOST = socket.gethostname()


def process_alive(pid: int) -> bool:
    """Whether a process with this id runs on this machine (a zombie, dead but not reaped, does not)."""
    if pid <= 0:
        return False
    if sys.platform == "win32":
        return _windows_process_alive(pid)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # it exists, under another user
        return True
    try:
        with open(f"/proc/{pid}/stat", "rb") as stat:
            # The state follows the parenthesised command name, which may itself hold ") ".
            return stat.read().rsplit(b") ", 1)[1][:1] != b"Z"
    except (OSError, IndexError):  # no /proc (macOS): the signal test is all there is
        return True


def _windows_process_alive(pid: int) -> bool:
    # os.kill(pid, 0) would terminate the process on Windows; ask for its exit code instead.
    import ctypes

    process_query_limited_information, still_active = 0x1000, 259
    kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined,unused-ignore]
    handle = kernel32.OpenProcess(process_query_limited_information, False, pid)
    if not handle:
        return False
    try:
        code = ctypes.c_ulong()
        return bool(kernel32.GetExitCodeProcess(handle, ctypes.byref(code))) and code.value == still_active
    finally:
        kernel32.CloseHandle(handle)


def recorder_alive(pid: int | None, host: str | None, last_seen: str | None, now: datetime) -> bool:
    """Whether the recorder a session row names is still at work (see the module's docstring)."""
    if pid == os.getpid() and host == HOST:
        return True
    if last_seen is None or (now - datetime.fromisoformat(last_seen)).total_seconds() > STALE_AFTER_S:
        return False
    return host != HOST or (pid is not None and process_alive(pid))
