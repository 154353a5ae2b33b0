"""The mock CSMS's file service: firmware images to download, and a place to upload logs to.

A small HTTP/1.1 server on asyncio streams, on a port of its own next to the WebSocket server:
the websockets server answers GET requests only and reads no request body, so uploads (PUT or
POST) cannot share its port. One request per connection, answered and closed.

  GET  /firmware/<name>             the image added under that name (`add_firmware`); any name
                                    ``ocpplab-fw-<version>.bin`` is served even if never added,
                                    as a small image that installs <version>
  PUT  /uploads/<stationId>/<name>  a log file, kept as it arrives
  POST /uploads/<stationId>[/<name>] the same; a multipart/form-data body gives its first file
                                    (and that file's name)

Every upload is kept in memory (`uploads`) and written to `folder` (<folder>/<stationId>/<name>;
a name that is taken gets a number), and published as a `csms.upload` event; every image served is
a `csms.firmware` event.
"""

from __future__ import annotations

import asyncio
import contextlib
import email.parser
import email.policy
import logging
import re
import tempfile
import time
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path
from urllib.parse import quote, unquote, urlsplit

from ocpplab_desktop.csms.handlers import csms_event
from ocpplab_desktop.csms.state import CsmsEvent
from ocpplab_desktop.model.events import EventBus
from ocpplab_desktop.model.file_transfers import firmware_image, next_version, safe_name

log = logging.getLogger(__name__)

MAX_HEADER_BYTES = 64 * 1024
MAX_BODY_BYTES = 256 * 2**20
REQUEST_TIMEOUT_S = 60.0
GENERATED = re.compile(r"ocpplab-fw-(\d+(?:\.\d+)+(?:-[0-9A-Za-z]+)?)\.bin")
ANY_HOST = ("", "0.0.0.0", "::")


class BadRequest(Exception):
    def __init__(self, status: HTTPStatus, why: str) -> None:
        super().__init__(why)
        self.status = status


@dataclass(frozen=True)
class Upload:
    """One file a station uploaded."""

    station_id: str
    name: str
    content: bytes
    path: Path | None  # where it was written; None if writing failed
    received_at: float  # wall clock, POSIX seconds
    method: str


def firmware_name(version: str) -> str:
    """The name under which the service always has an image that installs `version`."""
    return f"ocpplab-fw-{version}.bin"


