"""The station's authorization cache and the settings that decide when it answers for the CSMS.

Both versions keep the identifiers the CSMS answered for, with their status, and use them to
start a session without asking (local pre-authorize) or while offline (1.6 section 3.5.1,
3.5.4; 2.0.1 C10, C12, C15). Pure data: the engine feeds it every IdTagInfo / IdTokenInfo it
receives and asks it before and instead of an Authorize.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

ACCEPTED = "Accepted"
EXPIRED = "Expired"


@dataclass(frozen=True)
class TokenInfo:
    """What the CSMS said of a token: 1.6 IdTagInfo, 2.0.1 IdTokenInfo (status and expiry only)."""

    status: str
    expiry: datetime | None = None
    group: str | None = None
    """1.6 parentIdTag, 2.0.1 groupIdToken: who else may use what this token reserved (1.6 5.13, 2.0.1 H01)."""


@dataclass(frozen=True)
class AuthSettings:
    """The authorization switches of a station, read from its keys or device model when needed."""

    cache_enabled: bool
    """1.6 AuthorizationCacheEnabled, 2.0.1 AuthCacheCtrlr.Enabled."""
    pre_authorize: bool
    """1.6 LocalPreAuthorize, 2.0.1 AuthCtrlr.LocalPreAuthorize: a cached Accepted token starts at once."""
    authorize_offline: bool
    """1.6 LocalAuthorizeOffline, 2.0.1 AuthCtrlr.LocalAuthorizeOffline: the cache answers while offline."""
    offline_unknown_allowed: bool
    """1.6 AllowOfflineTxForUnknownId, 2.0.1 AuthCtrlr.OfflineTxForUnknownIdEnabled."""
    authorize_remote_start: bool
    """1.6 AuthorizeRemoteTxRequests, 2.0.1 AuthCtrlr.AuthorizeRemoteStart."""
    lifetime_s: int | None = None
    """2.0.1 AuthCacheCtrlr.LifeTime: how long an entry without its own expiry stays valid."""
    list_enabled: bool = False
    """1.6 LocalAuthListEnabled, 2.0.1 LocalAuthListCtrlr.Enabled: the Local Authorization List is used."""


class AuthCache:
    """Token -> the last TokenInfo the CSMS gave for it, with the time it stops being valid."""

    def __init__(self) -> None:
        self._entries: dict[str, TokenInfo] = {}

    def __len__(self) -> int:
        return len(self._entries)

    def __contains__(self, token: object) -> bool:
        return token in self._entries

    def remember(self, token: str, info: TokenInfo, now: datetime, lifetime_s: int | None = None) -> None:
        """Store the newest status for `token` (1.6 3.5.1, 2.0.1 C10.FR.01: every answer updates it)."""
        expiry = info.expiry
        if expiry is None and lifetime_s:
            expiry = now + timedelta(seconds=lifetime_s)
        self._entries[token] = TokenInfo(info.status, expiry, info.group)

    def lookup(self, token: str, now: datetime) -> str | None:
        """The cached status, Expired once its expiry has passed (1.6 3.5.1); None if unknown."""
        entry = self._entries.get(token)
        if entry is None:
            return None
        if entry.expiry is not None and entry.expiry <= now:
            return EXPIRED
        return entry.status

    def group(self, token: str) -> str | None:
        """The parent / group the CSMS last named for `token`, if it is cached."""
        entry = self._entries.get(token)
        return None if entry is None else entry.group

    def clear(self) -> None:
        self._entries.clear()

    def forget(self, token: str) -> TokenInfo | None:
        """Remove one token's entry (2.0.1 N10: clear a customer's data); what it was, if cached."""
        return self._entries.pop(token, None)

    def entry(self, token: str) -> TokenInfo | None:
        return self._entries.get(token)
