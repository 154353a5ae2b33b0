"""Every fault kind of issue #14, for both OCPP versions and each side it applies to, end to end.

A real lab (the simulated clock at x100) with its embedded mock CSMS on a loopback websocket and
a SQLite session file. Each test injects through the engine's one vocabulary (`engine.faults`)
on one end and checks (a) what the other end received or did, from the frames both taps
published and the mock CSMS's state, and (b) what the session database stored: the frame rows
with their fault note and intended text, and the "fault" events. `sender` names the end that
sends the frames a fault touches; the other end is the receiver.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from labs import started_lab
from waits import until

from ocpplab_desktop.engine import faults
from ocpplab_desktop.engine.faults import FaultSpec
from ocpplab_desktop.engine.lab import Lab
from ocpplab_desktop.engine.station import Station, StationOptions
from ocpplab_desktop.model.config import OcppVersion
from ocpplab_desktop.model.connector import UserAction
from ocpplab_desktop.model.events import StationEvent
from ocpplab_desktop.model.templates import load_template
from ocpplab_desktop.protocol import faults as wire_faults
from ocpplab_desktop.protocol.endpoint import Endpoint
from ocpplab_desktop.protocol.errors import CallErrorReceived, CallTimeout
from ocpplab_desktop.protocol.frame import Direction, Frame, MessageType, Side

V16, V201 = OcppVersion.V16, OcppVersion.V201
VERSIONS = [V16, V201]
SENDERS = ["station", "csms"]
TEMPLATES = {V16: "ac-22kw-wallbox", V201: "ac-22kw-wallbox-v201"}
VENDOR = "ocpplab.test"
TIMEOUT_S = 1.0
"""The response timeout of both ends, in real seconds: a lost frame costs no more than this."""


# --- the lab ---------------------------------------------------------------------------------------
@asynccontextmanager
async def running_lab(db_path: Path) -> AsyncIterator[Lab]:
    async with started_lab(db_path) as lab:
        assert lab.csms is not None
        # No heartbeat during a test (an hour at x100 is 36 real seconds): it would be one frame more
        # on a link whose next frame a fault takes.
        lab.csms.policy.heartbeat_interval = 3600
        lab.csms.policy.response_timeout = TIMEOUT_S
        yield lab


@pytest.fixture
async def lab(tmp_path: Path) -> AsyncIterator[Lab]:
    async with running_lab(tmp_path / "lab.db") as lab:
        yield lab


async def registered(lab: Lab, version: OcppVersion, sid: str = "KIND-1") -> Station:
    config = replace(load_template(TEMPLATES[version]), id=sid)
    # At x100 a response timeout of 1 s on the station's clock would be 10 ms: the station waits 1 real second.
    station = lab.add_station(config, options=StationOptions(response_timeout_s=TIMEOUT_S))
    await until(lambda: station.registration == "Accepted", timeout=20)
    return station


@pytest.fixture
async def station(lab: Lab, version: OcppVersion) -> Station:
    """A station of the test's `version`, registered with the lab's CSMS before the test begins."""
    return await registered(lab, version)


def csms_of(lab: Lab) -> Any:
    assert lab.csms is not None
    return lab.csms


def seen(lab: Lab) -> list[Any]:
    return lab.seen  # type: ignore[attr-defined, no-any-return]


def frames(lab: Lab, side: Side | None = None) -> list[Frame]:
    return [e for e in seen(lab) if isinstance(e, Frame) and (side is None or e.side is side)]


def events(lab: Lab, kind: str) -> list[StationEvent]:
    return [e for e in seen(lab) if isinstance(e, StationEvent) and e.kind == kind]


def stored(lab: Lab, sql: str, *args: Any) -> list[tuple[Any, ...]]:
    assert lab.recorder is not None and lab.db_path is not None
    lab.recorder.flush()
    with sqlite3.connect(lab.db_path) as db:
        return db.execute(sql, args).fetchall()


def fault_events_stored(lab: Lab) -> list[str]:
    return [detail for (detail,) in stored(lab, "SELECT detail FROM events WHERE kind = 'fault' ORDER BY id")]


# --- the two ends ---------------------------------------------------------------------------------
def other(sender: str) -> str:
    return "csms" if sender == "station" else "station"


def by_sender(variants: dict[str, Any] | None = None) -> list[Any]:
    """A case (version, sender[, variant]) for each version and each end sending, times each of
    `variants`, which are named by their id's suffix."""
    if variants is None:
        return [pytest.param(v, s, id=f"{v}-by-{s}") for v in VERSIONS for s in SENDERS]
    return [
        pytest.param(v, s, value, id=f"{v}-by-{s}-{name}")
        for v in VERSIONS for s in SENDERS for name, value in variants.items()
    ]  # fmt: skip


def way(sender: str) -> Direction:
    """The direction in which `sender` sends."""
    return Direction.TO_CSMS if sender == "station" else Direction.TO_STATION


