"""`ocpplab run SCENARIO`: a scenario file against the built-in CSMS or an external one, for CI.

Everything that can be checked before a step runs is checked first (the file, the options, the
database), so a broken set-up exits 2 without starting a session. Then the exit status tells a
CSMS that misbehaved (1) from one that could not be reached or was lost for good (3).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from ocpplab_desktop.commands import options
from ocpplab_desktop.commands.diff import junit_file, write_report
from ocpplab_desktop.commands.exit_status import CommandError, ExitStatus
from ocpplab_desktop.paths import SCENARIOS

if TYPE_CHECKING:
    from ocpplab_desktop.engine.scenario import Gate, Scenario


def add_parser(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> argparse.ArgumentParser:
    run = subparsers.add_parser(
        "run",
        help="run a scenario file; exit 0 when every expectation held (see the exit statuses below)",
        description="Run a scenario file: a station and the steps a tester would take, with expectations.",
    )
    run.add_argument("scenario", help=f"a YAML file, or the name of a shipped scenario in {SCENARIOS}")
    run.add_argument(
        "--csms",
        type=options.csms_url,
        default=None,
        metavar="URL",
        help="an external CSMS, ws://host:port/path or wss://... (default: the built-in one)",
    )
    run.add_argument("--db", type=Path, default=None, metavar="PATH", help="session database")
    run.add_argument(
        "--speed",
        type=options.speed,
        default=None,
        help="simulated seconds per real second, 1 to 1000 (default: the scenario's)",
    )
    run.add_argument(
        "--junit", type=junit_file, default=None, metavar="FILE", help="also write the report as JUnit XML"
    )
    return run


def run(args: argparse.Namespace) -> int:
    # The engine loads in a second; `ocpplab --help` and the other commands do without it.
    from ocpplab_desktop.engine.scenario import ScenarioError, load_scenario

    try:
        scenario = load_scenario(scenario_path(args.scenario))
    except ScenarioError as exc:
        raise CommandError(str(exc)) from None
    db = options.database(args.db)
    options.check_database(db)
    return options.run_engine(_run(scenario, args, db))


def scenario_path(name: str) -> Path:
    """A scenario file by path, or a shipped scenario by name."""
    path = Path(name)
    if path.exists():
        return path
    for candidate in (SCENARIOS / name, SCENARIOS / f"{name}.yaml"):
        if candidate.exists():
            return candidate
    known = ", ".join(sorted(p.stem for p in SCENARIOS.glob("*.yaml")))
    raise CommandError(f"no scenario file {name!r}; shipped scenarios: {known}")


async def _run(scenario: Scenario, args: argparse.Namespace, db: Path) -> int:
    from ocpplab_desktop.engine.lab import Lab
    from ocpplab_desktop.engine.scenario import Gate, ScenarioRunner
    from ocpplab_desktop.replay.junit import cases_from_scenario

    lab = Lab(
        db_path=db,
        speed=args.speed if args.speed is not None else scenario.speed,
        csms_port=None if args.csms else 0,
        session_name=f"scenario: {scenario.name}",
    )
    # A pause waits for Enter when someone is at the terminal; in CI it passes through.
    gate = Gate(interactive=sys.stdin is not None and sys.stdin.isatty())
    unsubscribe = lab.bus.subscribe(_Presenter(gate).on_event)
    try:
        await lab.start()
        report = await ScenarioRunner(lab, scenario, csms_url=args.csms, gate=gate).run()
    finally:
        unsubscribe()
        await lab.close()
    print(report.render())
    print(f"session {lab.session_id} stored in {lab.db_path}")
    if args.junit is not None:
        write_report(args.junit, scenario.name, cases_from_scenario(report))
    if report.ok:
        return ExitStatus.OK
    if report.unreachable is not None:
        print(f"ocpplab run: {report.unreachable}", file=sys.stderr)
        return ExitStatus.UNREACHABLE
    return ExitStatus.FAILED


class _Presenter:
    """Prints a scenario's captions as they come and, while a pause waits, reads Enter from the terminal."""

    def __init__(self, gate: Gate) -> None:
        self.gate = gate
        self.caption: str | None = None
        self.reading = False

    def on_event(self, event: object) -> None:
        from ocpplab_desktop.model.events import ScenarioProgress

        if not isinstance(event, ScenarioProgress):
            return
        if event.caption is not None and event.caption != self.caption:
            self.caption = event.caption
            print(f"» {event.caption}", flush=True)
        if event.waiting is not None and not self.reading:
            print(f"  paused: {event.waiting} (press Enter to continue)", flush=True)
            self._read_enter()

    def _read_enter(self) -> None:
        loop = asyncio.get_running_loop()
        fd = sys.stdin.fileno()
        self.reading = True

        def ready() -> None:
            sys.stdin.readline()
            loop.remove_reader(fd)
            self.reading = False
            self.gate.resume()

        loop.add_reader(fd, ready)
