"""The reservation CALLs of a 2.0.1 charging station (part 2, functional block H: H01-H04).

A part of `ChargingStation201` (which inherits it). The reservations themselves live in the
station's reservations part; here is only the wire: ReserveNow (for an EVSE, for any EVSE where
ReservationCtrlr.NonEvseSpecific allows it, for a connector type, for a group), CancelReservation,
and ReservationStatusUpdate when a reservation expires or is removed.
"""

from __future__ import annotations

from typing import Any, ClassVar

from ocpp.routing import on
from ocpp.v201 import call, call_result
from ocpp.v201.enums import Action, CancelReservationStatusEnumType, ReserveNowStatusEnumType

from ocpplab_desktop.model.device_model import DeviceModel
from ocpplab_desktop.model.reservations import Reservation
from ocpplab_desktop.protocol.codec import to_wire
from ocpplab_desktop.protocol.station_port import StationPort
from ocpplab_desktop.protocol.timestamps import utc_seconds

CTRLR = "ReservationCtrlr"


class Reservations201:
    """ReserveNow, CancelReservation and ReservationStatusUpdate."""

    station: StationPort
    model: DeviceModel
    # H01 (TC_H_20): a reservation ends, Removed, when its EVSE goes Faulted or Unavailable.
    RESERVATION_ENDS_OUT_OF_SERVICE: ClassVar[bool] = True

    @on(Action.reserve_now)
    def on_reserve_now(
        self,
        *,
        id: int,
        expiry_date_time: str,
        id_token: dict[str, Any],
        connector_type: str | None = None,
        evse_id: int | None = None,
        group_id_token: dict[str, Any] | None = None,
        **_: Any,
    ) -> call_result.ReserveNow:
        if not self.model.get_bool(CTRLR, "Enabled"):
            # H01.FR.01: a station not configured to accept reservations answers Rejected.
            return self._refused("NotEnabled", "ReservationCtrlr.Enabled is false")
        if evse_id is None and not self.model.get_bool(CTRLR, "NonEvseSpecific"):
            # H01.FR.19: no evseId, and the station does not take reservations for an unspecified EVSE.
            return self._refused("NoEvseSpecified", "no evseId and ReservationCtrlr.NonEvseSpecific is false")
        reservation = Reservation(
            id,
            str(id_token["id_token"]),
            utc_seconds(expiry_date_time),
            evse_id,
            group=None if group_id_token is None else str(group_id_token["id_token"]),
            connector_type=connector_type,
        )
        status = self.station.reservations.reserve(reservation)
        return call_result.ReserveNow(status=ReserveNowStatusEnumType(status.value))

    @staticmethod
    def _refused(reason: str, why: str) -> call_result.ReserveNow:
        return call_result.ReserveNow(
            status=ReserveNowStatusEnumType.rejected, status_info={"reason_code": reason, "additional_info": why}
        )

    @on(Action.cancel_reservation)
    def on_cancel_reservation(self, reservation_id: int, **_: Any) -> call_result.CancelReservation:
        # H02: Accepted when the reservation existed (it is cancelled), Rejected when not.
        cancelled = self.station.reservations.cancel(reservation_id)
        status = CancelReservationStatusEnumType.accepted if cancelled else CancelReservationStatusEnumType.rejected
        return call_result.CancelReservation(status=status)

    async def reservation_ended(self, reservation_id: int, status: str) -> None:
        """H04: ReservationStatusUpdate, Expired at the expiry, Removed when the station removed it."""
        payload = call.ReservationStatusUpdate(reservation_id=reservation_id, reservation_update_status=status)
        await self.station.send("ReservationStatusUpdate", to_wire(payload), validate=False)
