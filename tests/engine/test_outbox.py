"""The outbox alone: order, one CALL at a time, offline behaviour and the retry rule (1.6 3.7.1, 2.0.1 E13).

Its host is a scripted station: it answers each CALL from a list and sleeps on a simulated clock.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from rig import settle

from ocpplab_desktop.engine.outbox import Outbox
from ocpplab_desktop.model.clock import SimClock, Timer
from ocpplab_desktop.protocol.endpoint import Settled
from ocpplab_desktop.protocol.errors import CallErrorReceived, NotConnected
from ocpplab_desktop.protocol.station_port import Fill
from ocpplab_desktop.store.store import Store


class ScriptedHost:
    def __init__(self, answers: list[dict[str, Any] | Exception] | None = None, attempts: int = 3, interval: int = 10):
        self.id = "CP"
        self.online = False
        self.connected = False
        self.answers = list(answers or [])
        self.sent: list[tuple[str, dict[str, Any], float]] = []
        self.notes: list[tuple[str, dict[str, Any]]] = []
        self.clock = SimClock(speed=1.0, sim_start_wall=0.0)
        self.policy = (attempts, interval)

    def send_call(self, action: str, payload: dict[str, Any], settled: Settled, *, validate: bool = True) -> None:
        self.sent.append((action, payload, self.clock.now))
        answer = self.answers.pop(0) if self.answers else {}
        # Answered on the loop's next turn, as a CSMS's answer arrives after the send.
        if isinstance(answer, Exception):
            asyncio.get_running_loop().call_soon(settled, None, answer)
        else:
            asyncio.get_running_loop().call_soon(settled, answer, None)

    def retry_policy(self) -> tuple[int, int]:
        return self.policy

    def call_later_sim(self, seconds: float, callback: Callable[[], None]) -> Timer:
        return self.clock.scheduler.call_later(seconds, callback)

    def note(self, kind: str, detail: str, **data: Any) -> None:
        self.notes.append((kind, data))


async def running(outbox: Outbox) -> asyncio.Task[None]:
    task = asyncio.create_task(outbox.run())
    await settle()
    return task


async def test_calls_leave_in_the_order_they_were_queued_and_only_after_the_boot_was_accepted() -> None:
    host = ScriptedHost()
    outbox = Outbox(host)
    first = outbox.put("StartTransaction", {"n": 1}, transactional=True)
    second = outbox.put("MeterValues", {"n": 2}, transactional=True)
    task = await running(outbox)
    assert host.sent == [] and outbox.actions == ["StartTransaction", "MeterValues"]
    host.online = True
    outbox.resume()
    await settle()
    assert [a for a, _, _ in host.sent] == ["StartTransaction", "MeterValues"]
    assert first.done() and second.done() and len(outbox) == 0
    task.cancel()


async def test_a_message_that_is_not_a_transaction_message_is_refused_at_once_while_offline() -> None:
    host = ScriptedHost()
    with pytest.raises(NotConnected, match="Heartbeat not sent: offline"):
        Outbox(host).put("Heartbeat", {})
    host.connected = True
    with pytest.raises(NotConnected, match="not accepted by the CSMS"):
        Outbox(host).put("Heartbeat", {})


async def test_going_offline_keeps_transaction_messages_and_fails_the_rest() -> None:
    host = ScriptedHost()
    host.online = True
    outbox = Outbox(host)
    status = outbox.put("StatusNotification", {})
    stop = outbox.put("StopTransaction", {}, transactional=True)
    outbox.suspend()
    assert outbox.actions == ["StopTransaction"] and not stop.done()
    with pytest.raises(NotConnected, match="offline"):
        await status


async def test_a_failed_transaction_message_is_retried_after_interval_times_transmissions_then_dropped() -> None:
    failure = CallErrorReceived("StopTransaction", "InternalError", "db down", {})
    host = ScriptedHost([failure, failure, failure], attempts=3, interval=10)
    host.online = True
    outbox = Outbox(host)
    answer = outbox.put("StopTransaction", {}, transactional=True)
    outbox.resume()
    task = await running(outbox)
    assert [t for _, _, t in host.sent] == [0.0]
    host.clock.advance_sim(9.9)
    await settle()
    assert len(host.sent) == 1, "the first retry waits 10 s x 1 transmission"
    host.clock.advance_sim(0.1)
    await settle()
    host.clock.advance_sim(20)  # the second retry waits 10 s x 2 transmissions
    await settle()
    assert [t for _, _, t in host.sent] == [0.0, 10.0, 30.0]
    with pytest.raises(CallErrorReceived):
        await answer
    assert [kind for kind, _ in host.notes] == ["tx_message_retry", "tx_message_retry", "tx_message_dropped"]
    task.cancel()


async def test_a_field_filled_from_an_earlier_answer_gets_the_value_that_answer_set() -> None:
    host = ScriptedHost([{"transactionId": 42}, {}])
    host.online = True
    outbox = Outbox(host)
    start = outbox.put("StartTransaction", {}, transactional=True)
    outbox.put(
        "StopTransaction", {"meterStop": 5}, transactional=True, fill=Fill("transactionId", start, "transactionId", 0)
    )
    outbox.resume()
    task = await running(outbox)
    assert host.sent[1][1] == {"meterStop": 5, "transactionId": 42}
    task.cancel()


async def test_offline_messages_are_kept_in_the_journal_and_a_restarted_outbox_sends_them_with_filled_ids(
    tmp_path: Path,
) -> None:
    db = tmp_path / "journal.db"
    with Store(db) as store:
        host = ScriptedHost()
        outbox = Outbox(host, store)
        start = outbox.put("StartTransaction", {"connectorId": 1}, transactional=True)
        outbox.put(
            "MeterValues", {"connectorId": 1}, transactional=True, fill=Fill("transactionId", start, "transactionId")
        )
        outbox.put(
            "StopTransaction",
            {"meterStop": 9},
            transactional=True,
            fill=Fill("transactionId", start, "transactionId", 0),
        )
        kept = store.outbox_pending("CP")
        assert [row.action for row in kept] == ["StartTransaction", "MeterValues", "StopTransaction"]
        assert kept[2].meta["fill"]["from_row"] == kept[0].id, "durable before it counts as queued"
    # The process ends here (nothing was sent); a new one opens the same database.
    with Store(db) as store:
        host = ScriptedHost([{"transactionId": 77}, {}, {}])
        outbox = Outbox(host, store)
        assert outbox.restore() == 3
        host.online = True
        outbox.resume()
        task = await running(outbox)
        assert [(a, p.get("transactionId")) for a, p, _ in host.sent] == [
            ("StartTransaction", None), ("MeterValues", 77), ("StopTransaction", 77)
        ]  # fmt: skip
        assert store.outbox_pending("CP") == [], "each row is deleted once the CSMS has answered it"
        task.cancel()


async def test_once_the_start_is_answered_the_kept_stop_carries_the_id_even_if_the_process_dies(tmp_path: Path) -> None:
    db = tmp_path / "journal.db"
    with Store(db) as store:
        host = ScriptedHost([{"transactionId": 31}, NotConnected("link lost")])
        outbox = Outbox(host, store)
        start = outbox.put("StartTransaction", {}, transactional=True)
        outbox.put(
            "StopTransaction",
            {"meterStop": 1},
            transactional=True,
            fill=Fill("transactionId", start, "transactionId", 0),
        )
        host.online = True
        outbox.resume()
        task = await running(outbox)  # the start is answered; the stop's send fails: still queued
        (row,) = store.outbox_pending("CP")
        assert row.action == "StopTransaction" and json.loads(row.payload)["transactionId"] == 31
        task.cancel()


async def test_a_hook_that_fails_on_an_answer_is_logged_and_the_queue_goes_on(caplog: pytest.LogCaptureFixture) -> None:
    host = ScriptedHost(answers=[{"transactionId": 7}, {}])
    outbox = Outbox(host)
    host.online = True
    task = await running(outbox)
    outbox.resume()

    def broken(answer: dict[str, Any]) -> None:
        raise KeyError("idTagInfo")

    first = outbox.put("StartTransaction", {"n": 1}, transactional=True, on_answer=broken)
    second = outbox.put("MeterValues", {"n": 2}, transactional=True)
    await settle()
    assert [a for a, _, _ in host.sent] == ["StartTransaction", "MeterValues"]
    assert first.result() == {"transactionId": 7} and second.result() == {}
    assert "the answer to StartTransaction could not be handled" in caplog.text
    task.cancel()
