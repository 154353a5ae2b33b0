"""Reservations as data: what a ReserveNow is answered, who may start where, which connectors show Reserved."""

from __future__ import annotations

from ocpplab_desktop.model.config import OcppVersion
from ocpplab_desktop.model.connector import Connector, FaultInfo
from ocpplab_desktop.model.reservations import Reservation, ReservationBook, ReserveStatus
from ocpplab_desktop.model.templates import load_template

S = ReserveStatus


def connectors(template: str = "ac-dual-2x22kw") -> list[Connector]:
    config = load_template(template)
    return [
        Connector(OcppVersion.V201, evse_id, cc.id, n, cc) for n, (evse_id, cc) in enumerate(config.connectors(), 1)
    ]


def place(c: Connector) -> int:
    return c.evse_id


def book_with(*reservations: Reservation) -> ReservationBook:
    book = ReservationBook()
    book.by_id.update({r.id: r for r in reservations})
    return book


def test_a_place_is_answered_by_the_state_of_its_connectors() -> None:
    cs = connectors()
    book = ReservationBook()
    new = Reservation(1, "A", 0.0, 1)
    assert book.verdict(new, cs, place) is S.ACCEPTED
    cs[0].plugged = True
    assert book.verdict(new, cs, place) is S.OCCUPIED
    cs[0].fault = FaultInfo("GroundFailure")
    assert book.verdict(new, cs, place) is S.FAULTED
    cs[0].fault, cs[0].plugged, cs[0].inoperative = None, False, True
    assert book.verdict(new, cs, place) is S.UNAVAILABLE
    assert book.verdict(Reservation(1, "A", 0.0, 7), cs, place) is S.REJECTED


def test_a_reserved_place_is_occupied_for_another_reservation_but_not_for_the_same_id() -> None:
    cs = connectors()
    book = book_with(Reservation(1, "A", 0.0, 1))
    assert book.verdict(Reservation(2, "B", 0.0, 1), cs, place) is S.OCCUPIED
    assert book.verdict(Reservation(1, "A", 0.0, 1), cs, place) is S.ACCEPTED


def test_unspecified_reservations_are_taken_while_a_free_place_is_left_for_each() -> None:
    cs = connectors()
    book = book_with(Reservation(1, "A", 0.0, None))
    assert book.verdict(Reservation(2, "B", 0.0, None), cs, place) is S.ACCEPTED
    book.by_id[2] = Reservation(2, "B", 0.0, None)
    assert book.verdict(Reservation(3, "C", 0.0, None), cs, place) is S.OCCUPIED
    wrong_type = Reservation(4, "D", 0.0, None, connector_type="cCCS2")
    assert ReservationBook().verdict(wrong_type, cs, place) is S.REJECTED


def test_only_the_token_or_its_group_may_use_a_reserved_place() -> None:
    cs = connectors()
    book = book_with(Reservation(1, "A", 0.0, 1, group="FLEET"))
    assert book.admission(cs[0], "A", None, cs, place)[0] is not None
    assert book.admission(cs[0], "MEMBER", "FLEET", cs, place)[0] is not None
    match, refusal = book.admission(cs[0], "OTHER", "ELSEWHERE", cs, place)
    assert match is None and refusal is not None and "reservation 1" in refusal
    assert book.admission(cs[1], "OTHER", None, cs, place) == (None, None), "the other EVSE is free"


def test_an_unspecified_reservation_keeps_the_last_free_place_and_shows_it_reserved() -> None:
    cs = connectors()
    book = book_with(Reservation(9, "A", 0.0, None))
    assert book.marks(cs, place) == {}, "two free places for one reservation: none shown Reserved"
    assert book.admission(cs[0], "OTHER", None, cs, place) == (None, None)
    cs[0].plugged = True
    assert book.marks(cs, place) == {id(cs[1]): "A"}
    match, refusal = book.admission(cs[1], "OTHER", None, cs, place)
    assert match is None and refusal == "kept free for reservation 9"
    assert book.admission(cs[1], "A", None, cs, place)[0] == Reservation(9, "A", 0.0, None)
