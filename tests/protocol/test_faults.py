"""Fault injection without a loop: each fault's effect on the wire, the application and the record.

A real `Pipeline` wired as `Endpoint.__init__` wires it (the RPC core's parser, a tap on a real
bus at the wire end, the core's `accept` at the application end), with timers on a clock that the
tests step by hand.
"""

from __future__ import annotations

import itertools
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from ocpp.v16.enums import Action as Action16
from ocpp.v201.enums import Action as Action201

from ocpplab_desktop.model.config import OcppVersion
from ocpplab_desktop.model.events import EventBus
from ocpplab_desktop.protocol.errors import CallErrorReceived, CallTimeout
from ocpplab_desktop.protocol.faults import (
    KINDS,
    NOTE_PREFIX,
    CallErrorReply,
    Corrupt,
    Corruption,
    Delay,
    Drop,
    Duplicate,
    FaultInterceptor,
    RandomPlan,
    Reorder,
    Silence,
    example_payload,
    malformed,
)
from ocpplab_desktop.protocol.frame import Direction, Frame, MessageType, Side
from ocpplab_desktop.protocol.pipeline import Pipeline, Tap
from ocpplab_desktop.protocol.rpc import CallFailed, CallReceived, Event, RpcConnection

V16, V201 = OcppVersion.V16, OcppVersion.V201
TO_CSMS, TO_STATION = Direction.TO_CSMS, Direction.TO_STATION


@dataclass(eq=False)
class Timer:
    when: float
    order: int
    callback: Callable[[], None]
    cancelled: bool = False

    def cancel(self) -> None:
        self.cancelled = True


class Clock:
    """call_later on a clock stepped by hand. `ties_last_first` fires timers due at the same instant in
    the reverse of the order they were set, as a coarse real clock may."""

    def __init__(self, *, ties_last_first: bool = False) -> None:
        self.now = 0.0
        self.timers: list[Timer] = []
        self._order = itertools.count()
        self._sign = -1 if ties_last_first else 1

    def call_later(self, seconds: float, callback: Callable[[], None]) -> Timer:
        timer = Timer(self.now + seconds, self._sign * next(self._order), callback)
        self.timers.append(timer)
        return timer

    def advance(self, seconds: float) -> None:
        end = self.now + seconds
        while due := [t for t in self.timers if not t.cancelled and t.when <= end]:
            timer = min(due, key=lambda t: (t.when, t.order))
            self.timers.remove(timer)
            self.now = timer.when
            timer.callback()
        self.now = end

    @property
    def pending(self) -> int:
        return sum(not t.cancelled for t in self.timers)


class Rig:
    """One end of a link: the RPC core, its pipeline with a tap, and what reached each end."""

    def __init__(
        self,
        *faults: FaultInterceptor,
        side: Side = Side.STATION,
        version: OcppVersion = V16,
        clock: Clock | None = None,
    ) -> None:
        self.clock = clock or Clock()
        ids = itertools.count(1)
        self.rpc = RpcConnection(version, side, "CP", clock=lambda: self.clock.now, new_id=lambda: f"id{next(ids)}")
        self.bus = EventBus()
        self.recorded: list[Frame] = []
        self.bus.subscribe(self.recorded.append)
        self.wire: list[str] = []
        self.delivered: list[Frame] = []
        self.events: list[Event] = []
        self.pipeline = Pipeline(
            station_id="CP",
            outgoing=self.rpc.outgoing,
            parse=self.rpc.parse,
            send=lambda frame: self.wire.append(frame.raw),
            deliver=self._accept,
            call_later=self.clock.call_later,
            interceptors=[Tap(self.bus)],
        )
        for fault in faults:
            self.pipeline.add(fault)

    def _accept(self, frame: Frame) -> None:
        self.delivered.append(frame)
        self.events.extend(self.rpc.accept(frame))
        self.pump()

    def pump(self) -> None:
        for frame in self.rpc.frames_to_send():
            self.pipeline.outbound(frame)

    def send(self, text: str) -> None:
        """Send text as `Endpoint.send_raw` does."""
        self.rpc.send_text(text)
        self.pump()

    def receive(self, text: str) -> None:
        self.pipeline.inbound(self.rpc.receive(text))

    def pass_(self, way: str, text: str) -> None:
        (self.send if way == "out" else self.receive)(text)

    def arrived(self, way: str) -> list[str]:
        """The texts that reached the far end of the pipeline: the wire going out, the core coming in."""
        return self.wire if way == "out" else [f.raw for f in self.delivered]

    def notes(self) -> list[str | None]:
        return [f.note for f in self.recorded]


