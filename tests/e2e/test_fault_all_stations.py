"""CSMS faults for every station at once (issue #14, "the mock CSMS misbehaving ... for all").

Lab stations and the lab's mock CSMS on loopback websockets; the faults go in through the engine's
one vocabulary (`engine.faults.inject` with `FaultSpec(all_stations=True)`) and through a scenario
file, and what each station received, what `active()` lists and what the session stored are read back.
"""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from waits import until

from ocpplab_desktop.cli import main
from ocpplab_desktop.engine import faults
from ocpplab_desktop.engine.faults import FaultError, FaultSpec
from ocpplab_desktop.engine.lab import Lab
from ocpplab_desktop.engine.station import Station
from ocpplab_desktop.model.config import OcppVersion
from ocpplab_desktop.model.templates import load_template
from ocpplab_desktop.protocol.errors import CallErrorReceived

TEMPLATES = {OcppVersion.V16: "ac-22kw-wallbox", OcppVersion.V201: "ac-22kw-wallbox-v201"}
EVERY_DATA_TRANSFER = FaultSpec(
    "callerror", side="csms", all_stations=True, action="DataTransfer", code="InternalError", description="all"
)


@pytest.fixture
async def lab(tmp_path: Path) -> AsyncIterator[Lab]:
    lab = Lab(db_path=tmp_path / "lab.db", csms_port=0, speed=100)
    await lab.start()
    try:
        yield lab
    finally:
        await lab.close()


async def registered(lab: Lab, version: OcppVersion, sid: str) -> Station:
    station = lab.add_station(replace(load_template(TEMPLATES[version]), id=sid))
    await until(lambda: station.registration == "Accepted", timeout=20)
    return station


async def data_transfer(station: Station) -> str:
    """'answered', or the code of the CALLERROR the CSMS sent instead."""
    try:
        await station.send("DataTransfer", {"vendorId": "ocpplab.test"})
    except CallErrorReceived as error:
        return error.code
    return "answered"


def stored_faults(lab: Lab) -> list[tuple[Any, ...]]:
    assert lab.recorder is not None and lab.db_path is not None
    lab.recorder.flush()
    with sqlite3.connect(lab.db_path) as db:
        return db.execute("SELECT station_id, detail FROM events WHERE kind = 'fault' ORDER BY rowid").fetchall()


@pytest.mark.parametrize("version", list(OcppVersion))
async def test_a_csms_fault_for_all_stations_reaches_every_link_and_later_stations_until_cleared(
    lab: Lab, version: OcppVersion
) -> None:
    first = await registered(lab, version, "ALL-1")
    second = await registered(lab, version, "ALL-2")

    outcome = await faults.inject(lab, None, EVERY_DATA_TRANSFER)
    assert "every station" in outcome and "ALL-1, ALL-2" in outcome
    assert [await data_transfer(s) for s in (first, second, first)] == ["InternalError"] * 3, "always, on each link"
    later = await registered(lab, version, "ALL-3")
    assert await data_transfer(later) == "InternalError", "a station that connected after the injection too"
    for station in (first, second, later):
        [(side, description)] = faults.active(lab, station.id)
        assert side == "csms" and "CALLERROR InternalError" in description and "every station" in description

    assert faults.clear(lab, second.id) == 1, "one standing fault, cleared from any station's panel"
    assert [await data_transfer(s) for s in (first, second, later)] == ["answered"] * 3
    assert all(faults.active(lab, s.id) == [] for s in (first, second, later))
    events = stored_faults(lab)
    assert ("", events[0][1]) == events[0] and "all stations" in events[0][1], "the injection, for no one station"
    assert {sid for sid, _ in events} >= {"ALL-1", "ALL-2", "ALL-3"}, "each link's share, on its station"
    assert any(sid == "" and "cleared" in detail for sid, detail in events)