def endpoint_of(lab: Lab, station: Station, end: str) -> Endpoint:
    return station.endpoint if end == "station" else csms_of(lab).endpoint(station.id)


async def data_transfer(lab: Lab, station: Station, sender: str, data: str) -> dict[str, Any]:
    """A DataTransfer CALL from `sender` (both ends may send one: 1.6 4.3/5.6, 2.0.1 P01/P02); its answer."""
    payload = {"vendorId": VENDOR, "data": data}
    if sender == "station":
        return await station.send("DataTransfer", payload)
    return await csms_of(lab).send(station.id, "DataTransfer", payload, timeout=TIMEOUT_S)


def calls_with(lab: Lab, side: Side, data: str) -> list[Frame]:
    """The DataTransfer CALLs carrying `data` that `side`'s tap published."""
    return [
        f for f in frames(lab, side)
        if f.message_type is MessageType.CALL and f.action == "DataTransfer" and isinstance(f.payload, dict)
        and f.payload.get("data") == data
    ]  # fmt: skip


def answers_to(lab: Lab, side: Side, uid: str | None, *, by: str, after: int = 0) -> list[Frame]:
    """CALLRESULTs and CALLERRORs to `uid` sent by `by`, as `side`'s tap published them after seq `after`."""
    return [
        f for f in frames(lab, side)
        if f.unique_id == uid and f.seq > after and f.direction is way(by)
        and f.message_type in (MessageType.CALLRESULT, MessageType.CALLERROR)
    ]  # fmt: skip


def link_drops(lab: Lab) -> list[StationEvent]:
    return events(lab, "disconnected") + events(lab, "csms.disconnected")


# --- malformed frames, every form, both versions, either end --------------------------------------
ANSWERED = "a CALLRESULT"
IGNORED = None
MALFORMED_REPLY: dict[str, dict[OcppVersion, str | None]] = {
    # 1.6J 4.2.3 / 2.0.1 part 4 4.2.3 and 4.3. Text that is not JSON, with a readable MessageId: answered
    # to that id; 1.6 "not conform the PDU structure", 2.0.1 "syntactically incorrect".
    "invalid_json": {V16: "FormationViolation", V201: "FormatViolation"},
    # An unknown MessageTypeId: 1.6J 4.1.3 "SHALL ignore the message payload"; 2.0.1 part 4 4.4 answers it
    # MessageTypeNotSupported.
    "wrong_type_id": {V16: IGNORED, V201: "MessageTypeNotSupported"},
    # 1.6 "Payload for Action is incomplete"; 2.0.1: a required field occurs less often than it must.
    "missing_field": {V16: "ProtocolError", V201: "OccurrenceConstraintViolation"},
    # Both: "at least one of the fields violates data type constraints".
    "wrong_field_type": {V16: "TypeConstraintViolation", V201: "TypeConstraintViolation"},
    # Both: "Requested Action is not known by receiver".
    "unknown_action": {V16: "NotImplemented", V201: "NotImplemented"},
    # A valid DataTransfer past websockets' default 1 MiB: within both ends' 4 MiB limit, answered as usual.
    "oversized": {V16: ANSWERED, V201: ANSWERED},
    # Message ids must be unique per sender (1.6J 4.1.4 / 2.0.1 part 4 4.1.4); the receiver is not asked to check.
    "reused_id": {V16: ANSWERED, V201: ANSWERED},
    # An answer to no CALL of the receiver's: nothing to settle, nothing to answer (an answer only follows a CALL).
    "result_without_call": {V16: IGNORED, V201: IGNORED},
    # The sender broke the one-CALL-at-a-time rule (4.1.1 of both); the receiver answers the CALL.
    "call_while_outstanding": {V16: ANSWERED, V201: ANSWERED},
}


def _message(raw: str) -> Any:
    return json.loads(raw)


def _not_json(raw: str) -> bool:
    try:
        json.loads(raw)
    except ValueError:
        return True
    return False


# Independent checks that the text the sender stored is of the form asked for.
SHAPE: dict[str, Callable[[str], bool]] = {
    "invalid_json": _not_json,
    "wrong_type_id": lambda raw: _message(raw)[0] not in (2, 3, 4),
    "missing_field": lambda raw: "vendorId" not in _message(raw)[3],
    "wrong_field_type": lambda raw: not isinstance(_message(raw)[3]["vendorId"], str),
    "unknown_action": lambda raw: _message(raw)[2] == "NoSuchAction",
    "oversized": lambda raw: len(raw.encode()) > 2**20 and _message(raw)[2] == "DataTransfer",
    "reused_id": lambda raw: _message(raw)[0] == 2,
    "result_without_call": lambda raw: _message(raw)[0] == 3 and len(_message(raw)) == 3,
    "call_while_outstanding": lambda raw: _message(raw)[0] == 2 and _message(raw)[2] == "DataTransfer",
}


