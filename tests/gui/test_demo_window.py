"""Scenarios played in the window for an audience: captions, pauses, Continue and presentation mode."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from dataclasses import replace
from pathlib import Path

from lab_harness import LabHarness, until
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest

from ocpplab_desktop.engine.lab import Lab
from ocpplab_desktop.gui.app import MainWindow
from ocpplab_desktop.model.templates import load_template
from ocpplab_desktop.protocol.frame import MessageType
from ocpplab_desktop.store.store import Store

SCENARIO = """\
name: Window demo
station: {template: ac-22kw-wallbox, id: DEMO-W, meter_interval_s: 10}
speed: 100
steps:
  - say: The station boots
  - wait_until: {registration: Accepted, timeout: 60}
  - pause: Look at the station
  - say: A car plugs in and charges
  - plug_in: {connector: 1}
  - present_token: {connector: 1, token: DEMO-TAG}
  - wait_until: {state: Charging, connector: 1, timeout: 30}
  - pause: {}
  - expect_state: {connector: 1, state: Charging}
"""


def _write(tmp_path: Path) -> Path:
    path = tmp_path / "demo.yaml"
    path.write_text(SCENARIO, encoding="utf-8")
    return path


def test_a_scenario_plays_in_the_window_with_its_caption_and_waits_for_continue(
    in_lab: LabHarness, tmp_path: Path
) -> None:
    path = _write(tmp_path)

    async def scenario(lab: Lab, window: MainWindow) -> None:
        demo = window.demo
        assert demo.action_play in window.ui.menu_session.actions()
        assert demo.action_present in window.ui.menu_view.actions()
        assert demo.play_file(path)
        await until(lambda: demo.gate.waiting == "Look at the station", "the first pause", 60)
        banner = demo.banner
        assert banner.isVisible() and banner.caption.text() == "The station boots"
        assert banner.continue_button.isVisible() and "paused: Look at the station" in banner.step.toolTip()
        assert demo.action_continue.isEnabled()
        current = window.current_station()
        assert current is not None and current.id == "DEMO-W", "the scenario's station is selected"
        assert current.connectors[0].status() == "Available"
        QTest.mouseClick(banner.continue_button, Qt.MouseButton.LeftButton)
        await until(lambda: demo.gate.waiting == "Continue when ready", "the second pause", 60)
        assert banner.caption.text() == "A car plugs in and charges"
        assert current.connectors[0].status() == "Charging"
        demo.action_continue.trigger()  # F8
        await until(lambda: demo.report is not None, "the scenario to end", 60)
        assert demo.report is not None and demo.report.ok, demo.report.render()
        assert not banner.continue_button.isVisible()
        assert "finished, every step held" in banner.step.toolTip()
        assert not demo.action_continue.isEnabled()

    in_lab(scenario)


def test_a_scenario_whose_station_exists_or_whose_file_is_broken_is_refused_with_why(
    in_lab: LabHarness, tmp_path: Path
) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("station: {template: ac-22kw-wallbox}\nsteps:\n  - say: ''\n", encoding="utf-8")

    async def scenario(lab: Lab, window: MainWindow) -> None:
        messages: list[str] = []
        window.demo.statusMessage.connect(messages.append)
        assert not window.demo.play_file(broken)
        assert messages[-1].startswith("Scenario not started: ") and "String should have at least 1" in messages[-1]
        assert window.demo.play_file(_write(tmp_path))
        assert not window.demo.play_file(_write(tmp_path))
        assert messages[-1] == "A scenario is already running; wait for it to end first"
        await until(lambda: window.demo.gate.waiting is not None, "the first pause", 60)
        first = lab.stations["DEMO-W"]
        for _ in range(2):
            window.demo.resume()
            await until(lambda: window.demo.gate.waiting is not None or window.demo.report is not None, "a pause", 60)
        await until(lambda: window.demo.report is not None, "the scenario to end", 60)
        # Played again: the scenario's station from the first play is replaced by a fresh one.
        assert window.demo.play_file(_write(tmp_path))
        await until(lambda: lab.stations.get("DEMO-W") not in (None, first), "a fresh station", 60)
        await until(lambda: window.demo.gate.waiting is not None, "its first pause", 60)
        # Left waiting: closing the window ends the scenario with it.

    in_lab(scenario)


def test_a_scenario_whose_station_id_the_workspace_uses_is_refused(in_lab: LabHarness, tmp_path: Path) -> None:
    async def scenario(lab: Lab, window: MainWindow) -> None:
        messages: list[str] = []
        window.demo.statusMessage.connect(messages.append)
        config = load_template("ac-22kw-wallbox")
        lab.add_station(replace(config, id="DEMO-W"))
        assert not window.demo.play_file(_write(tmp_path))
        assert "the workspace has a station DEMO-W already" in messages[-1]

    in_lab(scenario)


def test_present_shows_one_station_large_and_the_right_arrow_continues(in_lab: LabHarness, tmp_path: Path) -> None:
    path = _write(tmp_path)

    async def scenario(lab: Lab, window: MainWindow) -> None:
        demo = window.demo
        demo.play_file(path)
        await until(lambda: demo.gate.waiting == "Look at the station", "the first pause", 60)
        demo.action_present.trigger()  # F11
        shown = demo.presentation
        assert shown is not None and shown.isVisible() and shown.isFullScreen()
        assert shown.station.id == "DEMO-W"
        assert shown.caption.text() == "The station boots"
        assert "Look at the station" in shown.hint.text()
        assert shown.font().pointSizeF() >= window.font().pointSizeF() * 1.8, "readable from the back of a room"
        (panel,) = shown.panels
        assert panel.state.text() == "Available"
        QTest.keyClick(shown, Qt.Key.Key_Right)
        await until(lambda: panel.state.text() == "Charging", "the presented connector to charge")
        assert shown.caption.text() == "A car plugs in and charges"
        await until(lambda: bool(shown.plot.targets()), "the presented power graph to get samples")
        QTest.keyClick(shown, Qt.Key.Key_Escape)
        await until(lambda: demo.presentation is None, "presentation mode to end")
        assert not demo.action_present.isChecked()
        demo.resume()
        await until(lambda: demo.report is not None, "the scenario to end", 60)

    in_lab(scenario)


def _station_frames(db: Path, station_id: str) -> int:
    if not db.exists():
        return 0
    with Store(db) as store:
        sessions = store.list_sessions()
        return sum(1 for s in sessions for f in store.frames(s.id) if f.station_id == station_id)


def test_ocpplab_gui_with_a_scenario_plays_it_once_the_window_is_open(tmp_path: Path) -> None:
    db = tmp_path / "lab.db"
    path = _write(tmp_path)
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_CONFIG_HOME": str(tmp_path / "config")}
    app = subprocess.Popen(
        [sys.executable, "-m", "ocpplab_desktop", "gui", "--db", str(db), "--port", "0", "--scenario", str(path)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while _station_frames(db, "DEMO-W") < 2 and app.poll() is None and time.monotonic() < deadline:
            time.sleep(0.2)
        assert _station_frames(db, "DEMO-W") >= 2, "the scenario's station booted in the window's lab"
        app.send_signal(signal.SIGTERM)
        _out, err = app.communicate(timeout=30)
    finally:
        app.kill()
        app.wait()
    assert app.returncode == 0, err


def test_ocpplab_gui_with_a_broken_scenario_says_why_before_any_window_opens(tmp_path: Path) -> None:
    broken = tmp_path / "broken.yaml"
    broken.write_text("station: {template: ac-22kw-wallbox}\nsteps:\n  - pause: {seconds: 2}\n", encoding="utf-8")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_CONFIG_HOME": str(tmp_path / "config")}
    result = subprocess.run(
        [sys.executable, "-m", "ocpplab_desktop", "gui", "--db", str(tmp_path / "x.db"), "--scenario", str(broken)],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.startswith("ocpplab gui: ") and "broken.yaml" in result.stderr and "pause" in result.stderr
    assert not (tmp_path / "x.db").exists()


CHARGING_FOREVER = """\
name: Charging until the lab is stopped
station: {template: ac-22kw-wallbox, id: SIGTERM-CP, meter_interval_s: 10}
speed: 10
steps:
  - wait_until: {registration: Accepted, timeout: 60}
  - plug_in: {connector: 1}
  - present_token: {connector: 1, token: TAG-SIGTERM}
  - wait: 100000
