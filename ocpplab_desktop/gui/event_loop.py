"""asyncio on Qt's event loop, with ready callbacks run in batches.

qasync's `QEventLoop.call_soon` starts a Qt timer per callback (startTimer, a timer event,
killTimer) after an `inspect` check that the callback is not a coroutine function. asyncio
calls `call_soon` for every task step and every future it completes, so a fleet charging in the
window's process pays that several thousand times a second: measured with bench/window_fleet.py
at 1,000 stations, qasync's per-callback timers and checks were a fifth of the window thread's
time.

`LabEventLoop` keeps ready callbacks in a queue, in the order they were scheduled, and asks Qt
for one zero timer per batch. A batch runs the callbacks that were ready when it started; the
ones they schedule wait for the next batch, so Qt's own events (input, paint, sockets) are
served between batches as between asyncio's iterations. `call_soon_threadsafe` reaches
`call_soon` through qasync's queued signal, in the loop's thread, as before. Timers
(`call_later`, `call_at`) are qasync's.
"""

from __future__ import annotations

import asyncio
import sys
from collections import deque
from collections.abc import Callable, Coroutine
from contextvars import Context
from typing import Any, TypeVar

import qasync
from PySide6.QtWidgets import QApplication

T = TypeVar("T")


class LabEventLoop(qasync.QEventLoop):
    def __init__(self, app: QApplication | None = None, **kwargs: Any) -> None:
        self._ready_batch: deque[asyncio.Handle] = deque()
        self._batch_scheduled = False
        super().__init__(app, **kwargs)

    def call_soon(self, callback: Callable[..., object], *args: Any, context: Context | None = None) -> asyncio.Handle:
        self._check_closed()
        handle = asyncio.Handle(callback, args, self, context=context)
        self._ready_batch.append(handle)
        if not self._batch_scheduled:
            self._batch_scheduled = True
            super().call_soon(self._run_batch)
        return handle

    def _run_batch(self) -> None:
        self._batch_scheduled = False
        ready = self._ready_batch
        try:
            for _ in range(len(ready)):
                handle = ready.popleft()
                if not handle._cancelled:
                    handle._run()
        finally:
            # Handle._run reports a callback's exception itself; only SystemExit or KeyboardInterrupt
            # get here, and what was ready still gets its turn.
            if ready and not self._batch_scheduled:
                self._batch_scheduled = True
                super().call_soon(self._run_batch)

    def close(self) -> None:
        self._ready_batch.clear()
        super().close()


def new_loop() -> LabEventLoop:
    existing = QApplication.instance()
    return LabEventLoop(existing if isinstance(existing, QApplication) else QApplication(sys.argv))


class _Policy(asyncio.DefaultEventLoopPolicy):
    def new_event_loop(self) -> asyncio.AbstractEventLoop:
        return new_loop()


def run(main: Coroutine[Any, Any, T]) -> T:
    """`asyncio.run(main)` on a `LabEventLoop` (as `qasync.run` does with its own loop)."""
    if sys.version_info >= (3, 12):
        return asyncio.run(main, loop_factory=new_loop)
    previous = asyncio.get_event_loop_policy()
    asyncio.set_event_loop_policy(_Policy())
    try:
        return asyncio.run(main)
    finally:
        asyncio.set_event_loop_policy(previous)