MALFORMED_CASES = [
    pytest.param(version, form, sender, id=f"{version}-{form}-by-{sender}")
    for version in VERSIONS
    for form in wire_faults.KINDS
    for sender in SENDERS
]  # fmt: skip


@pytest.mark.parametrize(("version", "form", "sender"), MALFORMED_CASES)
async def test_a_malformed_frame_is_answered_as_the_rpc_framework_requires_and_stored_as_sent(
    lab: Lab, station: Station, version: OcppVersion, form: str, sender: str
) -> None:
    receiver = other(sender)
    assert await data_transfer(lab, station, sender, "before"), "each end has made a CALL: there is an id to reuse"
    outstanding: asyncio.Future[dict[str, Any]] | None = None
    first: str | None = None
    if form == "call_while_outstanding":
        # The receiver leaves the sender's next DataTransfer unanswered: it stays outstanding meanwhile.
        await faults.inject(lab, station.id, FaultSpec("silence", side=receiver, action="DataTransfer", count=1))
        outstanding = asyncio.ensure_future(data_transfer(lab, station, sender, "outstanding"))
        await until(lambda: endpoint_of(lab, station, sender).rpc.outstanding is not None)
        first = endpoint_of(lab, station, sender).rpc.last_call_id
    action = None if form in ("unknown_action", "result_without_call") else "DataTransfer"
    said = await faults.inject(lab, station.id, FaultSpec("malformed", side=sender, form=form, action=action))
    assert form in said

    note = f"fault: malformed {form}"
    (sent,) = [f for f in frames(lab, Side(sender)) if f.note == note]
    assert SHAPE[form](sent.raw), f"the frame sent is a {form}: {sent.raw[:120]}"
    if form == "reused_id":
        assert sent.unique_id in {f.unique_id for f in frames(lab, Side(sender)) if f.message_type is MessageType.CALL
                                  and f.seq < sent.seq}, "it reuses the id of an earlier CALL"  # fmt: skip
    if first is not None:
        assert sent.unique_id != first, "a second CALL, with an id of its own, while the first is outstanding"
    expected = MALFORMED_REPLY[form][version]
    back = Side(sender)
    if expected is IGNORED:
        # A round trip after it: an answer to the malformed frame would have come before this one's.
        assert await data_transfer(lab, station, sender, "after")
        assert answers_to(lab, Side(receiver), sent.unique_id, by=receiver, after=sent.seq) == []
        (got,) = [f for f in frames(lab, Side(receiver)) if f.raw == sent.raw]
        why = "ignored" if form == "wrong_type_id" else "no outstanding CALL"
        assert got.error is not None and why in got.error, "stored with why it was ignored"
    else:
        await until(lambda: bool(answers_to(lab, back, sent.unique_id, by=receiver, after=sent.seq)))
        (reply,) = answers_to(lab, Side(receiver), sent.unique_id, by=receiver, after=sent.seq)
        if expected == ANSWERED:
            assert reply.message_type is MessageType.CALLRESULT, reply.raw
        else:
            assert reply.message_type is MessageType.CALLERROR and reply.error_code == expected, reply.raw
        assert answers_to(lab, back, sent.unique_id, by=receiver, after=sent.seq)[0].raw == reply.raw, (
            "the sender received it"
        )
        assert await data_transfer(lab, station, sender, "after"), "the link is still up"
    if outstanding is not None:
        with pytest.raises(CallTimeout):
            await outstanding  # the answer to the second CALL is not taken for the first one's
    assert link_drops(lab) == [], "neither end dropped the link"

    rows = stored(lab, "SELECT side, raw FROM frames WHERE note = ?", note)
    assert rows == [(sender, sent.raw)], "the sender stored the malformed frame exactly as sent"
    (received,) = stored(lab, "SELECT error FROM frames WHERE side = ? AND raw = ?", receiver, sent.raw)
    valid = expected == ANSWERED
    assert (received[0] is None) is valid, f"the receiver stored it as received, with what was wrong: {received[0]}"
    assert any(f"sends a malformed frame ({form})" in detail for detail in fault_events_stored(lab))


# --- CALLERROR answers by the station to a CSMS command ------------------------------------------
CSMS_COMMANDS = [
    pytest.param(V16, "GetConfiguration", id="1.6-GetConfiguration"),
    pytest.param(V16, "RemoteStartTransaction", id="1.6-RemoteStartTransaction"),
    pytest.param(V201, "GetVariables", id="2.0.1-GetVariables"),
    pytest.param(V201, "RequestStartTransaction", id="2.0.1-RequestStartTransaction"),
]
# Codes only the station's own version has (1.6's spelling of "Occurence"; 2.0.1's RpcFrameworkError).
OWN_CODE = {V16: "OccurenceConstraintViolation", V201: "RpcFrameworkError"}


