"""The authorization cache against a CSMS written only with the `ocpp` library, over loopback.

1.6 sections 3.5.1 and 3.5.4, 5.4; 2.0.1 C10, C11, C12, C15: every answer about a token updates
the cache; with LocalPreAuthorize a cached Accepted token starts without an Authorize; offline
the cache answers (LocalAuthorizeOffline) and unknown tokens are refused unless allowed;
ClearCache empties it, or is Rejected when the cache is disabled.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import pytest
from library_csms import LibraryCsmsServer
from ocpp.v16 import call as c16
from ocpp.v201 import call as c201
from waits import until

from ocpplab_desktop.engine.lab import Lab
from ocpplab_desktop.engine.station import Station
from ocpplab_desktop.model.config import VariableSetting
from ocpplab_desktop.model.connector import UserAction
from ocpplab_desktop.model.events import StationEvent
from ocpplab_desktop.model.templates import load_template
from ocpplab_desktop.protocol.frame import Frame

A = UserAction


async def station_16(lab: Lab, url: str, station_id: str, **keys: str) -> Station:
    config = load_template("ac-22kw-wallbox")
    config = replace(config, id=station_id, csms_url=url, config_keys={**config.config_keys, **keys})
    station = lab.add_station(config)
    await until(lambda: station.registration == "Accepted")
    return station


async def station_201(lab: Lab, url: str, station_id: str, *variables: VariableSetting) -> Station:
    config = load_template("ac-22kw-wallbox-v201")
    config = replace(config, id=station_id, csms_url=url, variables=(*config.variables, *variables))
    station = lab.add_station(config)
    await until(lambda: station.registration == "Accepted")
    return station


async def charge_once(station: Station, token: str) -> None:
    """Plug in, present the token, stop and unplug: one whole session."""
    await station.act(1, 1, A.PLUG_IN)
    await station.act(1, 1, A.PRESENT_TOKEN, token=token)
    assert station.connector(1, 1).tx_started
    await station.act(1, 1, A.STOP)
    await station.act(1, 1, A.UNPLUG)


async def test_with_local_pre_authorize_a_cached_token_starts_without_an_authorize_16() -> None:
    async with LibraryCsmsServer() as csms, Lab(csms_port=None, speed=100) as lab:
        station = await station_16(lab, csms.url, "AUTH-PRE", LocalPreAuthorize="true")

        await charge_once(station, "TAG-CACHED")
        await charge_once(station, "TAG-CACHED")

        assert len(csms.received.of("Authorize")) == 1, "the second session was authorized from the cache"
        assert len(csms.received.of("StartTransaction")) == 2
        assert all(p["id_tag"] == "TAG-CACHED" for p in csms.received.of("StartTransaction"))


async def test_without_local_pre_authorize_every_session_asks_the_csms_16() -> None:
    async with LibraryCsmsServer() as csms, Lab(csms_port=None, speed=100) as lab:
        station = await station_16(lab, csms.url, "AUTH-ASK")

        await charge_once(station, "TAG-ASKED")
        await charge_once(station, "TAG-ASKED")

        assert len(csms.received.of("Authorize")) == 2


async def test_clear_cache_from_the_csms_makes_the_station_ask_again_16() -> None:
    async with LibraryCsmsServer() as csms, Lab(csms_port=None, speed=100) as lab:
        events: list[Any] = []
        lab.bus.subscribe(events.append)
        station = await station_16(lab, csms.url, "AUTH-CLEAR", LocalPreAuthorize="true")
        await charge_once(station, "TAG-1")
        assert "TAG-1" in station.auth_cache

        answer = await csms.peers["AUTH-CLEAR"].call(c16.ClearCache(), suppress=False)

        assert answer.status == "Accepted"
        assert len(station.auth_cache) == 0
        assert any(isinstance(e, StationEvent) and e.kind == "auth_cache" for e in events)
        await charge_once(station, "TAG-1")
        assert len(csms.received.of("Authorize")) == 2, "asked again once the cache was cleared"


async def test_clear_cache_is_rejected_when_the_cache_is_disabled_201() -> None:
    async with LibraryCsmsServer() as csms, Lab(csms_port=None, speed=100) as lab:
        disabled = VariableSetting("AuthCacheCtrlr", "Enabled", "false")
        station = await station_201(lab, csms.url, "AUTH-OFF-201", disabled)
        await station.act(1, 1, A.PRESENT_TOKEN, token="TAG-201")

        answer = await csms.peers["AUTH-OFF-201"].call(c201.ClearCache(), suppress=False)

        assert answer.status == "Rejected"
        assert len(station.auth_cache) == 0, "a disabled cache stores nothing"


async def test_cached_idtokeninfo_from_transaction_events_is_used_for_pre_authorize_201() -> None:
    async with LibraryCsmsServer() as csms, Lab(csms_port=None, speed=100) as lab:
        pre = VariableSetting("AuthCtrlr", "LocalPreAuthorize", "true")
        station = await station_201(lab, csms.url, "AUTH-PRE-201", pre)

        await charge_once(station, "TAG-201")
        await charge_once(station, "TAG-201")

        assert len(csms.received.of("Authorize")) == 1
        started = [p for p in csms.received.of("TransactionEvent") if p["event_type"] == "Started"]
        assert len(started) == 2 and all(p["id_token"]["id_token"] == "TAG-201" for p in started)


@pytest.mark.parametrize(("allow_unknown", "unknown_outcome"), [("false", "Offline"), ("true", "accepted")])
async def test_offline_the_cache_answers_and_unknown_tokens_need_permission_16(
    allow_unknown: str, unknown_outcome: str
) -> None:
    async with LibraryCsmsServer() as csms, Lab(csms_port=None, speed=100) as lab:
        station = await station_16(lab, csms.url, "AUTH-OFFLINE", AllowOfflineTxForUnknownId=allow_unknown)
        await station.act(1, 1, A.PRESENT_TOKEN, token="TAG-KNOWN")
        csms.received.blocked.add("TAG-BLOCKED")
        await station.act(1, 1, A.PRESENT_TOKEN, token="TAG-BLOCKED")
        asked = len(csms.received.of("Authorize"))
        await station.stop()

        known = await station.act(1, 1, A.PRESENT_TOKEN, token="TAG-KNOWN")
        blocked = await station.act(1, 1, A.PRESENT_TOKEN, token="TAG-BLOCKED")
        unknown = await station.act(1, 1, A.PRESENT_TOKEN, token="TAG-NEVER-SEEN")

        assert "accepted" in known
        assert blocked == "token TAG-BLOCKED Blocked", "the cache keeps the CSMS's last word"
        assert unknown_outcome in unknown
        assert len(csms.received.of("Authorize")) == asked, "nothing reached the CSMS while offline"


async def test_a_201_session_run_offline_on_a_cached_token_reaches_the_csms_marked_offline_and_in_order(
    schema_errors: Any,
) -> None:
    async with LibraryCsmsServer() as csms, Lab(csms_port=None, speed=100) as lab:
        frames: list[Frame] = []
        lab.bus.subscribe(lambda e: frames.append(e) if isinstance(e, Frame) else None)
        station = await station_201(lab, csms.url, "AUTH-OFFLINE-201")
        station.options.backoff.first_s = 0.05
        await charge_once(station, "TAG-201-CACHED")  # online: the token lands in the cache
        online_events = len(csms.received.of("TransactionEvent"))
        await station.disconnect()

        await charge_once(station, "TAG-201-CACHED")
        assert station.connector(1, 1).reported == "Available", "the whole session ran without the CSMS"
        station.connect()
        await until(lambda: station.registration == "Accepted" and station.queued == 0)

        offline = csms.received.of("TransactionEvent")[online_events:]
        assert offline[0]["event_type"] == "Started" and offline[-1]["event_type"] == "Ended"
        assert all(p.get("offline") is True for p in offline)
        assert [p["seq_no"] for p in offline] == list(range(len(offline)))
        assert len({p["transaction_info"]["transaction_id"] for p in offline}) == 1
        assert len(csms.received.of("Authorize")) == 1, "offline, the cache answered"
        assert schema_errors(frames, "2.0.1") == []
