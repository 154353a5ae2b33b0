"""The shipped scenarios that need no built-in CSMS command pass against an independent, strict CSMS.

The CSMS is written with the `ocpp` library alone, which validates every message against the
official schemas; `ocpplab run` is started as a user starts it, in a process of its own.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest
import yaml
from library_csms import LibraryCsmsServer

from ocpplab_desktop.paths import SCENARIOS


def _needs_the_built_in_csms(step: dict[str, object]) -> bool:
    """`csms:` steps command the built-in CSMS, and CSMS-side faults are made by it: an outside CSMS cannot."""
    inject = step.get("inject")
    return "csms" in step or (isinstance(inject, dict) and inject.get("side") == "csms")


STANDALONE = sorted(
    p.stem
    for p in SCENARIOS.glob("*.yaml")
    if not any(_needs_the_built_in_csms(step) for step in yaml.safe_load(p.read_text())["steps"])
)


def test_the_local_sessions_of_both_versions_are_standalone() -> None:
    assert {"local-session-16", "local-session-201", "power-loss-16", "power-loss-201"} <= set(STANDALONE)
    assert "csms-callerror-start-16" not in STANDALONE


@pytest.mark.parametrize("name", STANDALONE)
async def test_shipped_scenario_passes_against_the_library_csms(name: str, tmp_path: Path) -> None:
    async with LibraryCsmsServer() as csms:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "ocpplab_desktop", "run", name,
            "--csms", csms.url, "--db", str(tmp_path / "s.db"), "--speed", "200",
            stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        out, err = await asyncio.wait_for(process.communicate(), 90)
        text = out.decode() + err.decode()
        assert process.returncode == 0, text
        assert " 0 failed" in text
        actions = [action for action, _ in csms.received.calls]
        assert "BootNotification" in actions and ("StartTransaction" in actions or "TransactionEvent" in actions)
