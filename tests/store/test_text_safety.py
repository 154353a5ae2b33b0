"""Text SQLite cannot take as-is (a lone UTF-16 surrogate) is stored escaped and read back exactly.

The escaping is checked against its documented form with plain sqlite3 and json, independently
of the store's own reading code.
"""

from __future__ import annotations

import io
import json
import sqlite3
from dataclasses import replace
from pathlib import Path

from store_helpers import FakeClock

from ocpplab_desktop.model.config import StationConfig
from ocpplab_desktop.model.events import ConnectorStateChanged, EventBus, MeterSample, StationEvent
from ocpplab_desktop.protocol.frame import Direction, Frame, MessageType, Side
from ocpplab_desktop.store.recorder import SessionRecorder
from ocpplab_desktop.store.rows import UNRECORDABLE
from ocpplab_desktop.store.store import Store

LONE = "\ud800"
"""What json.loads makes of the six characters \\ud800 in a message."""


def hostile_frame(seq: int, station_id: str = "CP-1", *, uid: str = LONE, action: str = f"Heart{LONE}beat") -> Frame:
    raw = json.dumps([2, uid, action, {}])  # ASCII on the wire: the surrogate travels as \ud800
    return Frame(
        seq=seq,
        wall_time=1_700_000_000.0 + seq,
        mono_time=10.0 + seq,
        station_id=station_id,
        side=Side.CSMS,
        direction=Direction.TO_CSMS,
        message_type=MessageType.CALL,
        unique_id=uid,
        action=action,
        raw=raw,
        message=json.loads(raw),
        error=f"NotImplemented: {action} is not an OCPP 1.6 action",
        note=f"note {LONE}",
        intended="intended \udfff text",
    )


def plain_frame(seq: int, station_id: str = "CP-1") -> Frame:
    return replace(hostile_frame(seq, station_id, uid=f"id-{seq}", action="Heartbeat"), error=None, note=None,
                   intended=None)  # fmt: skip


def record(store: Store, session_id: int, events: list[object]) -> None:
    bus = EventBus()
    recorder = SessionRecorder(store, bus, session_id, interval=3600, clock=FakeClock())
    for event in events:
        bus.publish(event)
    recorder.close()


def stored_frame_rows(db: Path) -> list[dict[str, object]]:
    with sqlite3.connect(db) as conn:
        conn.row_factory = sqlite3.Row
        return [dict(row) for row in conn.execute("SELECT * FROM frames ORDER BY id")]


def test_a_frame_with_lone_surrogates_is_stored_and_read_back_exactly_between_ordinary_ones(db_path: Path) -> None:
    frames = [plain_frame(1), hostile_frame(2), plain_frame(3)]
    with Store(db_path) as store:
        session_id = store.start_session("hostile")
        record(store, session_id, list(frames))
        assert [f.to_record() for f in store.frames(session_id)] == [f.to_record() for f in frames]
        assert store.session(session_id).frame_count == 3


def test_escaped_columns_hold_json_string_literals_and_the_row_lists_them(db_path: Path) -> None:
    frame = hostile_frame(7)
    with Store(db_path) as store:
        session_id = store.start_session("hostile")
        record(store, session_id, [plain_frame(6), frame])
    ordinary, escaped = stored_frame_rows(db_path)
    assert ordinary["escaped"] is None
    listed = str(escaped["escaped"]).split(",")
    assert listed == ["unique_id", "action", "error", "note", "intended"]
    for column in listed:
        text = escaped[column]
        assert isinstance(text, str) and text.isascii() and text.startswith('"')
        assert json.loads(text) == getattr(frame, column)
    assert escaped["raw"] == frame.raw, "the wire text itself is ASCII here, stored as it is"


def test_a_nul_is_stored_as_it_is_and_read_back_whole(db_path: Path) -> None:
    raw = "[2,\x00\x01]"
    frame = replace(plain_frame(1), raw=raw, unique_id="a\x00b", message=None, message_type=MessageType.INVALID)
    with Store(db_path) as store:
        session_id = store.start_session("nul")
        record(store, session_id, [frame])
        assert [f.to_record() for f in store.frames(session_id)] == [frame.to_record()]
    (row,) = stored_frame_rows(db_path)
    assert (row["raw"], row["unique_id"], row["escaped"]) == (raw, "a\x00b", None)


