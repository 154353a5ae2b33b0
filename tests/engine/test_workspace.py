"""The lab's workspace survives a restart and travels as a file (issue #17, item 1).

Real labs on 127.0.0.1 (the embedded CSMS on a free port, real websockets), a real SQLite file in
tmp_path; a restart is a second lab opened on the same file. Every wait is bounded.
"""

from __future__ import annotations

import asyncio
import dataclasses
import json
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from ocpp.v16.enums import RegistrationStatus

from ocpplab_desktop.engine.lab import Lab
from ocpplab_desktop.engine.station import Station
from ocpplab_desktop.engine.workspace import Workspace, WorkspaceError, power_down, snapshot
from ocpplab_desktop.model.config import ConnectorConfig, CurrentType, EvseConfig, OcppVersion, StationConfig
from ocpplab_desktop.model.connector import UserAction
from ocpplab_desktop.model.templates import load_template
from ocpplab_desktop.protocol.frame import Frame, MessageType, Side
from ocpplab_desktop.store.workspace_table import WorkspaceTable

WAIT_S = 20.0

DC_50KW = StationConfig(
    id="HANDMADE-DC",
    vendor="Workshop",
    model="DC 50",
    ocpp_version=OcppVersion.V16,
    evses=(
        EvseConfig(
            1,
            (
                ConnectorConfig(
                    1, "CCS2", CurrentType.DC, phases=0, max_current_a=125, max_power_w=50_000, voltage_v=400
                ),
            ),
        ),
    ),
)


async def until(condition: Callable[[], bool], what: str) -> None:
    """Let the loop run until `condition()` holds; fail saying what never happened."""
    deadline = asyncio.get_running_loop().time() + WAIT_S
    while not condition():
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"gave up after {WAIT_S:g} s waiting for {what}")
        await asyncio.sleep(0.02)


@asynccontextmanager
async def lab_on(db: Path, *, keep_workspace: bool = True, frames: list[Frame] | None = None) -> AsyncIterator[Lab]:
    """A lab on `db` as the window opens it; `frames` collects what its stations send."""
    lab = Lab(db_path=db, csms_port=0, keep_workspace=keep_workspace)
    if frames is not None:
        lab.bus.subscribe(lambda event: frames.append(event) if isinstance(event, Frame) else None)
    await lab.start()
    try:
        yield lab
    finally:
        await lab.close()


async def registered(station: Station) -> Station:
    await until(lambda: station.registration == "Accepted", f"{station.id} to be accepted")
    return station


def sent(frames: list[Frame], action: str) -> list[dict[str, object]]:
    return [
        f.payload
        for f in frames
        if f.side is Side.STATION and f.message_type is MessageType.CALL and f.action == action
    ]


async def test_a_lab_reopened_on_the_same_database_brings_back_its_stations_availability_and_policy(
    tmp_path: Path,
) -> None:
    db = tmp_path / "lab.db"
    wallbox = load_template("ac-22kw-wallbox").with_id("WALLBOX")
    async with lab_on(db) as lab:
        dc = await registered(lab.add_station(DC_50KW))
        ac = await registered(lab.add_station(wallbox))
        offline = lab.add_station(load_template("ac-22kw-wallbox-v201").with_id("HELD-OFFLINE"), connect=False)
        await ac.act(1, 1, UserAction.MAKE_UNAVAILABLE)
        await dc.act(1, 1, UserAction.PLUG_IN)
        assert lab.csms is not None
        lab.csms.policy.heartbeat_interval = 120
        lab.csms.policy.blocked_tokens.add("STOLEN-1")
        lab.csms.policy.boot_status = RegistrationStatus.accepted
        assert not offline.link_up

    frames: list[Frame] = []
    async with lab_on(db, frames=frames) as lab:
        assert list(lab.stations) == ["HANDMADE-DC", "WALLBOX", "HELD-OFFLINE"], "the same stations, in order"
        assert lab.stations["HANDMADE-DC"].config == DC_50KW
        assert lab.stations["WALLBOX"].config == wallbox
        ac = await registered(lab.stations["WALLBOX"])
        dc = await registered(lab.stations["HANDMADE-DC"])
        assert ac.connector(1, 1).reported == "Unavailable", "Unavailable survives a restart"
        await until(
            lambda: _last_status(frames, "WALLBOX").get("status") == "Unavailable",
            "the restored station to report its connector Unavailable after the boot",
        )
        assert not dc.connector(1, 1).plugged and dc.connector(1, 1).reported == "Available", "a cable does not"
        assert not lab.stations["HELD-OFFLINE"].link_up, "a station taken offline stays offline"
        assert lab.csms is not None
        assert lab.csms.policy.heartbeat_interval == 120 and lab.csms.policy.blocked_tokens == {"STOLEN-1"}