def heartbeat(uid: str = "h1") -> str:
    return f'[2,"{uid}","Heartbeat",{{}}]'


def reset(uid: str = "r1") -> str:
    return f'[2,"{uid}","Reset",{{"type":"Soft"}}]'


# A station rig: outbound frames go to the CSMS, inbound ones come to the station.
WAYS = {"out": (TO_CSMS, heartbeat), "in": (TO_STATION, reset)}


# --- Pipeline.record -----------------------------------------------------------------------------
def test_record_publishes_through_the_first_tap_with_the_reason_and_the_note() -> None:
    rig = Rig()
    frame = rig.rpc.parse(heartbeat(), TO_CSMS)
    rig.pipeline.record(frame, "fault: drop", error="not sent: dropped")
    (recorded,) = rig.recorded
    assert (recorded.raw, recorded.note, recorded.error) == (heartbeat(), "fault: drop", "not sent: dropped")
    assert rig.wire == [], "recording is not sending"
    rig.pipeline.record(rig.rpc.parse("[2,", TO_STATION), "fault: corrupt")
    assert rig.recorded[-1].error is not None and rig.recorded[-1].error.startswith("not JSON"), "its own error is kept"


def test_record_without_a_tap_records_nothing_and_fails_nothing() -> None:
    rpc = RpcConnection(V16, Side.STATION, "CP")
    seen: list[Frame] = []
    pipeline = Pipeline(
        station_id="CP",
        outgoing=TO_CSMS,
        parse=rpc.parse,
        send=seen.append,
        deliver=seen.append,
        call_later=Clock().call_later,
    )
    pipeline.record(rpc.parse(heartbeat(), TO_CSMS), "fault: drop", error="not sent")
    assert seen == []


# --- Drop and Silence ----------------------------------------------------------------------------
@pytest.mark.parametrize("way", ["out", "in"])
def test_drop_keeps_the_next_frames_from_the_far_end_and_records_each_with_why(way: str) -> None:
    direction, make = WAYS[way]
    drop = Drop(direction, count=2)
    rig = Rig(drop)
    for uid in ("a", "b", "c"):
        rig.pass_(way, make(uid))
    assert rig.arrived(way) == [make("c")]
    fate = "not sent" if way == "out" else "not delivered"
    dropped = [
        (make("a"), "fault: drop", f"{fate}: dropped by fault injection (drop 1 of 2)"),
        (make("b"), "fault: drop", f"{fate}: dropped by fault injection (drop 2 of 2)"),
    ]
    passed = (make("c"), None, None)
    records = [(f.raw, f.note, f.error) for f in rig.recorded]
    if way == "out":
        assert records == [*dropped, passed]
    else:  # the tap recorded each frame as the wire carried it before the drop saw it
        assert records == [(make("a"), None, None), dropped[0], (make("b"), None, None), dropped[1], passed]
    assert drop.touched == 2 and drop.done


def test_drop_takes_only_its_direction_and_action() -> None:
    rig = Rig(Drop(TO_CSMS, action="StatusNotification"))
    rig.send(heartbeat())
    rig.receive(reset())
    status = '[2,"s1","StatusNotification",{"connectorId":1,"errorCode":"NoError","status":"Available"}]'
    rig.send(status)
    assert rig.wire == [heartbeat()] and [f.raw for f in rig.delivered] == [reset()]
    assert [(f.raw, f.note) for f in rig.recorded] == [(heartbeat(), None), (reset(), None), (status, "fault: drop")]


def test_silence_swallows_the_calls_it_receives_so_their_sender_times_out_but_answers_still_arrive() -> None:
    station = Rig(Silence(TO_STATION))
    csms = RpcConnection(V16, Side.CSMS, "CP", response_timeout=30, clock=lambda: station.clock.now)
    csms.call("Reset", {"type": "Soft"})
    (call,) = csms.frames_to_send()
    station.receive(call.raw)
    assert station.delivered == [] and station.wire == [], "the station never saw the CALL, so never answered"
    assert [(f.raw, f.note, f.error) for f in station.recorded] == [
        (call.raw, None, None),
        (call.raw, "fault: silence", "not delivered: dropped by fault injection (silence 1)"),
    ]
    station.clock.advance(30)
    (failed,) = csms.expire()
    assert isinstance(failed, CallFailed) and isinstance(failed.error, CallTimeout)
    station.rpc.call("Heartbeat", {})
    station.pump()
    station.receive('[3,"id1",{"currentTime":"2026-01-01T00:00:00Z"}]')
    assert [f.message_type for f in station.delivered] == [MessageType.CALLRESULT], "answers are not silenced"


