"""`ocpplab replay TRACE`: send a recorded station's CALLs to a CSMS again, and compare the answers.

TRACE is a stored session's id, or a file (the lab's JSON Lines export, or a plain OCPP-J log),
which is imported first. The replay runs against the built-in CSMS unless `--csms` names one; it
is stored as a session of its own. With `--diff` every new answer is compared with the recorded
one (timestamps, message ids and CSMS-assigned ids ignored) and the exit status says whether
they differ: 0 none, 1 some, 2 a usage error, 3 the CSMS could not be reached.

With `--as-csms` the lab is the recorded CSMS instead; `--diff` then waits until the station it
served has gone (or Ctrl+C/SIGTERM) and compares what that station sent and answered with what
the recorded station did, with the same exit statuses.
"""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from ocpplab_desktop.commands import options
from ocpplab_desktop.commands.diff import junit_file, write_report
from ocpplab_desktop.commands.exit_status import CommandError, ExitStatus

if TYPE_CHECKING:
    from ocpplab_desktop.protocol.frame import Frame


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    replay = subparsers.add_parser(
        "replay",
        help="replay a recorded station against a CSMS; with --diff, exit 1 when an answer differs",
        description="Send a recorded station's CALLs to a CSMS again, answering its CALLs as recorded.",
    )
    replay.add_argument("trace", help="a stored session id, or a trace file (JSON Lines export or OCPP-J log)")
    replay.add_argument(
        "--csms", type=options.csms_url, default=None, metavar="URL", help="the CSMS (default: the built-in one)"
    )
    replay.add_argument("--db", type=Path, default=None, metavar="PATH", help="session database")
    replay.add_argument(
        "--speed",
        type=float,
        default=1.0,
        help="the recorded time between CALLs is divided by this (0.1 to 1000; 0: as fast as answered)",
    )
    replay.add_argument("--station-id", default=None, help="which recorded station (default: the first)")
    replay.add_argument("--ignore", action="append", default=[], metavar="FIELD", help="also ignore this field")
    replay.add_argument(
        "--diff",
        action="store_true",
        help="compare every answer with the recorded one (with --as-csms: the station's frames, once it has gone)",
    )
    replay.add_argument(
        "--as-csms",
        action="store_true",
        help="be the recorded CSMS instead: serve a connecting station with the recorded answers and CALLs",
    )
    replay.add_argument(
        "--port", type=options.port, default=0, help="with --as-csms: where to listen (default: any free port)"
    )
    replay.add_argument("--junit", type=junit_file, default=None, metavar="FILE", help="write the result as JUnit XML")
    return replay


def run(args: argparse.Namespace) -> int:
    if args.speed != 0 and not 0.1 <= args.speed <= 1000:
        raise CommandError(f"--speed {args.speed:g} is not 0 or a factor from 0.1 to 1000")
    db = options.database(args.db)
    options.check_database(db)
    return options.run_engine(_replay(args, db))


def _recorded_session(args: argparse.Namespace, db: Path) -> int:
    from ocpplab_desktop.store.store import Store

    text = str(args.trace)
    if text.isdigit() and not Path(text).exists():
        return int(text)
    path = Path(text)
    if not path.is_file():
        raise CommandError(f"{text!r} is neither a session id nor a trace file")
    from ocpplab_desktop.replay.trace import import_trace

    store = Store(db)
    try:
        result = import_trace(store, path, station_id=args.station_id)
    finally:
        store.close()
    for fact in result.inferred:
        print(f"{path}: {fact}")
    for bad in result.bad_lines:
        print(f"{path}:{bad.line}: skipped, {bad.reason}", file=sys.stderr)
    skipped = f", skipped {len(result.bad_lines)} unreadable lines" if result.bad_lines else ""
    print(f"imported {result.frames} frames of {path} as session {result.session_id}{skipped}")
    return int(result.session_id)