async def csms_command(lab: Lab, station: Station, action: str) -> dict[str, Any]:
    """The mock CSMS's operator command for `action`, through its command API."""
    csms = csms_of(lab)
    if action == "GetConfiguration":
        return await csms.get_configuration(station.id, ["HeartbeatInterval"])  # type: ignore[no-any-return]
    if action == "GetVariables":
        item = {"component": {"name": "OCPPCommCtrlr"}, "variable": {"name": "HeartbeatInterval"}}
        return await csms.get_variables(station.id, [item])  # type: ignore[no-any-return]
    if station.version is V16:
        return await csms.remote_start(station.id, "TAG-CE", connector_id=1)  # type: ignore[no-any-return]
    return await csms.remote_start(station.id, "TAG-CE", evse_id=1)  # type: ignore[no-any-return]


def answered_normally(action: str, answer: dict[str, Any]) -> bool:
    if action == "GetConfiguration":
        return [k["key"] for k in answer["configurationKey"]] == ["HeartbeatInterval"]
    if action == "GetVariables":
        return answer["getVariableResult"][0]["attributeStatus"] == "Accepted"
    return answer["status"] == "Accepted"


@pytest.mark.parametrize(("version", "action"), CSMS_COMMANDS)
async def test_the_station_answers_a_csms_command_with_the_injected_callerror_n_times_then_normally(
    lab: Lab, station: Station, version: OcppVersion, action: str
) -> None:
    code = OWN_CODE[version]
    spec = FaultSpec("callerror", action=action, code=code, description="injected", details={"why": "test"}, count=2)
    await faults.inject(lab, station.id, spec)
    for _ in range(2):
        with pytest.raises(CallErrorReceived) as failure:
            await csms_command(lab, station, action)
        assert (failure.value.code, failure.value.description, failure.value.details) == (
            code,
            "injected",
            {"why": "test"},
        )
    assert answered_normally(action, await csms_command(lab, station, action)), "count 2: the third is answered"

    errors = stored(lab, "SELECT side, raw, note FROM frames WHERE message_type = 4 ORDER BY seq")
    assert [(side, note) for side, _, note in errors] == [("station", f"fault: CALLERROR {code}"), ("csms", None)] * 2
    assert errors[0][1] == errors[1][1] and f'"{code}","injected",{{"why":"test"}}' in errors[1][1], "received as sent"
    swallowed = stored(lab, "SELECT error FROM frames WHERE side = 'station' AND message_type = 2 AND action = ? "
                            "AND note IS NOT NULL", action)  # fmt: skip
    assert len(swallowed) == 2 and all(e.startswith("not delivered: answered with CALLERROR") for (e,) in swallowed)
    assert any(f"CALLERROR {code}" in d for d in fault_events_stored(lab))


# --- network faults on the frames one end sends ------------------------------------------------------
SIDES = by_sender()


@pytest.mark.parametrize(("version", "sender"), SIDES)
async def test_a_dropped_call_never_reaches_the_receiver_and_the_sender_times_out(
    lab: Lab, station: Station, version: OcppVersion, sender: str
) -> None:
    await faults.inject(lab, station.id, FaultSpec("drop", side=sender, action="DataTransfer", count=1))
    with pytest.raises(CallTimeout):
        await data_transfer(lab, station, sender, "lost")
    assert await data_transfer(lab, station, sender, "kept"), "count 1: the next one goes through"
    receiver = Side(other(sender))
    assert calls_with(lab, receiver, "lost") == [] and len(calls_with(lab, receiver, "kept")) == 1
    rows = stored(lab, "SELECT side, note, error FROM frames WHERE raw LIKE '%\"lost\"%'")
    assert len(rows) == 1 and rows[0][:2] == (sender, "fault: drop")
    assert rows[0][2].startswith("not sent: dropped by fault injection")
    assert any(d.startswith(f"{sender}: drop") for d in fault_events_stored(lab))


@pytest.mark.parametrize(("version", "sender"), SIDES)
async def test_a_duplicated_call_reaches_the_receiver_twice_and_the_second_answer_is_stored_as_late(
    lab: Lab, station: Station, version: OcppVersion, sender: str
) -> None:
    await faults.inject(lab, station.id, FaultSpec("duplicate", side=sender, action="DataTransfer", count=1))
    assert await data_transfer(lab, station, sender, "twice")
    receiver = other(sender)
    got = calls_with(lab, Side(receiver), "twice")
    assert len(got) == 2 and got[0].unique_id == got[1].unique_id
    uid = got[0].unique_id
    await until(lambda: len(answers_to(lab, Side(sender), uid, by=receiver)) == 2)
    assert len(answers_to(lab, Side(receiver), uid, by=receiver)) == 2, "the receiver answered both copies"
    late = answers_to(lab, Side(sender), uid, by=receiver)[1]
    assert late.error is not None and "no outstanding CALL" in late.error
    notes = stored(lab, "SELECT note FROM frames WHERE side = ? AND raw LIKE '%\"twice\"%' ORDER BY seq", sender)
    assert notes == [("fault: duplicate (original)",), ("fault: duplicate (copy)",)]