def _last_status(frames: list[Frame], station_id: str) -> dict[str, object]:
    statuses = [f for f in frames if f.station_id == station_id and f.action == "StatusNotification"]
    calls = [f.payload for f in statuses if f.side is Side.STATION and f.message_type is MessageType.CALL]
    return calls[-1] if calls else {}


async def test_the_workspace_is_saved_as_it_changes_not_only_on_a_clean_close(tmp_path: Path) -> None:
    db = tmp_path / "lab.db"
    reader = WorkspaceTable(db)

    def saved() -> dict[str, object]:
        text = reader.load()
        return json.loads(text) if text else {}

    try:
        async with lab_on(db) as lab:
            station = lab.add_station(DC_50KW)
            assert [s["config"]["id"] for s in saved()["stations"]] == ["HANDMADE-DC"], "saved when added"
            assert lab.csms is not None
            lab.csms.policy.invalid_tokens.add("NOBODY")
            await until(lambda: saved()["csms_policy"]["invalid_tokens"] == ["NOBODY"], "the policy edit to be saved")
            await registered(station)
            await station.act(1, 1, UserAction.MAKE_UNAVAILABLE)
            assert saved()["stations"][0]["unavailable"] == [{"evse_id": 1, "connector_id": 1}]
            await lab.remove_station(station.id)
            assert saved()["stations"] == [], "saved when removed"
    finally:
        reader.close()


async def test_run_and_scenario_labs_neither_restore_nor_overwrite_the_workspace(tmp_path: Path) -> None:
    db = tmp_path / "lab.db"
    async with lab_on(db) as lab:
        lab.add_station(DC_50KW, connect=False)
    async with lab_on(db, keep_workspace=False) as lab:
        assert lab.stations == {} and lab.workspace is None
        lab.add_station(DC_50KW.with_id("SCENARIO-ONLY"), connect=False)
    async with lab_on(db) as lab:
        assert list(lab.stations) == ["HANDMADE-DC"]


@pytest.mark.parametrize(
    ("template", "ended"), [("ac-22kw-wallbox", "StopTransaction"), ("ac-22kw-wallbox-v201", "TransactionEvent")]
)
async def test_a_transaction_cut_by_closing_the_lab_is_reported_as_power_loss_after_the_next_start(
    tmp_path: Path, template: str, ended: str
) -> None:
    db = tmp_path / "lab.db"
    async with lab_on(db) as lab:
        station = await registered(lab.add_station(load_template(template).with_id("CHARGING")))
        await station.act(1, 1, UserAction.PLUG_IN)
        await station.act(1, 1, UserAction.PRESENT_TOKEN, token="TAG-1")
        c = station.connector(1, 1)
        await until(lambda: c.tx_id is not None and c.tx_started, "the transaction to start")
        tx_id = c.tx_id
        assert await power_down(lab) == 1
        assert not c.tx_started and not station.connected

    frames: list[Frame] = []
    async with lab_on(db, frames=frames) as lab:
        await registered(lab.stations["CHARGING"])
        if ended == "StopTransaction":
            await until(lambda: bool(sent(frames, ended)), "the StopTransaction to be delivered")
            (stop,) = sent(frames, ended)
            assert stop["reason"] == "PowerLoss" and stop["transactionId"] == int(str(tx_id))
        else:

            def ends() -> list[dict[str, object]]:
                return [p for p in sent(frames, ended) if p["eventType"] == "Ended"]

            await until(lambda: bool(ends()), "the TransactionEvent Ended to be delivered")
            (end,) = ends()
            info = end["transactionInfo"]
            assert isinstance(info, dict)
            assert info["transactionId"] == tx_id and info["stoppedReason"] == "PowerLoss"
        boots = sent(frames, "BootNotification")
        assert frames.index(next(f for f in frames if f.action == "BootNotification")) < frames.index(
            next(f for f in frames if f.action == ended)
        ), "reported after the boot"
        assert boots


async def test_an_edited_station_keeps_its_place_in_the_lab(tmp_path: Path) -> None:
    async with lab_on(tmp_path / "lab.db") as lab:
        for name in ("A", "B", "C"):
            lab.add_station(DC_50KW.with_id(name), connect=False)
        edited = await lab.replace_station("B", DC_50KW.with_id("B2"), connect=False)
        assert list(lab.stations) == ["A", "B2", "C"] and lab.stations["B2"] is edited
        with pytest.raises(ValueError, match="'C' already exists"):
            await lab.replace_station("B2", DC_50KW.with_id("C"), connect=False)
        assert list(lab.stations) == ["A", "B2", "C"], "a refused edit changes nothing"
    async with lab_on(tmp_path / "lab.db") as lab:
        assert list(lab.stations) == ["A", "B2", "C"]


