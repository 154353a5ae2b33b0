"""EngineBridge: bus events in, one Qt signal per kind per tick out."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from ocpplab_desktop.gui.bridge import EngineBridge
from ocpplab_desktop.model.events import ConnectorStateChanged, EventBus, MeterSample, StationEvent

MANUAL = 3_600_000  # a tick interval no test waits for: flush() is called by hand


@pytest.fixture
def bus() -> EventBus:
    return EventBus()


@pytest.fixture
def manual_bridge(qtbot: Any, bus: EventBus) -> Iterator[tuple[EngineBridge, dict[str, list[list[Any]]]]]:
    """A bridge flushed only by the test, and every batch each of its signals emitted."""
    bridge = EngineBridge(bus, interval_ms=MANUAL)
    batches: dict[str, list[list[Any]]] = {"frames": [], "samples": [], "states": [], "events": []}
    bridge.framesArrived.connect(batches["frames"].append)
    bridge.samplesArrived.connect(batches["samples"].append)
    bridge.statesChanged.connect(batches["states"].append)
    bridge.stationEvents.connect(batches["events"].append)
    yield bridge, batches
    bridge.close()


def _state(new: str) -> ConnectorStateChanged:
    return ConnectorStateChanged("CP-1", 1, 1, "Available", new, "plug_in")


def test_a_tick_emits_one_batch_per_kind_in_publication_order(
    manual_bridge: tuple[EngineBridge, dict[str, list[list[Any]]]],
    bus: EventBus,
    make_frame: Callable[..., Any],
    sample: Callable[..., MeterSample],
) -> None:
    bridge, batches = manual_bridge
    frames = [make_frame([2, f"id-{i}", "Heartbeat", {}]) for i in range(5)]
    samples = [sample(float(t), 7000.0) for t in range(3)]
    states = [_state("Preparing"), _state("Charging")]
    event = StationEvent("CP-1", "connected", "connected to ws://x")
    for item in (frames[0], samples[0], *frames[1:], states[0], *samples[1:], event, states[1]):
        bus.publish(item)

    bridge.flush()

    assert batches == {"frames": [frames], "samples": [samples], "states": [states], "events": [[event]]}


def test_publishing_only_buffers_until_the_tick(
    manual_bridge: tuple[EngineBridge, dict[str, list[list[Any]]]], bus: EventBus, make_frame: Callable[..., Any]
) -> None:
    bridge, batches = manual_bridge
    bus.publish(make_frame([2, "a", "Heartbeat", {}]))
    bus.publish(make_frame([3, "a", {"currentTime": "2025-01-01T00:00:00Z"}], action="Heartbeat"))

    assert batches["frames"] == []
    assert bridge.pending == 2


def test_an_idle_tick_emits_nothing_and_a_batch_is_never_sent_twice(
    manual_bridge: tuple[EngineBridge, dict[str, list[list[Any]]]], bus: EventBus, make_frame: Callable[..., Any]
) -> None:
    bridge, batches = manual_bridge
    bridge.flush()
    bus.publish(make_frame([2, "a", "Heartbeat", {}]))
    bridge.flush()
    bridge.flush()

    assert [len(batch) for batch in batches["frames"]] == [1]
    assert batches["samples"] == batches["states"] == batches["events"] == []


def test_events_the_views_do_not_show_are_ignored(
    manual_bridge: tuple[EngineBridge, dict[str, list[list[Any]]]], bus: EventBus
) -> None:
    bridge, batches = manual_bridge
    bus.publish("not an engine event")
    bus.publish({"kind": "connected"})
    bridge.flush()

    assert bridge.pending == 0
    assert all(not emitted for emitted in batches.values())


def test_after_close_the_bridge_no_longer_listens(
    manual_bridge: tuple[EngineBridge, dict[str, list[list[Any]]]], bus: EventBus, make_frame: Callable[..., Any]
) -> None:
    bridge, batches = manual_bridge
    bus.publish(make_frame([2, "a", "Heartbeat", {}]))
    bridge.close()
    bus.publish(make_frame([2, "b", "Heartbeat", {}]))
    bridge.flush()

    assert bridge.pending == 0
    assert batches["frames"] == []


def test_the_timer_delivers_batches_without_being_asked(
    qtbot: Any, bus: EventBus, make_frame: Callable[..., Any]
) -> None:
    bridge = EngineBridge(bus)
    try:
        frame = make_frame([2, "a", "Heartbeat", {}])
        with qtbot.waitSignal(bridge.framesArrived, timeout=5000) as blocker:
            bus.publish(frame)
        assert blocker.args == [[frame]]
    finally:
        bridge.close()
