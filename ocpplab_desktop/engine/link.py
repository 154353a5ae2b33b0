"""The station's link: connect, reconnect with back-off, and boot on every new connection.

The link connects with the version's subprotocol (and HTTP basic auth, security profile 1),
boots, and keeps the heartbeat going; when the connection drops it waits a back-off delay on
the simulated clock (so x100 speed reconnects a hundred times sooner, and a paused lab does not
reconnect at all) and tries again, until the station is stopped or its network is taken down.
The transport is injected: websockets by default, an in-memory pipe in tests.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import logging
import random
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from http import HTTPStatus
from typing import TYPE_CHECKING, Any, Protocol

import websockets

from ocpplab_desktop.model.clock import Timer
from ocpplab_desktop.protocol.errors import CallErrorReceived, CallTimeout, InvalidResponse, NotConnected
from ocpplab_desktop.protocol.wsconn import DirectClientConnection

if TYPE_CHECKING:
    from ocpplab_desktop.engine.station import Station

log = logging.getLogger(__name__)

BOOT_RETRY_DEFAULT_S = 30  # when a Pending/Rejected answer gives interval 0
MAX_FRAME_BYTES = 2**22


class Connection(Protocol):
    """An open OCPP-J websocket as the link uses it (websockets' ClientConnection fits)."""

    @property
    def subprotocol(self) -> Any: ...

    @property
    def close_code(self) -> int | None: ...

    @property
    def close_reason(self) -> str | None: ...

    async def send(self, message: str) -> None: ...

    async def recv(self) -> str | bytes: ...

    async def close(self, code: int = 1000, reason: str = "") -> None: ...

    def abort(self) -> None:
        """End the connection at once: no close frame (a TCP reset on a socket)."""


class Transport(Protocol):
    """Opens connections: websockets over TCP, or an in-memory pipe."""

    def connect(
        self, url: str, *, subprotocol: str, headers: dict[str, str], ping_interval: float | None
    ) -> contextlib.AbstractAsyncContextManager[Connection]: ...


class WebSocketTransport:
    """The real network, through the websockets library."""

    @contextlib.asynccontextmanager
    async def connect(
        self, url: str, *, subprotocol: str, headers: dict[str, str], ping_interval: float | None
    ) -> AsyncIterator[Connection]:
        async with websockets.connect(
            url,
            subprotocols=[websockets.Subprotocol(subprotocol)],
            additional_headers=headers,
            open_timeout=10,
            ping_interval=ping_interval,
            max_size=MAX_FRAME_BYTES,
            # No permessage-deflate: OCPP frames are small, and compressing each costs more CPU per
            # station than it saves on a loopback or LAN link. A CSMS that requires it is rare.
            compression=None,
            create_connection=DirectClientConnection,
        ) as ws:
            assert isinstance(ws, DirectClientConnection)
            yield ws


@dataclass
class Backoff:
    """Reconnect delays: first, doubling up to maximum, each scaled by a random 50-100 %."""

    first_s: float = 1.0
    maximum_s: float = 60.0
    rng: random.Random = field(default_factory=random.Random)

    def delay(self, attempt: int) -> float:
        return min(self.maximum_s, self.first_s * 2**attempt) * self.rng.uniform(0.5, 1.0)


CONNECT_ERRORS = (OSError, websockets.InvalidHandshake, websockets.InvalidURI, ConnectionError, TimeoutError)


class Link:
    """Connection, boot and heartbeat of one station."""

    def __init__(self, station: Station, transport: Transport, backoff: Backoff) -> None:
        self.station = station
        self.transport = transport
        self.backoff = backoff
        self.connection: Connection | None = None
        self.registration: str | None = None
        self.boot_reason = "PowerUp"
        self.wanted = asyncio.Event()
        """Set while the station wants to be online: from start/connect until disconnect/stop."""
        self.stopping = False
        self._accepted = False
        self._heartbeat: Timer | None = None

    @property
    def connected(self) -> bool:
        return self.connection is not None

    @property
    def accepted(self) -> bool:
        """Connected and accepted by the CSMS: what is sent now arrives now."""
        return self._accepted

    @property
    def url(self) -> str:
        base = self.station.url.rstrip("/")
        sid = self.station.id
        return base if base.endswith("/" + sid) else f"{base}/{sid}"

    def auth_headers(self) -> dict[str, str]:
        password = self.station.config.password
        if not password:
            return {}
        # Security profile 1: HTTP basic auth with the station id as user name (1.6 security
        # whitepaper section 2.3; 2.0.1 part 2 A00.FR.2xx).
        token = base64.b64encode(f"{self.station.id}:{password}".encode()).decode()
        return {"Authorization": f"Basic {token}"}

    def _remember_refused_credentials(self, exc: BaseException) -> None:
        """The CSMS refused the handshake with HTTP 401: the station's credentials were rejected. That is
        a security event to report once the station is connected again (2.0.1 part 2 appendix 1,
        FailedToAuthenticateAtCsms; a 1.6 station without the security extension has no message for
        it), once however many attempts failed."""
        response = getattr(exc, "response", None)
        if getattr(response, "status_code", None) != HTTPStatus.UNAUTHORIZED:
            return
        event = "FailedToAuthenticateAtCsms"
        if all(kind != event for kind, _info in self.station.security_events_due):
            self.station.security_events_due.append((event, f"HTTP 401 from {self.url}"))

    async def run(self) -> None:
        """Connect, serve, and reconnect after a back-off until the station stops."""
        attempt = 0
        subprotocol = self.station.version.subprotocol
        while not self.stopping:
            await self.wanted.wait()
            try:
                async with self.transport.connect(
                    self.url,
                    subprotocol=subprotocol,
                    headers=self.auth_headers(),
                    ping_interval=self.station.dialect.ping_interval or None,
                ) as connection:
                    if connection.subprotocol != subprotocol:
                        self.station.note(
                            "refused",
                            f"the CSMS did not accept subprotocol {subprotocol} (got {connection.subprotocol})",
                        )
                        await connection.close(1002, "subprotocol required")
                        raise ConnectionError("no OCPP subprotocol agreed")
                    attempt = 0
                    await self._online(connection)
            except asyncio.CancelledError:
                raise
            except CONNECT_ERRORS as exc:
                self.station.note("connect_failed", f"cannot connect to {self.url}: {exc}")
                self._remember_refused_credentials(exc)
            except Exception as exc:
                # A bug must not end the station's life: record it and reconnect.
                log.exception("%s: connection failed", self.station.id)
                self.station.note("error", f"connection failed: {type(exc).__name__}: {exc}")
            finally:
                self._offline()
            if self.stopping:
                return
            if not self.wanted.is_set():
                attempt = 0  # no attempts while the link is down; connect() starts afresh
                continue
            delay = 0.0 if self.boot_reason != "PowerUp" and attempt == 0 else self.backoff.delay(attempt)
            attempt += 1
            if delay:
                self.station.note("reconnect", f"reconnecting in {delay:.1f} s", delay_s=delay)
                await self.station.sleep_sim(delay)

    async def _online(self, connection: Connection) -> None:
        station = self.station
        self.connection = connection
        station.endpoint.attach(connection)
        station.note("connected", f"connected to {self.url} ({connection.subprotocol})")
        async with asyncio.TaskGroup() as group:
            reader = group.create_task(station.endpoint.serve(connection))
            sender = group.create_task(station.outbox.run())
            booting = group.create_task(self._boot())
            reader.add_done_callback(lambda _: (sender.cancel(), booting.cancel()))
        code, reason = connection.close_code, connection.close_reason
        station.note("disconnected", f"connection closed (code {code}, {reason or 'no reason'})")

    def _offline(self) -> None:
        self.connection = None
        self.registration = None
        self._accepted = False
        if self._heartbeat is not None:
            self._heartbeat.cancel()
            self._heartbeat = None
        self.station.outbox.suspend()

    async def _boot(self) -> None:
        """BootNotification until Accepted (1.6 section 4.2, 2.0.1 B01-B03), then what follows a boot."""
        with contextlib.suppress(NotConnected):  # the link dropped: the next connection boots again
            await self._boot_once()

    async def _boot_once(self) -> None:
        station, dialect = self.station, self.station.dialect
        action, payload = dialect.boot_request(self.boot_reason)
        while True:
            try:
                answer = await station.endpoint.call_raw(action, payload)
            except (CallTimeout, CallErrorReceived, InvalidResponse) as exc:
                station.note("boot_failed", str(exc))
                await station.sleep_sim(BOOT_RETRY_DEFAULT_S)
                continue
            status, interval = dialect.boot_outcome(answer)
            if status != "Accepted":
                self.registration = status
            station.note("boot", f"BootNotification {status}, interval {interval} s", status=status, interval=interval)
            if status == "Accepted":
                break
            # Pending/Rejected: retry after the interval, send nothing else (1.6 4.2, 2.0.1 B02/B03).
            await station.sleep_sim(interval or BOOT_RETRY_DEFAULT_S)
        self.boot_reason = "PowerUp"
        if interval > 0:
            dialect.set_heartbeat_interval(interval)
        self.arm_heartbeat()
        self._accepted = True
        station.outbox.resume()
        await station.after_boot()
        # Registered once the CSMS knows every connector's status: from here on the station is in use.
        self.registration = status

    def arm_heartbeat(self) -> None:
        if self._heartbeat is not None:
            self._heartbeat.cancel()
        interval = self.station.dialect.heartbeat_interval
        scheduler = self.station.clock.scheduler
        self._heartbeat = scheduler.call_every(interval, self._heartbeat_due) if interval > 0 else None

    def _heartbeat_due(self) -> None:
        if self._accepted:
            action, payload = self.station.dialect.heartbeat_request()
            self.station.spawn_quiet(self.station.send(action, payload))

    async def close(self, code: int = 1000, reason: str = "") -> None:
        """Close the current connection (the run loop then decides whether to reconnect)."""
        if self.connection is not None:
            await self.connection.close(code, reason)

    async def abort(self) -> None:
        """Drop the current connection without a close handshake; wait until the link has seen it."""
        connection = self.connection
        if connection is None:
            return
        connection.abort()
        for _ in range(100):  # the reader notices at its next turn; bounded in case it never does
            if self.connection is not connection:
                return
            await asyncio.sleep(0)

    def stop(self) -> None:
        self.stopping = True
        self.wanted.clear()
        if self._heartbeat is not None:
            self._heartbeat.cancel()
            self._heartbeat = None
