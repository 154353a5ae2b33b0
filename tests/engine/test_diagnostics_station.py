"""Diagnostics (1.6 GetDiagnostics) and logs (2.0.1 GetLog) end to end: the station uploads the session's
frames, read from the session database, to the mock CSMS's HTTP file service over loopback, which keeps
the file in memory and in a folder next to the database; a location where nothing listens fails after
the retries. Every frame the stations sent is checked against the official schemas.
"""

from __future__ import annotations

import asyncio
import json
import socket
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from station_lab import V16, V201, csms, seen_by, seen_lab, station

from ocpplab_desktop.csms.state import CsmsEvent
from ocpplab_desktop.engine import faults
from ocpplab_desktop.engine.faults import FaultSpec
from ocpplab_desktop.engine.lab import Lab
from ocpplab_desktop.engine.station import Station
from ocpplab_desktop.model.config import OcppVersion

STATUS = {V16: "DiagnosticsStatusNotification", V201: "LogStatusNotification"}
FAILED = {V16: "UploadFailed", V201: "UploadFailure"}


@pytest.fixture
async def lab(tmp_path: Path, schema_errors: Any) -> AsyncIterator[Lab]:
    """With a session database, whose folder the mock keeps the uploads next to."""
    async with seen_lab(schema_errors, csms_port=0, speed=500, db_path=tmp_path / "lab.db") as lab:
        yield lab


def statuses(lab: Lab, s: Station) -> list[dict[str, Any]]:
    return [p for _, p in seen_by(lab).calls(s.id, STATUS[s.version])]


async def until_status(lab: Lab, s: Station, status: str) -> None:
    await csms(lab).wait_for(
        lambda: any(p["status"] == status for p in statuses(lab, s)), timeout=20, what=f"status {status}"
    )


def records(content: bytes) -> list[dict[str, Any]]:
    return [json.loads(line) for line in content.decode().splitlines()]