async def _as_csms(args: argparse.Namespace, db: Path, session: int, recorded: list[Frame]) -> int:
    """Serve the recorded CSMS until interrupted; with --diff, until the station it served has gone.

    With --diff the station's frames are then compared with the recorded station's, and the exit
    status says whether the station behaved as recorded.
    """
    from ocpplab_desktop.model.events import EventBus
    from ocpplab_desktop.replay.csms_player import CsmsRecording, ReplayCsms, served_against_recorded
    from ocpplab_desktop.replay.player import ReplayError, infer_version
    from ocpplab_desktop.store.recorder import SessionRecorder
    from ocpplab_desktop.store.store import SessionSource, Store

    try:
        recording = CsmsRecording.of(recorded, infer_version(recorded), args.station_id)
    except ReplayError as exc:
        raise CommandError(str(exc)) from None
    bus = EventBus()
    store = Store(db)
    new_session = store.start_session(f"CSMS replay of session {session}", source=SessionSource.LAB)
    recorder = SessionRecorder(store, bus, new_session)
    recording_task = asyncio.ensure_future(recorder.run())
    csms = ReplayCsms(recording, bus, port=args.port, speed=args.speed)
    try:
        await csms.start()
    except OSError as exc:
        raise CommandError(f"cannot listen on port {args.port}: {exc}") from None
    until = "the station has gone, or Ctrl+C" if args.diff else "Ctrl+C"
    print(f"replaying the CSMS of session {session} at {csms.url}/{recording.station_id} (until {until})", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    ends = [stop.wait(), csms.gone.wait()] if args.diff else [stop.wait()]
    waits = [asyncio.ensure_future(end) for end in ends]
    try:
        await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
    finally:
        for wait in waits:
            wait.cancel()
        await csms.stop()
        recording_task.cancel()
        recorder.close()
        store.end_session(new_session)
        store.close()
    for action, error in csms.sent:
        print(f"  {'ok  ' if error is None else 'ERR '} {action}: {error or 'answered'}")
    print(f"{len(csms.sent)} of {len(recording.calls)} recorded CSMS CALLs sent; session {new_session} stored in {db}")
    if not args.diff:
        return ExitStatus.OK
    with Store(db) as reader:
        served = list(reader.frames(new_session))
    mine, new = served_against_recorded(recorded, served, recording.station_id)
    return _report_diff(args, session, mine, new)


def _report_diff(args: argparse.Namespace, session: int, recorded: list[Frame], new: list[Frame]) -> int:
    """Print the differences of the new run from the recorded one; --junit writes them too."""
    from ocpplab_desktop.replay.diff import diff_frames, render
    from ocpplab_desktop.replay.junit import cases_from_diff

    report = diff_frames(recorded, new, ignore=args.ignore)
    print(render(report))
    if args.junit is not None:
        write_report(args.junit, f"replay of session {session}", cases_from_diff(report))
    return ExitStatus.OK if report.ok else ExitStatus.FAILED


async def _replay(args: argparse.Namespace, db: Path) -> int:
    from ocpplab_desktop.engine.lab import Lab
    from ocpplab_desktop.protocol.frame import Side
    from ocpplab_desktop.replay.junit import Case
    from ocpplab_desktop.replay.player import Player, Recording, ReplayError, infer_version
    from ocpplab_desktop.store.errors import StoreError
    from ocpplab_desktop.store.store import Store

    session = _recorded_session(args, db)
    store = Store(db)
    try:
        recorded = list(store.frames(session))
    except (StoreError, KeyError) as exc:
        raise CommandError(f"session {session}: {exc}") from None
    finally:
        store.close()
    if args.as_csms:
        return await _as_csms(args, db, session, recorded)
    try:
        recording = Recording.of(recorded, infer_version(recorded), args.station_id)
    except ReplayError as exc:
        raise CommandError(str(exc)) from None
    lab = Lab(db_path=db, csms_port=None if args.csms else 0, session_name=f"replay of session {session}")
    await lab.start()
    player = Player(recording, lab.bus, speed=args.speed)
    try:
        await player.run(args.csms or lab.csms_url or "")
    except (OSError, TimeoutError) as exc:
        print(f"ocpplab replay: could not reach the CSMS: {exc}", file=sys.stderr)
        return ExitStatus.UNREACHABLE
    finally:
        await lab.close()
    failed = [o for o in player.outcomes if o.error is not None]
    for outcome in player.outcomes:
        print(f"  {'ok  ' if outcome.error is None else 'ERR '} {outcome.step.action}: {outcome.error or 'answered'}")
    print(f"{len(player.outcomes)} of {len(recording.steps)} CALLs replayed, {len(failed)} without an answer")
    if player.unanswered:
        print(f"CSMS CALLs the recording had no answer for (answered by default): {', '.join(player.unanswered)}")
    print(f"session {lab.session_id} stored in {db}")
    if not args.diff:
        if args.junit is not None:
            cases = [Case(o.step.action, recording.station_id, o.error is None, o.error or "", "", 0.0)
                     for o in player.outcomes]  # fmt: skip
            write_report(args.junit, f"replay of session {session}", cases)
        return ExitStatus.OK if not failed else ExitStatus.FAILED
    store = Store(db)
    try:
        new = [f for f in store.frames(lab.session_id or 0) if f.side is Side.STATION]
    finally:
        store.close()
    mine = [f for f in recorded if f.side is Side.STATION and f.station_id == recording.station_id]
    return _report_diff(args, session, mine, new)
