"""A batch goes in as multi-row INSERTs: every row once, in the order seen, whatever its size.

Read back with plain sqlite3, independently of the store's own reading code.
"""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from pathlib import Path

import pytest
from test_text_safety import hostile_frame, plain_frame

from ocpplab_desktop.model.events import MeterSample
from ocpplab_desktop.store import store as store_module
from ocpplab_desktop.store.rows import UNRECORDABLE, TimedEvent, insert_columns
from ocpplab_desktop.store.schema import Table
from ocpplab_desktop.store.store import ROWS_PER_INSERT, Store


def sample(i: int) -> MeterSample:
    return MeterSample("CP-1", 1, 1, float(i), 100.0 + i, 7_000.0, 11_000.0, 230.0, (10.0, 10.0, 10.0), None, True)


def batch(n: int) -> list[TimedEvent]:
    events: list[TimedEvent] = []
    for i in range(n):
        events.append((plain_frame(i), 1_700_000_000.0 + i))
        events.append((sample(i), 1_700_000_000.0 + i))
    return events


def stored(db: Path) -> tuple[list[int], list[float]]:
    with sqlite3.connect(db) as conn:
        seqs = [row[0] for row in conn.execute("SELECT seq FROM frames ORDER BY id")]
        times = [row[0] for row in conn.execute("SELECT sim_time FROM meter_samples ORDER BY rowid")]
    return seqs, times


@pytest.mark.parametrize("n", [1, 2, 3, ROWS_PER_INSERT - 1, ROWS_PER_INSERT, 3 * ROWS_PER_INSERT + 77])
def test_every_row_of_a_batch_is_stored_once_in_order(tmp_path: Path, n: int) -> None:
    db = tmp_path / "s.db"
    with Store(db) as store:
        session_id = store.start_session("batch")
        store.record(session_id, batch(n))
    assert stored(db) == (list(range(n)), [float(i) for i in range(n)])


def test_an_old_sqlite_limit_on_bound_values_takes_fewer_rows_per_insert(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # SQLite before 3.32 binds at most 999 values to a statement: 58 frame rows of 17 columns.
    db = tmp_path / "s.db"
    bound: list[int] = []
    real = store_module._multi_insert

    def counting(table: Table, rows: int) -> str:
        bound.append(rows * len(insert_columns(table)))
        return real(table, rows)

    monkeypatch.setattr(store_module, "_multi_insert", counting)
    with Store(db) as store:
        store._db.conn.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 999)
        session_id = store.start_session("old limit")
        store.record(session_id, batch(200))
    assert 900 < max(bound) <= 999
    assert stored(db) == (list(range(200)), [float(i) for i in range(200)])


def test_a_batch_with_text_sqlite_refuses_goes_in_whole_once_escaped(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    events = batch(300)
    events.insert(151, (hostile_frame(999), 1_700_000_000.0))
    with Store(db) as store:
        session_id = store.start_session("hostile")
        store.record(session_id, events)
    seqs, times = stored(db)
    assert seqs == [*range(76), 999, *range(76, 300)]
    assert times == [float(i) for i in range(300)]


def test_a_value_sqlite_has_no_type_for_is_set_aside_and_the_rest_of_the_batch_stored(tmp_path: Path) -> None:
    db = tmp_path / "s.db"
    events = batch(10)
    odd = replace(plain_frame(999), note={"not": "text"})  # type: ignore[arg-type]
    events.insert(5, (odd, 1_700_000_000.0))
    with Store(db) as store:
        session_id = store.start_session("odd")
        store.record(session_id, events)
    assert stored(db) == (list(range(10)), [float(i) for i in range(10)])
    with sqlite3.connect(db) as conn:
        kinds = [row[0] for row in conn.execute("SELECT kind FROM events WHERE session_id = ?", [session_id])]
    assert kinds == [UNRECORDABLE]
