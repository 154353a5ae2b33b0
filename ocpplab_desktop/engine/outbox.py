"""The station's outbox: CALLs leave one at a time, in order, once the CSMS has accepted the boot.

Only BootNotification goes out before that (1.6 section 4.2, 2.0.1 B02.FR.02). Transaction
messages keep their place while the station is offline and go out after the next accepted
boot (1.6 section 4.7, 2.0.1 E12); everything else fails at once when the link goes down, and
the current status is sent after the reconnect instead. A transaction message that the CSMS
answers with a CALLERROR, or not at all, is sent again after the retry interval times the
transmissions so far, up to the configured number of transmissions (1.6 section 3.7.1
TransactionMessageAttempts/RetryInterval, 2.0.1 E13 MessageAttempts/MessageAttemptInterval).

With a journal (the session database), every transaction message that waits for the link is
written there before it counts as queued, and deleted once the CSMS has answered it, so a station
restarted after a crash or a quit finds its queue again and delivers it in order after its next
boot. Online, messages leave at once and the journal is not touched.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, Protocol

from ocpplab_desktop.protocol.endpoint import Settled
from ocpplab_desktop.protocol.errors import CallErrorReceived, CallTimeout, NotConnected, RpcError
from ocpplab_desktop.protocol.station_port import Fill

log = logging.getLogger(__name__)

Payload = dict[str, Any]
AnswerHook = Callable[[dict[str, Any]], None]


class JournalRow(Protocol):
    @property
    def id(self) -> int: ...

    @property
    def action(self) -> str: ...

    @property
    def payload(self) -> str: ...

    @property
    def meta(self) -> dict[str, Any]: ...


class Journal(Protocol):
    """Where queued transaction messages are kept across restarts (`store.Store` is one)."""

    def outbox_append(self, station_id: str, action: str, payload: str, meta: dict[str, Any]) -> int: ...

    def outbox_update(self, row_id: int, payload: str | None = None, meta: dict[str, Any] | None = None) -> None: ...

    def outbox_delete(self, row_id: int) -> None: ...

    def outbox_pending(self, station_id: str) -> Sequence[JournalRow]: ...


class Cancellable(Protocol):
    def cancel(self) -> None: ...


class OutboxHost(Protocol):
    """What the outbox needs of its station."""

    @property
    def id(self) -> str: ...

    @property
    def online(self) -> bool:
        """The CSMS accepted the boot on the current connection."""
        ...

    @property
    def connected(self) -> bool: ...

    def send_call(self, action: str, payload: dict[str, Any], settled: Settled, *, validate: bool = True) -> None:
        """Send one CALL on the current connection now; `settled` gets its answer or failure.

        Raises NotConnected at once when there is no connection, RpcError when `validate` finds the
        payload wrong; `settled(None, failure)` gets CallErrorReceived, CallTimeout, InvalidResponse
        or NotConnected."""
        ...

    def retry_policy(self) -> tuple[int, int]:
        """(transmissions in all, base interval in s) for a failed transaction message."""
        ...

    def call_later_sim(self, seconds: float, callback: Callable[[], None]) -> Cancellable:
        """Run `callback` after `seconds` of simulated time."""
        ...

    def note(self, kind: str, detail: str, **data: Any) -> None: ...


@dataclass
class Outgoing:
    action: str
    payload: Payload
    future: asyncio.Future[dict[str, Any]]
    transactional: bool
    on_answer: AnswerHook | None = None
    """Run with the answer before the next CALL leaves: what it sets, that CALL's payload can use."""
    sent: int = 0
    """Transmissions so far: a transaction message the CSMS failed is sent again."""
    validate: bool = True
    """Check the payload against the action's schema before it leaves (payloads from outside the dialect)."""
    fill: Fill | None = None
    row: int | None = None
    """Its row in the journal, while it is kept there."""


