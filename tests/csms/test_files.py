"""The mock CSMS's file service over real HTTP on 127.0.0.1: images out, uploads in, in the forms clients send."""

from __future__ import annotations

import asyncio
import http.client
import urllib.error
import urllib.request
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from ocpplab_desktop.csms.files import FileService
from ocpplab_desktop.csms.state import CsmsEvent
from ocpplab_desktop.model.events import EventBus, StationEvent
from ocpplab_desktop.model.file_transfers import firmware_version_of


@pytest.fixture
async def service(tmp_path: Path) -> AsyncIterator[FileService]:
    bus = EventBus()
    files = FileService(bus, folder=tmp_path / "uploads")
    files.events = []  # type: ignore[attr-defined]
    bus.subscribe(lambda e: files.events.append(e) if isinstance(e, StationEvent) else None)  # type: ignore[attr-defined]
    await files.start()
    try:
        yield files
    finally:
        await files.stop()


def _request(method: str, url: str, body: bytes | None = None, headers: dict[str, str] | None = None) -> Any:
    request = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, response.read()
    except urllib.error.HTTPError as exc:
        with exc:
            return exc.code, exc.read()


async def call(method: str, url: str, body: bytes | None = None, headers: dict[str, str] | None = None) -> Any:
    return await asyncio.to_thread(_request, method, url, body, headers)


async def test_an_added_image_is_served_and_any_ocpplab_image_is_generated(service: FileService) -> None:
    url = service.add_firmware("vendor 3.1.bin", b"\x00\x01image")
    assert url.endswith("/firmware/vendor_3.1.bin")
    assert await call("GET", url) == (200, b"\x00\x01image")
    status, image = await call("GET", service.next_firmware_url("4.2.9"))
    assert status == 200 and firmware_version_of("any", image) == "4.2.10"
    status, why = await call("GET", f"{service.url}/firmware/other.bin")
    assert status == 404 and b"vendor_3.1.bin" in why
    served = [e for e in service.events if e.kind == CsmsEvent.FIRMWARE_SERVED]  # type: ignore[attr-defined]
    assert len(served) == 2


async def test_a_put_is_kept_in_memory_and_on_disk_and_a_taken_name_gets_a_number(service: FileService) -> None:
    target = service.upload_url("CP 1") + "log.jsonl"
    assert (await call("PUT", target, b"one\n"))[0] == 201
    assert (await call("PUT", target, b"two\n"))[0] == 201
    kept = service.uploads_of("CP 1")
    assert [(u.name, u.content) for u in kept] == [("log.jsonl", b"one\n"), ("log.jsonl", b"two\n")]
    assert [u.path.name for u in kept if u.path] == ["log.jsonl", "log-1.jsonl"]
    assert all(u.path is not None and u.path.read_bytes() == u.content for u in kept)


async def test_a_multipart_post_gives_its_file_and_the_files_name(service: FileService) -> None:
    body = (
        b'--XyZ\r\nContent-Disposition: form-data; name="note"\r\n\r\nhello\r\n'
        b'--XyZ\r\nContent-Disposition: form-data; name="file"; filename="diag.txt"\r\n'
        b"Content-Type: text/plain\r\n\r\nline 1\nline 2\n\r\n--XyZ--\r\n"
    )
    headers = {"Content-Type": "multipart/form-data; boundary=XyZ"}
    assert (await call("POST", service.upload_url("CP-2").rstrip("/"), body, headers))[0] == 200
    (upload,) = service.uploads_of("CP-2")
    assert (upload.name, upload.content, upload.method) == ("diag.txt", b"line 1\nline 2\n", "POST")


async def test_a_chunked_upload_is_put_together(service: FileService) -> None:
    def put_chunked() -> int:
        connection = http.client.HTTPConnection("127.0.0.1", service.port, timeout=10)
        try:
            connection.request(
                "PUT", "/uploads/CP-3/big.bin", body=iter([b"ab" * 1000, b"cd" * 3000]), encode_chunked=True
            )
            return connection.getresponse().status
        finally:
            connection.close()

    assert await asyncio.to_thread(put_chunked) == 201
    (upload,) = service.uploads_of("CP-3")
    assert upload.content == b"ab" * 1000 + b"cd" * 3000


async def test_what_the_service_does_not_offer_is_refused_with_the_status_that_says_so(service: FileService) -> None:
    assert (await call("DELETE", f"{service.url}/firmware/x.bin"))[0] == 405
    assert (await call("GET", service.upload_url("CP-4")))[0] == 405
    assert (await call("GET", f"{service.url}/elsewhere"))[0] == 404
    assert service.uploads == []
