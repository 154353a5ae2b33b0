"""OCPP timestamps as the station's clock counts: UTC seconds."""

from __future__ import annotations

from datetime import UTC, datetime


def utc_seconds(text: str) -> float:
    """An OCPP dateTime as UTC seconds; a time without a zone is UTC (1.6 section 3.4, 2.0.1 part 2 2.1.1)."""
    moment = datetime.fromisoformat(text)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.timestamp()
