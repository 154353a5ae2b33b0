"""JUnit XML that a CI server reads: the counts, the failures with what went wrong, any text kept readable."""

from __future__ import annotations

import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from ocpplab_desktop.cli import main
from ocpplab_desktop.engine.scenario import Report, StepResult
from ocpplab_desktop.protocol.frame import Direction, Frame, MessageType, Side
from ocpplab_desktop.replay.diff import diff_frames
from ocpplab_desktop.replay.junit import Case, cases_from_diff, cases_from_scenario, write_junit


def test_a_suite_counts_its_cases_and_failures_and_carries_each_failure(tmp_path: Path) -> None:
    path = tmp_path / "report.xml"
    write_junit(path, "suite", [
        Case("passes", "group", ok=True, seconds=0.25),
        Case("fails", "group", ok=False, message="status differs\nsecond line", detail="all of it", seconds=1.0),
    ])  # fmt: skip
    suite = ET.parse(path).getroot()
    assert suite.tag == "testsuite"
    assert {k: suite.get(k) for k in ("name", "tests", "failures", "errors", "time")} == {
        "name": "suite", "tests": "2", "failures": "1", "errors": "0", "time": "1.250",
    }  # fmt: skip
    passed, failed = suite.findall("testcase")
    assert (passed.get("name"), passed.get("classname"), passed.find("failure")) == ("passes", "group", None)
    failure = failed.find("failure")
    assert failure is not None
    assert (failure.get("message"), failure.text) == ("status differs", "all of it")


def test_text_xml_cannot_hold_is_escaped_and_the_file_stays_readable(tmp_path: Path) -> None:
    path = tmp_path / "report.xml"
    write_junit(path, "bytes\x00", [Case("frame \x1b[31m", "c", ok=False, message="bad \x07", detail="é \x01 ok")])
    suite = ET.parse(path).getroot()
    case = suite.find("testcase")
    assert case is not None
    failure = case.find("failure")
    assert failure is not None
    assert (suite.get("name"), case.get("name"), failure.text) == ("bytes\\u0000", "frame \\u001b[31m", "é \\u0001 ok")


def frame(seq: int, message: list[Any], direction: Direction, action: str) -> Frame:
    return Frame(seq, 0.0, 0.0, "CP-1", Side.CSMS, direction, MessageType(message[0]),
                 str(message[1]), action, json.dumps(message), message)  # fmt: skip


def test_each_compared_frame_is_a_case_and_a_differing_one_fails_with_its_differences() -> None:
    def run(status: str) -> list[Frame]:
        return [
            frame(1, [2, "a", "Authorize", {"idTag": "T"}], Direction.TO_CSMS, "Authorize"),
            frame(2, [3, "a", {"idTagInfo": {"status": status}}], Direction.TO_STATION, "Authorize"),
        ]

    cases = cases_from_diff(diff_frames(run("Accepted"), run("Blocked")))
    assert [(c.name, c.classname, c.ok) for c in cases] == [
        ("Authorize CALL #1", "CP-1.csms.to_csms", True),
        ("Authorize CALLRESULT #1", "CP-1.csms.to_station", False),
    ]
    assert cases[1].message == 'payload.idTagInfo.status: "Accepted" -> "Blocked"'
    assert cases[1].detail.splitlines() == [
        "CP-1 [csms] to_station Authorize CALLRESULT #1 (seq 2 -> 2)",
        '  payload.idTagInfo.status: "Accepted" -> "Blocked"',
    ]


def test_a_scenario_is_a_suite_and_each_step_a_case() -> None:
    report = Report(
        "My scenario",
        [StepResult(1, "plug_in", True, "Preparing"), StepResult(2, "expect_state", False, "is Available")],
    )
    cases = cases_from_scenario(report)
    assert [(c.name, c.classname, c.ok, c.message) for c in cases] == [
        ("001. plug_in", "My scenario", True, ""),
        ("002. expect_state", "My scenario", False, "is Available"),
    ]


FAILING = """\
name: One expectation fails
station:
  template: ac-22kw-wallbox
  id: CP-JUNIT
speed: 200
steps:
  - wait_until: {registration: Accepted, timeout: 60}
  - expect_state: {connector: 1, state: Charging}
  - plug_in: {connector: 1}
"""


def test_run_writes_its_report_as_junit(tmp_path: Path) -> None:
    scenario, junit = tmp_path / "failing.yaml", tmp_path / "run.xml"
    scenario.write_text(FAILING, encoding="utf-8")
    assert main(["run", str(scenario), "--db", str(tmp_path / "s.db"), "--speed", "500", "--junit", str(junit)]) == 1
    suite = ET.parse(junit).getroot()
    assert (suite.get("name"), suite.get("tests"), suite.get("failures")) == ("One expectation fails", "3", "1")
    failure = suite.find("testcase[@name='002. expect_state']/failure")
    assert failure is not None
    assert failure.get("message") == "connector 1/1 is Available, expected Charging"


@pytest.mark.parametrize("command", [["run", "local-session-16"], ["diff", "1", "2"]])
def test_a_junit_file_that_cannot_be_written_is_refused_before_anything_runs(
    command: list[str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main([*command, "--db", str(tmp_path / "s.db"), "--junit", str(tmp_path / "nowhere" / "r.xml")])
    assert exit_info.value.code == 2
    assert "argument --junit: the folder of" in capsys.readouterr().err
    assert not (tmp_path / "s.db").exists()
