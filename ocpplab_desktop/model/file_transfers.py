"""Firmware updates and log uploads as the station models them: stages, requests and naming rules.

Both versions walk the same stages; each dialect says a stage in its own words (and leaves out
the stages its version has no status for). The stages carry the 2.0.1 names (part 2, L01 and
N01), which 1.6 shares where it has the status at all (1.6 sections 7.25 and 7.24).

The firmware version a downloaded image installs is read from the image, by one rule:
1. an image whose first line is ``ocpplab-firmware <version>`` installs that version (what the
   mock CSMS serves);
2. else the file name of the location holds it: the first dotted number in the last path
   segment, with an optional ``-suffix`` (``ocpplab-fw-5.2.0.bin`` installs 5.2.0,
   ``fw_2.1-rc1.img`` installs 2.1-rc1);
3. else the image is known by its digest: ``fw-`` and the first 8 hex digits of its SHA-256.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from enum import StrEnum
from urllib.parse import quote, unquote, urlsplit

FIRMWARE_HEADER = b"ocpplab-firmware "
VERSION_MAX = 50  # BootNotification firmwareVersion: at most 50 characters in both versions
_VERSION_IN_NAME = re.compile(r"\d+(?:\.\d+)+(?:-[0-9A-Za-z]+)?")
_SAFE = re.compile(r"[^A-Za-z0-9._-]+")

DEFAULT_RETRIES = 2
"""Retries after the first attempt when the CSMS leaves `retries` out (1.6 5.9/5.16, 2.0.1 L01/N01:
"left to the Charging Station")."""
DEFAULT_RETRY_INTERVAL_S = 30


class FirmwareStage(StrEnum):
    """Where a firmware update is (2.0.1 FirmwareStatusEnumType names)."""

    IDLE = "Idle"
    DOWNLOADING = "Downloading"
    DOWNLOADED = "Downloaded"
    DOWNLOAD_FAILED = "DownloadFailed"
    SIGNATURE_VERIFIED = "SignatureVerified"
    INVALID_SIGNATURE = "InvalidSignature"
    INSTALL_SCHEDULED = "InstallScheduled"
    INSTALLING = "Installing"
    INSTALL_REBOOTING = "InstallRebooting"
    INSTALLED = "Installed"
    INSTALLATION_FAILED = "InstallationFailed"


class LogStage(StrEnum):
    """Where a diagnostics/log upload is. FAILED, DENIED and UNSUPPORTED are the ways it can end badly:
    the server could not be reached or answered an error, refused the credentials (HTTP 401/403), or
    does not take uploads there (HTTP 405/501); 2.0.1 tells them apart, 1.6 says UploadFailed."""

    IDLE = "Idle"
    UPLOADING = "Uploading"
    UPLOADED = "Uploaded"
    FAILED = "UploadFailure"
    DENIED = "PermissionDenied"
    UNSUPPORTED = "NotSupportedOperation"


class FirmwareFailure(StrEnum):
    """A failure chosen for the next firmware updates of a station: the stage that goes wrong."""

    DOWNLOAD = "download"
    SIGNATURE = "signature"
    INSTALL = "install"


@dataclass(frozen=True)
class FirmwareRequest:
    """An UpdateFirmware as the station acts on it; times are UTC seconds on the station's clock."""

    location: str
    retrieve_at: float
    retries: int = DEFAULT_RETRIES
    retry_interval_s: float = DEFAULT_RETRY_INTERVAL_S
    request_id: int | None = None  # 2.0.1
    install_at: float | None = None  # 2.0.1 installDateTime
    signed: bool = False  # 2.0.1 L01: a signature to check before installing


@dataclass(frozen=True)
class LogRequest:
    """A GetDiagnostics (1.6) or GetLog (2.0.1) as the station acts on it."""

    location: str
    kind: str  # "Diagnostics" (1.6), "DiagnosticsLog" or "SecurityLog" (2.0.1 LogEnumType)
    retries: int = DEFAULT_RETRIES
    retry_interval_s: float = DEFAULT_RETRY_INTERVAL_S
    request_id: int | None = None  # 2.0.1

    @property
    def security_only(self) -> bool:
        return self.kind == "SecurityLog"


def firmware_version_of(location: str, image: bytes) -> str:
    """The version an image installs (the rule is in the module's docstring)."""
    first_line = image.split(b"\n", 1)[0]
    if first_line.startswith(FIRMWARE_HEADER):
        named = first_line[len(FIRMWARE_HEADER) :].decode("utf-8", "replace").strip()
        if named:
            return named[:VERSION_MAX]
    name = unquote(urlsplit(location).path.rsplit("/", 1)[-1])
    found = _VERSION_IN_NAME.search(name)
    if found:
        return found.group(0)[:VERSION_MAX]
    return "fw-" + hashlib.sha256(image).hexdigest()[:8]


def firmware_image(version: str, size: int = 4096) -> bytes:
    """A firmware image that installs `version`: its header line, then filler up to `size` bytes."""
    header = FIRMWARE_HEADER + version.encode() + b"\n"
    return header + bytes(i % 251 for i in range(max(0, size - len(header))))


def next_version(current: str | None) -> str:
    """The version after `current`: its last number plus one (1.0.0 -> 1.0.1); 1.0.1 when there is none."""
    found = _VERSION_IN_NAME.search(current or "")
    if not found:
        return "1.0.1"
    numbers = found.group(0).split("-", 1)[0].split(".")
    numbers[-1] = str(int(numbers[-1]) + 1)
    return ".".join(numbers)


def log_file_name(station_id: str, kind: str, stamp: str) -> str:
    """The name of an uploaded log: station, kind and the station's time, safe in a URL and a file system.

    `stamp` is an ISO-8601 time; 1.6 fileName and 2.0.1 filename allow 255 characters."""
    compact = stamp.replace("-", "").replace(":", "").split(".")[0].rstrip("Z") + "Z"
    return f"{_SAFE.sub('_', station_id)[:180]}-{kind}-{compact}.jsonl"


def upload_target(location: str, file_name: str) -> str:
    """Where a log goes: a location ending in '/' is a directory (1.6 5.9: "the location (directory)"),
    so the file name is added; any other location is the target itself (a pre-signed URL, say)."""
    return location + quote(file_name) if location.endswith("/") else location


def safe_name(name: str) -> str:
    """A name with only letters, digits, dot, dash and underscore (never empty, never a path)."""
    cleaned = _SAFE.sub("_", name).strip(".")
    return cleaned or "unnamed"
