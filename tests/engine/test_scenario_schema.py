"""Scenario files are checked in full when loaded: one line naming file, line, step and field, and no step runs."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from ocpplab_desktop.cli import main
from ocpplab_desktop.engine.scenario import ScenarioError, load_scenario, parse_scenario
from ocpplab_desktop.engine.scenario_schema import ActionArgs, CsmsArgs, WaitArgs
from ocpplab_desktop.paths import SCENARIOS

# Line 9 is where each bad step goes; it is steps[2].
BASE = """\
name: bad on purpose
station:
  template: ac-22kw-wallbox
  id: BAD-1
speed: 200
steps:
  - wait_until: {registration: Accepted, timeout: 60}
  - plug_in: {connector: 1}
"""

BAD_STEPS = [
    ("wait-word", "  - wait: soon", "steps[2] (wait)", "'soon' is not a number of seconds"),
    ("wait-field-word", "  - wait: {seconds: soon}", "steps[2] (wait): seconds", "'soon' is not a number of seconds"),
    ("wait-negative", "  - wait: -5", "steps[2] (wait)", "-5 must be at least 0"),
    ("wait-infinite", "  - wait: .inf", "steps[2] (wait)", "inf is not a finite number"),
    (
        "no-such-connector",
        "  - expect_state: {connector: 2, state: Charging}",
        "steps[2] (expect_state): connector",
        "EVSE 1 has no connector 2; its connectors are 1",
    ),
    ("no-such-evse", "  - plug_in: {evse: 3}", "steps[2] (plug_in): evse", "the station has no EVSE 3"),
    (
        "state-of-no-version",
        "  - expect_state: {state: Chargng}",
        "steps[2] (expect_state): state",
        "'Chargng' is not an OCPP 1.6 connector status (did you mean Charging?)",
    ),
    (
        "201-state-on-a-16-station",
        "  - wait_until: {state: Occupied}",
        "steps[2] (wait_until): state",
        "'Occupied' is not an OCPP 1.6 connector status",
    ),
    ("unknown-step", "  - plugin: {connector: 1}", "steps[2] (plugin)", "unknown step (did you mean plug_in?)"),
    (
        "unknown-field",
        "  - plug_in: {conector: 1}",
        "steps[2] (plug_in): conector",
        "unknown field; known fields: evse, connector, force",
    ),
    (
        "arguments-not-indented-under-the-kind",
        "  - plug_in:\n    connector: 1",
        "steps[2]",
        "a step has one kind, this has plug_in, connector",
    ),
    ("not-a-mapping", "  - wait 30", "steps[2]", "a step is a mapping of its kind to its arguments"),
    (
        "nested-unknown-field",
        "  - wait_until: {frame: {action: Heartbeat, payloud: {}}}",
        "steps[2] (wait_until): frame.payloud",
        "unknown field; known fields: action, direction, message_type, payload",
    ),
    (
        "two-conditions",
        "  - wait_until: {registration: Accepted, state: Charging}",
        "steps[2] (wait_until)",
        "wait for one of registration, state or frame; this names registration, state",
    ),
    ("bad-flag", "  - stop: {force: maybe}", "steps[2] (stop): force", "'maybe' is not true or false"),
    (
        "unknown-action",
        "  - expect_frame: {action: StartTransactions}",
        "steps[2] (expect_frame): action",
        "'StartTransactions' is not an OCPP 1.6 action (did you mean StartTransaction?)",
    ),
    ("negative-count", "  - expect_frame: {action: Heartbeat, count: -1}", "steps[2] (expect_frame): count", "-1"),
    (
        "command-of-the-other-version",
        "  - csms: {command: get_variables}",
        "steps[2] (csms): command",
        "'get_variables' is not an OCPP 1.6 command of the built-in CSMS",
    ),
    (
        "misspelt-command-argument",
        "  - csms: {command: remote_start, id_tokn: T-1}",
        "steps[2] (csms): id_tokn",
        "unknown field; known fields: id_token, connector_id, evse_id, token_type",
    ),
    (
        "command-argument-of-the-wrong-type",
        "  - csms: {command: remote_start, id_token: T-1, connector_id: one}",
        "steps[2] (csms): connector_id",
        "'one'",
    ),
    (
        "unknown-policy-setting",
        "  - csms_policy: {blocked_tokenz: [T-1]}",
        "steps[2] (csms_policy): blocked_tokenz",
        "unknown field; known fields: boot_status",
    ),
    ("missing-argument", "  - data_transfer: {message_id: x}", "steps[2] (data_transfer): vendor_id", "required"),
    ("unknown-error-code", "  - fault: {error_code: Melted}", "steps[2] (fault): error_code", "'Melted' is not one of"),
    (
        "key-written-twice",
        "  - plug_in: {connector: 1, connector: 2}",
        "steps[2] (plug_in): connector",
        "written twice",
    ),
    ("token-as-number", "  - present_token: {token: 0001}", "steps[2] (present_token): token", "1 is not text"),
]


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "scenario.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def _error(path: Path) -> str:
    with pytest.raises(ScenarioError) as raised:
        load_scenario(path)
    message = str(raised.value)
    assert "\n" not in message
    return message


@pytest.mark.parametrize(("step", "where", "problem"), [case[1:] for case in BAD_STEPS], ids=[c[0] for c in BAD_STEPS])
def test_a_bad_step_is_named_by_file_line_index_kind_and_field(
    tmp_path: Path, step: str, where: str, problem: str
) -> None:
    path = _write(tmp_path, BASE + step + "\n")
    message = _error(path)
    assert message.startswith(f"{path}:9: {where}: "), message
    assert problem in message


# (name, text, line, where, problem); `line` None when the problem is not on a line.
BAD_DOCUMENTS = [
    ("speed-word", BASE.replace("speed: 200", "speed: fast"), 5, "speed", "'fast' is not a number"),
    ("speed-too-fast", BASE.replace("speed: 200", "speed: 5000"), 5, "speed", "5000 must be at most 1000"),
    ("speed-zero", BASE.replace("speed: 200", "speed: 0"), 5, "speed", "0 must be at least 1"),
    ("speed-infinite", BASE.replace("speed: 200", "speed: .inf"), 5, "speed", "inf is not a finite number"),
    (
        "interval-word",
        BASE.replace("  id: BAD-1\n", "  id: BAD-1\n  meter_interval_s: sixty\n"),
        5,
        "station.meter_interval_s",
        "'sixty' is not a whole number of seconds",
    ),
    (
        "no-evses",
        BASE.replace("  id: BAD-1\n", "  id: BAD-1\n  evses: []\n"),
        5,
        "station.evses",
        "needs at least 1 entry, this has none",
    ),
    (
        "infinite-rating",
        BASE.replace("  id: BAD-1\n", "  id: BAD-1\n  evses:\n    - connectors:\n        - max_power_w: .inf\n"),
        7,
        "station.evses[0].connectors[0].max_power_w",
        "inf is not a finite number",
    ),
    (
        "unknown-station-field",
        BASE.replace("  id: BAD-1\n", "  id: BAD-1\n  colour: red\n"),
        5,
        "station.colour",
        "unknown field",
    ),
    ("unknown-template", BASE.replace("ac-22kw-wallbox", "nope"), 3, "station.template", "unknown template 'nope'"),
    (
        "station-by-name",
        BASE.replace("station:\n  template: ac-22kw-wallbox\n  id: BAD-1", "station: ac-22kw-wallbox"),
        2,
        "station",
        "expected a mapping",
    ),
    ("invalid-station-id", BASE.replace("id: BAD-1", "id: BAD 1"), 2, "station", "station id: 1 to 48 characters"),
    ("misspelt-steps", BASE.replace("steps:", "step:"), 6, "step", "unknown field; known fields: name, station"),
    (
        "steps-not-a-list",
        BASE.split("steps:", maxsplit=1)[0] + "steps:\n  plug_in: {connector: 1}\n",
        6,
        "steps",
        "expected a list",
    ),
    ("no-steps", BASE.split("steps:", maxsplit=1)[0] + "steps: []\n", 6, "steps", "needs at least 1 entry"),
    ("not-yaml", BASE + "  - plug_in: [\n", 10, "not valid YAML", ""),
    ("empty-file", "", None, "a scenario is a mapping with station and steps", ""),
]


@pytest.mark.parametrize(
    ("text", "line", "where", "problem"), [case[1:] for case in BAD_DOCUMENTS], ids=[c[0] for c in BAD_DOCUMENTS]
)
def test_a_bad_document_is_named_by_file_line_and_field(
    tmp_path: Path, text: str, line: int | None, where: str, problem: str
) -> None:
    path = _write(tmp_path, text)
    message = _error(path)
    head = f"{path}:{line}: {where}" if line is not None else f"{path}: {where}"
    assert message.startswith(head), message
    assert problem in message


def test_a_missing_file_is_named(tmp_path: Path) -> None:
    path = tmp_path / "absent.yaml"
    assert _error(path) == f"{path}: no such file"


def test_without_lines_an_inline_scenario_still_names_step_and_field() -> None:
    data = {"station": {"template": "ac-22kw-wallbox"}, "steps": [{"wait": {"seconds": "soon"}}]}
    with pytest.raises(ScenarioError, match=r"^<inline>: steps\[0\] \(wait\): seconds: 'soon' is not a number"):
        parse_scenario(data)


@pytest.mark.parametrize("path", sorted(SCENARIOS.glob("*.yaml")), ids=lambda p: p.stem)
def test_shipped_scenario_validates_and_knows_the_line_of_each_step(path: Path) -> None:
    scenario = load_scenario(path)
    text_lines = path.read_text(encoding="utf-8").splitlines()
    first = text_lines.index("steps:")
    step_lines = [n for n, text in enumerate(text_lines, start=1) if n > first and text.startswith("  - ")]
    assert [step.line for step in scenario.steps] == step_lines
    assert [step.index for step in scenario.steps] == list(range(len(step_lines)))


def test_steps_carry_their_typed_arguments(tmp_path: Path) -> None:
    path = _write(
        tmp_path,
        BASE + "  - wait: 30\n  - csms: {command: remote_stop}\n",  # the runner fills in transaction_id
    )
    steps = load_scenario(path).steps
    assert steps[1].args == ActionArgs(connector=1)
    assert steps[2].args == WaitArgs(seconds=30)
    assert isinstance(steps[3].args, CsmsArgs) and steps[3].args.arguments == {}


def test_a_bad_scenario_runs_no_step_and_exits_2(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = _write(tmp_path, BASE + "  - wait: soon\n")
    db = tmp_path / "s.db"
    assert main(["run", str(path), "--db", str(db)]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err == f"ocpplab run: {path}:9: steps[2] (wait): 'soon' is not a number of seconds\n"
    assert not db.exists(), "no lab (and so no session) is started for a file that does not load"


def test_ocpplab_run_prints_the_line_without_a_traceback(tmp_path: Path) -> None:
    path = _write(tmp_path, BASE + "  - expect_state: {connector: 2, state: Charging}\n")
    run = subprocess.run(
        [sys.executable, "-m", "ocpplab_desktop.cli", "run", str(path), "--db", str(tmp_path / "s.db")],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert run.returncode == 2
    assert run.stdout == ""
    assert "Traceback" not in run.stderr
    assert run.stderr.strip().splitlines() == [
        f"ocpplab run: {path}:9: steps[2] (expect_state): connector: EVSE 1 has no connector 2; its connectors are 1"
    ]
