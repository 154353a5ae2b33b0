"""The window's asyncio loop: ready callbacks in batches on Qt's loop, in order, Qt served between batches."""

from __future__ import annotations

import asyncio
import threading

import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication

from ocpplab_desktop.gui.event_loop import LabEventLoop


@pytest.fixture
def loop(qapp: QApplication):  # type: ignore[no-untyped-def]
    loop = LabEventLoop(qapp)
    asyncio.set_event_loop(loop)
    yield loop
    loop.close()
    asyncio.set_event_loop(None)


def test_ready_callbacks_run_in_the_order_scheduled_and_a_cancelled_one_not_at_all(loop: LabEventLoop) -> None:
    ran: list[int] = []
    handles = [loop.call_soon(ran.append, i) for i in range(5)]
    handles[2].cancel()
    loop.run_until_complete(asyncio.sleep(0.01))
    assert ran == [0, 1, 3, 4]


def test_a_callback_scheduled_by_a_batch_waits_for_the_next_and_qt_is_served_in_between(
    loop: LabEventLoop,
) -> None:
    order: list[str] = []

    def first() -> None:
        order.append("first")
        QTimer.singleShot(0, lambda: order.append("qt"))
        loop.call_soon(lambda: order.append("second"))

    loop.call_soon(first)
    loop.run_until_complete(asyncio.sleep(0.05))
    assert order == ["first", "qt", "second"], "Qt's own event came before the next batch"


def test_tasks_futures_and_threads_reach_the_loop(loop: LabEventLoop) -> None:
    async def work() -> list[str]:
        seen: list[str] = []
        done = loop.create_future()
        threading.Thread(target=lambda: loop.call_soon_threadsafe(done.set_result, "from a thread")).start()
        seen.append(await asyncio.wait_for(done, 5))
        seen.append(await asyncio.ensure_future(asyncio.sleep(0.01, "a task")))
        results = await asyncio.gather(*(asyncio.sleep(0.001 * i, str(i)) for i in range(20)))
        seen.append(",".join(results))
        return seen

    assert loop.run_until_complete(work()) == ["from a thread", "a task", ",".join(str(i) for i in range(20))]


def test_an_exception_in_a_callback_is_reported_and_the_rest_still_run(loop: LabEventLoop) -> None:
    reported: list[str] = []
    loop.set_exception_handler(lambda _loop, context: reported.append(str(context.get("exception"))))
    ran: list[str] = []

    def broken() -> None:
        raise RuntimeError("broken callback")

    loop.call_soon(broken)
    loop.call_soon(ran.append, "after")
    loop.run_until_complete(asyncio.sleep(0.01))
    assert reported == ["broken callback"] and ran == ["after"]
