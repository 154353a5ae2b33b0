"""A station's own HTTP file server: the files a Local Controller publishes (2.0.1 L03).

A small HTTP/1.1 server on asyncio streams, on 127.0.0.1 and a free port, started with the first
file and stopped with the station. It answers GET and HEAD of `/firmware/<name>`, one request per
connection; everything else is 404 or 405. Files are kept in memory.
"""

from __future__ import annotations

import asyncio
import contextlib
from http import HTTPStatus
from urllib.parse import quote, unquote, urlsplit

MAX_HEAD_BYTES = 16 * 1024
REQUEST_TIMEOUT_S = 30.0


class FileServer:
    """Serves named files over plain HTTP on a loopback port of its own."""

    def __init__(self, host: str = "127.0.0.1") -> None:
        self.host = host
        self.files: dict[str, bytes] = {}
        self._server: asyncio.Server | None = None
        self._port = 0

    @property
    def running(self) -> bool:
        return self._server is not None

    async def start(self) -> None:
        if self._server is None:
            self._server = await asyncio.start_server(self._serve, self.host, 0, limit=MAX_HEAD_BYTES)
            self._port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        server, self._server = self._server, None
        if server is not None:
            server.close()
            await server.wait_closed()

    def url(self, name: str) -> str:
        """Where `name` is served (the server must be running)."""
        return f"http://{self.host}:{self._port}/firmware/{quote(name)}"

    async def _serve(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            async with asyncio.timeout(REQUEST_TIMEOUT_S):
                head = await reader.readuntil(b"\r\n\r\n")
        except (TimeoutError, asyncio.IncompleteReadError, asyncio.LimitOverrunError, ConnectionError):
            writer.close()
            return
        status, body, send_body = self._answer(head.split(b"\r\n", 1)[0].decode("latin-1"))
        header = (
            f"HTTP/1.1 {status.value} {status.phrase}\r\nContent-Type: application/octet-stream\r\n"
            f"Content-Length: {len(body)}\r\nConnection: close\r\n\r\n"
        )
        with contextlib.suppress(ConnectionError):
            writer.write(header.encode("latin-1") + (body if send_body else b""))
            await writer.drain()
        writer.close()
        with contextlib.suppress(ConnectionError):
            await writer.wait_closed()

    def _answer(self, request_line: str) -> tuple[HTTPStatus, bytes, bool]:
        parts = request_line.split(" ")
        if len(parts) != 3:
            return HTTPStatus.BAD_REQUEST, b"not an HTTP request\n", True
        method, target = parts[0].upper(), parts[1]
        if method not in ("GET", "HEAD"):
            return HTTPStatus.METHOD_NOT_ALLOWED, b"files are fetched with GET\n", True
        segments = [unquote(s) for s in urlsplit(target).path.split("/") if s]
        content = self.files.get(segments[1]) if len(segments) == 2 and segments[0] == "firmware" else None
        if content is None:
            return HTTPStatus.NOT_FOUND, b"no such file\n", method == "GET"
        return HTTPStatus.OK, content, method == "GET"
