"""The embedded mock CSMS: a websockets server with one `Endpoint` per connected station.

Stations connect to ws://host:port/<stationId> (any path prefix works; the last segment is
the id). The handshake is checked before the upgrade, so a station that cannot be served
gets an HTTP answer that says why: 404 without a station id, 401 with wrong credentials,
400 without a supported OCPP subprotocol. Every frame is published by the endpoints with
side CSMS; connects, boots and transactions are published as `StationEvent`s. A connection
that did not come through the server (an in-memory pipe) is served by `serve_connection`.

The operator commands are mixins that `MockCsms` inherits (`operator_commands.py` with `send`,
`file_commands.py`, `service_commands.py`, `publish_commands.py`); each station's `CommandBuilder`
(`commands16.py`, `commands201.py`) builds their CALLs. `COMMANDS` is the table of which command
maps to which action in which version, read from the builders.
"""

from __future__ import annotations

import asyncio
import errno
import itertools
import logging
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from http import HTTPStatus
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import unquote, urlsplit

from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.datastructures import Headers
from websockets.exceptions import InvalidHeader
from websockets.headers import parse_authorization_basic, parse_subprotocol
from websockets.http11 import Request, Response
from websockets.typing import Subprotocol

from ocpplab_desktop.csms.commands import CommandBuilder, CommandIds, NotForThisVersion, command_table
from ocpplab_desktop.csms.commands16 import Commands16
from ocpplab_desktop.csms.commands201 import Commands201
from ocpplab_desktop.csms.file_commands import FileCommands
from ocpplab_desktop.csms.files import FileService
from ocpplab_desktop.csms.handlers import Clock, CsmsHandlers, csms_event, wall_clock
from ocpplab_desktop.csms.handlers16 import CsmsHandlers16
from ocpplab_desktop.csms.handlers201 import CsmsHandlers201
from ocpplab_desktop.csms.operator_commands import OperatorCommands
from ocpplab_desktop.csms.policy import CsmsPolicy
from ocpplab_desktop.csms.publish_commands import PublishCommands
from ocpplab_desktop.csms.service_commands import ServiceCommands
from ocpplab_desktop.csms.standing_faults import StandingFaults
from ocpplab_desktop.csms.state import CsmsEvent, StationState
from ocpplab_desktop.model.config import OcppVersion
from ocpplab_desktop.model.events import EventBus
from ocpplab_desktop.protocol.endpoint import Endpoint
from ocpplab_desktop.protocol.errors import NotConnected
from ocpplab_desktop.protocol.frame import Side
from ocpplab_desktop.protocol.link_faults import LinkFaults
from ocpplab_desktop.protocol.tasks import TaskSet
from ocpplab_desktop.protocol.wsconn import DirectServerConnection

log = logging.getLogger(__name__)

# WebSocket subprotocol -> version, in the order the CSMS lists them (1.6J section 3.1.2; 2.0.1 part 4 3.1.2).
SUBPROTOCOLS: dict[str, OcppVersion] = {v.subprotocol: v for v in OcppVersion}
HANDLERS: dict[OcppVersion, type[CsmsHandlers]] = {h.version: h for h in (CsmsHandlers16, CsmsHandlers201)}
BUILDERS: dict[OcppVersion, type[CommandBuilder]] = {b.version: b for b in (Commands16, Commands201)}
COMMANDS = command_table(list(BUILDERS.values()))
MAX_PORT = 65535

# NotForThisVersion is the commands' error, raised by `send`; importable from here as before the split.
__all__ = [
    "BUILDERS",
    "COMMANDS",
    "HANDLERS",
    "MAX_PORT",
    "SUBPROTOCOLS",
    "MockCsms",
    "NotForThisVersion",
    "StationConnection",
    "StationNotConnected",
    "commands_for",
    "listen_problem",
    "negotiate",
    "offered_subprotocols",
    "station_id_of",
]


class StationNotConnected(NotConnected):
    """An operator command names a station that has no open connection to this CSMS."""


class StationConnection(Protocol):
    """What the CSMS needs of a station's connection: websockets' `ServerConnection` or an in-memory pipe.

    `recv` raises `websockets.ConnectionClosed` once the link has ended, as websockets' does.
    """

    async def send(self, message: str) -> None: ...

    async def recv(self) -> str | bytes: ...

    async def close(self, code: int = 1000, reason: str = "") -> None: ...

    def abort(self) -> None:
        """End the connection at once, with no close frame."""

    @property
    def close_code(self) -> int | None: ...


