"""The lab most end-to-end tests run: the embedded mock CSMS on a free port, x100, stored in a file."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

from ocpplab_desktop.engine.lab import Lab


@asynccontextmanager
async def started_lab(db_path: Path) -> AsyncIterator[Lab]:
    """A started lab stored in `db_path`; `lab.seen` holds every event of its bus in order."""
    lab = Lab(db_path=db_path, csms_port=0, speed=100)
    lab.seen = []  # type: ignore[attr-defined]
    lab.bus.subscribe(lab.seen.append)  # type: ignore[attr-defined]
    await lab.start()
    try:
        yield lab
    finally:
        await lab.close()
