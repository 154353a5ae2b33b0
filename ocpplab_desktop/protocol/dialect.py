"""The charge-point dialect: everything a station says and answers that depends on the OCPP version.

`Dialect` is the declared interface between the version-neutral engine and the two versions:
`ChargePoint16` (`cp16.py`) and `ChargingStation201` (`cp201.py`) implement every abstract
member with the same signature, and no code outside them chooses behaviour by version. What
both versions do the same way is written once here: the boot answer, the heartbeat, ClearCache,
DataTransfer, the sampled-value loop and the triggers they share.
"""

from __future__ import annotations

import asyncio
from abc import ABC, abstractmethod
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from types import ModuleType
from typing import Any, ClassVar, TypeVar

from ocpp.routing import on

from ocpplab_desktop.model.auth_cache import AuthSettings, TokenInfo
from ocpplab_desktop.model.config import OcppVersion
from ocpplab_desktop.model.connector import Connector, FaultInfo
from ocpplab_desktop.model.display_messages import DisplayMessage
from ocpplab_desktop.model.faults import FaultEntry
from ocpplab_desktop.model.meter import MeterReading
from ocpplab_desktop.model.smart_charging import Profile
from ocpplab_desktop.protocol.codec import to_wire
from ocpplab_desktop.protocol.measurands import Probe, Sample, plan_for
from ocpplab_desktop.protocol.station_port import StationPort

_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class InvalidIdRule:
    """What a station does when the CSMS refuses the token of a transaction that has already started
    (1.6 StopTransactionOnInvalidId / MaxEnergyOnInvalidId, 2.0.1 TxCtrlr.StopTxOnInvalidId /
    TxCtrlr.MaxEnergyOnInvalidId)."""

    stop: bool
    """End the transaction (reason DeAuthorized); else it goes on, and only the energy stops."""
    max_energy_wh: int
    """When it goes on: the energy still delivered after the refusal before the energy stops."""


