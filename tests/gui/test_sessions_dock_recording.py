"""The Sessions dock tells the user about the recording itself: when writing fails and why, and which
stored sessions crashed or are being recorded by another program. A real lab, window and SQLite file."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import time

from lab_harness import LabHarness, add_registered, until

from ocpplab_desktop.engine.lab import Lab
from ocpplab_desktop.gui.app import MainWindow
from ocpplab_desktop.gui.sessions_dock import DURATION
from ocpplab_desktop.protocol.frame import Frame
from ocpplab_desktop.store.liveness import HOST
from ocpplab_desktop.store.rows import iso_utc
from ocpplab_desktop.store.status import RecordingStatus

TEMPLATE = "ac-22kw-wallbox"


def test_the_dock_says_while_recording_fails_and_why_and_nothing_is_lost(in_lab: LabHarness) -> None:
    async def scenario(lab: Lab, window: MainWindow) -> None:
        assert lab.db_path is not None and lab.store is not None and lab.recorder is not None
        window.show_sessions()
        dock = window.sessions
        messages: list[str] = []
        dock.statusMessage.connect(messages.append)
        seen: list[Frame] = []
        lab.bus.subscribe(lambda event: seen.append(event) if isinstance(event, Frame) else None)
        heard: list[RecordingStatus] = []
        lab.bus.subscribe(lambda event: heard.append(event) if isinstance(event, RecordingStatus) else None)
        station = await add_registered(window, TEMPLATE)

        other = sqlite3.connect(lab.db_path, isolation_level=None)
        other.execute("BEGIN EXCLUSIVE")  # another program holds the database
        try:
            for _ in range(3):
                await station.send("Heartbeat", {})
            await until(dock.recording_problem.isVisible, "the dock to show the failure", 30)
            assert "Recording is failing" in dock.recording_problem.text()
            assert "locked" in dock.recording_problem.text()
            assert messages == ["Recording is failing; see the Sessions dock"]
        finally:
            other.execute("ROLLBACK")
            other.close()
        await station.send("Heartbeat", {})
        await until(lambda: not dock.recording_problem.isVisible(), "the dock to show writing works again", 30)
        assert messages[-1] == "Recording works again; the held events are stored"
        await until(lambda: len(heard) == 2, "the bus to hear of the recovery, on the window's loop")
        assert [status.failing for status in heard] == [True, False]

        lab.recorder.flush()
        stored = list(lab.store.frames(lab.session_id or 0))
        assert [f.to_record() for f in stored] == [f.to_record() for f in seen]
        assert [e.data["failing"] for e in lab.store.events(lab.session_id or 0) if e.kind == "recording"] == [
            True,
            False,
        ]

    in_lab(scenario)


LEFT_OPEN = """
import sys, time
from ocpplab_desktop.protocol.frame import Direction, Frame, MessageType, Side
from ocpplab_desktop.store.store import Store
store = Store(sys.argv[1])
session_id = store.start_session("killed earlier")
frame = Frame(1, time.time(), 1.0, "CP-OLD", Side.STATION, Direction.TO_CSMS, MessageType.CALL, "a", "Heartbeat",
              '[2,"a","Heartbeat",{}]')
store.record(session_id, [(frame, frame.wall_time)])
"""


def test_the_dock_shows_a_crashed_session_and_one_recorded_elsewhere(in_lab: LabHarness) -> None:
    subprocess.run([sys.executable, "-c", LEFT_OPEN, str(in_lab.db_path)], check=True, timeout=60)
    now = iso_utc(time.time())
    with sqlite3.connect(in_lab.db_path) as conn:  # a lab in another process, alive and recording
        conn.execute(
            "INSERT INTO sessions (name, started_at, source, meta, pid, host, last_seen) "
            "VALUES ('elsewhere', ?, 'lab', '{}', ?, ?, ?)",
            [now, os.getppid(), HOST, now],
        )

    async def scenario(lab: Lab, window: MainWindow) -> None:
        window.show_sessions()
        dock = window.sessions
        crashed, elsewhere = 1, 2
        ids = dock.session_ids()

        crashed_cell = dock.model.item(ids.index(crashed), DURATION)
        assert crashed_cell.text().endswith(", crashed")
        assert "ended without closing it" in crashed_cell.toolTip()
        assert dock.model.item(ids.index(elsewhere), DURATION).text() == "recording elsewhere"
        assert dock.model.item(ids.index(lab.session_id), DURATION).text().startswith("recording 0:0")

    in_lab(scenario)
