"""Two runs compared as an OCPP engineer would: by action and order, ids and times aside, all else named."""

from __future__ import annotations

import itertools
import json
import xml.etree.ElementTree as ET
from pathlib import Path
from typing import Any

import pytest

from ocpplab_desktop.cli import main
from ocpplab_desktop.protocol.frame import Direction, Frame, MessageType, Side
from ocpplab_desktop.replay.diff import ABSENT, Kind, diff_frames, render

_seq = itertools.count(1)
_ids = itertools.count(1)


def frame(message: list[Any], direction: Direction, action: str, *, station: str = "CP-1") -> Frame:
    seq = next(_seq)
    return Frame(seq, 1_750_000_000.0 + seq, float(seq), station, Side.STATION, direction, MessageType(message[0]),
                 str(message[1]), action, json.dumps(message), message)  # fmt: skip


def exchange(action: str, request: dict[str, Any], answer: dict[str, Any] | None, **kw: Any) -> list[Frame]:
    """A CALL from the station and its CALLRESULT (none when `answer` is None), with a fresh message id."""
    uid = f"id-{next(_ids)}"
    frames = [frame([2, uid, action, request], Direction.TO_CSMS, action, **kw)]
    if answer is not None:
        frames.append(frame([3, uid, answer], Direction.TO_STATION, action, **kw))
    return frames


def session_16(*, start: str = "2026-01-01T10:00:00Z", tx: int = 1, status: str = "Accepted") -> list[Frame]:
    """Boot, authorize, start, meter values, stop: what one 1.6 run records."""
    later = start.replace("10:", "11:")
    meter = {
        "connectorId": 1,
        "transactionId": tx,
        "meterValue": [{"timestamp": later, "sampledValue": [{"value": "9"}]}],
    }
    return [
        *exchange("BootNotification", {"chargePointVendor": "V", "chargePointModel": "M"},
                  {"currentTime": start, "interval": 300, "status": "Accepted"}),
        *exchange("Authorize", {"idTag": "TAG-1"}, {"idTagInfo": {"status": status}}),
        *exchange("StartTransaction", {"connectorId": 1, "idTag": "TAG-1", "meterStart": 0, "timestamp": start},
                  {"transactionId": tx, "idTagInfo": {"status": "Accepted"}}),
        *exchange("MeterValues", meter, {}),
        *exchange("StopTransaction", {"transactionId": tx, "meterStop": 9, "timestamp": later}, {}),
    ]  # fmt: skip


def test_runs_that_differ_only_in_ids_and_times_agree() -> None:
    report = diff_frames(session_16(), session_16(start="2027-06-30T23:59:59.123+02:00", tx=417))
    assert report.ok, render(report)
    assert report.compared == 10
    assert render(report) == "No differences in 10 frames."


def test_a_changed_answer_is_one_difference_with_its_path_and_both_values() -> None:
    recorded, new = session_16(), session_16(status="Invalid")
    report = diff_frames(recorded, new)
    [difference] = report.differences
    assert (difference.kind, difference.path, difference.recorded, difference.new) == (
        Kind.CHANGED, "payload.idTagInfo.status", "Accepted", "Invalid",
    )  # fmt: skip
    ref = difference.frame
    assert (ref.station_id, ref.direction, ref.action, ref.message_type, ref.occurrence) == (
        "CP-1", Direction.TO_STATION, "Authorize", MessageType.CALLRESULT, 1,
    )  # fmt: skip
    assert (ref.seq_a, ref.seq_b) == (recorded[3].seq, new[3].seq)
    assert render(report).splitlines()[1] == '  payload.idTagInfo.status: "Accepted" -> "Invalid"'


def test_a_lost_call_and_an_added_one_are_each_one_difference_without_shifting_the_rest() -> None:
    def statuses(*names: str) -> list[Frame]:
        return [f for name in names for f in exchange("StatusNotification", {"connectorId": 1, "status": name}, {})]

    report = diff_frames(
        statuses("Available", "Preparing", "Charging", "Finishing"),
        statuses("Available", "Charging", "Faulted", "Finishing"),
    )
    kinds = [(d.kind, d.frame.occurrence, d.recorded, d.new) for d in report.differences]
    assert kinds == [
        (Kind.MISSING, 2, {"connectorId": 1, "status": "Preparing"}, ABSENT),
        (Kind.EXTRA, 3, ABSENT, {"connectorId": 1, "status": "Faulted"}),
    ]
    text = render(report)
    assert 'missing in the new run: {"connectorId": 1, "status": "Preparing"}' in text
    assert 'only in the new run: {"connectorId": 1, "status": "Faulted"}' in text


