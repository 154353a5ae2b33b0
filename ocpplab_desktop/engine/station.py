"""A virtual station: its connection, boot, timers, connectors and the user's actions.

The station is version-neutral; everything that differs between 1.6 and 2.0.1 is in the
dialect (`protocol/cp16.py`, `protocol/cp201.py`). It owns:

* the link: connect with the version's subprotocol (and basic auth), reconnect with
  exponential back-off and jitter, boot again after every reconnect;
* the outbox: CALLs leave one at a time, in order, and only once the CSMS has accepted the
  boot (1.6 section 4.2, 2.0.1 B02.FR.02) - except BootNotification itself;
* the connectors and their meters, advanced on the shared simulated clock.
"""

from __future__ import annotations

import asyncio
import base64
import logging
import random
import time
from collections import deque
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from typing import Any, TypeVar

import websockets

from ocpplab_desktop.model.auth_cache import AuthCache, AuthSettings, TokenInfo
from ocpplab_desktop.model.clock import SimClock, Timer
from ocpplab_desktop.model.config import OcppVersion, StationConfig
from ocpplab_desktop.model.connector import ACTION_LABELS, Connector, FaultInfo, Refused, UserAction, transition_allowed
from ocpplab_desktop.model.events import ConnectorStateChanged, EventBus, MeterSample, StationEvent
from ocpplab_desktop.model.meter import ConnectorMeter, EvProfile, MeterReading, default_ev_for
from ocpplab_desktop.protocol.cp16 import ChargePoint16
from ocpplab_desktop.protocol.cp201 import ChargingStation201
from ocpplab_desktop.protocol.endpoint import Endpoint
from ocpplab_desktop.protocol.errors import CallErrorReceived, CallTimeout, InvalidResponse, NotConnected, RpcError
from ocpplab_desktop.protocol.frame import Side

log = logging.getLogger(__name__)
_T = TypeVar("_T")

OFFLINE = "Offline"
"""The status of a token the station could neither ask the CSMS about nor authorize locally."""
BOOT_RETRY_DEFAULT_S = 30  # when a Pending/Rejected answer gives interval 0


async def sleep_sim(clock: SimClock, seconds: float) -> None:
    """Sleep in simulated time: follows the lab's speed and pause."""
    future: asyncio.Future[None] = asyncio.get_running_loop().create_future()

    def wake() -> None:
        if not future.done():
            future.set_result(None)

    timer = clock.scheduler.call_later(seconds, wake)
    try:
        await future
    finally:
        timer.cancel()


@dataclass
class _Outgoing:
    action: str
    payload: dict[str, Any] | Callable[[], dict[str, Any]]
    future: asyncio.Future[dict[str, Any]]
    transactional: bool
    on_answer: Callable[[dict[str, Any]], None] | None = None
    """Run with the answer before the next CALL leaves: what it sets, that CALL's payload can use."""
    sent: int = 0
    """Transmissions so far: a transaction message the CSMS failed is sent again."""


@dataclass
class Backoff:
    """Reconnect delays: first, doubling up to maximum, each scaled by a random 50-100 %."""

    first_s: float = 1.0
    maximum_s: float = 60.0

    def delay(self, attempt: int) -> float:
        return min(self.maximum_s, self.first_s * 2**attempt) * random.uniform(0.5, 1.0)


@dataclass
class _Track:
    """Per-connector bookkeeping the model does not need to know."""

    meter: ConnectorMeter
    last_advance: float = 0.0
    charging_state: str = ""
    remote_start_id: int | None = None
    connection_timer: Timer | None = None
    tx_token: str | None = None
    tx_serial: int = 0
    """Counts the connector's transactions: an answer that comes late acts only on its own one."""


@dataclass
class StationOptions:
    response_timeout_s: float = 30.0
    auto_start: bool = True  # start the transaction as soon as cable and token are there
    graph_sample_s: float | None = 1.0  # MeterSample events for graphs; None: only with MeterValues
    backoff: Backoff = field(default_factory=Backoff)
    ev: EvProfile | None = None  # the car that plugs in; default: one that fits the connector


