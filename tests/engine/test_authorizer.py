"""The authorizer alone: the order of cache and CSMS (1.6 3.5.1/3.5.4, 2.0.1 C10-C15)."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from ocpplab_desktop.engine.authorization import OFFLINE, Authorizer
from ocpplab_desktop.model.auth_cache import AuthSettings, TokenInfo
from ocpplab_desktop.protocol.errors import NotConnected

NOW = datetime(2027, 1, 15, 8, 0, tzinfo=UTC)


class Csms:
    """Answers Authorize from a table, or is unreachable."""

    def __init__(self, statuses: dict[str, str]) -> None:
        self.statuses = statuses
        self.reachable = True
        self.asked: list[str] = []

    async def authorize(self, token: str) -> TokenInfo:
        self.asked.append(token)
        if not self.reachable:
            raise NotConnected("offline")
        return TokenInfo(self.statuses.get(token, "Invalid"))


def authorizer(csms: Csms, **settings: Any) -> tuple[Authorizer, list[str]]:
    values = {
        "cache_enabled": True,
        "pre_authorize": False,
        "authorize_offline": False,
        "offline_unknown_allowed": False,
        "authorize_remote_start": True,
    } | settings
    notes: list[str] = []
    auth = Authorizer(
        settings=lambda: AuthSettings(**values),
        ask_csms=csms.authorize,
        accepted="Accepted",
        now=lambda: NOW,
        note=lambda kind, detail, **_: notes.append(detail),
    )
    return auth, notes


async def test_online_the_csms_decides_and_its_answer_fills_the_cache() -> None:
    csms = Csms({"A": "Accepted", "B": "Blocked"})
    auth, _ = authorizer(csms)
    assert await auth.authorize("A") == "Accepted" and await auth.authorize("B") == "Blocked"
    assert auth.cache.lookup("A", NOW) == "Accepted" and auth.cache.lookup("B", NOW) == "Blocked"


async def test_local_pre_authorize_starts_a_cached_accepted_token_without_asking() -> None:
    csms = Csms({"A": "Accepted"})
    auth, notes = authorizer(csms, pre_authorize=True)
    await auth.authorize("A")
    assert await auth.authorize("A") == "Accepted"
    assert csms.asked == ["A"] and "from the authorization cache" in notes[-1]


async def test_offline_the_cache_answers_only_with_local_authorize_offline() -> None:
    csms = Csms({"A": "Accepted"})
    strict, _ = authorizer(csms)
    lenient, _ = authorizer(csms, authorize_offline=True)
    for auth in (strict, lenient):
        await auth.authorize("A")
    csms.reachable = False
    assert await strict.authorize("A") == OFFLINE
    assert await lenient.authorize("A") == "Accepted"


async def test_offline_an_unknown_token_needs_allow_offline_tx_for_unknown_id() -> None:
    csms = Csms({})
    csms.reachable = False
    refused, _ = authorizer(csms)
    allowed, _ = authorizer(csms, offline_unknown_allowed=True)
    assert await refused.authorize("NEW") == OFFLINE
    assert await allowed.authorize("NEW") == "Accepted"


async def test_clear_cache_is_rejected_when_the_cache_is_disabled() -> None:
    csms = Csms({"A": "Accepted"})
    enabled, _ = authorizer(csms)
    disabled, _ = authorizer(csms, cache_enabled=False)
    await enabled.authorize("A")
    await disabled.authorize("A")
    assert len(disabled.cache) == 0, "a disabled cache remembers nothing"
    assert enabled.clear() is True and len(enabled.cache) == 0
    assert disabled.clear() is False
