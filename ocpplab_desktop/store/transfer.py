"""A session out of the database as a JSON Lines trace and a trace into it (the line format is jsonl.py's).

`Store` inherits `TraceTransfer`, so `export_jsonl`, `import_jsonl` and `import_frames` stay
Store's methods while store.py keeps the database's own jobs. The class reaches the database only
through the few Store members it declares at its top: what an import or an export may touch is
written down in one place, and this module never imports store.py, which imports it.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator
from contextlib import AbstractContextManager
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO

from sqlite_utils import Database

from ocpplab_desktop.protocol.frame import Frame
from ocpplab_desktop.store.errors import ExportCancelled, StoreError
from ocpplab_desktop.store.jsonl import PROGRESS_EVERY, Progress, parse_line, reason, write_jsonl
from ocpplab_desktop.store.rows import frame_values, insert_sql, iso_utc
from ocpplab_desktop.store.schema import FRAMES, SESSIONS, STATIONS
from ocpplab_desktop.store.text import escape_row

# Rows per INSERT statement; sqlite-utils lowers it further to stay under SQLite's 999 variables.
INSERT_BATCH = 500
_INSERT_FRAME = insert_sql(FRAMES)


@dataclass(frozen=True, slots=True)
class BadLine:
    line: int  # 1-based
    reason: str


@dataclass(frozen=True, slots=True)
class ImportResult:
    session_id: int
    frames: int
    bad_lines: tuple[BadLine, ...]


class TraceTransfer:
    """Export and import of sessions as JSON Lines; a part of `Store`, not used on its own."""

    _db: Database

    if TYPE_CHECKING:  # what Store provides

        def frames(self, session_id: int, station_id: str | None = None) -> Iterator[Frame]: ...

        def _writing(self) -> AbstractContextManager[None]: ...

        def _new_import(self, name: str, meta: dict[str, Any]) -> int: ...

    def export_jsonl(self, session_id: int, out: TextIO | Path, progress: Progress | None = None) -> int:
        """Write the session's frames, one `Frame.to_record()` per line; returns how many.

        `progress(count)` is called every PROGRESS_EVERY frames and at the end; when it returns
        False the export stops with ExportCancelled, and a file it was writing is removed.
        """
        frames, every = self.frames(session_id), PROGRESS_EVERY
        if not isinstance(out, Path):
            return write_jsonl(frames, out, progress, every)
        try:
            with out.open("w", encoding="utf-8", newline="\n") as stream:
                return write_jsonl(frames, stream, progress, every)
        except ExportCancelled:
            out.unlink(missing_ok=True)
            raise
        except OSError as exc:
            raise StoreError(f"cannot write {out}: {exc.strerror}; choose another file") from exc

    def import_jsonl(self, path: Path | str, name: str | None = None) -> ImportResult:
        """Read an export into a new session (source "import"), named after the file by default.

        Lines that are not a frame are skipped and listed in the result; blank lines are
        ignored. The import is one transaction: if the file cannot be read to the end, or
        holds no frame at all, nothing is stored and StoreError says why.
        """
        path = Path(path)
        bad: list[BadLine] = []

        def empty() -> str:
            details = "; ".join(f"line {b.line}: {b.reason}" for b in bad[:3]) or "the file is empty"
            return f"{path} holds no frames ({details}); export a session to see the format"

        try:
            with path.open("rb") as stream:
                session_id, count = self._import(
                    name or path.stem,
                    {"imported_from": str(path)},
                    lambda session_id: _readable_lines(session_id, stream, bad),
                    empty,
                )
        except OSError as exc:
            raise StoreError(f"cannot read {path}: {exc.strerror or exc}") from exc
        return ImportResult(session_id, count, tuple(bad))

    def import_frames(self, frames: Iterable[Frame], name: str, meta: dict[str, Any]) -> tuple[int, int]:
        """Store `frames` as a new session (source "import"); returns (session id, frames stored).

        The session spans its first to its last frame. One transaction: when iterating `frames`
        raises (a cancelled import), or there is no frame, nothing is stored.
        """
        return self._import(
            name,
            meta,
            lambda session_id: ((frame, frame_values(session_id, frame)) for frame in frames),
            lambda: f"no frames to import into {name!r}",
        )

    def _import(
        self,
        name: str,
        meta: dict[str, Any],
        rows: Callable[[int], Iterable[tuple[Frame, list[Any]]]],
        empty: Callable[[], str],
    ) -> tuple[int, int]:
        """A new imported session of `rows(session_id)`, inserted in chunks; StoreError(empty()) if there are none."""
        with self._writing(), self._db.atomic():
            session_id = self._new_import(name, meta)
            chunk: list[list[Any]] = []
            count, stations, first, last = 0, set(), float("inf"), float("-inf")
            for frame, values in rows(session_id):
                chunk.append(values)
                count += 1
                stations.add(frame.station_id)
                first, last = min(first, frame.wall_time), max(last, frame.wall_time)
                if len(chunk) >= INSERT_BATCH:
                    self._db.conn.executemany(_INSERT_FRAME, chunk)
                    chunk.clear()
            self._db.conn.executemany(_INSERT_FRAME, chunk)
            if count == 0:
                raise StoreError(empty())
            self._db.table(STATIONS.name).insert_all(
                [escape_row({"session_id": session_id, "station_id": s}) for s in sorted(stations)],
                batch_size=INSERT_BATCH,
            )
            self._db.execute(
                f"UPDATE {SESSIONS.name} SET started_at = ?, ended_at = ? WHERE id = ?",
                [iso_utc(first), iso_utc(last), session_id],
            )
        return session_id, count


def _readable_lines(session_id: int, lines: Iterable[bytes], bad: list[BadLine]) -> Iterator[tuple[Frame, list[Any]]]:
    """The frames among the lines of an export, with their rows; what is not a frame goes to `bad`."""
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            frame = parse_line(line)
        except (ValueError, KeyError, TypeError) as exc:
            bad.append(BadLine(number, reason(exc)))
            continue
        try:
            values = frame_values(session_id, frame)
        except (ValueError, OverflowError, OSError):
            bad.append(BadLine(number, f"wall_time {frame.wall_time} is out of range for a Unix time"))
            continue
        except TypeError as exc:
            bad.append(BadLine(number, str(exc)))
            continue
        yield frame, values
