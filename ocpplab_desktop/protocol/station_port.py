"""What the version dialects need of a station: the seam between protocol/ and engine/.

The dialects (`cp16.py`, `cp201.py`) know the messages; the engine's `Station` knows the
connection, timers and connectors. Each side sees the other only through this interface,
so the dialects stay testable without sockets and the layers point one way.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Coroutine
from dataclasses import dataclass
from typing import Any, Protocol

from ocpplab_desktop.model.clock import Timer
from ocpplab_desktop.model.config import StationConfig
from ocpplab_desktop.model.connector import Connector
from ocpplab_desktop.model.local_list import LocalList
from ocpplab_desktop.model.meter import MeterReading
from ocpplab_desktop.model.reservations import Reservation, ReserveStatus
from ocpplab_desktop.model.smart_charging import (
    Capacity,
    ChargingProfiles,
    CompositeSchedule,
    Profile,
    Purpose,
    RateUnit,
    Verdict,
)
from ocpplab_desktop.protocol.file_transfers import FirmwarePort, LogPort
from ocpplab_desktop.protocol.publish_wire import PublishingPort


@dataclass(frozen=True)
class Fill:
    """A field of a queued payload that an earlier message's answer supplies when it leaves.

    1.6 section 4.7: the MeterValues and StopTransaction of a transaction started offline carry the
    transactionId that the StartTransaction.conf, queued before them, assigns. `source` is that
    earlier message's answer; `default` is used when it failed for good.
    """

    field: str
    source: asyncio.Future[dict[str, Any]]
    key: str
    default: Any = None


class SmartChargingPort(Protocol):
    """The station's charging profiles (engine/smart_charging.py), as the dialects' handlers use them."""

    @property
    def profiles(self) -> ChargingProfiles: ...

    def install(self, profile: Profile, capacity: Capacity) -> Verdict:
        """SetChargingProfile: install and apply `profile`, or say why not."""
        ...

    def clear(
        self,
        profile_id: int | None = None,
        *,
        target: int | None = None,
        purpose: Purpose | None = None,
        stack_level: int | None = None,
    ) -> bool:
        """ClearChargingProfile: True if any profile matched."""
        ...

    def expect_tx_profile(self, c: Connector, profile: Profile, capacity: Capacity) -> None:
        """A RemoteStart's TxProfile, installed when the transaction it starts begins."""
        ...

    def composite(self, target: int, duration_s: int, unit: RateUnit | None) -> CompositeSchedule | None:
        """GetCompositeSchedule from now; None for an unknown connector/EVSE."""
        ...


class ReservationsPort(Protocol):
    """The station's reservations (engine/reservations.py), as the dialects' handlers use them."""

    def reserve(self, reservation: Reservation) -> ReserveStatus:
        """ReserveNow: keep the reservation if the connectors allow it, and say so."""
        ...

    def cancel(self, reservation_id: int) -> bool:
        """CancelReservation: True if there was such a reservation."""
        ...

    def take(self, connector: Connector) -> int | None:
        """A transaction starts at `connector`: the id of the reservation it ends, if any."""
        ...

    def utc_now(self) -> float:
        """The station's clock in UTC seconds."""
        ...


class StationPort(Protocol):
    config: StationConfig
    connectors: list[Connector]

    @property
    def smart_charging(self) -> SmartChargingPort: ...

    @property
    def firmware(self) -> FirmwarePort: ...

    @property
    def log_uploads(self) -> LogPort: ...

    @property
    def firmware_publishing(self) -> PublishingPort:
        """2.0.1 L03/L04: the firmware files the station publishes as a Local Controller."""
        ...

    @property
    def reservations(self) -> ReservationsPort: ...

    @property
    def local_list(self) -> LocalList:
        """The Local Authorization List (SendLocalList, GetLocalListVersion)."""
        ...

    @property
    def online(self) -> bool:
        """Connected and accepted by the CSMS: what is sent now arrives now."""
        ...

    def now_iso(self) -> str:
        """The station's clock (simulated time) as an OCPP timestamp."""
        ...

    def stamp(self, reading: MeterReading) -> str:
        """The OCPP timestamp of a reading: when it was taken, not when it is sent."""
        ...

    def reading(self, connector: Connector) -> MeterReading:
        """The connector's meter, brought up to the present simulated time."""
        ...

    async def send(
        self,
        action: str,
        payload: dict[str, Any],
        *,
        transactional: bool = False,
        on_answer: Callable[[dict[str, Any]], None] | None = None,
        validate: bool = True,
    ) -> dict[str, Any]:
        """Send a CALL through the station's outbox (in order, after boot) and return the answer.

        `on_answer` runs with the answer before the next CALL leaves."""
        ...

    def enqueue(
        self,
        action: str,
        payload: dict[str, Any],
        *,
        transactional: bool = False,
        on_answer: Callable[[dict[str, Any]], None] | None = None,
        validate: bool = True,
        fill: Fill | None = None,
    ) -> asyncio.Future[dict[str, Any]]:
        """Put a CALL in the outbox now, in order, and return the future of its answer."""
        ...

    def call_every(self, interval_s: float, callback: Callable[[], None], first_delay_s: float | None = None) -> Timer:
        """Run `callback` every `interval_s` simulated seconds (first after `first_delay_s`) until cancelled."""
        ...

    def spawn(self, work: Coroutine[Any, Any, Any]) -> None:
        """Run `work` after the current CALL has been answered."""
        ...

    def note(self, kind: str, detail: str, **data: Any) -> None:
        """Record a station event for the session log."""
        ...

    # Operations that incoming CALLs trigger; each runs after the CALL was answered.
    async def remote_start(self, connector: Connector, token: str, remote_start_id: int | None = None) -> None: ...

    async def remote_stop(self, connector: Connector) -> None: ...

    async def reset(self, hard: bool) -> None: ...

    async def set_availability(self, connector: Connector | None, operative: bool) -> None: ...

    async def unlock(self, connector: Connector) -> None: ...

    async def trigger(self, message: str, connector: Connector | None) -> None: ...

    def availability_is_scheduled(self, connector: Connector | None, operative: bool) -> bool:
        """Whether a ChangeAvailability would have to wait (a running transaction, a status the table
        does not leave for Unavailable); a status the connector is already in is never Scheduled."""
        ...

    def clear_auth_cache(self) -> bool:
        """Empty the authorization cache; False when the cache is disabled (nothing was cleared)."""
        ...

    def cost_updated(self, transaction_id: str, total_cost: float) -> None:
        """The CSMS's running total cost of a transaction (2.0.1 I05 CostUpdated)."""
        ...

    def customer_data(self, token: str) -> list[str]:
        """What the station keeps of a customer (their token): for a CustomerInformation report."""
        ...

    def forget_customer(self, token: str) -> bool:
        """Clear what the station keeps of a customer (N10); True if there was anything."""
        ...

    def on_setting_changed(self, name: str, value: str) -> None:
        """A configuration key / device-model variable changed (heartbeat, sample interval...)."""
        ...
