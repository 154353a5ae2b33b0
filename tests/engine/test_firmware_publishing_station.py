"""A 2.0.1 station as a Local Controller that publishes firmware (part 2 L03/L04), end to end: the mock
CSMS sends PublishFirmware over a loopback websocket, the station downloads the file from the mock's HTTP
file service, checks its MD5, serves it on 127.0.0.1 and reports each status; the test fetches the
published URL and gets the same bytes; UnpublishFirmware stops serving it.

The `lab` fixture checks every frame the stations sent against the official schemas when a test ends.
"""

from __future__ import annotations

import asyncio
import hashlib
import urllib.error
import urllib.request

import pytest
from station_lab import V201, csms, lab, sent, station, wait

from ocpplab_desktop.engine.lab import Lab
from ocpplab_desktop.engine.station import Station

__all__ = ["lab"]

IMAGE = b"ocpplab-firmware 7.1.0\n" + bytes(range(256)) * 40
MD5 = hashlib.md5(IMAGE, usedforsecurity=False).hexdigest()


def statuses(lab: Lab, s: Station) -> list[str]:
    return [p["status"] for p in sent(lab, s.id, "PublishFirmwareStatusNotification")]


async def until_status(lab: Lab, s: Station, status: str) -> None:
    await wait(lab, lambda: status in statuses(lab, s), f"status {status}")


def fetch(url: str) -> bytes:
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    with opener.open(url, timeout=10) as response:
        data: bytes = response.read()
    return data


async def test_publish_walks_the_statuses_and_the_published_url_serves_the_same_bytes(lab: Lab) -> None:
    s = await station(lab, V201, "LC-PUBLISH")
    location = csms(lab).files.add_firmware("lc-7.1.0.bin", IMAGE)
    answer = await csms(lab).publish_firmware(s.id, location, request_id=31)
    assert answer == {"status": "Accepted"}
    await until_status(lab, s, "Published")

    notes = sent(lab, s.id, "PublishFirmwareStatusNotification")
    assert [p["status"] for p in notes] == ["Downloading", "Downloaded", "ChecksumVerified", "Published"]
    assert {p["requestId"] for p in notes} == {31}
    (url,) = notes[-1]["location"]
    assert url.startswith("http://127.0.0.1:")
    assert await asyncio.to_thread(fetch, url) == IMAGE

    triggered = await csms(lab).trigger_message(s.id, "PublishFirmwareStatusNotification")
    assert triggered["status"] == "Accepted"
    await wait(lab, lambda: len(statuses(lab, s)) == 5, "the triggered status")
    assert sent(lab, s.id, "PublishFirmwareStatusNotification")[-1] == {
        "status": "Published",
        "location": [url],
        "requestId": 31,
    }

    assert await csms(lab).unpublish_firmware(s.id, MD5.upper()) == {"status": "Unpublished"}
    with pytest.raises(urllib.error.HTTPError) as refused:
        await asyncio.to_thread(fetch, url)
    refused.value.close()
    assert refused.value.code == 404
    assert await csms(lab).unpublish_firmware(s.id, MD5) == {"status": "NoFirmware"}

    await csms(lab).trigger_message(s.id, "PublishFirmwareStatusNotification")
    await wait(lab, lambda: len(statuses(lab, s)) == 6, "the triggered status after unpublishing")
    assert sent(lab, s.id, "PublishFirmwareStatusNotification")[-1] == {"status": "Idle"}


async def test_a_wrong_checksum_gives_invalid_checksum_and_nothing_is_served(lab: Lab) -> None:
    s = await station(lab, V201, "LC-CHECKSUM")
    location = csms(lab).files.add_firmware("lc-bad.bin", IMAGE)
    answer = await csms(lab).publish_firmware(s.id, location, checksum="0" * 32, request_id=4)
    assert answer == {"status": "Accepted"}
    await until_status(lab, s, "InvalidChecksum")
    assert statuses(lab, s) == ["Downloading", "Downloaded", "InvalidChecksum"]
    assert not s.firmware_publishing.server.files
    assert await csms(lab).unpublish_firmware(s.id, "0" * 32) == {"status": "NoFirmware"}


async def test_a_download_that_keeps_failing_reports_download_failed_after_the_retries(lab: Lab) -> None:
    s = await station(lab, V201, "LC-404")
    missing = f"{csms(lab).files.url}/firmware/missing.bin"
    await csms(lab).publish_firmware(s.id, missing, checksum=MD5, retries=1, retry_interval=30)
    await until_status(lab, s, "DownloadFailed")
    assert statuses(lab, s) == ["Downloading", "DownloadFailed"]


async def test_while_a_download_is_under_way_another_publish_is_rejected_and_its_unpublish_is_download_ongoing(
    lab: Lab,
) -> None:
    s = await station(lab, V201, "LC-BUSY")
    # Nothing listens on port 1: each attempt fails at once, and the retry waits an hour of simulated time.
    await csms(lab).publish_firmware(s.id, "http://127.0.0.1:1/fw.bin", checksum=MD5, retries=1, retry_interval=3600)
    await until_status(lab, s, "Downloading")
    second = await csms(lab).publish_firmware(s.id, csms(lab).files.add_firmware("lc-2.bin", IMAGE), request_id=8)
    assert second["status"] == "Rejected"
    assert await csms(lab).unpublish_firmware(s.id, MD5) == {"status": "DownloadOngoing"}
    assert statuses(lab, s) == ["Downloading"]


async def test_a_201_station_without_publications_answers_a_trigger_with_idle(lab: Lab) -> None:
    s = await station(lab, V201, "LC-IDLE")
    await csms(lab).trigger_message(s.id, "PublishFirmwareStatusNotification")
    await until_status(lab, s, "Idle")
    assert sent(lab, s.id, "PublishFirmwareStatusNotification") == [{"status": "Idle"}]