def commands_for(version: OcppVersion) -> list[str]:
    """The operator commands that apply to a station of `version` (`send` applies to all)."""
    return list(BUILDERS[version].actions)


def station_id_of(path: str) -> str:
    """The station id in a request path: its last segment, percent-decoded ('' if there is none)."""
    return unquote(urlsplit(path).path.rsplit("/", 1)[-1])


def offered_subprotocols(headers: Headers) -> list[Subprotocol]:
    """The subprotocols a client offers, in its order; InvalidHeader if the header is malformed."""
    return [p for value in headers.get_all("Sec-WebSocket-Protocol") for p in parse_subprotocol(value)]


def negotiate(offered: Sequence[str]) -> Subprotocol | None:
    """The first offered subprotocol that the CSMS speaks: the client's preference wins."""
    return next((Subprotocol(p) for p in offered if p in SUBPROTOCOLS), None)


def listen_problem(host: str, port: int) -> str | None:
    """Why the CSMS could not listen on host:port (the port taken, no such address here); None if it can.

    Binds and releases a socket the way asyncio's server does (SO_REUSEADDR, IPv6 sockets
    IPv6 only), so a port the server could take counts as free. Port 0 means any free port.
    """
    if not 0 <= port <= MAX_PORT:
        return f"port {port}: a port is a number from 0 to {MAX_PORT} (0 for any free port)"
    try:
        addresses = socket.getaddrinfo(host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)
    except socket.gaierror as exc:
        return f"cannot listen on {host!r}: {exc.strerror}; use an address of this machine, e.g. 127.0.0.1 or 0.0.0.0"
    for family, kind, proto, _, address in addresses:
        with socket.socket(family, kind, proto) as sock:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            if family == socket.AF_INET6:
                sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            try:
                sock.bind(address)
            except OSError as exc:
                if exc.errno == errno.EADDRINUSE:
                    return (
                        f"port {port} on {host} is already in use (another CSMS or lab?); "
                        "choose another with --port, or --port 0 for any free port"
                    )
                return f"cannot listen on {host}:{port}: {exc.strerror or exc}"
    return None


@dataclass(frozen=True)
class _Link:
    connection: StationConnection
    endpoint: Endpoint
    commands: CommandBuilder


