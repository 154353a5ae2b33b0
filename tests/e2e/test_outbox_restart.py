"""The offline queue survives a restart of the lab: kept in the session database, delivered in order
after the next boot, with the transaction id the CSMS assigns filled into what follows."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

from library_csms import LibraryCsmsServer
from waits import until

from ocpplab_desktop.engine.lab import Lab
from ocpplab_desktop.model.connector import UserAction
from ocpplab_desktop.model.templates import load_template
from ocpplab_desktop.store.store import Store

A = UserAction


async def test_a_transaction_queued_offline_is_delivered_after_the_lab_restarts(tmp_path: Path) -> None:
    db = tmp_path / "lab.db"
    async with LibraryCsmsServer() as csms:
        config = replace(
            load_template("ac-22kw-wallbox"),
            id="RESTARTED",
            csms_url=csms.url,
            config_keys={"AllowOfflineTxForUnknownId": "true"},
        )
        async with Lab(db_path=db, csms_port=None, speed=100) as lab:
            station = lab.add_station(config)
            await until(lambda: station.registration == "Accepted")
            await station.disconnect()
            await station.act(1, 1, A.PLUG_IN)
            await station.act(1, 1, A.PRESENT_TOKEN, token="OFFLINE-1")
            await lab.sleep_sim(130)
            await station.act(1, 1, A.STOP)
            queued = station.outbox.actions
        assert queued[0] == "StartTransaction" and queued[-1] == "StopTransaction" and "MeterValues" in queued
        with Store(db) as store:
            assert [row.action for row in store.outbox_pending("RESTARTED")] == queued
        assert csms.received.of("StartTransaction") == []

        async with Lab(db_path=db, csms_port=None, speed=100) as lab:
            station = lab.add_station(config)
            # Received by the CSMS is not yet answered: the row goes when the station has the answer.
            await until(lambda: len(csms.received.of("StopTransaction")) == 1 and station.queued == 0)
        actions = [a for a, _ in csms.received.calls if a in ("StartTransaction", "MeterValues", "StopTransaction")]
        assert actions == queued, "delivered in the order they were queued"
        assigned = csms.received.of("StopTransaction")[0]["transaction_id"]
        meter_ids = {p.get("transaction_id") for p in csms.received.of("MeterValues")}
        assert meter_ids == {assigned}, "the id the CSMS gave the start, filled into what followed"
        with Store(db) as store:
            assert store.outbox_pending("RESTARTED") == []