# --- Delay ---------------------------------------------------------------------------------------
@pytest.mark.parametrize("ties_last_first", [False, True])
def test_delay_holds_each_frame_and_forwards_them_later_in_the_order_they_came(ties_last_first: bool) -> None:
    delay = Delay(TO_CSMS, 2.0, count=3)
    rig = Rig(delay, clock=Clock(ties_last_first=ties_last_first))
    for uid in ("a", "b", "c"):
        rig.send(heartbeat(uid))
    assert rig.wire == [] and rig.recorded == [] and delay.held == 3 and not delay.done
    rig.clock.advance(1.999)
    assert rig.wire == []
    rig.clock.advance(0.001)
    assert rig.wire == [heartbeat("a"), heartbeat("b"), heartbeat("c")]
    assert rig.notes() == ["fault: delay 2 s"] * 3 and delay.done


def test_an_inbound_delay_changes_only_when_the_core_gets_the_frame() -> None:
    rig = Rig(Delay(TO_STATION, 0.5))
    rig.receive(reset())
    assert rig.delivered == [] and [f.raw for f in rig.recorded] == [reset()], "recorded as it arrived"
    rig.clock.advance(0.5)
    assert [(f.raw, f.note) for f in rig.delivered] == [(reset(), "fault: delay 0.5 s")]
    assert len(rig.recorded) == 1 and isinstance(rig.events[0], CallReceived)


def delayed_run(seed: int) -> tuple[list[str], list[str | None]]:
    rig = Rig(Delay(TO_CSMS, 1.0, jitter=0.9, seed=seed))
    for uid in "abcdefgh":
        rig.send(heartbeat(uid))
    rig.clock.advance(2.0)
    return rig.wire, rig.notes()


def test_jitter_may_reorder_frames_reproducibly_from_the_seed() -> None:
    wire, notes = delayed_run(seed=3)
    assert sorted(wire) == [heartbeat(uid) for uid in "abcdefgh"]
    delays = [float(str(note).removeprefix("fault: delay ").removesuffix(" s")) for note in notes]
    assert all(0.1 <= d <= 1.9 for d in delays) and delays == sorted(delays), "each leaves when its delay ends"
    assert wire != sorted(wire), "this seed reorders"
    assert delayed_run(seed=3) == (wire, notes)
    assert delayed_run(seed=4) != (wire, notes)


# --- Duplicate -----------------------------------------------------------------------------------
@pytest.mark.parametrize("way", ["out", "in"])
def test_duplicate_forwards_each_frame_twice_and_the_record_shows_both_copies(way: str) -> None:
    direction, make = WAYS[way]
    rig = Rig(Duplicate(direction, count=1))
    rig.pass_(way, make("a"))
    rig.pass_(way, make("b"))
    assert rig.arrived(way) == [make("a"), make("a"), make("b")]
    copies = [f for f in rig.recorded if f.raw == make("a")]
    assert copies[-1].note == "fault: duplicate (copy)" and copies[0].seq != copies[-1].seq
    assert len(copies) == 2, "outbound the tap sees both; inbound it saw the original and the copy is recorded"


def test_a_duplicated_inbound_call_reaches_the_core_twice() -> None:
    rig = Rig(Duplicate(TO_STATION))
    rig.receive(reset())
    assert [type(e) for e in rig.events] == [CallReceived, CallReceived]


# --- Reorder -------------------------------------------------------------------------------------
@pytest.mark.parametrize("way", ["out", "in"])
def test_reorder_sends_a_frame_right_after_the_next_one(way: str) -> None:
    direction, make = WAYS[way]
    reorder = Reorder(direction, count=1)
    rig = Rig(reorder)
    rig.pass_(way, make("a"))
    assert rig.arrived(way) == [] and reorder.held == 1 and not reorder.done
    rig.pass_(way, make("b"))
    rig.pass_(way, make("c"))
    assert rig.arrived(way) == [make("b"), make("a"), make("c")]
    assert rig.clock.pending == 0, "the hold timer is cancelled"
    assert reorder.done
    if way == "out":
        assert rig.notes() == [None, "fault: reorder (sent after the next frame)", None]


