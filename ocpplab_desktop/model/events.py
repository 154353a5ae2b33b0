"""A synchronous publish/subscribe bus and the engine's event records.

Subscribers run inline on the publisher's stack, so they must be cheap: append to a
buffer and return. The store and the GUI bridge both work that way and do their real
work on their own timers, which keeps the per-frame cost of the engine flat no matter
how many views are open.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from ocpplab_desktop.model.records import record

log = logging.getLogger(__name__)

Subscriber = Callable[[Any], None]


class EventBus:
    """Fan-out of engine events to subscribers, in subscription order."""

    def __init__(self) -> None:
        self._subscribers: tuple[Subscriber, ...] = ()  # replaced, never changed: publish walks it as it was

    def subscribe(self, subscriber: Subscriber) -> Callable[[], None]:
        """Add a subscriber; returns a function that removes it again."""
        self._subscribers = (*self._subscribers, subscriber)

        def unsubscribe() -> None:
            if subscriber in self._subscribers:
                kept = list(self._subscribers)
                kept.remove(subscriber)
                self._subscribers = tuple(kept)

        return unsubscribe

    def publish(self, event: Any) -> None:
        for subscriber in self._subscribers:
            try:
                subscriber(event)
            except Exception:
                # A broken view must not stop the frame reaching the store.
                log.exception("event subscriber %r failed on %r", subscriber, type(event).__name__)


@dataclass(frozen=True, slots=True)
class ConnectorStateChanged:
    """A connector (1.6) or EVSE connector (2.0.1) changed its OCPP status."""

    station_id: str
    evse_id: int
    connector_id: int
    old: str
    new: str
    cause: str
    forced: bool = False
    mono_time: float = 0.0


@record
class MeterSample:
    """One reading of a connector's meter, in simulated time."""

    station_id: str
    evse_id: int
    connector_id: int
    sim_time: float
    energy_wh: float
    power_w: float
    limit_w: float
    voltage_v: float
    current_a: tuple[float, ...]
    soc: float | None = None
    on_wire: bool = False
    """True when this reading went to the CSMS in a MeterValues (the store keeps all of those)."""


@dataclass(frozen=True, slots=True)
class StationEvent:
    """Anything else worth a line in the session: connect, boot, refusal, fault, error."""

    station_id: str
    kind: str
    detail: str = ""
    data: dict[str, Any] = field(default_factory=dict)
    mono_time: float = 0.0


@dataclass(frozen=True, slots=True)
class ScenarioProgress:
    """Where a running scenario is, for whoever presents it: its caption and whether it waits.

    Published when a step starts, when a `say` step changes the caption and when a `pause`
    step starts or ends waiting; `finished` once the last step has run.
    """

    scenario: str
    station_id: str
    step: int
    """1-based number of the step running now (0 before the first)."""
    steps: int
    kind: str
    caption: str | None = None
    """The latest `say` text, shown until the next one."""
    waiting: str | None = None
    """While a `pause` step waits: its prompt (or a default one)."""
    finished: bool = False
