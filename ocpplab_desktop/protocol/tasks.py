"""One way to run background work: a `TaskSet` that owns its tasks and reports their failures.

Stations, the mock CSMS, the endpoints and the window all start work that must not outlive
its owner and must not fail in silence. `asyncio.TaskGroup` fits work that ends together;
this fits work that comes and goes (an answer's follow-up, a reconnect loop): every task is
kept until it finishes, a failure reaches `on_error` exactly once, and `close()` cancels and
awaits whatever is left, so shutting down leaves no "Task was destroyed but it is pending"
and no "Future exception was never retrieved".
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from typing import Any, TypeVar

log = logging.getLogger(__name__)
_T = TypeVar("_T")

ErrorHandler = Callable[[BaseException], None]


def _log_error(exc: BaseException) -> None:
    log.error("background task failed: %s: %s", type(exc).__name__, exc, exc_info=exc)


class TaskSet:
    """Tasks started by one owner; failures go to `on_error`, `close()` ends the rest."""

    def __init__(self, name: str = "", on_error: ErrorHandler | None = None) -> None:
        self.name = name
        self._on_error = on_error or _log_error
        self._tasks: set[asyncio.Task[Any]] = set()
        self._closed = False

    def spawn(self, work: Coroutine[Any, Any, _T], *, name: str | None = None) -> asyncio.Task[_T]:
        """Run `work` as a task of this set (a closed set closes `work` instead of running it)."""
        if self._closed:
            work.close()
            raise RuntimeError(f"{self.name or 'task set'} is closed; no new work is started")
        task = asyncio.get_running_loop().create_task(work, name=name or self.name or None)
        self._tasks.add(task)
        task.add_done_callback(self._done)
        return task

    def _done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if task.cancelled():
            return
        exc = task.exception()
        if exc is not None:
            self._on_error(exc)

    def __len__(self) -> int:
        return len(self._tasks)

    @property
    def closed(self) -> bool:
        return self._closed

    async def cancel_all(self) -> None:
        """Cancel every running task and wait until each has finished; the set stays usable."""
        tasks = [t for t in self._tasks if not t.done()]
        for task in tasks:
            task.cancel()
        if tasks:
            await asyncio.gather(*tasks, return_exceptions=True)

    async def close(self) -> None:
        """Cancel every task, wait for all of them, and refuse new work from now on."""
        self._closed = True
        await self.cancel_all()
