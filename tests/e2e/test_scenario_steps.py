"""Steps whose arguments the schema converts run as written: policy settings, frame matches, shorthands."""

from __future__ import annotations

from pathlib import Path

import pytest

from ocpplab_desktop.cli import main

SCENARIO = """\
name: an invalid token, as the CSMS policy says
station: {template: ac-22kw-wallbox, id: STEPS-1}
steps:
  - csms_policy: {invalid_tokens: [BAD-TAG]}
  - wait_until: {registration: Accepted}
  - note: checking an invalid token
  - plug_in: {connector: 1}
  - present_token: {token: BAD-TAG}
  - wait: 5
  - expect_state: {state: Preparing}
  - expect_frame: {message_type: callresult, direction: to_station, payload: {idTagInfo: {status: Invalid}}}
  - wait_until: {frame: {action: Authorize}, timeout: 5}
  - expect_frame: {action: StartTransaction, count: 0}
  - data_transfer: {vendor_id: OCPPLab, expect: {status: UnknownVendorId}}
  - stop: {expect_refused: true}
"""


def test_policy_frame_and_shorthand_steps_hold(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "steps.yaml"
    path.write_text(SCENARIO, encoding="utf-8")
    code = main(["run", str(path), "--db", str(tmp_path / "s.db"), "--speed", "500"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "12 passed, 0 failed" in out
    assert "policy invalid_tokens={'BAD-TAG'}" in out  # a list in YAML, a set in the policy
    assert "frame={action=Authorize}, timeout=5" in out
    assert "refused as expected" in out
