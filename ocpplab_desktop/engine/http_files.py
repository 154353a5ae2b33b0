"""The station's file transfers: an HTTP GET of a firmware image, an HTTP PUT of a log file.

Each runs urllib in a worker thread (`asyncio.to_thread`), so a slow or dead server never holds up
the event loop that every station shares. urllib also speaks ftp:// for downloads; uploads are
HTTP(S) only. Loopback addresses bypass any proxy set in the environment.
"""

from __future__ import annotations

import asyncio
import ipaddress
import urllib.error
import urllib.request
from urllib.parse import urlsplit

TIMEOUT_S = 20.0
"""Real seconds a transfer may take before it counts as failed (a dead server, not a slow one)."""
MAX_IMAGE_BYTES = 256 * 2**20


class TransferFailed(Exception):
    """A transfer did not complete; `status` is the HTTP status when the server answered one."""

    def __init__(self, message: str, status: int | None = None) -> None:
        super().__init__(message)
        self.status = status


def _opener(url: str) -> urllib.request.OpenerDirector:
    host = urlsplit(url).hostname or ""
    try:
        loopback = host == "localhost" or ipaddress.ip_address(host).is_loopback
    except ValueError:
        loopback = False
    return urllib.request.build_opener(urllib.request.ProxyHandler({})) if loopback else urllib.request.build_opener()


def _fetch(url: str) -> bytes:
    try:
        with _opener(url).open(url, timeout=TIMEOUT_S) as response:
            data: bytes = response.read(MAX_IMAGE_BYTES + 1)
    except urllib.error.HTTPError as exc:
        exc.close()  # the error holds the response and its socket
        raise TransferFailed(f"GET {url}: HTTP {exc.code} {exc.reason}", exc.code) from None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise TransferFailed(f"GET {url}: {getattr(exc, 'reason', exc)}") from None
    if len(data) > MAX_IMAGE_BYTES:
        raise TransferFailed(f"GET {url}: the image is larger than {MAX_IMAGE_BYTES // 2**20} MiB")
    return data


def _put(url: str, content: bytes, content_type: str) -> int:
    request = urllib.request.Request(url, data=content, method="PUT", headers={"Content-Type": content_type})
    try:
        with _opener(url).open(request, timeout=TIMEOUT_S) as response:
            status: int = response.status
    except urllib.error.HTTPError as exc:
        exc.close()
        raise TransferFailed(f"PUT {url}: HTTP {exc.code} {exc.reason}", exc.code) from None
    except (urllib.error.URLError, OSError, ValueError) as exc:
        raise TransferFailed(f"PUT {url}: {getattr(exc, 'reason', exc)}") from None
    return status


async def download(url: str) -> bytes:
    """The file at `url`; TransferFailed if it cannot be had."""
    return await asyncio.to_thread(_fetch, url)


async def upload(url: str, content: bytes, content_type: str = "application/x-ndjson") -> int:
    """PUT `content` to `url`; the HTTP status (2xx). TransferFailed if the server refused or was not there."""
    return await asyncio.to_thread(_put, url, content, content_type)