def test_a_held_frame_leaves_after_the_hold_timeout_when_no_other_comes() -> None:
    rig = Rig(Reorder(TO_CSMS, hold_timeout=2.0))
    rig.send(heartbeat())
    rig.receive(reset())
    assert rig.wire == [], "a frame the other way does not release it"
    rig.clock.advance(2.0)
    assert rig.wire == [heartbeat()] and rig.recorded[-1].note == "fault: reorder (no next frame within 2 s)"


# --- Corrupt -------------------------------------------------------------------------------------
FRAMES = [
    heartbeat(),
    '[3,"x",{"status":"Accepted","currentTime":"2026-01-01T00:00:00Z","interval":300}]',
    '[4,"x","GenericError","no",{"why":"]}"}]  ',
    '[2,"x","DataTransfer",{"vendorId":"v","data":"\\"[{}]\\""}]',
]


@pytest.mark.parametrize("mode", list(Corruption))
@pytest.mark.parametrize("text", FRAMES)
def test_every_corruption_leaves_text_that_is_not_json(mode: Corruption, text: str) -> None:
    for seed in range(50):
        rig = Rig(Corrupt(TO_CSMS, mode, seed))
        rig.send(text)
        (wire,) = rig.wire
        with pytest.raises(ValueError):
            json.loads(wire)


@pytest.mark.parametrize("mode", list(Corruption))
def test_a_corrupted_frame_goes_out_as_altered_and_is_recorded_with_what_was_intended(mode: Corruption) -> None:
    rig = Rig(Corrupt(TO_CSMS, mode, seed=1))
    rig.send(heartbeat())
    (recorded,) = rig.recorded
    assert rig.wire == [recorded.raw] and recorded.raw != heartbeat()
    assert recorded.intended == heartbeat() and recorded.message_type is MessageType.INVALID
    assert recorded.note == f"fault: corrupt ({mode})"
    again = Rig(Corrupt(TO_CSMS, mode, seed=1))
    again.send(heartbeat())
    assert again.wire == rig.wire, "reproducible from the seed"


def test_a_corrupted_inbound_call_is_recorded_as_the_core_got_it_and_answered_as_malformed() -> None:
    rig = Rig(Corrupt(TO_STATION, Corruption.DROP_BRACKET))
    rig.receive(reset())
    wire_record, altered = rig.recorded[:2]
    assert wire_record.raw == reset() and wire_record.note is None
    assert (altered.raw, altered.intended, altered.note) == (reset()[:-1], reset(), "fault: corrupt (drop_bracket)")
    assert [f.raw for f in rig.delivered] == [reset()[:-1]]
    (answer,) = rig.wire
    assert json.loads(answer)[:3] == [4, "r1", "FormationViolation"], "the core answers what it got"


def test_an_unknown_corruption_is_refused_with_the_modes() -> None:
    with pytest.raises(ValueError, match="truncate, garble, drop_bracket"):
        Corrupt(TO_CSMS, "shred")


# --- CallErrorReply ------------------------------------------------------------------------------
BOOT = {
    V16: {"chargePointVendor": "V", "chargePointModel": "M"},
    V201: {"reason": "PowerUp", "chargingStation": {"model": "M", "vendorName": "V"}},
}
FORMAT_CODE = {V16: "FormationViolation", V201: "FormatViolation"}


@pytest.mark.parametrize("version", [V16, V201])
def test_callerror_reply_answers_in_place_of_the_application(version: OcppVersion) -> None:
    code = FORMAT_CODE[version]
    reply = CallErrorReply(version, TO_CSMS, "BootNotification", code, "refused", {"n": 1}, times=1)
    csms = Rig(reply, side=Side.CSMS, version=version)
    station = RpcConnection(version, Side.STATION, "CP", new_id=lambda: "b1")
    station.call("BootNotification", BOOT[version])
    (call,) = station.frames_to_send()
    csms.receive(call.raw)
    assert csms.delivered == [] and csms.events == [], "the application never saw the CALL"
    assert csms.wire == [f'[4,"b1","{code}","refused",{{"n":1}}]']
    assert [(f.raw, f.note, f.error) for f in csms.recorded] == [
        (call.raw, None, None),
        (call.raw, f"fault: CALLERROR {code}", f"not delivered: answered with CALLERROR {code} by fault injection"
         " (callerror 1 of 1)"),
        (csms.wire[0], f"fault: CALLERROR {code}", None),
    ]  # fmt: skip
    (failed,) = station.accept(station.receive(csms.wire[0]))
    assert isinstance(failed, CallFailed) and isinstance(failed.error, CallErrorReceived)
    assert failed.error.code == code
    assert reply.done
    csms.receive(call.raw)
    assert len(csms.delivered) == 1, "the next one reaches the application"


