"""The headless commands' event loop: uvloop where installed, asyncio on request, a bad choice said clearly.

The commands are run as a user runs them (a subprocess of `python -m ocpplab_desktop.cli`), a shipped
scenario against the built-in mock CSMS on loopback, on each loop.
"""

from __future__ import annotations

import asyncio
import importlib.util
import os
import subprocess
import sys
from pathlib import Path

import pytest

from ocpplab_desktop.engine import event_loop

HAS_UVLOOP = importlib.util.find_spec("uvloop") is not None
needs_uvloop = pytest.mark.skipif(not HAS_UVLOOP, reason="uvloop is not installed here (no Windows build)")


async def _loop_module() -> str:
    return type(asyncio.get_running_loop()).__module__


@needs_uvloop
def test_without_a_choice_the_commands_run_on_uvloop(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(event_loop.LOOP_ENV, raising=False)
    assert event_loop.chosen_loop() == "uvloop"
    assert event_loop.run(_loop_module()).startswith("uvloop")


def test_asyncio_on_request(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(event_loop.LOOP_ENV, "asyncio")
    assert event_loop.chosen_loop() == "asyncio"
    assert event_loop.run(_loop_module()).startswith("asyncio")


def test_an_unknown_loop_is_refused_naming_the_choices_and_the_coroutine_is_not_left_unawaited(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv(event_loop.LOOP_ENV, "tokio")
    main = _loop_module()
    with pytest.raises(event_loop.LoopChoiceError, match="'tokio': the loops are uvloop, asyncio"):
        event_loop.run(main)
    assert main.cr_frame is None, "closed, so no 'coroutine was never awaited' warning"


def _ocpplab(tmp_path: Path, loop: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, event_loop.LOOP_ENV: loop}
    return subprocess.run(
        [sys.executable, "-m", "ocpplab_desktop.cli", *args],
        cwd=tmp_path, env=env, capture_output=True, text=True, timeout=120, stdin=subprocess.DEVNULL, check=False,
    )  # fmt: skip


@pytest.mark.parametrize("loop", [pytest.param("uvloop", marks=needs_uvloop), "asyncio"])
def test_a_shipped_scenario_holds_on_either_loop(tmp_path: Path, loop: str) -> None:
    done = _ocpplab(tmp_path, loop, "run", "local-session-201", "--speed", "1000", "--db", "s.db")
    assert (done.returncode, done.stderr) == (0, ""), done.stderr
    assert " 0 failed" in done.stdout


def test_the_command_line_says_a_bad_loop_choice_in_one_line_with_exit_status_2(tmp_path: Path) -> None:
    done = _ocpplab(tmp_path, "tokio", "run", "local-session-16", "--db", "s.db")
    assert done.returncode == 2
    assert done.stderr.strip().splitlines() == ["ocpplab run: OCPPLAB_LOOP='tokio': the loops are uvloop, asyncio"], (
        done.stderr
    )
