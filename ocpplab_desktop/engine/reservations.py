"""The station's reservations part: ReserveNow and CancelReservation, expiry on the simulated clock, and
who may start where.

The rules are `model.reservations`; this part keeps one station's reservations, arms a timer at
each one's expiry (the station's own clock, clock faults included), shows reserved connectors
Reserved (`Connector.reserved_for`) and reports the change, and ends a reservation when the
transaction it was made for starts (1.6 section 5.13: its StartTransaction carries the
reservationId; 2.0.1 H03: the TransactionEvent does). What each version tells the CSMS when a
reservation ends otherwise (2.0.1 ReservationStatusUpdate Expired / Removed) is the dialect's.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from ocpplab_desktop.model.clock import Timer
from ocpplab_desktop.model.connector import Connector
from ocpplab_desktop.model.reservations import Reservation, ReservationBook, ReserveStatus

if TYPE_CHECKING:
    from ocpplab_desktop.engine.station import Station

EXPIRED, REMOVED = "Expired", "Removed"  # 2.0.1 ReservationUpdateStatusEnumType
_OUT_OF_SERVICE = ("Faulted", "Unavailable")  # the status's name in 1.6 and 2.0.1 alike


class Reservations:
    """The reservations of one station."""

    def __init__(self, station: Station, place_of: Callable[[Connector], int]) -> None:
        self.station = station
        self.place_of = place_of
        self.book = ReservationBook()
        self._timers: dict[int, Timer] = {}
        self._claims: dict[int, int] = {}  # id(connector) -> the reservation its authorized token uses

    def utc_now(self) -> float:
        return self.station.smart_charging.utc_now()

    # --- what the dialects ask -----------------------------------------------------------------
    def reserve(self, reservation: Reservation) -> ReserveStatus:
        """ReserveNow: keep `reservation` (replacing one with its id) if the connectors allow it."""
        if reservation.expiry <= self.utc_now():
            return ReserveStatus.REJECTED  # it would be over before it began
        status = self.book.verdict(reservation, self.station.connectors, self.place_of)
        if status is ReserveStatus.ACCEPTED:
            self._drop(reservation.id)
            self.book.by_id[reservation.id] = reservation
            self._timers[reservation.id] = self.station.clock.scheduler.call_later(
                reservation.expiry - self.utc_now(), lambda: self._expired(reservation.id)
            )
            where = "any connector" if reservation.place is None else f"{self.place_of_label(reservation.place)}"
            self.station.note(
                "reservation",
                f"reservation {reservation.id} for {reservation.token} on {where}",
                reservation_id=reservation.id,
            )
            self._refresh()
        return status

    def cancel(self, reservation_id: int) -> bool:
        """CancelReservation: True if there was such a reservation (1.6 section 5.2, 2.0.1 H02)."""
        if reservation_id not in self.book:
            return False
        self._drop(reservation_id)
        self.station.note("reservation", f"reservation {reservation_id} cancelled", reservation_id=reservation_id)
        self._refresh()
        return True

    def admit(self, c: Connector, token: str) -> str | None:
        """Why `token` may not start at `c` because of a reservation, or None; a reservation it may use is
        claimed, to end when its transaction starts."""
        group = self.station.authorizer.group_of(token)
        match, refusal = self.book.admission(c, token, group, self.station.connectors, self.place_of)
        if match is not None:
            self._claims[id(c)] = match.id
        return refusal

    def take(self, c: Connector) -> int | None:
        """The transaction at `c` starts: the id of the reservation it uses, which ends now (1.6 section 5.13,
        2.0.1 H03); None if it uses none."""
        reservation_id = self._claims.pop(id(c), None)
        if reservation_id is None or reservation_id not in self.book:
            return None
        self._drop(reservation_id)
        self.station.note("reservation", f"reservation {reservation_id} used", reservation_id=reservation_id)
        self._refresh()
        return reservation_id

    def holding(self, c: Connector) -> Reservation | None:
        """The reservation `c` shows Reserved for: its place's own, or an unspecified one keeping it free."""
        if c.reserved_for is None:
            return None
        own = self.book.at(self.place_of(c))
        if own:
            return own[0]
        unspecified = sorted((r for r in self.book.by_id.values() if r.place is None), key=lambda r: r.id)
        return next((r for r in unspecified if r.token == c.reserved_for and r.fits(c)), None)

    def place_of_label(self, place: int) -> str:
        c = next(c for c in self.station.connectors if self.place_of(c) == place)
        return self.station.dialect.connector_label(c)

    # --- ending ----------------------------------------------------------------------------------
    def _drop(self, reservation_id: int) -> None:
        self.book.by_id.pop(reservation_id, None)
        timer = self._timers.pop(reservation_id, None)
        if timer is not None:
            timer.cancel()
        self._claims = {k: v for k, v in self._claims.items() if v != reservation_id}

    def _expired(self, reservation_id: int) -> None:
        # 1.6 section 5.13 / 2.0.1 H01: at its expiry the reservation ends and the connector is free again.
        self._end(reservation_id, EXPIRED, "expired")

    def _end(self, reservation_id: int, status: str, why: str) -> None:
        self._drop(reservation_id)
        self.station.note("reservation", f"reservation {reservation_id} {why}", reservation_id=reservation_id)
        self.station.spawn_quiet(self.station.dialect.reservation_ended(reservation_id, status))
        self._refresh()

    def status_changed(self, c: Connector, status: str) -> None:
        """The station reported a new status of `c`.

        2.0.1 H01 (TC_H_20): a reserved EVSE that goes Faulted or Unavailable loses its reservation, and the
        CSMS is told (Removed). A 1.6 reservation stays: the connector goes back to Reserved (section 4.9, I7).
        """
        if not self.book:
            return
        if status in _OUT_OF_SERVICE and self.station.dialect.RESERVATION_ENDS_OUT_OF_SERVICE:
            for reservation in self.book.at(self.place_of(c)):
                self._end(reservation.id, REMOVED, f"removed: {self.station.dialect.connector_label(c)} is {status}")
        self._refresh()  # a connector taken or freed changes which ones an unspecified reservation keeps

    def _refresh(self) -> None:
        """Show each connector Reserved or not as the reservations now say, and report what changed."""
        if not self.book and not any(c.reserved_for is not None for c in self.station.connectors):
            return
        marks = self.book.marks(self.station.connectors, self.place_of)
        for c in self.station.connectors:
            holder = marks.get(id(c))
            if c.reserved_for != holder:
                c.reserved_for = holder
                self.station.spawn(self.station.changed(c, "reservation"))

    def stop(self) -> None:
        for timer in self._timers.values():
            timer.cancel()
        self._timers.clear()
