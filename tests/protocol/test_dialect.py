"""Helpers the two dialects share, without a station."""

from __future__ import annotations

from datetime import UTC, datetime

from ocpplab_desktop.model.auth_cache import TokenInfo
from ocpplab_desktop.protocol.dialect import token_info


def test_a_token_expiry_without_a_zone_is_read_as_utc() -> None:
    info = token_info({"status": "Accepted", "expiryDate": "2026-11-24T13:00:00"}, "expiryDate")
    assert info == TokenInfo("Accepted", datetime(2026, 11, 24, 13, 0, tzinfo=UTC))
    zoned = {"status": "Accepted", "cacheExpiryDateTime": "2026-11-24T13:00:00Z"}
    assert token_info(zoned, "cacheExpiryDateTime") == info
