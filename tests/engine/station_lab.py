"""A lab with the embedded CSMS for the use-case tests of issue #16: stations boot against it over a
loopback websocket at a fast simulated clock, and every frame a station sent is checked against the
official schemas when the test ends (the `schema_errors` fixture of tests/conftest.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterable
from contextlib import asynccontextmanager
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from ocpplab_desktop.csms.server import MockCsms
from ocpplab_desktop.engine.lab import Lab
from ocpplab_desktop.engine.station import Station
from ocpplab_desktop.model.config import OcppVersion, StationConfig
from ocpplab_desktop.model.events import StationEvent
from ocpplab_desktop.model.templates import load_template
from ocpplab_desktop.protocol.frame import Direction, Frame, MessageType, Side

V16, V201 = OcppVersion.V16, OcppVersion.V201
TEMPLATE = {V16: "ac-22kw-wallbox", V201: "ac-22kw-wallbox-v201"}
DUAL = "ac-dual-2x22kw"


@asynccontextmanager
async def checked(lab: Lab, schema_errors: Any, frames: Callable[[], Iterable[Frame]]) -> AsyncIterator[Lab]:
    """`lab` started; once it is closed, the frames among `frames()` that its stations sent are checked
    against the official schemas of each station's version."""
    await lab.start()
    try:
        yield lab
    finally:
        await lab.close()
    sent_by = [f for f in frames() if f.side is Side.STATION and f.direction is Direction.TO_CSMS]
    for version in V16, V201:
        ids = {s.id for s in lab.stations.values() if s.version is version}
        assert schema_errors([f for f in sent_by if f.station_id in ids], version.value) == []


@pytest.fixture
async def lab(schema_errors: Any) -> AsyncIterator[Lab]:
    """`lab.frames` holds every frame of the lab's bus, in order."""
    lab = Lab(csms_port=0, speed=200)
    frames: list[Frame] = []
    lab.bus.subscribe(lambda e: frames.append(e) if isinstance(e, Frame) else None)
    lab.frames = frames  # type: ignore[attr-defined]
    async with checked(lab, schema_errors, lambda: frames):
        yield lab


class Seen:
    """What the stations sent, each frame with the lab's simulated time when it crossed the tap, and
    every station event."""

    def __init__(self, lab: Lab) -> None:
        self.lab = lab
        self.frames: list[tuple[float, Frame]] = []
        self.events: list[StationEvent] = []
        lab.bus.subscribe(self._on_event)

    def stamp(self) -> float:
        """The time a frame is stamped with: seconds of the lab's simulated clock."""
        return self.lab.clock.now

    def _on_event(self, event: Any) -> None:
        if isinstance(event, Frame) and event.side is Side.STATION and event.direction is Direction.TO_CSMS:
            self.frames.append((self.stamp(), event))
        elif isinstance(event, StationEvent):
            self.events.append(event)

    def calls(self, station_id: str, action: str) -> list[tuple[float, dict[str, Any]]]:
        return [
            (t, f.payload)
            for t, f in self.frames
            if f.station_id == station_id and f.message_type is MessageType.CALL and f.action == action
        ]


@asynccontextmanager
async def seen_lab(schema_errors: Any, seen: Callable[[Lab], Seen] = Seen, **options: Any) -> AsyncIterator[Lab]:
    """A started lab of `options` whose `seen` (see `seen_by`) records what its stations sent from the
    start; once it is closed, those frames are checked against the official schemas."""
    lab = Lab(**options)
    lab.seen = recorder = seen(lab)  # type: ignore[attr-defined]
    async with checked(lab, schema_errors, lambda: (f for _, f in recorder.frames)):
        yield lab


def seen_by(lab: Lab) -> Seen:
    seen: Seen = lab.seen  # type: ignore[attr-defined]
    return seen


def csms(lab: Lab) -> MockCsms:
    assert lab.csms is not None
    return lab.csms


def sent(lab: Lab, station_id: str, action: str) -> list[dict[str, Any]]:
    """The payloads of the CALLs `action` the station sent, in order."""
    frames: list[Frame] = lab.frames  # type: ignore[attr-defined]
    return [
        f.payload
        for f in frames
        if f.side is Side.STATION and f.station_id == station_id and f.direction is Direction.TO_CSMS
        and f.message_type is MessageType.CALL and f.action == action
    ]  # fmt: skip


async def wait(lab: Lab, predicate: Callable[[], bool], what: str) -> None:
    await csms(lab).wait_for(predicate, timeout=20.0, what=what)


async def station(lab: Lab, version: OcppVersion, station_id: str, template: str | None = None, **keys: str) -> Station:
    """A station from the template, 1.6 configuration keys `keys` set, booted and accepted."""
    base = load_template(template or TEMPLATE[version])
    return await boot(lab, replace(base, id=station_id, ocpp_version=version, config_keys={**base.config_keys, **keys}))


async def boot(lab: Lab, config: StationConfig) -> Station:
    """The station of `config` added to the lab, booted and accepted."""
    s = lab.add_station(config)
    await wait(lab, lambda: s.registration == "Accepted", "the boot")
    return s


def iso(seconds: float) -> str:
    """UTC seconds as an OCPP dateTime, to the millisecond."""
    return datetime.fromtimestamp(seconds, tz=UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def seconds(text: str) -> float:
    return datetime.fromisoformat(text).timestamp()


def statuses(lab: Lab, s: Station, number: int = 1) -> list[tuple[str, float]]:
    """(status, time) of every StatusNotification of a connector (1.6 connectorId, 2.0.1 EVSE 1 connector)."""
    found = []
    for p in sent(lab, s.id, "StatusNotification"):
        if s.version is V16 and p["connectorId"] == number:
            found.append((p["status"], seconds(p["timestamp"])))
        elif s.version is V201 and p["evseId"] == number:
            found.append((p["connectorStatus"], seconds(p["timestamp"])))
    return found


async def set_variable(lab: Lab, s: Station, component: str, variable: str, value: str) -> None:
    answer = await csms(lab).set_variables(
        s.id, [{"component": {"name": component}, "variable": {"name": variable}, "attributeValue": value}]
    )
    assert answer["setVariableResult"][0]["attributeStatus"] == "Accepted"
