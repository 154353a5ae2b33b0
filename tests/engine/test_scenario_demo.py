"""Demonstration steps: `say` captions and `pause` steps that wait for the presenter."""

from __future__ import annotations

import asyncio
import os
import pty
import select
import subprocess
import sys
import time
from pathlib import Path

import pytest

from ocpplab_desktop.engine.lab import Lab
from ocpplab_desktop.engine.scenario import Gate, ScenarioError, ScenarioRunner, parse_scenario
from ocpplab_desktop.model.events import ScenarioProgress, StationEvent

DEMO = {
    "station": {"template": "ac-22kw-wallbox", "id": "DEMO-T"},
    "speed": 100,
    "steps": [
        {"say": "The station boots"},
        {"wait_until": {"registration": "Accepted", "timeout": 60}},
        {"pause": "Look at the log"},
        {"say": "A car plugs in"},
        {"plug_in": {"connector": 1}},
        {"pause": {}},
        {"expect_state": {"connector": 1, "state": "Preparing"}},
    ],
}


def test_say_and_pause_are_checked_when_the_file_is_loaded() -> None:
    scenario = parse_scenario(DEMO)
    assert [s.kind for s in scenario.steps][:3] == ["say", "wait_until", "pause"]
    assert scenario.steps[2].args.prompt == "Look at the log"
    assert scenario.steps[5].args.prompt is None
    with pytest.raises(ScenarioError, match=r"steps\[0\] \(say\): String should have at least 1 character"):
        parse_scenario({**DEMO, "steps": [{"say": ""}]})
    with pytest.raises(ScenarioError, match=r"steps\[0\] \(pause\)"):
        parse_scenario({**DEMO, "steps": [{"pause": {"seconds": 3}}]})


async def test_a_pause_waits_for_the_presenter_and_captions_are_published_and_recorded() -> None:
    lab = Lab(speed=100, csms_port=0)
    await lab.start()
    progress: list[ScenarioProgress] = []
    notes: list[StationEvent] = []
    lab.bus.subscribe(lambda e: isinstance(e, ScenarioProgress) and progress.append(e))
    lab.bus.subscribe(lambda e: isinstance(e, StationEvent) and e.kind == "caption" and notes.append(e))
    gate = Gate()
    try:
        runner = ScenarioRunner(lab, parse_scenario(DEMO), gate=gate)
        running = asyncio.ensure_future(runner.run())
        for _ in range(600):
            if gate.waiting is not None:
                break
            await asyncio.sleep(0.05)
        assert gate.waiting == "Look at the log"
        assert progress[-1].waiting == "Look at the log" and progress[-1].caption == "The station boots"
        assert (progress[-1].step, progress[-1].steps) == (3, 7)
        # Held at the pause: the plug-in step has not run however long the lab goes on.
        await asyncio.sleep(0.5)
        assert lab.stations["DEMO-T"].connectors[0].status() == "Available"
        assert gate.resume()
        for _ in range(600):
            if gate.waiting is not None:
                break
            await asyncio.sleep(0.05)
        assert gate.waiting == "Continue when ready"
        assert lab.stations["DEMO-T"].connectors[0].status() == "Preparing"
        assert progress[-1].caption == "A car plugs in"
        assert gate.resume()
        report = await asyncio.wait_for(running, 30)
    finally:
        await lab.close()
    assert report.ok, report.render()
    assert gate.resume() is False, "nothing waits once the scenario has ended"
    assert progress[-1].finished
    assert [n.detail for n in notes] == ["The station boots", "A car plugs in"]


async def test_without_anyone_to_continue_a_pause_passes_through_and_says_so() -> None:
    lab = Lab(speed=100, csms_port=0)
    await lab.start()
    try:
        report = await asyncio.wait_for(ScenarioRunner(lab, parse_scenario(DEMO)).run(), 60)
    finally:
        await lab.close()
    assert report.ok, report.render()
    assert report.results[2].detail == "not paused ('Look at the log'): nobody to continue it in this run"


def _read_until(fd: int, text: str, seen: bytearray, deadline: float) -> bool:
    while time.monotonic() < deadline:
        ready, _, _ = select.select([fd], [], [], 0.2)
        if ready:
            try:
                chunk = os.read(fd, 4096)
            except OSError:
                return text.encode() in seen
            if not chunk:
                break
            seen.extend(chunk)
        if text.encode() in seen:
            return True
    return text.encode() in seen


def test_ocpplab_run_at_a_terminal_prints_captions_and_waits_for_enter_at_each_pause(tmp_path: Path) -> None:
    scenario = tmp_path / "demo.yaml"
    scenario.write_text(
        "station: {template: ac-22kw-wallbox, id: DEMO-PTY}\nspeed: 100\nsteps:\n"
        "  - say: First caption\n  - wait_until: {registration: Accepted, timeout: 60}\n"
        "  - pause: Press it\n  - say: Second caption\n",
        encoding="utf-8",
    )
    main_fd, child_fd = pty.openpty()
    process = subprocess.Popen(
        [sys.executable, "-m", "ocpplab_desktop", "run", str(scenario), "--db", str(tmp_path / "d.db")],
        stdin=child_fd,
        stdout=child_fd,
        stderr=child_fd,
        close_fds=True,
    )
    os.close(child_fd)
    seen = bytearray()
    try:
        assert _read_until(main_fd, "paused: Press it (press Enter to continue)", seen, time.monotonic() + 60), seen
        assert b"First caption" in seen
        time.sleep(0.5)
        assert b"Second caption" not in seen and process.poll() is None, "it waits at the pause"
        os.write(main_fd, b"\n")
        assert _read_until(main_fd, "4 passed, 0 failed", seen, time.monotonic() + 60), seen
        assert b"\xc2\xbb Second caption" in seen
        assert process.wait(30) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()
        os.close(main_fd)


async def test_a_scenarios_station_is_not_saved_with_the_workspace(tmp_path: Path) -> None:
    from ocpplab_desktop.engine.workspace import snapshot

    lab = Lab(speed=100, csms_port=0, db_path=tmp_path / "w.db", keep_workspace=True)
    await lab.start()
    try:
        report = await asyncio.wait_for(ScenarioRunner(lab, parse_scenario(DEMO)).run(), 60)
        assert "DEMO-T" in lab.stations and "DEMO-T" in lab.transient
        assert snapshot(lab).stations == ()
    finally:
        await lab.close()
    assert report.ok
    reopened = Lab(speed=100, csms_port=0, db_path=tmp_path / "w.db", keep_workspace=True)
    await reopened.start()
    try:
        assert "DEMO-T" not in reopened.stations
    finally:
        await reopened.close()
