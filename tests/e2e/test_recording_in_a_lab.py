"""A real lab with a station and the embedded CSMS: what crosses the wire is stored exactly, whatever
its text, and graph samples at x100 are stored at a bounded real-time rate."""

from __future__ import annotations

import itertools
import sqlite3
from collections import defaultdict
from dataclasses import replace
from datetime import datetime
from pathlib import Path

from waits import until

from ocpplab_desktop.engine.lab import Lab
from ocpplab_desktop.model.connector import UserAction
from ocpplab_desktop.model.events import MeterSample
from ocpplab_desktop.model.templates import load_template
from ocpplab_desktop.protocol.frame import Direction, Frame, MessageType, Side
from ocpplab_desktop.store.recorder import SAMPLE_GAP_S
from ocpplab_desktop.store.store import Store

MEGABYTE = 1_000_000
TO_CSMS = [
    '[2,"\\ud800","Heartbeat",{}]',  # json.loads gives a message id with a lone surrogate
    '[2,"nul\\u0000id","Heartbeat",{}]',  # ... with a NUL
    '[2,"raw\x00nul"',  # a NUL on the wire itself, in text that is not JSON
    '[2,"big","DataTransfer",{"vendorId":"lab","data":"' + "x" * MEGABYTE + '"}]',
]
TO_STATION = '[2,"\\udc80","GetConfiguration",{}]'


async def test_hostile_text_a_nul_and_a_megabyte_are_stored_on_both_sides_and_recording_goes_on(
    tmp_path: Path,
) -> None:
    db = tmp_path / "lab.db"
    seen: list[Frame] = []
    lab = Lab(db_path=db, csms_port=0)
    lab.bus.subscribe(lambda event: seen.append(event) if isinstance(event, Frame) else None)
    await lab.start()
    try:
        station = lab.add_station(replace(load_template("ac-22kw-wallbox"), id="TEXT-1"))
        await until(lambda: station.registration == "Accepted")
        assert lab.csms is not None
        for text in TO_CSMS:
            await station.endpoint.send_raw(text)
        await lab.csms.endpoint("TEXT-1").send_raw(TO_STATION)

        def answered(uid: str) -> bool:
            return any(f.side is Side.STATION and f.message_type is MessageType.CALLRESULT and f.unique_id == uid
                       for f in seen)  # fmt: skip

        await until(lambda: answered("\udc80") and any(f.raw == TO_CSMS[-1] and f.side is Side.CSMS for f in seen))
        await station.send("Heartbeat", {})  # recording and the link go on afterwards
        assert station.connected
    finally:
        await lab.close()

    assert lab.session_id is not None
    with Store(db) as store:
        stored = list(store.frames(lab.session_id))
        info = store.session(lab.session_id)
    assert [f.to_record() for f in stored] == [f.to_record() for f in seen], "every frame, exactly, in order"
    for side in (Side.STATION, Side.CSMS):
        raws = [f.raw for f in stored if f.side is side and f.direction is Direction.TO_CSMS]
        assert [raw for raw in raws if raw in TO_CSMS] == TO_CSMS, side
        assert [f.raw for f in stored if f.side is side and f.direction is Direction.TO_STATION].count(TO_STATION) == 1
    ids = {f.unique_id for f in stored if f.side is Side.CSMS and f.raw in TO_CSMS}
    assert {"\ud800", "nul\x00id", "big"} <= ids
    after = stored[[f.raw for f in stored].index(TO_STATION) :]
    assert {(f.side, f.message_type) for f in after if f.action == "Heartbeat" and f.unique_id != "\ud800"} == {
        (side, kind) for side in Side for kind in (MessageType.CALL, MessageType.CALLRESULT)
    }, "the heartbeat after them is stored on both sides"
    assert info.end_reason == "closed" and info.frame_count == len(seen)


async def test_at_x100_graph_samples_are_stored_about_once_per_connector_per_second(tmp_path: Path) -> None:
    db = tmp_path / "fast.db"
    published: list[MeterSample] = []
    lab = Lab(db_path=db, csms_port=0, speed=100)
    lab.bus.subscribe(lambda event: published.append(event) if isinstance(event, MeterSample) else None)
    await lab.start()
    try:
        station = lab.add_station(replace(load_template("ac-22kw-wallbox"), id="FAST-1"))
        await until(lambda: station.registration == "Accepted")
        await station.act(1, 1, UserAction.PLUG_IN)
        await station.act(1, 1, UserAction.PRESENT_TOKEN, token="TAG-FAST")
        await until(lambda: station.connector(1).reported == "Charging")
        await lab.sleep_sim(300)
    finally:
        await lab.close()

    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT connector_id, ts, on_wire, sim_time FROM meter_samples ORDER BY rowid").fetchall()
    kept: dict[int, list[datetime]] = defaultdict(list)
    for connector, ts, on_wire, _ in rows:
        if not on_wire:
            kept[connector].append(datetime.fromisoformat(ts))
    assert kept, "graph samples are stored"
    for connector, times in kept.items():
        gaps = [(b - a).total_seconds() for a, b in itertools.pairwise(times)]
        assert all(gap >= SAMPLE_GAP_S - 0.002 for gap in gaps), f"connector {connector}: {gaps}"  # ts has ms
    assert len(rows) * 10 < len(published), "at x100 most of the hundred samples a second are not stored"
    on_wire = [(s.connector_id, s.sim_time) for s in published if s.on_wire]
    assert [(c, t) for c, _, w, t in rows if w] == on_wire, "every sample that went out in a MeterValues is kept"
