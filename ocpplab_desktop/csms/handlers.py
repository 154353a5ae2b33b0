"""What the CSMS handlers of both versions share: the station's state, the policy, the notes.

The version classes (`handlers16.py`, `handlers201.py`) are handler objects for an
`Endpoint`, written like the `ocpp` library's: `@on(Action.x)` methods that take the
payload as snake_case keywords and return a `call_result` dataclass. They run inline in the
endpoint's receive loop, so they only record and answer; they never send a CALL.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import UTC, datetime
from types import ModuleType
from typing import Any, TypeVar

from ocpp.routing import on

from ocpplab_desktop.csms.policy import BootRule, CsmsPolicy
from ocpplab_desktop.csms.state import CsmsEvent, MeterRecord, StationState, Transaction, TransactionStatus
from ocpplab_desktop.model.config import OcppVersion
from ocpplab_desktop.model.events import EventBus, StationEvent
from ocpplab_desktop.protocol.codec import snake_key, to_wire

T = TypeVar("T")


def now_iso() -> str:
    """The CSMS's clock as an OCPP dateTime (UTC, millisecond precision)."""
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def csms_event(station_id: str, kind: CsmsEvent, detail: str, **data: Any) -> StationEvent:
    """A line for the session log about `station_id`, stamped with the CSMS's monotonic clock."""
    return StationEvent(station_id, kind.value, detail, data, time.monotonic())


class CsmsHandlers:
    """The base of the per-version handler objects: one instance per station connection."""

    version: OcppVersion

    def __init__(
        self, state: StationState, policy: CsmsPolicy, bus: EventBus, next_transaction_id: Callable[[], int]
    ) -> None:
        self.state = state
        self.policy = policy
        self.bus = bus
        self.next_transaction_id = next_transaction_id

    def note(self, kind: CsmsEvent, detail: str, **data: Any) -> None:
        self.bus.publish(csms_event(self.state.station_id, kind, detail, **data))

    # --- shared bookkeeping ---------------------------------------------------------------
    def registered(self, payload: dict[str, Any]) -> BootRule:
        """Record a BootNotification and decide its answer."""
        rule = self.policy.boot_rule(self.state.station_id)
        self.state.boot = to_wire(payload)
        self.state.registration = rule.status
        self.note(CsmsEvent.BOOT, f"boot answered {rule.status}, interval {rule.interval} s", status=rule.status)
        return rule

    def heartbeat(self) -> str:
        self.state.last_heartbeat = time.time()
        return now_iso()

    def record_meter(self, connector_id: int | None, transaction_id: int | str | None, meter_value: Any) -> None:
        self.state.meter_values.append(MeterRecord(time.time(), connector_id, transaction_id, to_wire(meter_value)))

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


def acknowledging(results: ModuleType, *actions: str) -> Callable[[type[T]], type[T]]:
    """Class decorator: answer each of `actions` with its empty (or all-optional) result.

    For notifications whose only effect in a mock CSMS is the frame in the log. The handler
    is stored under the name it was created with, because `ocpp.routing.create_route_map`
    finds handlers by their function name.
    """

    def decorate(cls: type[T]) -> type[T]:
        for action in actions:
            handler = _acknowledger(results, action)
            setattr(cls, handler.__name__, handler)
        return cls

    return decorate


def _acknowledger(results: ModuleType, action: str) -> Callable[..., Any]:
    answer = getattr(results, action)

    def handler(self: object, **_: Any) -> Any:
        return answer()

    handler.__name__ = handler.__qualname__ = f"on_{snake_key(action)}"
    decorated: Callable[..., Any] = on(action)(handler)
    return decorated