class MockCsms(OperatorCommands, FileCommands, ServiceCommands, PublishCommands):
    """A CSMS for the lab: answers every station message by `policy`, keeps `stations`, sends commands."""

    def __init__(
        self,
        bus: EventBus,
        host: str = "127.0.0.1",
        port: int = 9000,
        policy: CsmsPolicy | None = None,
        *,
        clock: Clock = wall_clock,
        upload_dir: Path | None = None,
    ) -> None:
        """`upload_dir`: where the file service writes uploaded logs (default: a temporary folder)."""
        self.bus = bus
        self.host = host
        self._port = port
        self._policy = policy or CsmsPolicy()
        self._clock = clock  # what the handlers answer as the time and stamp records with
        self.stations: dict[str, StationState] = {}
        self._links: dict[str, _Link] = {}
        self._server: Server | None = None
        self._tasks = TaskSet("mock CSMS")
        self._transaction_ids = itertools.count(1)
        self._ids = CommandIds()
        self._faults: dict[str, LinkFaults] = {}
        self.on_new_station: Callable[[], None] | None = None
        """Called when a station the CSMS has not seen connects (the lab settles its heap after a fleet arrives)."""
        self.all_stations = StandingFaults(bus, self.faults)
        """CSMS faults standing for every station, those that connect later included."""
        self.files = FileService(bus, host, 0, upload_dir)
        """Firmware to download and a place for uploads, over HTTP on a port of its own (files.py)."""

    # --- lifecycle ------------------------------------------------------------------------
    @property
    def policy(self) -> CsmsPolicy:
        """The live policy: change its fields to change the next answers."""
        return self._policy

    @property
    def port(self) -> int:
        """The listening port (the one the system picked when constructed with port 0)."""
        return self._port

    @property
    def url(self) -> str:
        """Where stations connect, without the station id: ws://host:port."""
        return f"ws://{self.host}:{self._port}"

    @property
    def running(self) -> bool:
        return self._server is not None

    async def start(self) -> None:
        """Listen; OSError (e.g. EADDRINUSE) if the port cannot be bound."""
        if self._server is not None:
            return
        self._server = await serve(
            self._serve,
            self.host,
            self._port,
            subprotocols=[Subprotocol(p) for p in SUBPROTOCOLS],
            select_subprotocol=lambda _connection, offered: negotiate(offered),
            process_request=self._check_request,
            max_size=2**22,
            # Messages handed over by callback, frames written without a coroutine (`wsconn`).
            create_connection=DirectServerConnection,
        )
        self._port = self._server.sockets[0].getsockname()[1]
        log.info("mock CSMS listening on %s", self.url)
        await self.files.start()

    async def stop(self) -> None:
        """Close every station connection (code 1001) and stop listening."""
        server, self._server = self._server, None
        if server is not None:
            server.close()
            await server.wait_closed()
        # The server closed its own connections; what is left came in through `serve_connection`.
        for link in list(self._links.values()):
            await link.connection.close(1001, "the mock CSMS stopped")
        await self._tasks.cancel_all()
        await self.files.stop()

    async def wait_for(self, predicate: Callable[[], bool], timeout: float = 10.0, what: str = "the condition") -> None:
        """Return once `predicate()` holds, checked after every bus event; TimeoutError after `timeout` s.

        Every change of CSMS state happens while a frame or a station event is published,
        so checking on bus events misses nothing and needs no polling.
        """
        if predicate():
            return
        changed = asyncio.Event()
        unsubscribe = self.bus.subscribe(lambda _event: changed.set())
        try:
            async with asyncio.timeout(timeout):
                while not predicate():
                    await changed.wait()
                    changed.clear()
        except TimeoutError:
            raise TimeoutError(f"mock CSMS: {what} did not hold within {timeout:g} s") from None
        finally:
            unsubscribe()

    # --- handshake --------------------------------------------------------------------------
    def _check_request(self, connection: ServerConnection, request: Request) -> Response | None:
        """Refuse, with a reason a person can act on, what the CSMS cannot serve; None lets the upgrade go on."""
        station_id = station_id_of(request.path)
        if not station_id:
            return self._refuse(
                connection,
                "",
                HTTPStatus.NOT_FOUND,
                f"no station id in the path {request.path!r}: connect to {self.url}/<stationId>",
            )
        if self._policy.requires_password(station_id):
            problem = self._credentials_problem(station_id, request.headers.get("Authorization"))
            if problem is not None:
                response = self._refuse(connection, station_id, HTTPStatus.UNAUTHORIZED, problem)
                response.headers["WWW-Authenticate"] = 'Basic realm="OCPPLab mock CSMS", charset="UTF-8"'
                return response
        try:
            offered: list[str] = list(offered_subprotocols(request.headers))
        except InvalidHeader as exc:
            return self._refuse(connection, station_id, HTTPStatus.BAD_REQUEST, f"malformed subprotocol header: {exc}")
        if negotiate(offered) is None:
            # 1.6J section 3.1.2, 2.0.1 part 4 section 3.1.2: the subprotocol names the OCPP version.
            return self._refuse(
                connection,
                station_id,
                HTTPStatus.BAD_REQUEST,
                f"no supported OCPP subprotocol: offered {', '.join(offered) or 'none'}; "
                f"supported {', '.join(SUBPROTOCOLS)}",
            )
        return None

    def _credentials_problem(self, station_id: str, header: str | None) -> str | None:
        if header is None:
            return f"station {station_id} needs HTTP basic auth: user {station_id} and its password"
        try:
            username, password = parse_authorization_basic(header)
        except InvalidHeader:
            return "the Authorization header is not HTTP basic auth"
        if not self._policy.password_matches(station_id, username, password):
            return f"wrong credentials for station {station_id}: the user name is the station id"
        return None

    def _refuse(self, connection: ServerConnection, station_id: str, status: HTTPStatus, why: str) -> Response:
        self._note(station_id, CsmsEvent.REFUSED, f"{status.value} {status.phrase}: {why}", status=status.value)
        return connection.respond(status, why + "\n")

    # --- connections ------------------------------------------------------------------------
    async def _serve(self, connection: ServerConnection) -> None:
        assert connection.request is not None and connection.subprotocol is not None  # checked by the handshake
        assert isinstance(connection, DirectServerConnection)  # the server is made with it
        await self.serve_connection(
            connection,
            path=connection.request.path,
            subprotocol=connection.subprotocol,
            remote_address=_address(connection.remote_address),
        )

    async def serve_connection(
        self, connection: StationConnection, *, path: str, subprotocol: str, remote_address: str = "memory"
    ) -> None:
        """Serve one station's open connection until it closes.

        The websockets server calls this after its handshake; anything else that carries text
        frames (an in-memory pipe in a test) can call it directly. The handshake's checks of
        credentials are the transport's; here only the station id and the subprotocol matter.
        """
        station_id = station_id_of(path)
        if not station_id:
            raise ValueError(f"no station id in the path {path!r}")
        version = SUBPROTOCOLS.get(subprotocol)
        if version is None:
            raise ValueError(f"{subprotocol!r} is not an OCPP subprotocol: use one of {', '.join(SUBPROTOCOLS)}")
        state = self.stations.get(station_id)
        if state is None or state.version is not version:
            state = self.stations[station_id] = StationState(station_id, version)
            if self.on_new_station is not None:
                self.on_new_station()
        handler = HANDLERS[version](state, self._policy, self.bus, lambda: next(self._transaction_ids), now=self._clock)
        endpoint = Endpoint(
            station_id=station_id,
            version=version,
            side=Side.CSMS,
            handler=handler,
            bus=self.bus,
            response_timeout=self._policy.response_timeout,
        )
        self.faults(station_id).attach(endpoint.pipeline)
        self.all_stations.connected(station_id, version)
        link = _Link(connection, endpoint, BUILDERS[version](station_id, self._ids))
        stale = self._links.get(station_id)
        self._links[station_id] = link
        if stale is not None:
            # A reconnecting station replaces its stale connection rather than being refused.
            self._note(station_id, CsmsEvent.REPLACED, f"new connection from {remote_address} replaces the open one")
            self._tasks.spawn(stale.connection.close(1000, "replaced by a newer connection of the same station"))
        state.connected = True
        state.remote_address = remote_address
        self._note(station_id, CsmsEvent.CONNECTED, f"connected from {remote_address} with {subprotocol}")
        try:
            await endpoint.serve(connection)
        finally:
            if self._links.get(station_id) is link:
                del self._links[station_id]
                state.connected = False
                code = connection.close_code
                self._note(
                    station_id,
                    CsmsEvent.DISCONNECTED,
                    f"connection closed ({code if code is not None else 'no close frame'})",
                    code=code,
                )

    def _note(self, station_id: str, kind: CsmsEvent, detail: str, **data: Any) -> None:
        self.bus.publish(csms_event(station_id, kind, detail, **data))

    # --- links: what the operator commands reach a station through -------------------------
    def _link(self, station_id: str) -> _Link:
        link = self._links.get(station_id)
        if link is None:
            connected = ", ".join(sorted(self._links)) or "none"
            raise StationNotConnected(
                f"station {station_id} is not connected to the mock CSMS (connected: {connected})"
            )
        return link

    def faults(self, station_id: str) -> LinkFaults:
        """The faults the CSMS applies on its link to `station_id` (kept across reconnections)."""
        faults = self._faults.get(station_id)
        if faults is None:
            faults = self._faults[station_id] = LinkFaults(self.bus, station_id, "csms")
        return faults

    def connection(self, station_id: str) -> StationConnection:
        """The open connection to a station (to close or abort it on purpose)."""
        return self._link(station_id).connection

    def endpoint(self, station_id: str) -> Endpoint:
        """The open link to a station (for raw frames: `endpoint(...).send_raw`)."""
        return self._link(station_id).endpoint

    def commands(self, station_id: str) -> CommandBuilder:
        """The CALLs of the connected station's version for the operator commands."""
        return self._link(station_id).commands


def _address(remote: Any) -> str:
    """host:port of a peer (asyncio gives a 2-tuple for IPv4 and a 4-tuple for IPv6)."""
    if isinstance(remote, tuple) and len(remote) >= 2:
        return f"{remote[0]}:{remote[1]}"
    return str(remote)