def test_callerror_reply_takes_only_the_calls_in_its_direction() -> None:
    rig = Rig(CallErrorReply(V16, TO_STATION, "Heartbeat", "NotSupported", times=None))
    rig.send(heartbeat())
    assert rig.wire == [heartbeat()], "the station's own Heartbeat goes out"
    rig.receive('[2,"t1","Heartbeat",{}]')
    rig.receive('[2,"t2","Heartbeat",{}]')
    assert rig.wire[1:] == ['[4,"t1","NotSupported","",{}]', '[4,"t2","NotSupported","",{}]']
    assert rig.delivered == []


def test_callerror_reply_on_the_sending_end_answers_as_if_from_the_other_side() -> None:
    rig = Rig(CallErrorReply(V16, TO_CSMS, "BootNotification", "SecurityError", "no"))
    rig.rpc.call("BootNotification", BOOT[V16])
    rig.pump()
    assert rig.wire == [], "the CALL never left"
    (failed,) = rig.events
    assert isinstance(failed, CallFailed) and isinstance(failed.error, CallErrorReceived)
    assert failed.error.code == "SecurityError"
    assert [(f.message_type, f.note, f.error) for f in rig.recorded] == [
        (MessageType.CALL, "fault: CALLERROR SecurityError",
         "not sent: answered with CALLERROR SecurityError by fault injection (callerror 1 of 1)"),
        (MessageType.CALLERROR, "fault: CALLERROR SecurityError", None),
    ]  # fmt: skip


@pytest.mark.parametrize(("version", "code"), [(V16, "FormatViolation"), (V201, "OccurenceConstraintViolation")])
def test_a_code_the_version_does_not_define_is_refused_naming_the_valid_ones(version: OcppVersion, code: str) -> None:
    with pytest.raises(ValueError, match=f"{code}' is not an OCPP {version} RPC error code") as refused:
        CallErrorReply(version, TO_STATION, "Reset", code)
    assert FORMAT_CODE[version] in str(refused.value)


def test_callerror_reply_refuses_an_action_the_version_does_not_define() -> None:
    with pytest.raises(ValueError, match=r"'Rest' is not an OCPP 1\.6 action"):
        CallErrorReply(V16, TO_STATION, "Rest", "NotSupported")


# --- every fault: counts, done, notes, descriptions ---------------------------------------------
FAULTS: dict[str, Callable[..., FaultInterceptor]] = {
    "drop": Drop,
    "silence": Silence,
    "delay": lambda direction, **kw: Delay(direction, 1.0, **kw),
    "duplicate": Duplicate,
    "reorder": Reorder,
    "corrupt": Corrupt,
    "random": lambda direction, **kw: RandomPlan(direction, 0.5, 1.0, 0.5, seed=1, duplicate=0.5, **kw),
}


@pytest.mark.parametrize("name", list(FAULTS))
def test_a_fault_whose_count_is_used_up_is_done_and_lets_frames_pass(name: str) -> None:
    fault = FAULTS[name](TO_STATION, count=2)
    rig = Rig(fault)
    for uid in ("a", "b"):
        rig.receive(reset(uid))
        rig.clock.advance(3.0)
    assert fault.touched == 2 and fault.held == 0 and fault.done
    rig.receive(reset("c"))
    assert rig.delivered[-1].raw == reset("c") and rig.delivered[-1].note is None and fault.touched == 2
    touched = [f for f in [*rig.recorded, *rig.delivered] if f.note]
    assert touched and all(str(f.note).startswith(NOTE_PREFIX) for f in touched)


