"""The endpoint without sockets: feed frames in, read what it sends and what the tap published."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from ocpp.routing import on
from ocpp.v16 import call_result as r16
from ocpp.v201 import call_result as r201

from ocpplab_desktop.model.config import OcppVersion
from ocpplab_desktop.model.events import EventBus
from ocpplab_desktop.protocol.endpoint import Endpoint
from ocpplab_desktop.protocol.errors import CallErrorReceived, CallTimeout, InvalidResponse
from ocpplab_desktop.protocol.frame import Direction, Frame, MessageType, Side


class Wire:
    """The far end of the link: records what the endpoint sends."""

    def __init__(self) -> None:
        self.sent: list[Any] = []

    async def send(self, message: str) -> None:
        self.sent.append(json.loads(message))

    async def recv(self) -> str:
        await asyncio.Event().wait()
        return ""


class Handlers16:
    @on("Reset")
    def reset(self, type: str) -> r16.Reset:
        return r16.Reset(status="Accepted")

    @on("ChangeConfiguration")
    def change(self, key: str, value: str) -> r16.ChangeConfiguration:
        raise RuntimeError("disk full")


class Handlers201:
    @on("Reset")
    def reset(self, type: str, **_: Any) -> r201.Reset:
        return r201.Reset(status="Accepted")


def endpoint(version: OcppVersion) -> tuple[Endpoint, Wire, list[Frame]]:
    bus = EventBus()
    frames: list[Frame] = []
    bus.subscribe(frames.append)
    handlers = Handlers16() if version is OcppVersion.V16 else Handlers201()
    ep = Endpoint(station_id="CP", version=version, side=Side.STATION, handler=handlers, bus=bus, response_timeout=0.2)
    wire = Wire()
    ep.attach(wire)
    return ep, wire, frames


V16, V201 = OcppVersion.V16, OcppVersion.V201

CASES = [
    # (version, frame, expected CALLERROR code) - OCPP-J 1.6 section 4.2.3, 2.0.1 part 4 section 4.3
    (V16, '[2,"a","Reset",{}]', "ProtocolError"),
    (V201, '[2,"a","Reset",{}]', "OccurrenceConstraintViolation"),
    (V16, '[2,"a","Reset",{"type":5}]', "TypeConstraintViolation"),
    (V16, '[2,"a","Reset",{"type":"Gentle"}]', "PropertyConstraintViolation"),
    (V16, '[2,"a","Reset",{"type":"Hard","extra":1}]', "FormationViolation"),
    (V201, '[2,"a","Reset",{"type":"Immediate","extra":1}]', "FormatViolation"),
    (V16, '[2,"a","Reset",[]]', "FormationViolation"),
    (V16, '[2,"a","Teleport",{}]', "NotImplemented"),
    (V201, '[2,"a","Teleport",{}]', "NotImplemented"),
    (V16, '[2,"a","GetDiagnostics",{"location":"ftp://x"}]', "NotSupported"),
    (V16, '[2,"a","ChangeConfiguration",{"key":"K","value":"V"}]', "InternalError"),
    (V201, '[7,"a","Reset",{}]', "MessageTypeNotSupported"),
]


async def test_a_1_6_station_ignores_a_message_of_an_unknown_type_and_stores_it_with_why() -> None:
    # OCPP-J 1.6 section 4.1.3: a Message Type Number not in the list: "SHALL ignore the message payload".
    ep, wire, frames = endpoint(V16)
    await ep.receive('[7,"a","Reset",{}]')
    assert wire.sent == []
    (received,) = frames
    assert received.raw == '[7,"a","Reset",{}]' and received.error is not None and "ignored" in received.error
    await ep.receive('[2,"r1","Reset",{"type":"Soft"}]')
    assert wire.sent == [[3, "r1", {"status": "Accepted"}]], "the link goes on"


@pytest.mark.parametrize(("version", "text", "code"), CASES)
async def test_bad_call_is_answered_with_the_code_the_specification_names(
    version: OcppVersion, text: str, code: str
) -> None:
    ep, wire, frames = endpoint(version)
    await ep.receive(text)
    assert wire.sent[-1][0] == 4 and wire.sent[-1][1] == "a"
    assert wire.sent[-1][2] == code
    received = frames[0]
    assert received.raw == text and received.direction is Direction.TO_STATION
    if code != "InternalError":
        assert received.error is not None, "the received frame carries what was wrong with it"


async def test_valid_call_is_answered_and_both_frames_are_published_once() -> None:
    ep, wire, frames = endpoint(V16)
    await ep.receive('[2,"r1","Reset",{"type":"Soft"}]')
    assert wire.sent == [[3, "r1", {"status": "Accepted"}]]
    assert [(f.message_type, f.action, f.direction) for f in frames] == [
        (MessageType.CALL, "Reset", Direction.TO_STATION),
        (MessageType.CALLRESULT, "Reset", Direction.TO_CSMS),
    ]
    assert frames[1].rtt_ms is not None and frames[1].error is None


async def test_unparsable_frame_is_recorded_and_201_answers_rpc_framework_error_with_id_minus_one() -> None:
    ep16, wire16, frames16 = endpoint(V16)
    await ep16.receive("[2, 'not json")
    assert wire16.sent == [] and frames16[0].message_type is MessageType.INVALID
    assert frames16[0].error is not None and "not JSON" in frames16[0].error
    ep, wire, frames = endpoint(V201)
    await ep.receive("{oops")
    assert wire.sent[0][:3] == [4, "-1", "RpcFrameworkError"]
    assert frames[0].raw == "{oops"


async def test_answer_to_a_call_never_made_is_recorded_with_its_reason() -> None:
    ep, wire, frames = endpoint(V16)
    await ep.receive('[3,"ghost",{}]')
    assert wire.sent == []
    assert frames[0].error == "no outstanding CALL with MessageId 'ghost'"


async def test_callerror_answer_raises_instead_of_returning_none() -> None:
    ep, wire, frames = endpoint(V16)
    task = asyncio.ensure_future(ep.call_raw("Heartbeat", {}))
    await asyncio.sleep(0)
    uid = wire.sent[0][1]
    await ep.receive(json.dumps([4, uid, "InternalError", "boom", {}]))
    with pytest.raises(CallErrorReceived) as error:
        await task
    assert error.value.code == "InternalError"
    assert frames[-1].action == "Heartbeat" and frames[-1].rtt_ms is not None


async def test_a_caller_that_gives_up_waiting_frees_the_link_for_the_next_call_at_once() -> None:
    # One outstanding CALL per direction (OCPP-J 4.1.1): a CALL nobody waits for any more must not hold
    # the next one back until its timeout.
    ep, wire, frames = endpoint(V16)
    first = asyncio.ensure_future(ep.call_raw("Heartbeat", {}))
    await asyncio.sleep(0)
    assert len(wire.sent) == 1
    first.cancel()
    with pytest.raises(asyncio.CancelledError):
        await first
    second = asyncio.ensure_future(ep.call_raw("Heartbeat", {}))
    await asyncio.sleep(0)
    assert len(wire.sent) == 2, "sent without waiting for the first one's timeout"
    await ep.receive(json.dumps([3, wire.sent[1][1], {"currentTime": "2026-12-06T12:00:00Z"}]))
    assert (await second)["currentTime"] == "2026-12-06T12:00:00Z"
    await ep.receive(json.dumps([3, wire.sent[0][1], {"currentTime": "2026-12-06T12:00:00Z"}]))
    assert frames[-1].error is not None and "no outstanding CALL" in frames[-1].error, "a late answer is recorded"


async def test_invalid_answer_raises_and_no_answer_times_out() -> None:
    ep, wire, frames = endpoint(V16)
    task = asyncio.ensure_future(ep.call_raw("Heartbeat", {}))
    await asyncio.sleep(0)
    await ep.receive(json.dumps([3, wire.sent[0][1], {"currentTime": 5}]))
    with pytest.raises(InvalidResponse):
        await task
    assert frames[-1].error is not None and "TypeConstraintViolation" in frames[-1].error
    with pytest.raises(CallTimeout):
        await ep.call_raw("Heartbeat", {})


async def test_only_one_call_is_outstanding_at_a_time() -> None:
    ep, wire, _ = endpoint(V16)
    first = asyncio.ensure_future(ep.call_raw("Heartbeat", {}))
    second = asyncio.ensure_future(ep.call_raw("Heartbeat", {}))
    await asyncio.sleep(0.01)
    assert len(wire.sent) == 1, "the second CALL waits for the first answer"
    await ep.receive(json.dumps([3, wire.sent[0][1], {"currentTime": "2026-01-01T00:00:00Z"}]))
    await first
    await asyncio.sleep(0.01)
    assert len(wire.sent) == 2
    await ep.receive(json.dumps([3, wire.sent[1][1], {"currentTime": "2026-01-01T00:00:00Z"}]))
    await second


async def test_send_call_hands_each_outcome_to_its_callback_and_a_failing_callback_stops_nothing() -> None:
    ep, wire, _ = endpoint(V16)
    outcomes: list[tuple[Any, Any]] = []

    def broken(result: dict[str, Any] | None, failure: BaseException | None) -> None:
        outcomes.append((result, failure))
        raise RuntimeError("a bug of the caller's")

    ep.send_call("Heartbeat", {}, broken)
    ep.send_call("Heartbeat", {}, lambda result, failure: outcomes.append((result, failure)))
    ep.send_call("Heartbeat", {}, lambda result, failure: outcomes.append((result, failure)))
    await asyncio.sleep(0.01)
    assert len(wire.sent) == 1, "one outstanding CALL at a time"
    await ep.receive(json.dumps([3, wire.sent[0][1], {"currentTime": "2026-01-01T00:00:00Z"}]))
    await asyncio.sleep(0.01)
    assert len(wire.sent) == 2, "the next CALL left although the first one's callback raised"
    await ep.receive(json.dumps([4, wire.sent[1][1], "InternalError", "boom", {}]))
    await asyncio.sleep(0.3)  # the third is never answered: response timeout 0.2 s
    assert outcomes[0] == ({"currentTime": "2026-01-01T00:00:00Z"}, None)
    assert outcomes[1][0] is None and isinstance(outcomes[1][1], CallErrorReceived)
    assert outcomes[2][0] is None and isinstance(outcomes[2][1], CallTimeout)
    assert len(outcomes) == 3 and len(wire.sent) == 3
