"""The lab's heap keeper: survivors frozen out of later collections, released when asked."""

from __future__ import annotations

import asyncio
import gc
import weakref
from dataclasses import replace

from ocpplab_desktop.engine.heap import SETTLE_AFTER_CHANGE_S, YOUNG_THRESHOLD, HeapKeeper
from ocpplab_desktop.engine.lab import Lab
from ocpplab_desktop.model.templates import load_template


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


def test_after_the_fleet_changes_the_settle_comes_soon_after_the_last_change_not_at_the_interval() -> None:
    keeper = HeapKeeper(every_s=30.0)
    keeper.start()
    try:
        keeper.tick(0.0)
        keeper.changed()  # stations added
        keeper.tick(1.0)
        keeper.changed()  # more, a moment later: the settle waits for the last of them
        keeper.tick(2.0)
        keeper.tick(2.0 + SETTLE_AFTER_CHANGE_S - 0.1)
        assert keeper.settled == 0
        keeper.tick(2.0 + SETTLE_AFTER_CHANGE_S)
        assert keeper.settled == 1
        keeper.tick(2.0 + SETTLE_AFTER_CHANGE_S + 29.0)
        assert keeper.settled == 1, "the interval runs from that settle"
        keeper.tick(2.0 + SETTLE_AFTER_CHANGE_S + 30.0)
        assert keeper.settled == 2
        keeper.release()  # a station removed: everything unfrozen, so settle again soon
        keeper.tick(40.0)
        keeper.tick(40.0 + SETTLE_AFTER_CHANGE_S)
        assert keeper.settled == 3
    finally:
        keeper.stop()


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


async def test_a_lab_that_is_only_a_csms_settles_soon_after_a_fleet_connects_to_it() -> None:
    # `ocpplab csms`: no station is added there; its heap grows as stations connect. Two stations of
    # another lab connect; the CSMS's lab settles about SETTLE_AFTER_CHANGE_S later, not at 30 s.
    csms_lab = Lab(csms_port=0, manage_heap=True)
    await csms_lab.start()
    stations = Lab(csms_port=None)
    await stations.start()
    try:
        assert csms_lab.heap is not None and csms_lab.csms is not None
        base = load_template("ac-22kw-wallbox")
        for sid in ("HEAP-1", "HEAP-2"):
            stations.add_station(replace(base, id=sid, csms_url=csms_lab.csms.url))
        loop = asyncio.get_running_loop()
        for _ in range(500):  # 10 s at most
            if len(csms_lab.csms.stations) == 2:
                break
            await asyncio.sleep(0.02)
        connected_at = loop.time()
        assert len(csms_lab.csms.stations) == 2
        for _ in range(500):
            if csms_lab.heap.settled:
                break
            await asyncio.sleep(0.02)
        assert csms_lab.heap.settled == 1
        assert loop.time() - connected_at < SETTLE_AFTER_CHANGE_S + 1.0, "soon after the fleet came, not at 30 s"
    finally:
        await stations.close()
        await csms_lab.close()
