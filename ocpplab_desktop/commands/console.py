"""The console of `ocpplab csms`: one line per frame, written so that a slow reader never slows the engine.

Bus subscribers run on the engine's own stack (model/events.py). A `print` to a pipe that nobody
reads blocks once the pipe's 64 KiB are full, and with it the whole loop: the CSMS stopped
answering, refused handshakes and could not even handle SIGTERM. So the subscriber here only puts
a short record in a bounded queue, and a thread of its own formats the lines and writes them with
`os.write`. When the reader falls behind and the queue is full, frames are left out of the
console and counted; the count takes their place in the output once there is room again. The
session database keeps every frame, so nothing is lost but console lines. A long frame is cut to
`max_chars` characters with a note of its full length: a 1 MB frame is not a log line.
"""

from __future__ import annotations

import os
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ocpplab_desktop.protocol.frame import Direction, Frame

CAPACITY = 1000
"""Lines waiting for the reader at most; about 1 MB at the longest lines."""
MAX_CHARS = 1000
"""Characters of a frame shown on its line."""
WRITE_BATCH = 200
"""Lines written with one system call when the reader keeps up."""


@dataclass(frozen=True, slots=True)
class FrameRecord:
    """What a console line needs of a frame; its text is cut to `max_chars` so the queue stays small."""

    station_id: str
    to_csms: bool
    text: str
    length: int
    error: str | None

    @classmethod
    def of(cls, frame: Frame, max_chars: int = MAX_CHARS) -> FrameRecord:
        raw = frame.raw
        return cls(frame.station_id, frame.direction is Direction.TO_CSMS, raw[:max_chars], len(raw), frame.error)

    def line(self) -> str:
        arrow = "->" if self.to_csms else "<-"
        cut = ""
        if self.length > len(self.text):
            cut = f" ... [{self.length:,} characters, the database has the whole frame]"
        flag = f"  !! {_one_line(self.error)[:MAX_CHARS]}" if self.error else ""
        return f"{self.station_id:<16} {arrow} {_one_line(self.text)}{cut}{flag}\n"


@dataclass(frozen=True, slots=True)
class Dropped:
    """Frames left out of the console, in their place in the output."""

    count: int

    def line(self) -> str:
        return (
            f"... {self.count:,} frames not shown: the console's reader was too slow "
            "(the session database has every frame)\n"
        )


@dataclass(frozen=True, slots=True)
class Text:
    """A line of the command's own, such as the banner."""

    text: str

    def line(self) -> str:
        return self.text + "\n"


_Entry = FrameRecord | Dropped | Text
_STOP = object()
Writer = Callable[[memoryview], int]
"""Writes some of the bytes given, returns how many; may block."""


class ConsolePrinter:
    """A bus subscriber that prints frames on a file descriptor without ever blocking its publisher.

    `write` is `os.write` on `fd` by default; it may block (a full pipe), return a partial count
    or fail (a closed pipe), and only the printer's own thread waits for it.
    """

    def __init__(
        self,
        fd: int = 1,
        *,
        capacity: int = CAPACITY,
        max_chars: int = MAX_CHARS,
        write: Writer | None = None,
    ) -> None:
        self._write: Writer = write or (lambda data: os.write(fd, data))
        self._queue: queue.Queue[Any] = queue.Queue(capacity)
        self._max_chars = max_chars
        self._missed = 0  # frames dropped since the last `Dropped` went into the queue
        self.dropped = 0
        """Frames left out of the console so far."""
        self._closing = False
        self._broken = False  # the reader went away: nothing more is written
        self._thread = threading.Thread(target=self._run, name="console printer", daemon=True)

    def start(self) -> None:
        self._thread.start()

    def __call__(self, event: Any) -> None:
        """The bus subscriber: a frame becomes a queued record, or a count when the queue is full."""
        if isinstance(event, Frame) and not self._broken:
            self._put(FrameRecord.of(event, self._max_chars))

    def say(self, text: str) -> None:
        """Print a line of the command's own, in order with the frames."""
        self._put(Text(text))

    def _put(self, entry: _Entry) -> None:
        if self._missed:
            try:
                self._queue.put_nowait(Dropped(self._missed))
            except queue.Full:
                self._count_dropped(entry)
                return
            self._missed = 0
        try:
            self._queue.put_nowait(entry)
        except queue.Full:
            self._count_dropped(entry)

    def _count_dropped(self, entry: _Entry) -> None:
        if isinstance(entry, FrameRecord):
            self._missed += 1
            self.dropped += 1

    def close(self, timeout: float = 1.0) -> bool:
        """Write what is queued, and the count of frames left out, within `timeout` seconds.

        False if the reader did not take it all: a writer stuck on a reader that never reads
        is left behind (a daemon thread), and the command ends anyway.
        """
        if not self._thread.is_alive():
            return False
        deadline = time.monotonic() + timeout
        try:
            if self._missed:
                self._queue.put(Dropped(self._missed), timeout=timeout)
                self._missed = 0
            self._queue.put(_STOP, timeout=max(0.0, deadline - time.monotonic()))
        except queue.Full:
            self._closing = True  # no room for the stop mark: the writer stops once the queue is empty
        self._thread.join(max(0.0, deadline - time.monotonic()))
        return not self._thread.is_alive() and not self._broken

    # --- the writer thread ---------------------------------------------------------------
    def _run(self) -> None:
        while not self._broken:
            batch: list[_Entry] = []
            entry = self._queue.get()
            while entry is not _STOP:
                batch.append(entry)
                if len(batch) == WRITE_BATCH:
                    break
                try:
                    entry = self._queue.get_nowait()
                except queue.Empty:
                    break
            self._write_all("".join(e.line() for e in batch).encode("utf-8", "replace"))
            if entry is _STOP or (self._closing and self._queue.empty()):
                return

    def _write_all(self, data: bytes) -> None:
        view = memoryview(data)
        while view:
            try:
                written = self._write(view)
            except OSError:  # the reader closed the pipe: the console is gone, the engine goes on
                self._broken = True
                return
            view = view[written:]


def _one_line(text: str) -> str:
    """One line per frame, even for a broken frame with raw line breaks in it."""
    return text.replace("\r", "\\r").replace("\n", "\\n")
