"""What can go wrong with the session database, each saying what to do about it."""

from __future__ import annotations


class StoreError(Exception):
    """The session database could not be opened, read or written; the message says why."""


class UnknownSessionError(StoreError):
    """No session with the given id."""

    def __init__(self, session_id: int) -> None:
        super().__init__(f"no session with id {session_id}; list the sessions to see which ids exist")
        self.session_id = session_id


class SchemaTooNewError(StoreError):
    """The database was written by a newer OCPPLab than this one."""


class ExportCancelled(StoreError):
    """The user stopped an export; the partial file was removed."""
