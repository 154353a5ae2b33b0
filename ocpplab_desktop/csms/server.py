"""The embedded mock CSMS: a websockets server with one `Endpoint` per connected station.

Stations connect to ws://host:port/<stationId> (any path prefix works; the last segment is
the id). The handshake is checked before the upgrade, so a station that cannot be served
gets an HTTP answer that says why: 404 without a station id, 401 with wrong credentials,
400 without a supported OCPP subprotocol. Every frame is published by the endpoints with
side CSMS; connects, boots and transactions are published as `StationEvent`s.

Operator commands (`send` and the helpers below it) are version-aware: `COMMANDS` is the one
table of which command maps to which action in which version, and a command that does not
apply to a station's version raises `NotForThisVersion` before anything is sent.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
from collections.abc import Callable, Coroutine, Sequence
from dataclasses import dataclass
from http import HTTPStatus
from types import ModuleType
from typing import Any
from urllib.parse import unquote, urlsplit

from ocpp import v16, v201
from ocpp.v16.enums import Action as Action16
from ocpp.v16.enums import AvailabilityType, ResetType
from ocpp.v201.enums import Action as Action201
from ocpp.v201.enums import IdTokenEnumType, OperationalStatusEnumType, ResetEnumType
from websockets.asyncio.server import Server, ServerConnection, serve
from websockets.datastructures import Headers
from websockets.exceptions import InvalidHeader
from websockets.headers import parse_authorization_basic, parse_subprotocol
from websockets.http11 import Request, Response
from websockets.typing import Subprotocol

from ocpplab_desktop.csms.handlers import CsmsHandlers, csms_event
from ocpplab_desktop.csms.handlers16 import CsmsHandlers16
from ocpplab_desktop.csms.handlers201 import CsmsHandlers201
from ocpplab_desktop.csms.policy import CsmsPolicy
from ocpplab_desktop.csms.state import CsmsEvent, StationState
from ocpplab_desktop.model.config import OcppVersion
from ocpplab_desktop.model.events import EventBus
from ocpplab_desktop.protocol import schemas
from ocpplab_desktop.protocol.codec import to_wire
from ocpplab_desktop.protocol.endpoint import Endpoint
from ocpplab_desktop.protocol.errors import NotConnected
from ocpplab_desktop.protocol.frame import Side

log = logging.getLogger(__name__)

V16, V201 = OcppVersion.V16, OcppVersion.V201

# WebSocket subprotocol -> version, in the order the CSMS lists them (1.6J section 3.1.2; 2.0.1 part 4 3.1.2).
SUBPROTOCOLS: dict[str, OcppVersion] = {v.subprotocol: v for v in OcppVersion}
HANDLERS: dict[OcppVersion, type[CsmsHandlers]] = {V16: CsmsHandlers16, V201: CsmsHandlers201}
CALLS: dict[OcppVersion, ModuleType] = {V16: v16.call, V201: v201.call}


class StationNotConnected(NotConnected):
    """An operator command names a station that has no open connection to this CSMS."""


class NotForThisVersion(ValueError):
    """A command or one of its arguments does not apply to the station's OCPP version."""


@dataclass(frozen=True)
class Command:
    """An operator command: the name of its `MockCsms` method and its action in each version it exists in."""

    name: str
    actions: dict[OcppVersion, str]


COMMANDS: dict[str, Command] = {
    c.name: c
    for c in (
        Command("remote_start", {V16: Action16.remote_start_transaction, V201: Action201.request_start_transaction}),
        Command("remote_stop", {V16: Action16.remote_stop_transaction, V201: Action201.request_stop_transaction}),
        Command("reset", {V16: Action16.reset, V201: Action201.reset}),
        Command("change_availability", {V16: Action16.change_availability, V201: Action201.change_availability}),
        Command("trigger_message", {V16: Action16.trigger_message, V201: Action201.trigger_message}),
        Command("unlock_connector", {V16: Action16.unlock_connector, V201: Action201.unlock_connector}),
        Command("get_configuration", {V16: Action16.get_configuration}),
        Command("change_configuration", {V16: Action16.change_configuration}),
        Command("get_variables", {V201: Action201.get_variables}),
        Command("set_variables", {V201: Action201.set_variables}),
        Command("get_base_report", {V201: Action201.get_base_report}),
    )
}


