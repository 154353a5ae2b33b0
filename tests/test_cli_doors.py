"""Every door of `ocpplab` gives a clear answer: run as a user runs it, in a process of its own.

Each input that is wrong (a scenario file, a template, an option, a database, a port) is refused
with exit status 2 and one line on stderr that names the problem, without a traceback; a CSMS that
cannot be reached or is lost for good is exit status 3 with the reason; a CSMS that misbehaves is 1.
Network: 127.0.0.1 only.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import socket
import sqlite3
import ssl
import sys
import tempfile
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import websockets
from websockets.asyncio.server import ServerConnection, serve
from websockets.http11 import Request, Response

from ocpplab_desktop.commands.exit_status import MEANINGS, ExitStatus
from ocpplab_desktop.store.store import Store

CERTIFICATE = Path(__file__).parent / "data" / "self-signed-localhost.pem"
README = Path(__file__).resolve().parents[1] / "README.md"
NOBODY = 65534


@dataclass
class Outcome:
    status: int
    stdout: str
    stderr: str


async def ocpplab(*args: str, cwd: Path, as_nobody: bool = False, env: dict[str, str] | None = None) -> Outcome:
    """The command as a user types it; bounded, so a hang fails the test instead of stalling it."""
    command = [sys.executable, "-m", "ocpplab_desktop.cli", *args]
    if as_nobody:
        command = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups", *command]
    process = await asyncio.create_subprocess_exec(
        *command,
        cwd=cwd, env={**os.environ, "QT_QPA_PLATFORM": "offscreen", **(env or {})},
        stdin=asyncio.subprocess.DEVNULL, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        stdout, stderr = await asyncio.wait_for(process.communicate(), 120)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    assert process.returncode is not None
    return Outcome(process.returncode, stdout.decode(), stderr.decode())


def assert_one_line(outcome: Outcome, status: int, says: str) -> None:
    assert "Traceback" not in outcome.stderr, outcome.stderr
    lines = outcome.stderr.strip().splitlines()
    assert len(lines) == 1, outcome.stderr
    assert says in lines[0], lines[0]
    assert outcome.status == status, (outcome.status, outcome.stderr)


# --- files the doors are given ---------------------------------------------------------------
def scenario(folder: Path, station: str = "{template: ac-22kw-wallbox, id: DOOR-1}", *, speed: str = "500") -> str:
    path = folder / "door.yaml"
    path.write_text(
        f"name: door\nstation: {station}\nspeed: {speed}\nsteps:\n  - wait_until: {{registration: Accepted}}\n",
        encoding="utf-8",
    )
    return str(path)


def with_evses(evses: Any) -> str:
    return "{template: ac-22kw-wallbox, id: DOOR-1, evses: " + json.dumps(evses) + "}"


def grid(evses: int, connectors: int) -> str:
    """A station with `evses` EVSEs of `connectors` connectors each."""
    return with_evses(
        [{"id": e, "connectors": [{"id": c} for c in range(1, connectors + 1)]} for e in range(1, evses + 1)]
    )


def infinite_template(folder: Path) -> str:
    path = folder / "infinite.json"
    path.write_text('{"id": "INF-1", "evses": [{"connectors": [{"max_power_w": Infinity}]}]}', encoding="utf-8")
    return scenario(folder, "{template: " + str(path) + "}")


def not_yaml(folder: Path) -> str:
    path = folder / "broken.yaml"
    path.write_text("station: {template: ac-22kw-wallbox\nsteps: [\n", encoding="utf-8")
    return str(path)


def folder_db(folder: Path) -> str:
    (folder / "a-folder").mkdir()
    return str(folder / "a-folder")


def text_db(folder: Path) -> str:
    path = folder / "notes.db"
    path.write_text("these are my notes, not a database\n", encoding="utf-8")
    return str(path)


def newer_db(folder: Path) -> str:
    path = folder / "newer.db"
    Store(path).close()
    with sqlite3.connect(path) as connection:
        connection.execute("PRAGMA user_version = 99")
    return str(path)


@contextmanager
def taken_port() -> Iterator[int]:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        sock.listen()
        yield sock.getsockname()[1]


@contextmanager
def refusing_port() -> Iterator[int]:
    """Bound but not listening: connections are refused, and no one else can take the port meanwhile."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield sock.getsockname()[1]


# --- inputs refused at the door: exit 2, one line ------------------------------------------------
@dataclass(frozen=True)
class Door:
    argv: Callable[[Path], list[str]]
    says: str