async def _delayed_once(lab: Lab, station: Station, sender: str, seed: int, data: str) -> float:
    """Delay the sender's next DataTransfer by 0.2 s +- 0.1 s drawn from `seed`; the delay its note names."""
    spec = FaultSpec("delay", side=sender, action="DataTransfer", seconds=0.2, jitter=0.1, seed=seed, count=1)
    await faults.inject(lab, station.id, spec)
    assert await data_transfer(lab, station, sender, data)
    (sent,) = calls_with(lab, Side(sender), data)
    assert sent.note is not None and sent.note.startswith("fault: delay ")
    delay = float(sent.note.removeprefix("fault: delay ").removesuffix(" s"))
    assert 0.1 <= delay <= 0.3
    (got,) = calls_with(lab, Side(other(sender)), data)
    # Frames are stamped when made (sender) and when read (receiver): the frame was held in between.
    assert got.mono_time - sent.mono_time >= delay - 0.001
    return delay


@pytest.mark.parametrize(("version", "sender"), SIDES)
async def test_a_delay_with_seeded_jitter_holds_the_frame_as_drawn_and_the_same_seed_draws_the_same(
    lab: Lab, station: Station, version: OcppVersion, sender: str
) -> None:
    first = await _delayed_once(lab, station, sender, 11, "first")
    again = await _delayed_once(lab, station, sender, 11, "again")
    other_seed = await _delayed_once(lab, station, sender, 12, "other")
    assert first == again != other_seed
    assert stored(lab, "SELECT count(*) FROM frames WHERE side = ? AND note LIKE 'fault: delay %'", sender) == [(3,)]


@pytest.mark.parametrize(("version", "sender"), SIDES)
async def test_a_reordered_call_reaches_the_receiver_after_the_frame_that_followed_it(
    lab: Lab, station: Station, version: OcppVersion, sender: str
) -> None:
    receiver = other(sender)
    await faults.inject(lab, station.id, FaultSpec("reorder", side=sender, action="DataTransfer", count=1))
    held = asyncio.ensure_future(data_transfer(lab, station, sender, "held back"))
    await until(lambda: endpoint_of(lab, station, sender).rpc.outstanding is not None)  # left the core: held
    # The receiver's own CALL: the sender's answer to it is the next frame that way, and overtakes.
    assert await data_transfer(lab, station, receiver, "overtaking")
    assert await held
    (call,) = calls_with(lab, Side(receiver), "held back")
    (overtaken_by,) = calls_with(lab, Side(receiver), "overtaking")
    (answer,) = answers_to(lab, Side(receiver), overtaken_by.unique_id, by=sender)
    assert answer.seq < call.seq or answer.mono_time <= call.mono_time
    arrived = [f.unique_id for f in frames(lab, Side(receiver)) if f.direction is way(sender)]
    assert arrived.index(answer.unique_id) < arrived.index(call.unique_id), "the answer arrived first"
    rows = stored(lab, "SELECT note FROM frames WHERE side = ? AND raw LIKE '%\"held back\"%'", sender)
    assert rows == [("fault: reorder (sent after the next frame)",)]


# Seed 0 cuts the text after the MessageId (still readable), seed 1 before its end.
CORRUPTIONS = by_sender({"id-kept": 0, "id-cut": 1})
BROKEN_CALL = {V16: "FormationViolation", V201: "FormatViolation"}


@pytest.mark.parametrize(("version", "sender", "seed"), CORRUPTIONS)
async def test_a_corrupted_call_is_stored_with_what_was_intended_and_answered_as_its_version_says(
    lab: Lab, station: Station, version: OcppVersion, sender: str, seed: int
) -> None:
    receiver = other(sender)
    await faults.inject(lab, station.id, FaultSpec("corrupt", side=sender, action="DataTransfer", count=1, seed=seed))
    outcome: BaseException | None = None
    try:
        await data_transfer(lab, station, sender, "broken on the way")
    except (CallTimeout, CallErrorReceived) as exc:
        outcome = exc
    (sent,) = [f for f in frames(lab, Side(sender)) if f.intended is not None]
    assert sent.intended is not None and '"broken on the way"' in sent.intended and _not_json(sent.raw)
    uid = json.loads(sent.intended)[1]
    readable = sent.raw.startswith(f'[2,"{uid}"')
    assert readable is (seed == 0)
    (got,) = [f for f in frames(lab, Side(receiver)) if f.raw == sent.raw]
    assert got.message_type is MessageType.INVALID
    replies = [f for f in frames(lab, Side(receiver)) if f.direction is way(receiver) and f.seq > got.seq
               and f.message_type is MessageType.CALLERROR]  # fmt: skip
    if readable:
        # The id can be read: a CALLERROR to it, which the sender takes as the answer to its CALL.
        assert isinstance(outcome, CallErrorReceived) and outcome.code == BROKEN_CALL[version]
        assert [(r.unique_id, r.error_code) for r in replies] == [(uid, BROKEN_CALL[version])]
    elif version is V201:
        # 2.0.1 part 4 4.2.3: a message whose id cannot be read is answered RpcFrameworkError to MessageId "-1".
        assert isinstance(outcome, CallTimeout)
        assert [(r.unique_id, r.error_code) for r in replies] == [("-1", "RpcFrameworkError")]
    else:
        # 1.6 has no way to answer a message without a readable id: the sender times out.
        assert isinstance(outcome, CallTimeout) and replies == []
    assert await data_transfer(lab, station, sender, "after"), "the link stayed up"
    assert stored(lab, "SELECT raw, intended, note FROM frames WHERE side = ? AND intended IS NOT NULL", sender) == [
        (sent.raw, sent.intended, "fault: corrupt (truncate)")
    ]
    assert stored(lab, "SELECT count(*) FROM frames WHERE side = ? AND raw = ?", receiver, sent.raw) == [(1,)]


