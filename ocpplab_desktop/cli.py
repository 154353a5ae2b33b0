"""`ocpplab`: the desktop lab and its sub-commands.

ocpplab                      the window, with the embedded mock CSMS
ocpplab csms                 the mock CSMS alone, one log line per frame
ocpplab run SCENARIO         a scenario file, exit 0 when every expectation held
ocpplab sessions ...         list, export, import, delete stored sessions
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import signal
import sys
from pathlib import Path
from typing import Any

from ocpplab_desktop.commands import sessions
from ocpplab_desktop.paths import SCENARIOS, default_db

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="ocpplab",
        description="OCPPLab Desktop: virtual OCPP 1.6J / 2.0.1 stations, a mock CSMS, every frame in SQLite.",
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    gui = sub.add_parser("gui", help="open the lab window (the default)")
    gui.add_argument("--port", type=int, default=9000, help="port of the embedded mock CSMS (default 9000)")
    gui.add_argument("--db", type=Path, default=None, help="session database (default: in the user data folder)")

    csms = sub.add_parser("csms", help="run the mock CSMS until interrupted, one log line per frame")
    csms.add_argument("--host", default="127.0.0.1")
    csms.add_argument("--port", type=int, default=9000)
    csms.add_argument("--db", type=Path, default=None, help="session database")

    run = sub.add_parser("run", help="run a scenario file; exit 0 when every expectation held, 1 otherwise")
    run.add_argument("scenario", help=f"a YAML file, or the name of a shipped scenario in {SCENARIOS}")
    run.add_argument("--csms", default=None, metavar="URL", help="an external CSMS (default: the built-in one)")
    run.add_argument("--db", type=Path, default=None, help="session database")
    run.add_argument("--speed", type=float, default=None, help="simulated time speed, 1 to 1000")

    sessions.add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    logging.basicConfig(
        level=logging.DEBUG if args.verbose else logging.WARNING, format="%(asctime)s %(levelname)s %(message)s"
    )
    command = args.command or "gui"
    if command == "gui":
        from ocpplab_desktop.gui.launch import launch

        return launch(db=getattr(args, "db", None), port=getattr(args, "port", 9000))
    if command == "csms":
        return asyncio.run(_run_csms(args))
    if command == "run":
        return asyncio.run(_run_scenario(args))
    if command == "sessions":
        return sessions.run(args)
    parser.print_help()
    return EXIT_USAGE


async def _run_csms(args: Any) -> int:
    from ocpplab_desktop.engine.lab import Lab
    from ocpplab_desktop.protocol.frame import Frame
    from ocpplab_desktop.store.store import SessionSource

    lab = Lab(
        db_path=args.db or default_db(),
        csms_host=args.host,
        csms_port=args.port,
        session_name=f"mock CSMS on {args.host}:{args.port}",
        session_source=SessionSource.CSMS,
    )

    def log_frame(event: Any) -> None:
        if isinstance(event, Frame):
            arrow = "->" if event.direction.value == "to_csms" else "<-"
            flag = f"  !! {event.error}" if event.error else ""
            print(f"{event.station_id:<16} {arrow} {event.raw}{flag}", flush=True)

    lab.bus.subscribe(log_frame)
    await lab.start()
    print(f"mock CSMS listening on {lab.csms_url}/<stationId>  (Ctrl+C to stop)", flush=True)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, stop.set)
    try:
        await stop.wait()
    finally:
        await lab.close()
    return EXIT_OK


def _scenario_path(name: str) -> Path:
    path = Path(name)
    if path.exists():
        return path
    for candidate in (SCENARIOS / name, SCENARIOS / f"{name}.yaml"):
        if candidate.exists():
            return candidate
    known = ", ".join(sorted(p.stem for p in SCENARIOS.glob("*.yaml")))
    raise FileNotFoundError(f"no scenario file {name!r}; shipped scenarios: {known}")


async def _run_scenario(args: Any) -> int:
    from ocpplab_desktop.engine.lab import Lab
    from ocpplab_desktop.engine.scenario import ScenarioError, ScenarioRunner, load_scenario

    try:
        scenario = load_scenario(_scenario_path(args.scenario))
    except (ScenarioError, FileNotFoundError) as exc:
        print(f"ocpplab run: {exc}", file=sys.stderr)
        return EXIT_USAGE
    speed = args.speed if args.speed is not None else scenario.speed
    lab = Lab(
        db_path=args.db or default_db(),
        speed=speed,
        csms_port=None if args.csms else 0,
        session_name=f"scenario: {scenario.name}",
    )
    await lab.start()
    try:
        report = await ScenarioRunner(lab, scenario, csms_url=args.csms).run()
    finally:
        await lab.close()
    print(report.render())
    if lab.session_id is not None:
        print(f"session {lab.session_id} stored in {lab.db_path}")
    return EXIT_OK if report.ok else EXIT_FAILED


if __name__ == "__main__":
    sys.exit(main())