def test_a_fault_without_a_count_is_never_done() -> None:
    drop = Drop(TO_CSMS)
    rig = Rig(drop)
    for uid in "abc":
        rig.send(heartbeat(uid))
    assert (
        drop.touched == 3
        and not drop.done
        and rig.recorded[-1].error == ("not sent: dropped by fault injection (drop 3)")
    )
    with pytest.raises(ValueError, match="count must be at least 1"):
        Drop(TO_CSMS, count=0)


def test_faults_describe_themselves_for_the_window() -> None:
    assert Drop(TO_CSMS, action="Heartbeat", count=3).describe() == ("drop the next 3 Heartbeat frames to the CSMS")
    assert Delay(TO_STATION, 2, 0.5).describe() == "delay every frame to the station by 2 s ± 0.5 s"
    assert Silence(TO_STATION, count=1).describe() == "leave the next CALL to the station unanswered"
    assert CallErrorReply(V201, TO_STATION, "Reset", "NotSupported", times=None).describe() == (
        "answer every Reset CALL to the station with CALLERROR NotSupported"
    )
    assert RandomPlan(None, 0.1, 0.5, 0.2, seed=7, duplicate=0.01).describe() == (
        "every frame both ways: lose 10%, delay 0.5 s ± 0.2 s, send 1% twice (seed 7)"
    )


# --- RandomPlan ----------------------------------------------------------------------------------
def decisions(plan: RandomPlan, n: int = 200) -> list[Any]:
    return [plan.decide() for _ in range(n)]


def test_random_plan_makes_the_same_decisions_for_the_same_seed_and_others_for_another() -> None:
    first = decisions(RandomPlan(None, 0.2, 1.0, 0.5, seed=42, duplicate=0.1))
    assert first == decisions(RandomPlan(None, 0.2, 1.0, 0.5, seed=42, duplicate=0.1))
    assert first != decisions(RandomPlan(None, 0.2, 1.0, 0.5, seed=43, duplicate=0.1))
    assert 20 <= sum(d.drop for d in first) <= 60, "about a fifth are lost"
    assert all(0.5 <= d.delay <= 1.5 for d in first if not d.drop)


def test_raising_the_loss_with_the_same_seed_only_drops_more_of_the_same_frames() -> None:
    low = decisions(RandomPlan(None, 0.1, 1.0, 0.5, seed=5))
    high = decisions(RandomPlan(None, 0.4, 1.0, 0.5, seed=5))
    assert all(h.drop for lo, h in zip(low, high, strict=True) if lo.drop)
    assert all(lo.delay == h.delay for lo, h in zip(low, high, strict=True) if not h.drop)


def random_run(seed: int) -> list[tuple[str, str | None, str | None]]:
    rig = Rig(RandomPlan(None, 0.3, 0.5, 0.4, seed, duplicate=0.2))
    for n in range(30):
        rig.send(heartbeat(f"o{n}"))
        rig.receive(reset(f"i{n}"))
        rig.clock.advance(0.1)
    rig.clock.advance(1.0)
    return [(f.raw, f.note, f.error) for f in rig.recorded] + [(raw, "wire", None) for raw in rig.wire]


def test_a_random_plan_replays_identically_through_the_pipeline_from_its_seed() -> None:
    run = random_run(seed=11)
    assert run == random_run(seed=11) and run != random_run(seed=12)
    parts = [part for _, note, _ in run if note and note != "wire" for part in note.split("; ")]
    notes = {" ".join(part.split()[:3]) for part in parts}
    assert notes == {"fault: random drop", "fault: random delay", "fault: random duplicate"}
    errors = {error for _, _, error in run if error}
    assert any(e.startswith("not sent: dropped by fault injection") for e in errors)
    assert any(e.startswith("not delivered: dropped by fault injection") for e in errors)


def test_a_random_plan_without_loss_or_delay_passes_every_frame_unchanged() -> None:
    rig = Rig(RandomPlan(None, 0.0, 0.0, 0.0, seed=1))
    rig.send(heartbeat())
    rig.receive(reset())
    assert rig.wire == [heartbeat()] and rig.notes() == [None, None]


def test_a_random_plan_refuses_impossible_settings() -> None:
    with pytest.raises(ValueError, match="probabilities between 0 and 1"):
        RandomPlan(None, 1.5, 0.0, 0.0, seed=1)
    with pytest.raises(ValueError, match="jitter >= 0"):
        RandomPlan(None, 0.0, 1.0, -1.0, seed=1)


# --- malformed frames ----------------------------------------------------------------------------
ACTIONS = {V16: {a.value for a in Action16}, V201: {a.value for a in Action201}}


