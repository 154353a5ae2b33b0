"""The CSMS console's words without a window: station rows, answers, failures and the history."""

from __future__ import annotations

import time

import pytest

from ocpplab_desktop.csms.commands import NotForThisVersion
from ocpplab_desktop.csms.console_text import (
    HistoryEntry,
    command_label,
    connector_summary,
    describe_arguments,
    describe_failure,
    short_answer,
    station_row,
)
from ocpplab_desktop.csms.server import StationNotConnected
from ocpplab_desktop.csms.state import ConnectorStatus, StationState, Transaction, TransactionStatus
from ocpplab_desktop.model.config import OcppVersion
from ocpplab_desktop.protocol.errors import CallErrorReceived, CallTimeout, InvalidResponse, NotConnected, RpcError
from ocpplab_desktop.protocol.logbook import SUMMARY_LIMIT

V16, V201 = OcppVersion.V16, OcppVersion.V201
SENT_AT = time.mktime((2026, 12, 2, 14, 5, 9, 0, 0, -1))  # 14:05:09 local time


def test_a_16_station_lists_its_connectors_without_connector_0_which_only_the_details_show() -> None:
    state = StationState("CP-1", V16)
    state.connectors[2] = ConnectorStatus("Available", "NoError", "2026-12-02T14:00:00Z")
    state.connectors[0] = ConnectorStatus("Available")
    state.connectors[1] = ConnectorStatus("Faulted", "GroundFailure")
    summary, details = connector_summary(state)
    assert summary == "1: Faulted, 2: Available"
    assert details.splitlines() == [
        "0: Available",
        "1: Faulted (GroundFailure)",
        "2: Available at 2026-12-02T14:00:00Z",
    ]


def test_a_201_station_names_its_connectors_evse_slash_connector() -> None:
    state = StationState("CS-1", V201)
    state.evse_connectors[(2, 1)] = ConnectorStatus("Occupied")
    state.evse_connectors[(1, 1)] = ConnectorStatus("Available")
    assert connector_summary(state) == ("1/1: Available, 2/1: Occupied", "1/1: Available\n2/1: Occupied")


def test_a_station_that_reported_nothing_shows_dashes() -> None:
    row = station_row(StationState("CP-NEW", V16))
    assert (row.connectors, row.last_heartbeat, row.transactions, row.registration) == ("—", "—", "—", None)


def test_the_row_lists_only_the_transactions_still_running() -> None:
    state = StationState("CP-1", V16, connected=True, registration="Accepted", last_heartbeat=SENT_AT)
    state.transactions[1] = Transaction(1, "CP-1", 1, status=TransactionStatus.ENDED)
    state.transactions[2] = Transaction(2, "CP-1", 1)
    state.transactions[3] = Transaction(3, "CP-1", 2)
    row = station_row(state)
    assert (row.transactions, row.registration, row.last_heartbeat) == ("2, 3", "Accepted", "14:05:09")


@pytest.mark.parametrize(
    ("failure", "reads"),
    [
        (
            CallErrorReceived("Reset", "NotSupported", "Reset is not supported here", {}),
            "CALLERROR NotSupported: Reset is not supported here",
        ),
        (
            CallErrorReceived("Reset", "InternalError", "", {"why": "busy"}),
            'CALLERROR InternalError: (no description) {"why": "busy"}',
        ),
        (CallTimeout("no answer to Reset within 30 s"), "Timeout: no answer to Reset within 30 s; is the station"),
        (StationNotConnected("CP-9 is not connected"), "Not connected: CP-9 is not connected. Connect the station"),
        (NotConnected("link closed"), "Not sent, the connection is down: link closed"),
        (NotForThisVersion("GetVariables is 2.0.1 only"), "Not for this station: GetVariables is 2.0.1 only"),
        (InvalidResponse("missing status"), "Invalid answer: missing status"),
        (RpcError("FormationViolation", "idTag too long"), "Not sent, the request is invalid (FormationViolation)"),
        (KeyError("oops"), "Failed with KeyError: 'oops'"),
    ],
    ids=lambda value: type(value).__name__ if isinstance(value, BaseException) else "",
)
def test_each_failure_reads_as_what_went_wrong(failure: BaseException, reads: str) -> None:
    assert describe_failure(failure).startswith(reads)


@pytest.mark.parametrize(
    ("answer", "reads"),
    [
        ({"status": "Accepted"}, "Accepted"),
        ({"getVariableResult": [{"attributeStatus": "Accepted", "attributeValue": "300"}]}, "attributeStatus=Accepted"),
        ({"configurationKey": []}, "an empty list"),
        ({}, "an empty answer"),
        ({"status": "Accepted", "statusInfo": {"reasonCode": "Busy"}}, "status=Accepted statusInfo.reasonCode=Busy"),
    ],
)
def test_an_answer_reads_in_a_few_words(answer: dict[str, object], reads: str) -> None:
    assert short_answer(answer).startswith(reads)


def test_a_long_answer_is_cut_to_the_summary_limit() -> None:
    answer = {"configurationKey": [{"key": f"Key{n}", "value": "x" * 30} for n in range(20)]}
    text = short_answer(answer)
    assert len(text) == SUMMARY_LIMIT and text.endswith("…")


def test_arguments_read_as_name_value_pairs_leaving_out_the_unset_ones() -> None:
    arguments = {"id_token": "TAG-1", "connector_id": None, "evse_id": 2}
    assert describe_arguments(arguments) == "id_token=TAG-1, evse_id=2"
    items = {"items": [{"component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "HeartbeatInterval"}}]}
    assert describe_arguments(items) == "items=component.name=OCPPCommCtrlr variable.name=HeartbeatInterval"


def test_a_command_is_named_by_the_action_it_sends_in_the_stations_version() -> None:
    assert command_label("remote_start", V16) == "RemoteStartTransaction"
    assert command_label("remote_start", V201) == "RequestStartTransaction"


def test_a_history_entry_reads_as_waiting_then_as_its_answer() -> None:
    entry = HistoryEntry("CP-1", "Reset", "kind=Soft", SENT_AT)
    assert entry.sent_text() == "Sent Reset to CP-1; waiting for the answer…"
    assert entry.outcome_text() == "Reset to CP-1: waiting for the answer…"
    assert entry.line() == "14:05:09  CP-1  Reset kind=Soft → waiting for the answer…"
    entry.answered({"status": "Accepted"})
    assert entry.ok is True
    assert entry.outcome_text() == "Reset to CP-1: Accepted"
    assert entry.line() == "14:05:09  CP-1  Reset kind=Soft → Accepted"
    assert entry.answer == '{\n  "status": "Accepted"\n}'


def test_a_failed_or_cancelled_entry_says_so() -> None:
    failed = HistoryEntry("CP-1", "Reset", "", SENT_AT)
    failed.failed(CallTimeout("no answer to Reset within 30 s"))
    assert failed.ok is False
    assert failed.outcome_text().startswith("Reset to CP-1 failed. Timeout: no answer")
    assert failed.line().startswith("14:05:09  CP-1  Reset → Timeout")
    cancelled = HistoryEntry("CP-1", "Reset", "", SENT_AT)
    cancelled.cancelled()
    assert cancelled.outcome_text() == "Reset to CP-1 failed. cancelled before the station answered"