def test_meter_values_are_matched_in_order_even_when_a_reading_recurs_elsewhere() -> None:
    def readings(*values: str) -> list[Frame]:
        return [
            f for v in values for f in exchange("MeterValues", {"meterValue": [{"sampledValue": [{"value": v}]}]}, {})
        ]

    report = diff_frames(readings("0", "10", "20"), readings("10", "20", "30", "40"))
    changed = [(d.frame.occurrence, d.recorded, d.new) for d in report.differences if d.kind is Kind.CHANGED]
    assert changed == [(1, "0", "10"), (2, "10", "20"), (3, "20", "30")]
    [extra] = [d for d in report.differences if d.kind is Kind.EXTRA]
    assert extra.frame.occurrence == 4


def test_a_call_left_unanswered_is_a_missing_answer() -> None:
    recorded = exchange("Heartbeat", {}, {"currentTime": "2026-01-01T10:00:00Z"})
    new = exchange("Heartbeat", {}, None)
    [difference] = diff_frames(recorded, new).differences
    assert (difference.kind, difference.frame.message_type, difference.frame.seq_b) == (
        Kind.MISSING, MessageType.CALLRESULT, None,
    )  # fmt: skip


def test_a_callerror_instead_of_a_result_is_an_error_code_difference() -> None:
    recorded = exchange("Heartbeat", {}, {"currentTime": "2026-01-01T10:00:00Z"})
    new = exchange("Heartbeat", {}, None)
    new.append(frame([4, new[0].unique_id, "InternalError", "boom", {}], Direction.TO_STATION, "Heartbeat"))
    [difference] = diff_frames(recorded, new).differences
    assert (difference.kind, difference.path, difference.recorded, difference.new) == (
        Kind.ERROR_CODE, "errorCode", "CALLRESULT", "CALLERROR InternalError",
    )  # fmt: skip


def test_a_transaction_id_quoted_inconsistently_is_a_difference() -> None:
    new = session_16(tx=7)
    stop = new[-2]
    new[-2] = frame([2, stop.unique_id, "StopTransaction", {**stop.payload, "transactionId": 8}],
                    Direction.TO_CSMS, "StopTransaction")  # fmt: skip
    [difference] = diff_frames(session_16(tx=1), new).differences
    assert (difference.frame.action, difference.path, difference.recorded, difference.new) == (
        "StopTransaction", "payload.transactionId", 1, 8,
    )  # fmt: skip


def test_two_transactions_may_not_map_to_one() -> None:
    def two(first: int, second: int) -> list[Frame]:
        return [
            *exchange("StartTransaction", {"connectorId": 1}, {"transactionId": first}),
            *exchange("StartTransaction", {"connectorId": 2}, {"transactionId": second}),
        ]

    assert diff_frames(two(1, 2), two(5, 6)).ok
    [difference] = diff_frames(two(1, 2), two(5, 5)).differences
    assert (difference.path, difference.frame.occurrence, difference.recorded, difference.new) == (
        "payload.transactionId", 2, 2, 5,
    )  # fmt: skip


def test_fields_the_user_ignores_by_name_or_path_are_not_differences() -> None:
    def meter(value: str, register: int) -> list[Frame]:
        payload = {"connectorId": 1, "meterValue": [{"sampledValue": [{"value": value}]}], "register": register}
        return exchange("MeterValues", payload, {})

    recorded, new = meter("10", 1), meter("11", 2)
    assert {d.path for d in diff_frames(recorded, new).differences} == {
        "payload.meterValue[0].sampledValue[0].value", "payload.register",
    }  # fmt: skip
    assert diff_frames(recorded, new, ignore={"register", "meterValue[].sampledValue[].value"}).ok
    [left] = diff_frames(recorded, new, ignore={"payload.meterValue[0].sampledValue[0].value"}).differences
    assert left.path == "payload.register"


