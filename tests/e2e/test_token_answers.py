"""The mock CSMS answering a token Blocked, Invalid, Expired or ConcurrentTx, and what a lab station does.

Lab stations of both versions against the lab's mock CSMS on loopback websockets (issue #14, "the
mock CSMS misbehaving"). What the station must do comes from the specifications: a token whose
Authorize answer is not Accepted starts nothing (1.6 section 5.2 / 4.1, 2.0.1 C01); a transaction
whose StartTransaction idTagInfo (1.6 section 4.8, StopTransactionOnInvalidId) or TransactionEvent
idTokenInfo (2.0.1 E05, StopTxOnInvalidId) is not Accepted is stopped with reason DeAuthorized.
"""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from waits import until

from ocpplab_desktop.cli import main
from ocpplab_desktop.csms.policy import TOKEN_LISTS
from ocpplab_desktop.engine.lab import Lab
from ocpplab_desktop.engine.station import Station
from ocpplab_desktop.model.config import OcppVersion
from ocpplab_desktop.model.connector import UserAction
from ocpplab_desktop.model.templates import load_template
from ocpplab_desktop.protocol.frame import Direction, Frame, MessageType, Side

TEMPLATES = {OcppVersion.V16: "ac-22kw-wallbox", OcppVersion.V201: "ac-22kw-wallbox-v201"}
CASES = [(version, name) for version in OcppVersion for name in TOKEN_LISTS]
IDS = [f"{version.value}-{TOKEN_LISTS[name].value}" for version, name in CASES]


async def registered(lab: Lab, version: OcppVersion) -> Station:
    station = lab.add_station(replace(load_template(TEMPLATES[version]), id=f"TOK-{version.value}"))
    await until(lambda: station.registration == "Accepted", timeout=20)
    return station


def station_frames(lab: Lab, message_type: MessageType, direction: Direction) -> list[Frame]:
    return [
        e for e in lab.seen  # type: ignore[attr-defined]
        if isinstance(e, Frame) and e.side is Side.STATION and e.message_type is message_type
        and e.direction is direction
    ]  # fmt: skip


def sent(lab: Lab, action: str) -> list[dict[str, Any]]:
    return [f.payload for f in station_frames(lab, MessageType.CALL, Direction.TO_CSMS) if f.action == action]


def answers(lab: Lab, action: str) -> list[dict[str, Any]]:
    return [f.payload for f in station_frames(lab, MessageType.CALLRESULT, Direction.TO_STATION) if f.action == action]


def token_status(answer: dict[str, Any]) -> str:
    info = answer.get("idTagInfo") or answer["idTokenInfo"]
    return str(info["status"])


@pytest.mark.parametrize(("version", "listed"), CASES, ids=IDS)
async def test_a_token_refused_at_authorize_starts_no_transaction(lab: Lab, version: OcppVersion, listed: str) -> None:
    status = TOKEN_LISTS[listed].value
    assert lab.csms is not None
    getattr(lab.csms.policy, listed).add("TAG-REFUSED")
    station = await registered(lab, version)
    connector = station.connector(1, 1)
    await station.act(1, 1, UserAction.PLUG_IN)

    assert await station.act(1, 1, UserAction.PRESENT_TOKEN, token="TAG-REFUSED") == f"token TAG-REFUSED {status}"
    assert [token_status(a) for a in answers(lab, "Authorize")] == [status]
    assert not connector.tx_started and connector.token is None
    assert sent(lab, "StartTransaction") == [] and sent(lab, "TransactionEvent") == []
    assert lab.csms.stations[station.id].transactions == {}


@pytest.mark.parametrize(("version", "listed"), CASES, ids=IDS)
async def test_a_transaction_whose_token_is_refused_in_the_start_answer_is_stopped_deauthorized(
    lab: Lab, version: OcppVersion, listed: str
) -> None:
    status = TOKEN_LISTS[listed].value
    assert lab.csms is not None
    station = await registered(lab, version)
    connector = station.connector(1, 1)
    assert "accepted" in await station.act(1, 1, UserAction.PRESENT_TOKEN, token="TAG-LATE")
    # The CSMS changes its mind between the Authorize and the transaction's first message.
    getattr(lab.csms.policy, listed).add("TAG-LATE")
    await station.act(1, 1, UserAction.PLUG_IN)

    if version is OcppVersion.V16:
        await until(lambda: len(sent(lab, "StopTransaction")) == 1)
        assert [token_status(a) for a in answers(lab, "StartTransaction")] == [status]
        (stop,) = sent(lab, "StopTransaction")
        assert stop["reason"] == "DeAuthorized"
    else:
        await until(lambda: any(e["eventType"] == "Ended" for e in sent(lab, "TransactionEvent")))
        started = next(e for e in sent(lab, "TransactionEvent") if e["eventType"] == "Started")
        assert started["idToken"]["idToken"] == "TAG-LATE"
        assert token_status(answers(lab, "TransactionEvent")[0]) == status
        ended = next(e for e in sent(lab, "TransactionEvent") if e["eventType"] == "Ended")
        assert (ended["triggerReason"], ended["transactionInfo"]["stoppedReason"]) == ("Deauthorized", "DeAuthorized")
    await until(lambda: not connector.tx_started and not lab.csms.stations[station.id].active_transactions())
    assert station.authorizer.cache.lookup("TAG-LATE", station.clock.utc_now()) == status, "the answer is cached"


SCENARIO = """\
name: the CSMS answers a token {status}
station: {{template: {template}, id: TOK-SCENARIO}}
steps:
  - csms_policy: {{{listed}: [OLD-CARD]}}
  - wait_until: {{registration: Accepted}}
  - plug_in: {{connector: 1}}
  - present_token: {{token: OLD-CARD}}
  - wait_until:
      frame: {{message_type: callresult, direction: to_station, payload: {{{info}: {{status: {status}}}}}}}
      timeout: 5
  - expect_frame: {{action: {start}, count: 0}}
"""


SCENARIO_CASES = {
    "1.6-ConcurrentTx": {
        "template": "ac-22kw-wallbox", "listed": "concurrent_tokens", "info": "idTagInfo", "start": "StartTransaction"
    },
    "2.0.1-Expired": {
        "template": "ac-22kw-wallbox-v201", "listed": "expired_tokens", "info": "idTokenInfo",
        "start": "TransactionEvent",
    },
}  # fmt: skip


@pytest.mark.parametrize("case", list(SCENARIO_CASES))
def test_a_scenario_sets_the_expired_and_concurrent_token_lists(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], case: str
) -> None:
    fields = SCENARIO_CASES[case]
    listed = fields["listed"]
    path = tmp_path / "tokens.yaml"
    text = SCENARIO.format(status=TOKEN_LISTS[listed].value, **fields)
    path.write_text(text, encoding="utf-8")
    code = main(["run", str(path), "--db", str(tmp_path / "s.db"), "--speed", "500"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert f"policy {listed}={{'OLD-CARD'}}" in out and "6 passed, 0 failed" in out
