"""Keep the cyclic garbage collector's pauses in proportion to what changed, not to the fleet.

A lab of a thousand stations holds a few million long-lived objects (configurations, state
machines, the `ocpp` library's tables). CPython's oldest generation is collected by walking
all of them: measured with 1,000 charging stations, each full collection paused the event loop
for about 230 ms and the collector took a tenth of the process's CPU. Objects that have
survived a full collection are therefore frozen (`gc.freeze`) at a steady interval: later
collections walk only what is new. Frozen objects are still freed by reference counting; only
reference cycles among them wait until `release()` (the lab calls it when it closes or removes
a station), which unfreezes everything for the next collection to see.

While a lab runs, the collector's automatic runs are off and the keeper collects from the lab's
clock task instead, by the collector's own rule (a young collection every YOUNG_THRESHOLD net
allocations, an older one every tenth). Measured here: an automatic collection that starts
inside the destructor of a Qt object and reaches another Qt object deadlocks on Qt's own mutex
(a window test hung in `QObject::~QObject` under `gc_collect_main`); collecting only at the top
of the loop, between callbacks, never runs inside a destructor.
"""

from __future__ import annotations

import gc

SETTLE_EVERY_S = 30.0
SETTLE_AFTER_CHANGE_S = 2.0
"""After stations were added or removed, the next settle comes this long after the last change
instead of at the next 30 s mark: the first full collection of a new fleet walks every object it
made (270 ms with 2,000 stations), and a pause then, while it boots, disturbs less than one that
falls at a random moment of its run (it put 2,000 stations' round-trip p99 at 62-114 ms instead of
30-40)."""
YOUNG_THRESHOLD = 5_000
"""Allocations between young collections (CPython's default is 700): a fleet allocates a few
dozen containers per message, so the default collects hundreds of times a second."""


class HeapKeeper:
    def __init__(self, every_s: float = SETTLE_EVERY_S) -> None:
        self.every_s = every_s
        self._last: float | None = None
        self._threshold = gc.get_threshold()
        self._was_enabled = gc.isenabled()
        self.settled = 0
        self.collections = 0
        self._changed = False
        self._settle_at: float | None = None

    def start(self) -> None:
        self._threshold = gc.get_threshold()
        self._was_enabled = gc.isenabled()
        _, middle, old = self._threshold
        gc.set_threshold(max(YOUNG_THRESHOLD, self._threshold[0]), middle, old)
        gc.disable()

    def tick(self, now: float) -> None:
        """Called by the lab's clock task with the loop's time: collects as the collector would have,
        and settles every `every_s` seconds."""
        if self._changed:
            self._changed = False
            self._settle_at = now + SETTLE_AFTER_CHANGE_S
        if self._last is None:
            self._last = now
        elif now - self._last >= self.every_s or (self._settle_at is not None and now >= self._settle_at):
            self._last = now
            self._settle_at = None
            self.settle()
            return
        self.collect_due()

    def changed(self) -> None:
        """Stations were added or removed: settle SETTLE_AFTER_CHANGE_S after the last such change."""
        self._changed = True

    def collect_due(self) -> None:
        """The collection the collector's thresholds call for now, if any."""
        young, middle, old = gc.get_threshold()
        count0, count1, count2 = gc.get_count()
        if count0 < young:
            return
        generation = 0
        if count1 >= middle:
            generation = 2 if count2 >= old else 1
        gc.collect(generation)
        self.collections += 1

    def settle(self) -> None:
        """Collect what is garbage now, then freeze every survivor out of later collections."""
        gc.collect()
        gc.freeze()
        self.settled += 1

    def release(self) -> None:
        """Let the collector see every object again (stations were removed, or the lab closes)."""
        gc.unfreeze()
        self._changed = True

    def stop(self) -> None:
        self.release()
        gc.collect()  # the backlog now, at a safe point, not at the first allocation after enabling
        gc.set_threshold(*self._threshold)
        if self._was_enabled:
            gc.enable()
