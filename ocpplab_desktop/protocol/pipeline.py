"""The interceptor pipeline: an ordered chain that every frame of a link passes, both ways.

Stations and the mock CSMS share it. The chain runs from the application side (index 0) to
the wire side (the end): an outbound frame passes the interceptors in list order and then
goes to the wire; an inbound frame comes from the wire and passes them in reverse order before
the RPC core acts on it. The tap that publishes `Frame`s is one interceptor, at the wire end
by default, so it records what the wire carried; faults, replay and recording are others.

An interceptor receives a frame and a `forward` function, and decides: pass it on
(`forward(frame)`), alter it (`forward(ctx.altered(frame, text))`: the new frame keeps what
was intended), drop it (do nothing), duplicate it (forward twice), hold it (keep it and
forward it later, e.g. from `ctx.call_later`), or inject a frame of its own
(`ctx.inject(direction, text)`, which enters the chain just past this interceptor). Everything
here is synchronous and sans I/O: timers come from the context's `call_later`, which the
asyncio driver binds to its loop and a test to a fake clock.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Protocol

from ocpplab_desktop.model.events import EventBus
from ocpplab_desktop.protocol.frame import Direction, Frame

Forward = Callable[[Frame], None]


class Handle(Protocol):
    def cancel(self) -> None: ...


class Context(Protocol):
    """What an interceptor may use: who the link is, a parser, a timer, and injection."""

    station_id: str
    outgoing: Direction
    """The direction this end sends in (to_csms for a station)."""

    def altered(self, frame: Frame, text: str, *, note: str | None = None) -> Frame:
        """`frame` with new wire text, parsed again, remembering the text that was intended."""
        ...

    def call_later(self, seconds: float, callback: Callable[[], None]) -> Handle: ...

    def inject(self, interceptor: Interceptor, direction: Direction, text: str, *, note: str | None = None) -> None:
        """Send a frame of the interceptor's own making on past it, as if it had come through."""
        ...

    def record(self, frame: Frame, note: str, *, error: str | None = None) -> None:
        """Put a frame in the record that the tap will not see as it is (one an interceptor dropped)."""
        ...


class Interceptor:
    """Passes every frame on unchanged; subclasses override what they change."""

    name = "interceptor"

    def outbound(self, frame: Frame, forward: Forward, ctx: Context) -> None:
        forward(frame)

    def inbound(self, frame: Frame, forward: Forward, ctx: Context) -> None:
        forward(frame)


class Tap(Interceptor):
    """Publishes every frame that passes it on the bus: the record of the link.

    `can_send()` says whether the link is up; a frame handed to a link that is down is still
    recorded, with why it did not go out, so the record never claims a frame left that did not.
    """

    name = "tap"

    def __init__(self, bus: EventBus, can_send: Callable[[], bool] = lambda: True) -> None:
        self.bus = bus
        self.can_send = can_send

    def outbound(self, frame: Frame, forward: Forward, ctx: Context) -> None:
        if self.can_send():
            self.bus.publish(frame)
            forward(frame)
        else:
            self.bus.publish(replace(frame, error="not sent: the link is down"))

    def inbound(self, frame: Frame, forward: Forward, ctx: Context) -> None:
        self.bus.publish(frame)
        forward(frame)


