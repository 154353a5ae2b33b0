"""The Reservation profile of a 1.6 charge point (sections 3.11, 5.2 CancelReservation, 5.13 ReserveNow).

A part of `ChargePoint16` (which inherits it). The reservations themselves live in the station's
reservations part; here is only the wire. A reservation of connector 0 is taken only where
ReserveConnectorZeroSupported is true (section 9.3); a 1.6 reservation outlives a fault of its
connector, which goes back to Reserved when the fault clears (section 4.9, transition I7).
"""

from __future__ import annotations

from typing import Any

from ocpp.routing import on
from ocpp.v16 import call_result
from ocpp.v16.enums import Action, CancelReservationStatus, ConfigurationKey, ReservationStatus

from ocpplab_desktop.model.config_keys import ConfigurationKeys16
from ocpplab_desktop.model.reservations import Reservation, ReserveStatus
from ocpplab_desktop.protocol.station_port import StationPort
from ocpplab_desktop.protocol.timestamps import utc_seconds


class Reservations16:
    """ReserveNow and CancelReservation."""

    station: StationPort
    keys: ConfigurationKeys16

    @on(Action.reserve_now)
    def on_reserve_now(
        self,
        connector_id: int,
        expiry_date: str,
        id_tag: str,
        reservation_id: int,
        parent_id_tag: str | None = None,
        **_: Any,
    ) -> call_result.ReserveNow:
        if connector_id == 0 and not self.keys.get_bool(ConfigurationKey.reserve_connector_zero_supported):
            # 5.13: connector 0 only if ReserveConnectorZeroSupported; else Rejected.
            return call_result.ReserveNow(status=ReservationStatus.rejected)
        reservation = Reservation(
            reservation_id, id_tag, utc_seconds(expiry_date), connector_id or None, group=parent_id_tag
        )
        status: ReserveStatus = self.station.reservations.reserve(reservation)
        return call_result.ReserveNow(status=ReservationStatus(status.value))

    @on(Action.cancel_reservation)
    def on_cancel_reservation(self, reservation_id: int, **_: Any) -> call_result.CancelReservation:
        # 5.2: Accepted if the reservation exists (it is cancelled), Rejected if not.
        cancelled = self.station.reservations.cancel(reservation_id)
        status = CancelReservationStatus.accepted if cancelled else CancelReservationStatus.rejected
        return call_result.CancelReservation(status=status)
