"""The store's timestamps, formatted once a second, read exactly as datetime's own ISO form would."""

from __future__ import annotations

from datetime import UTC, datetime

from hypothesis import given
from hypothesis import strategies as st

from ocpplab_desktop.store.rows import iso_utc


def reference(wall_time: float) -> str:
    return datetime.fromtimestamp(wall_time, UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


@given(st.floats(min_value=0, max_value=4_102_444_800, allow_nan=False))  # up to 2100
def test_iso_utc_is_what_datetime_writes(wall_time: float) -> None:
    assert iso_utc(wall_time) == reference(wall_time)


def test_the_edges_of_a_second_round_as_datetime_does() -> None:
    for wall_time in (0.0, 1.9995, 1.0005, 1.9999995, 1_750_000_000.9999995, 1_750_000_000.0004999):
        assert iso_utc(wall_time) == reference(wall_time), wall_time
    assert iso_utc(1_750_000_000.25) == "2025-06-15T15:06:40.250Z"
