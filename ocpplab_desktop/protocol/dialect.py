"""What the 1.6 and 2.0.1 charge-point dialects share.

The handlers here answer actions that have the same name and the same answer values in both
versions ("ClearCache" -> Accepted/Rejected, "DataTransfer" -> UnknownVendorId/Accepted); each dialect
only says which version's payload classes to build them with.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from datetime import UTC, datetime
from types import ModuleType
from typing import Any, TypeVar

from ocpp.routing import on

from ocpplab_desktop.model.auth_cache import TokenInfo
from ocpplab_desktop.model.config import OcppVersion
from ocpplab_desktop.protocol.codec import to_wire
from ocpplab_desktop.protocol.station_port import StationPort

_T = TypeVar("_T")


class Dialect:
    version: OcppVersion
    results: ModuleType  # ocpp.v16.call_result or ocpp.v201.call_result

    def __init__(self, station: StationPort) -> None:
        self.station = station

    async def _send(
        self,
        payload: Any,
        *,
        transactional: bool = False,
        on_answer: Callable[[dict[str, Any]], None] | None = None,
    ) -> dict[str, Any]:
        action = type(payload).__name__
        return await self.station.send(action, to_wire(payload), transactional=transactional, on_answer=on_answer)

    def _queue(
        self, payload: Any, *, on_answer: Callable[[dict[str, Any]], None] | None = None
    ) -> asyncio.Future[dict[str, Any]]:
        """Queue a transaction message now (so it keeps its place in the outbox); await the future for the answer."""
        return self.station.enqueue(type(payload).__name__, to_wire(payload), transactional=True, on_answer=on_answer)

    def _queue_when_due(self, action: str, build: Callable[[], Any]) -> asyncio.Future[dict[str, Any]]:
        """A transaction message whose payload is built when it leaves the outbox, not when it is queued:
        it can then carry an id the CSMS assigns to a message queued before it."""
        return self.station.enqueue(action, lambda: to_wire(build()), transactional=True)

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
    return TokenInfo(str(info["status"]), expiry)
