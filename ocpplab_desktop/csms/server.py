"""The embedded mock CSMS: a websockets server with one `Endpoint` per connected station.

Stations connect to ws://host:port/<stationId> (any path prefix works; the last segment is
the id). The handshake is checked before the upgrade, so a station that cannot be served
gets an HTTP answer that says why: 404 without a station id, 401 with wrong credentials,
400 without a supported OCPP subprotocol. Every frame is published by the endpoints with
side CSMS; connects, boots and transactions are published as `StationEvent`s. A connection
that did not come through the server (an in-memory pipe) is served by `serve_connection`.

Operator commands (`send` and the helpers below it) are version-aware without choosing by
version here: each station's `CommandBuilder` (`commands16.py`, `commands201.py`) builds the
CALL of its version or raises `NotForThisVersion` before anything is sent. `COMMANDS` is the
table of which command maps to which action in which version, read from the builders.
"""

from __future__ import annotations

import asyncio
import errno
import itertools
import logging
import socket
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import timedelta
from http import HTTPStatus
from pathlib import Path
from typing import Any, Protocol
from urllib.parse import unquote, urlsplit

from ocpp.v201.enums import IdTokenEnumType
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.datastructures import Headers
from websockets.exceptions import InvalidHeader
from websockets.headers import parse_authorization_basic, parse_subprotocol
from websockets.http11 import Request, Response
from websockets.typing import Subprotocol

from ocpplab_desktop.csms.commands import (
    CommandBuilder,
    CommandIds,
    ListedToken,
    NotForThisVersion,
    WireCall,
    command_table,
)
from ocpplab_desktop.csms.commands16 import Commands16
from ocpplab_desktop.csms.commands201 import Commands201
from ocpplab_desktop.csms.file_commands import FileCommands
from ocpplab_desktop.csms.files import FileService
from ocpplab_desktop.csms.handlers import Clock, CsmsHandlers, csms_event, wall_clock
from ocpplab_desktop.csms.handlers16 import CsmsHandlers16
from ocpplab_desktop.csms.handlers201 import CsmsHandlers201
from ocpplab_desktop.csms.policy import CsmsPolicy
from ocpplab_desktop.csms.publish_commands import PublishCommands
from ocpplab_desktop.csms.service_commands import ServiceCommands
from ocpplab_desktop.csms.standing_faults import StandingFaults
from ocpplab_desktop.csms.state import CsmsEvent, StationState
from ocpplab_desktop.model.config import OcppVersion
from ocpplab_desktop.model.events import EventBus
from ocpplab_desktop.protocol import schemas
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


