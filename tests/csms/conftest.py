"""The mock CSMS on a free loopback port or on in-memory pipes, with an independent check of its answers.

Every CALLRESULT the CSMS sends in a test is checked against the official JSON schemas (with
jsonschema, not the compiled validators the endpoint uses) when the test ends.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import pytest

from ocpplab_desktop.csms.server import MockCsms
from ocpplab_desktop.model.events import EventBus
from ocpplab_desktop.protocol.frame import Direction, Frame, MessageType, Side


@pytest.fixture
def bus() -> EventBus:
    return EventBus()


@pytest.fixture
def published(bus: EventBus) -> list[Any]:
    """Everything published on the bus, in order."""
    seen: list[Any] = []
    bus.subscribe(seen.append)
    return seen


def check_answers(server: MockCsms, published: list[Any], schema_errors: Any) -> None:
    """Every frame is the CSMS's, and every answer it gave passes the official schemas."""
    frames = [e for e in published if isinstance(e, Frame)]
    assert all(frame.side is Side.CSMS for frame in frames)
    answers = [f for f in frames if f.message_type is MessageType.CALLRESULT and f.direction is Direction.TO_STATION]
    problems = [
        problem
        for frame in answers
        if frame.station_id in server.stations
        for problem in schema_errors([frame], server.stations[frame.station_id].version.value)
    ]
    assert problems == []


@pytest.fixture
async def csms(bus: EventBus, published: list[Any], schema_errors: Any) -> AsyncIterator[MockCsms]:
    server = MockCsms(bus, port=0)
    await server.start()
    try:
        yield server
    finally:
        await server.stop()
    check_answers(server, published, schema_errors)


@pytest.fixture
def pinned_now() -> datetime:
    """The time the `memory_csms` clock always reads: 2027-01-02T03:04:05.678Z."""
    return datetime(2027, 1, 2, 3, 4, 5, 678000, tzinfo=UTC)


@pytest.fixture
async def memory_csms(
    bus: EventBus, published: list[Any], schema_errors: Any, pinned_now: datetime
) -> AsyncIterator[MockCsms]:
    """A mock CSMS that never listens (stations come in over `memory_pipe`), its clock pinned."""
    server = MockCsms(bus, clock=lambda: pinned_now)
    try:
        yield server
    finally:
        await server.stop()
    check_answers(server, published, schema_errors)
