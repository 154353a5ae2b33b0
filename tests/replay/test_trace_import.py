"""Plain OCPP-J logs imported as traces: real files, a real SQLite store, and the `ocpplab` command."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

import pytest

from ocpplab_desktop.cli import main
from ocpplab_desktop.model.config import OcppVersion
from ocpplab_desktop.protocol.frame import Direction, MessageType, Side
from ocpplab_desktop.protocol.schemas import ACTIONS
from ocpplab_desktop.replay.trace import (
    SENDER,
    STATION_SENDS,
    UNKNOWN_DIRECTION,
    ImportCancelled,
    TraceError,
    detect_format,
    import_log,
    import_trace,
    parse_log,
)
from ocpplab_desktop.store.store import BadLine, Store

BOOT = '{"chargePointVendor":"V","chargePointModel":"M"}'
START = '{"connectorId":1,"idTag":"X","meterStart":0,"timestamp":"2026-11-30T10:00:01Z"}'
LOG_16 = f"""\
# a charge point's log, no direction markers
2026-11-30T10:00:00.123Z [2,"1","BootNotification",{BOOT}]
2026-11-30T10:00:00.200Z [3,"1",{{"status":"Accepted","currentTime":"2026-11-30T10:00:00Z","interval":300}}]

2026-11-30 10:00:01,500 [2,"2","StartTransaction",{START}]
2026-11-30T10:00:01.750 [3,"2",{{"transactionId":7,"idTagInfo":{{"status":"Accepted"}}}}]
2026-11-30T11:00:02+01:00 [2,"c1","RemoteStopTransaction",{{"transactionId":7}}]
2026-11-30T11:00:02.040+0100 [3,"c1",{{"status":"Accepted"}}]
"""

LOG_201 = """\
2026-11-30T10:00:00Z CS-7 -> [2,"a","BootNotification",{"reason":"PowerUp","chargingStation":{"model":"M"}}]
2026-11-30T10:00:00.1Z CS-7 <- [3,"a",{"currentTime":"2026-11-30T10:00:00Z","interval":300,"status":"Accepted"}]
[2026-11-30T10:00:01Z] [CS-7] << [2,"s1","SetVariables",{"setVariableData":[]}]
[2026-11-30T10:00:01.2Z] [CS-7] >> [3,"s1",{"setVariableResult":[]}]
2026-11-30T10:00:02Z CS-7 to_csms [2,"d","DataTransfer",{"vendorId":"V"}]
2026-11-30T10:00:02.5Z CS-7 to_station [3,"d",{"status":"Accepted"}]
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def wall(text: str) -> float:
    return datetime.fromisoformat(text).astimezone(UTC).timestamp()


def test_every_call_of_each_version_has_a_sender_and_the_station_sends_only_actions_of_its_version() -> None:
    for version in OcppVersion:
        assert STATION_SENDS[version] <= ACTIONS[version], version
        assert set(SENDER[version]) == ACTIONS[version] - {"DataTransfer"}
    assert SENDER[OcppVersion.V16]["RemoteStartTransaction"] is Direction.TO_STATION
    assert SENDER[OcppVersion.V201]["NotifyReport"] is Direction.TO_CSMS
    assert SENDER[OcppVersion.V201]["GetVariables"] is Direction.TO_STATION


def test_a_16_log_without_markers_gets_its_version_and_directions_from_its_actions(tmp_path: Path) -> None:
    path = write(tmp_path, "cp.log", LOG_16)
    with Store(tmp_path / "t.db") as store:
        result = import_log(store, path, station_id="CP-1")
        frames = list(store.frames(result.session_id))
        info = store.session(result.session_id)
    assert (result.format, result.frames, result.version, result.bad_lines) == ("log", 6, OcppVersion.V16, ())
    assert (info.name, info.source, info.stations) == ("cp", "import", ("CP-1",))
    assert info.started_at == "2026-11-30T10:00:00.123Z"
    assert info.ended_at == "2026-11-30T10:00:02.040Z"
    assert [(f.seq, f.message_type, f.direction, f.action) for f in frames] == [
        (2, MessageType.CALL, Direction.TO_CSMS, "BootNotification"),
        (3, MessageType.CALLRESULT, Direction.TO_STATION, "BootNotification"),
        (5, MessageType.CALL, Direction.TO_CSMS, "StartTransaction"),
        (6, MessageType.CALLRESULT, Direction.TO_STATION, "StartTransaction"),
        (7, MessageType.CALL, Direction.TO_STATION, "RemoteStopTransaction"),
        (8, MessageType.CALLRESULT, Direction.TO_CSMS, "RemoteStopTransaction"),
    ]
    assert all(f.side is Side.STATION and f.station_id == "CP-1" and f.note is None for f in frames)
    assert frames[0].wall_time == pytest.approx(wall("2026-11-30T10:00:00.123+00:00"))
    assert frames[2].wall_time == pytest.approx(wall("2026-11-30T10:00:01.500+00:00")), "a logger's comma, no zone: UTC"
    assert frames[4].wall_time == pytest.approx(wall("2026-11-30T10:00:02+00:00")), "+01:00 is taken into account"
    assert [round(f.rtt_ms, 3) for f in frames[1::2] if f.rtt_ms is not None] == [77.0, 250.0, 40.0]
    assert frames[1].payload["interval"] == 300
    assert result.inferred == (
        "version 1.6 inferred from StartTransaction on line 5",
        "direction of 3 frames inferred from their actions",
        "direction of 3 answers inferred from the CALLs they answer (by message id)",
    )