class MockCsms(FileCommands, ServiceCommands, PublishCommands):
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

    # --- operator commands ------------------------------------------------------------------
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

    async def send(
        self, station_id: str, action: str, payload: dict[str, Any], *, timeout: float | None = None
    ) -> dict[str, Any]:
        """Send any CALL with a wire payload and return the station's answer payload.

        Raises StationNotConnected, NotForThisVersion, RpcError (the payload is not valid for
        the action), CallErrorReceived, CallTimeout, InvalidResponse or NotConnected.
        """
        endpoint = self.endpoint(station_id)
        if action not in schemas.ACTIONS[endpoint.version]:
            raise NotForThisVersion(f"{action} is not an OCPP {endpoint.version} action; {station_id} speaks that")
        return await endpoint.call_raw(action, payload, timeout=timeout)

    async def _run(self, station_id: str, call: WireCall) -> dict[str, Any]:
        return await self.endpoint(station_id).call_raw(call.action, call.payload)

    async def remote_start(
        self,
        station_id: str,
        id_token: str,
        *,
        connector_id: int | None = None,
        evse_id: int | None = None,
        token_type: str = IdTokenEnumType.central,
    ) -> dict[str, Any]:
        """1.6 RemoteStartTransaction (connector_id) / 2.0.1 RequestStartTransaction (evse_id, token_type)."""
        call = self.commands(station_id).remote_start(
            id_token, connector_id=connector_id, evse_id=evse_id, token_type=token_type
        )
        return await self._run(station_id, call)

    async def remote_stop(self, station_id: str, transaction_id: int | str) -> dict[str, Any]:
        """1.6 RemoteStopTransaction (integer id) / 2.0.1 RequestStopTransaction (string id)."""
        return await self._run(station_id, self.commands(station_id).remote_stop(transaction_id))

    async def reset(self, station_id: str, kind: str, *, evse_id: int | None = None) -> dict[str, Any]:
        """Reset: 1.6 kind Soft or Hard; 2.0.1 kind Immediate or OnIdle, optionally of one EVSE."""
        return await self._run(station_id, self.commands(station_id).reset(kind, evse_id=evse_id))

    async def change_availability(
        self, station_id: str, operative: bool, *, connector_id: int | None = None, evse_id: int | None = None
    ) -> dict[str, Any]:
        """ChangeAvailability of the whole station, a 1.6 connector, a 2.0.1 EVSE or EVSE connector."""
        call = self.commands(station_id).change_availability(operative, connector_id=connector_id, evse_id=evse_id)
        return await self._run(station_id, call)

    async def trigger_message(
        self, station_id: str, message: str, *, connector_id: int | None = None, evse_id: int | None = None
    ) -> dict[str, Any]:
        """TriggerMessage: 1.6 MessageTrigger / 2.0.1 MessageTriggerEnumType value, optionally for a connector/EVSE."""
        call = self.commands(station_id).trigger_message(message, connector_id=connector_id, evse_id=evse_id)
        return await self._run(station_id, call)

    async def unlock_connector(
        self, station_id: str, connector_id: int, *, evse_id: int | None = None
    ) -> dict[str, Any]:
        """UnlockConnector: 1.6 by connector_id; 2.0.1 needs evse_id and connector_id."""
        return await self._run(station_id, self.commands(station_id).unlock_connector(connector_id, evse_id=evse_id))

    async def get_configuration(self, station_id: str, keys: Sequence[str] | None = None) -> dict[str, Any]:
        """1.6 GetConfiguration; no keys asks for every key."""
        return await self._run(station_id, self.commands(station_id).get_configuration(keys))

    async def change_configuration(self, station_id: str, key: str, value: str) -> dict[str, Any]:
        return await self._run(station_id, self.commands(station_id).change_configuration(key, value))

    async def get_variables(self, station_id: str, items: list[dict[str, Any]]) -> dict[str, Any]:
        """2.0.1 GetVariables; `items` are GetVariableDataType dicts ({"component": {"name": ...}, "variable": ...})."""
        return await self._run(station_id, self.commands(station_id).get_variables(items))

    async def set_variables(self, station_id: str, items: list[dict[str, Any]]) -> dict[str, Any]:
        """2.0.1 SetVariables; `items` are SetVariableDataType dicts (with "attributeValue")."""
        return await self._run(station_id, self.commands(station_id).set_variables(items))

    async def get_base_report(
        self, station_id: str, report_base: str, *, request_id: int | None = None
    ) -> dict[str, Any]:
        """2.0.1 GetBaseReport; the NotifyReport parts collect in `stations[id].reports[request_id]`."""
        call = self.commands(station_id).get_base_report(report_base, request_id=request_id)
        answer = await self._run(station_id, call)
        self.stations[station_id].report(call.payload["requestId"]).status = str(answer["status"])
        return answer

    async def set_charging_profile(
        self,
        station_id: str,
        profile: dict[str, Any],
        *,
        connector_id: int | None = None,
        evse_id: int | None = None,
    ) -> dict[str, Any]:
        """SetChargingProfile; `profile` in the station version's wire form (1.6 csChargingProfiles,
        2.0.1 chargingProfile); without connector/EVSE, on 0: the whole station."""
        call = self.commands(station_id).set_charging_profile(profile, connector_id=connector_id, evse_id=evse_id)
        return await self._run(station_id, call)

    async def clear_charging_profile(
        self,
        station_id: str,
        *,
        profile_id: int | None = None,
        connector_id: int | None = None,
        evse_id: int | None = None,
        purpose: str | None = None,
        stack_level: int | None = None,
    ) -> dict[str, Any]:
        """ClearChargingProfile by id, or by connector (1.6) / EVSE (2.0.1), purpose and stack level."""
        call = self.commands(station_id).clear_charging_profile(
            profile_id=profile_id, connector_id=connector_id, evse_id=evse_id, purpose=purpose, stack_level=stack_level
        )
        return await self._run(station_id, call)

    async def get_composite_schedule(
        self,
        station_id: str,
        duration_s: int,
        *,
        connector_id: int | None = None,
        evse_id: int | None = None,
        unit: str | None = None,
    ) -> dict[str, Any]:
        """GetCompositeSchedule for `duration_s` from now, of a connector/EVSE or (0) the whole station."""
        call = self.commands(station_id).get_composite_schedule(
            duration_s, connector_id=connector_id, evse_id=evse_id, unit=unit
        )
        return await self._run(station_id, call)

    async def get_charging_profiles(
        self,
        station_id: str,
        *,
        request_id: int | None = None,
        evse_id: int | None = None,
        purpose: str | None = None,
        stack_level: int | None = None,
        profile_ids: Sequence[int] | None = None,
    ) -> dict[str, Any]:
        """2.0.1 GetChargingProfiles; the profiles come in ReportChargingProfiles CALLs after the answer."""
        call = self.commands(station_id).get_charging_profiles(
            request_id=request_id, evse_id=evse_id, purpose=purpose, stack_level=stack_level, profile_ids=profile_ids
        )
        return await self._run(station_id, call)

    # --- reservations and the local list ------------------------------------------------------------
    async def reserve_now(
        self,
        station_id: str,
        reservation_id: int,
        id_token: str,
        expiry: str | float,
        *,
        connector_id: int | None = None,
        evse_id: int | None = None,
        group: str | None = None,
        connector_type: str | None = None,
        token_type: str = IdTokenEnumType.iso14443,
    ) -> dict[str, Any]:
        """ReserveNow until `expiry` (an OCPP dateTime, or seconds from now on the CSMS's clock) for `id_token`
        (or its parent / group `group`): of a 1.6 connector (none: connector 0) or a 2.0.1 EVSE (none: an
        unspecified EVSE, maybe of `connector_type`)."""
        if not isinstance(expiry, str):
            until = self._clock() + timedelta(seconds=expiry)
            expiry = until.isoformat(timespec="milliseconds").replace("+00:00", "Z")
        call = self.commands(station_id).reserve_now(
            reservation_id,
            id_token,
            expiry,
            connector_id=connector_id,
            evse_id=evse_id,
            group=group,
            connector_type=connector_type,
            token_type=token_type,
        )
        return await self._run(station_id, call)

    async def cancel_reservation(self, station_id: str, reservation_id: int) -> dict[str, Any]:
        return await self._run(station_id, self.commands(station_id).cancel_reservation(reservation_id))

    async def send_local_list(
        self,
        station_id: str,
        version: int,
        entries: Sequence[ListedToken] = (),
        *,
        full: bool = True,
        token_type: str = IdTokenEnumType.iso14443,
    ) -> dict[str, Any]:
        """SendLocalList: the whole list (`full`) or the changes to it, with the version it has afterwards;
        an entry with status None removes its token (Differential)."""
        call = self.commands(station_id).send_local_list(version, entries, full=full, token_type=token_type)
        return await self._run(station_id, call)

    async def get_local_list_version(self, station_id: str) -> dict[str, Any]:
        return await self._run(station_id, self.commands(station_id).get_local_list_version())


def _address(remote: Any) -> str:
    """host:port of a peer (asyncio gives a 2-tuple for IPv4 and a 4-tuple for IPv6)."""
    if isinstance(remote, tuple) and len(remote) >= 2:
        return f"{remote[0]}:{remote[1]}"
    return str(remote)
