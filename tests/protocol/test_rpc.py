"""The sans-I/O RPC core: text in, events and frames out; a fake clock and counted ids, no loop."""

from __future__ import annotations

import itertools
import json
import uuid
from typing import Any

import pytest

from ocpplab_desktop.model.config import OcppVersion
from ocpplab_desktop.protocol.errors import CallErrorReceived, CallTimeout, InvalidResponse, NotConnected, RpcError
from ocpplab_desktop.protocol.frame import Direction, MessageType, Side
from ocpplab_desktop.protocol.rpc import CallAnswered, CallFailed, CallReceived, RpcConnection

V16, V201 = OcppVersion.V16, OcppVersion.V201


class FakeClock:
    def __init__(self) -> None:
        self.t = 100.0

    def __call__(self) -> float:
        return self.t


def core(version: OcppVersion = V16, side: Side = Side.STATION) -> tuple[RpcConnection, FakeClock]:
    clock = FakeClock()
    ids = itertools.count(1)
    rpc = RpcConnection(version, side, "CP", 30.0, clock=clock, wall_clock=clock, new_id=lambda: f"id{next(ids)}")
    return rpc, clock


def feed(rpc: RpcConnection, text: str) -> list[Any]:
    return rpc.accept(rpc.receive(text))


def sent(rpc: RpcConnection) -> list[Any]:
    return [json.loads(f.raw) for f in rpc.frames_to_send()]


def test_one_call_is_outstanding_at_a_time_and_the_next_leaves_when_it_is_answered() -> None:
    rpc, _ = core()
    first = rpc.call("Heartbeat", {})
    second = rpc.call("Heartbeat", {})
    assert sent(rpc) == [[2, "id1", "Heartbeat", {}]] and rpc.waiting == 1
    events = feed(rpc, '[3,"id1",{"currentTime":"2027-01-01T00:00:00Z"}]')
    assert [type(e) for e in events] == [CallAnswered] and events[0].call is first
    assert sent(rpc) == [[2, "id2", "Heartbeat", {}]] and rpc.outstanding is second


def test_the_response_timeout_runs_from_when_the_call_leaves_not_when_it_was_queued() -> None:
    rpc, clock = core()
    rpc.call("Heartbeat", {})
    rpc.call("Heartbeat", {}, timeout=5)
    clock.t += 29
    assert rpc.expire() == []
    clock.t += 1
    (failed,) = rpc.expire()
    assert isinstance(failed, CallFailed) and isinstance(failed.error, CallTimeout)
    assert rpc.next_deadline() == clock.t + 5, "the second CALL left now, with its own timeout"


def test_a_callerror_answer_fails_the_call_with_its_code() -> None:
    rpc, _ = core()
    rpc.call("Heartbeat", {})
    (failed,) = feed(rpc, '[4,"id1","InternalError","boom",{}]')
    assert isinstance(failed.error, CallErrorReceived) and failed.error.code == "InternalError"


def test_an_answer_that_breaks_the_response_schema_fails_the_call_and_the_frame_says_why() -> None:
    rpc, _ = core()
    rpc.call("Heartbeat", {})
    frame = rpc.receive('[3,"id1",{"currentTime":5}]')
    assert frame.action == "Heartbeat" and frame.error is not None and "TypeConstraintViolation" in frame.error
    (failed,) = rpc.accept(frame)
    assert isinstance(failed.error, InvalidResponse)


def test_rtt_is_measured_on_the_injected_clock() -> None:
    rpc, clock = core()
    rpc.call("Heartbeat", {})
    clock.t += 0.25
    frame = rpc.receive('[3,"id1",{"currentTime":"2027-01-01T00:00:00Z"}]')
    assert frame.rtt_ms == pytest.approx(250.0)


def test_a_valid_call_becomes_an_event_and_its_answer_is_validated_before_it_leaves() -> None:
    rpc, _ = core()
    (event,) = feed(rpc, '[2,"c1","Reset",{"type":"Soft"}]')
    assert isinstance(event, CallReceived) and event.action == "Reset" and event.payload == {"type": "Soft"}
    rpc.answer("c1", {"status": "Maybe"})
    (error,) = sent(rpc)
    assert error[:3] == [4, "c1", "InternalError"], "an invalid answer of ours becomes an InternalError"


