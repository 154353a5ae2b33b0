"""asyncio on Qt for widget tests: a qasync loop per test, and a way to run it until something holds.

Widgets start engine work with `asyncio.ensure_future`, as in the app, where `gui.event_loop.run`
drives asyncio on Qt's event loop. What works reliably here, and why:

- Tests are plain (sync) functions. pytest-asyncio would run an `async def` test on its own,
  non-Qt loop, and choosing another loop needs a conftest hook (which would apply to every
  async test in the directory) or the `event_loop_policy` fixture, deprecated and so an
  error under filterwarnings=error.
- `QtAsyncLoop` makes the app's loop (`gui.event_loop.LabEventLoop`, a qasync loop) the current
  one, so `ensure_future` in a click handler schedules onto it, and closes it afterwards with
  whatever is left cancelled.
- `run_until(condition)` runs that loop (Qt events included) until the condition holds.
  `qtbot.waitUntil` is not enough: it spins Qt's loop, which does run qasync's callbacks,
  but asyncio does not consider the loop *running*, so engine code that calls
  `asyncio.get_running_loop()` (every send) raises RuntimeError. Plug-in happens not to
  send anything offline, which is why it seems to work with waitUntil alone.

Not auto-loaded, and not a fixture: a fixture imported into a test module trips ruff (F401,
then F811 on the parameter), and `pytest_plugins` in a test module breaks assertion
rewriting. A test module wraps it in a three-line fixture of its own:

    @pytest.fixture
    def loop(qapp):
        with QtAsyncLoop(qapp) as running:
            yield running
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from typing import TypeVar

import pytest
from PySide6.QtWidgets import QApplication

from ocpplab_desktop.gui.event_loop import LabEventLoop

T = TypeVar("T")


class QtAsyncLoop:
    """A qasync loop set as the current asyncio loop for the duration of a `with` block."""

    def __init__(self, app: QApplication) -> None:
        self.loop = LabEventLoop(app)

    def __enter__(self) -> QtAsyncLoop:
        asyncio.set_event_loop(self.loop)
        self._between_runs()
        return self

    def _between_runs(self) -> None:
        """Between `run` calls Qt still delivers qasync's timers and socket events (pytest-qt processes
        events after each test, a click processes some): the callbacks they run must find this loop
        running, as they do in the app, or a task resumed there (the lab's clock tick, a send) dies with
        "no running event loop". qasync clears the running loop after each run; set it again."""
        asyncio._set_running_loop(self.loop)

    def __exit__(self, *exc_info: object) -> None:
        asyncio._set_running_loop(None)
        pending = [task for task in asyncio.all_tasks(self.loop) if not task.done()]
        for task in pending:
            task.cancel()
        if pending:
            self.loop.run_until_complete(asyncio.gather(*pending, return_exceptions=True))
        self.loop.close()
        asyncio.set_event_loop(None)

    def run(self, work: Awaitable[T]) -> T:
        """Run the loop until `work` is done and return its result."""
        asyncio._set_running_loop(None)  # qasync runs only when no loop is marked running
        try:
            return self.loop.run_until_complete(work)
        finally:
            self._between_runs()

    def run_until(self, condition: Callable[[], bool], timeout_s: float = 20.0) -> None:
        """Run the loop until `condition()` is true; fail with a clear message if it never is."""

        async def poll() -> None:
            while not condition():  # noqa: ASYNC110 - any widget state; nothing to wait on
                await asyncio.sleep(0.01)

        try:
            self.run(asyncio.wait_for(poll(), timeout_s))
        except TimeoutError:
            pytest.fail(f"condition still false after {timeout_s} s of running the event loop")