@pytest.mark.parametrize(("version", "sender"), SIDES)
async def test_a_silent_receiver_leaves_the_call_unanswered_until_cleared(
    lab: Lab, station: Station, version: OcppVersion, sender: str
) -> None:
    receiver = other(sender)
    await faults.inject(lab, station.id, FaultSpec("silence", side=receiver, action="DataTransfer"))
    with pytest.raises(CallTimeout):
        await data_transfer(lab, station, sender, "unanswered")
    got, swallowed = calls_with(lab, Side(receiver), "unanswered")  # as read, then as the silence took it
    assert swallowed.seq == got.seq and swallowed.note == "fault: silence"
    assert answers_to(lab, Side(receiver), got.unique_id, by=receiver) == []
    rows = stored(lab, "SELECT note, error FROM frames WHERE side = ? AND raw LIKE '%\"unanswered\"%' ORDER BY seq",
                  receiver)  # fmt: skip
    assert rows[0] == (None, None), "stored as the wire carried it"
    assert rows[1][0] == "fault: silence" and rows[1][1].startswith("not delivered")
    assert faults.clear(lab, station.id) == 1
    assert await data_transfer(lab, station, sender, "answered")


CLOSES = by_sender({"clean": False, "abrupt": True})


@pytest.mark.parametrize(("version", "closer", "abrupt"), CLOSES)
async def test_a_closed_connection_is_seen_by_the_other_end_with_its_close_code_and_the_station_reconnects(
    lab: Lab, station: Station, version: OcppVersion, closer: str, abrupt: bool
) -> None:
    said = await faults.inject(lab, station.id, FaultSpec("close", side=closer, abrupt=abrupt))
    assert ("abruptly" in said) is abrupt
    # What the other end saw: a close frame 1000, or none at all (1006: closed abnormally, RFC 6455 7.1.5).
    seen_by_other = "csms.disconnected" if closer == "station" else "disconnected"
    await until(lambda: bool(events(lab, seen_by_other)))
    (gone,) = events(lab, seen_by_other)
    expected = "1000" if not abrupt else "1006"
    assert expected in gone.detail, gone.detail

    def boots() -> int:
        return sum(1 for f in frames(lab, Side.CSMS) if f.action == "BootNotification" and f.message[0] == 2)

    await until(lambda: boots() == 2 and station.registration == "Accepted", timeout=20)
    assert await data_transfer(lab, station, "station", "back")
    stored_events = stored(lab, "SELECT kind, detail FROM events WHERE kind = ?", seen_by_other)
    assert len(stored_events) == 1 and expected in stored_events[0][1]
    assert any(f"{closer}: closes the connection" in d for d in fault_events_stored(lab))


@pytest.mark.parametrize(("version", "silent"), SIDES)
async def test_an_end_that_stops_answering_pings_leaves_the_others_ping_unanswered(
    lab: Lab, station: Station, version: OcppVersion, silent: str
) -> None:
    pinger = other(silent)

    async def ping_then_round_trip(data: str) -> asyncio.Future[float]:
        connection = station.link.connection if pinger == "station" else csms_of(lab).connection(station.id)
        assert connection is not None
        pong: asyncio.Future[float] = await connection.ping()  # type: ignore[attr-defined]
        # The peer reads the ping before this CALL: its pong, if it sends one, comes before the answer.
        assert await data_transfer(lab, station, pinger, data)
        return pong

    await faults.inject(lab, station.id, FaultSpec("silence", side=silent, pings=True))
    assert not (await ping_then_round_trip("unanswered ping")).done()
    faults.clear(lab, station.id)
    assert (await ping_then_round_trip("answered ping")).done(), "cleared: the pong came before the answer"
    assert link_drops(lab) == []
    assert any(f"{silent}: stops answering WebSocket pings" in d for d in fault_events_stored(lab))


# --- what the station keeps, resends and reports under faults -----------------------------------------
TX_ACTION = {V16: "StartTransaction", V201: "TransactionEvent"}


