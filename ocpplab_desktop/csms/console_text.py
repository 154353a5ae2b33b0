"""What the CSMS console says, without Qt: its station table's cells and how an operator command went.

The console (gui/csms_console.py) shows these strings; they are made here so that the wording
of an answer, of a failure and of a station's connectors is one function each, tested without
a window. A failure reads as what went wrong and, where there is something to do, what to do.
"""

from __future__ import annotations

import json
import time
from dataclasses import dataclass
from typing import Any

from ocpplab_desktop.csms.commands import NotForThisVersion
from ocpplab_desktop.csms.server import COMMANDS, StationNotConnected
from ocpplab_desktop.csms.state import StationState
from ocpplab_desktop.model.config import OcppVersion
from ocpplab_desktop.protocol.errors import CallErrorReceived, CallTimeout, InvalidResponse, NotConnected, RpcError
from ocpplab_desktop.protocol.logbook import SUMMARY_LIMIT, payload_summary, truncate

NONE = "—"
"""A cell with nothing to show."""
WAITING = "waiting for the answer…"

# What a command can run into in a working lab; anything else is a bug, and is logged as one.
EXPECTED_FAILURES = (CallErrorReceived, CallTimeout, NotConnected, NotForThisVersion, InvalidResponse, RpcError)


# --- the station table ---------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class StationRow:
    """One table row: what the CSMS knows of a station, as display text."""

    station_id: str
    version: OcppVersion
    connected: bool
    registration: str | None
    last_heartbeat: str
    connectors: str
    connector_details: str  # the tooltip: every status with its error code and time
    transactions: str


def connector_summary(state: StationState) -> tuple[str, str]:
    """("1: Charging, 2: Available", one line per connector with error code and time) for a station.

    A station's state holds the statuses of its version only: 1.6 by connectorId, 2.0.1 by
    EVSE and connector, named evse/connector. 1.6 connector 0 (the whole charge point) goes to
    the details only: its state shows in the connectors' own statuses.
    """
    named = [(str(number), status) for number, status in sorted(state.connectors.items())]
    named += [(f"{evse}/{number}", status) for (evse, number), status in sorted(state.evse_connectors.items())]
    summary = ", ".join(f"{name}: {status.status}" for name, status in named if name != "0")
    details = "\n".join(
        f"{name}: {status.status}"
        + (f" ({status.error_code})" if status.error_code not in (None, "NoError") else "")
        + (f" at {status.timestamp}" if status.timestamp else "")
        for name, status in named
    )
    return summary or NONE, details


def _clock(wall_time: float) -> str:
    return time.strftime("%H:%M:%S", time.localtime(wall_time))


def station_row(state: StationState) -> StationRow:
    summary, details = connector_summary(state)
    return StationRow(
        station_id=state.station_id,
        version=state.version,
        connected=state.connected,
        registration=str(state.registration) if state.registration is not None else None,
        last_heartbeat=_clock(state.last_heartbeat) if state.last_heartbeat is not None else NONE,
        connectors=summary,
        connector_details=details,
        transactions=", ".join(str(t.id) for t in state.active_transactions()) or NONE,
    )


# --- commands and what came of them --------------------------------------------------------------
def command_label(command: str, version: OcppVersion) -> str:
    """A command as the action it sends to a station of `version`, e.g. RequestStartTransaction."""
    return str(COMMANDS[command].actions[version])


def _brief(value: Any) -> str:
    """A value in one line: objects as `key=value` fields, lists as their items separated by ';'."""
    if isinstance(value, dict):
        return payload_summary(value)
    if isinstance(value, list):
        return "; ".join(_brief(item) for item in value)
    return str(value)


def describe_arguments(arguments: dict[str, Any]) -> str:
    """A command's arguments for the history, e.g. `id_token=TAG-1, connector_id=1`."""
    text = ", ".join(f"{name}={_brief(value)}" for name, value in arguments.items() if value is not None)
    return truncate(text, SUMMARY_LIMIT)


def short_answer(answer: dict[str, Any]) -> str:
    """An answer in a few words: its status when that is all it says (most answers), else its fields."""
    if list(answer) == ["status"]:
        return str(answer["status"])
    if len(answer) == 1 and isinstance(only := next(iter(answer.values())), list):
        return truncate(_brief(only), SUMMARY_LIMIT) or "an empty list"
    return truncate(payload_summary(answer), SUMMARY_LIMIT) or "an empty answer"


def describe_failure(exc: BaseException) -> str:
    """What went wrong with a command, in a sentence that says what to do where there is something to do."""
    if isinstance(exc, CallErrorReceived):
        details = f" {json.dumps(exc.details, ensure_ascii=False)}" if exc.details else ""
        return f"CALLERROR {exc.code}: {exc.description or '(no description)'}{details}"
    if isinstance(exc, CallTimeout):
        return f"Timeout: {exc}; is the station busy or stalled?"
    if isinstance(exc, StationNotConnected):
        return f"Not connected: {exc}. Connect the station, then send again."
    if isinstance(exc, NotConnected):
        return f"Not sent, the connection is down: {exc}"
    if isinstance(exc, NotForThisVersion):
        return f"Not for this station: {exc}"
    if isinstance(exc, InvalidResponse):
        return f"Invalid answer: {exc}"
    if isinstance(exc, RpcError):
        return f"Not sent, the request is invalid ({exc.code}): {exc.description}"
    return f"Failed with {type(exc).__name__}: {exc}"


@dataclass
class HistoryEntry:
    """A command sent from the console and, once known, its outcome."""

    station_id: str
    action: str
    arguments: str
    sent_at: float
    ok: bool | None = None  # None while waiting for the answer
    outcome: str = WAITING
    answer: str = ""  # pretty JSON of the answer payload

    def answered(self, answer: dict[str, Any]) -> None:
        self.ok, self.outcome = True, short_answer(answer)
        self.answer = json.dumps(answer, indent=2, ensure_ascii=False)

    def failed(self, exc: BaseException) -> None:
        self.ok, self.outcome = False, describe_failure(exc)

    def cancelled(self) -> None:
        self.ok, self.outcome = False, "cancelled before the station answered"

    def line(self) -> str:
        """The history's line: when, to whom, what, and what came of it."""
        request = f"{self.action} {self.arguments}" if self.arguments else self.action
        return f"{_clock(self.sent_at)}  {self.station_id}  {request} → {self.outcome}"

    def sent_text(self) -> str:
        """The outcome line just after sending."""
        return f"Sent {self.action} to {self.station_id}; {WAITING}"

    def outcome_text(self) -> str:
        """The outcome line for this command: waiting, its answer in a few words, or why it failed."""
        if self.ok is None:
            return f"{self.action} to {self.station_id}: {WAITING}"
        if self.ok:
            return f"{self.action} to {self.station_id}: {self.outcome}"
        return f"{self.action} to {self.station_id} failed. {self.outcome}"