"""


def test_sigterm_while_charging_quits_without_asking_and_keeps_the_power_loss_stop(tmp_path: Path) -> None:
    db = tmp_path / "lab.db"
    path = tmp_path / "charging.yaml"
    path.write_text(CHARGING_FOREVER, encoding="utf-8")
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen", "XDG_CONFIG_HOME": str(tmp_path / "config")}
    app = subprocess.Popen(
        [sys.executable, "-m", "ocpplab_desktop", "gui", "--db", str(db), "--port", "0", "--scenario", str(path)],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )

    def started() -> bool:
        if not db.exists():
            return False
        with Store(db) as store:
            return any(
                f.action == "StartTransaction" and f.message_type is MessageType.CALLRESULT
                for s in store.list_sessions()
                for f in store.frames(s.id)
            )

    try:
        deadline = time.monotonic() + 60
        while not started() and app.poll() is None and time.monotonic() < deadline:
            time.sleep(0.2)
        assert started(), "the scenario's transaction started in the window's lab"
        app.send_signal(signal.SIGTERM)
        _out, err = app.communicate(timeout=30)  # no question waits for an answer nobody can give
    finally:
        app.kill()
        app.wait()
    assert app.returncode == 0, err
    with Store(db) as store:
        queued = [(row.action, json.loads(row.payload)) for row in store.outbox_pending("SIGTERM-CP")]
    assert [(action, payload.get("reason")) for action, payload in queued] == [("StopTransaction", "PowerLoss")]
