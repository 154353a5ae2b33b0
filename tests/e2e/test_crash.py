"""kill -9 of the window, of `ocpplab csms` and of `ocpplab run`, as a user would see it.

Each program runs as its own process, under load from a station or a CSMS made in this test.
After the kill: every frame answered more than 250 ms before it is in the database; the next
start ends the killed session as crashed at the time of its last frame; and the next start is
clean (it records and closes its own session as usual). All on 127.0.0.1, every wait bounded.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import os
import re
import signal
import socket
import sqlite3
import subprocess
import sys
import time
from collections.abc import Callable
from datetime import datetime
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import pytest
import websockets

from ocpplab_desktop.engine.lab import Lab
from ocpplab_desktop.protocol.frame import Frame, MessageType, Side
from ocpplab_desktop.store.store import SessionInfo, Store

MARGIN_S = 0.25
"""Frames answered this long before the kill must be stored."""
LOAD_S = 1.5
WAIT_S = 60.0
OCPP16 = [websockets.Subprotocol("ocpp1.6")]


def ocpplab(*args: str | Path) -> list[str]:
    return [sys.executable, "-m", "ocpplab_desktop", *map(str, args)]


def start(args: list[str], tmp_path: Path, name: str, **env: str) -> subprocess.Popen[bytes]:
    """A program with its output in files (a pipe nobody reads would fill up under load)."""
    environment = {**os.environ, "XDG_CONFIG_HOME": str(tmp_path / "config"), **env}
    with (tmp_path / f"{name}.out").open("wb") as out, (tmp_path / f"{name}.err").open("wb") as err:
        return subprocess.Popen(args, stdout=out, stderr=err, env=environment)


async def wait_for(condition: Callable[[], Any], what: str, proc: subprocess.Popen[bytes] | None = None) -> Any:
    deadline = time.monotonic() + WAIT_S
    while not (result := condition()):
        if proc is not None and proc.poll() is not None:
            raise AssertionError(f"the program ended (status {proc.returncode}) before {what}")
        if time.monotonic() > deadline:
            raise AssertionError(f"gave up waiting for {what}")
        await asyncio.sleep(0.05)
    return result


def kill_9(proc: subprocess.Popen[bytes]) -> float:
    """SIGKILL the program; returns when it was sent."""
    killed_at = time.time()
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    return killed_at


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def stored_frames(db: Path, side: str) -> set[tuple[str, int]]:
    """(message id, type) of the frames one side stored, read as the killed program left the file."""
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        return {
            (uid, kind)
            for uid, kind in conn.execute("SELECT unique_id, message_type FROM frames WHERE side = ?", [side])
        }


def assert_answered_before_the_kill_are_stored(answered: dict[str, float], killed_at: float, stored: set[Any]) -> None:
    due = sorted(uid for uid, at in answered.items() if at < killed_at - MARGIN_S)
    assert len(due) > 10, "the program was under load when it was killed"
    missing = [
        uid for uid in due if (uid, MessageType.CALL) not in stored or (uid, MessageType.CALLRESULT) not in stored
    ]
    assert missing == [], (
        f"{len(missing)} of {len(due)} calls answered over {MARGIN_S} s before the kill are not stored"
    )
    assert len(answered) > len(due), "calls were still being answered when the kill came"


def sessions_list(db: Path) -> list[str]:
    """`ocpplab sessions list`: the next start of a program that opens the database."""
    done = subprocess.run(
        ocpplab("sessions", "list", "--db", db), capture_output=True, text=True, timeout=60, check=True
    )
    return done.stdout.splitlines()[1:]


def assert_crashed_at_its_last_frame(db: Path, session_id: int) -> SessionInfo:
    with Store(db) as store:
        info = store.session(session_id)
        last = list(store.frames(session_id))[-1]
    assert info.crashed and info.end_reason == "crash"
    with sqlite3.connect(db) as conn:
        (last_ts,) = conn.execute(
            "SELECT ts FROM frames WHERE session_id = ? ORDER BY id DESC", [session_id]
        ).fetchone()
    assert info.ended_at == last_ts
    assert info.duration_s is not None
    assert abs(info.duration_s - (last.wall_time - datetime.fromisoformat(info.started_at).timestamp())) < 0.01
    return info


class Chatter:
    """A station of plain websockets: boots, then sends Heartbeats back to back, noting when each is answered."""

    def __init__(self, station_id: str) -> None:
        self.station_id = station_id
        self.answered: dict[str, float] = {}

    async def run(self, base_url: str, calls: int | None = None) -> None:
        try:
            async with websockets.connect(f"{base_url}/{self.station_id}", subprotocols=OCPP16, open_timeout=10) as ws:
                await self._call(ws, "boot", "BootNotification", {"chargePointVendor": "Kill", "chargePointModel": "9"})
                for n in itertools.count() if calls is None else range(calls):
                    await self._call(ws, f"hb-{n}", "Heartbeat", {})
        except (websockets.ConnectionClosed, OSError):
            return  # the program was killed

    async def _call(self, ws: Any, uid: str, action: str, payload: dict[str, Any]) -> None:
        await ws.send(json.dumps([2, uid, action, payload]))
        while True:
            message = json.loads(await ws.recv())
            if message[0] == MessageType.CALL:  # the CSMS asks something: this station knows nothing
                await ws.send(json.dumps([4, message[1], "NotImplemented", "", {}]))
            elif message[1] == uid:
                self.answered[uid] = time.time()
                return


async def chatter_until_killed(base_url: str, proc: subprocess.Popen[bytes], station_id: str) -> tuple[Chatter, float]:
    chatter = Chatter(station_id)
    talking = asyncio.ensure_future(chatter.run(base_url))
    await wait_for(lambda: len(chatter.answered) > 50, "traffic to flow", proc)
    await asyncio.sleep(LOAD_S)
    killed_at = kill_9(proc)
    await asyncio.wait_for(talking, WAIT_S)
    return chatter, killed_at


def csms_url(out: Path) -> str | None:
    found = re.search(r"ws://127\.0\.0\.1:\d+", out.read_text(errors="replace")) if out.exists() else None
    return found.group(0) if found else None


def listening(port: int) -> bool:
    with socket.socket() as s:
        return s.connect_ex(("127.0.0.1", port)) == 0


# --- ocpplab csms ------------------------------------------------------------------------------------


async def test_kill_9_of_ocpplab_csms_keeps_what_was_answered_and_the_next_start_marks_it_crashed(
    tmp_path: Path,
) -> None:
    db = tmp_path / "csms.db"
    proc = start(ocpplab("csms", "--port", "0", "--db", db), tmp_path, "csms")
    try:
        url = await wait_for(lambda: csms_url(tmp_path / "csms.out"), "the CSMS to listen", proc)
        chatter, killed_at = await chatter_until_killed(url, proc, "KILL-CSMS")
    finally:
        proc.kill()
        proc.wait()
    assert_answered_before_the_kill_are_stored(chatter.answered, killed_at, stored_frames(db, "csms"))

    assert session_rows(db) == [(1, None)]
    (row,) = sessions_list(db)
    assert "crashed" in row.split()
    assert_crashed_at_its_last_frame(db, 1)

    again = start(ocpplab("csms", "--port", "0", "--db", db), tmp_path, "csms-again")
    try:
        url = await wait_for(lambda: csms_url(tmp_path / "csms-again.out"), "the CSMS to listen again", again)
        await Chatter("AFTER-CRASH").run(url, calls=3)
    finally:
        again.send_signal(signal.SIGINT)
        assert again.wait(timeout=30) == 0, (tmp_path / "csms-again.err").read_text()
    assert_next_start_was_clean(db)


def assert_next_start_was_clean(db: Path) -> None:
    with Store(db) as store:
        crashed, clean = store.list_sessions()
    assert crashed.crashed
    assert (clean.end_reason, clean.crashed) == ("closed", False)
    assert clean.frame_count > 0


# --- the window --------------------------------------------------------------------------------------


def session_rows(db: Path) -> list[tuple[int, str | None]]:
    """(id, end_reason) of each session, read without opening a Store (which would end crashed sessions)."""
    if not db.exists():
        return []
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        try:
            return conn.execute("SELECT id, end_reason FROM sessions ORDER BY id").fetchall()
        except sqlite3.OperationalError:  # the schema is not there yet
            return []


@pytest.mark.skipif(find_spec("PySide6") is None, reason="the window needs Qt (CI runs the core once without it)")
async def test_kill_9_of_the_window_keeps_what_its_csms_answered_and_the_next_start_marks_it_crashed(
    tmp_path: Path,
) -> None:
    db, port = tmp_path / "window.db", free_port()
    window = ocpplab("gui", "--db", db, "--port", str(port))
    proc = start(window, tmp_path, "window", QT_QPA_PLATFORM="offscreen")
    try:
        await wait_for(lambda: session_rows(db) and listening(port), "the window to record and listen", proc)
        chatter, killed_at = await chatter_until_killed(f"ws://127.0.0.1:{port}", proc, "KILL-WINDOW")
    finally:
        proc.kill()
        proc.wait()
    assert_answered_before_the_kill_are_stored(chatter.answered, killed_at, stored_frames(db, "csms"))

    again = start(window, tmp_path, "window-again", QT_QPA_PLATFORM="offscreen")
    try:
        await wait_for(lambda: len(session_rows(db)) == 2 and listening(port), "the window again", again)
        assert session_rows(db)[0] == (1, "crash"), "the window's own start ended it"
        assert_crashed_at_its_last_frame(db, 1)
        await Chatter("AFTER-CRASH").run(f"ws://127.0.0.1:{port}", calls=3)
    finally:
        again.send_signal(signal.SIGTERM)
        assert again.wait(timeout=60) == 0, (tmp_path / "window-again.err").read_text()
    assert_next_start_was_clean(db)


# --- ocpplab run -------------------------------------------------------------------------------------

ENDLESS = """
name: killed while charging
station:
  template: ac-22kw-wallbox
  id: KILL-RUN
  meter_interval_s: 1
