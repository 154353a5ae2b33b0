"""The authorization cache without a station: what it remembers, when an entry expires."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from ocpplab_desktop.model.auth_cache import EXPIRED, AuthCache, TokenInfo

NOW = datetime(2026, 11, 24, 12, 0, tzinfo=UTC)


def test_an_unknown_token_has_no_cached_status() -> None:
    assert AuthCache().lookup("TAG", NOW) is None


def test_the_newest_answer_replaces_the_cached_status() -> None:
    cache = AuthCache()
    cache.remember("TAG", TokenInfo("Accepted"), NOW)
    cache.remember("TAG", TokenInfo("Blocked"), NOW)
    assert cache.lookup("TAG", NOW) == "Blocked"
    assert len(cache) == 1


def test_an_entry_past_its_expiry_reads_expired() -> None:
    cache = AuthCache()
    cache.remember("TAG", TokenInfo("Accepted", expiry=NOW + timedelta(hours=1)), NOW)
    assert cache.lookup("TAG", NOW + timedelta(minutes=59)) == "Accepted"
    assert cache.lookup("TAG", NOW + timedelta(hours=1)) == EXPIRED


def test_an_entry_without_expiry_lives_for_the_cache_lifetime() -> None:
    cache = AuthCache()
    cache.remember("TAG", TokenInfo("Accepted"), NOW, lifetime_s=600)
    cache.remember("FOREVER", TokenInfo("Accepted"), NOW)
    later = NOW + timedelta(seconds=600)
    assert cache.lookup("TAG", later) == EXPIRED
    assert cache.lookup("FOREVER", later + timedelta(days=365)) == "Accepted"


def test_clear_forgets_every_token() -> None:
    cache = AuthCache()
    cache.remember("A", TokenInfo("Accepted"), NOW)
    cache.remember("B", TokenInfo("Invalid"), NOW)
    cache.clear()
    assert len(cache) == 0 and "A" not in cache