def test_station_ids_session_names_and_events_with_surrogates_come_back_and_filter(db_path: Path) -> None:
    station = f"CP-{LONE}"
    sample = MeterSample(station, 1, 1, 5.0, 10.0, 7000.0, 7400.0, 230.0, (10.0,), soc=None, on_wire=True)
    state = ConnectorStateChanged(station, 1, 1, "Available", "Preparing", f"cause {LONE}", mono_time=1.5)
    note = StationEvent(station, "fault", f"detail {LONE}", {"text": LONE}, mono_time=2.5)
    with Store(db_path) as store:
        session_id = store.start_session(f"run {LONE}")
        store.add_station(session_id, StationConfig(id="CP-plain"))
        store.add_station(session_id, replace(StationConfig(id="CP-plain"), id=station))
        record(store, session_id, [hostile_frame(1, station), plain_frame(2, "CP-plain"), sample, state, note])

        info = store.session(session_id)
        assert (info.name, set(info.stations)) == (f"run {LONE}", {station, "CP-plain"})
        assert [f.station_id for f in store.frames(session_id, station)] == [station]
        assert store.samples(session_id, station) == [sample]
        events = store.events(session_id)
    assert [(e.station_id, e.detail) for e in events][:2] == [
        (station, f"EVSE 1 connector 1: Available -> Preparing (cause {LONE})"),
        (station, f"detail {LONE}"),
    ]
    assert events[1].data == {"text": LONE}


def test_export_writes_utf8_a_lone_surrogate_as_a_json_escape_and_import_gives_it_back(
    db_path: Path, tmp_path: Path
) -> None:
    frames = [plain_frame(1), hostile_frame(2), replace(plain_frame(3), raw='[2, "é", "Heartbeat", {}]')]
    out = tmp_path / "hostile.jsonl"
    with Store(db_path) as store:
        session_id = store.start_session("hostile")
        record(store, session_id, list(frames))
        assert store.export_jsonl(session_id, out) == 3
        lines = out.read_bytes().decode("utf-8").split("\n")  # strict UTF-8: no surrogate in the file
        assert "é" in lines[2], "other non-ASCII text stays readable"
        assert "\\ud800" in lines[1]
        assert [json.loads(line) for line in lines[:-1]] == [f.to_record() for f in frames]
        imported = store.import_jsonl(out)
        assert imported.bad_lines == ()
        assert [f.to_record() for f in store.frames(imported.session_id)] == [f.to_record() for f in frames]


def test_export_to_a_stream_that_cannot_encode_the_text_writes_ascii_json_lines(db_path: Path) -> None:
    frames = [replace(plain_frame(1), raw='[2, "ü", "Heartbeat", {}]'), hostile_frame(2)]
    stream = io.TextIOWrapper(io.BytesIO(), encoding="ascii", newline="\n")
    with Store(db_path) as store:
        session_id = store.start_session("ascii terminal")
        record(store, session_id, list(frames))
        assert store.export_jsonl(session_id, stream) == 2
    stream.flush()
    assert isinstance(stream.buffer, io.BytesIO)
    lines = stream.buffer.getvalue().decode("ascii").split("\n")
    assert [json.loads(line) for line in lines[:-1]] == [f.to_record() for f in frames]


def test_an_event_sqlite_has_no_type_for_is_kept_as_its_repr_and_the_rest_of_the_batch_is_stored(
    db_path: Path,
) -> None:
    odd = StationEvent("CP-1", "note", "fine", mono_time=2**70)  # no SQLite type holds this number
    frames = [plain_frame(1), plain_frame(2)]
    with Store(db_path) as store:
        session_id = store.start_session("odd")
        record(store, session_id, [frames[0], odd, frames[1]])
        assert [f.to_record() for f in store.frames(session_id)] == [f.to_record() for f in frames]
        (event,) = store.events(session_id)
    assert (event.station_id, event.kind) == ("CP-1", UNRECORDABLE)
    assert "mono_time" in event.detail
    assert event.data["repr"] == repr(odd)