def test_a_201_log_with_arrows_and_a_station_per_line_follows_its_markers(tmp_path: Path) -> None:
    path = write(tmp_path, "cs7.log", LOG_201)
    with Store(tmp_path / "t.db") as store:
        result = import_trace(store, path)
        frames = list(store.frames(result.session_id))
        assert store.session(result.session_id).stations == ("CS-7",)
    assert result.version is OcppVersion.V201
    assert [(f.direction, f.action) for f in frames] == [
        (Direction.TO_CSMS, "BootNotification"),
        (Direction.TO_STATION, "BootNotification"),
        (Direction.TO_STATION, "SetVariables"),
        (Direction.TO_CSMS, "SetVariables"),
        (Direction.TO_CSMS, "DataTransfer"),
        (Direction.TO_STATION, "DataTransfer"),
    ]
    assert {f.side for f in frames} == {Side.STATION}
    assert result.inferred == (
        "version 2.0.1 inferred from SetVariables on line 3",
        "recorded by the station: its sent/received markers agree with the actions of 2 CALLs read from that side",
    )


def test_send_and_recv_markers_that_only_fit_the_csms_make_it_the_recording_side() -> None:
    parsed = parse_log(
        [
            '2026-11-30T10:00:00Z recv [2,"1","Heartbeat",{}]',
            '2026-11-30T10:00:00.010Z send [3,"1",{"currentTime":"2026-11-30T10:00:00Z"}]',
            '2026-11-30T10:00:01Z send [2,"r","RemoteStartTransaction",{"idTag":"X"}]',
        ],
        station_id="CP-9",
    )
    assert parsed.side is Side.CSMS
    assert [(f.side, f.direction) for f in parsed.frames] == [
        (Side.CSMS, Direction.TO_CSMS),
        (Side.CSMS, Direction.TO_STATION),
        (Side.CSMS, Direction.TO_STATION),
    ]
    assert parsed.version is OcppVersion.V16
    assert "recorded by the CSMS: its sent/received markers agree with the actions of 2 CALLs read from that side" in (
        parsed.inferred
    )


def test_broken_lines_are_reported_with_their_numbers_and_the_rest_is_imported(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "broken.log",
        "\n".join(
            [
                '2026-11-30T10:00:00Z CP-1 -> [2,"1","Heartbeat",{}]',
                "Heartbeat sent without a time",
                "2026-11-30T10:00:01Z CP-1 ->",
                '2026-11-30T10:00:02Z INFO CP-1 -> [2,"2","Heartbeat",{}]',
                '2026-13-30T10:00:03Z CP-1 -> [2,"3","Heartbeat",{}]',
                '2026-11-30T10:00:04Z CP-1 <- [3,"1",{"currentTime":"2026-11-30T10:00:00Z"}]',
            ]
        ),
    )
    with Store(tmp_path / "t.db") as store:
        result = import_trace(store, path)
        assert [f.seq for f in store.frames(result.session_id)] == [1, 6]
    assert result.frames == 2
    assert [b.line for b in result.bad_lines] == [2, 3, 4, 5]
    reasons = {b.line: b.reason for b in result.bad_lines}
    assert reasons[2] == "no timestamp at the start of the line"
    assert reasons[3].startswith("no frame after the timestamp")
    assert reasons[4].startswith("cannot read 'INFO CP-1 ->' before the frame")
    assert reasons[5].startswith("timestamp '2026-13-30T10:00:03Z' is not a date and time")


