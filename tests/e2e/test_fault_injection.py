"""Fault injection end to end (issue #14): lab stations and the lab's mock CSMS on loopback websockets.

Each test injects through the engine's one vocabulary (`engine.faults.inject`) on one end and
asserts what the other end received and what the session database stored.
"""

from __future__ import annotations

import asyncio
import sqlite3
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from waits import until

from ocpplab_desktop.engine import faults
from ocpplab_desktop.engine.faults import FaultError, FaultSpec
from ocpplab_desktop.engine.lab import Lab
from ocpplab_desktop.engine.station import Station
from ocpplab_desktop.model.config import OcppVersion
from ocpplab_desktop.model.events import StationEvent
from ocpplab_desktop.model.templates import load_template
from ocpplab_desktop.protocol.errors import CallErrorReceived, CallTimeout
from ocpplab_desktop.protocol.frame import Frame, MessageType, Side

TEMPLATES = {OcppVersion.V16: "ac-22kw-wallbox", OcppVersion.V201: "ac-22kw-wallbox-v201"}
VERSIONS = list(OcppVersion)


async def registered(lab: Lab, version: OcppVersion, sid: str = "FLT-1") -> Station:
    station = lab.add_station(replace(load_template(TEMPLATES[version]), id=sid))
    await until(lambda: station.registration == "Accepted", timeout=20)
    return station


def frames(lab: Lab, side: Side) -> list[Frame]:
    return [e for e in lab.seen if isinstance(e, Frame) and e.side is side]  # type: ignore[attr-defined]


def stored(lab: Lab, sql: str, *args: Any) -> list[tuple[Any, ...]]:
    assert lab.recorder is not None and lab.db_path is not None
    lab.recorder.flush()
    with sqlite3.connect(lab.db_path) as db:
        return db.execute(sql, args).fetchall()


def data_transfer(station: Station, data: str) -> Any:
    return station.send("DataTransfer", {"vendorId": "ocpplab.test", "data": data})


@pytest.mark.parametrize("version", VERSIONS)
async def test_a_frame_dropped_by_the_station_never_reaches_the_csms_and_is_stored_as_dropped(
    lab: Lab, version: OcppVersion
) -> None:
    station = await registered(lab, version)
    await faults.inject(lab, station.id, FaultSpec("drop", count=1, action="DataTransfer"))
    with pytest.raises(CallTimeout):
        await data_transfer(station, "lost")
    assert await data_transfer(station, "kept") is not None, "the second one went through: count 1"
    csms_got = [
        f.payload.get("data") for f in frames(lab, Side.CSMS)
        if f.action == "DataTransfer" and f.message_type is MessageType.CALL
    ]  # fmt: skip
    assert "lost" not in csms_got and "kept" in csms_got
    rows = stored(lab, "SELECT note, error FROM frames WHERE side='station' AND raw LIKE '%\"lost\"%'")
    assert rows == [("fault: drop", rows[0][1])] and rows[0][1].startswith("not sent: dropped by fault injection")
    assert not faults.active(lab, station.id), "a used-up fault leaves the active list"
    events = stored(lab, "SELECT kind, detail FROM events WHERE kind = 'fault'")
    assert events and "drop" in events[0][1]


@pytest.mark.parametrize("version", VERSIONS)
async def test_the_csms_answers_a_chosen_call_with_the_callerror_asked_for(lab: Lab, version: OcppVersion) -> None:
    station = await registered(lab, version)
    code = "FormationViolation" if version is OcppVersion.V16 else "FormatViolation"
    spec = FaultSpec("callerror", side="csms", action="DataTransfer", code=code, description="injected",
                     details={"why": "test"}, count=2)  # fmt: skip
    await faults.inject(lab, station.id, spec)
    for _ in range(2):
        with pytest.raises(CallErrorReceived) as failure:
            await data_transfer(station, "x")
        assert failure.value.code == code and failure.value.description == "injected"
    assert await data_transfer(station, "third") is not None, "count 2: the third is answered as usual"
    errors = stored(lab, "SELECT side, raw FROM frames WHERE message_type = 4 ORDER BY seq")
    assert [side for side, _ in errors] == ["csms", "station", "csms", "station"], "both ends stored each CALLERROR"
    assert f'"{code}","injected",{{"why":"test"}}' in errors[1][1]