def run_with(file: Callable[[Path], str], *options: str) -> Callable[[Path], list[str]]:
    return lambda folder: ["run", file(folder), "--db", str(folder / "s.db"), *options]


def with_db(command: list[str], db: Callable[[Path], str]) -> Callable[[Path], list[str]]:
    return lambda folder: [*command, "--db", db(folder)]


SHIPPED = "local-session-16"
USAGE_DOORS: dict[str, Door] = {
    # scenario files
    "no-such-scenario": Door(
        lambda folder: ["run", "no-such-scenario", "--db", str(folder / "s.db")],
        "no scenario file 'no-such-scenario'; shipped scenarios: csms-callerror-start-16,",
    ),
    "scenario-not-yaml": Door(run_with(not_yaml), "broken.yaml:2: not valid YAML"),
    "scenario-speed-0": Door(run_with(lambda f: scenario(f, speed="0")), "door.yaml:3: speed: 0 must be at least 1"),
    "scenario-speed-100000": Door(
        run_with(lambda f: scenario(f, speed="100000")), "door.yaml:3: speed: 100000 must be at most 1000"
    ),
    "scenario-speed-nan": Door(run_with(lambda f: scenario(f, speed=".nan")), "speed: nan is not a finite number"),
    # station templates and their limits
    "no-evses": Door(run_with(lambda f: scenario(f, with_evses([]))), "station.evses: needs at least 1 entry"),
    "text-rating": Door(
        run_with(lambda f: scenario(f, with_evses([{"connectors": [{"max_current_a": "abc"}]}]))),
        "station.evses[0].connectors[0].max_current_a: 'abc' is not a number of amperes",
    ),
    "infinite-rating-in-a-template-file": Door(
        run_with(infinite_template), "infinite.json:1: evses[0].connectors[0].max_power_w: inf is not a finite number"
    ),
    "10000-connectors": Door(
        run_with(lambda f: scenario(f, grid(1, 10_000))),
        "station.evses[0].connectors: an EVSE has at most 8 connectors, this has 10,000",
    ),
    "10000-evses": Door(
        run_with(lambda f: scenario(f, grid(10_000, 1))),
        "station.evses: a station has at most 32 EVSEs, this has 10,000",
    ),
    "72-connectors-in-all": Door(
        run_with(lambda f: scenario(f, grid(9, 8))), "a station has at most 64 connectors in all, this has 72"
    ),
    # options
    **{
        f"speed-{value}": Door(
            run_with(lambda _f: SHIPPED, "--speed", value),
            f"ocpplab run: argument --speed: {value} is not a speed from 1 to 1000",
        )
        for value in ("0", "100000", "-5", "nan", "inf")
    },
    "speed-word": Door(run_with(lambda _f: SHIPPED, "--speed", "fast"), "argument --speed: 'fast' is not a number"),
    "csms-http-url": Door(
        run_with(lambda _f: SHIPPED, "--csms", "http://csms.example/ocpp"),
        "argument --csms: CSMS URL 'http://csms.example/ocpp': use ws://host:port/path or wss://host:port/path",
    ),
    "csms-url-without-scheme": Door(
        run_with(lambda _f: SHIPPED, "--csms", "localhost:9000"),
        "CSMS URL 'localhost:9000': use ws://host:port/path or wss://host:port/path",
    ),
    "csms-url-bad-port": Door(
        run_with(lambda _f: SHIPPED, "--csms", "ws://127.0.0.1:99999/ocpp"), "use ws://host:port/path with a port"
    ),
    "csms-port-70000": Door(lambda _f: ["csms", "--port", "70000"], "argument --port: 70000 is not a port"),
    "csms-host-not-here": Door(
        lambda f: ["csms", "--host", "192.0.2.1", "--port", "0", "--db", str(f / "s.db")],
        "cannot listen on 192.0.2.1:0: Cannot assign requested address",
    ),
    "gui-port-70000": Door(lambda _f: ["gui", "--port", "70000"], "argument --port: 70000 is not a port"),
    "no-command-options": Door(lambda _f: ["run"], "ocpplab run: the following arguments are required: scenario"),
    # databases, for each command that opens one
    **{
        f"{command[0]}-db-{kind}": Door(with_db(command, db), says)
        for command in (["run", SHIPPED], ["csms", "--port", "0"], ["sessions", "list"])
        for kind, db, says in (
            ("folder", folder_db, "a-folder"),
            ("not-sqlite", text_db, "notes.db as a session database: file is not a database"),
            ("newer-schema", newer_db, "schema version 99, but this OCPPLab knows only up to"),
        )
    },
    "run-db-missing-folder": Door(
        with_db(["run", SHIPPED], lambda f: str(f / "nowhere" / "s.db")), "nowhere does not exist; create it"
    ),
    # the window, with no display: said on stderr, no dialog waiting for a click
    "gui-db-folder": Door(with_db(["gui"], folder_db), "The lab could not start: session database"),
}