async def test_each_link_gets_its_own_count(lab: Lab) -> None:
    stations = [await registered(lab, OcppVersion.V16, f"ONCE-{n}") for n in (1, 2)]
    await faults.inject(lab, None, replace(EVERY_DATA_TRANSFER, count=1))
    assert [await data_transfer(s) for s in stations] == ["InternalError", "InternalError"]
    assert [await data_transfer(s) for s in stations] == ["answered", "answered"]
    assert all(faults.active(lab, s.id) for s in stations), "standing until cleared, though each link's count is used"
    later = await registered(lab, OcppVersion.V16, "ONCE-3")
    assert [await data_transfer(later), await data_transfer(later)] == ["InternalError", "answered"]
    assert faults.clear(lab, later.id, side="station") == 0, "the station's end only: the CSMS's fault stands"
    assert faults.active(lab, later.id)


async def test_a_fault_for_all_stations_leaves_alone_a_version_it_does_not_fit(lab: Lab) -> None:
    v16 = await registered(lab, OcppVersion.V16, "MIX-16")
    v201 = await registered(lab, OcppVersion.V201, "MIX-201")
    spec = FaultSpec("callerror", side="csms", all_stations=True, action="StartTransaction", code="InternalError")
    outcome = await faults.inject(lab, None, spec)
    assert "now on MIX-16)" in outcome
    assert [side for side, _ in faults.active(lab, v16.id)] == ["csms"] and faults.active(lab, v201.id) == []
    assert any(sid == "MIX-201" and "does not apply" in detail for sid, detail in stored_faults(lab))

    unknown = FaultSpec("callerror", side="csms", all_stations=True, action="Heartbeat", code="NoSuchCode")
    with pytest.raises(FaultError, match="fits neither OCPP version"):
        await faults.inject(lab, None, unknown)


@pytest.mark.parametrize(
    ("changes", "problem"),
    [
        ({"side": "station"}, "side must be 'csms'"),
        ({"kind": "close", "action": None, "code": None}, "close acts on one station's connection"),
        ({"kind": "silence", "pings": True, "action": None, "code": None}, "silence of pings acts on one"),
    ],
)
def test_all_stations_is_refused_where_it_means_nothing(changes: dict[str, Any], problem: str) -> None:
    with pytest.raises(FaultError, match=problem):
        replace(EVERY_DATA_TRANSFER, **changes)


async def test_a_station_fault_still_needs_its_station(lab: Lab) -> None:
    with pytest.raises(FaultError, match="name the station"):
        await faults.inject(lab, None, FaultSpec("drop", count=1))


SCENARIO = """\
name: the CSMS refuses every Authorize, then recovers
station: {template: ac-22kw-wallbox, id: ALL-SCENARIO}
steps:
  - wait_until: {registration: Accepted, timeout: 60}
  - inject: {kind: callerror, side: csms, all_stations: true, action: Authorize, code: InternalError}
  - plug_in: {connector: 1}
  - present_token: {connector: 1, token: TAG-ALL}
  - present_token: {connector: 1, token: TAG-ALL}
  - expect_frame: {action: Authorize, message_type: CALLERROR, count: 2}
  - expect_state: {connector: 1, state: Preparing}
  - clear_faults: {}
  - present_token: {connector: 1, token: TAG-ALL}
  - wait_until: {state: Charging, connector: 1, timeout: 30}
"""


def test_a_scenario_injects_a_fault_for_all_stations_and_clear_faults_ends_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "all.yaml"
    path.write_text(SCENARIO, encoding="utf-8")
    code = main(["run", str(path), "--db", str(tmp_path / "s.db"), "--speed", "500"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "on every station's link" in out and "1 fault(s) cleared" in out and "10 passed, 0 failed" in out


def test_a_scenario_refuses_all_stations_on_the_station_side(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bad.yaml"
    path.write_text(SCENARIO.replace("side: csms, all_stations", "side: station, all_stations"), encoding="utf-8")
    code = main(["run", str(path), "--db", str(tmp_path / "s.db")])
    out = capsys.readouterr()
    assert code == 2
    assert "all_stations is for the mock CSMS's faults" in out.out + out.err
