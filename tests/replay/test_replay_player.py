"""`ocpplab replay`: a recorded session sent again to a CSMS over loopback, and its answers compared."""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest

from ocpplab_desktop.cli import main
from ocpplab_desktop.csms.server import MockCsms
from ocpplab_desktop.model.config import OcppVersion
from ocpplab_desktop.model.events import EventBus
from ocpplab_desktop.protocol.frame import Frame, MessageType, Side
from ocpplab_desktop.replay.player import Mapping, Player, Recording, default_answer, infer_version
from ocpplab_desktop.store.store import Store


def _record(db: Path, scenario: str) -> None:
    # x100, not faster: a loaded machine must not make the recording itself fail its timeouts.
    assert main(["run", scenario, "--db", str(db), "--speed", "100"]) == 0


def _station_frames(db: Path, session: int) -> list[Frame]:
    store = Store(db)
    try:
        return [f for f in store.frames(session) if f.side is Side.STATION]
    finally:
        store.close()


@pytest.mark.parametrize("scenario", ["local-session-16", "local-session-201"])
def test_a_replay_against_the_same_csms_gets_the_same_answers(
    scenario: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "r.db"
    _record(db, scenario)
    capsys.readouterr()
    assert main(["replay", "1", "--db", str(db), "--speed", "0", "--diff"]) == 0, capsys.readouterr().out
    out = capsys.readouterr().out
    recorded, replayed = _station_frames(db, 1), _station_frames(db, 2)
    calls = [f.action for f in recorded if f.message_type is MessageType.CALL and f.direction.value == "to_csms"]
    again = [f.action for f in replayed if f.message_type is MessageType.CALL and f.direction.value == "to_csms"]
    assert again == calls, "every recorded CALL was sent again, in order"
    assert f"{len(calls)} of {len(calls)} CALLs replayed, 0 without an answer" in out


def test_a_csms_that_answers_differently_makes_the_diff_fail_and_names_the_field(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "r.db"
    _record(db, "local-session-16")
    capsys.readouterr()

    async def against_a_stricter_csms() -> int:
        csms = MockCsms(EventBus(), port=0)
        csms.policy.blocked_tokens.add("TAG-0001")
        await csms.start()
        try:
            return await asyncio.to_thread(
                main, ["replay", "1", "--db", str(db), "--speed", "0", "--diff", "--csms", csms.url]
            )
        finally:
            await csms.stop()

    assert asyncio.run(against_a_stricter_csms()) == 1
    out = capsys.readouterr().out
    assert "idTagInfo.status" in out and "Blocked" in out


def test_csms_assigned_ids_are_mapped_into_later_frames() -> None:
    mapping = Mapping()
    mapping.learn({"transactionId": 7, "idTagInfo": {"status": "Accepted"}}, {"transactionId": 42})
    later = {"transactionId": 7, "meterValue": [{"sampledValue": [{"value": "7"}]}]}
    assert mapping.apply(later) == {"transactionId": 42, "meterValue": [{"sampledValue": [{"value": "7"}]}]}


@pytest.mark.parametrize("version", list(OcppVersion))
def test_an_unrecorded_csms_call_gets_a_minimal_valid_answer(version: OcppVersion) -> None:
    from ocpplab_desktop.protocol import schemas

    for action in ("Reset", "ChangeAvailability", "GetLocalListVersion"):
        answer = default_answer(version, action)
        schemas.check(version, action, answer, response=True)


def test_a_recording_without_the_station_asked_for_is_refused(tmp_path: Path) -> None:
    from ocpplab_desktop.replay.player import ReplayError

    db = tmp_path / "r.db"
    _record(db, "local-session-16")
    frames = _station_frames(db, 1)
    assert infer_version(frames) is OcppVersion.V16
    with pytest.raises(ReplayError, match="no station frames of 'NOPE'"):
        Recording.of(frames, OcppVersion.V16, "NOPE")
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM frames").fetchone()[0] > 0
    assert Player(Recording.of(frames, OcppVersion.V16), EventBus(), speed=0).recording.steps


async def test_a_recorded_csms_drives_a_lab_station_as_it_drove_the_recorded_one(tmp_path: Path) -> None:
    from dataclasses import replace

    from ocpplab_desktop.engine.lab import Lab
    from ocpplab_desktop.model.connector import UserAction
    from ocpplab_desktop.model.templates import load_template
    from ocpplab_desktop.replay.csms_player import CsmsRecording, ReplayCsms

    db = tmp_path / "r.db"
    await asyncio.to_thread(_record, db, "remote-start-stop-16")
    recorded = _station_frames(db, 1)
    recording = CsmsRecording.of(recorded, OcppVersion.V16)
    assert [c.action for c in recording.calls][:1] == ["RemoteStartTransaction"]

    lab = Lab(db_path=tmp_path / "live.db", csms_port=None, speed=200)
    await lab.start()
    seen: list[Frame] = []
    lab.bus.subscribe(lambda e: seen.append(e) if isinstance(e, Frame) else None)
    csms = ReplayCsms(recording, lab.bus, speed=1)  # the recorded CSMS's CALLs at their recorded times
    await csms.start()
    try:
        config = replace(load_template("ac-22kw-wallbox"), id=recording.station_id, csms_url=csms.url)
        station = lab.add_station(config, connect=False)
        await station.act(1, 1, UserAction.PLUG_IN)  # what the person did in the recording, before the remote start
        station.connect()
        await asyncio.wait_for(csms.done.wait(), 30)
        for _ in range(200):
            if any(f.action == "StopTransaction" and f.side is Side.STATION for f in seen):
                break
            await asyncio.sleep(0.05)
    finally:
        await lab.close()
        await csms.stop()
    assert [action for action, error in csms.sent if error is None] == [c.action for c in recording.calls]
    stops = [f.payload for f in seen if f.side is Side.STATION and f.action == "StopTransaction"
             and f.message_type is MessageType.CALL]  # fmt: skip
    assert stops and stops[0]["reason"] == "Remote", "the replayed RemoteStop ended the live transaction"
    assert station.id == recording.station_id


async def test_ocpplab_replay_as_csms_serves_a_station_until_told_to_stop(tmp_path: Path) -> None:
    import signal
    import socket
    import sys
    from dataclasses import replace

    from ocpplab_desktop.engine.lab import Lab
    from ocpplab_desktop.model.templates import load_template

    db = tmp_path / "r.db"
    await asyncio.to_thread(_record, db, "remote-start-stop-16")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "ocpplab_desktop", "replay", "1", "--as-csms", "--port", str(port), "--db", str(db),
        stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert proc.stdout is not None
    banner = (await asyncio.wait_for(proc.stdout.readline(), 30)).decode()
    assert f"ws://127.0.0.1:{port}/SCN-REMOTE-16" in banner
    lab = Lab(db_path=None, csms_port=None, speed=100)
    await lab.start()
    try:
        config = replace(load_template("ac-22kw-wallbox"), id="SCN-REMOTE-16", csms_url=f"ws://127.0.0.1:{port}")
        station = lab.add_station(config)
        for _ in range(300):
            if station.registration == "Accepted":
                break
            await asyncio.sleep(0.05)
        assert station.registration == "Accepted", "booted with the recorded BootNotification answer"
    finally:
        await lab.close()
    proc.send_signal(signal.SIGTERM)
    out = (await asyncio.wait_for(proc.stdout.read(), 30)).decode()
    assert await proc.wait() == 0
    assert "recorded CSMS CALLs sent; session 2 stored" in out