speed: 50
steps:
  - wait_until: {registration: Accepted, timeout: 6000}
  - plug_in: {connector: 1}
  - present_token: {connector: 1, token: TAG-KILL}
  - wait_until: {state: Charging, connector: 1, timeout: 6000}
  - wait: 1000000
"""


async def test_kill_9_of_ocpplab_run_keeps_what_its_station_was_answered_and_the_next_start_marks_it_crashed(
    tmp_path: Path,
) -> None:
    db, scenario = tmp_path / "run.db", tmp_path / "endless.yaml"
    scenario.write_text(ENDLESS)
    answers: dict[str, float] = {}  # CALLs of the station this test's CSMS answered, and when

    def note(event: object) -> None:
        if isinstance(event, Frame) and event.side is Side.CSMS and event.message_type is MessageType.CALLRESULT:
            answers[event.unique_id or ""] = event.wall_time

    async with Lab(csms_port=0) as csms:
        csms.bus.subscribe(note)
        proc = start(ocpplab("run", scenario, "--csms", csms.csms_url or "", "--db", db), tmp_path, "run")
        try:
            await wait_for(lambda: len(answers) > 50, "the scenario's station to charge", proc)
            await asyncio.sleep(LOAD_S)
            killed_at = kill_9(proc)
        finally:
            proc.kill()
            proc.wait()
    assert_answered_before_the_kill_are_stored(answers, killed_at, stored_frames(db, "station"))

    assert session_rows(db) == [(1, None)]
    (row,) = sessions_list(db)
    assert "crashed" in row.split()
    assert_crashed_at_its_last_frame(db, 1)

    run_to_the_end(ocpplab("run", "local-session-16", "--db", db))
    assert_next_start_was_clean(db)


def run_to_the_end(args: list[str]) -> None:
    done = subprocess.run(args, capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
