"""The Local Authorization List as data: versions, Full and Differential updates, refusals, expiry."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from ocpplab_desktop.model.auth_cache import TokenInfo
from ocpplab_desktop.model.local_list import ListUpdate, LocalList

NOW = datetime(2026, 12, 6, 12, 0, tzinfo=UTC)
OK, BLOCKED = TokenInfo("Accepted"), TokenInfo("Blocked")


def listed(lst: LocalList) -> dict[str, str]:
    return {token: info.status for token, info in lst.entries().items()}


def test_a_full_update_replaces_the_list_and_a_differential_one_changes_it() -> None:
    lst = LocalList()
    assert lst.version == 0 and len(lst) == 0
    assert lst.update(True, 3, [("A", OK), ("B", OK)], 10).status is ListUpdate.ACCEPTED
    assert lst.update(False, 4, [("B", None), ("C", BLOCKED)], 10).status is ListUpdate.ACCEPTED
    assert (lst.version, listed(lst)) == (4, {"A": "Accepted", "C": "Blocked"})
    assert lst.update(True, 5, [], 10).status is ListUpdate.ACCEPTED
    assert (lst.version, listed(lst)) == (5, {})


@pytest.mark.parametrize(
    ("full", "version", "items", "status"),
    [
        (False, 3, [("X", OK)], ListUpdate.VERSION_MISMATCH),  # not newer than 3
        (False, 2, [("X", OK)], ListUpdate.VERSION_MISMATCH),
        (True, 0, [("X", OK)], ListUpdate.FAILED),  # 0 stands for no list
        (True, 9, [("X", OK), ("X", BLOCKED)], ListUpdate.FAILED),  # an identifier twice
        (False, 9, [("N1", OK), ("N2", OK)], ListUpdate.FAILED),  # 3 entries, room for 2
    ],
)
def test_a_refused_update_leaves_the_list_as_it_was(
    full: bool, version: int, items: list[tuple[str, TokenInfo | None]], status: ListUpdate
) -> None:
    lst = LocalList()
    lst.update(True, 3, [("A", OK)], 2)
    assert lst.update(full, version, items, 2).status is status
    assert (lst.version, listed(lst)) == (3, {"A": "Accepted"})


def test_a_full_update_may_hold_as_many_entries_as_the_list_does_not_more() -> None:
    lst = LocalList()
    assert lst.update(True, 1, [(f"T{n}", OK) for n in range(3)], 3).status is ListUpdate.ACCEPTED
    assert lst.update(True, 2, [(f"T{n}", OK) for n in range(4)], 3).status is ListUpdate.FAILED


def test_an_entry_past_its_expiry_reads_expired_and_keeps_its_group() -> None:
    lst = LocalList()
    lst.update(True, 1, [("A", TokenInfo("Accepted", NOW + timedelta(hours=1), "FLEET"))], 10)
    assert lst.lookup("A", NOW) == TokenInfo("Accepted", NOW + timedelta(hours=1), "FLEET")
    later = lst.lookup("A", NOW + timedelta(hours=2))
    assert later is not None and (later.status, later.group) == ("Expired", "FLEET")
    assert lst.lookup("NOBODY", NOW) is None


def test_a_saved_list_is_restored_as_it_was() -> None:
    lst = LocalList()
    lst.update(True, 7, [("A", TokenInfo("Accepted", NOW, "G")), ("B", BLOCKED)], 10)
    again = LocalList()
    again.restore(lst.version, lst.entries().items())
    assert (again.version, again.entries()) == (7, lst.entries())
