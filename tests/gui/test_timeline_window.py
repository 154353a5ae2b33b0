"""The playback window on a real recorded session: play, seek, step, and the Sessions dock's Play back button."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pytest

from ocpplab_desktop.cli import main
from ocpplab_desktop.engine.lab import Lab
from ocpplab_desktop.gui.sessions_dock import SessionsDock
from ocpplab_desktop.gui.timeline_window import NOT_REPORTED, TimelineWindow
from ocpplab_desktop.protocol.frame import Frame, Side
from ocpplab_desktop.store.store import Store


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("playback") / "session.db"
    assert main(["run", "local-session-16", "--db", str(db), "--speed", "500"]) == 0
    return db


@pytest.fixture
def store(recorded: Path) -> Iterator[Store]:
    with Store(recorded) as opened:
        yield opened


@pytest.fixture
def window(store: Store, qtbot: Any) -> TimelineWindow:
    opened = TimelineWindow(store, 1)
    qtbot.addWidget(opened)
    opened.show()
    return opened


def logged(window: TimelineWindow) -> list[Frame]:
    model = window.log.model
    return [model.frame_at(row) for row in range(model.rowCount())]


def shown_states(window: TimelineWindow) -> dict[tuple[str, str], str]:
    model = window.states
    return {
        (model.item(row, 0).text(), model.item(row, 1).text()): model.item(row, 2).text()
        for row in range(model.rowCount())
    }


def test_playing_at_x1000_shows_every_frame_of_the_station_and_ends_available(
    window: TimelineWindow, store: Store, qtbot: Any
) -> None:
    station_frames = [frame for frame in store.frames(1) if frame.side is Side.STATION]
    assert set(shown_states(window).values()) == {NOT_REPORTED}

    window.set_speed(1000.0)
    window.play()
    assert window.play_action.text() == "Pause"
    qtbot.waitUntil(lambda: not window.playing, timeout=5000)

    assert logged(window) == station_frames
    assert set(shown_states(window).values()) == {"Available"}
    assert ("SCN-LOCAL-16", "connector 1") in shown_states(window)
    assert window.play_action.text() == "Play" and not window.play_action.isChecked()
    assert window.slider.value() == window.slider.maximum()
    duration = window.position_label.text().split("/")[1].strip()
    assert window.position_label.text().strip() == f"{duration} / {duration}"
    assert window.plot.targets() == [("SCN-LOCAL-16", 1, 1)]
    assert window.plot.target == ("SCN-LOCAL-16", None, None)
    window.plot.redraw()
    assert len(window.plot.curve_data("power")[0]) == len(store.samples(1))


def test_seeking_to_the_middle_and_back_empties_and_refills_the_log_consistently(window: TimelineWindow) -> None:
    timeline = window.timeline
    middle = timeline.duration / 2

    window.slider.setValue(round(middle * 1000))  # as a drag does
    at_middle = logged(window)
    assert at_middle == list(timeline.frames[: timeline.index]) and 0 < len(at_middle) < len(timeline.frames)
    middle_states = shown_states(window)

    window.seek(0.0)
    assert logged(window) == [timeline.frames[0]]  # the first frame is at 0 s
    assert set(shown_states(window).values()) == {NOT_REPORTED}
    assert window.position_label.text().strip().startswith("00:00.0 /")

    window.seek(middle)
    assert logged(window) == at_middle
    assert shown_states(window) == middle_states


def test_steps_move_one_frame_and_update_the_connector_states(window: TimelineWindow) -> None:
    timeline = window.timeline
    assert not window.back_action.isEnabled()
    reports: list[dict[tuple[str, str], str]] = [shown_states(window)]
    while window.forward_action.isEnabled():
        before = timeline.index
        window.forward_action.trigger()
        assert timeline.index == len(logged(window)) == before + 1
        reports.append(shown_states(window))
    assert len(reports) == len(timeline.frames) + 1
    assert len({tuple(sorted(states.items())) for states in reports}) > 3, "the states changed along the way"

    for expected in reversed(reports[:-1]):
        before = timeline.index
        window.back_action.trigger()
        assert timeline.index == len(logged(window)) == before - 1
        assert shown_states(window) == expected
    assert not window.back_action.isEnabled()


def test_the_graph_gets_the_samples_up_to_the_position_and_loses_them_going_back(window: TimelineWindow) -> None:
    timeline = window.timeline
    window.seek(timeline.duration)
    window.plot.redraw()
    assert len(window.plot.curve_data("power")[0]) == len(timeline.samples)
    window.seek(timeline.sample_times[1])
    window.plot.redraw()
    assert (
        len(window.plot.curve_data("power")[0])
        == timeline.sample_count(timeline.sample_times[1])
        < len(timeline.samples)
    )


def test_the_sessions_dock_plays_the_selected_session_back(store: Store, qtbot: Any) -> None:
    lab = cast(Lab, SimpleNamespace(store=store, session_id=None, recorder=None))
    dock = SessionsDock(lab)
    qtbot.addWidget(dock)
    assert not dock.play_button.isEnabled()
    dock.select_session(1)
    assert dock.play_button.isEnabled()

    dock.play_button.click()

    assert len(dock.playbacks) == 1
    playback = dock.playbacks[0]
    assert playback.isVisible() and playback.session_id == 1
    assert "Play back session 1" in playback.windowTitle()
    playback.close()
    qtbot.waitUntil(lambda: dock.playbacks == [], timeout=2000)


def test_present_is_full_screen_in_large_type_and_the_arrow_keys_step(window: TimelineWindow, qtbot: Any) -> None:
    from PySide6.QtCore import Qt
    from PySide6.QtTest import QTest

    normal = window.log.font().pointSizeF()
    QTest.keyClick(window, Qt.Key.Key_F11)
    assert window.present_action.isChecked() and window.isFullScreen()
    assert window.log.font().pointSizeF() >= normal * 1.5
    window.state_table.setFocus()
    QTest.keyClick(window.state_table, Qt.Key.Key_Right)
    QTest.keyClick(window.state_table, Qt.Key.Key_Right)
    assert window.timeline.index == len(logged(window)) == 2
    QTest.keyClick(window.state_table, Qt.Key.Key_Left)
    assert window.timeline.index == 1
    # In the log's search box the arrows move the cursor, as in any text field.
    window.log.text_edit.setText("abc")
    window.log.text_edit.setFocus()
    QTest.keyClick(window.log.text_edit, Qt.Key.Key_Left)
    assert window.timeline.index == 1 and window.log.text_edit.cursorPosition() == 2
    window.log.text_edit.clear()
    QTest.keyClick(window, Qt.Key.Key_F11)
    assert not window.isFullScreen() and window.log.font().pointSizeF() == normal