@pytest.mark.parametrize("name", USAGE_DOORS)
async def test_a_wrong_input_is_refused_with_one_line_and_exit_status_2(name: str, tmp_path: Path) -> None:
    door = USAGE_DOORS[name]
    outcome = await ocpplab(*door.argv(tmp_path), cwd=tmp_path)
    assert_one_line(outcome, ExitStatus.USAGE, door.says)
    assert outcome.stdout == ""


@pytest.mark.parametrize("command", [["run", SHIPPED], ["csms", "--port", "0"], ["gui"]])
async def test_without_db_a_data_folder_that_cannot_be_made_is_said_with_what_to_do(
    command: list[str], tmp_path: Path
) -> None:
    outcome = await ocpplab(*command, cwd=tmp_path, env={"XDG_DATA_HOME": "/dev/null/data"})
    assert_one_line(outcome, ExitStatus.USAGE, "cannot create the lab's data folder /dev/null/data")
    assert "give a database file with --db" in outcome.stderr


@pytest.mark.parametrize("command", [["csms"], ["gui"]])
async def test_a_port_asked_for_and_taken_is_an_error_naming_it(command: list[str], tmp_path: Path) -> None:
    with taken_port() as port:
        outcome = await ocpplab(*command, "--port", str(port), "--db", str(tmp_path / "s.db"), cwd=tmp_path)
    assert_one_line(outcome, ExitStatus.USAGE, f"port {port} on 127.0.0.1 is already in use")
    assert not (tmp_path / "s.db").exists(), "nothing is written when the command cannot start"


@contextmanager
def read_only(*, folder_writable: bool) -> Iterator[tuple[Path, bool]]:
    """A database the user cannot write, or in a folder it cannot write in; whether to run as nobody.

    Root writes anything, so as root the command runs as nobody, in a folder under /tmp it can reach.
    """
    as_nobody = os.geteuid() == 0
    if as_nobody and shutil.which("setpriv") is None:
        pytest.skip("root writes any file; running as nobody needs setpriv (util-linux)")
    folder = Path(tempfile.mkdtemp(prefix="ocpplab-read-only-"))
    db = folder / "ro.db"
    Store(db).close()
    try:
        db.chmod(0o444 if folder_writable else 0o666)
        folder.chmod(0o777 if folder_writable else 0o555)
        yield db, as_nobody
    finally:
        folder.chmod(0o700)
        shutil.rmtree(folder)


@pytest.mark.parametrize(
    ("folder_writable", "says"),
    [(True, "permission denied, this user cannot write it"), (False, "permission denied, this user cannot write in")],
    ids=["file", "folder"],
)
@pytest.mark.parametrize("command", [["run", SHIPPED], ["csms", "--port", "0"]])
async def test_a_read_only_database_is_refused_for_its_permissions(
    command: list[str], folder_writable: bool, says: str
) -> None:
    with read_only(folder_writable=folder_writable) as (db, as_nobody):
        outcome = await ocpplab(*command, "--db", str(db), cwd=db.parent, as_nobody=as_nobody)
    assert_one_line(outcome, ExitStatus.USAGE, says)
    assert "disk space" not in outcome.stderr and "locked" not in outcome.stderr


# --- the CSMS out of reach: exit 3 with the reason -------------------------------------------
@asynccontextmanager
async def csms_stand_in(**options: Any) -> AsyncIterator[int]:
    async def handler(connection: ServerConnection) -> None:
        await connection.close()

    async with serve(handler, "127.0.0.1", 0, **options) as server:
        yield server.sockets[0].getsockname()[1]


def answer_404(connection: ServerConnection, request: Request) -> Response:
    del request
    return connection.respond(404, "no such CSMS path\n")


def tls_context() -> ssl.SSLContext:
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(CERTIFICATE)
    return context