class FileService:
    """Serves firmware images and keeps uploaded files, over plain HTTP."""

    def __init__(self, bus: EventBus, host: str = "127.0.0.1", port: int = 0, folder: Path | None = None) -> None:
        self.bus = bus
        self.host = host
        self._port = port
        self._folder = folder
        self.firmware: dict[str, bytes] = {}
        """Images added by name (a test's, the user's); generated ones are not kept here."""
        self.uploads: list[Upload] = []
        self._server: asyncio.Server | None = None

    # --- lifecycle ------------------------------------------------------------------------
    async def start(self) -> None:
        if self._server is None:
            self._server = await asyncio.start_server(self._serve, self.host, self._port)
            self._port = self._server.sockets[0].getsockname()[1]
            log.info("mock CSMS file service on %s", self.url)

    async def stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.close()
            await server.wait_closed()

    @property
    def port(self) -> int:
        return self._port

    @property
    def url(self) -> str:
        """The service's base URL, with an address a local station can reach."""
        host = "127.0.0.1" if self.host in ANY_HOST else self.host
        return f"http://{'[' + host + ']' if ':' in host else host}:{self._port}"

    @property
    def folder(self) -> Path:
        """Where uploads are written: the folder given, else a temporary folder made on first use."""
        if self._folder is None:
            self._folder = Path(tempfile.mkdtemp(prefix="ocpplab-uploads-"))
        return self._folder

    # --- what the commands hand out ---------------------------------------------------------
    def add_firmware(self, name: str, content: bytes) -> str:
        """Offer `content` as firmware `name`; returns its URL."""
        clean = safe_name(name)
        self.firmware[clean] = content
        return self.firmware_url(clean)

    def firmware_url(self, name: str) -> str:
        return f"{self.url}/firmware/{quote(name)}"

    def next_firmware_url(self, current_version: str | None) -> str:
        """The URL of an image that installs the version after `current_version` (1.0.0 -> 1.0.1)."""
        return self.firmware_url(firmware_name(next_version(current_version)))

    def upload_url(self, station_id: str) -> str:
        """The directory a station uploads its logs to (ends in '/': the station adds the file name)."""
        return f"{self.url}/uploads/{quote(station_id, safe='')}/"

    def firmware_names(self) -> list[str]:
        return sorted(self.firmware)

    def uploads_of(self, station_id: str) -> list[Upload]:
        return [u for u in self.uploads if u.station_id == station_id]

    # --- HTTP -------------------------------------------------------------------------------
    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            async with asyncio.timeout(REQUEST_TIMEOUT_S):
                status, body, content_type = await self._answer(reader, _peer(writer))
        except BadRequest as exc:
            status, body, content_type = exc.status, (str(exc) + "\n").encode(), "text/plain; charset=utf-8"
        except (TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
            writer.close()
            return
        head = (
            f"HTTP/1.1 {status.value} {status.phrase}\r\nContent-Type: {content_type}\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        )
        with contextlib.suppress(ConnectionError):
            writer.write(head.encode("latin-1") + body)
            await writer.drain()
        writer.close()
        with contextlib.suppress(ConnectionError):
            await writer.wait_closed()

    async def _answer(self, reader: asyncio.StreamReader, peer: str) -> tuple[HTTPStatus, bytes, str]:
        method, path, headers = await _read_head(reader)
        parts = [unquote(p) for p in urlsplit(path).path.split("/") if p]
        if parts[:1] == ["firmware"] and len(parts) == 2:
            if method not in ("GET", "HEAD"):
                raise BadRequest(HTTPStatus.METHOD_NOT_ALLOWED, "firmware is fetched with GET")
            image = self._image(parts[1], peer)
            return HTTPStatus.OK, b"" if method == "HEAD" else image, "application/octet-stream"
        if parts[:1] == ["uploads"] and len(parts) in (2, 3):
            if method not in ("PUT", "POST"):
                raise BadRequest(HTTPStatus.METHOD_NOT_ALLOWED, "uploads are sent with PUT or POST")
            body = await _read_body(reader, headers)
            name = parts[2] if len(parts) == 3 else None
            if method == "POST" and headers.get("content-type", "").startswith("multipart/form-data"):
                name, body = _first_file(headers["content-type"], body, name)
            await self._keep(parts[1], name or f"upload-{len(self.uploads) + 1}", body, method)
            return HTTPStatus.CREATED if method == "PUT" else HTTPStatus.OK, b"stored\n", "text/plain"
        raise BadRequest(HTTPStatus.NOT_FOUND, f"nothing at {path}: use /firmware/<name> or /uploads/<stationId>/")

    def _image(self, name: str, peer: str) -> bytes:
        image = self.firmware.get(name)
        if image is None:
            generated = GENERATED.fullmatch(name)
            if generated is None:
                offered = ", ".join(self.firmware_names()) or "none added"
                raise BadRequest(
                    HTTPStatus.NOT_FOUND,
                    f"no firmware {name!r} (offered: {offered}; any ocpplab-fw-<version>.bin is generated)",
                )
            image = firmware_image(generated.group(1))
        detail = f"firmware {name} served to {peer} ({len(image)} bytes)"
        self.bus.publish(csms_event("", CsmsEvent.FIRMWARE_SERVED, detail, name=name, size=len(image)))
        return image

    async def _keep(self, station_id: str, name: str, content: bytes, method: str) -> None:
        path: Path | None
        try:
            path = await asyncio.to_thread(self._write, station_id, safe_name(name), content)
        except OSError as exc:
            log.warning("upload from %s not written to %s: %s", station_id, self.folder, exc)
            path = None
        upload = Upload(station_id, name, content, path, time.time(), method)
        self.uploads.append(upload)
        where = f"kept in {path}" if path is not None else "kept in memory only (the folder could not be written)"
        self.bus.publish(
            csms_event(
                station_id,
                CsmsEvent.UPLOAD,
                f"upload {name} received ({len(content)} bytes, {method}), {where}",
                name=name,
                size=len(content),
                path=str(path) if path else None,
            )
        )

    def _write(self, station_id: str, name: str, content: bytes) -> Path:
        folder = self.folder / safe_name(station_id)
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / name
        stem, suffix, n = path.stem, path.suffix, 1
        while path.exists():
            path = folder / f"{stem}-{n}{suffix}"
            n += 1
        path.write_bytes(content)
        return path


def _peer(writer: asyncio.StreamWriter) -> str:
    peer = writer.get_extra_info("peername")
    return f"{peer[0]}:{peer[1]}" if isinstance(peer, tuple) and len(peer) >= 2 else str(peer)


async def _read_head(reader: asyncio.StreamReader) -> tuple[str, str, dict[str, str]]:
    head = await reader.readuntil(b"\r\n\r\n")
    if len(head) > MAX_HEADER_BYTES:
        raise BadRequest(HTTPStatus.REQUEST_HEADER_FIELDS_TOO_LARGE, "request head too large")
    lines = head.decode("latin-1").split("\r\n")
    try:
        method, path, _version = lines[0].split(" ", 2)
    except ValueError:
        raise BadRequest(HTTPStatus.BAD_REQUEST, f"not an HTTP request line: {lines[0][:80]!r}") from None
    headers: dict[str, str] = {}
    for line in lines[1:]:
        if ":" in line:
            key, value = line.split(":", 1)
            headers[key.strip().lower()] = value.strip()
    return method.upper(), path, headers


async def _read_body(reader: asyncio.StreamReader, headers: dict[str, str]) -> bytes:
    if "chunked" in headers.get("transfer-encoding", "").lower():
        chunks: list[bytes] = []
        total = 0
        while True:
            size = int((await reader.readuntil(b"\r\n")).split(b";")[0].strip() or b"0", 16)
            if size == 0:
                await reader.readuntil(b"\r\n")  # the empty trailer
                return b"".join(chunks)
            total += size
            if total > MAX_BODY_BYTES:
                raise BadRequest(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "upload too large")
            chunks.append(await reader.readexactly(size))
            await reader.readexactly(2)
    try:
        length = int(headers.get("content-length", "0"))
    except ValueError:
        raise BadRequest(HTTPStatus.BAD_REQUEST, "Content-Length is not a number") from None
    if length > MAX_BODY_BYTES:
        raise BadRequest(HTTPStatus.REQUEST_ENTITY_TOO_LARGE, "upload too large")
    return await reader.readexactly(length) if length > 0 else b""


def _first_file(content_type: str, body: bytes, name: str | None) -> tuple[str | None, bytes]:
    """The first part of a multipart/form-data body that carries a file (else the first part)."""
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode("latin-1") + body
    )
    parts = [p for p in message.iter_parts()] if message.is_multipart() else []
    if not parts:
        raise BadRequest(HTTPStatus.BAD_REQUEST, "a multipart/form-data body without parts")
    chosen = next((p for p in parts if p.get_filename()), parts[0])
    payload = chosen.get_payload(decode=True)
    content = payload if isinstance(payload, bytes) else b""
    return name or chosen.get_filename(), content