async def test_a_station_answers_a_csms_call_with_a_callerror_and_an_unknown_code_is_refused(lab: Lab) -> None:
    station = await registered(lab, OcppVersion.V16)
    with pytest.raises(FaultError, match=r"not an OCPP 1\.6 RPC error code.*GenericError"):
        # A 2.0.1 code on a 1.6 station: refused with the codes that would do.
        await faults.inject(lab, station.id, FaultSpec("callerror", action="DataTransfer", code="RpcFrameworkError"))
    await faults.inject(lab, station.id, FaultSpec("callerror", action="DataTransfer", code="GenericError"))
    assert lab.csms is not None
    with pytest.raises(CallErrorReceived) as failure:
        await lab.csms.send(station.id, "DataTransfer", {"vendorId": "csms"})
    assert failure.value.code == "GenericError"


async def test_a_duplicated_call_reaches_the_csms_twice_with_the_same_message_id(lab: Lab) -> None:
    station = await registered(lab, OcppVersion.V16)
    await faults.inject(lab, station.id, FaultSpec("duplicate", count=1, action="DataTransfer"))
    await data_transfer(station, "twice")
    calls = [f for f in frames(lab, Side.CSMS) if f.action == "DataTransfer" and f.message_type is MessageType.CALL]
    assert len(calls) == 2 and calls[0].unique_id == calls[1].unique_id
    # The CSMS answered both; the second answer arrives for a CALL already answered, and is stored so.
    await until(lambda: len(late_answers(lab, calls[0].unique_id)) == 1)
    (late,) = late_answers(lab, calls[0].unique_id)
    assert late.error is not None and "no outstanding CALL" in late.error


def late_answers(lab: Lab, uid: str | None) -> list[Frame]:
    return [
        f for f in frames(lab, Side.STATION)
        if f.unique_id == uid and f.message_type is MessageType.CALLRESULT and f.error is not None
    ]  # fmt: skip


async def test_a_delay_holds_the_frame_and_the_answer_comes_that_much_later(lab: Lab) -> None:
    station = await registered(lab, OcppVersion.V201)
    await faults.inject(lab, station.id, FaultSpec("delay", seconds=0.4, count=1))
    loop = asyncio.get_running_loop()
    start = loop.time()
    await data_transfer(station, "slow")
    assert loop.time() - start >= 0.4
    start = loop.time()
    await data_transfer(station, "fast")
    assert loop.time() - start < 0.4, "count 1: only the first frame was held"


async def test_a_silent_csms_makes_the_station_time_out(lab: Lab) -> None:
    station = await registered(lab, OcppVersion.V16)
    await faults.inject(lab, station.id, FaultSpec("silence", side="csms", action="DataTransfer"))
    with pytest.raises(CallTimeout):
        await data_transfer(station, "unanswered")
    assert [f for f in frames(lab, Side.CSMS) if f.action == "DataTransfer"], "the CSMS received (and stored) it"
    assert faults.clear(lab, station.id) == 1
    assert await data_transfer(station, "answered") is not None


@pytest.mark.parametrize("version", VERSIONS)
async def test_a_malformed_frame_from_the_station_gets_the_callerror_its_version_names(
    lab: Lab, version: OcppVersion
) -> None:
    station = await registered(lab, version)
    said = await faults.inject(lab, station.id, FaultSpec("malformed", form="missing_field", action="BootNotification"))
    assert "missing_field" in said
    # 1.6J 4.2.3: ProtocolError, "Payload for Action is incomplete"; 2.0.1 part 4 4.3 names an occurrence violation.
    expected = "ProtocolError" if version is OcppVersion.V16 else "OccurrenceConstraintViolation"
    await until(lambda: any(f.message_type is MessageType.CALLERROR for f in frames(lab, Side.STATION)))
    (error,) = [f for f in frames(lab, Side.STATION) if f.message_type is MessageType.CALLERROR]
    assert error.error_code == expected
    sent = [f for f in frames(lab, Side.STATION) if f.note == "fault: malformed missing_field"]
    assert len(sent) == 1 and sent[0].unique_id == error.unique_id
    assert station.registration == "Accepted", "the link stayed up"


async def test_the_csms_closing_abruptly_is_seen_as_a_drop_without_close_frame_and_the_station_reconnects(
    lab: Lab,
) -> None:
    station = await registered(lab, OcppVersion.V16)
    await faults.inject(lab, station.id, FaultSpec("close", side="csms", abrupt=True))
    await until(lambda: any(isinstance(e, StationEvent) and e.kind == "disconnected" and e.station_id == station.id
                            for e in lab.seen))  # type: ignore[attr-defined]  # fmt: skip
    (gone,) = [e for e in lab.seen if isinstance(e, StationEvent) and e.kind == "disconnected"]  # type: ignore[attr-defined]
    assert "1006" in gone.detail
    await until(lambda: station.registration == "Accepted", timeout=30)


