"""Authorization: decides whether a token may start a session, from the cache or the CSMS.

The order is the specification's (1.6 sections 3.5.1 and 3.5.4, 2.0.1 C10-C15): with local
pre-authorize a cached Accepted token starts without asking; otherwise the CSMS is asked;
when it cannot be reached the cache answers if LocalAuthorizeOffline, and an unknown token is
let in only if AllowOfflineTxForUnknownId / OfflineTxForUnknownIdEnabled. Every IdTagInfo /
IdTokenInfo the CSMS sends, in any answer, updates the cache.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import datetime

from ocpplab_desktop.model.auth_cache import AuthCache, AuthSettings, TokenInfo
from ocpplab_desktop.protocol.errors import CallErrorReceived, CallTimeout, InvalidResponse, NotConnected

OFFLINE = "Offline"
"""The status of a token the station could neither ask the CSMS about nor authorize locally."""

Note = Callable[..., None]


class Authorizer:
    """The station's authorization cache and the rules for using it."""

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

    async def authorize(self, token: str) -> str:
        """The token's status: from the cache where the settings let it answer, else the CSMS's."""
        settings = self._settings()
        cached = self.cache.lookup(token, self._now()) if settings.cache_enabled else None
        if settings.pre_authorize and cached == self.accepted:
            # 1.6 section 3.5.1, 2.0.1 C12: local pre-authorize, no Authorize for a cached Accepted token.
            self._note("authorize", f"token {token} Accepted from the authorization cache", token=token, source="cache")
            return self.accepted
        try:
            info = await self._ask_csms(token)
        except NotConnected:
            return self._offline(token, cached, settings)
        except (CallTimeout, CallErrorReceived, InvalidResponse) as exc:
            # No usable answer (lost on the way, a CALLERROR): decide as when offline, and say why.
            self._note("authorize", f"Authorize for {token} got no usable answer ({exc})", token=token)
            return self._offline(token, cached, settings)
        self.remember(token, info)
        return info.status

    def _offline(self, token: str, cached: str | None, settings: AuthSettings) -> str:
        """1.6 sections 3.5.1 and 3.5.4, 2.0.1 C15: offline, a cached token is taken as the cache says
        if LocalAuthorizeOffline; an unknown one only if AllowOfflineTxForUnknownId /
        OfflineTxForUnknownIdEnabled."""
        if cached is not None:
            status = cached if settings.authorize_offline else OFFLINE
        else:
            status = self.accepted if settings.offline_unknown_allowed else OFFLINE
        source = "cache" if cached is not None else "unknown"
        self._note(
            "authorize", f"offline: token {token} {status} ({source})", token=token, source=source, status=status
        )
        return status

    def remember(self, token: str | None, info: TokenInfo | None) -> None:
        """Every IdTagInfo / IdTokenInfo updates the cache (1.6 section 3.5.1, 2.0.1 C10.FR.01)."""
        settings = self._settings()
        if token and info is not None and settings.cache_enabled:
            self.cache.remember(token, info, self._now(), settings.lifetime_s)

    def clear(self) -> bool:
        """ClearCache: False when the cache is disabled (1.6 section 5.4, 2.0.1 C11.FR.04)."""
        if not self._settings().cache_enabled:
            return False
        self._note("auth_cache", f"authorization cache cleared ({len(self.cache)} entries)")
        self.cache.clear()
        return True

    @property
    def remote_start_needs_authorize(self) -> bool:
        """1.6 AuthorizeRemoteTxRequests, 2.0.1 AuthorizeRemoteStart."""
        return self._settings().authorize_remote_start
