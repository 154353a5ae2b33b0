"""A stored session read back: its graph spans the whole session at full width, and sessions can be renamed."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from lab_harness import LabHarness
from PySide6.QtCore import Qt

from ocpplab_desktop.cli import main
from ocpplab_desktop.engine.lab import Lab
from ocpplab_desktop.gui.app import MainWindow
from ocpplab_desktop.gui.session_viewer import SessionViewer
from ocpplab_desktop.gui.sessions_dock import NAME
from ocpplab_desktop.store.store import Store


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("viewer") / "session.db"
    assert main(["run", "local-session-16", "--db", str(db), "--speed", "500"]) == 0
    return db


def test_the_viewers_graph_spans_the_whole_session_below_the_log(recorded: Path, qtbot: Any) -> None:
    with Store(recorded) as store:
        info = store.session(1)
        samples = store.samples(1)
        viewer = SessionViewer(store, info)
        qtbot.addWidget(viewer)
        viewer.resize(1280, 700)
        with qtbot.waitSignal(viewer.loaded, timeout=20_000):
            viewer.show()
        viewer.plot.redraw()
        span = max(s.sim_time for s in samples) - min(s.sim_time for s in samples)
        assert span > 200, "the recording covers minutes of simulated time"
        low, high = viewer.plot.plots[-1].getViewBox().viewRange()[0]
        assert low <= 0.0 and high >= 0.95 * span, f"the time axis shows the whole session, not {low:.1f}..{high:.1f}"
        assert viewer.splitter.orientation() is Qt.Orientation.Vertical and not viewer.splitter.childrenCollapsible()
        assert viewer.plot.width() >= viewer.width() * 0.9, "the graphs take the window's width"
        assert viewer.plot.height() >= 200


def test_a_session_is_renamed_from_the_sessions_dock(in_lab: LabHarness) -> None:
    async def scenario(lab: Lab, window: MainWindow) -> None:
        dock = window.sessions
        dock.refresh()
        messages: list[str] = []
        dock.statusMessage.connect(messages.append)
        assert lab.session_id is not None
        assert dock.rename_session(lab.session_id, "  Firmware test ")
        assert dock.model.item(0, NAME).text() == "Firmware test  (this session)"
        assert messages[-1] == f"Session {lab.session_id} renamed to 'Firmware test'"
        assert not dock.rename_session(lab.session_id, "   ")
        assert messages[-1] == f"Session {lab.session_id} not renamed: a session name cannot be empty"
        dock.select_session(lab.session_id)
        assert dock.rename_button.isEnabled()

    in_lab(scenario)