class Outbox:
    """Queued CALLs of one station, sent one at a time while the station is accepted.

    Driven by callbacks, not by a task per station: a CALL leaves when it is queued (on the loop's
    next turn) or when the one before it is answered, and a failed transaction message waits for
    its retry on a timer of the simulated clock. A fleet of stations sends thousands a second; a
    task per station woke twice per CALL.
    """

    def __init__(self, host: OutboxHost, journal: Journal | None = None) -> None:
        self.host = host
        self.journal = journal
        self._queue: deque[Outgoing] = deque()
        self._accepted = False
        self._running = False
        self._inflight: Outgoing | None = None
        self._sending = 0
        """Which send an answer belongs to: one that comes after the link dropped is not the head's."""
        self._retry: Cancellable | None = None
        self._pump_due = False

    def __len__(self) -> int:
        return len(self._queue)

    @property
    def actions(self) -> list[str]:
        """The actions waiting, head first."""
        return [item.action for item in self._queue]

    def put(
        self,
        action: str,
        payload: Payload,
        *,
        transactional: bool = False,
        on_answer: AnswerHook | None = None,
        validate: bool = True,
        fill: Fill | None = None,
    ) -> asyncio.Future[dict[str, Any]]:
        """Queue a CALL now, in order, and return the future of its answer.

        NotConnected at once for a CALL that is not a transaction message while the station is
        not accepted: it would be stale by the time the link is back.
        """
        if not transactional and not self.host.online:
            why = "not accepted by the CSMS" if self.host.connected else "offline"
            raise NotConnected(f"{action} not sent: {why}")
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        item = Outgoing(action, payload, future, transactional, on_answer, validate=validate, fill=fill)
        if transactional and not self.host.online:
            self._keep(item)  # durable before it counts as queued
        self._queue.append(item)
        self._pump_soon()
        return future

    def resume(self) -> None:
        """The CSMS accepted the boot: start sending."""
        self._accepted = True
        self._pump_soon()

    def suspend(self) -> None:
        """The link went down: keep the transaction messages, fail the rest."""
        self._accepted = False
        self._forget_send()
        kept: deque[Outgoing] = deque()
        for item in self._queue:
            if item.transactional:
                self._keep(item)
                kept.append(item)
            elif not item.future.done():
                item.future.set_exception(NotConnected(f"{item.action} not sent: offline"))
        self._queue = kept

    async def run(self) -> None:
        """Send whenever the station is accepted, for as long as this runs (the link cancels it when
        the connection drops); what is on the way then is left to `suspend`."""
        self._running = True
        self._pump_soon()
        try:
            await asyncio.get_running_loop().create_future()
        finally:
            self._running = False
            self._forget_send()

    # --- sending -------------------------------------------------------------------------------
    def _pump_soon(self) -> None:
        """Send on the loop's next turn: never inside the code that queued (a handler may be answering
        a CALL of the CSMS's, and its answer goes first)."""
        if not self._pump_due:
            self._pump_due = True
            asyncio.get_running_loop().call_soon(self._pump)

    def _pump(self) -> None:
        self._pump_due = False
        if not (self._running and self._accepted and self._queue) or self._inflight is not None:
            return
        if self._retry is not None:  # the head waits for its retry
            return
        item = self._queue[0]
        if item.fill is not None:
            item.payload = _filled(item.payload, item.fill)
            item.fill = None
        item.sent += 1
        self._sending += 1
        self._inflight = item  # before the send: its outcome may be known before send_call returns
        try:
            self.host.send_call(
                item.action, item.payload, partial(self._answered, self._sending), validate=item.validate
            )
        except NotConnected:
            self._inflight = None
            return  # the link is going: suspend() keeps it if transactional and fails the rest
        except RpcError as exc:  # the payload does not match its schema: it can never go
            self._inflight = None
            self._finish(exc)
            self._pump_soon()

    def _answered(self, sending: int, result: dict[str, Any] | None, failure: BaseException | None) -> None:
        # Called by the endpoint as soon as it knows (inside its receive, its timer or its close).
        if sending != self._sending or self._inflight is None:
            return  # a send the link's drop overtook
        item, self._inflight = self._inflight, None
        if isinstance(failure, NotConnected):
            return  # stays queued if transactional; suspend() fails the rest
        if (
            isinstance(failure, CallErrorReceived | CallTimeout)
            and item.transactional
            and self._retry_later(item, failure)
        ):
            return
        self._finish(failure if failure is not None else result if result is not None else {})
        self._pump()

    def _retry_later(self, item: Outgoing, failure: Exception) -> bool:
        """Send a failed transaction message again after a wait, in its place at the head of the
        queue; False once it has been sent as often as the station's settings allow."""
        attempts, interval = self.host.retry_policy()
        if item.sent >= attempts:
            self.host.note("tx_message_dropped", f"{item.action} failed {item.sent} time(s), not sent again: {failure}")
            return False
        delay = interval * item.sent
        self.host.note(
            "tx_message_retry",
            f"{item.action} failed ({failure}); transmission {item.sent + 1} of {attempts} in {delay} s",
            action=item.action,
            sent=item.sent,
            delay_s=delay,
        )
        self._retry = self.host.call_later_sim(delay, self._retry_due)
        return True

    def _retry_due(self) -> None:
        self._retry = None
        self._pump()

    def _forget_send(self) -> None:
        """The link dropped: no answer will come to what is on the way, and a retry waits for the next
        connection (which sends the head at once)."""
        self._inflight = None
        self._sending += 1
        if self._retry is not None:
            self._retry.cancel()
            self._retry = None

    def _finish(self, outcome: dict[str, Any] | BaseException) -> None:
        """Take the head of the queue off and hand its caller the answer or the failure."""
        item = self._queue.popleft()
        if item.on_answer is not None and not isinstance(outcome, BaseException):
            try:
                item.on_answer(outcome)
            except Exception:  # a bug in a hook must not leave the caller waiting or the queue stopped
                log.exception("%s: the answer to %s could not be handled", self.host.id, item.action)
        if not item.future.done():
            if isinstance(outcome, BaseException):
                item.future.set_exception(outcome)
            else:
                item.future.set_result(outcome)
        if item.row is not None and self.journal is not None:
            self._settle_dependents(item)
            self.journal.outbox_delete(item.row)

    # --- the journal ---------------------------------------------------------------------------
    def _keep(self, item: Outgoing) -> None:
        """Write a transaction message to the journal (once); a field still to be filled is noted
        with the row of the message that will supply it."""
        if self.journal is None or item.row is not None:
            return
        meta: dict[str, Any] = {}
        payload = item.payload
        if item.fill is not None:
            source = next((q for q in self._queue if q.future is item.fill.source), None)
            if source is not None and source.row is not None:
                meta["fill"] = {"field": item.fill.field, "key": item.fill.key, "default": item.fill.default,
                                "from_row": source.row}  # fmt: skip
            else:  # its source has been answered (or given up): the value is known now
                payload = item.payload = _filled(payload, item.fill)
                item.fill = None
        item.row = self.journal.outbox_append(self.host.id, item.action, json.dumps(payload), meta)

    def _settle_dependents(self, source: Outgoing) -> None:
        """`source` left the queue: messages in the journal waiting for a field of its answer get it now,
        so a restart after this moment still sends them right."""
        assert self.journal is not None
        for item in self._queue:
            if item.fill is not None and item.fill.source is source.future and item.row is not None:
                item.payload = _filled(item.payload, item.fill)
                item.fill = None
                self.journal.outbox_update(item.row, payload=json.dumps(item.payload), meta={})

    def restore(self) -> int:
        """Queue again what the journal kept for this station (after a restart); returns how many."""
        if self.journal is None:
            return 0
        loop = asyncio.get_running_loop()
        by_row: dict[int, Outgoing] = {}
        for row in self.journal.outbox_pending(self.host.id):
            future: asyncio.Future[dict[str, Any]] = loop.create_future()
            future.add_done_callback(_nobody_waits)
            fill = None
            spec = row.meta.get("fill")
            if spec and spec.get("from_row") in by_row:
                fill = Fill(spec["field"], by_row[spec["from_row"]].future, spec["key"], spec.get("default"))
            elif spec:  # its source was answered before the restart, but the row kept no value
                fill = Fill(spec["field"], _failed(loop), spec["key"], spec.get("default"))
            item = Outgoing(row.action, json.loads(row.payload), future, True, validate=False, fill=fill, row=row.id)
            by_row[row.id] = item
            self._queue.append(item)
        if by_row:
            self._pump_soon()
        return len(by_row)


def _filled(payload: dict[str, Any], fill: Fill) -> dict[str, Any]:
    """The payload with the field that the source's answer supplies (or its default)."""
    source = fill.source
    value = fill.default
    if source.done() and not source.cancelled() and source.exception() is None:
        value = source.result().get(fill.key, fill.default)
    return payload if value is None else {**payload, fill.field: value}


def _nobody_waits(future: asyncio.Future[Any]) -> None:
    """A restored message's answer has no reader; a failure is noted by the outbox, not left unread."""
    if not future.cancelled():
        future.exception()


def _failed(loop: asyncio.AbstractEventLoop) -> asyncio.Future[dict[str, Any]]:
    future: asyncio.Future[dict[str, Any]] = loop.create_future()
    future.cancel()
    return future