class Pipeline:
    """The chain of one link. `send` takes frames off the wire end, `deliver` hands inbound ones to the core."""

    def __init__(
        self,
        *,
        station_id: str,
        outgoing: Direction,
        parse: Callable[[str, Direction], Frame],
        send: Forward,
        deliver: Forward,
        call_later: Callable[[float, Callable[[], None]], Handle],
        interceptors: Sequence[Interceptor] = (),
    ) -> None:
        self.station_id = station_id
        self.outgoing = outgoing
        self._parse = parse
        self._send = send
        self._deliver = deliver
        self._call_later = call_later
        self.interceptors: list[Interceptor] = list(interceptors)

    # --- the chain ----------------------------------------------------------------------
    def add(self, interceptor: Interceptor, *, before: type[Interceptor] | None = Tap) -> None:
        """Insert `interceptor` just on the application side of the first one of type `before`
        (by default the tap, so that the record shows what the wire carried); at the wire end
        if there is none or `before` is None."""
        index = len(self.interceptors)
        if before is not None:
            index = next((i for i, x in enumerate(self.interceptors) if isinstance(x, before)), index)
        self.interceptors.insert(index, interceptor)

    def remove(self, interceptor: Interceptor) -> None:
        if interceptor in self.interceptors:
            self.interceptors.remove(interceptor)

    def outbound(self, frame: Frame) -> None:
        chain = self.interceptors
        if len(chain) == 1 and type(chain[0]) is Tap:  # the usual chain: the tap forwards at once
            chain[0].outbound(frame, self._send, self)
        else:
            self._out(0, frame)

    def inbound(self, frame: Frame) -> None:
        chain = self.interceptors
        if len(chain) == 1 and type(chain[0]) is Tap:
            chain[0].inbound(frame, self._deliver, self)
        else:
            self._in(len(chain) - 1, frame)

    def _out(self, index: int, frame: Frame) -> None:
        if index >= len(self.interceptors):
            self._send(frame)
            return
        interceptor = self.interceptors[index]
        interceptor.outbound(frame, lambda f: self._out(self._after(interceptor, index), f), self)

    def _in(self, index: int, frame: Frame) -> None:
        if index < 0:
            self._deliver(frame)
            return
        interceptor = self.interceptors[index]
        interceptor.inbound(frame, lambda f: self._in(self._before(interceptor, index), f), self)

    # A frame an interceptor held (a delay) goes on from where that interceptor is *now*: the chain
    # may have changed meanwhile (a fault added or cleared). If it was removed, from where it was.
    def _after(self, interceptor: Interceptor, index: int) -> int:
        if index < len(self.interceptors) and self.interceptors[index] is interceptor:
            return index + 1
        return self.interceptors.index(interceptor) + 1 if interceptor in self.interceptors else index

    def _before(self, interceptor: Interceptor, index: int) -> int:
        if index < len(self.interceptors) and self.interceptors[index] is interceptor:
            return index - 1
        return self.interceptors.index(interceptor) - 1 if interceptor in self.interceptors else index - 1

    # --- the context interceptors see -----------------------------------------------------
    def altered(self, frame: Frame, text: str, *, note: str | None = None) -> Frame:
        parsed = self._parse(text, frame.direction)
        return replace(
            parsed,
            seq=frame.seq,
            rtt_ms=frame.rtt_ms,
            intended=frame.intended if frame.intended is not None else frame.raw,
            note=note or frame.note,
        )

    def call_later(self, seconds: float, callback: Callable[[], None]) -> Handle:
        return self._call_later(seconds, callback)

    def record(self, frame: Frame, note: str, *, error: str | None = None) -> None:
        """Publish `frame` through the first tap's bus with `note` and, when given, `error` in place of its
        own: for a frame the tap will not see as it is, so that the record shows every frame an
        interceptor touched. An outbound frame dropped on the application side of the tap never reaches
        it (`error` says why it was not sent); an inbound one reaches the application only after the tap
        recorded what the wire carried (`error` says why it was not delivered). Nothing happens when the
        chain has no tap."""
        tap = next((x for x in self.interceptors if isinstance(x, Tap)), None)
        if tap is not None:
            tap.bus.publish(replace(frame, note=note, error=frame.error if error is None else error))

    def inject(self, interceptor: Interceptor, direction: Direction, text: str, *, note: str | None = None) -> None:
        """Send `interceptor`'s own frame on past it. A frame whose path crosses no tap (one made up
        on the application side of the tap, going to the application) is recorded by the nearest
        tap all the same: the record shows everything the end acted on."""
        frame = replace(self._parse(text, direction), note=note or f"injected by {interceptor.name}")
        index = self.interceptors.index(interceptor)
        outbound = direction is self.outgoing
        path = self.interceptors[index + 1 :] if outbound else self.interceptors[:index]
        if not any(isinstance(x, Tap) for x in path):
            taps = [x for x in self.interceptors if isinstance(x, Tap)]
            if taps:
                taps[0].bus.publish(frame)
        if outbound:
            self._out(index + 1, frame)
        else:
            self._in(index - 1, frame)
