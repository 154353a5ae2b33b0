"""`ocpplab diff SESSION_A SESSION_B`: what changed from a recorded run to a new one, for CI.

Exit 0 when the two runs agree (ids and times aside), 1 when they differ, 2 when they cannot be
compared (an unknown session or station, a database that is not one). `--junit` writes each
compared frame as a test case for a CI server.
"""

from __future__ import annotations

import argparse
from pathlib import Path

from ocpplab_desktop.commands import options
from ocpplab_desktop.commands.exit_status import CommandError, ExitStatus
from ocpplab_desktop.replay.diff import diff_frames, render
from ocpplab_desktop.replay.junit import Case, cases_from_diff, write_junit
from ocpplab_desktop.store.errors import UnknownSessionError
from ocpplab_desktop.store.store import Store


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    diff = subparsers.add_parser(
        "diff",
        help="compare two recorded sessions frame by frame; exit 0 when they agree, 1 when they differ",
        description=(
            "Compare two recorded sessions per station and side: CALLs matched by action and order of\n"
            "occurrence, each answer with the answer its CALL got. Message ids, date-times and transaction\n"
            "ids (mapped one to one) are not differences. Exit 0 when the runs agree, 1 when they differ."
        ),
    )
    diff.add_argument("session_a", type=int, metavar="SESSION_A", help="the recorded run, as `sessions list` shows it")
    diff.add_argument("session_b", type=int, metavar="SESSION_B", help="the new run")
    diff.add_argument("--db", type=Path, default=None, metavar="PATH", help="session database")
    diff.add_argument("--station-id", default=None, metavar="ID", help="compare only this station's frames")
    diff.add_argument(
        "--ignore",
        action="extend",
        nargs="+",
        default=[],
        metavar="FIELD",
        help="leave out a field: a name anywhere (meterStop) or a payload path (meterValue[].sampledValue[].value)",
    )
    diff.add_argument("--junit", type=junit_file, default=None, metavar="FILE", help="also write a JUnit XML report")
    return diff


def junit_file(text: str) -> Path:
    """--junit: a file that can be created, refused before anything runs."""
    path = Path(text)
    if path.is_dir():
        raise argparse.ArgumentTypeError(f"{text} is a folder; give a file name, e.g. {path / 'report.xml'}")
    if not path.absolute().parent.is_dir():
        raise argparse.ArgumentTypeError(f"the folder of {text} does not exist; create it or choose another file")
    return path


def run(args: argparse.Namespace) -> int:
    db = options.database(args.db)
    if not db.is_file():
        raise CommandError(f"no session database {db}; give the file the sessions were recorded in with --db")
    with Store(db) as store:
        try:
            stations = {*store.session(args.session_a).stations, *store.session(args.session_b).stations}
        except UnknownSessionError as exc:
            raise CommandError(
                f"no session {exc.session_id} in {db}; `ocpplab sessions list --db {db}` shows the ids"
            ) from None
        if args.station_id is not None and args.station_id not in stations:
            raise CommandError(
                f"no station {args.station_id!r} in sessions {args.session_a} and {args.session_b}; "
                f"their stations: {', '.join(sorted(stations)) or 'none'}"
            )
        a = list(store.frames(args.session_a, args.station_id))
        b = list(store.frames(args.session_b, args.station_id))
    report = diff_frames(a, b, ignore=args.ignore)
    print(render(report))
    if args.junit is not None:
        write_report(args.junit, f"diff of sessions {args.session_a} and {args.session_b}", cases_from_diff(report))
    return ExitStatus.OK if report.ok else ExitStatus.FAILED


def write_report(path: Path, suite_name: str, cases: list[Case]) -> None:
    """Write a JUnit report, or say in one line why it could not be written."""
    try:
        write_junit(path, suite_name, cases)
    except OSError as exc:
        raise CommandError(f"cannot write the JUnit report {path}: {exc.strerror or exc}") from exc
