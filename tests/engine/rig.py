"""A station and the mock CSMS on an in-memory link, with a clock stepped by hand.

No socket, no ticking task, no wall clock: simulated time moves only when a test calls
`step(seconds)`, message ids come from a counter, and `settle()` lets every task run until the
loop is idle. What the station's tap published is the exact frame sequence of the session.
"""

from __future__ import annotations

import asyncio
import itertools
import random
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field, replace
from typing import Any

from ocpplab_desktop.csms.server import MockCsms
from ocpplab_desktop.engine.link import Backoff
from ocpplab_desktop.engine.memory_transport import MemoryTransport
from ocpplab_desktop.engine.station import Station, StationOptions
from ocpplab_desktop.model.clock import SimClock
from ocpplab_desktop.model.config import OcppVersion, StationConfig
from ocpplab_desktop.model.events import EventBus, StationEvent
from ocpplab_desktop.model.templates import builtin_templates
from ocpplab_desktop.protocol.frame import Direction, Frame, MessageType, Side

START_WALL = 1_800_000_000.0  # 2027-01-15T08:00:00Z: every timestamp of the session follows from it
TEMPLATES = {OcppVersion.V16: "ac-22kw-wallbox", OcppVersion.V201: "ac-22kw-wallbox-v201"}


@dataclass
class Bench:
    station: Station
    csms: MockCsms
    clock: SimClock
    published: list[Any] = field(default_factory=list)

    def frames(self, side: Side = Side.STATION) -> list[Frame]:
        return [e for e in self.published if isinstance(e, Frame) and e.side is side]

    def wire(self, side: Side = Side.STATION) -> list[tuple[str, str, str | None]]:
        """(direction arrow, message type, action) of every frame one side's tap saw, in order."""
        arrow = {Direction.TO_CSMS: "->", Direction.TO_STATION: "<-"}
        kind = {MessageType.CALL: "CALL", MessageType.CALLRESULT: "RESULT", MessageType.CALLERROR: "ERROR"}
        return [(arrow[f.direction], kind.get(f.message_type, "INVALID"), f.action) for f in self.frames(side)]

    def payloads(self, action: str, kind: MessageType = MessageType.CALL) -> list[dict[str, Any]]:
        return [f.payload for f in self.frames() if f.action == action and f.message_type is kind]

    def notes(self, kind: str) -> list[StationEvent]:
        return [e for e in self.published if isinstance(e, StationEvent) and e.kind == kind]

    async def step(self, seconds: float) -> None:
        """Let `seconds` of simulated time pass, running what falls due, then settle."""
        self.clock.advance_sim(seconds)
        await settle()

    def mark(self) -> int:
        return len(self.frames())

    def wire_since(self, mark: int) -> list[tuple[str, str, str | None]]:
        return self.wire()[mark:]


async def settle(rounds: int = 300) -> None:
    """Run the loop until every task waits on something only a test step can bring."""
    for _ in range(rounds):
        await asyncio.sleep(0)


def config_for(version: OcppVersion, **changes: Any) -> StationConfig:
    return replace(builtin_templates()[TEMPLATES[version]], id=f"DET-{version.value}", **changes)


@asynccontextmanager
async def bench(
    version: OcppVersion, *, start: bool = True, response_timeout_s: float = 30.0, **changes: Any
) -> AsyncIterator[Bench]:
    bus = EventBus()
    clock = SimClock(speed=1.0, sim_start_wall=START_WALL)
    csms = MockCsms(bus, port=0, clock=clock.utc_now)
    ids = itertools.count(1)
    options = StationOptions(
        transport=MemoryTransport(csms),
        message_ids=lambda: f"m{next(ids)}",
        graph_sample_s=None,
        backoff=Backoff(rng=random.Random(7)),
        response_timeout_s=response_timeout_s,
    )
    station = Station(config_for(version, **changes), bus=bus, clock=clock, url="ws://memory/ocpp", options=options)
    rig = Bench(station, csms, clock)
    bus.subscribe(rig.published.append)
    if start:
        station.start()
        await settle()
    try:
        yield rig
    finally:
        await station.stop()
        await csms.stop()
