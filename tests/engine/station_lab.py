"""A lab with the embedded CSMS for the use-case tests of issue #16: stations boot against it over a
loopback websocket at a fast simulated clock, and every frame a station sent is checked against the
official schemas when the test ends (the `schema_errors` fixture of tests/conftest.py)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import pytest

from ocpplab_desktop.csms.server import MockCsms
from ocpplab_desktop.engine.lab import Lab
from ocpplab_desktop.engine.station import Station
from ocpplab_desktop.model.config import OcppVersion
from ocpplab_desktop.model.templates import load_template
from ocpplab_desktop.protocol.frame import Direction, Frame, MessageType, Side

V16, V201 = OcppVersion.V16, OcppVersion.V201
TEMPLATE = {V16: "ac-22kw-wallbox", V201: "ac-22kw-wallbox-v201"}
DUAL = "ac-dual-2x22kw"


@pytest.fixture
async def lab(schema_errors: Any) -> AsyncIterator[Lab]:
    lab = Lab(csms_port=0, speed=200)
    frames: list[Frame] = []
    lab.bus.subscribe(lambda e: frames.append(e) if isinstance(e, Frame) else None)
    lab.frames = frames  # type: ignore[attr-defined]
    await lab.start()
    try:
        yield lab
    finally:
        await lab.close()
    for version in V16, V201:
        ids = {s.id for s in lab.stations.values() if s.version is version}
        sent_by = [f for f in frames if f.side is Side.STATION and f.direction is Direction.TO_CSMS]
        assert schema_errors([f for f in sent_by if f.station_id in ids], version.value) == []


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
    config = replace(base, id=station_id, ocpp_version=version, config_keys={**base.config_keys, **keys})
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