def call_frame(text: str, version: OcppVersion) -> Frame:
    """`text` as an outgoing frame (parsed, not checked): what the schema check below looks at."""
    return RpcConnection(version, Side.STATION, "CP").parse(text, TO_CSMS)


@pytest.mark.parametrize("version", [V16, V201])
def test_the_example_payload_of_every_action_is_valid_by_the_official_schema(
    version: OcppVersion, schema_errors: Any
) -> None:
    frames = [
        call_frame(json.dumps([2, "e", a, example_payload(version, a)]), version) for a in sorted(ACTIONS[version])
    ]
    assert schema_errors(frames, version) == []


@pytest.mark.parametrize("version", [V16, V201])
def test_missing_field_leaves_out_exactly_one_required_field_of_any_action(
    version: OcppVersion, schema_errors: Any
) -> None:
    actions = [a for a in sorted(ACTIONS[version]) if example_payload(version, a)]
    for action in actions:
        text = malformed("missing_field", version, action=action, unique_id="m")
        (problem,) = schema_errors([call_frame(text, version)], version)
        assert "is a required property" in problem


@pytest.mark.parametrize("version", [V16, V201])
@pytest.mark.parametrize("kind", KINDS)
def test_every_malformed_kind_builds_what_it_claims(kind: str, version: OcppVersion, schema_errors: Any) -> None:
    text = malformed(kind, version, unique_id="u1")
    if kind == "invalid_json":
        with pytest.raises(ValueError):
            json.loads(text)
        return
    message = json.loads(text)
    receiver = RpcConnection(version, Side.CSMS, "CP").receive(text)
    problems = [] if kind == "unknown_action" else schema_errors([call_frame(text, version)], version)
    match kind:
        case "wrong_type_id":
            assert message[0] not in (2, 3, 4) and receiver.message_type is MessageType.INVALID
        case "missing_field":
            assert len(problems) == 1 and "is a required property" in problems[0]
        case "wrong_field_type":
            assert any("is not of type" in p for p in problems), "an enum field also fails its enum"
        case "unknown_action":
            assert message[2] not in ACTIONS[version] and str(receiver.error).startswith("NotImplemented")
        case "oversized":
            assert len(text.encode()) > 1024 * 1024 and problems == [] and receiver.error is None
        case "reused_id" | "call_while_outstanding":
            assert message[:3] == [2, "u1", "Heartbeat"] and problems == [] and receiver.error is None
        case "result_without_call":
            assert message == [3, "u1", {}] and receiver.error == "no outstanding CALL with MessageId 'u1'"


def test_malformed_frames_follow_the_given_action_payload_and_size() -> None:
    assert malformed("call_while_outstanding", V16, action="Authorize", unique_id="x", payload={"idTag": "T"}) == (
        '[2,"x","Authorize",{"idTag":"T"}]'
    )
    assert malformed("missing_field", V16, action="Authorize", unique_id="x", payload={"idTag": "T"}) == (
        '[2,"x","Authorize",{}]'
    )
    assert len(malformed("oversized", V201, size=100)) > 100
    assert malformed("unknown_action", V201, action="Teleport", unique_id="x") == '[2,"x","Teleport",{}]'
    assert (
        json.loads(malformed("call_while_outstanding", V16))[1]
        != json.loads(malformed("reused_id", V16, unique_id="a"))[1]
    )


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"kind": "garbage"}, "the kinds are invalid_json, wrong_type_id"),
        ({"kind": "reused_id"}, "give the unique_id to reuse"),
        ({"kind": "missing_field", "action": "Heartbeat"}, "no required field"),
        ({"kind": "wrong_field_type", "action": "Authorize", "payload": {}}, "no required field"),
        ({"kind": "missing_field", "action": "Teleport"}, "'Teleport' is not an OCPP 1.6 action"),
        ({"kind": "unknown_action", "action": "Heartbeat"}, "Heartbeat is an OCPP 1.6 action"),
        ({"kind": "oversized", "action": "Heartbeat"}, "the frame is a DataTransfer"),
    ],
)
def test_malformed_refuses_what_it_cannot_build_and_says_why(kwargs: dict[str, Any], message: str) -> None:
    kind = kwargs.pop("kind")
    with pytest.raises(ValueError, match=message):
        malformed(kind, V16, **kwargs)