@pytest.mark.parametrize(
    ("version", "text", "expected"),
    [
        # A CALL with a readable id is answered to that id in both versions (1.6J 4.2.3, 2.0.1 part 4 4.3).
        (V16, '[2,"short"]', [4, "short", "FormationViolation"]),
        (V201, '[2,"short"]', [4, "short", "FormatViolation"]),
        (V16, '[2,"deep","DataTransfer",{"vendorId":"X","data":' + "[" * 3000 + "]" * 3000 + "}]",
         [4, "deep", "FormationViolation"]),
        (V201, '[2,"deep","DataTransfer",{"vendorId":"X","data":' + "[" * 3000 + "]" * 3000 + "}]",
         [4, "deep", "FormatViolation"]),
        (V201, '[2,"cut","Heartbeat",{', [4, "cut", "FormatViolation"]),
        # Parseable, and anyType by the schema, but nested past what any OCPP message needs.
        (V201, '[2,"any","DataTransfer",{"vendorId":"X","data":' + "[" * 200 + "]" * 200 + "}]",
         [4, "any", "FormatViolation"]),
        # An unknown MessageTypeId: ignored in 1.6 (1.6J 4.1.3), MessageTypeNotSupported in 2.0.1 (part 4 4.4).
        (V16, '[5,"odd","Heartbeat",{}]', None),
        (V201, '[5,"odd","Heartbeat",{}]', [4, "odd", "MessageTypeNotSupported"]),
        # No readable id: 2.0.1 answers RpcFrameworkError to "-1" (part 4 4.2.3); 1.6 cannot answer.
        (V201, "{oops", [4, "-1", "RpcFrameworkError"]),
        (V201, '[2, 17, "Heartbeat", {}]', [4, "-1", "RpcFrameworkError"]),
        (V16, "{oops", None),
    ],
)  # fmt: skip
def test_malformed_input_is_answered_with_the_code_the_specification_names(
    version: OcppVersion, text: str, expected: list[Any] | None
) -> None:
    rpc, _ = core(version)
    frame = rpc.receive(text)
    assert frame.raw == text and frame.error is not None, "recorded as received, with why"
    assert rpc.accept(frame) == []
    out = sent(rpc)
    assert (out[0][:3] if out else None) == expected


def test_an_answer_to_no_call_is_recorded_with_its_reason_and_changes_nothing() -> None:
    rpc, _ = core()
    call = rpc.call("Heartbeat", {})
    rpc.frames_to_send()
    frame = rpc.receive('[3,"ghost",{}]')
    assert frame.error == "no outstanding CALL with MessageId 'ghost'"
    assert rpc.accept(frame) == [] and rpc.outstanding is call


def test_a_lost_link_fails_every_call_of_ours_in_order() -> None:
    rpc, _ = core()
    first, second = rpc.call("Heartbeat", {}), rpc.call("Heartbeat", {})
    events = rpc.connection_lost("the connection closed")
    assert [e.call for e in events] == [first, second]
    assert all(isinstance(e.error, NotConnected) for e in events)


def test_an_invalid_payload_of_ours_is_refused_before_anything_is_queued() -> None:
    rpc, _ = core()
    with pytest.raises(RpcError):
        rpc.call("Authorize", {})
    assert rpc.frames_to_send() == [] and rpc.outstanding is None


def test_text_sent_as_is_passes_no_check_but_is_framed_in_the_outgoing_direction() -> None:
    rpc, _ = core(side=Side.CSMS)
    frame = rpc.send_text('[2,"x","Teleport",{}]', note="negative test")
    assert frame.direction is Direction.TO_STATION and frame.message_type is MessageType.CALL
    assert frame.error is None and frame.note == "negative test"
    assert rpc.frames_to_send() == [frame]


def test_message_ids_are_distinct_version_4_uuids_in_their_canonical_form() -> None:
    rpc = RpcConnection(OcppVersion.V16, Side.STATION, "CP")
    ids = [rpc.call("Heartbeat", {}, validate=False).uid for _ in range(2_000)]
    assert len(set(ids)) == len(ids)
    for uid in ids:
        parsed = uuid.UUID(uid)
        assert (parsed.version, parsed.variant, str(parsed)) == (4, uuid.RFC_4122, uid)
