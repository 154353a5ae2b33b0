"""`ocpplab run`: the shipped scenarios pass against the built-in CSMS; a false expectation fails."""

from __future__ import annotations

from pathlib import Path

import pytest

from ocpplab_desktop.cli import main
from ocpplab_desktop.paths import SCENARIOS

SHIPPED = sorted(p.stem for p in SCENARIOS.glob("*.yaml"))


def test_the_three_required_scenarios_are_shipped() -> None:
    assert {"local-session-16", "local-session-201", "remote-start-stop-16"} <= set(SHIPPED)


@pytest.mark.parametrize("name", SHIPPED)
def test_shipped_scenario_passes_against_the_built_in_csms(
    name: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code = main(["run", name, "--db", str(tmp_path / "s.db"), "--speed", "500"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert " 0 failed" in out


def test_scenario_with_a_false_expectation_exits_1_and_says_what_failed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    scenario = tmp_path / "wrong.yaml"
    scenario.write_text(
        "name: wrong on purpose\n"
        "station: {template: ac-22kw-wallbox, id: WRONG-1}\n"
        "steps:\n"
        "  - wait_until: {registration: Accepted}\n"
        "  - unplug: {connector: 1}\n"
        "  - plug_in: {connector: 1}\n"
        "  - expect_state: {connector: 1, state: Charging}\n",
        encoding="utf-8",
    )
    code = main(["run", str(scenario), "--db", str(tmp_path / "s.db"), "--speed", "500"])
    out = capsys.readouterr().out
    assert code == 1
    assert "FAIL" in out and "no cable is plugged in" in out
    assert "is Preparing, expected Charging" in out


def test_unknown_scenario_name_lists_the_shipped_ones(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["run", "no-such-thing", "--db", str(tmp_path / "s.db")]) == 2
    assert "local-session-16" in capsys.readouterr().err