async def test_a_workspace_file_round_trip_gives_the_same_workspace(tmp_path: Path) -> None:
    async with lab_on(tmp_path / "one.db") as lab:
        lab.add_station(DC_50KW, connect=False)
        station = lab.add_station(load_template("dc-150kw-ccs2-chademo").with_id("BIG"), connect=False)
        await station.act(1, 2, UserAction.MAKE_UNAVAILABLE)
        assert lab.csms is not None
        lab.csms.policy.blocked_tokens.update({"B-2", "B-1"})
        lab.csms.policy.expired_tokens.add("OLD-CARD")
        lab.csms.policy.concurrent_tokens.add("BUSY-CARD")
        lab.csms.policy.boot_status = RegistrationStatus.pending
        original = snapshot(lab)
        original.save(tmp_path / "shared.json")

    loaded = Workspace.load(tmp_path / "shared.json")
    assert loaded == original
    assert loaded.csms_policy is not None
    assert (loaded.csms_policy.expired_tokens, loaded.csms_policy.concurrent_tokens) == (("OLD-CARD",), ("BUSY-CARD",))
    async with lab_on(tmp_path / "colleague.db") as lab:
        assert lab.workspace is not None
        assert await lab.workspace.replace(loaded) == []
        assert snapshot(lab) == original
        assert lab.stations["BIG"].connector(1, 2).reported == "Unavailable"
    async with lab_on(tmp_path / "colleague.db") as lab:
        assert snapshot(lab) == original, "an opened workspace is the database's from then on"


def _document(**changes: object) -> dict[str, object]:
    station = {"config": DC_50KW.to_dict(), "online": True, "unavailable": []}
    return {"format": "ocpplab-workspace", "version": 1, "stations": [station], **changes}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ('{"format": "ocpplab-workspace",\n "version": 1,\n "stations": [}', r"shared\.json:3: not valid JSON"),
        (json.dumps({"stations": []}), r'not an OCPPLab workspace \(it has no "format": "ocpplab-workspace"\)'),
        (json.dumps({"format": "station-template"}), r"not an OCPPLab workspace \(its format is 'station-template'\)"),
        (json.dumps(_document(version=7)), r"newer OCPPLab \(workspace version 7\); this one reads version 1"),
        (json.dumps(_document(stations=[{"config": {**DC_50KW.to_dict(), "heartbeat_interval_s": "soon"}}])),
         r"stations\[0\]\.config\.heartbeat_interval_s: 'soon' is not a whole number of seconds"),
        (json.dumps(_document(stations=[{"config": DC_50KW.to_dict(), "unavailable": [{"evse_id": 1,
                                                                                       "connector_id": 3}]}])),
         r"stations\[0\]\.unavailable\[0\]: HANDMADE-DC has no EVSE 1 connector 3"),
        (json.dumps(_document(stations=[{"config": DC_50KW.to_dict()}, {"config": DC_50KW.to_dict()}])),
         r"stations\[1\]\.config\.id: station id 'HANDMADE-DC' twice"),
        (json.dumps(_document(csms_policy={"boot_status": "Maybe"})),
         r"csms_policy\.boot_status: 'Maybe' is not one of Accepted, Pending, Rejected"),
        (json.dumps(_document(stations=[{"config": {**DC_50KW.to_dict(), "model": "M" * 21}}])),
         r"stations\[0\]\.config: model: OCPP 1\.6 allows 20 characters"),
    ],
)  # fmt: skip
def test_a_bad_workspace_file_is_refused_saying_what_and_where(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "shared.json"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(WorkspaceError, match=message):
        Workspace.load(path)


def test_a_field_error_names_its_line(tmp_path: Path) -> None:
    document = _document()
    path = tmp_path / "shared.json"
    text = json.dumps(document, indent=2).replace('"max_power_w": 50000', '"max_power_w": -5')
    path.write_text(text, encoding="utf-8")
    line = text[: text.index("-5")].count("\n") + 1
    with pytest.raises(WorkspaceError) as refused:
        Workspace.load(path)
    assert str(refused.value) == (
        f"workspace {path}:{line}: stations[0].config.evses[0].connectors[0].max_power_w: -5 must be more than 0"
    )


async def test_editing_a_charging_station_ends_its_transaction_as_a_reboot_and_boots_the_new_one(
    tmp_path: Path,
) -> None:
    frames: list[Frame] = []
    async with lab_on(tmp_path / "lab.db", frames=frames) as lab:
        station = await registered(lab.add_station(load_template("ac-22kw-wallbox").with_id("EDITED")))
        await station.act(1, 1, UserAction.PLUG_IN)
        await station.act(1, 1, UserAction.PRESENT_TOKEN, token="TAG-1")
        await until(lambda: station.connector(1, 1).tx_id is not None, "the transaction to start")

        edited = await lab.replace_station("EDITED", dataclasses.replace(station.config, model="Rev B"), connect=True)

        (stop,) = sent(frames, "StopTransaction")
        assert stop["reason"] == "Reboot"
        await registered(edited)
        assert edited.config.model == "Rev B" and len(sent(frames, "BootNotification")) == 2