@pytest.mark.parametrize(
    ("kind", "says"),
    [
        ("refused", "could not reach the CSMS (connection refused): cannot connect to ws://127.0.0.1:"),
        ("tls", "could not reach the CSMS (TLS: the CSMS's certificate did not verify)"),
        ("http-404", "could not reach the CSMS (the CSMS refused the WebSocket handshake with HTTP 404)"),
    ],
)
async def test_a_csms_out_of_reach_is_exit_status_3_with_the_reason(kind: str, says: str, tmp_path: Path) -> None:
    file = scenario(tmp_path)  # wait_until registration Accepted, 120 s simulated at x500
    if kind == "refused":
        with refusing_port() as port:
            outcome = await ocpplab("run", file, "--csms", f"ws://127.0.0.1:{port}", "--db", "s.db", cwd=tmp_path)
    else:
        scheme, options = ("wss", {"ssl": tls_context()}) if kind == "tls" else ("ws", {"process_request": answer_404})
        async with csms_stand_in(**options) as port:
            outcome = await ocpplab("run", file, "--csms", f"{scheme}://127.0.0.1:{port}", "--db", "s.db", cwd=tmp_path)
    assert_one_line(outcome, ExitStatus.UNREACHABLE, f"ocpplab run: {says}")
    assert "FAIL" in outcome.stdout and "not met within 120 s (simulated)" in outcome.stdout


async def test_a_csms_lost_after_the_boot_and_never_back_is_exit_status_3(tmp_path: Path) -> None:
    """The stand-in answers the boot, then closes and stops listening: every reconnection is refused."""
    closing = asyncio.Event()

    async def boot_then_vanish(connection: ServerConnection) -> None:
        call = json.loads(await connection.recv())
        answer = {"status": "Accepted", "currentTime": "2027-01-01T00:00:00Z", "interval": 300}
        await connection.send(json.dumps([3, call[1], answer]))
        closing.set()

    async with serve(boot_then_vanish, "127.0.0.1", 0, subprotocols=[websockets.Subprotocol("ocpp1.6")]) as server:
        port = server.sockets[0].getsockname()[1]
        file = tmp_path / "lost.yaml"
        file.write_text(
            "station: {template: ac-22kw-wallbox, id: LOST-1}\nspeed: 1000\nsteps:\n"
            "  - wait_until: {frame: {action: BootNotification, message_type: CALLRESULT}}\n"
            "  - wait: 600\n"
            "  - data_transfer: {vendor_id: lab}\n",
            encoding="utf-8",
        )
        command = asyncio.ensure_future(
            ocpplab("run", str(file), "--csms", f"ws://127.0.0.1:{port}", "--db", "s.db", cwd=tmp_path)
        )
        await asyncio.wait_for(closing.wait(), 60)
        server.close()  # the connection and the listening socket
        outcome = await command
    assert_one_line(
        outcome,
        ExitStatus.UNREACHABLE,
        "ocpplab run: lost the CSMS and could not reconnect (connection refused)",
    )
    assert "DataTransfer failed" in outcome.stdout


# --- the CSMS answered: 0 or 1 ---------------------------------------------------------------
async def test_a_scenario_that_holds_is_exit_status_0_with_nothing_on_stderr(tmp_path: Path) -> None:
    outcome = await ocpplab("run", SHIPPED, "--speed", "1000", "--db", "s.db", cwd=tmp_path)
    assert (outcome.status, outcome.stderr) == (ExitStatus.OK, "")
    assert " 0 failed" in outcome.stdout


async def test_a_false_expectation_is_exit_status_1_and_the_report_says_what_failed(tmp_path: Path) -> None:
    file = tmp_path / "wrong.yaml"
    file.write_text(
        "station: {template: ac-22kw-wallbox, id: WRONG-1}\nspeed: 1000\nsteps:\n"
        "  - wait_until: {registration: Accepted}\n"
        "  - expect_state: {connector: 1, state: Charging}\n",
        encoding="utf-8",
    )
    outcome = await ocpplab("run", str(file), "--db", "s.db", cwd=tmp_path)
    assert (outcome.status, outcome.stderr) == (ExitStatus.FAILED, "")
    assert "FAIL   2. expect_state: connector 1/1 is Available, expected Charging" in outcome.stdout


# --- the codes are documented ---------------------------------------------------------------
async def test_help_and_readme_list_every_exit_status(tmp_path: Path) -> None:
    readme = README.read_text(encoding="utf-8")
    for command in ([], ["run"], ["csms"]):
        outcome = await ocpplab(*command, "--help", cwd=tmp_path)
        assert outcome.status == 0
        text = " ".join(outcome.stdout.split())
        for status, meaning in MEANINGS.items():
            assert f"{int(status)} {meaning}" in text
    readme_text = " ".join(readme.split())
    for status, meaning in MEANINGS.items():
        assert f"{int(status)} {meaning}" in readme_text