def test_a_timestamp_field_is_ignored_but_not_its_absence_or_a_changed_non_date() -> None:
    recorded = exchange("DataTransfer", {"vendorId": "V", "data": "2026-01-01T10:00:00Z", "when": "x"}, {})
    new = exchange("DataTransfer", {"vendorId": "V", "data": "2026-05-01T10:00:00+01:00", "when": "y"}, {})
    assert [d.path for d in diff_frames(recorded, new).differences] == ["payload.when"]
    dropped = exchange("DataTransfer", {"vendorId": "V", "when": "x"}, {})
    [difference] = diff_frames(recorded, dropped).differences
    assert (difference.path, difference.new) == ("payload.data", ABSENT)


def test_stations_are_compared_apart() -> None:
    recorded = [*exchange("Heartbeat", {}, {}, station="A"), *exchange("Heartbeat", {}, {}, station="B")]
    new = exchange("Heartbeat", {}, {}, station="B")
    [difference] = diff_frames(recorded, new).differences
    assert (difference.kind, difference.frame.station_id) == (Kind.MISSING, "A")


# --- end to end, through real sessions in a real database --------------------------------------
SCENARIO = """\
name: A token the CSMS refuses
station:
  template: ac-22kw-wallbox
  id: CP-DIFF
speed: 200
steps:
  - csms_policy: {%s: [TAG-9]}
  - wait_until: {registration: Accepted, timeout: 60}
  - plug_in: {connector: 1}
  - present_token: {connector: 1, token: TAG-9}
  - wait_until: {frame: {action: Authorize, message_type: CALLRESULT}, timeout: 30}
  - unplug: {connector: 1}
  - expect_state: {connector: 1, state: Available}
"""


@pytest.fixture(scope="module")
def recorded(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Sessions 1 and 2: the token Invalid; session 3: the same token Blocked."""
    folder = tmp_path_factory.mktemp("runs")
    db = folder / "s.db"
    for policy in ("invalid_tokens", "invalid_tokens", "blocked_tokens"):
        scenario = folder / f"{policy}.yaml"
        scenario.write_text(SCENARIO % policy, encoding="utf-8")
        assert main(["run", str(scenario), "--db", str(db), "--speed", "500"]) == 0
    return db


def test_two_runs_of_one_scenario_agree(recorded: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    junit = tmp_path / "diff.xml"
    assert main(["diff", "1", "2", "--db", str(recorded), "--junit", str(junit)]) == 0
    summary = capsys.readouterr().out.strip().splitlines()[-1]
    assert summary.startswith("No differences in ")
    suite = ET.parse(junit).getroot()
    compared = int(summary.split()[3])
    assert (suite.tag, int(suite.get("tests", "")), suite.get("failures")) == ("testsuite", compared, "0")
    assert compared > 10  # boot, statuses, authorize, each seen by both taps


def test_a_changed_csms_answer_fails_the_diff_and_names_the_path(
    recorded: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    junit = tmp_path / "diff.xml"
    assert main(["diff", "1", "3", "--db", str(recorded), "--junit", str(junit)]) == 1
    out = capsys.readouterr().out
    assert out.count('  payload.idTagInfo.status: "Invalid" -> "Blocked"') == 2  # the station's and the CSMS's tap
    assert "CP-DIFF [station] to_station Authorize CALLRESULT #1" in out
    failures = ET.parse(junit).getroot().findall("testcase/failure")
    assert [f.get("message") for f in failures] == ['payload.idTagInfo.status: "Invalid" -> "Blocked"'] * 2
    assert main(["diff", "1", "3", "--db", str(recorded), "--ignore", "status"]) == 0


@pytest.mark.parametrize(
    ("argv", "says"),
    [
        (["1", "9"], "no session 9 in"),
        (["1", "2", "--station-id", "CP-X"], "no station 'CP-X' in sessions 1 and 2; their stations: CP-DIFF"),
    ],
)
def test_what_cannot_be_compared_is_exit_status_2_and_one_line(
    recorded: Path, argv: list[str], says: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["diff", *argv, "--db", str(recorded)]) == 2
    err = capsys.readouterr().err
    assert says in err
    assert err.count("\n") == 1


def test_a_database_that_does_not_exist_is_not_created(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["diff", "1", "2", "--db", str(tmp_path / "none.db")]) == 2
    assert "no session database" in capsys.readouterr().err
    assert not (tmp_path / "none.db").exists()