class Station:
    """One virtual charging station speaking OCPP 1.6J or 2.0.1."""

    def __init__(
        self, config: StationConfig, *, bus: EventBus, clock: SimClock, url: str, options: StationOptions | None = None
    ) -> None:
        self.config = config.validate()
        self.bus = bus
        self.clock = clock
        self.url = url
        self.options = options or StationOptions()
        self.connectors: list[Connector] = []
        self._track: dict[int, _Track] = {}
        for number, (evse_id, cc) in enumerate(config.connectors(), start=1):
            c = Connector(config.ocpp_version, evse_id, cc.id, number, cc)
            self.connectors.append(c)
            self._track[id(c)] = _Track(ConnectorMeter(cc), last_advance=clock.now)
        self.dialect: ChargePoint16 | ChargingStation201 = (
            ChargePoint16(self) if config.ocpp_version is OcppVersion.V16 else ChargingStation201(self)
        )
        self.endpoint = Endpoint(
            station_id=config.id,
            version=config.ocpp_version,
            side=Side.STATION,
            handler=self.dialect,
            bus=bus,
            response_timeout=self.options.response_timeout_s,
        )
        self.registration: str | None = None
        self.connected = False
        self._accepted = asyncio.Event()
        self._outbox: deque[_Outgoing] = deque()
        self.auth_cache = AuthCache()
        """Tokens the CSMS answered for; it survives reconnects and reboots, as a real cache would."""
        self._wake = asyncio.Event()
        self._tasks: set[asyncio.Task[Any]] = set()
        self._run_task: asyncio.Task[None] | None = None
        self._ws: Any = None
        self._stopping = False
        self._link_up = asyncio.Event()
        """Set while the station wants to be online: from start/connect until disconnect/stop."""
        self._boot_reason = "PowerUp"
        self._heartbeat: Timer | None = None
        self._meter_timer: Timer | None = None
        self._graph_timer: Timer | None = None
        self._aligned_timer: Timer | None = None
        for c in self.connectors:
            c.reported = c.status()

    # --- identity -------------------------------------------------------------------------
    @property
    def id(self) -> str:
        return self.config.id

    @property
    def version(self) -> OcppVersion:
        return self.config.ocpp_version

    def connector(self, evse_id: int, connector_id: int = 1) -> Connector:
        for c in self.connectors:
            if c.evse_id == evse_id and c.connector_id == connector_id:
                return c
        raise KeyError(f"{self.id} has no EVSE {evse_id} connector {connector_id}")

    def meter(self, c: Connector) -> ConnectorMeter:
        return self._track[id(c)].meter

    # --- lifecycle ------------------------------------------------------------------------
    def start(self) -> None:
        """Switch the station on: connect (reconnecting with back-off), boot, run its timers."""
        self._link_up.set()
        if self._run_task is None or self._run_task.done():
            self._stopping = False
            self._run_task = asyncio.get_running_loop().create_task(self._run(), name=f"station {self.id}")
            if self.options.graph_sample_s:
                self._graph_timer = self.clock.scheduler.call_every(self.options.graph_sample_s, self._graph_sample)

    @property
    def online(self) -> bool:
        """Connected and accepted by the CSMS: what is sent now arrives now."""
        return self._accepted.is_set()

    @property
    def link_up(self) -> bool:
        """Whether the station tries to be online: False before start, after stop, and while the network
        is down (`disconnect`, when the station runs on but does not connect)."""
        return self._link_up.is_set()

    async def disconnect(self) -> None:
        """The network goes down: close the connection and stay offline until `connect`.

        Unlike `stop`, the station keeps running: connectors take actions, meters are sampled on
        their timers, transaction messages queue in the outbox (1.6 section 4.7, 2.0.1 E12).
        """
        self._link_up.clear()
        self.note("link_down", "network link down: offline until connected again")
        if self._ws is not None:
            await self._ws.close(1001, "network link down (simulated)")

    def connect(self) -> None:
        """The network is back (or the station is switched on): connect, boot, send what queued."""
        if not self._link_up.is_set():
            self.note("link_up", "network link up")
        self.start()

    async def stop(self) -> None:
        """Disconnect for good and cancel every timer and task of this station."""
        self._stopping = True
        self._link_up.clear()
        for timer in (self._heartbeat, self._meter_timer, self._graph_timer, self._aligned_timer):
            if timer is not None:
                timer.cancel()
        if self._ws is not None:
            await self._ws.close()
        tasks = [t for t in (self._run_task, *self._tasks) if t is not None and not t.done()]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        self._run_task = None

    async def _run(self) -> None:
        attempt = 0
        subprotocol = self.version.subprotocol
        while not self._stopping:
            await self._link_up.wait()
            try:
                async with websockets.connect(
                    self._endpoint_url(),
                    subprotocols=[websockets.Subprotocol(subprotocol)],
                    additional_headers=self._auth_headers(),
                    open_timeout=10,
                    ping_interval=self.dialect.ping_interval or None,
                    max_size=2**22,
                ) as ws:
                    if ws.subprotocol != subprotocol:
                        self.note(
                            "refused", f"the CSMS did not accept subprotocol {subprotocol} (got {ws.subprotocol})"
                        )
                        await ws.close(1002, "subprotocol required")
                        raise ConnectionError("no OCPP subprotocol agreed")
                    attempt = 0
                    await self._online(ws)
            except asyncio.CancelledError:
                raise
            except (OSError, websockets.InvalidHandshake, websockets.InvalidURI, ConnectionError, TimeoutError) as exc:
                self.note("connect_failed", f"cannot connect to {self._endpoint_url()}: {exc}")
            except Exception as exc:
                # A bug must not end the station's life: record it and reconnect.
                log.exception("%s: connection failed", self.id)
                self.note("error", f"connection failed: {type(exc).__name__}: {exc}")
            finally:
                self._offline()
            if self._stopping:
                return
            if not self._link_up.is_set():
                attempt = 0  # no attempts while the link is down; connect() starts afresh
                continue
            delay = 0.0 if self._boot_reason != "PowerUp" and attempt == 0 else self.options.backoff.delay(attempt)
            attempt += 1
            if delay:
                self.note("reconnect", f"reconnecting in {delay:.1f} s", delay_s=delay)
                await asyncio.sleep(delay)

    def _endpoint_url(self) -> str:
        base = self.url.rstrip("/")
        return base if base.endswith("/" + self.id) else f"{base}/{self.id}"

    def _auth_headers(self) -> dict[str, str]:
        if not self.config.password:
            return {}
        # Security profile 1: HTTP basic auth with the station id as user name (1.6 security
        # whitepaper section 2.3; 2.0.1 part 2 A00.FR.2xx).
        token = base64.b64encode(f"{self.id}:{self.config.password}".encode()).decode()
        return {"Authorization": f"Basic {token}"}

    async def _online(self, ws: Any) -> None:
        self._ws = ws
        self.connected = True
        self.endpoint.attach(ws)
        self.note("connected", f"connected to {self._endpoint_url()} ({ws.subprotocol})")
        reader = asyncio.ensure_future(self.endpoint.serve(ws))
        sender = asyncio.ensure_future(self._sender())
        booting = asyncio.ensure_future(self._boot())
        try:
            await reader
        finally:
            for task in (sender, booting):
                task.cancel()
            await asyncio.gather(sender, booting, return_exceptions=True)
        self.note("disconnected", f"connection closed (code {ws.close_code}, {ws.close_reason or 'no reason'})")

    def _offline(self) -> None:
        self._ws = None
        self.connected = False
        self.registration = None
        self._accepted.clear()
        if self._heartbeat is not None:
            self._heartbeat.cancel()
            self._heartbeat = None
        # Only transaction messages wait for the link to come back (1.6 "Transaction-related
        # messages", 2.0.1 E12); the rest fail now, and the current status is sent after the next boot.
        kept: deque[_Outgoing] = deque()
        for item in self._outbox:
            if item.transactional:
                kept.append(item)
            elif not item.future.done():
                item.future.set_exception(NotConnected(f"{item.action} not sent: offline"))
        self._outbox = kept

    async def _boot(self) -> None:
        action, payload = self.dialect.boot_request(self._boot_reason)
        while True:
            try:
                answer = await self.endpoint.call_raw(action, payload)
            except (CallTimeout, CallErrorReceived, InvalidResponse) as exc:
                self.note("boot_failed", str(exc))
                await self.sleep_sim(BOOT_RETRY_DEFAULT_S)
                continue
            status, interval = self.dialect.boot_outcome(answer)
            if status != "Accepted":
                self.registration = status
            self.note("boot", f"BootNotification {status}, interval {interval} s", status=status, interval=interval)
            if status == "Accepted":
                break
            # Pending/Rejected: retry after the interval, send nothing else (1.6 4.2, 2.0.1 B02/B03).
            await self.sleep_sim(interval or BOOT_RETRY_DEFAULT_S)
        self._boot_reason = "PowerUp"
        if interval > 0:
            self.dialect_set_heartbeat(interval)
        self._arm_heartbeat()
        self._arm_meter()
        self._arm_aligned()
        self._accepted.set()
        await self._quiet(self.dialect.statuses_after_boot())
        for c in self.connectors:
            c.reported = c.status()
            await self._quiet(self.dialect.status(c, c.reported))
        # Registered once the CSMS knows every connector's status: from here on the station is in use.
        self.registration = status

    def dialect_set_heartbeat(self, interval: int) -> None:
        """The boot answer's interval becomes the heartbeat interval (1.6 4.2, 2.0.1 B01.FR.04)."""
        if isinstance(self.dialect, ChargePoint16):
            self.dialect.keys.change("HeartbeatInterval", str(interval))
        else:
            self.dialect.model.update_actual("OCPPCommCtrlr", "HeartbeatInterval", str(interval))

    def _arm_heartbeat(self) -> None:
        if self._heartbeat is not None:
            self._heartbeat.cancel()
        interval = self.dialect.heartbeat_interval
        self._heartbeat = self.clock.scheduler.call_every(interval, self._heartbeat_due) if interval > 0 else None

    def _arm_meter(self) -> None:
        if self._meter_timer is not None:
            self._meter_timer.cancel()
        interval = self.dialect.meter_interval
        self._meter_timer = self.clock.scheduler.call_every(interval, self._meter_due) if interval > 0 else None

    def _arm_aligned(self) -> None:
        """Clock-aligned samples fall on multiples of the interval since midnight UTC (1.6 section 9.1.2)."""
        if self._aligned_timer is not None:
            self._aligned_timer.cancel()
            self._aligned_timer = None
        interval = self.dialect.aligned_interval
        if interval <= 0:
            return
        now = self.clock.utc_now()
        since_midnight = now.hour * 3600 + now.minute * 60 + now.second + now.microsecond / 1e6
        first = interval - since_midnight % interval
        self._aligned_timer = self.clock.scheduler.call_every(interval, self._aligned_due, first_delay=first)

    def _aligned_due(self) -> None:
        if not self._accepted.is_set():
            return
        for c in self.connectors:
            self.spawn(self._quiet(self.dialect.aligned_values(c, self.reading(c))))

    def on_setting_changed(self, name: str, value: str) -> None:
        if name in ("HeartbeatInterval", "OCPPCommCtrlr.HeartbeatInterval") and self.registration == "Accepted":
            self._arm_heartbeat()
        elif name in ("MeterValueSampleInterval", "SampledDataCtrlr.TxUpdatedInterval"):
            self._arm_meter()
        elif name in ("ClockAlignedDataInterval", "AlignedDataCtrlr.Interval"):
            self._arm_aligned()

    def _heartbeat_due(self) -> None:
        if self._accepted.is_set():
            action, payload = self.dialect.heartbeat_request()
            self.spawn(self._quiet(self.send(action, payload)))

    def _meter_due(self) -> None:
        for c in self.connectors:
            if c.tx_started:
                reading = self.reading(c)
                self.spawn(self._quiet(self.dialect.meter_values(c, reading)))
                self._publish_sample(c, reading)

    def _graph_sample(self) -> None:
        for c in self.connectors:
            self._publish_sample(c, self.reading(c))

    def _publish_sample(self, c: Connector, r: MeterReading) -> None:
        self.bus.publish(
            MeterSample(
                self.id, c.evse_id, c.connector_id, self.clock.now, r.energy_wh, r.power_w,
                r.limit_w if r.limit_w is not None else r.offered_w, r.voltage_v, r.current_a, r.soc,
            )
        )  # fmt: skip

    async def sleep_sim(self, seconds: float) -> None:
        await sleep_sim(self.clock, seconds)

    # --- the outbox ---------------------------------------------------------------------
    async def send(
        self,
        action: str,
        payload: dict[str, Any] | Callable[[], dict[str, Any]],
        *,
        transactional: bool = False,
        on_answer: Callable[[dict[str, Any]], None] | None = None,
    ) -> dict[str, Any]:
        return await self.enqueue(action, payload, transactional=transactional, on_answer=on_answer)

    def enqueue(
        self,
        action: str,
        payload: dict[str, Any] | Callable[[], dict[str, Any]],
        *,
        transactional: bool = False,
        on_answer: Callable[[dict[str, Any]], None] | None = None,
    ) -> asyncio.Future[dict[str, Any]]:
        """Put a CALL in the outbox now, in order, and return the future of its answer."""
        if not transactional and not self._accepted.is_set():
            raise NotConnected(f"{action} not sent: {'not accepted by the CSMS' if self.connected else 'offline'}")
        future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
        self._outbox.append(_Outgoing(action, payload, future, transactional, on_answer))
        self._wake.set()
        return future

    async def _after_answer(
        self, answer: Awaitable[_T], then: Callable[[_T], Coroutine[Any, Any, None]] | None = None
    ) -> None:
        """Online, wait for the CSMS's answer to a queued transaction message and act on it now.

        Offline the message waits in the outbox and the station goes on, as a real one does (1.6
        section 4.7, 2.0.1 E12): what the answer says is acted on when it comes, after the reconnect.
        """

        async def settle() -> None:
            result = await answer
            if then is not None:
                await then(result)

        if self._accepted.is_set():
            await settle()
        else:
            self.spawn(self._quiet(settle()))

    async def _sender(self) -> None:
        while True:
            await self._accepted.wait()
            if not self._outbox:
                self._wake.clear()
                await self._wake.wait()
                continue
            item = self._outbox[0]
            if callable(item.payload):
                item.payload = item.payload()
            try:
                item.sent += 1
                result = await self.endpoint.call_raw(item.action, item.payload)
            except NotConnected:
                return  # stays queued if transactional; _offline() fails the rest
            except (CallErrorReceived, CallTimeout) as exc:
                if item.transactional and await self._retry_later(item, exc):
                    continue
                self._finish(exc)
            except (InvalidResponse, RpcError) as exc:
                self._finish(exc)
            else:
                self._finish(result)

    async def _retry_later(self, item: _Outgoing, failure: Exception) -> bool:
        """Wait before sending a failed transaction message again, in its place at the head of the
        outbox; False once it has been sent as often as the station's settings allow.

        1.6 section 3.7.1, 2.0.1 E13: after a CALLERROR (or no answer) wait the retry interval times
        the number of transmissions so far, up to TransactionMessageAttempts /
        MessageAttempts[TransactionEvent] transmissions in all.
        """
        attempts, interval = self.dialect.transaction_retry
        if item.sent >= attempts:
            self.note("tx_message_dropped", f"{item.action} failed {item.sent} time(s), not sent again: {failure}")
            return False
        delay = interval * item.sent
        self.note(
            "tx_message_retry",
            f"{item.action} failed ({failure}); transmission {item.sent + 1} of {attempts} in {delay} s",
            action=item.action,
            sent=item.sent,
            delay_s=delay,
        )
        await self.sleep_sim(delay)
        return True

    def _finish(self, outcome: dict[str, Any] | Exception) -> None:
        """Take the head of the outbox off and hand its caller the answer or the failure."""
        item = self._outbox.popleft()
        if item.on_answer is not None and not isinstance(outcome, Exception):
            item.on_answer(outcome)
        if item.future.done():
            return
        if isinstance(outcome, Exception):
            item.future.set_exception(outcome)
        else:
            item.future.set_result(outcome)

    @property
    def queued(self) -> int:
        return len(self._outbox)

    # --- tasks and notes --------------------------------------------------------------------
    def spawn(self, work: Coroutine[Any, Any, Any]) -> None:
        task = asyncio.get_running_loop().create_task(work)
        self._tasks.add(task)
        task.add_done_callback(self._task_done)

    def _task_done(self, task: asyncio.Task[Any]) -> None:
        self._tasks.discard(task)
        if not task.cancelled() and task.exception() is not None:
            exc = task.exception()
            self.note("error", f"{type(exc).__name__}: {exc}")

    async def _quiet(self, work: Coroutine[Any, Any, Any]) -> None:
        """Run a periodic send whose failure (offline, CALLERROR) is only worth a note."""
        try:
            await work
        except (NotConnected, CallErrorReceived, CallTimeout, InvalidResponse) as exc:
            self.note("send_failed", str(exc))

    def note(self, kind: str, detail: str, **data: Any) -> None:
        self.bus.publish(StationEvent(self.id, kind, detail, data, time.monotonic()))

    def now_iso(self) -> str:
        return self.clock.isoformat_z()

    # --- meters --------------------------------------------------------------------------
    def reading(self, c: Connector) -> MeterReading:
        self._settle(c)
        return self._track[id(c)].meter.snapshot(self.clock.now)

    def stamp(self, reading: MeterReading) -> str:
        return self.clock.isoformat_z(reading.sim_time)

    def _settle(self, c: Connector) -> None:
        """Bring the meter to the present, at the drawing state it had since the last change."""
        track = self._track[id(c)]
        now = self.clock.now
        track.meter.advance(max(0.0, now - track.last_advance), drawing=c.drawing)
        track.last_advance = now
        if c.drawing and track.meter.ev_full and not c.ev_full:
            c.ev_full = True
            self.spawn(self._changed(c, "ev_full"))

    def set_limit(self, c: Connector, limit_w: float | None) -> None:
        """Apply an active charging limit (smart charging) from now on."""
        self._settle(c)
        self._track[id(c)].meter.set_limit(limit_w)

    # --- status reporting ------------------------------------------------------------------
    async def _changed(self, c: Connector, cause: str, forced: bool = False) -> None:
        """Report the connector's status (and 2.0.1 charging state) if its conditions changed it."""
        new = c.status()
        old = c.reported
        if new != old:
            allowed = transition_allowed(self.version, old, new)
            if not allowed and not forced:
                log.warning("%s: %s -> %s by %s is not in the transition table", self.id, old, new, cause)
            c.reported = new
            self.bus.publish(
                ConnectorStateChanged(
                    self.id, c.evse_id, c.connector_id, old, new, cause, forced or not allowed, time.monotonic()
                )
            )
            if self._accepted.is_set():
                await self._quiet(self.dialect.status(c, new))
        if isinstance(self.dialect, ChargingStation201) and c.tx_started:
            track = self._track[id(c)]
            state = c.charging_state()
            if state != track.charging_state:
                track.charging_state = state
                await self._quiet(self._after_answer(self.dialect.transaction_updated(c, "ChargingStateChanged")))

    # --- user actions ---------------------------------------------------------------------
    async def act(
        self,
        evse_id: int,
        connector_id: int,
        action: UserAction,
        *,
        force: bool = False,
        token: str | None = None,
        fault: FaultInfo | None = None,
    ) -> str:
        """Do what a person at the station would do; returns what happened, in words.

        Raises Refused when the state does not allow it, unless `force`; a forced action
        is recorded as such in the session.
        """
        c = self.connector(evse_id, connector_id)
        rule = c.refusal(action)
        if rule is not None:
            if not force:
                self.note("refused", f"{ACTION_LABELS[action]} refused in {c.reported}: {rule}", action=action.value)
                raise Refused(action, c.reported, rule)
            self.note("forced", f"{ACTION_LABELS[action]} forced in {c.reported} ({rule})", action=action.value)
        forced = rule is not None
        self._settle(c)
        handler = getattr(self, f"_do_{action.value}")
        outcome: str = await handler(c, forced=forced, token=token, fault=fault)
        return outcome

    async def _do_plug_in(self, c: Connector, *, forced: bool, **_: Any) -> str:
        c.plugged = True
        c.finished = False
        c.ev_full = False
        self._track[id(c)].meter.plug(self.options.ev or default_ev_for(c.config))
        self._cancel_connection_timer(c)
        await self._changed(c, "plug_in", forced)
        await self._advance_transaction(c, "CablePluggedIn")
        return f"cable plugged in; {c.reported}"

    async def _do_unplug(self, c: Connector, *, forced: bool, **_: Any) -> str:
        if c.tx_started:
            c.plugged = False
            await self._end_transaction(c, self.dialect.REASON_EV_DISCONNECTED)
        c.plugged = False
        c.finished = False
        c.token = None
        c.ev_suspended = c.ev_full = False
        self._track[id(c)].meter.unplug()
        await self._changed(c, "unplug", forced)
        return f"cable unplugged; {c.reported}"

    async def _do_present_token(self, c: Connector, *, forced: bool, token: str | None = None, **_: Any) -> str:
        if not token:
            raise ValueError("present_token needs a token")
        if c.tx_started and c.token is not None and token == self._track[id(c)].tx_token:
            # The same token again ends the session (1.6 section 3.6, 2.0.1 E07 "stop by the same token").
            return await self._do_stop(c, forced=forced)
        status = await self._authorize(token)
        if status != self.dialect.ACCEPTED:
            self.note("authorize", f"token {token} {status}: no session", token=token, status=status)
            return f"token {token} {status}"
        c.token = token
        self._track[id(c)].tx_token = token
        if not c.plugged:
            self._arm_connection_timer(c)
        await self._changed(c, "authorized", forced)
        await self._advance_transaction(c, "Authorized")
        return f"token {token} accepted; {c.reported}"

    # --- authorization ------------------------------------------------------------------------
    async def _authorize(self, token: str) -> str:
        """The token's status: from the authorization cache where the settings let it answer, else the CSMS's."""
        settings = self.dialect.auth_settings
        cached = self.auth_cache.lookup(token, self.clock.utc_now()) if settings.cache_enabled else None
        if settings.pre_authorize and cached == self.dialect.ACCEPTED:
            # 1.6 section 3.5.1, 2.0.1 C12: local pre-authorize, no Authorize for a cached Accepted token.
            self.note("authorize", f"token {token} Accepted from the authorization cache", token=token, source="cache")
            return self.dialect.ACCEPTED
        try:
            info = await self.dialect.authorize(token)
        except NotConnected:
            return self._authorize_offline(token, cached, settings)
        self._remember(token, info)
        return info.status

    def _authorize_offline(self, token: str, cached: str | None, settings: AuthSettings) -> str:
        """1.6 sections 3.5.1 and 3.5.4, 2.0.1 C15: offline, a cached token is taken as the cache says
        if LocalAuthorizeOffline; an unknown one only if AllowOfflineTxForUnknownId /
        OfflineTxForUnknownIdEnabled."""
        if cached is not None:
            status = cached if settings.authorize_offline else OFFLINE
        else:
            status = self.dialect.ACCEPTED if settings.offline_unknown_allowed else OFFLINE
        source = "cache" if cached is not None else "unknown"
        self.note("authorize", f"offline: token {token} {status} ({source})", token=token, source=source, status=status)
        return status

    def _remember(self, token: str | None, info: TokenInfo | None) -> None:
        """Every IdTagInfo / IdTokenInfo updates the cache (1.6 section 3.5.1, 2.0.1 C10.FR.01)."""
        settings = self.dialect.auth_settings
        if token and info is not None and settings.cache_enabled:
            self.auth_cache.remember(token, info, self.clock.utc_now(), settings.lifetime_s)

    def clear_auth_cache(self) -> bool:
        if not self.dialect.auth_settings.cache_enabled:
            return False
        self.note("auth_cache", f"authorization cache cleared ({len(self.auth_cache)} entries)")
        self.auth_cache.clear()
        return True

    async def _do_start(self, c: Connector, *, forced: bool, **_: Any) -> str:
        await self._start_transaction(c, "Authorized", forced=forced)
        return f"transaction {c.tx_id} started"

    async def _do_stop(self, c: Connector, *, forced: bool, **_: Any) -> str:
        await self._end_transaction(c, self.dialect.REASON_LOCAL)
        await self._changed(c, "stop", forced)
        return f"transaction stopped; {c.reported}"

    async def _do_ev_suspend(self, c: Connector, *, forced: bool, **_: Any) -> str:
        c.ev_suspended = True
        await self._changed(c, "ev_suspend", forced)
        return c.reported

    async def _do_ev_resume(self, c: Connector, *, forced: bool, **_: Any) -> str:
        c.ev_suspended = False
        await self._changed(c, "ev_resume", forced)
        return c.reported

    async def _do_evse_suspend(self, c: Connector, *, forced: bool, **_: Any) -> str:
        c.evse_suspended = True
        await self._changed(c, "evse_suspend", forced)
        return c.reported

    async def _do_evse_resume(self, c: Connector, *, forced: bool, **_: Any) -> str:
        c.evse_suspended = False
        await self._changed(c, "evse_resume", forced)
        return c.reported

    async def _do_fault(self, c: Connector, *, forced: bool, fault: FaultInfo | None = None, **_: Any) -> str:
        c.fault = fault or FaultInfo()
        self.note("fault", f"{c.fault.error_code} on {self.dialect.connector_label(c)}", error_code=c.fault.error_code)
        await self._changed(c, "fault", forced)
        return f"faulted: {c.fault.error_code}"

    async def _do_clear_fault(self, c: Connector, *, forced: bool, **_: Any) -> str:
        c.fault = None
        await self._changed(c, "clear_fault", forced)
        return c.reported

    async def _do_make_unavailable(self, c: Connector, *, forced: bool, **_: Any) -> str:
        await self._set_operative(c, False, forced)
        return c.reported

    async def _do_make_available(self, c: Connector, *, forced: bool, **_: Any) -> str:
        await self._set_operative(c, True, forced)
        return c.reported

    async def _set_operative(self, c: Connector, operative: bool, forced: bool = False) -> None:
        if not operative and c.tx_started:
            # 1.6 section 5.2 / 2.0.1 G03.FR.05: wait until the transaction has finished.
            c.inoperative_pending = True
            return
        c.inoperative_pending = False
        c.inoperative = not operative
        await self._changed(c, "availability", forced)

    # --- transactions ----------------------------------------------------------------------
    def _should_run_transaction(self, c: Connector) -> bool:
        if isinstance(self.dialect, ChargePoint16):
            return c.plugged and c.token is not None and self.options.auto_start
        points = self.dialect.points("TxStartPoint")
        return bool(
            ("EVConnected" in points and c.plugged)
            or ("Authorized" in points and c.token is not None)
            or (points & {"PowerPathClosed", "EnergyTransfer"} and c.plugged and c.token is not None)
        )

    async def _advance_transaction(self, c: Connector, trigger: str) -> None:
        """After a plug-in or an authorization: start the transaction, or tell it what changed."""
        if not c.tx_started:
            if self._should_run_transaction(c):
                await self._start_transaction(c, trigger)
            return
        if isinstance(self.dialect, ChargingStation201) and trigger == "Authorized":
            token, serial = c.token, self._track[id(c)].tx_serial
            await self._after_answer(
                self.dialect.transaction_updated(c, "Authorized", with_token=True),
                lambda info: self._token_verdict(c, token, serial, info),
            )
        await self._changed(c, trigger)

    async def _start_transaction(self, c: Connector, trigger: str, *, forced: bool = False) -> None:
        track = self._track[id(c)]
        self._cancel_connection_timer(c)
        c.tx_started = True
        c.finished = False
        remote_id, track.remote_start_id = track.remote_start_id, None
        track.charging_state = c.charging_state()
        track.tx_serial += 1
        token, serial = c.token, track.tx_serial
        self._settle(c)
        online = self._accepted.is_set()
        answer = self.dialect.transaction_started(c, track.meter.snapshot(self.clock.now), trigger, remote_id)
        if not online:
            label = self.dialect.connector_label(c)
            self.note(
                "transaction", f"transaction started offline on {label}; the CSMS hears of it after the reconnect"
            )
            await self._changed(c, trigger, forced)

        async def started(info: TokenInfo) -> None:
            if online:
                self.note(
                    "transaction", f"transaction {c.tx_id} started on {self.dialect.connector_label(c)}", tx=c.tx_id
                )
                await self._changed(c, trigger, forced)
            await self._token_verdict(c, token, serial, info)

        await self._after_answer(answer, started)

    async def _token_verdict(self, c: Connector, token: str | None, serial: int, info: TokenInfo | None) -> None:
        """What the CSMS said of a transaction's token: into the cache, and a refused token stops the
        transaction (1.6 StopTransactionOnInvalidId, 2.0.1 E05) - unless it has ended meanwhile
        (started offline, it may have ended before the CSMS answered)."""
        self._remember(token, info)
        if info is None or info.status == self.dialect.ACCEPTED:
            return
        if c.tx_started and self._track[id(c)].tx_serial == serial:
            self.note("authorize", f"transaction {c.tx_id}: token {info.status}, stopping", status=info.status)
            await self._end_transaction(c, self.dialect.REASON_DEAUTHORIZED)
            await self._changed(c, "deauthorized")

    async def _end_transaction(self, c: Connector, reason: str) -> None:
        track = self._track[id(c)]
        self._settle(c)
        token = track.tx_token
        c.tx_started = False
        c.finished = c.plugged  # 1.6: Finishing until the cable is unplugged
        c.token = None
        c.ev_suspended = c.evse_suspended = False
        sent = self.dialect.transaction_ended(c, track.meter.snapshot(self.clock.now), reason, token)
        self.note("transaction", f"transaction {c.tx_id} ended ({reason})", tx=c.tx_id, reason=reason)
        c.tx_id = None
        track.tx_token = None
        track.charging_state = ""
        if c.inoperative_pending:
            c.inoperative_pending = False
            c.inoperative = True
        await self._after_answer(sent)

    def _arm_connection_timer(self, c: Connector) -> None:
        self._cancel_connection_timer(c)
        timeout = (
            self.dialect.keys.get_int("ConnectionTimeOut")
            if isinstance(self.dialect, ChargePoint16)
            else self.dialect.model.get_int("TxCtrlr", "EVConnectionTimeOut")
        )
        if timeout > 0:
            self._track[id(c)].connection_timer = self.clock.scheduler.call_later(
                timeout, lambda: self.spawn(self._connection_timed_out(c))
            )

    def _cancel_connection_timer(self, c: Connector) -> None:
        track = self._track[id(c)]
        if track.connection_timer is not None:
            track.connection_timer.cancel()
            track.connection_timer = None

    async def _connection_timed_out(self, c: Connector) -> None:
        # 1.6 ConnectionTimeOut / 2.0.1 EVConnectionTimeOut: no cable in time, the session is cancelled.
        if c.plugged:
            return
        self.note("timeout", f"no cable plugged in within the connection timeout on {self.dialect.connector_label(c)}")
        if c.tx_started:
            await self._end_transaction(c, "Timeout" if self.version is OcppVersion.V201 else self.dialect.REASON_OTHER)
        c.token = None
        await self._changed(c, "connection_timeout")

    # --- operations triggered by the CSMS -----------------------------------------------------
    async def remote_start(self, c: Connector, token: str, remote_start_id: int | None = None) -> None:
        if self.dialect.auth_settings.authorize_remote_start:
            status = await self._authorize(token)
            if status != self.dialect.ACCEPTED:
                self.note("authorize", f"remote start: token {token} {status}", token=token, status=status)
                return
        c.token = token
        track = self._track[id(c)]
        track.tx_token = token
        track.remote_start_id = remote_start_id
        if not c.plugged:
            self._arm_connection_timer(c)
        if not c.tx_started and self._should_run_transaction(c):
            await self._start_transaction(c, "RemoteStart")
        else:
            await self._advance_transaction(c, "RemoteStart")

    async def remote_stop(self, c: Connector) -> None:
        if c.tx_started:
            await self._end_transaction(c, self.dialect.REASON_REMOTE)
            await self._changed(c, "remote_stop")

    async def unlock(self, c: Connector) -> None:
        if c.tx_started:
            await self._end_transaction(c, self.dialect.REASON_UNLOCK)
        await self._changed(c, "unlock")

    def availability_is_scheduled(self, connector: Connector | None) -> bool:
        targets = [connector] if connector is not None else self.connectors
        return any(c.tx_started for c in targets)

    async def set_availability(self, connector: Connector | None, operative: bool) -> None:
        for c in [connector] if connector is not None else self.connectors:
            await self._set_operative(c, operative)

    async def data_transfer(
        self, vendor_id: str, message_id: str | None = None, data: str | None = None
    ) -> dict[str, Any]:
        """Send a DataTransfer (1.6 section 4.3, 2.0.1 P01) and return the CSMS's answer."""
        payload: dict[str, Any] = {"vendorId": vendor_id}
        if message_id is not None:
            payload["messageId"] = message_id
        if data is not None:
            payload["data"] = data
        return await self.send("DataTransfer", payload)

    async def trigger(self, message: str, connector: Connector | None) -> None:
        if message == "BootNotification":
            action, payload = self.dialect.boot_request("Triggered")
            await self._quiet(self.send(action, payload))
            return
        await self._quiet(self.dialect.send_trigger(message, connector))

    async def reset(self, hard: bool) -> None:
        """Reset (1.6 5.14, 2.0.1 B11): end transactions, close the link, boot again - same station."""
        if not hard and isinstance(self.dialect, ChargingStation201):
            while any(c.tx_started for c in self.connectors):
                await self.sleep_sim(1.0)
        reason = self.dialect.REASON_HARD_RESET if hard else self.dialect.REASON_SOFT_RESET
        await self.reboot(reason, boot_reason="RemoteReset")

    async def reboot(self, stop_reason: str | None = None, boot_reason: str = "LocalReset") -> None:
        for c in self.connectors:
            if c.tx_started:
                await self._quiet(self._end_transaction(c, stop_reason or self.dialect.REASON_OTHER))
            c.token = None
            c.finished = False
            self._cancel_connection_timer(c)
        self._boot_reason = boot_reason
        self.note("reboot", f"rebooting ({boot_reason})")
        if self._ws is not None:
            await self._ws.close(1000, "reboot")
