"""The saved workspace in the session database: one row of the `workspace` table per name.

The document is JSON that the engine writes (engine/workspace.py); this module only keeps it.
It has a connection of its own on the same file (WAL lets it sit beside the store's and the
recorder's), so saving the workspace never waits for, or holds up, a recording batch. The
document is ASCII (`json.dumps` escapes the rest), so no text needs store/text.py's escaping.
"""

from __future__ import annotations

import sqlite3
import time
from pathlib import Path

from sqlite_utils import Database

from ocpplab_desktop.store.errors import StoreError
from ocpplab_desktop.store.rows import iso_utc
from ocpplab_desktop.store.schema import WORKSPACE, migrate

CURRENT = "current"
"""The workspace the window restores at start and saves as it changes."""


class WorkspaceTable:
    """Read and write the workspace documents of one session database."""

    def __init__(self, path: Path | str, *, timeout: float = 5.0) -> None:
        self.path = Path(path)
        try:
            self._db = Database(sqlite3.connect(self.path, timeout=timeout))
            migrate(self._db)
        except sqlite3.Error as exc:
            raise StoreError(f"cannot open the workspace in {self.path}: {exc}") from exc

    def load(self, name: str = CURRENT) -> str | None:
        """The document saved under `name`, or None if there is none."""
        try:
            row = self._db.execute(f"SELECT document FROM {WORKSPACE.name} WHERE name = ?", [name]).fetchone()
        except sqlite3.Error as exc:
            raise StoreError(f"cannot read the workspace from {self.path}: {exc}") from exc
        return None if row is None else str(row[0])

    def save(self, document: str, name: str = CURRENT) -> None:
        """Keep `document` under `name`, replacing what was there; committed when this returns."""
        row = {"name": name, "document": document, "saved_at": iso_utc(time.time())}
        try:
            with self._db.conn:
                self._db.table(WORKSPACE.name).insert(row, replace=True)
        except sqlite3.Error as exc:
            raise StoreError(
                f"cannot save the workspace to {self.path}: {exc}; check free disk space and that the file is writable"
            ) from exc

    def close(self) -> None:
        self._db.close()