async def test_a_fault_on_the_csms_side_outlives_a_reconnection(lab: Lab) -> None:
    station = await registered(lab, OcppVersion.V201)
    await faults.inject(
        lab, station.id, FaultSpec("callerror", side="csms", action="DataTransfer", code="InternalError")
    )
    await faults.inject(lab, station.id, FaultSpec("close", side="station"))

    def boots() -> int:
        return sum(1 for f in frames(lab, Side.STATION) if f.action == "BootNotification" and f.message[0] == 2)

    # Not "until it is offline": at x100 the station may be back before a poll sees it gone.
    await until(lambda: boots() >= 2 and station.registration == "Accepted", timeout=30)
    with pytest.raises(CallErrorReceived):
        await data_transfer(station, "after the reconnect")
    assert [side for side, _ in faults.active(lab, station.id)] == ["csms"]


async def test_a_corrupted_call_is_stored_with_what_was_intended_and_answered_as_broken(lab: Lab) -> None:
    station = await registered(lab, OcppVersion.V201)
    await faults.inject(lab, station.id, FaultSpec("corrupt", count=1, action="DataTransfer", seed=3))
    with pytest.raises((CallTimeout, CallErrorReceived)):
        await data_transfer(station, "broken on the way")
    (sent,) = [f for f in frames(lab, Side.STATION) if f.intended is not None]
    assert '"broken on the way"' in sent.intended and sent.raw != sent.intended
    assert sent.note is not None and sent.note.startswith("fault: corrupt")
    (got,) = [f for f in frames(lab, Side.CSMS) if f.raw == sent.raw]
    assert got.message_type is MessageType.INVALID or got.error is not None, "the CSMS saw a broken frame"
    rows = stored(lab, "SELECT raw, intended FROM frames WHERE side = 'station' AND intended IS NOT NULL")
    assert rows == [(sent.raw, sent.intended)]
    assert station.registration == "Accepted", "the link stayed up"


async def test_reordered_frames_reach_the_csms_in_swapped_order(lab: Lab) -> None:
    station = await registered(lab, OcppVersion.V16)
    assert lab.csms is not None
    await faults.inject(lab, station.id, FaultSpec("reorder", count=1))
    # The station's CALL is held; its answer to a CSMS CALL, the next frame that way, overtakes it.
    mine = asyncio.ensure_future(data_transfer(station, "held back"))
    await until(lambda: station.endpoint.rpc.outstanding is not None)  # left the core, held by the fault
    await lab.csms.send(station.id, "DataTransfer", {"vendorId": "from the CSMS"})
    await mine
    arrived = [
        (f.message_type, f.unique_id) for f in frames(lab, Side.CSMS)
        if f.action == "DataTransfer" and f.direction.value == "to_csms"
    ]  # fmt: skip
    assert [kind for kind, _ in arrived] == [MessageType.CALLRESULT, MessageType.CALL], "the answer overtook the CALL"


async def test_an_export_and_its_import_keep_what_a_fault_did_to_each_frame(lab: Lab, tmp_path: Path) -> None:
    station = await registered(lab, OcppVersion.V16)
    await faults.inject(lab, station.id, FaultSpec("corrupt", count=1, action="DataTransfer", seed=3))
    with pytest.raises((CallTimeout, CallErrorReceived)):
        await data_transfer(station, "broken on the way")
    await faults.inject(lab, station.id, FaultSpec("drop", count=1, action="DataTransfer"))
    with pytest.raises(CallTimeout):
        await data_transfer(station, "lost on the way")
    marked = stored(lab, "SELECT raw, note, intended FROM frames WHERE note LIKE 'fault:%' ORDER BY seq")
    assert {note.split()[1] for _, note, _ in marked} >= {"corrupt", "drop"}, marked

    assert lab.store is not None and lab.session_id is not None
    export = tmp_path / "faulted.jsonl"
    lab.store.export_jsonl(lab.session_id, export)
    imported = lab.store.import_jsonl(export)
    again = stored(
        lab,
        "SELECT raw, note, intended FROM frames WHERE session_id = ? AND note LIKE 'fault:%' ORDER BY seq",
        imported.session_id,
    )
    assert again == marked, "the imported session marks the same frames, with the same intended text"
    assert any(intended is not None and "broken on the way" in intended for _, _, intended in again)
