"""`ocpplab sessions ...` end to end, through a real argparse parser and real SQLite files."""

from __future__ import annotations

import argparse
import io
import json
from pathlib import Path

import pytest

from ocpplab_desktop.commands import sessions
from ocpplab_desktop.protocol.frame import Frame
from ocpplab_desktop.store.store import Store

Recorded = tuple[Path, int, list[Frame]]


def cli(*argv: str | Path) -> int:
    parser = argparse.ArgumentParser(prog="ocpplab")
    sessions.add_parser(parser.add_subparsers(dest="command"))
    return sessions.run(parser.parse_args([str(a) for a in argv]))


def test_list_prints_an_aligned_table_of_the_sessions(recorded: Recorded, capsys: pytest.CaptureFixture[str]) -> None:
    path, session_id, frames = recorded
    with Store(path) as store:
        store.start_session("a second, still open run")
    assert cli("sessions", "list", "--db", path) == 0
    lines = capsys.readouterr().out.splitlines()
    assert len(lines) == 3
    header, done, running = lines
    assert header.split() == ["ID", "STARTED", "(UTC)", "DURATION", "STATE", "STATIONS", "FRAMES", "NAME"]
    assert done.split()[0] == str(session_id)
    assert done.endswith("morning run")
    assert "CP001,CP002" in done
    assert f" {len(frames)} " in done
    assert "ended" in done.split()
    assert "recording" in running.split(), "started by this process, which is still running"
    for column in ("STATE", "STATIONS", "NAME"):
        start = header.index(column)
        assert all(line[start - 2 : start] == "  " and line[start] != " " for line in lines), column


def test_list_of_an_empty_database_says_there_are_no_sessions(
    db_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli("sessions", "list", "--db", db_path) == 0
    assert capsys.readouterr().out == f"No sessions in {db_path}.\n"


def test_export_to_a_file_then_import_creates_an_identical_session(
    recorded: Recorded, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, session_id, frames = recorded
    out = tmp_path / "run.jsonl"
    assert cli("sessions", "export", str(session_id), "--out", out, "--db", path) == 0
    assert cli("sessions", "import", out, "--db", path) == 0
    assert capsys.readouterr().out.splitlines() == [
        f"Exported {len(frames)} frames of session {session_id} to {out}.",
        f"Imported {len(frames)} frames from {out} as session {session_id + 1}.",
    ]
    with Store(path) as store:
        imported = store.list_sessions()[-1]
        assert (imported.name, imported.source) == ("run", "import")
        assert [f.to_record() for f in store.frames(imported.id)] == [f.to_record() for f in frames]


def test_export_without_out_writes_the_frames_to_stdout(recorded: Recorded, capsys: pytest.CaptureFixture[str]) -> None:
    path, session_id, frames = recorded
    assert cli("sessions", "export", str(session_id), "--db", path) == 0
    lines = capsys.readouterr().out.split("\n")  # not splitlines(): raw text may hold U+2028
    assert lines[-1] == ""
    assert [json.loads(line) for line in lines[:-1]] == [f.to_record() for f in frames]


def test_export_of_an_unknown_session_is_an_error_naming_the_id(
    recorded: Recorded, capsys: pytest.CaptureFixture[str]
) -> None:
    path, _, _ = recorded
    assert cli("sessions", "export", "99", "--db", path) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert "ocpplab sessions export: no session 99 in" in captured.err
    assert "sessions list" in captured.err


def test_import_of_an_unreadable_file_is_an_error(
    db_path: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli("sessions", "import", tmp_path / "missing.jsonl", "--db", db_path) == 2
    assert "ocpplab sessions import: cannot read" in capsys.readouterr().err


def test_import_with_a_bad_line_imports_the_rest_and_reports_the_line(
    recorded: Recorded, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path, _, frames = recorded
    trace = tmp_path / "partly.jsonl"
    trace.write_text(json.dumps(frames[0].to_record()) + "\nnot a frame\n" + json.dumps(frames[1].to_record()) + "\n")
    assert cli("sessions", "import", trace, "--db", path) == 1
    captured = capsys.readouterr()
    assert captured.err.startswith(f"{trace}:2: skipped, not JSON")
    assert "Imported 2 frames" in captured.out
    assert "skipped 1 unreadable lines" in captured.out


def test_delete_with_yes_removes_the_session(recorded: Recorded, capsys: pytest.CaptureFixture[str]) -> None:
    path, session_id, _ = recorded
    assert cli("sessions", "delete", str(session_id), "--yes", "--db", path) == 0
    assert capsys.readouterr().out == f"Deleted session {session_id}.\n"
    with Store(path) as store:
        assert store.list_sessions() == []


def test_delete_asks_first_and_keeps_the_session_unless_confirmed(
    recorded: Recorded, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    path, session_id, frames = recorded
    monkeypatch.setattr("sys.stdin", io.StringIO("n\n"))
    assert cli("sessions", "delete", str(session_id), "--db", path) == 1
    out = capsys.readouterr().out
    assert f"Delete session {session_id} 'morning run' with {len(frames)} frames? [y/N]" in out
    assert out.endswith("Nothing deleted.\n")
    with Store(path) as store:
        assert [s.id for s in store.list_sessions()] == [session_id]


def test_a_database_that_cannot_be_opened_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert cli("sessions", "list", "--db", tmp_path / "no" / "such" / "folder.db") == 2
    assert "cannot open session database" in capsys.readouterr().err
