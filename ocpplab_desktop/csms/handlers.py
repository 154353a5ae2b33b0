"""The CSMS handlers of both versions, written once where the versions agree.

The version classes (`handlers16.py`, `handlers201.py`) are handler objects for an
`Endpoint`, written like the `ocpp` library's: `@on(action)` methods that take the payload
as snake_case keywords and return a `call_result` dataclass. Where 1.6 and 2.0.1 agree on
the action name, the request fields the CSMS reads and the answer, the handler lives here
and builds its answer from the version's `results` module; a version class replaces one by
defining a method of the same name (`ocpp.routing.create_route_map` finds handlers by name).

Handlers run inline in the endpoint's receive loop, so they only record and answer; they
never send a CALL. They read the time from the injected `now`, never from the wall clock.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from types import ModuleType
from typing import Any, TypeVar

from ocpp.routing import on
from ocpp.v16.enums import DataTransferStatus, GenericStatus

from ocpplab_desktop.csms.policy import CsmsPolicy
from ocpplab_desktop.csms.state import CsmsEvent, MeterRecord, StationState, Transaction, TransactionStatus
from ocpplab_desktop.model.config import OcppVersion
from ocpplab_desktop.model.events import EventBus, StationEvent
from ocpplab_desktop.protocol.codec import snake_key, to_wire

T = TypeVar("T")

Clock = Callable[[], datetime]


def wall_clock() -> datetime:
    """The CSMS's default clock: the wall clock in UTC."""
    return datetime.now(UTC)


def ocpp_datetime(moment: datetime) -> str:
    """`moment` as an OCPP dateTime: UTC with millisecond precision (1.6 section 3.4; 2.0.1 part 2 2.1.1).

    A naive datetime is taken to be UTC already.
    """
    utc = moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    return utc.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def csms_event(station_id: str, kind: CsmsEvent, detail: str, **data: Any) -> StationEvent:
    """A line for the session log about `station_id`, stamped with the CSMS's monotonic clock."""
    return StationEvent(station_id, kind.value, detail, data, time.monotonic())


def acknowledging(*actions: str) -> Callable[[type[T]], type[T]]:
    """Class decorator: answer each of `actions` with its empty (or all-optional) result.

    For notifications whose only effect in a mock CSMS is the frame in the log.
    """

    def decorate(cls: type[T]) -> type[T]:
        for action in actions:
            handler = _handler(action, _acknowledge)
            setattr(cls, handler.__name__, handler)
        return cls

    return decorate


def keeping_status(action: str, field: str) -> Callable[..., Any]:
    """A handler for a status notification: keep its `status` in `StationState.<field>`, answer empty.

    Assign it in a class body to the name it carries (`on_<action>`), which is the name the
    route map looks for.
    """

    def keep(handlers: CsmsHandlers, *, status: str, **_: Any) -> None:
        setattr(handlers.state, field, status)

    return _handler(action, keep)


def _acknowledge(_handlers: CsmsHandlers, **_: Any) -> None:
    return None


def _handler(action: str, effect: Callable[..., None]) -> Callable[..., Any]:
    """An `@on(action)` method named `on_<action>` that applies `effect` and answers the empty result."""

    def handler(self: CsmsHandlers, **payload: Any) -> Any:
        effect(self, **payload)
        return getattr(self.results, action)()

    handler.__name__ = handler.__qualname__ = f"on_{snake_key(action)}"
    decorated: Callable[..., Any] = on(action)(handler)
    return decorated


@acknowledging("SecurityEventNotification")
class CsmsHandlers:
    """The base of the per-version handler objects: one instance per station connection."""

    version: OcppVersion
    results: ModuleType  # ocpp.v16.call_result or ocpp.v201.call_result

    def __init__(
        self,
        state: StationState,
        policy: CsmsPolicy,
        bus: EventBus,
        next_transaction_id: Callable[[], int],
        *,
        now: Clock = wall_clock,
    ) -> None:
        self.state = state
        self.policy = policy
        self.bus = bus
        self.next_transaction_id = next_transaction_id
        self.now = now

    def note(self, kind: CsmsEvent, detail: str, **data: Any) -> None:
        self.bus.publish(csms_event(self.state.station_id, kind, detail, **data))

    # --- shared handlers ------------------------------------------------------------------
    # The 1.6 enums below are spelt the same in 2.0.1 (DataTransferStatusEnumType, GenericStatusEnumType).
    @on("BootNotification")
    def on_boot_notification(self, **payload: Any) -> Any:
        # 1.6 section 4.2; 2.0.1 B01-B03: the interval is the heartbeat interval when Accepted,
        # the wait before the next boot attempt otherwise.
        rule = self.policy.boot_rule(self.state.station_id)
        self.state.boot = to_wire(payload)
        self.state.registration = rule.status
        self.note(CsmsEvent.BOOT, f"boot answered {rule.status}, interval {rule.interval} s", status=rule.status)
        return self.results.BootNotification(
            current_time=ocpp_datetime(self.now()), interval=rule.interval, status=rule.status
        )

    @on("Heartbeat")
    def on_heartbeat(self, **_: Any) -> Any:
        now = self.now()
        self.state.last_heartbeat = now.timestamp()
        return self.results.Heartbeat(current_time=ocpp_datetime(now))

    on_firmware_status_notification = keeping_status("FirmwareStatusNotification", "firmware_status")
    on_log_status_notification = keeping_status("LogStatusNotification", "upload_status")

    @on("DataTransfer")
    def on_data_transfer(self, **_: Any) -> Any:
        # 1.6 section 4.3; 2.0.1 P02: a receiver with no implementation for the vendorId answers UnknownVendorId.
        return self.results.DataTransfer(status=DataTransferStatus.unknown_vendor_id)

    @on("SignCertificate")
    def on_sign_certificate(self, **_: Any) -> Any:
        # The mock has no certificate authority to sign with.
        return self.results.SignCertificate(status=GenericStatus.rejected)

    # --- shared bookkeeping ---------------------------------------------------------------
    def record_meter(self, connector_id: int | None, transaction_id: int | str | None, meter_value: Any) -> None:
        received_at = self.now().timestamp()
        self.state.meter_values.append(MeterRecord(received_at, connector_id, transaction_id, to_wire(meter_value)))

    def started(self, tx: Transaction) -> None:
        self.state.transactions[tx.id] = tx
        self.note(
            CsmsEvent.TRANSACTION_STARTED,
            f"transaction {tx.id} started on {self._where(tx)} for {tx.id_token or 'no token'}",
            transaction_id=tx.id,
            id_token=tx.id_token,
        )

    def ended(self, tx: Transaction, *, stopped_at: str, reason: str, meter_stop_wh: float | None) -> None:
        tx.status = TransactionStatus.ENDED
        tx.stopped_at = stopped_at
        tx.stop_reason = reason
        tx.meter_stop_wh = meter_stop_wh
        self.note(
            CsmsEvent.TRANSACTION_ENDED,
            f"transaction {tx.id} ended on {self._where(tx)}: {reason}",
            transaction_id=tx.id,
            reason=reason,
        )

    @staticmethod
    def _where(tx: Transaction) -> str:
        if tx.evse_id is not None:
            return f"EVSE {tx.evse_id}"
        return f"connector {tx.connector_id}" if tx.connector_id is not None else "an unknown connector"
