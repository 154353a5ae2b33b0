"""The persisted outbox on real SQLite files: order, updates, deletion, and durability across a kill -9."""

from __future__ import annotations

import json
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from ocpplab_desktop.store.errors import StoreError
from ocpplab_desktop.store.store import OutboxRow, Store

START = json.dumps({"connectorId": 1, "idTag": "TAG-1", "meterStart": 0, "timestamp": "2025-01-01T00:00:00Z"})


def test_queued_messages_come_back_per_station_in_the_order_they_were_queued(db_path: Path) -> None:
    with Store(db_path) as store:
        first = store.outbox_append("CP-1", "StartTransaction", START, {"attempts": 0})
        other = store.outbox_append("CP-2", "MeterValues", "{}", {})
        second = store.outbox_append("CP-1", "StopTransaction", '{"transactionId": -1}', {"tx": "local-1"})
        assert first < other < second
        assert store.outbox_pending("CP-1") == [
            OutboxRow(first, "CP-1", "StartTransaction", START, {"attempts": 0}),
            OutboxRow(second, "CP-1", "StopTransaction", '{"transactionId": -1}', {"tx": "local-1"}),
        ]
        assert [row.id for row in store.outbox_pending("CP-2")] == [other]
        assert store.outbox_pending("CP-3") == []


def test_an_update_changes_only_what_it_is_given_and_keeps_the_place_in_the_queue(db_path: Path) -> None:
    with Store(db_path) as store:
        first = store.outbox_append("CP-1", "StopTransaction", '{"transactionId": -1}', {"attempts": 0})
        second = store.outbox_append("CP-1", "MeterValues", "{}", {"attempts": 0})
        store.outbox_update(first, payload='{"transactionId": 42}')
        store.outbox_update(first, meta={"attempts": 1})
        store.outbox_update(second, meta={"attempts": 3, "last_error": "timeout"})
        assert store.outbox_pending("CP-1") == [
            OutboxRow(first, "CP-1", "StopTransaction", '{"transactionId": 42}', {"attempts": 1}),
            OutboxRow(second, "CP-1", "MeterValues", "{}", {"attempts": 3, "last_error": "timeout"}),
        ]


def test_deleted_messages_are_gone_and_deleting_twice_is_harmless(db_path: Path) -> None:
    with Store(db_path) as store:
        first = store.outbox_append("CP-1", "StartTransaction", START, {})
        second = store.outbox_append("CP-1", "StopTransaction", "{}", {})
        store.outbox_delete(first)
        store.outbox_delete(first)
        assert [row.id for row in store.outbox_pending("CP-1")] == [second]
        with pytest.raises(StoreError, match=f"no queued message with id {first}"):
            store.outbox_update(first, payload="{}")


def test_text_without_a_utf8_form_is_kept_exactly(db_path: Path) -> None:
    station, payload = "CP-\ud800", '{"idTag": "\udfff"}'
    with Store(db_path) as store:
        row_id = store.outbox_append(station, "Authorize", payload, {"note": "\ud801"})
        store.outbox_update(row_id, meta={"note": "plain now"})
        assert store.outbox_pending(station) == [
            OutboxRow(row_id, station, "Authorize", payload, {"note": "plain now"})
        ]


WRITER = """
import sys, time
from ocpplab_desktop.store.store import Store
store = Store(sys.argv[1])
for n in range(int(sys.argv[2])):
    row_id = store.outbox_append("CP-K", "MeterValues", '{"n": %d}' % n, {"n": n})
    if n % 2:
        store.outbox_update(row_id, meta={"n": n, "odd": True})
print("queued", flush=True)
time.sleep(600)
"""


def test_messages_queued_before_a_kill_9_are_read_back_by_another_process(db_path: Path) -> None:
    count = 25
    with subprocess.Popen(
        [sys.executable, "-c", WRITER, str(db_path), str(count)], stdout=subprocess.PIPE, text=True
    ) as writer:
        try:
            assert writer.stdout is not None
            assert writer.stdout.readline().strip() == "queued"
            writer.send_signal(signal.SIGKILL)
            writer.wait(timeout=30)
        finally:
            writer.kill()
    assert writer.returncode == -signal.SIGKILL
    with Store(db_path) as store:
        pending = store.outbox_pending("CP-K")
    assert [json.loads(row.payload)["n"] for row in pending] == list(range(count))
    assert [row.meta for row in pending] == [{"n": n, "odd": True} if n % 2 else {"n": n} for n in range(count)]
    assert [row.id for row in pending] == sorted(row.id for row in pending)
