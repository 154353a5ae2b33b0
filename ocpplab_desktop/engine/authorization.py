"""Authorization: decides whether a token may start a session, from the local list, the cache or the CSMS.

The order is the specification's (1.6 sections 3.5.1-3.5.4, 2.0.1 C10-C15 and D01): the Local
Authorization List takes precedence over the cache; with local pre-authorize a token the list or
the cache says is Accepted starts without asking; otherwise the CSMS is asked; when it cannot be
reached the list or the cache answers if LocalAuthorizeOffline, and an unknown token is let in
only if AllowOfflineTxForUnknownId / OfflineTxForUnknownIdEnabled. Every IdTagInfo / IdTokenInfo
the CSMS sends, in any answer, updates the cache.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

from ocpplab_desktop.model.auth_cache import AuthCache, AuthSettings, TokenInfo
from ocpplab_desktop.model.local_list import LocalList
from ocpplab_desktop.protocol.errors import CallErrorReceived, CallTimeout, InvalidResponse, NotConnected

OFFLINE = "Offline"
"""The status of a token the station could neither ask the CSMS about nor authorize locally."""

Note = Callable[..., None]
LIST, CACHE = "list", "cache"  # where a token's status came from, in the notes


class Authorizer:
    """The station's Local Authorization List and authorization cache, and the rules for using them."""

    def __init__(
        self,
        *,
        settings: Callable[[], AuthSettings],
        ask_csms: Callable[[str], Awaitable[TokenInfo]],
        accepted: str,
        now: Callable[[], datetime],
        note: Note,
    ) -> None:
        self._settings = settings
        self._ask_csms = ask_csms
        self.accepted = accepted
        self._now = now
        self._note = note
        self.cache = AuthCache()
        """Tokens the CSMS answered for; it survives reconnects and reboots, as a real cache would."""
        self.local_list = LocalList()
        """The list the CSMS sent (SendLocalList); kept with the workspace, so it survives a restart of the lab."""
        self._groups: dict[str, str] = {}
        """The parent / group the CSMS last named for a token, cache or not (for reservations)."""

    def _local(self, token: str, settings: AuthSettings) -> tuple[str | None, str]:
        """(status, source) of what the station knows of `token` itself: the list first, then the cache."""
        if settings.list_enabled:
            listed = self.local_list.lookup(token, self._now())
            if listed is not None:
                return listed.status, LIST
        if settings.cache_enabled:
            return self.cache.lookup(token, self._now()), CACHE
        return None, CACHE

    async def authorize(self, token: str) -> str:
        """The token's status: from the list or cache where the settings let them answer, else the CSMS's."""
        settings = self._settings()
        known, source = self._local(token, settings)
        if settings.pre_authorize and known == self.accepted:
            # 1.6 section 3.5.1, 2.0.1 C12/C13: local pre-authorize, no Authorize for a token known as Accepted.
            where = "Local Authorization List" if source == LIST else "authorization cache"
            self._note("authorize", f"token {token} Accepted from the {where}", token=token, source=source)
            return self.accepted
        try:
            info = await self._ask_csms(token)
        except NotConnected:
            return self._offline(token, known, source, settings)
        except (CallTimeout, CallErrorReceived, InvalidResponse) as exc:
            # No usable answer (lost on the way, a CALLERROR): decide as when offline, and say why.
            self._note("authorize", f"Authorize for {token} got no usable answer ({exc})", token=token)
            return self._offline(token, known, source, settings)
        self.remember(token, info)
        return info.status

    def _offline(self, token: str, known: str | None, source: str, settings: AuthSettings) -> str:
        """1.6 sections 3.5.1-3.5.4, 2.0.1 C14/C15: offline, a token in the list or cache is taken as they say
        if LocalAuthorizeOffline (the list first: a Blocked entry wins over an Accepted cache entry); an
        unknown one only if AllowOfflineTxForUnknownId / OfflineTxForUnknownIdEnabled."""
        if known is not None:
            status = known if settings.authorize_offline else OFFLINE
        else:
            status = self.accepted if settings.offline_unknown_allowed else OFFLINE
            source = "unknown"
        self._note(
            "authorize", f"offline: token {token} {status} ({source})", token=token, source=source, status=status
        )
        return status

    def remember(self, token: str | None, info: TokenInfo | None) -> None:
        """Every IdTagInfo / IdTokenInfo updates the cache (1.6 section 3.5.1, 2.0.1 C10.FR.01)."""
        if not token or info is None:
            return
        if info.group is not None:
            self._groups[token] = info.group
        settings = self._settings()
        if settings.cache_enabled:
            self.cache.remember(token, info, self._now(), settings.lifetime_s)

    def group_of(self, token: str) -> str | None:
        """The token's parent id tag (1.6) / group id token (2.0.1), as the list, the cache or the CSMS named it."""
        listed = self.local_list.lookup(token, self._now()) if self._settings().list_enabled else None
        if listed is not None and listed.group is not None:
            return listed.group
        return self.cache.group(token) or self._groups.get(token)

    def clear(self) -> bool:
        """ClearCache: False when the cache is disabled (1.6 section 5.4, 2.0.1 C11.FR.04). The list stays."""
        if not self._settings().cache_enabled:
            return False
        self._note("auth_cache", f"authorization cache cleared ({len(self.cache)} entries)")
        self.cache.clear()
        return True

    @property
    def remote_start_needs_authorize(self) -> bool:
        """1.6 AuthorizeRemoteTxRequests, 2.0.1 AuthCtrlr.AuthorizeRemoteStart."""
        return self._settings().authorize_remote_start
