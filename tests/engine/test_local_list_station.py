"""The Local Authorization List end to end (1.6 sections 3.5, 5.10, 5.15; 2.0.1 C13-C15, D01-D02): the mock
CSMS sends full and differential lists over a loopback websocket, the station checks their versions,
authorizes from the list offline and before its cache, and keeps the list across a restart of the lab
(the workspace in a real SQLite file). Every frame a station sent is checked against the schemas."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path

import pytest
from station_lab import V16, V201, csms, lab, sent, set_variable, station, wait

from ocpplab_desktop.csms.commands import ListedToken
from ocpplab_desktop.engine.lab import Lab
from ocpplab_desktop.engine.station import Station
from ocpplab_desktop.engine.workspace import SavedList, Workspace, WorkspaceError
from ocpplab_desktop.model.auth_cache import TokenInfo
from ocpplab_desktop.model.config import OcppVersion
from ocpplab_desktop.model.connector import UserAction
from ocpplab_desktop.model.templates import load_template

__all__ = ["lab"]  # the fixture

A = UserAction
ACCEPTED, BLOCKED = "Accepted", "Blocked"


async def version_of(lab: Lab, s: Station) -> int:
    answer = await csms(lab).get_local_list_version(s.id)
    return int(answer["listVersion"] if s.version is V16 else answer["versionNumber"])


async def entries_variable(lab: Lab, s: Station) -> str:
    answer = await csms(lab).get_variables(
        s.id, [{"component": {"name": "LocalAuthListCtrlr"}, "variable": {"name": "Entries"}}]
    )
    return str(answer["getVariableResult"][0]["attributeValue"])


async def switch(lab: Lab, s: Station, setting: str, on: bool) -> None:
    """A 1.6 key / 2.0.1 variable of the list or the authorization (LocalAuthListEnabled, LocalPreAuthorize)."""
    value = "true" if on else "false"
    if s.version is V16:
        assert (await csms(lab).change_configuration(s.id, setting, value))["status"] == "Accepted"
    elif setting == "LocalAuthListEnabled":
        await set_variable(lab, s, "LocalAuthListCtrlr", "Enabled", value)
    else:
        await set_variable(lab, s, "AuthCtrlr", setting, value)


@pytest.mark.parametrize("version", [V16, V201], ids=str)
async def test_a_full_then_a_differential_update_with_their_versions(lab: Lab, version: OcppVersion) -> None:
    s = await station(lab, version, f"LL-UPDATE-{version.value}")
    cmd = csms(lab)
    assert await version_of(lab, s) == 0, "no list yet"
    full = await cmd.send_local_list(s.id, 5, [ListedToken("ALICE"), ListedToken("BOB")])
    assert full["status"] == ACCEPTED
    assert await version_of(lab, s) == 5
    stale = await cmd.send_local_list(s.id, 5, [ListedToken("CAROL")], full=False)
    assert stale["status"] == "VersionMismatch"
    diff = await cmd.send_local_list(s.id, 6, [ListedToken("BOB", None), ListedToken("CAROL", BLOCKED)], full=False)
    assert diff["status"] == ACCEPTED
    assert await version_of(lab, s) == 6
    assert {t: i.status for t, i in s.local_list.entries().items()} == {"ALICE": ACCEPTED, "CAROL": BLOCKED}
    if version is V201:
        assert await entries_variable(lab, s) == "2"
    too_many = [ListedToken(f"T{n}") for n in range(101)]  # SendLocalListMaxLength / ItemsPerMessage: 100
    assert (await cmd.send_local_list(s.id, 7, too_many))["status"] == "Failed"
    twice = await cmd.send_local_list(s.id, 7, [ListedToken("DAN"), ListedToken("DAN", BLOCKED)])
    assert twice["status"] == "Failed", "every identifier of an update is unique"
    assert await version_of(lab, s) == 6, "a refused update leaves the list as it was"
    empty = await cmd.send_local_list(s.id, 8, [])
    assert empty["status"] == ACCEPTED
    assert (await version_of(lab, s), len(s.local_list)) == (8, 0)


@pytest.mark.parametrize("version", [V16, V201], ids=str)
async def test_a_disabled_list_takes_no_update_and_has_no_version(lab: Lab, version: OcppVersion) -> None:
    s = await station(lab, version, f"LL-OFF-{version.value}")
    await switch(lab, s, "LocalAuthListEnabled", False)
    answer = await csms(lab).send_local_list(s.id, 1, [ListedToken("ALICE")])
    # 1.6 section 5.15 NotSupported; 2.0.1 has no such status: Failed, saying why.
    assert answer["status"] == ("NotSupported" if version is V16 else "Failed")
    # 1.6 section 5.10: -1 without a list in use; 2.0.1 D02.FR.03: 0.
    assert await version_of(lab, s) == (-1 if version is V16 else 0)


@pytest.mark.parametrize("version", [V16, V201], ids=str)
async def test_offline_the_list_authorizes_and_a_blocked_entry_wins_over_an_accepted_cache_entry(
    lab: Lab, version: OcppVersion
) -> None:
    s = await station(lab, version, f"LL-OFFLINE-{version.value}")
    c = s.connector(1, 1)
    # Online first: the CSMS accepts BLOCKED-SOON, and the cache keeps that.
    await s.act(1, 1, A.PLUG_IN)
    await s.act(1, 1, A.PRESENT_TOKEN, token="BLOCKED-SOON")
    await wait(lab, lambda: c.tx_started and c.tx_id is not None, "a transaction")
    await s.act(1, 1, A.STOP)
    await s.act(1, 1, A.UNPLUG)
    assert s.auth_cache.lookup("BLOCKED-SOON", s.clock.utc_now()) == ACCEPTED
    listed = [ListedToken("LISTED"), ListedToken("BLOCKED-SOON", BLOCKED)]
    assert (await csms(lab).send_local_list(s.id, 1, listed))["status"] == ACCEPTED

    await s.disconnect()
    await s.act(1, 1, A.PLUG_IN)
    refused = await s.act(1, 1, A.PRESENT_TOKEN, token="BLOCKED-SOON")
    assert refused == f"token BLOCKED-SOON {BLOCKED}"
    assert "Offline" in await s.act(1, 1, A.PRESENT_TOKEN, token="NOBODY"), "unknown offline: refused"
    assert not c.tx_started
    accepted = await s.act(1, 1, A.PRESENT_TOKEN, token="LISTED")
    assert "accepted" in accepted and c.tx_started, "LocalAuthorizeOffline: the list lets LISTED in"
    authorized = [p for p in sent(lab, s.id, "Authorize")]
    assert all("LISTED" not in str(p) for p in authorized)


@pytest.mark.parametrize("version", [V16, V201], ids=str)
async def test_with_local_pre_authorize_a_listed_token_starts_without_an_authorize(
    lab: Lab, version: OcppVersion
) -> None:
    s = await station(lab, version, f"LL-PRE-{version.value}")
    await switch(lab, s, "LocalPreAuthorize", True)
    listed = [ListedToken("LISTED"), ListedToken("BARRED", BLOCKED)]
    assert (await csms(lab).send_local_list(s.id, 1, listed))["status"] == ACCEPTED
    await s.act(1, 1, A.PLUG_IN)
    await s.act(1, 1, A.PRESENT_TOKEN, token="BARRED")  # not Accepted in the list: the CSMS is asked
    await s.act(1, 1, A.STOP)
    await s.act(1, 1, A.UNPLUG)
    await s.act(1, 1, A.PLUG_IN)
    await s.act(1, 1, A.PRESENT_TOKEN, token="LISTED")
    c = s.connector(1, 1)
    await wait(lab, lambda: c.tx_started and c.tx_id is not None, "LISTED's transaction")
    asked = [str(p) for p in sent(lab, s.id, "Authorize")]
    assert any("BARRED" in p for p in asked)
    assert not any("LISTED" in p for p in asked)


async def test_the_list_survives_a_restart_of_the_lab_on_the_same_database(tmp_path: Path) -> None:
    db = tmp_path / "lab.db"
    ids = {V16: "LL-KEEP-16", V201: "LL-KEEP-201"}
    async with Lab(db_path=db, csms_port=0, speed=200, keep_workspace=True) as first:
        for version, sid in ids.items():
            s = await station(first, version, sid)
            update = [ListedToken("KEEP", group="FLEET"), ListedToken("GONE", BLOCKED)]
            assert (await csms(first).send_local_list(s.id, 3, update))["status"] == ACCEPTED
            assert (await csms(first).send_local_list(s.id, 4, [ListedToken("GONE", None)], full=False))[
                "status"
            ] == ACCEPTED
    async with Lab(db_path=db, csms_port=0, speed=200, keep_workspace=True) as second:
        for sid in ids.values():
            s = second.stations[sid]
            await wait(second, lambda s=s: s.registration == "Accepted", "the boot after the restart")
            assert await version_of(second, s) == 4
            kept = s.local_list.entries()
            assert list(kept) == ["KEEP"]
            assert (kept["KEEP"].status, kept["KEEP"].group) == (ACCEPTED, "FLEET")


def test_a_workspace_document_from_before_local_lists_still_loads_and_a_list_round_trips() -> None:
    config = json.loads(json.dumps(load_template("ac-22kw-wallbox").to_dict()))  # as a file holds it
    older = {"format": "ocpplab-workspace", "version": 1, "stations": [{"config": config, "online": True}]}
    [entry] = Workspace.from_dict(older).stations
    assert entry.local_list is None
    saved = SavedList(2, (("KEEP", TokenInfo("Accepted", datetime(2027, 1, 1, tzinfo=UTC), "FLEET")),))
    document = Workspace((replace(entry, local_list=saved),)).dumps()
    assert Workspace.loads(document).stations[0].local_list == saved
    broken = json.loads(document)
    broken["stations"][0]["local_list"]["entries"][0]["expiry"] = "next tuesday"
    with pytest.raises(WorkspaceError, match="expiry"):
        Workspace.from_dict(broken)
