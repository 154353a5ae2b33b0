"""Firmware publishing by a Local Controller (2.0.1 part 2 L03/L04), as the station models it.

A CSMS asks a Local Controller to download a firmware file and make it available to the stations
behind it (PublishFirmware, with the file's MD5 checksum); the controller reports each stage
(PublishFirmwareStatusNotification) and, once Published, the URIs where it serves the file. Later
the CSMS can withdraw it by its checksum (UnpublishFirmware).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import unquote, urlsplit

from ocpplab_desktop.model.file_transfers import DEFAULT_RETRIES, DEFAULT_RETRY_INTERVAL_S, safe_name


class PublishStage(StrEnum):
    """Where a publication is (2.0.1 PublishFirmwareStatusEnumType names)."""

    IDLE = "Idle"
    DOWNLOADING = "Downloading"
    DOWNLOADED = "Downloaded"
    DOWNLOAD_FAILED = "DownloadFailed"
    CHECKSUM_VERIFIED = "ChecksumVerified"
    INVALID_CHECKSUM = "InvalidChecksum"
    PUBLISHED = "Published"
    PUBLISH_FAILED = "PublishFailed"


class UnpublishOutcome(StrEnum):
    """2.0.1 UnpublishFirmwareStatusEnumType."""

    DOWNLOAD_ONGOING = "DownloadOngoing"
    NO_FIRMWARE = "NoFirmware"
    UNPUBLISHED = "Unpublished"


@dataclass(frozen=True)
class PublishRequest:
    """A PublishFirmware as the station acts on it."""

    location: str
    checksum: str
    request_id: int
    retries: int = DEFAULT_RETRIES
    retry_interval_s: float = DEFAULT_RETRY_INTERVAL_S


def md5_hex(content: bytes) -> str:
    """The checksum PublishFirmware carries: the MD5 of the file, 32 hex digits."""
    return hashlib.md5(content, usedforsecurity=False).hexdigest()


def same_checksum(a: str, b: str) -> bool:
    """Hex digits compare without regard to case."""
    return a.strip().lower() == b.strip().lower()


def published_name(location: str, checksum: str) -> str:
    """The name a published file is served under: the file name of its location (safe in a URL),
    prefixed by its checksum so that two files of one name never collide."""
    name = unquote(urlsplit(location).path.rsplit("/", 1)[-1])
    return f"{checksum.lower()}-{safe_name(name)}" if name else f"{checksum.lower()}.bin"
