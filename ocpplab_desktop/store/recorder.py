"""Records one session from the engine's event bus into the store, from a thread of its own.

The bus calls subscribers on the publisher's stack, once per frame, so the subscriber here only
appends to a queue (and thins out meter samples, below). A writer thread with its own connection
takes what has queued every FLUSH_INTERVAL_S and commits it as one transaction, so the event loop
never waits for SQLite. A batch that cannot be written, whatever the reason, stays held, in
order, ahead of what arrives later, and is tried again; the failure is reported once (a log
line, a `RecordingStatus` on the bus and in the session's events, `status` for the window) and
recording goes on. Each commit also renews the session's sign of life (liveness.py), and so
does an idle writer about every second, which is how a later start tells a crash from a live lab.

Meter samples: a station publishes one per connector per simulated second for the graphs, which
at x100 is a hundred rows per connector per wall-clock second. The recorder keeps a connector's
sample only when SAMPLE_GAP_S of wall-clock time has passed since the last one it kept, and
always keeps those that went to the CSMS in a MeterValues (`MeterSample.on_wire`).
"""

from __future__ import annotations

import asyncio
import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from typing import Any

from ocpplab_desktop.model.events import ConnectorStateChanged, EventBus, MeterSample, StationEvent
from ocpplab_desktop.protocol.frame import Frame
from ocpplab_desktop.store.liveness import HEARTBEAT_S
from ocpplab_desktop.store.rows import TimedEvent
from ocpplab_desktop.store.status import RecordingStatus
from ocpplab_desktop.store.store import Store

log = logging.getLogger(__name__)

FLUSH_INTERVAL_S = 0.1
"""How often the writer commits what has queued: well inside the promise that a frame is stored
250 ms after it was seen, with room left for the commit itself on a busy machine."""
RETRY_INTERVAL_S = 1.0
"""How often a failing writer tries again."""
SAMPLE_GAP_S = 0.9
"""Wall-clock seconds from one kept graph sample of a connector to the next. Under a second, so
that at x1 every 1 s graph sample passes despite its timer's jitter; at x100 about one in ninety."""

_RECORDED = frozenset({Frame, ConnectorStateChanged, StationEvent})


class SessionRecorder:
    """Queues the bus's frames, meter samples and events for one session; its writer thread stores them.

    Until a batch is committed its events live only in memory: a frame is stored within
    FLUSH_INTERVAL_S plus the time of a commit after it was seen, unless writing fails.
    """

    def __init__(
        self,
        store: Store,
        bus: EventBus,
        session_id: int,
        *,
        interval: float = FLUSH_INTERVAL_S,
        sample_gap_s: float = SAMPLE_GAP_S,
        clock: Callable[[], float] = time.time,
    ) -> None:
        """Start recording `session_id` of `store` (a session this process started) from `bus`.

        `clock` gives the wall-clock time stored with samples and events and used to thin out samples.
        """
        self.store = store
        self.session_id = session_id
        self.interval = interval
        self._bus = bus
        self._clock = clock
        self._sample_gap = sample_gap_s
        self._last_kept: dict[tuple[str, int, int], float] = {}
        self._queue: deque[TimedEvent] = deque()  # appended by the loop, taken by the writer
        self._held: list[TimedEvent] = []  # taken, not yet committed; only touched under _lock
        self._lock = threading.Lock()
        self._wake = threading.Event()
        self._stopping = False
        self._closed = False
        self._last_beat = time.monotonic()
        self._status = RecordingStatus(session_id, failing=False)
        self._loop: asyncio.AbstractEventLoop | None = None
        self._writer = Store(store.path, timeout=store.timeout, recorder=True)
        self._unsubscribe = bus.subscribe(self._on_event)
        self._thread = threading.Thread(target=self._write_loop, name=f"recorder-{session_id}", daemon=True)
        self._thread.start()

    @property
    def pending(self) -> int:
        """How many events wait to be written (queued, or held after a failed write)."""
        return len(self._queue) + len(self._held)

    @property
    def status(self) -> RecordingStatus:
        """Whether writing works, and if not why (for the window; read from any thread)."""
        return self._status

    def _on_event(self, event: Any) -> None:
        kind = type(event)
        if kind is MeterSample:
            now = self._clock()
            key = (event.station_id, event.evse_id, event.connector_id)
            last = self._last_kept.get(key)
            # A clock that went back counts as a gap, so samples never stop for good.
            if not event.on_wire and last is not None and 0.0 <= now - last < self._sample_gap:
                return
            self._last_kept[key] = now
            self._queue.append((event, now))
        elif kind in _RECORDED:
            self._queue.append((event, self._clock()))

    # --- writing ------------------------------------------------------------------------
    def flush(self) -> int:
        """Write everything queued now, on the caller's thread; returns how many events were written.

        On failure the events stay held, in order, and the error is raised (a StoreError for SQLite's).
        """
        with self._lock:
            return self._write_held(heartbeat=False)

    def _write_held(self, *, heartbeat: bool) -> int:
        """Under the lock: commit the held events and those queued since. Raises; the batch stays held."""
        batch = self._held
        for _ in range(len(self._queue)):
            batch.append(self._queue.popleft())
        if not batch and not (heartbeat and time.monotonic() - self._last_beat >= HEARTBEAT_S):
            return 0
        self._writer.record(self.session_id, batch)
        self._held = []
        self._last_beat = time.monotonic()
        return len(batch)

    def _write_loop(self) -> None:
        wait = self.interval
        while True:
            self._wake.wait(wait)
            self._wake.clear()
            stopping = self._stopping
            try:
                with self._lock:
                    self._write_held(heartbeat=True)
            except Exception as exc:  # whatever it is, the batch stays held and recording goes on
                self._report(True, str(exc) or type(exc).__name__)
                wait = RETRY_INTERVAL_S
            else:
                self._report(False)
                wait = self.interval
            if stopping:
                return

    def _report(self, failing: bool, reason: str = "") -> None:
        """Tell of a change between working and failing, once per change."""
        if failing == self._status.failing:
            return
        status = RecordingStatus(self.session_id, failing, reason, self.pending, time.monotonic())
        self._status = status
        if failing:
            log.error("session %d: %s; keeping %d events to retry", self.session_id, reason, status.held)
        else:
            log.warning("session %d: recording works again, the held-back events are stored", self.session_id)
        self._queue.append((status, self._clock()))
        loop = self._loop
        if loop is not None:
            try:
                loop.call_soon_threadsafe(self._bus.publish, status)
            except RuntimeError:  # the loop has closed; the log line and the stored event remain
                log.debug("session %d: no event loop to tell of %s", self.session_id, status.detail)

    # --- lifecycle ----------------------------------------------------------------------
    async def run(self) -> None:
        """Publish the writer's status changes on this loop's bus until cancelled.

        The writing needs no task: it happens in the writer thread from the start.
        """
        loop = asyncio.get_running_loop()
        self._loop = loop
        try:
            await loop.create_future()
        finally:
            self._loop = None

    def close(self) -> None:
        """Stop listening, wait for the writer's last batch and end the session.

        Raises if the last write fails (a StoreError for SQLite's); the events stay held, so
        calling `close()` again retries.
        """
        if self._closed:
            return
        self._unsubscribe()
        self._stopping = True
        self._wake.set()
        self._thread.join()
        self.flush()
        self._writer.end_session(self.session_id)
        self._writer.close()
        self._closed = True