class Dialect(ABC):
    """One OCPP version's side of a charging station; `station` supplies state and actions."""

    version: ClassVar[OcppVersion]
    results: ClassVar[ModuleType]  # ocpp.v16.call_result or ocpp.v201.call_result
    calls: ClassVar[ModuleType]  # ocpp.v16.call or ocpp.v201.call

    # Stop reasons and the token status the engine uses, in each version's own words.
    REASON_LOCAL: ClassVar[str]
    REASON_REMOTE: ClassVar[str]
    REASON_EV_DISCONNECTED: ClassVar[str]
    REASON_HARD_RESET: ClassVar[str]
    REASON_SOFT_RESET: ClassVar[str]
    REASON_UNLOCK: ClassVar[str]
    REASON_DEAUTHORIZED: ClassVar[str]
    REASON_TIMEOUT: ClassVar[str]
    REASON_OTHER: ClassVar[str]
    REASON_POWER_LOSS: ClassVar[str]
    REASON_REBOOT: ClassVar[str]
    ACCEPTED: ClassVar[str]
    RESERVATION_ENDS_OUT_OF_SERVICE: ClassVar[bool] = False
    """Whether a reservation ends when its connector goes Faulted or Unavailable (2.0.1 H01; 1.6 keeps it)."""

    def __init__(self, station: StationPort) -> None:
        self.station = station
        self._sampled_templates: dict[
            tuple[str, tuple[Probe, ...]], list[tuple[dict[str, Any], Callable[[MeterReading], float]]]
        ] = {}

    # --- settings the station reads -------------------------------------------------------
    @property
    @abstractmethod
    def heartbeat_interval(self) -> int: ...

    @abstractmethod
    def set_heartbeat_interval(self, interval: int) -> None:
        """The boot answer's interval becomes the heartbeat interval (1.6 4.2, 2.0.1 B01.FR.04)."""

    @property
    @abstractmethod
    def meter_interval(self) -> int: ...

    @property
    @abstractmethod
    def aligned_interval(self) -> int: ...

    @property
    @abstractmethod
    def ping_interval(self) -> int: ...

    @property
    @abstractmethod
    def connection_timeout(self) -> int:
        """Seconds a session waits for the cable after authorization (1.6 ConnectionTimeOut,
        2.0.1 EVConnectionTimeOut); 0: for ever."""

    @property
    @abstractmethod
    def transaction_retry(self) -> tuple[int, int]:
        """(transmissions in all, base interval in s) for a transaction message the CSMS failed."""

    @property
    @abstractmethod
    def auth_settings(self) -> AuthSettings: ...

    @property
    @abstractmethod
    def invalid_id_rule(self) -> InvalidIdRule:
        """What a token refused in a transaction's first answer does to the transaction."""

    @abstractmethod
    def should_start_transaction(self, c: Connector, auto_start: bool) -> bool:
        """Whether the connector's conditions make a transaction exist now."""

    @abstractmethod
    def reset_waits_for_idle(self, hard: bool) -> bool:
        """Whether a reset of this kind waits until no transaction runs."""

    @abstractmethod
    def connector_label(self, c: Connector) -> str: ...

    @abstractmethod
    def charging_target(self, c: Connector) -> int:
        """The number a charging profile names `c` by (1.6 connectorId, 2.0.1 evseId); 0 is the station."""

    # --- messages out ---------------------------------------------------------------------
    @abstractmethod
    def boot_request(self, reason: str) -> tuple[str, dict[str, Any]]: ...

    @staticmethod
    def boot_outcome(answer: dict[str, Any]) -> tuple[str, int]:
        """(status, interval) of a BootNotification answer; the fields agree in both versions."""
        return str(answer["status"]), int(answer["interval"])

    @staticmethod
    def heartbeat_request() -> tuple[str, dict[str, Any]]:
        return "Heartbeat", {}

    @abstractmethod
    async def status(self, c: Connector | None, status: str) -> None:
        """StatusNotification; connector None is the station as a whole where the version has that."""

    @abstractmethod
    async def report_fault(self, c: Connector, fault: FaultInfo, active: bool) -> None:
        """Report a catalogue fault raised (`active`) or cleared at `c`, in the version's form, beyond what
        `status` says: the status of a connector going Faulted and back is reported by `status`."""

    @abstractmethod
    def fault_stop_reason(self, fault: FaultEntry) -> str | None:
        """The stop reason, in the version's words, of a transaction that `fault` ends; None: it ends none."""

    @abstractmethod
    async def statuses_after_boot(self) -> None:
        """What the version reports after a boot besides each connector's status."""

    def stop(self) -> None:
        """The station is switched off for good: cancel the dialect's own timers (none by default)."""
        return None

    async def security_event(self, kind: str, info: str | None = None) -> None:
        """Report a security event (2.0.1 A04, named as in part 2 appendix 1) where the version has such a
        message; 1.6 without the security extension has none."""
        del kind, info

    def cost_currency(self) -> str | None:
        """The currency of the costs the CSMS sends (2.0.1 TariffCostCtrlr.Currency) where the station has one
        configured; None: costs are bare numbers."""
        return None

    def shown_messages(self, evse_id: int | None) -> list[DisplayMessage]:
        """The display messages the display of `evse_id` (None: the station's) shows now, most urgent first;
        only 2.0.1 has display messages (O01-O06)."""
        del evse_id
        return []

    async def station_status(self) -> None:
        """A connector's status changed: report the station as a whole if that changed its status, where
        the version has such a status (1.6 connector 0); by default there is none."""
        return None

    @abstractmethod
    async def authorize(self, token: str) -> TokenInfo: ...

    @abstractmethod
    def transaction_started(
        self, c: Connector, reading: MeterReading, trigger: str, remote_id: int | None
    ) -> Awaitable[TokenInfo]:
        """Queue the start of a transaction now; awaited, what the CSMS said of the token."""

    @abstractmethod
    def transaction_updated(
        self, c: Connector, trigger: str, *, with_token: bool = False, remote_id: int | None = None
    ) -> Awaitable[TokenInfo | None] | None:
        """Queue a report of what changed in a running transaction (with the token and the remote start id
        that authorized it, when given); None when the version has no such message (1.6 reports charging
        states by StatusNotification only)."""

    @abstractmethod
    def transaction_ended(
        self, c: Connector, reading: MeterReading, reason: str, token: str | None
    ) -> Awaitable[dict[str, Any]]:
        """Queue the end of a transaction now; awaited, the CSMS's answer."""

    @abstractmethod
    def meter_values(
        self, c: Connector, reading: MeterReading, context: str = "Sample.Periodic"
    ) -> asyncio.Future[dict[str, Any]]:
        """Queue the connector's sampled values now; the future is the CSMS's answer. NotConnected at
        once when they are not part of a transaction and the station is offline."""

    @abstractmethod
    def aligned_values(self, c: Connector, reading: MeterReading) -> asyncio.Future[dict[str, Any]] | None:
        """Queue clock-aligned values now (None: none are configured)."""

    @abstractmethod
    def sampled_value(self, sample: Sample, context: str) -> dict[str, Any]:
        """One sampled value in the version's form."""

    @abstractmethod
    def wire_value(self, value: float) -> Any:
        """A sampled value's number as the version sends it."""

    def sampled_values(self, reading: MeterReading, context: str, measurands: list[str]) -> list[dict[str, Any]]:
        # Every MeterValues of a station has the same shape: the entries are made once from
        # `sampled_value` and copied, with only the value read anew (a fleet sends thousands a second).
        probes = plan_for(reading, measurands)
        key = (context, probes)
        templates = self._sampled_templates.get(key)
        if templates is None:
            templates = self._sampled_templates[key] = []
            for p in probes:
                template = self.sampled_value(Sample(p.measurand, 0.0, p.unit, p.phase, p.location), context)
                del template["value"]
                templates.append((template, p.read))
        wire = self.wire_value
        return [{"value": wire(read(reading)), **template} for template, read in templates]

    async def send_trigger(self, message: str, c: Connector | None) -> bool:
        """Send what a TriggerMessage asked for (1.6 5.17, 2.0.1 F06); False if this dialect cannot."""
        targets = [c] if c is not None else self.station.connectors
        if message == "Heartbeat":
            await self._send(self.calls.Heartbeat())
        elif message == "StatusNotification":
            for one in targets:
                await self.status(one, one.status())
        else:
            return await self.send_version_trigger(message, targets)
        return True

    async def charging_limit_set(self, limit: Profile) -> None:
        """An external limit was set or changed (2.0.1 K12 NotifyChargingLimit); 1.6 has no message."""
        del limit

    async def charging_limit_cleared(self, limit: Profile) -> None:
        """An external limit was lifted (2.0.1 K13 ClearedChargingLimit); 1.6 has no message."""
        del limit

    async def reservation_ended(self, reservation_id: int, status: str) -> None:
        """Tell the CSMS a reservation ended other than by its transaction (Expired, Removed); 1.6 has no message."""
        del reservation_id, status

    @abstractmethod
    async def send_version_trigger(self, message: str, targets: list[Connector]) -> bool:
        """The triggers that differ between the versions."""

    # --- sending through the station ---------------------------------------------------------
    # Messages the dialect builds are not checked against the schemas again at run time: the
    # test-suite checks every frame of every end-to-end session against the official schemas,
    # independently. Payloads that come from outside (a scenario, the console) are checked.
    async def _send(
        self,
        payload: Any,
        *,
        transactional: bool = False,
        on_answer: Callable[[dict[str, Any]], None] | None = None,
    ) -> dict[str, Any]:
        action = type(payload).__name__
        return await self.station.send(
            action, to_wire(payload), transactional=transactional, on_answer=on_answer, validate=False
        )

    def _enqueue(self, payload: Any) -> asyncio.Future[dict[str, Any]]:
        """Queue a message that is not a transaction message; NotConnected at once while offline."""
        return self.station.enqueue(type(payload).__name__, to_wire(payload), validate=False)

    def _queue(
        self, payload: Any, *, on_answer: Callable[[dict[str, Any]], None] | None = None
    ) -> asyncio.Future[dict[str, Any]]:
        """Queue a transaction message now (so it keeps its place in the outbox); await the future for the answer."""
        return self.station.enqueue(
            type(payload).__name__, to_wire(payload), transactional=True, on_answer=on_answer, validate=False
        )

    # --- CALLs both versions answer alike ------------------------------------------------------
    @on("ClearCache")
    def on_clear_cache(self, **_: Any) -> Any:
        # 1.6 section 5.4, 2.0.1 C11.FR.04: Rejected when the cache is disabled.
        return self.results.ClearCache(status="Accepted" if self.station.clear_auth_cache() else "Rejected")

    @on("DataTransfer")
    def on_data_transfer(self, vendor_id: str, **_: Any) -> Any:
        # 1.6 section 5.6 / 2.0.1 P01.FR.06: a vendorId the station does not know is answered UnknownVendorId.
        status = "Accepted" if vendor_id == self.station.config.vendor else "UnknownVendorId"
        return self.results.DataTransfer(status=status)