def test_frame_text_that_is_not_json_is_kept_as_an_invalid_frame_with_its_reason(tmp_path: Path) -> None:
    truncated = '[2,"9","Heartbeat",{'
    path = write(tmp_path, "cut.log", f'2026-11-30T10:00:00Z CP-1 {truncated}\n2026-11-30T10:00:01Z CP-1 [7,"x"]\n')
    with Store(tmp_path / "t.db") as store:
        result = import_log(store, path)
        frames = list(store.frames(result.session_id))
    assert [(f.message_type, f.raw, f.message) for f in frames] == [
        (MessageType.INVALID, truncated, None),
        (MessageType.INVALID, '[7,"x"]', [7, "x"]),
    ]
    assert frames[0].error is not None and frames[0].error.startswith("not JSON")
    assert frames[1].error == "MessageTypeId 7 is not supported"
    assert {f.note for f in frames} == {UNKNOWN_DIRECTION}
    assert "direction of 2 frames could not be told (lines 1, 2): stored as to_csms with a note" in result.inferred


def test_a_log_that_names_no_station_is_refused_without_a_station_id(tmp_path: Path) -> None:
    path = write(tmp_path, "anon.log", LOG_16)
    with Store(tmp_path / "t.db") as store:
        with pytest.raises(TraceError, match=r"names no station.*--station-id"):
            import_log(store, path)
        assert store.list_sessions() == []


def test_lines_without_a_station_take_the_only_one_the_log_names() -> None:
    parsed = parse_log(['2026-11-30T10:00:00Z CP-1 [2,"1","Heartbeat",{}]', '2026-11-30T10:00:01Z [3,"1",{}]'])
    assert [f.station_id for f in parsed.frames] == ["CP-1", "CP-1"]
    assert parsed.inferred[0] == "station CP-1 given to 1 line that name none: the only one the log names"


def test_progress_returning_false_cancels_and_stores_nothing(tmp_path: Path) -> None:
    path = write(tmp_path, "cp.log", LOG_16)
    told: list[int] = []

    def progress(count: int) -> bool:
        told.append(count)
        return False

    with Store(tmp_path / "t.db") as store:
        with pytest.raises(ImportCancelled, match="nothing was stored"):
            import_log(store, path, station_id="CP-1", progress=progress)
        assert store.list_sessions() == []
        assert import_log(store, path, station_id="CP-1", progress=lambda count: told.append(count) is None).frames == 6
    assert told == [6, 6]


def test_detect_format_tells_an_export_from_a_log(tmp_path: Path) -> None:
    assert detect_format(write(tmp_path, "a.log", LOG_16)) == "log"
    assert detect_format(write(tmp_path, "a.jsonl", '\n{"seq": 1}\n')) == "jsonl"


def test_cli_imports_a_log_printing_what_it_inferred_and_each_bad_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "t.db"
    path = write(tmp_path, "cp.log", LOG_16 + "not a frame\n")
    assert main(["sessions", "import", str(path), "--db", str(db), "--station-id", "CP-1", "--version", "1.6"]) == 1
    captured = capsys.readouterr()
    assert captured.out.splitlines() == [
        f"{path}: direction of 3 frames inferred from their actions",
        f"{path}: direction of 3 answers inferred from the CALLs they answer (by message id)",
        f"Imported 6 frames from {path} as session 1, skipped 1 unreadable lines.",
    ]
    assert captured.err == f"{path}:9: skipped, no timestamp at the start of the line\n"


def test_cli_refuses_a_log_without_a_station_and_imports_an_export_as_before(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "t.db"
    log = write(tmp_path, "cp.log", LOG_16)
    assert main(["sessions", "import", str(log), "--db", str(db)]) == 2
    assert "ocpplab sessions import: the log names no station" in capsys.readouterr().err
    assert main(["sessions", "import", str(log), "--db", str(db), "--station-id", "CP-1"]) == 0
    export = tmp_path / "run.jsonl"
    assert main(["sessions", "export", "1", "--out", str(export), "--db", str(db)]) == 0
    capsys.readouterr()
    assert main(["sessions", "import", str(export), "--db", str(db)]) == 0
    assert capsys.readouterr().out == f"Imported 6 frames from {export} as session 2.\n"
    with Store(db) as store:
        assert [f.to_record() for f in store.frames(2)] == [f.to_record() for f in store.frames(1)]
        assert json.loads(export.read_text().splitlines()[0])["direction"] == "to_csms"


def test_cli_says_a_file_without_frames_is_not_imported(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = write(tmp_path, "junk.log", "hello\nworld\n")
    assert main(["sessions", "import", str(path), "--db", str(tmp_path / "t.db"), "--station-id", "X"]) == 2
    assert "holds no frames (line 1: no timestamp at the start of the line; line 2:" in capsys.readouterr().err


def test_bad_lines_are_listed_in_line_order() -> None:
    parsed = parse_log(["junk", '2026-11-30T10:00:00Z [2,"1","Heartbeat",{}]', "more junk"], station_id="CP")
    assert parsed.bad_lines == [
        BadLine(1, "no timestamp at the start of the line"),
        BadLine(3, "no timestamp at the start of the line"),
    ]