def station_calls(lab: Lab, action: str, *, after: int = 0) -> list[Frame]:
    return [
        f for f in frames(lab, Side.STATION)
        if f.action == action and f.message_type is MessageType.CALL and f.seq > after and f.error is None
    ]  # fmt: skip


def csms_transaction(lab: Lab, station: Station, tx_id: str | None) -> Any:
    state = csms_of(lab).stations.get(station.id)
    found = [t for t in state.transactions.values() if str(t.id) == str(tx_id)] if state is not None else []
    return found[0] if found else None


def ended(lab: Lab, station: Station, tx_id: str | None) -> bool:
    tx = csms_transaction(lab, station, tx_id)
    return tx is not None and tx.status == "ended"


@pytest.mark.parametrize("version", VERSIONS)
async def test_a_transaction_message_whose_answer_is_lost_is_sent_again_and_the_transaction_completes(
    lab: Lab, station: Station, version: OcppVersion
) -> None:
    action = TX_ACTION[version]
    # The CSMS handles the first transaction message, but its answer never reaches the station.
    await faults.inject(lab, station.id, FaultSpec("drop", side="csms", action=action, count=1))
    c = station.connector(1, 1)
    await station.act(1, 1, UserAction.PLUG_IN)
    await station.act(1, 1, UserAction.PRESENT_TOKEN, token="TAG-RETRY")
    # 1.6 section 4.7 (TransactionMessageAttempts/RetryInterval), 2.0.1 E13 (MessageAttempts/AttemptInterval).
    await until(lambda: len(station_calls(lab, action)) >= 2 and c.tx_started and c.tx_id is not None, timeout=15)
    first, again = station_calls(lab, action)[:2]
    assert first.unique_id != again.unique_id and first.payload == again.payload, "the same message, sent again"
    (lost,) = [
        f for f in frames(lab, Side.CSMS) if f.unique_id == first.unique_id and f.direction is Direction.TO_STATION
    ]
    assert lost.message_type is MessageType.CALLRESULT and lost.note == "fault: drop"
    assert lost.error is not None and lost.error.startswith("not sent")
    assert answers_to(lab, Side.STATION, first.unique_id, by="csms") == [], "the station never got the first answer"
    assert len(answers_to(lab, Side.STATION, again.unique_id, by="csms")) == 1
    tx_id = c.tx_id
    # The CSMS saw the start twice: one transaction, the resend answered with the same id (1.6: the id is the
    # CSMS's; 2.0.1: the station's).
    assert lab.csms is not None
    assert len(lab.csms.stations[station.id].transactions) == 1
    assert str(next(iter(lab.csms.stations[station.id].transactions))) == str(tx_id)
    await station.act(1, 1, UserAction.STOP)
    await until(lambda: ended(lab, station, tx_id), timeout=15)
    assert not c.tx_started and station.queued == 0
    retries = stored(lab, "SELECT detail FROM events WHERE kind = 'tx_message_retry'")
    assert len(retries) == 1 and retries[0][0].startswith(f"{action} failed")
    assert stored(lab, "SELECT side, error FROM frames WHERE note = 'fault: drop'")[0][0] == "csms"


CURRENT = {V16: "Preparing", V201: "Occupied"}


def status_of_connector_1(frame: Frame) -> str | None:
    p = frame.payload
    if "connectorStatus" in p:  # 2.0.1 G01
        return p["connectorStatus"] if (p["evseId"], p["connectorId"]) == (1, 1) else None
    return p["status"] if p["connectorId"] == 1 else None


@pytest.mark.parametrize("version", VERSIONS)
async def test_status_changes_during_an_outage_are_not_queued_and_the_current_status_follows_the_reconnect(
    lab: Lab, station: Station, version: OcppVersion
) -> None:
    await station.disconnect()
    await until(lambda: not station.connected)
    mark = frames(lab)[-1].seq
    for step in (UserAction.PLUG_IN, UserAction.UNPLUG, UserAction.PLUG_IN):
        await station.act(1, 1, step)
    assert "StatusNotification" not in station.outbox.actions, "a status notification is not queued offline"
    assert station_calls(lab, "StatusNotification", after=mark) == []
    assert [f for f in frames(lab, Side.STATION) if f.seq > mark] == [], "nothing was even tried while offline"
    station.connect()
    await until(lambda: station.registration == "Accepted", timeout=20)
    reported = [s for f in station_calls(lab, "StatusNotification", after=mark) if (s := status_of_connector_1(f))]
    assert reported == [CURRENT[version]], "once, the current status: none of the changes in between"
    state = csms_of(lab).stations[station.id]
    got = state.connectors[1] if version is V16 else state.evse_connectors[(1, 1)]
    assert got.status == CURRENT[version]
    rows = stored(lab, "SELECT raw FROM frames WHERE side = 'csms' AND action = 'StatusNotification' "
                       "AND message_type = 2 AND seq > ?", mark)  # fmt: skip
    assert sum(f'"{CURRENT[version]}"' in raw for (raw,) in rows) == 1