def closed_port() -> int:
    """A port on 127.0.0.1 where nothing listens (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


async def request_upload(lab: Lab, s: Station, **arguments: Any) -> str:
    """GetDiagnostics / GetLog; the name of the file the station said it will upload."""
    if s.version is V16:
        answer = await csms(lab).get_diagnostics(s.id, **arguments)
        return str(answer["fileName"])
    answer = await csms(lab).get_log(s.id, request_id=31, **arguments)
    assert answer["status"] == "Accepted"
    return str(answer["filename"])


@pytest.mark.parametrize("version", [V16, V201], ids=str)
async def test_an_upload_arrives_at_the_mock_with_the_sessions_frames_of_the_station(
    lab: Lab, tmp_path: Path, version: OcppVersion
) -> None:
    s = await station(lab, version, f"DIAG-{version.name}")
    await station(lab, version, f"OTHER-{version.name}")  # its frames are not in the file
    name = await request_upload(lab, s)
    await until_status(lab, s, "Uploaded")

    assert [p["status"] for p in statuses(lab, s)] == ["Uploading", "Uploaded"]
    if version is V201:
        assert {p["requestId"] for p in statuses(lab, s)} == {31}
    uploads = csms(lab).files.uploads_of(s.id)
    assert [u.name for u in uploads] == [name]
    lines = records(uploads[0].content)
    assert {line["station_id"] for line in lines} == {s.id}
    actions = [line["action"] for line in lines]
    assert actions[0] == "BootNotification"
    # The session database had the request itself, and the answer naming the file, when the upload began.
    request = "GetDiagnostics" if version is V16 else "GetLog"
    assert actions.count(request) == 4 and name in json.dumps(lines)  # CALL and answer, by both taps
    assert "Uploading" not in json.dumps(lines)  # nothing sent after the file was read
    assert {line["side"] for line in lines} == {"station", "csms"}  # both taps of the loopback link
    # Kept as a file next to the session database, with what arrived, and told in the session.
    assert uploads[0].path is not None and uploads[0].path.read_bytes() == uploads[0].content
    assert uploads[0].path.parent.parent == tmp_path / "lab-uploads"
    told = [e for e in seen_by(lab).events if e.kind == CsmsEvent.UPLOAD and e.station_id == s.id]
    assert len(told) == 1 and name in told[0].detail


@pytest.mark.parametrize("version", [V16, V201], ids=str)
async def test_a_location_where_nothing_listens_fails_the_upload_after_the_retries(
    lab: Lab, version: OcppVersion
) -> None:
    s = await station(lab, version, f"NOWHERE-{version.name}")
    location = f"http://127.0.0.1:{closed_port()}/logs/"
    await request_upload(lab, s, location=location, retries=2, retry_interval=60)
    await until_status(lab, s, FAILED[version])

    found = seen_by(lab).calls(s.id, STATUS[version])
    assert [p["status"] for _, p in found] == ["Uploading", FAILED[version]]
    assert found[-1][0] - found[0][0] >= 2 * 60  # two retries, a minute apart on the simulated clock
    attempts = [e for e in seen_by(lab).events if e.station_id == s.id and "upload attempt" in e.detail]
    assert [e.data["attempt"] for e in attempts] == [1, 2, 3]
    assert csms(lab).files.uploads_of(s.id) == []


async def test_a_201_security_log_holds_only_the_security_events(lab: Lab) -> None:
    s = await station(lab, V201, "SECLOG")
    await faults.inject(lab, s.id, FaultSpec("firmware_failure", stage="signature"))
    await csms(lab).update_firmware(s.id, signature="c2ln")
    await csms(lab).wait_for(
        lambda: bool(seen_by(lab).calls(s.id, "SecurityEventNotification")), timeout=20, what="a security event"
    )
    await request_upload(lab, s, log_type="SecurityLog")
    await until_status(lab, s, "Uploaded")

    lines = records(csms(lab).files.uploads_of(s.id)[0].content)
    assert {line["action"] for line in lines} == {"SecurityEventNotification"}
    assert sorted(line["message_type"] for line in lines) == [2, 2, 3, 3]  # the CALL and its answer, both taps


async def answering(status: int) -> tuple[asyncio.Server, str]:
    """An HTTP server (not ours) that reads each request and answers it with `status`; its base URL."""

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        length = next(
            (int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length")),
            0,
        )
        await reader.readexactly(length)
        writer.write(f"HTTP/1.1 {status} No\r\nContent-Length: 0\r\nConnection: close\r\n\r\n".encode())
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0)
    return server, f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}/logs/"


@pytest.mark.parametrize(
    ("version", "http", "status"),
    [
        (V201, 403, "PermissionDenied"),
        (V201, 405, "NotSupportedOperation"),
        (V201, 500, "UploadFailure"),
        (V16, 403, "UploadFailed"),
    ],
    ids=str,
)
async def test_a_server_that_refuses_the_upload_ends_it_with_the_status_that_says_why(
    lab: Lab, version: OcppVersion, http: int, status: str
) -> None:
    s = await station(lab, version, f"REFUSED-{http}-{version.name}")
    server, location = await answering(http)
    try:
        await request_upload(lab, s, location=location, retries=0)
        await until_status(lab, s, status)
    finally:
        server.close()
        await server.wait_closed()
    assert [p["status"] for p in statuses(lab, s)] == ["Uploading", status]


@pytest.mark.parametrize("version", [V16, V201], ids=str)
async def test_a_triggered_status_is_idle_when_no_upload_is_under_way(lab: Lab, version: OcppVersion) -> None:
    s = await station(lab, version, f"TRIG-{version.name}")
    assert await csms(lab).trigger_message(s.id, STATUS[version]) == {"status": "Accepted"}
    await until_status(lab, s, "Idle")
    assert statuses(lab, s) == [{"status": "Idle"}]  # 2.0.1: no requestId with nothing under way
