"""`ocpplab`: the desktop lab and its sub-commands.

ocpplab                      the window, with the embedded mock CSMS
ocpplab csms                 the mock CSMS alone, one log line per frame
ocpplab run SCENARIO         a scenario file, exit 0 when every expectation held
ocpplab diff A B             two recorded sessions frame by frame, exit 0 when they agree
ocpplab replay TRACE         a recorded station's CALLs sent to a CSMS again; --diff compares the answers
ocpplab sessions ...         list, export, import, delete stored sessions

Every command answers a mistake with one line on stderr (what is wrong, where, what to do) and
an exit status that says which kind of failure it was (commands/exit_status.py).
"""

from __future__ import annotations

import argparse
import logging
import sys
from pathlib import Path
from typing import NoReturn, cast

from ocpplab_desktop.commands import csms, diff, options, replay, run, sessions
from ocpplab_desktop.commands.exit_status import CommandError, ExitStatus, exit_status_help
from ocpplab_desktop.store.errors import StoreError


class Parser(argparse.ArgumentParser):
    """argparse that says a mistake in one line, with where to read more, and exits with status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(ExitStatus.USAGE, f"{self.prog}: {message}; see '{self.prog} --help'\n")


def build_parser() -> argparse.ArgumentParser:
    parser = Parser(
        prog="ocpplab",
        description="OCPPLab Desktop: virtual OCPP 1.6J / 2.0.1 stations, a mock CSMS, every frame in SQLite.",
        epilog=exit_status_help(),
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = cast(
        "argparse._SubParsersAction[argparse.ArgumentParser]", parser.add_subparsers(dest="command", metavar="COMMAND")
    )

    gui = sub.add_parser("gui", help="open the lab window (the default)")
    gui.add_argument(
        "--port",
        type=options.port,
        default=None,
        help=f"port of the embedded mock CSMS (default {options.DEFAULT_PORT}, or a free one if it is taken)",
    )
    gui.add_argument("--db", type=Path, default=None, help="session database (default: in the user data folder)")
    gui.add_argument(
        "--scenario",
        default=None,
        metavar="FILE",
        help="play a scenario in the window once it is open, with its captions and pauses (View > Present: F11)",
    )

    for command in (csms.add_parser(sub), run.add_parser(sub), diff.add_parser(sub), replay.add_parser(sub)):
        command.epilog = exit_status_help()
        command.formatter_class = argparse.RawDescriptionHelpFormatter
    sessions.add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING, format="%(asctime)s %(levelname)s %(message)s"
    )
    command = args.command or "gui"
    try:
        if command == "gui":
            return _gui(getattr(args, "db", None), getattr(args, "port", None), getattr(args, "scenario", None))
        if command == "csms":
            return csms.run(args)
        if command == "run":
            return run.run(args)
        if command == "diff":
            return diff.run(args)
        if command == "replay":
            return replay.run(args)
        return sessions.run(args)
    except (CommandError, StoreError) as exc:
        print(f"ocpplab {command}: {exc}", file=sys.stderr)
        return exc.status if isinstance(exc, CommandError) else ExitStatus.USAGE


def _gui(db: Path | None, port: int | None, scenario: str | None = None) -> int:
    """The window; a bad database or a taken --port is said in the window's start-up error.

    A `--scenario` that does not load is a usage error before any window opens (exit 2).
    """
    from ocpplab_desktop.csms.server import listen_problem
    from ocpplab_desktop.gui.launch import launch

    scenario_path = None
    if scenario is not None:
        from ocpplab_desktop.engine.scenario import ScenarioError, load_scenario

        scenario_path = run.scenario_path(scenario)
        try:
            load_scenario(scenario_path)
        except ScenarioError as exc:
            raise CommandError(str(exc)) from None

    path: Path | None = None
    try:
        path = options.database(db)
        options.check_database(path)
        # Only the default port may move to a free one; a port asked for is the one the user will use.
        problem = listen_problem("127.0.0.1", port) if port is not None else None
    except CommandError as exc:
        problem = str(exc)
    return launch(path, options.DEFAULT_PORT if port is None else port, startup_problem=problem, scenario=scenario_path)


if __name__ == "__main__":
    sys.exit(main())
