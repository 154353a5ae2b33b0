"""The event loop of the headless lab (`ocpplab run`, `ocpplab csms`, `ocpplab replay`, the benchmarks).

A fleet spends much of its CPU in the event loop itself: scheduling callbacks, waking futures,
reading and writing a few thousand sockets. uvloop (libuv, in C) does that work for a fraction of
asyncio's pure-Python cost, so the headless commands run on it where it is installed (Linux and
macOS; it has no Windows build). The window keeps its Qt event loop (gui/event_loop.py).

`OCPPLAB_LOOP=asyncio` chooses asyncio's own loop instead, e.g. to rule the loop out when a
problem appears; `OCPPLAB_LOOP=uvloop` insists on uvloop and fails when it is missing.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Coroutine
from typing import Any, TypeVar

T = TypeVar("T")

LOOP_ENV = "OCPPLAB_LOOP"
LOOPS = ("uvloop", "asyncio")


class LoopChoiceError(RuntimeError):
    """OCPPLAB_LOOP names a loop that is unknown or not installed."""


def chosen_loop() -> str:
    """The loop `run` uses: OCPPLAB_LOOP if set, else uvloop when it can be imported, else asyncio."""
    wanted = os.environ.get(LOOP_ENV, "").strip().lower()
    if wanted and wanted not in LOOPS:
        raise LoopChoiceError(f"{LOOP_ENV}={wanted!r}: the loops are {', '.join(LOOPS)}")
    if wanted == "asyncio":
        return "asyncio"
    try:
        import uvloop  # noqa: F401
    except ImportError:
        if wanted == "uvloop":
            raise LoopChoiceError(f"{LOOP_ENV}=uvloop, but uvloop is not installed (it has no Windows build)") from None
        return "asyncio"
    return "uvloop"


def run(main: Coroutine[Any, Any, T]) -> T:
    """`asyncio.run(main)` on the chosen loop."""
    try:
        name = chosen_loop()
    except LoopChoiceError:
        main.close()
        raise
    if name == "uvloop":
        import uvloop

        return uvloop.run(main)
    return asyncio.run(main)
