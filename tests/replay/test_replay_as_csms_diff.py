"""`ocpplab replay TRACE --as-csms --diff`: a station served by the recorded CSMS, compared with the recorded station.

The recorded CSMS runs as `ocpplab replay` in a subprocess (it handles SIGTERM on its own
loop); a lab station, driven by the same scenario as in the recording (`ocpplab run --csms`),
connects to it and leaves when the scenario ends, which ends the replay and prints the diff.
"""

from __future__ import annotations

import asyncio
import socket
import sys
from pathlib import Path
from xml.etree import ElementTree

import pytest

from ocpplab_desktop.cli import main
from ocpplab_desktop.paths import SCENARIOS

SCENARIO = "local-session-16"
# The energy at the stop depends on when, in real time, the stop came; every other value of the
# station's frames follows from the scenario.
READINGS_AT_THE_STOP = ["--ignore", "meterStop", "--ignore", "transactionData[].sampledValue[].value"]


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("as-csms") / "r.db"
    # x100, not faster: a loaded machine must not make the recording itself fail its timeouts.
    assert main(["run", SCENARIO, "--db", str(db), "--speed", "100"]) == 0
    return db


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def _serve_and_drive(db: Path, scenario: Path | str, *options: str) -> tuple[int, str, int]:
    """The recorded CSMS with --diff, the scenario's station against it: (replay exit, its output, run exit)."""
    port = _free_port()
    proc = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "ocpplab_desktop", "replay", "1", "--as-csms", "--diff", "--port", str(port),
        "--db", str(db), *options,
        stdout=asyncio.subprocess.PIPE,
    )  # fmt: skip
    assert proc.stdout is not None
    try:
        banner = (await asyncio.wait_for(proc.stdout.readline(), 30)).decode()
        assert f"ws://127.0.0.1:{port}/SCN-LOCAL-16" in banner and "until the station has gone" in banner
        station_db = db.parent / f"station-{port}.db"
        ran = await asyncio.to_thread(
            main,
            ["run", str(scenario), "--csms", f"ws://127.0.0.1:{port}", "--db", str(station_db), "--speed", "100"],
        )
        # No signal: the station's leaving ends the replay.
        out = (await asyncio.wait_for(proc.stdout.read(), 30)).decode()
        return await asyncio.wait_for(proc.wait(), 30), banner + out, ran
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()


async def test_a_station_that_behaves_as_recorded_leaves_an_empty_diff_and_exit_0(
    recorded: Path, tmp_path: Path
) -> None:
    report = tmp_path / "as-csms.xml"
    status, out, ran = await _serve_and_drive(recorded, SCENARIO, *READINGS_AT_THE_STOP, "--junit", str(report))
    assert ran == 0, "the scenario passed against the recorded CSMS"
    assert status == 0, out
    assert "No differences in" in out
    suite = ElementTree.parse(report).getroot()
    assert suite.tag == "testsuite" and int(suite.get("tests", "0")) > 20
    assert int(suite.get("failures", "-1")) == 0


async def test_a_station_presenting_another_token_makes_the_diff_name_the_field_and_exit_1(
    recorded: Path, tmp_path: Path
) -> None:
    text = (SCENARIOS / f"{SCENARIO}.yaml").read_text(encoding="utf-8")
    assert "TAG-0001" in text
    other = tmp_path / "other-token.yaml"
    other.write_text(text.replace("TAG-0001", "TAG-0777"), encoding="utf-8")
    report = tmp_path / "as-csms.xml"

    status, out, ran = await _serve_and_drive(recorded, other, *READINGS_AT_THE_STOP, "--junit", str(report))

    assert ran == 0, "the recorded CSMS accepted the other token as it accepted the recorded one"
    assert status == 1, out
    assert "to_csms Authorize CALL #1" in out
    assert 'payload.idTag: "TAG-0001" -> "TAG-0777"' in out
    assert "StartTransaction CALL #1" in out
    suite = ElementTree.parse(report).getroot()
    failures = [case.get("name", "") for case in suite.iter("testcase") if case.find("failure") is not None]
    assert any("Authorize" in name for name in failures), failures
