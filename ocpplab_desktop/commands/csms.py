"""`ocpplab csms`: the mock CSMS alone, one console line per frame, until Ctrl+C or SIGTERM.

The port is the one asked for: a port that is taken is an error naming it (exit 2), never a
silent move to another one, because stations and scripts are pointed at that port. The console
never holds the engine up (commands/console.py): a reader that is slow or gone costs console
lines, never an answer to a station, and SIGTERM always ends the command.
"""

from __future__ import annotations

import argparse
import asyncio
import errno
import signal
from pathlib import Path

from ocpplab_desktop.commands import options
from ocpplab_desktop.commands.console import ConsolePrinter
from ocpplab_desktop.commands.exit_status import CommandError, ExitStatus
from ocpplab_desktop.commands.options import DEFAULT_PORT


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    csms = subparsers.add_parser(
        "csms",
        help="run the mock CSMS until interrupted, one log line per frame",
        description="Run the mock CSMS until Ctrl+C or SIGTERM; one console line per frame, all of them stored.",
    )
    csms.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1)")
    csms.add_argument(
        "--port",
        type=options.port,
        default=DEFAULT_PORT,
        help=f"port to listen on (default {DEFAULT_PORT}; 0 for any free port); a taken port is an error",
    )
    csms.add_argument("--db", type=Path, default=None, metavar="PATH", help="session database")
    return csms


def run(args: argparse.Namespace) -> int:
    from ocpplab_desktop.csms.server import listen_problem

    db = options.database(args.db)
    options.check_database(db)
    problem = listen_problem(args.host, args.port)
    if problem is not None:
        raise CommandError(problem)
    return options.run_engine(_serve(args.host, args.port, db))


async def _serve(host: str, port: int, db: Path) -> int:
    from ocpplab_desktop.engine.lab import Lab
    from ocpplab_desktop.store.store import SessionSource

    lab = Lab(
        db_path=db,
        csms_host=host,
        csms_port=port,
        session_name=f"mock CSMS on {host}:{port}",
        session_source=SessionSource.CSMS,
    )
    printer = ConsolePrinter()
    lab.bus.subscribe(printer)
    printer.start()
    try:
        try:
            await lab.start()
        except OSError as exc:
            if exc.errno != errno.EADDRINUSE:
                raise
            # Taken between the check and the start: this command never moves to another port.
            raise CommandError(
                f"port {port} on {host} was taken as the CSMS started; choose another with --port"
            ) from None
        printer.say(f"mock CSMS listening on {lab.csms_url}/<stationId>  (Ctrl+C to stop)")
        if lab.csms is not None:
            files = lab.csms.files
            printer.say(
                f"file service on {files.url}: firmware at {files.url}/firmware/<name>, "
                f"uploads to {files.url}/uploads/<stationId>/ (kept in {files.folder})"
            )
        await _until_stopped()
    finally:
        await lab.close()
        printer.close()
    return ExitStatus.OK


async def _until_stopped() -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    await stop.wait()
