"""What the exit status of an `ocpplab` command means: one table for the code, `--help` and the README.

CI runs `ocpplab run` and must tell a broken set-up (2) and an unreachable CSMS (3) from a CSMS
that misbehaved (1). A command that cannot go on raises `CommandError`: one line saying what is
wrong, where, and what to do, and the status of that kind of failure.
"""

from __future__ import annotations

from enum import IntEnum


class ExitStatus(IntEnum):
    OK = 0
    FAILED = 1
    USAGE = 2
    UNREACHABLE = 3


MEANINGS: dict[ExitStatus, str] = {
    ExitStatus.OK: "every expectation held (the command did what it was asked)",
    ExitStatus.FAILED: "an expectation failed: the CSMS or the station misbehaved (sessions: done only in part)",
    ExitStatus.USAGE: "usage or input error: a bad file, option, URL, port or database; nothing was run",
    ExitStatus.UNREACHABLE: (
        "could not reach the CSMS, or lost it and never got it back "
        "(connection refused, DNS, TLS verification, HTTP status of the handshake)"
    ),
}


def exit_status_help() -> str:
    """The exit statuses as `--help` and the README list them."""
    return "exit status:\n" + "\n".join(f"  {int(status)}  {meaning}" for status, meaning in MEANINGS.items())


class CommandError(Exception):
    """A command cannot go on; the message is one line for the user, `status` says which kind of failure."""

    def __init__(self, message: str, status: ExitStatus = ExitStatus.USAGE) -> None:
        super().__init__(message)
        self.status = status
