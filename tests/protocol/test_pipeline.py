"""The interceptor pipeline without a loop: pass, alter, drop, duplicate, hold and inject, both ways."""

from __future__ import annotations

from collections.abc import Callable

from ocpplab_desktop.model.config import OcppVersion
from ocpplab_desktop.model.events import EventBus
from ocpplab_desktop.protocol.frame import Direction, Frame, Side
from ocpplab_desktop.protocol.pipeline import Context, Forward, Interceptor, Pipeline, Tap
from ocpplab_desktop.protocol.rpc import RpcConnection


class Timers:
    """call_later on a hand-stepped clock."""

    def __init__(self) -> None:
        self.due: list[tuple[float, Callable[[], None]]] = []

    def call_later(self, seconds: float, callback: Callable[[], None]) -> Timers:
        self.due.append((seconds, callback))
        return self

    def cancel(self) -> None:
        self.due.clear()

    def run(self) -> None:
        due, self.due = self.due, []
        for _, callback in sorted(due, key=lambda d: d[0]):
            callback()


class Rig:
    def __init__(self, *interceptors: Interceptor) -> None:
        self.rpc = RpcConnection(OcppVersion.V16, Side.STATION, "CP")
        self.bus = EventBus()
        self.recorded: list[Frame] = []
        self.bus.subscribe(self.recorded.append)
        self.wire: list[str] = []
        self.delivered: list[Frame] = []
        self.timers = Timers()
        self.pipeline = Pipeline(
            station_id="CP",
            outgoing=Direction.TO_CSMS,
            parse=self.rpc.parse,
            send=lambda f: self.wire.append(f.raw),
            deliver=self.delivered.append,
            call_later=self.timers.call_later,
            interceptors=[Tap(self.bus)],
        )
        for interceptor in interceptors:
            self.pipeline.add(interceptor)

    def send(self, text: str) -> None:
        self.pipeline.outbound(self.rpc.parse(text, Direction.TO_CSMS))

    def receive(self, text: str) -> None:
        self.pipeline.inbound(self.rpc.receive(text))


HEARTBEAT = '[2,"a","Heartbeat",{}]'
RESET = '[2,"r","Reset",{"type":"Soft"}]'


def test_with_only_the_tap_every_frame_is_recorded_once_and_passes_unchanged() -> None:
    rig = Rig()
    rig.send(HEARTBEAT)
    rig.receive(RESET)
    assert rig.wire == [HEARTBEAT] and [f.raw for f in rig.delivered] == [RESET]
    assert [f.raw for f in rig.recorded] == [HEARTBEAT, RESET]


class Corrupt(Interceptor):
    name = "corrupt"

    def outbound(self, frame: Frame, forward: Forward, ctx: Context) -> None:
        forward(ctx.altered(frame, frame.raw.replace("Heartbeat", "Heartbeet"), note="corrupted by a test"))


def test_an_altered_frame_is_recorded_as_the_wire_carried_it_with_what_was_intended() -> None:
    rig = Rig(Corrupt())
    rig.send(HEARTBEAT)
    (recorded,) = rig.recorded
    assert rig.wire == ['[2,"a","Heartbeet",{}]'] == [recorded.raw]
    assert recorded.intended == HEARTBEAT and recorded.action == "Heartbeet" and recorded.note == "corrupted by a test"


class DropInbound(Interceptor):
    name = "drop"

    def inbound(self, frame: Frame, forward: Forward, ctx: Context) -> None:
        return None


def test_a_dropped_inbound_frame_is_recorded_but_never_reaches_the_core() -> None:
    rig = Rig(DropInbound())
    rig.receive(RESET)
    assert rig.delivered == [] and [f.raw for f in rig.recorded] == [RESET]


class Twice(Interceptor):
    def outbound(self, frame: Frame, forward: Forward, ctx: Context) -> None:
        forward(frame)
        forward(frame)


class Hold(Interceptor):
    name = "hold"

    def outbound(self, frame: Frame, forward: Forward, ctx: Context) -> None:
        ctx.call_later(0.2, lambda: forward(frame))


def test_duplicated_and_held_frames_reach_the_wire_as_the_interceptors_decide() -> None:
    twice = Rig(Twice())
    twice.send(HEARTBEAT)
    assert twice.wire == [HEARTBEAT, HEARTBEAT] and len(twice.recorded) == 2
    held = Rig(Hold())
    held.send(HEARTBEAT)
    assert held.wire == [] and held.recorded == [], "not on the wire, not in the record, until released"
    held.timers.run()
    assert held.wire == [HEARTBEAT] and len(held.recorded) == 1


class Injector(Interceptor):
    name = "injector"


def test_an_injected_frame_enters_the_chain_past_its_interceptor_in_either_direction() -> None:
    injector = Injector()
    rig = Rig(injector)
    rig.pipeline.inject(injector, Direction.TO_CSMS, '[2,"x","Heartbeat",{}]')
    rig.pipeline.inject(injector, Direction.TO_STATION, RESET)
    assert rig.wire == ['[2,"x","Heartbeat",{}]'] and [f.raw for f in rig.delivered] == [RESET]
    assert [f.note for f in rig.recorded] == ["injected by injector", "injected by injector"]


def test_interceptors_run_app_side_first_outbound_and_wire_side_first_inbound() -> None:
    order: list[str] = []

    class Named(Interceptor):
        def __init__(self, name: str) -> None:
            self.name = name

        def outbound(self, frame: Frame, forward: Forward, ctx: Context) -> None:
            order.append(f"out:{self.name}")
            forward(frame)

        def inbound(self, frame: Frame, forward: Forward, ctx: Context) -> None:
            order.append(f"in:{self.name}")
            forward(frame)

    rig = Rig(Named("a"), Named("b"))
    rig.send(HEARTBEAT)
    rig.receive(RESET)
    assert order == ["out:a", "out:b", "in:b", "in:a"]
    assert [type(x).__name__ for x in rig.pipeline.interceptors] == ["Named", "Named", "Tap"]


def test_a_held_frame_goes_on_through_the_chain_as_it_is_when_released() -> None:
    """A fault that holds a frame may be cleared, or another added, before it releases it."""
    tagged: list[str] = []

    class Hold(Interceptor):
        name = "hold"

        def outbound(self, frame: Frame, forward: Forward, ctx: Context) -> None:
            ctx.call_later(1.0, lambda: forward(frame))

    class Tag(Interceptor):
        name = "tag"

        def outbound(self, frame: Frame, forward: Forward, ctx: Context) -> None:
            tagged.append(frame.raw)
            forward(frame)

    hold = Hold()
    rig = Rig(hold)
    rig.send(HEARTBEAT)
    assert rig.wire == [] and rig.recorded == []
    rig.pipeline.remove(hold)  # the fault is cleared while it holds the frame
    rig.pipeline.add(Tag())  # and another one is added on the application side of the tap
    rig.timers.run()
    assert tagged == [HEARTBEAT], "released past the interceptor that is now where the hold was"
    assert rig.wire == [HEARTBEAT] and [f.raw for f in rig.recorded] == [HEARTBEAT], "and past the tap"
