"""A real session on loopback, stored in a real SQLite file, exported and imported back."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from library_csms import LibraryCsmsServer
from test_station_vs_library_csms import until

from ocpplab_desktop.engine.lab import Lab
from ocpplab_desktop.model.connector import UserAction
from ocpplab_desktop.model.templates import load_template
from ocpplab_desktop.protocol.frame import Frame, Side
from ocpplab_desktop.store.store import Store


async def test_every_frame_of_a_session_is_stored_and_survives_export_then_import(tmp_path: Path) -> None:
    db = tmp_path / "lab.db"
    seen: list[Frame] = []
    async with LibraryCsmsServer() as csms:
        lab = Lab(db_path=db, csms_port=None, speed=100)
        lab.bus.subscribe(lambda e: seen.append(e) if isinstance(e, Frame) else None)
        await lab.start()
        try:
            station = lab.add_station(replace(load_template("ac-22kw-wallbox"), id="STORE-1", csms_url=csms.url))
            await until(lambda: station.registration == "Accepted")
            await station.act(1, 1, UserAction.PLUG_IN)
            await station.act(1, 1, UserAction.PRESENT_TOKEN, token="TAG-S")
            await until(lambda: len(csms.received.of("MeterValues")) >= 2)
            await station.act(1, 1, UserAction.STOP)
        finally:
            await lab.close()
        session_id = lab.session_id
    assert session_id is not None

    with Store(db) as store:
        stored = list(store.frames(session_id))
        assert [f.raw for f in stored] == [f.raw for f in seen]
        assert all(f.side is Side.STATION for f in stored)
        states = [(e.data["old"], e.data["new"]) for e in store.events(session_id) if e.kind == "state"]
        assert states == [("Available", "Preparing"), ("Preparing", "Charging"), ("Charging", "Finishing")]
        assert store.samples(session_id), "meter samples are stored with the frames"
        out = tmp_path / "session.jsonl"
        store.export_jsonl(session_id, out)
        result = store.import_jsonl(out)
        assert list(result.bad_lines) == []
        imported = list(store.frames(result.session_id))
    assert [f.to_record() for f in imported] == [f.to_record() for f in stored]