def answer_read(answer: asyncio.Future[dict[str, Any]], read: Callable[[dict[str, Any]], _T]) -> asyncio.Future[_T]:
    """The answer to a queued CALL, read into what the station needs of it.

    A future rather than a coroutine: a station that is switched off before the answer comes
    simply drops it, with no coroutine left un-awaited.
    """
    mapped: asyncio.Future[_T] = answer.get_loop().create_future()

    def done(finished: asyncio.Future[dict[str, Any]]) -> None:
        if mapped.done():
            return
        if finished.cancelled():
            mapped.cancel()
            return
        failure = finished.exception()
        if failure is not None:
            mapped.set_exception(failure)
            return
        try:
            mapped.set_result(read(finished.result()))
        except (KeyError, TypeError, ValueError) as exc:
            mapped.set_exception(exc)

    answer.add_done_callback(done)
    return mapped


def token_info(info: dict[str, Any], expiry_field: str) -> TokenInfo:
    """1.6 IdTagInfo (`expiryDate`) or 2.0.1 IdTokenInfo (`cacheExpiryDateTime`) as a TokenInfo."""
    text = info.get(expiry_field)
    expiry = datetime.fromisoformat(text) if text else None
    if expiry is not None and expiry.tzinfo is None:
        expiry = expiry.replace(tzinfo=UTC)  # OCPP times are UTC (1.6 section 3.4, 2.0.1 part 2 2.1.1)
    group = info.get("parentIdTag") or (info.get("groupIdToken") or {}).get("idToken")
    return TokenInfo(str(info["status"]), expiry, group)
