"""The lab's heap keeper: survivors frozen out of later collections, released when asked."""

from __future__ import annotations

import gc
import weakref

from ocpplab_desktop.engine.heap import YOUNG_THRESHOLD, HeapKeeper


def test_settling_freezes_survivors_and_release_gives_them_back() -> None:
    keeper = HeapKeeper(every_s=10.0)
    before = gc.get_threshold()
    keeper.start()
    try:
        assert gc.get_threshold()[0] >= YOUNG_THRESHOLD
        survivors = [[i] for i in range(1000)]  # tracked containers that outlive a collection
        keeper.tick(0.0)
        keeper.tick(9.9)
        assert keeper.settled == 0, "not before the interval"
        keeper.tick(10.0)
        assert keeper.settled == 1
        assert gc.get_freeze_count() >= len(survivors)
    finally:
        keeper.stop()
    assert gc.get_freeze_count() == 0
    assert gc.get_threshold() == before


def test_a_cycle_frozen_with_the_fleet_is_collected_after_release() -> None:
    class Node:
        other: object = None

    keeper = HeapKeeper()
    keeper.start()
    try:
        a, b = Node(), Node()
        a.other, b.other = b, a
        alive = weakref.ref(a)
        keeper.settle()  # the cycle is still referenced: frozen
        del a, b  # now it is garbage that only the collector can free
        gc.collect()
        assert alive() is not None, "a frozen cycle is out of the collector's sight"
        keeper.release()
        gc.collect()
        assert alive() is None
    finally:
        keeper.stop()
