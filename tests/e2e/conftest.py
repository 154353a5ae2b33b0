"""The lab most end-to-end tests share; a test file that needs another defines its own `lab`."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from labs import started_lab

from ocpplab_desktop.engine.lab import Lab


@pytest.fixture
async def lab(tmp_path: Path) -> AsyncIterator[Lab]:
    """A lab with the embedded mock CSMS on a free port at x100, stored in a file; `lab.seen` holds
    every event of its bus in order."""
    async with started_lab(tmp_path / "lab.db") as lab:
        yield lab
