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


def test_while_running_the_collector_runs_only_from_the_keeper_and_collects_what_is_due() -> None:
    class Node:
        other: object = None

    keeper = HeapKeeper(every_s=1000.0)
    was_enabled = gc.isenabled()
    keeper.start()
    try:
        assert not gc.isenabled(), "no automatic collection inside some destructor"
        nodes = []
        for _ in range(YOUNG_THRESHOLD + 10):
            a, b = Node(), Node()
            a.other, b.other = b, a
            nodes.append(weakref.ref(a))
            del a, b
        assert all(ref() is not None for ref in nodes[-10:]), "garbage cycles wait for the keeper"
        keeper.tick(0.0)
        keeper.tick(0.05)
        assert keeper.collections == 1 and all(ref() is None for ref in nodes)
    finally:
        keeper.stop()
    assert gc.isenabled() == was_enabled
