"""The station's outbox: CALLs leave one at a time, in order, once the CSMS has accepted the boot.

Only BootNotification goes out before that (1.6 section 4.2, 2.0.1 B02.FR.02). Transaction
messages keep their place while the station is offline and go out after the next accepted
boot (1.6 section 4.7, 2.0.1 E12); everything else fails at once when the link goes down, and
the current status is sent after the reconnect instead. A transaction message that the CSMS
answers with a CALLERROR, or not at all, is sent again after the retry interval times the
transmissions so far, up to the configured number of transmissions (1.6 section 3.7.1
TransactionMessageAttempts/RetryInterval, 2.0.1 E13 MessageAttempts/MessageAttemptInterval).
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from ocpplab_desktop.protocol.errors import CallErrorReceived, CallTimeout, InvalidResponse, NotConnected, RpcError

Payload = dict[str, Any] | Callable[[], dict[str, Any]]
AnswerHook = Callable[[dict[str, Any]], None]


class OutboxHost(Protocol):
    """What the outbox needs of its station."""

    @property
    def online(self) -> bool:
        """The CSMS accepted the boot on the current connection."""
        ...

    @property
    def connected(self) -> bool: ...

    async def call(self, action: str, payload: dict[str, Any], *, validate: bool = True) -> dict[str, Any]:
        """Send one CALL on the current connection and return its answer."""
        ...

    def retry_policy(self) -> tuple[int, int]:
        """(transmissions in all, base interval in s) for a failed transaction message."""
        ...

    async def sleep_sim(self, seconds: float) -> None:
        """Wait in simulated time."""
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


class Outbox:
    """Queued CALLs of one station and the loop that sends them."""

    def __init__(self, host: OutboxHost) -> None:
        self.host = host
        self._queue: deque[Outgoing] = deque()
        self._wake = asyncio.Event()
        self._accepted = asyncio.Event()

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
    ) -> asyncio.Future[dict[str, Any]]:
        """Queue a CALL now, in order, and return the future of its answer.

        NotConnected at once for a CALL that is not a transaction message while the station is
        not accepted: it would be stale by the time the link is back.
        """
        if not transactional and not self.host.online:
            why = "not accepted by the CSMS" if self.host.connected else "offline"
            raise NotConnected(f"{action} not sent: {why}")
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._queue.append(Outgoing(action, payload, future, transactional, on_answer, validate=validate))
        self._wake.set()
        return future

    def resume(self) -> None:
        """The CSMS accepted the boot: start sending."""
        self._accepted.set()

    def suspend(self) -> None:
        """The link went down: keep the transaction messages, fail the rest."""
        self._accepted.clear()
        kept: deque[Outgoing] = deque()
        for item in self._queue:
            if item.transactional:
                kept.append(item)
            elif not item.future.done():
                item.future.set_exception(NotConnected(f"{item.action} not sent: offline"))
        self._queue = kept

    async def run(self) -> None:
        """Send the head of the queue whenever the station is accepted; returns when the link drops."""
        while True:
            await self._accepted.wait()
            if not self._queue:
                self._wake.clear()
                await self._wake.wait()
                continue
            item = self._queue[0]
            if callable(item.payload):
                item.payload = item.payload()
            try:
                item.sent += 1
                result = await self.host.call(item.action, item.payload, validate=item.validate)
            except NotConnected:
                return  # stays queued if transactional; suspend() fails the rest
            except (CallErrorReceived, CallTimeout) as exc:
                if item.transactional and await self._retry_later(item, exc):
                    continue
                self._finish(exc)
            except (InvalidResponse, RpcError) as exc:
                self._finish(exc)
            else:
                self._finish(result)

    async def _retry_later(self, item: Outgoing, failure: Exception) -> bool:
        """Wait before sending a failed transaction message again, in its place at the head of the
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
        await self.host.sleep_sim(delay)
        return True

    def _finish(self, outcome: dict[str, Any] | Exception) -> None:
        """Take the head of the queue off and hand its caller the answer or the failure."""
        item = self._queue.popleft()
        if item.on_answer is not None and not isinstance(outcome, Exception):
            item.on_answer(outcome)
        if item.future.done():
            return
        if isinstance(outcome, Exception):
            item.future.set_exception(outcome)
        else:
            item.future.set_result(outcome)