def commands_for(version: OcppVersion) -> list[str]:
    """The operator commands that apply to a station of `version` (`send` applies to all)."""
    return [c.name for c in COMMANDS.values() if version in c.actions]


def station_id_of(path: str) -> str:
    """The station id in a request path: its last segment, percent-decoded ('' if there is none)."""
    return unquote(urlsplit(path).path.rsplit("/", 1)[-1])


def offered_subprotocols(headers: Headers) -> list[Subprotocol]:
    """The subprotocols a client offers, in its order; InvalidHeader if the header is malformed."""
    return [p for value in headers.get_all("Sec-WebSocket-Protocol") for p in parse_subprotocol(value)]


def negotiate(offered: Sequence[str]) -> Subprotocol | None:
    """The first offered subprotocol that the CSMS speaks: the client's preference wins."""
    return next((Subprotocol(p) for p in offered if p in SUBPROTOCOLS), None)


@dataclass(frozen=True)
class _Link:
    connection: ServerConnection
    endpoint: Endpoint


class MockCsms:
    """A CSMS for the lab: answers every station message by `policy`, keeps `stations`, sends commands."""

    def __init__(
        self, bus: EventBus, host: str = "127.0.0.1", port: int = 9000, policy: CsmsPolicy | None = None
    ) -> None:
        self.bus = bus
        self.host = host
        self._port = port
        self._policy = policy or CsmsPolicy()
        self.stations: dict[str, StationState] = {}
        self._links: dict[str, _Link] = {}
        self._server: Server | None = None
        self._tasks: set[asyncio.Task[Any]] = set()
        self._transaction_ids = itertools.count(1)
        self._remote_start_ids = itertools.count(1)
        self._request_ids = itertools.count(1)

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
        )
        self._port = self._server.sockets[0].getsockname()[1]
        log.info("mock CSMS listening on %s", self.url)

    async def stop(self) -> None:
        """Close every station connection (code 1001) and stop listening."""
        server, self._server = self._server, None
        if server is None:
            return
        server.close()
        await server.wait_closed()
        await asyncio.gather(*self._tasks, return_exceptions=True)

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
        station_id = station_id_of(connection.request.path)
        version = SUBPROTOCOLS[connection.subprotocol]
        state = self.stations.get(station_id)
        if state is None or state.version is not version:
            state = self.stations[station_id] = StationState(station_id, version)
        handler = HANDLERS[version](state, self._policy, self.bus, lambda: next(self._transaction_ids))
        endpoint = Endpoint(
            station_id=station_id,
            version=version,
            side=Side.CSMS,
            handler=handler,
            bus=self.bus,
            response_timeout=self._policy.response_timeout,
        )
        link = _Link(connection, endpoint)
        stale = self._links.get(station_id)
        self._links[station_id] = link
        address = _address(connection.remote_address)
        if stale is not None:
            # A reconnecting station replaces its stale connection rather than being refused.
            self._note(station_id, CsmsEvent.REPLACED, f"new connection from {address} replaces the open one")
            self._spawn(stale.connection.close(1000, "replaced by a newer connection of the same station"))
        state.connected = True
        state.remote_address = address
        self._note(station_id, CsmsEvent.CONNECTED, f"connected from {address} with {connection.subprotocol}")
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

    def _spawn(self, work: Coroutine[Any, Any, Any]) -> None:
        task = asyncio.ensure_future(work)
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    def _note(self, station_id: str, kind: CsmsEvent, detail: str, **data: Any) -> None:
        self.bus.publish(csms_event(station_id, kind, detail, **data))

    # --- operator commands ------------------------------------------------------------------
    def endpoint(self, station_id: str) -> Endpoint:
        """The open link to a station (for raw frames: `endpoint(...).send_raw`)."""
        link = self._links.get(station_id)
        if link is None:
            connected = ", ".join(sorted(self._links)) or "none"
            raise StationNotConnected(
                f"station {station_id} is not connected to the mock CSMS (connected: {connected})"
            )
        return link.endpoint

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

    def _target(self, station_id: str, command: str) -> Endpoint:
        endpoint = self.endpoint(station_id)
        if endpoint.version not in COMMANDS[command].actions:
            raise NotForThisVersion(
                f"{command} does not apply to {station_id}, an OCPP {endpoint.version} station; "
                f"its commands: {', '.join(commands_for(endpoint.version))}"
            )
        return endpoint

    @staticmethod
    async def _run(endpoint: Endpoint, command: str, **fields: Any) -> dict[str, Any]:
        action = COMMANDS[command].actions[endpoint.version]
        payload = getattr(CALLS[endpoint.version], action)(**fields)
        return await endpoint.call_raw(action, to_wire(payload))

    @staticmethod
    def _evse(endpoint: Endpoint, connector_id: int | None, evse_id: int | None) -> dict[str, int] | None:
        """Check how a command addresses a connector; for 2.0.1 return its EVSEType."""
        if endpoint.version is V16:
            if evse_id is not None:
                raise NotForThisVersion(
                    f"{endpoint.station_id} speaks OCPP 1.6, which has no EVSEs: address it by connector_id"
                )
            return None
        if evse_id is None:
            if connector_id is not None:
                raise NotForThisVersion(
                    f"{endpoint.station_id} speaks OCPP 2.0.1: a connector is addressed by evse_id and connector_id"
                )
            return None
        return {"id": evse_id} if connector_id is None else {"id": evse_id, "connector_id": connector_id}

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
        endpoint = self._target(station_id, "remote_start")
        evse = self._evse(endpoint, connector_id, evse_id)
        if endpoint.version is V16:
            return await self._run(endpoint, "remote_start", id_tag=id_token, connector_id=connector_id)
        if evse is not None and "connector_id" in evse:
            raise NotForThisVersion("RequestStartTransaction addresses an EVSE: give evse_id only")
        return await self._run(
            endpoint,
            "remote_start",
            id_token={"id_token": id_token, "type": token_type},
            remote_start_id=next(self._remote_start_ids),
            evse_id=evse_id,
        )

    async def remote_stop(self, station_id: str, transaction_id: int | str) -> dict[str, Any]:
        """1.6 RemoteStopTransaction (integer id) / 2.0.1 RequestStopTransaction (string id)."""
        endpoint = self._target(station_id, "remote_stop")
        tx_id = int(transaction_id) if endpoint.version is V16 else str(transaction_id)
        return await self._run(endpoint, "remote_stop", transaction_id=tx_id)

    async def reset(self, station_id: str, kind: str, *, evse_id: int | None = None) -> dict[str, Any]:
        """Reset: 1.6 kind Soft or Hard; 2.0.1 kind Immediate or OnIdle, optionally of one EVSE."""
        endpoint = self._target(station_id, "reset")
        self._evse(endpoint, None, evse_id)
        kinds = [k.value for k in (ResetType if endpoint.version is V16 else ResetEnumType)]
        if kind not in kinds:
            raise NotForThisVersion(
                f"{kind!r} is not an OCPP {endpoint.version} reset type: use one of {', '.join(kinds)}"
            )
        if endpoint.version is V16:
            return await self._run(endpoint, "reset", type=kind)
        return await self._run(endpoint, "reset", type=kind, evse_id=evse_id)

    async def change_availability(
        self, station_id: str, operative: bool, *, connector_id: int | None = None, evse_id: int | None = None
    ) -> dict[str, Any]:
        """ChangeAvailability of the whole station, a 1.6 connector, a 2.0.1 EVSE or EVSE connector."""
        endpoint = self._target(station_id, "change_availability")
        evse = self._evse(endpoint, connector_id, evse_id)
        if endpoint.version is V16:
            kind = AvailabilityType.operative if operative else AvailabilityType.inoperative
            # 1.6 section 5.2: connectorId 0 addresses the whole Charge Point.
            return await self._run(endpoint, "change_availability", connector_id=connector_id or 0, type=kind)
        status = OperationalStatusEnumType.operative if operative else OperationalStatusEnumType.inoperative
        return await self._run(endpoint, "change_availability", operational_status=status, evse=evse)

    async def trigger_message(
        self, station_id: str, message: str, *, connector_id: int | None = None, evse_id: int | None = None
    ) -> dict[str, Any]:
        """TriggerMessage: 1.6 MessageTrigger / 2.0.1 MessageTriggerEnumType value, optionally for a connector/EVSE."""
        endpoint = self._target(station_id, "trigger_message")
        evse = self._evse(endpoint, connector_id, evse_id)
        if endpoint.version is V16:
            return await self._run(endpoint, "trigger_message", requested_message=message, connector_id=connector_id)
        return await self._run(endpoint, "trigger_message", requested_message=message, evse=evse)

    async def unlock_connector(
        self, station_id: str, connector_id: int, *, evse_id: int | None = None
    ) -> dict[str, Any]:
        """UnlockConnector: 1.6 by connector_id; 2.0.1 needs evse_id and connector_id."""
        endpoint = self._target(station_id, "unlock_connector")
        self._evse(endpoint, connector_id, evse_id)
        if endpoint.version is V16:
            return await self._run(endpoint, "unlock_connector", connector_id=connector_id)
        return await self._run(endpoint, "unlock_connector", evse_id=evse_id, connector_id=connector_id)

    async def get_configuration(self, station_id: str, keys: Sequence[str] | None = None) -> dict[str, Any]:
        """1.6 GetConfiguration; no keys asks for every key."""
        endpoint = self._target(station_id, "get_configuration")
        return await self._run(endpoint, "get_configuration", key=list(keys) if keys else None)

    async def change_configuration(self, station_id: str, key: str, value: str) -> dict[str, Any]:
        endpoint = self._target(station_id, "change_configuration")
        return await self._run(endpoint, "change_configuration", key=key, value=value)

    async def get_variables(self, station_id: str, items: list[dict[str, Any]]) -> dict[str, Any]:
        """2.0.1 GetVariables; `items` are GetVariableDataType dicts ({"component": {"name": ...}, "variable": ...})."""
        endpoint = self._target(station_id, "get_variables")
        return await self._run(endpoint, "get_variables", get_variable_data=items)

    async def set_variables(self, station_id: str, items: list[dict[str, Any]]) -> dict[str, Any]:
        """2.0.1 SetVariables; `items` are SetVariableDataType dicts (with "attributeValue")."""
        endpoint = self._target(station_id, "set_variables")
        return await self._run(endpoint, "set_variables", set_variable_data=items)

    async def get_base_report(
        self, station_id: str, report_base: str, *, request_id: int | None = None
    ) -> dict[str, Any]:
        """2.0.1 GetBaseReport; the NotifyReport parts collect in `stations[id].reports[request_id]`."""
        endpoint = self._target(station_id, "get_base_report")
        rid = request_id if request_id is not None else next(self._request_ids)
        answer = await self._run(endpoint, "get_base_report", request_id=rid, report_base=report_base)
        self.stations[station_id].report(rid).status = str(answer["status"])
        return answer


def _address(remote: Any) -> str:
    """host:port of a peer (asyncio gives a 2-tuple for IPv4 and a 4-tuple for IPv6)."""
    if isinstance(remote, tuple) and len(remote) >= 2:
        return f"{remote[0]}:{remote[1]}"
    return str(remote)
