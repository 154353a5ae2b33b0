"""The compare window on real stored sessions: a run, and its replay against a CSMS that blocks the token."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace
from typing import Any, cast

import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from qt_async import QtAsyncLoop

from ocpplab_desktop.cli import main
from ocpplab_desktop.csms.server import MockCsms
from ocpplab_desktop.engine.lab import Lab
from ocpplab_desktop.gui.diff_views import MARK, VERDICT, pretty_lines
from ocpplab_desktop.gui.diff_window import TAPS, DiffWindow, RecordedSessionDialog
from ocpplab_desktop.gui.sessions_dock import SessionsDock
from ocpplab_desktop.model.events import EventBus
from ocpplab_desktop.protocol.frame import MessageType, Side
from ocpplab_desktop.replay.diff import Kind, diff_frames
from ocpplab_desktop.store.store import Store

RECORDED, BLOCKED, AGAIN = 1, 2, 3


@pytest.fixture(scope="module")
def sessions(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Session 1: a 1.6 run; 2: its replay against a CSMS that blocks the token; 3: its replay as it was."""
    db = tmp_path_factory.mktemp("compare") / "sessions.db"
    # x100, not faster: a loaded machine must not make the recording itself fail its timeouts.
    assert main(["run", "local-session-16", "--db", str(db), "--speed", "100"]) == 0

    async def against_a_stricter_csms() -> int:
        csms = MockCsms(EventBus(), port=0)
        csms.policy.blocked_tokens.add("TAG-0001")
        await csms.start()
        try:
            replay = ["replay", "1", "--db", str(db), "--speed", "0", "--csms", csms.url]
            return await asyncio.to_thread(main, replay)
        finally:
            await csms.stop()

    asyncio.run(against_a_stricter_csms())
    assert main(["replay", "1", "--db", str(db), "--speed", "0"]) == 0
    return db


@pytest.fixture
def loop(qapp: QApplication) -> Iterator[QtAsyncLoop]:
    with QtAsyncLoop(qapp) as running:
        yield running


def opened(loop: QtAsyncLoop, qtbot: Any, db: Path, recorded: int, new: int, **kwargs: Any) -> DiffWindow:
    window = DiffWindow(db, recorded, new, **kwargs)
    qtbot.addWidget(window)
    window.show()
    loop.run_until(lambda: window.report is not None or window.error is not None, 20)
    return window


def recompute(loop: QtAsyncLoop, window: DiffWindow) -> None:
    done: list[bool] = []
    window.compared.connect(lambda: done.append(True))
    window.recompute()
    loop.run_until(lambda: bool(done), 20)


def marked_rows(window: DiffWindow) -> list[int]:
    model = window.model
    return [row for row in range(model.rowCount()) if model.index(row, MARK).data()]


def test_the_blocked_authorize_answer_is_marked_and_shown_beside_both_jsons(
    loop: QtAsyncLoop, qtbot: Any, sessions: Path
) -> None:
    window = opened(loop, qtbot, sessions, RECORDED, BLOCKED)
    assert window.error is None
    assert TAPS[window.tap_combo.currentIndex()][1] is Side.STATION, "the tap both sessions recorded"
    report = window.report
    assert report is not None and not report.ok
    with Store(sessions) as store:
        independent = diff_frames(
            [f for f in store.frames(RECORDED) if f.side is Side.STATION],
            [f for f in store.frames(BLOCKED) if f.side is Side.STATION],
        )
    assert window.model.rowCount() == independent.compared
    assert f"{independent.compared:,} frames compared" in window.summary.text()
    assert f"{len(independent.differences):,} differences" in window.summary.text()

    # The first difference is selected on opening: the Authorize answer.
    row = window.selected_row()
    assert row is not None and row.kind is Kind.CHANGED
    assert (row.ref.action, row.ref.message_type) == ("Authorize", MessageType.CALLRESULT)
    current = window.table.currentIndex().row()
    assert current in marked_rows(window)
    tint = window.model.index(current, 3).data(Qt.ItemDataRole.BackgroundRole)
    assert tint is not None and tint.color().alpha() > 0
    assert window.model.index(current, VERDICT).data(Qt.ItemDataRole.DecorationRole) is not None
    agreeing = next(r for r in range(window.model.rowCount()) if r not in marked_rows(window))
    assert window.model.index(agreeing, 3).data(Qt.ItemDataRole.BackgroundRole) is None
    assert window.model.index(agreeing, VERDICT).data() == "same"

    assert json.loads(window.recorded_pane.text.toPlainText())["idTagInfo"]["status"] == "Accepted"
    assert json.loads(window.new_pane.text.toPlainText())["idTagInfo"]["status"] == "Blocked"
    _text, lines = pretty_lines({"idTagInfo": {"status": "Blocked"}})
    assert window.new_pane.lit_lines() == [lines["payload.idTagInfo.status"]]
    listed = [
        tuple(window.differences.item(r, c).text() for c in range(3)) for r in range(window.differences.rowCount())
    ]
    assert ("payload.idTagInfo.status", '"Accepted"', '"Blocked"') in listed


