"""Reservations: who may use which connector (1.6) or EVSE (2.0.1) until when, and what a new one is answered.

1.6 section 5.13 (ReserveNow), 5.2 (CancelReservation) and 3.11; 2.0.1 H01-H04. A reservation names
a place - a 1.6 connectorId or a 2.0.1 evseId - or none: 1.6 connector 0 (ReserveConnectorZeroSupported)
and a 2.0.1 ReserveNow without evseId (ReservationCtrlr.NonEvseSpecific), for which the station keeps
one place free for the reserved token. Only the reserved token or its parent / group may use a
reservation. Pure: the station part (engine/reservations.py) keeps the timers and reports statuses.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from enum import StrEnum

from ocpplab_desktop.model.config import CONNECTOR_TYPES
from ocpplab_desktop.model.connector import Connector

PlaceOf = Callable[[Connector], int]
"""The number a reservation names a connector by: 1.6 connectorId, 2.0.1 evseId (the dialect's)."""


class ReserveStatus(StrEnum):
    """1.6 ReservationStatus, 2.0.1 ReserveNowStatusEnumType: the same five values."""

    ACCEPTED = "Accepted"
    FAULTED = "Faulted"
    OCCUPIED = "Occupied"
    REJECTED = "Rejected"
    UNAVAILABLE = "Unavailable"


@dataclass(frozen=True)
class Reservation:
    id: int
    token: str
    expiry: float
    """When it expires, on the station's clock (UTC seconds)."""
    place: int | None
    """The connector (1.6) / EVSE (2.0.1) reserved; None: any one (1.6 connector 0, 2.0.1 no evseId)."""
    group: str | None = None
    """1.6 parentIdTag, 2.0.1 groupIdToken."""
    connector_type: str | None = None
    """2.0.1 connectorType (ConnectorEnumType): only a connector of that type will do."""

    def for_token(self, token: str, group: str | None) -> bool:
        """1.6 section 5.13: the reserved idTag, or an idTag with the reserved parentIdTag; 2.0.1 H01 and
        C09: the reserved idToken, or one whose groupIdToken is the reservation's."""
        return token == self.token or (self.group is not None and group == self.group)

    def fits(self, c: Connector) -> bool:
        return self.connector_type is None or CONNECTOR_TYPES.get(c.config.type) == self.connector_type


def busy(c: Connector) -> bool:
    """A session is under way or ending: a cable, an authorized token, a transaction."""
    return c.plugged or c.token is not None or c.tx_started or c.finished


def idle(c: Connector) -> bool:
    """Free for anyone: operative, not faulted, no session."""
    return not busy(c) and c.fault is None and not (c.inoperative or c.inoperative_pending)


class ReservationBook:
    """A station's reservations by id, and the rules that decide about them."""

    def __init__(self) -> None:
        self.by_id: dict[int, Reservation] = {}

    def __len__(self) -> int:
        return len(self.by_id)

    def __contains__(self, reservation_id: object) -> bool:
        return reservation_id in self.by_id

    def _others(self, reservation_id: int) -> list[Reservation]:
        return [r for r in self.by_id.values() if r.id != reservation_id]

    def verdict(self, new: Reservation, connectors: Iterable[Connector], place_of: PlaceOf) -> ReserveStatus:
        """What a ReserveNow for `new` is answered; one with the id of an existing reservation replaces it
        (1.6 section 5.13, 2.0.1 H01), so that one does not stand in its way."""
        connectors = list(connectors)
        others = self._others(new.id)
        taken = {r.place for r in others if r.place is not None}
        if new.place is not None:
            at = [c for c in connectors if place_of(c) == new.place]
            if not at or not any(new.fits(c) for c in at):
                return ReserveStatus.REJECTED  # no such connector / EVSE (or none of the type asked for)
            if any(c.fault is not None for c in at):
                return ReserveStatus.FAULTED
            if any(c.inoperative or c.inoperative_pending for c in at):
                return ReserveStatus.UNAVAILABLE
            if any(busy(c) for c in at) or new.place in taken:
                return ReserveStatus.OCCUPIED  # in use, or reserved for another reservation
            return ReserveStatus.ACCEPTED
        fitting = [c for c in connectors if new.fits(c)]
        if not fitting:
            return ReserveStatus.REJECTED
        free = {place_of(c) for c in fitting if idle(c) and place_of(c) not in taken}
        unspecified = [r for r in others if r.place is None]
        if len(free) > len(unspecified):
            return ReserveStatus.ACCEPTED  # one place stays free for each unspecified reservation
        if all(c.fault is not None for c in fitting):
            return ReserveStatus.FAULTED
        if all(c.inoperative or c.inoperative_pending for c in fitting):
            return ReserveStatus.UNAVAILABLE
        return ReserveStatus.OCCUPIED

    def admission(
        self, c: Connector, token: str, group: str | None, connectors: Iterable[Connector], place_of: PlaceOf
    ) -> tuple[Reservation | None, str | None]:
        """(the reservation `token` uses at `c`, why it may not start there): a reserved place admits only
        its token or group; an unspecified reservation keeps enough other places free."""
        place = place_of(c)
        own = [r for r in self.by_id.values() if r.place == place]
        if own:
            match = next((r for r in own if r.for_token(token, group)), None)
            if match is not None:
                return match, None
            return None, f"reserved for another token (reservation {own[0].id})"
        unspecified = [r for r in self.by_id.values() if r.place is None and r.fits(c)]
        match = next((r for r in unspecified if r.for_token(token, group)), None)
        if match is not None:
            return match, None
        if unspecified:
            taken = {r.place for r in self.by_id.values() if r.place is not None}
            free = {place_of(x) for x in connectors if place_of(x) not in taken | {place} and idle(x)}
            if len(free) < len(unspecified):
                return None, f"kept free for reservation {unspecified[0].id}"
        return None, None

    def marks(self, connectors: Iterable[Connector], place_of: PlaceOf) -> dict[int, str]:
        """id(connector) -> the token it shows Reserved for: its place's reservation, or, when only as many
        places are free as there are unspecified reservations, those free places (2.0.1 H01, TC_H_14)."""
        connectors = list(connectors)
        found: dict[int, str] = {}
        by_place = {r.place: r for r in self.by_id.values() if r.place is not None}
        for c in connectors:
            if place_of(c) in by_place:
                found[id(c)] = by_place[place_of(c)].token
        unspecified = sorted((r for r in self.by_id.values() if r.place is None), key=lambda r: r.id)
        if unspecified:
            free = [c for c in connectors if idle(c) and place_of(c) not in by_place]
            if len({place_of(c) for c in free}) <= len(unspecified):
                for c in free:
                    holder = next((r for r in unspecified if r.fits(c)), None)
                    if holder is not None:
                        found[id(c)] = holder.token
        return found

    def at(self, place: int) -> list[Reservation]:
        return [r for r in self.by_id.values() if r.place == place]