@pytest.mark.parametrize("version", VERSIONS)
async def test_power_loss_mid_transaction_ends_it_with_reason_power_loss_after_the_power_up(
    lab: Lab, station: Station, version: OcppVersion
) -> None:
    c = station.connector(1, 1)
    await station.act(1, 1, UserAction.PLUG_IN)
    await station.act(1, 1, UserAction.PRESENT_TOKEN, token="TAG-PL")
    await until(lambda: c.tx_id is not None and csms_transaction(lab, station, c.tx_id) is not None, timeout=15)
    await until(lambda: station.queued == 0)
    tx_id = c.tx_id
    mark = frames(lab)[-1].seq
    said = await faults.inject(lab, station.id, FaultSpec("power_loss", seconds=30))
    assert "30" in said
    await until(lambda: bool(events(lab, "csms.disconnected")))
    assert "1006" in events(lab, "csms.disconnected")[0].detail, "no close frame: the power just went"
    await until(lambda: ended(lab, station, tx_id), timeout=20)

    after = [f for f in frames(lab, Side.STATION) if f.seq > mark and f.message_type is MessageType.CALL]
    assert after[0].action == "BootNotification", "nothing left the station before it booted again"
    tx = csms_transaction(lab, station, tx_id)
    assert tx.stop_reason == "PowerLoss"
    if version is V201:
        assert after[0].payload["reason"] == "PowerUp"
        (end,) = [f.payload for f in after if f.action == "TransactionEvent" and f.payload["eventType"] == "Ended"]
        assert end["transactionInfo"]["transactionId"] == tx_id
        assert end["transactionInfo"]["stoppedReason"] == "PowerLoss"
    else:
        (stop,) = [f.payload for f in after if f.action == "StopTransaction"]
        assert stop["reason"] == "PowerLoss" and stop["transactionId"] == int(tx_id or 0)
    kinds = [k for (k,) in stored(lab, "SELECT kind FROM events WHERE kind IN ('power_loss', 'power_up') ORDER BY id")]
    assert kinds == ["power_loss", "power_up"]
    assert any("power loss for 30" in d for d in fault_events_stored(lab))


@pytest.mark.parametrize("version", VERSIONS)
async def test_a_skewed_station_clock_shows_in_the_timestamps_the_csms_receives(
    lab: Lab, station: Station, version: OcppVersion
) -> None:
    await faults.inject(lab, station.id, FaultSpec("clock_skew", seconds=-3600))
    now = lab.clock.utc_now()
    before = now.replace(microsecond=now.microsecond // 1000 * 1000)  # OCPP timestamps carry milliseconds
    await station.act(1, 1, UserAction.PLUG_IN)
    state = csms_of(lab).stations[station.id]

    def status() -> Any:
        return state.connectors.get(1) if version is V16 else state.evse_connectors.get((1, 1))

    await until(lambda: status() is not None and status().status == CURRENT[version])
    after = lab.clock.utc_now()
    stamp = datetime.fromisoformat(status().timestamp.replace("Z", "+00:00"))
    skew = timedelta(seconds=-3600)
    assert before + skew <= stamp <= after + skew, (before, stamp, after)
    assert ("station", "clock -3600 s") in faults.active(lab, station.id)
    assert any("clock -3600 s" in d for d in fault_events_stored(lab))


# --- a seeded random plan ------------------------------------------------------------------------------
async def _plan(db_path: Path, version: OcppVersion, seed: int) -> list[tuple[str, str | None]]:
    """Ten CSMS DataTransfers whose answers cross a seeded plan (30 % loss, 10 +- 10 ms); what became of each."""
    async with running_lab(db_path) as lab:
        station = await registered(lab, version)
        spec = FaultSpec("drop", action="DataTransfer", rate=0.3, seconds=0.01, jitter=0.01, seed=seed)
        await faults.inject(lab, station.id, spec)
        outcomes = []
        for n in range(10):
            try:
                await csms_of(lab).send(station.id, "DataTransfer", {"vendorId": VENDOR, "data": f"n{n}"}, timeout=0.3)
                outcomes.append("answered")
            except CallTimeout:
                outcomes.append("lost")
        notes = stored(lab, "SELECT note FROM frames WHERE side = 'station' AND direction = 'to_csms' "
                            "AND action = 'DataTransfer' ORDER BY seq")  # fmt: skip
        assert len(notes) == 10
        return [(outcome, note) for outcome, (note,) in zip(outcomes, notes, strict=True)]


@pytest.mark.parametrize("version", VERSIONS)
async def test_a_seeded_network_plan_gives_the_same_sequence_twice(tmp_path: Path, version: OcppVersion) -> None:
    first = await _plan(tmp_path / "first.db", version, seed=5)
    again = await _plan(tmp_path / "again.db", version, seed=5)
    other_seed = await _plan(tmp_path / "other.db", version, seed=6)
    assert ("lost", "fault: random drop") in first and ("answered", None) not in first
    assert first == again
    assert first != other_seed
