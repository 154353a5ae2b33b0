"""`ocpplab sessions`: list, export, import and delete recorded sessions.

`import` reads either kind of trace (replay/trace.py): a JSON Lines export or a plain OCPP-J log,
whose inferred facts it prints, and whose unreadable lines it reports like an export's.

Exit codes: 0 done; 1 done only in part (an import skipped lines) or declined (delete
not confirmed); 2 nothing done because of an error, which is printed to stderr.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

from ocpplab_desktop.model.config import OcppVersion
from ocpplab_desktop.paths import default_db
from ocpplab_desktop.replay.trace import import_trace
from ocpplab_desktop.store.errors import StoreError, UnknownSessionError
from ocpplab_desktop.store.store import SessionInfo, SessionSource, Store

MAX_STATIONS_SHOWN = 3


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    """Add `sessions` and its sub-commands to the main parser's sub-commands."""
    db_option = argparse.ArgumentParser(add_help=False)
    db_option.add_argument(
        "--db",
        type=Path,
        default=None,
        metavar="PATH",
        help="session database (default: the lab's own, in its data folder)",
    )
    parser = subparsers.add_parser("sessions", help="list, export, import and delete recorded sessions")
    commands = parser.add_subparsers(dest="sessions_command", required=True, metavar="COMMAND")
    commands.add_parser("list", parents=[db_option], help="list the sessions, oldest first")
    export = commands.add_parser("export", parents=[db_option], help="write a session's frames as JSON Lines")
    export.add_argument("id", type=int, metavar="ID", help="session id, as shown by `sessions list`")
    export.add_argument("--out", type=Path, metavar="FILE", help="file to write (default: standard output)")
    imported = commands.add_parser(
        "import",
        parents=[db_option],
        help="read a JSON Lines export or a plain OCPP-J log into a new session named after the file",
    )
    imported.add_argument(
        "file",
        type=Path,
        metavar="FILE",
        help="a JSON Lines file written by `sessions export`, or a log of one timestamped frame a line",
    )
    imported.add_argument("--station-id", metavar="ID", help="a log's station, for the lines that name none")
    imported.add_argument(
        "--version",
        dest="ocpp_version",
        choices=[v.value for v in OcppVersion],
        help="a log's OCPP version (default: inferred from its actions)",
    )
    delete = commands.add_parser("delete", parents=[db_option], help="delete a session and all its frames")
    delete.add_argument("id", type=int, metavar="ID")
    delete.add_argument("--yes", action="store_true", help="do not ask for confirmation")
    return parser


def run(args: argparse.Namespace) -> int:
    command = _COMMANDS[args.sessions_command]
    db_path = args.db or default_db()
    try:
        with Store(db_path) as store:
            return command(store, args)
    except UnknownSessionError as exc:
        _error(args, f"no session {exc.session_id} in {db_path}; `ocpplab sessions list` shows the ids")
    except StoreError as exc:
        _error(args, str(exc))
    return 2


def _list(store: Store, args: argparse.Namespace) -> int:
    sessions = store.list_sessions()
    if not sessions:
        print(f"No sessions in {store.path}.")
        return 0
    header = ("ID", "STARTED (UTC)", "DURATION", "STATE", "STATIONS", "FRAMES", "NAME")
    rows = [header, *(_list_row(info) for info in sessions)]
    right_aligned = {0, 2, 5}
    widths = [max(len(row[i]) for row in rows) for i in range(len(header))]
    for row in rows:
        cells = [
            cell.rjust(width) if i in right_aligned else cell.ljust(width)
            for i, (cell, width) in enumerate(zip(row, widths, strict=True))
        ]
        print("  ".join(cells).rstrip())
    return 0


def _list_row(info: SessionInfo) -> tuple[str, ...]:
    stations = ",".join(info.stations[:MAX_STATIONS_SHOWN])
    if len(info.stations) > MAX_STATIONS_SHOWN:
        stations += f" +{len(info.stations) - MAX_STATIONS_SHOWN}"
    return (
        str(info.id),
        info.started_at[:19].replace("T", " "),
        "-" if info.duration_s is None else _duration(info.duration_s),
        _state(info),
        stations or "-",
        f"{info.frame_count:,}",
        info.name,
    )


def _state(info: SessionInfo) -> str:
    """recording (by a program still running), crashed (ended at its last frame), imported or ended."""
    if info.crashed:
        return "crashed"
    if info.ended_at is None:
        return "recording"
    return "imported" if info.source == SessionSource.IMPORT else "ended"


def _duration(seconds: float) -> str:
    minutes, secs = divmod(round(seconds), 60)
    hours, minutes = divmod(minutes, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}"


def _export(store: Store, args: argparse.Namespace) -> int:
    count = store.export_jsonl(args.id, args.out or sys.stdout)
    if args.out:
        print(f"Exported {count} frames of session {args.id} to {args.out}.")
    return 0


def _import(store: Store, args: argparse.Namespace) -> int:
    version = OcppVersion(args.ocpp_version) if args.ocpp_version else None
    result = import_trace(store, args.file, station_id=args.station_id, version=version)
    if result.format == "jsonl" and (args.station_id or version):
        print(
            f"{args.file}: a JSON Lines export names its stations: --station-id and --version are ignored",
            file=sys.stderr,
        )
    for fact in result.inferred:
        print(f"{args.file}: {fact}")
    for bad in result.bad_lines:
        print(f"{args.file}:{bad.line}: skipped, {bad.reason}", file=sys.stderr)
    skipped = f", skipped {len(result.bad_lines)} unreadable lines" if result.bad_lines else ""
    print(f"Imported {result.frames} frames from {args.file} as session {result.session_id}{skipped}.")
    return 1 if result.bad_lines else 0


def _delete(store: Store, args: argparse.Namespace) -> int:
    info = store.session(args.id)
    question = f"Delete session {info.id} {info.name!r} with {info.frame_count:,} frames? [y/N] "
    if not args.yes and not _confirm(question):
        print("Nothing deleted.")
        return 1
    store.delete_session(info.id)
    print(f"Deleted session {info.id}.")
    return 0


def _confirm(question: str) -> bool:
    try:
        answer = input(question)
    except EOFError:  # no terminal to answer from: the safe answer is no
        return False
    return answer.strip().lower() in ("y", "yes")


def _error(args: argparse.Namespace, message: str) -> None:
    print(f"ocpplab sessions {args.sessions_command}: {message}", file=sys.stderr)


_COMMANDS: dict[str, Callable[[Store, argparse.Namespace], int]] = {
    "list": _list,
    "export": _export,
    "import": _import,
    "delete": _delete,
}