def test_next_and_previous_difference_move_the_selection_and_the_filter_keeps_only_differences(
    loop: QtAsyncLoop, qtbot: Any, sessions: Path
) -> None:
    window = opened(loop, qtbot, sessions, RECORDED, BLOCKED)
    differing = marked_rows(window)
    assert len(differing) >= 2, "the Authorize answer and what follows from it"
    assert window.table.currentIndex().row() == differing[0]
    assert not window.previous_action.isEnabled()

    window.next_action.trigger()
    assert window.table.currentIndex().row() == differing[1]
    assert window.statusBar().currentMessage() == f"Difference 2 of {len(differing)}"
    second = window.selected_row()
    window.previous_action.trigger()
    assert window.table.currentIndex().row() == differing[0]

    qtbot.keyClick(window.table, Qt.Key.Key_F8)
    assert window.selected_row() == second

    all_rows = window.model.rowCount()
    window.only_differences_action.trigger()
    assert window.model.rowCount() == len(differing) < all_rows
    assert marked_rows(window) == list(range(len(differing)))
    assert window.selected_row() == second, "the selection stays on its frame"
    window.only_differences_action.trigger()
    assert window.model.rowCount() == all_rows


def test_the_ignore_list_recomputes_the_comparison(loop: QtAsyncLoop, qtbot: Any, sessions: Path) -> None:
    window = opened(loop, qtbot, sessions, RECORDED, BLOCKED)
    report = window.report
    assert report is not None
    statuses = [d for d in report.differences if d.path.endswith(".status")]
    assert statuses

    window.ignore_edit.setText("status")
    recompute(loop, window)

    assert window.report is not None and window.report is not report
    assert not [d for d in window.report.differences if d.path.endswith(".status")]
    assert len(window.report.differences) == len(report.differences) - len(statuses)
    assert "ignored: message ids, date-times, transaction ids (mapped one to one); status" in window.summary.text()
    assert window.ignored == ["status"]


def test_a_replay_that_got_the_same_answers_marks_nothing(loop: QtAsyncLoop, qtbot: Any, sessions: Path) -> None:
    window = opened(loop, qtbot, sessions, RECORDED, AGAIN)
    assert window.report is not None and window.report.ok
    assert marked_rows(window) == []
    assert "no differences" in window.summary.text()
    assert not window.next_action.isEnabled()


def test_the_sessions_dock_compares_the_selected_session_with_the_one_chosen(
    loop: QtAsyncLoop, qtbot: Any, sessions: Path
) -> None:
    with Store(sessions) as store:
        lab = cast(Lab, SimpleNamespace(store=store, session_id=None, recorder=None))
        dock = SessionsDock(lab)
        qtbot.addWidget(dock)
        assert not dock.compare_button.isEnabled()
        dock.select_session(BLOCKED)
        dock.compare_button.click()
        dialog = dock.findChild(RecordedSessionDialog)
        assert dialog is not None and dialog.isVisible()
        assert dialog.chosen() == RECORDED, "the run before, of the same station"
        dialog.accept()

        assert len(dock.comparisons) == 1
        window = dock.comparisons[0]
        assert (window.recorded_id, window.new_id) == (RECORDED, BLOCKED)
        loop.run_until(lambda: window.report is not None, 20)
        assert marked_rows(window)
        window.close()
        qtbot.waitUntil(lambda: dock.comparisons == [], timeout=2000)
