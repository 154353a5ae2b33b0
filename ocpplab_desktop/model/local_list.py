"""The Local Authorization List: identifiers the CSMS sent the station, with their status and a version.

1.6 sections 3.5.3 and 5.15 (SendLocalList), 5.10 (GetLocalListVersion); 2.0.1 D01-D04. The CSMS
sends the whole list (Full) or the changes to it (Differential), each time with the version the list
has afterwards. Pure data: the dialects turn requests into `update` calls, the authorizer asks
`lookup` before the cache (the list takes precedence over the cache: 1.6 section 3.5, 2.0.1 C14).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from ocpplab_desktop.model.auth_cache import EXPIRED, TokenInfo


class ListUpdate(StrEnum):
    """The answer to a SendLocalList (1.6 UpdateStatus; 2.0.1 SendLocalListStatusEnumType has no NotSupported)."""

    ACCEPTED = "Accepted"
    FAILED = "Failed"
    NOT_SUPPORTED = "NotSupported"
    VERSION_MISMATCH = "VersionMismatch"


@dataclass(frozen=True)
class Outcome:
    status: ListUpdate
    detail: str = ""


Entry = tuple[str, TokenInfo | None]
"""One item of an update: the identifier and what it says of it; None (a Differential update): remove it."""


class LocalList:
    """The station's list: identifier -> TokenInfo (status, expiry, parent/group), and its version."""

    def __init__(self) -> None:
        self.version = 0
        """0: no list, or an empty one (1.6 section 5.10, 2.0.1 D02.FR.02)."""
        self._entries: dict[str, TokenInfo] = {}

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, token: object) -> bool:
        return token in self._entries

    def entries(self) -> Mapping[str, TokenInfo]:
        return dict(self._entries)

    def lookup(self, token: str, now: datetime) -> TokenInfo | None:
        """What the list says of `token`, Expired once its expiry has passed; None if it is not listed."""
        info = self._entries.get(token)
        if info is None:
            return None
        if info.expiry is not None and info.expiry <= now:
            return TokenInfo(EXPIRED, info.expiry, info.group)
        return info

    def update(self, full: bool, version: int, items: Iterable[Entry], max_entries: int) -> Outcome:
        """Apply a SendLocalList; the list is left as it was unless the outcome is Accepted."""
        items = list(items)
        tokens = [token for token, _ in items]
        if len(set(tokens)) != len(tokens):
            # 1.6 section 5.15, 2.0.1 D01.FR.06: every identifier of an update is unique.
            return Outcome(ListUpdate.FAILED, "an identifier is listed twice")
        if version <= 0:
            # 2.0.1 D01.FR.18: the version is greater than 0 (0 stands for "no list" in both versions).
            return Outcome(ListUpdate.FAILED, f"version {version}: a list version is greater than 0")
        if full:
            # An empty Full update removes every identifier (1.6 section 5.15, 2.0.1 D01).
            entries = {token: info for token, info in items if info is not None}
        else:
            if version <= self.version:
                # A Differential update takes the list to a newer version (1.6 test case TC_043_2, 2.0.1 D01).
                return Outcome(
                    ListUpdate.VERSION_MISMATCH, f"version {version} is not newer than the list's {self.version}"
                )
            entries = dict(self._entries)
            for token, info in items:
                if info is None:
                    entries.pop(token, None)  # no idTagInfo / idTokenInfo in a Differential update: remove it
                else:
                    entries[token] = info
        if len(entries) > max_entries:
            # 1.6 LocalAuthListMaxLength, 2.0.1 LocalAuthListCtrlr.Entries maxLimit: the list cannot hold it.
            return Outcome(ListUpdate.FAILED, f"{len(entries)} identifiers; the list holds at most {max_entries}")
        self._entries = entries
        self.version = version
        return Outcome(ListUpdate.ACCEPTED)

    # --- kept with the workspace -------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "entries": [
                {
                    "id_token": token,
                    "status": info.status,
                    "expiry": None if info.expiry is None else info.expiry.isoformat(),
                    "group": info.group,
                }
                for token, info in self._entries.items()
            ],
        }

    def restore(self, version: int, entries: Iterable[tuple[str, TokenInfo]]) -> None:
        """Bring back a list saved before a restart, as it was."""
        self.version = version
        self._entries = dict(entries)
