"""What the recorder tells the rest of the lab about its own health."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class RecordingStatus:
    """The recorder's state, published on the bus when it changes, and stored with the events.

    `failing` is True from the first batch that could not be written until one could again;
    `reason` says why (the error, with what to check), `held` how many events wait in memory
    for the next try. Nothing is dropped meanwhile: the held events are written, in order, once
    the obstacle is gone.
    """

    session_id: int
    failing: bool
    reason: str = ""
    held: int = 0
    mono_time: float = 0.0

    @property
    def detail(self) -> str:
        if self.failing:
            return f"recording is failing: {self.reason}; {self.held:,} events held in memory, retrying"
        return "recording works again: the held events are stored"
