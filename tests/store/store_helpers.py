"""Helpers for the store tests that are not fixtures."""

from __future__ import annotations


class FakeClock:
    """A wall clock the test sets by hand (`clock.now += 1.0`), for the recorder's `clock`."""

    def __init__(self, now: float = 1_700_000_000.0) -> None:
        self.now = now

    def __call__(self) -> float:
        return self.now
