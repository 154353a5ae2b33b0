"""A virtual station, composed of parts that each do one job.

* `Link` (link.py): connect, reconnect with back-off on the simulated clock, boot, heartbeat;
* `Outbox` (outbox.py): CALLs in order, after the boot; transaction messages kept offline and retried;
* `Transactions` (transactions.py): when a transaction starts and ends, and what its answers mean;
* `Authorizer` (authorization.py): the local list, the cache and the order of list, cache and CSMS;
* `Metering` (metering.py): the meters on the simulated clock and the timers that sample them;
* `SmartCharging` (smart_charging.py): the charging profiles and the limits they put on the meters;
* `FirmwareUpdates` (firmware.py), `LogUploads` (log_upload.py): UpdateFirmware, GetDiagnostics/GetLog;
* `FirmwarePublishing` (firmware_publishing.py): a Local Controller's PublishFirmware/UnpublishFirmware;
* `ExternalLimits` (external_limits.py): limits an EMS or grid operator sets, beside the CSMS's profiles;
* `Reservations` (reservations.py): ReserveNow/CancelReservation, expiry, who may start where;
* `Operations` (operations.py): the follow-up of CSMS-initiated CALLs;
* `UserActions` (user_actions.py): what a person at the station does.

The station is version-neutral: everything that differs between 1.6 and 2.0.1 is in its
`Dialect` (`protocol/cp16.py`, `protocol/cp201.py`), the one interface both versions implement.
What stays here is the composition, the station's identity and lifecycle, and reporting each
connector's status when its conditions change it.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from ocpplab_desktop.engine.authorization import OFFLINE, Authorizer
from ocpplab_desktop.engine.external_limits import ExternalLimits
from ocpplab_desktop.engine.firmware import FirmwareUpdates
from ocpplab_desktop.engine.firmware_publishing import FirmwarePublishing
from ocpplab_desktop.engine.link import Backoff, Link, Transport, WebSocketTransport
from ocpplab_desktop.engine.log_upload import FrameSource, LogUploads
from ocpplab_desktop.engine.metering import Metering
from ocpplab_desktop.engine.operations import Operations
from ocpplab_desktop.engine.outbox import AnswerHook, Journal, Outbox, Payload
from ocpplab_desktop.engine.power import PowerSupply
from ocpplab_desktop.engine.reservations import Reservations
from ocpplab_desktop.engine.smart_charging import SmartCharging
from ocpplab_desktop.engine.transactions import Transactions
from ocpplab_desktop.engine.user_actions import UserActions
from ocpplab_desktop.model.auth_cache import AuthCache
from ocpplab_desktop.model.clock import SimClock, Timer
from ocpplab_desktop.model.config import OcppVersion, StationConfig
from ocpplab_desktop.model.connector import Connector, FaultInfo, Refused, UserAction, transition_allowed
from ocpplab_desktop.model.display_messages import DisplayMessage
from ocpplab_desktop.model.events import ConnectorStateChanged, EventBus, StationEvent
from ocpplab_desktop.model.local_list import LocalList
from ocpplab_desktop.model.meter import ConnectorMeter, EvProfile, MeterReading
from ocpplab_desktop.protocol.cp16 import ChargePoint16
from ocpplab_desktop.protocol.cp201 import ChargingStation201
from ocpplab_desktop.protocol.dialect import Dialect
from ocpplab_desktop.protocol.endpoint import Endpoint
from ocpplab_desktop.protocol.errors import CallErrorReceived, CallTimeout, InvalidResponse, NotConnected
from ocpplab_desktop.protocol.frame import Side
from ocpplab_desktop.protocol.link_faults import LinkFaults
from ocpplab_desktop.protocol.rpc import IdSource
from ocpplab_desktop.protocol.station_port import Fill
from ocpplab_desktop.protocol.tasks import TaskSet

log = logging.getLogger(__name__)

MIN_REAL_TIMEOUT_S = 2.0

__all__ = ["OFFLINE", "Backoff", "Station", "StationOptions", "sleep_sim"]

DIALECTS: dict[OcppVersion, type[ChargePoint16] | type[ChargingStation201]] = {
    OcppVersion.V16: ChargePoint16,
    OcppVersion.V201: ChargingStation201,
}
QUIET_FAILURES = (NotConnected, CallErrorReceived, CallTimeout, InvalidResponse)


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
class StationOptions:
    response_timeout_s: float = 30.0
    auto_start: bool = True  # start the transaction as soon as cable and token are there
    graph_sample_s: float | None = 1.0  # MeterSample events for graphs; None: only with MeterValues
    backoff: Backoff = field(default_factory=Backoff)
    ev: EvProfile | None = None  # the car that plugs in; default: one that fits the connector
    transport: Transport = field(default_factory=WebSocketTransport)
    message_ids: IdSource | None = None  # default: uuid4
    journal: Journal | None = None  # keeps queued transaction messages across restarts (the session database)
    session_frames: FrameSource | None = None  # the session's frames of a station, for GetDiagnostics/GetLog


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
        self.connectors: list[Connector] = [
            Connector(config.ocpp_version, evse_id, cc.id, number, cc)
            for number, (evse_id, cc) in enumerate(config.connectors(), start=1)
        ]
        for c in self.connectors:
            c.reported = c.status()
        self._tasks = TaskSet(f"station {config.id}", self._task_failed)
        self.dialect: Dialect = DIALECTS[config.ocpp_version](self)
        self.endpoint = Endpoint(
            station_id=config.id,
            version=config.ocpp_version,
            side=Side.STATION,
            handler=self.dialect,
            bus=bus,
            response_timeout=self.options.response_timeout_s,
            new_id=self.options.message_ids,
            timeout_scale=self._real_timeout,
        )
        self.faults = LinkFaults(bus, config.id, "station")
        """Fault interceptors in force on this station's link (issue #14)."""
        self.faults.attach(self.endpoint.pipeline)
        self.send_call = self.endpoint.send_call
        """One CALL on the current connection: the outbox's way out."""
        self.metering = Metering(config.id, self.connectors, clock=clock, bus=bus, on_ev_full=self._ev_full)
        self.smart_charging = SmartCharging(self, self.dialect.charging_target)
        self.reservations = Reservations(self, self.dialect.charging_target)
        self.firmware = FirmwareUpdates(self)
        self.log_uploads = LogUploads(self, self.options.session_frames)
        self.firmware_publishing = FirmwarePublishing(self)
        self.external_limits = ExternalLimits(self)
        self.outbox = Outbox(self, self.options.journal)
        self._restored = False
        self.link = Link(self, self.options.transport, self.options.backoff)
        self.authorizer = Authorizer(
            settings=lambda: self.dialect.auth_settings,
            ask_csms=self.dialect.authorize,
            accepted=self.dialect.ACCEPTED,
            now=clock.utc_now,
            note=self.note,
        )
        self.transactions = Transactions(self)
        self.operations = Operations(self)
        self.user = UserActions(self)
        self.power = PowerSupply(self)
        self.clock_skew_s = 0.0
        self.security_events_due: list[tuple[str, str | None]] = []
        """Security events that happened while the station could not tell the CSMS: sent after the next boot."""
        self.costs: dict[str, float] = {}
        """Transaction id -> the latest total cost the CSMS sent (2.0.1 CostUpdated)."""
        """How far the station's own clock is off the lab's, in seconds (a clock fault); 0: in step."""
        self._run_task: asyncio.Task[None] | None = None

    def _real_timeout(self, seconds: float) -> float:
        """How long a CALL waits for its answer, in real seconds: the response timeout runs on the
        station's (simulated) clock like all its timers, but never below `MIN_REAL_TIMEOUT_S`, so that
        at a high speed a busy but healthy link is not taken for a lost one."""
        speed = self.clock.speed
        return seconds if speed <= 1 else max(min(seconds, MIN_REAL_TIMEOUT_S), seconds / speed)

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

    # --- lifecycle ------------------------------------------------------------------------
    def start(self) -> None:
        """Switch the station on: connect (reconnecting with back-off), boot, run its timers."""
        self.link.wanted.set()
        if not self._restored:
            self._restored = True
            restored = self.outbox.restore()
            if restored:
                self.note("outbox", f"{restored} transaction message(s) kept from before the restart are queued")
        if self._run_task is None or self._run_task.done():
            self.link.stopping = False
            self._run_task = asyncio.get_running_loop().create_task(self.link.run(), name=f"station {self.id}")
            self.metering.start_graph(self.options.graph_sample_s)

    @property
    def online(self) -> bool:
        """Connected and accepted by the CSMS: what is sent now arrives now."""
        return self.link.accepted

    @property
    def connected(self) -> bool:
        return self.link.connected

    @property
    def registration(self) -> str | None:
        """The CSMS's boot answer on this connection; "Accepted" once every status has been reported."""
        return self.link.registration

    @property
    def link_up(self) -> bool:
        """Whether the station tries to be online: False before start, after stop, and while the network
        is down (`disconnect`, when the station runs on but does not connect)."""
        return self.link.wanted.is_set()

    async def disconnect(self) -> None:
        """The network goes down: close the connection and stay offline until `connect`.

        Unlike `stop`, the station keeps running: connectors take actions, meters are sampled on
        their timers, transaction messages queue in the outbox (1.6 section 4.7, 2.0.1 E12).
        """
        self.link.wanted.clear()
        self.note("link_down", "network link down: offline until connected again")
        await self.link.close(1001, "network link down (simulated)")

    def connect(self) -> None:
        """The network is back (or the station is switched on): connect, boot, send what queued."""
        if not self.link.wanted.is_set():
            self.note("link_up", "network link up")
        self.start()

    async def stop(self) -> None:
        """Disconnect for good and cancel every timer and task of this station."""
        self.link.stop()
        self.metering.stop()
        self.smart_charging.stop()
        self.dialect.stop()
        self.reservations.stop()
        await self.firmware.stop()
        await self.log_uploads.stop()
        await self.firmware_publishing.stop()
        await self.link.close()
        if self._run_task is not None:
            self._run_task.cancel()
            await asyncio.gather(self._run_task, return_exceptions=True)
            self._run_task = None
        await self._tasks.cancel_all()
        await self.endpoint.close()

    async def after_boot(self) -> None:
        """The CSMS accepted the boot: clock-aligned samples, and every status (1.6 4.2, 2.0.1 B01)."""
        self.arm_aligned()
        await self.quiet(self.dialect.statuses_after_boot())
        for c in self.connectors:
            c.reported = c.status()
            await self.quiet(self.dialect.status(c, c.reported))
        self.firmware.after_boot()
        due, self.security_events_due = self.security_events_due, []
        for kind, info in due:
            await self.quiet(self.dialect.security_event(kind, info))

    # --- timers and settings --------------------------------------------------------------
    def start_sampling(self, c: Connector) -> None:
        """Periodic MeterValues of a transaction, from its start - online or not."""
        self.metering.start_sampling(c, self.dialect.meter_interval, self._meter_due)
        self.smart_charging.refresh()  # a Relative schedule counts from the start of the transaction

    def arm_aligned(self) -> None:
        self.metering.arm_aligned(self.dialect.aligned_interval, self._aligned_due)

    def on_setting_changed(self, name: str, value: str) -> None:
        if name in ("HeartbeatInterval", "OCPPCommCtrlr.HeartbeatInterval") and self.registration == "Accepted":
            self.link.arm_heartbeat()
        elif name in ("MeterValueSampleInterval", "SampledDataCtrlr.TxUpdatedInterval"):
            self.metering.change_sampling(self.dialect.meter_interval)
        elif name in ("ClockAlignedDataInterval", "AlignedDataCtrlr.Interval"):
            self.arm_aligned()

    def _meter_due(self, c: Connector) -> None:
        # Queued from the timer itself, no task per sample: a fleet sends thousands a second.
        if c.tx_started:
            reading = self.reading(c)
            self._queued_quietly(partial(self.dialect.meter_values, c, reading))
            self.metering.publish(c, reading, on_wire=True)

    def _aligned_due(self) -> None:
        if not self.online:
            return
        for c in self.connectors:
            self._queued_quietly(partial(self.dialect.aligned_values, c, self.reading(c)))

    def _queued_quietly(self, queue: Callable[[], asyncio.Future[dict[str, Any]] | None]) -> None:
        """Queue a periodic message whose failure (offline, CALLERROR, no answer) is only worth a note."""
        try:
            answer = queue()
        except NotConnected as exc:
            self.note("send_failed", str(exc))
            return
        if answer is not None:
            answer.add_done_callback(self._note_failure)

    def _note_failure(self, answer: asyncio.Future[dict[str, Any]]) -> None:
        failure = None if answer.cancelled() else answer.exception()
        if failure is not None:
            self.note("send_failed" if isinstance(failure, QUIET_FAILURES) else "error", str(failure))

    def _ev_full(self, c: Connector) -> None:
        # Noticed by a meter reading, often the sampling timer's own: its MeterValues comes next.
        self.transactions.report_charging_state_now(c)
        self.spawn(self.changed(c, "ev_full"))

    async def sleep_sim(self, seconds: float) -> None:
        await sleep_sim(self.clock, seconds)

    def call_later_sim(self, seconds: float, callback: Callable[[], None]) -> Timer:
        return self.clock.scheduler.call_later(seconds, callback)

    def call_every(self, interval_s: float, callback: Callable[[], None], first_delay_s: float | None = None) -> Timer:
        return self.clock.scheduler.call_every(interval_s, callback, first_delay_s)

    # --- sending ----------------------------------------------------------------------------
    async def send(
        self,
        action: str,
        payload: Payload,
        *,
        transactional: bool = False,
        on_answer: AnswerHook | None = None,
        validate: bool = True,
    ) -> dict[str, Any]:
        return await self.enqueue(action, payload, transactional=transactional, on_answer=on_answer, validate=validate)

    def enqueue(
        self,
        action: str,
        payload: Payload,
        *,
        transactional: bool = False,
        on_answer: AnswerHook | None = None,
        validate: bool = True,
        fill: Fill | None = None,
    ) -> asyncio.Future[dict[str, Any]]:
        """Put a CALL in the outbox now, in order, and return the future of its answer."""
        return self.outbox.put(
            action, payload, transactional=transactional, on_answer=on_answer, validate=validate, fill=fill
        )

    def retry_policy(self) -> tuple[int, int]:
        return self.dialect.transaction_retry

    @property
    def queued(self) -> int:
        return len(self.outbox)

    # --- tasks and notes --------------------------------------------------------------------
    def spawn(self, work: Coroutine[Any, Any, Any]) -> None:
        """Run `work` as a task of this station (after the current CALL has been answered)."""
        self._tasks.spawn(work)

    def spawn_quiet(self, work: Awaitable[Any]) -> None:
        self._tasks.spawn(self.quiet(work))

    def _task_failed(self, exc: BaseException) -> None:
        self.note("error", f"{type(exc).__name__}: {exc}")

    async def quiet(self, work: Awaitable[Any]) -> None:
        """Run a send whose failure (offline, CALLERROR) is only worth a note."""
        try:
            await work
        except QUIET_FAILURES as exc:
            self.note("send_failed", str(exc))

    def note(self, kind: str, detail: str, **data: Any) -> None:
        self.bus.publish(StationEvent(self.id, kind, detail, data, time.monotonic()))

    def now_iso(self) -> str:
        return self.clock.isoformat_z(self.clock.now + self.clock_skew_s)

    # --- meters --------------------------------------------------------------------------
    def meter(self, c: Connector) -> ConnectorMeter:
        return self.metering.meter(c)

    def reading(self, c: Connector) -> MeterReading:
        return self.metering.reading(c)

    def stamp(self, reading: MeterReading) -> str:
        sim_time = self.clock.now if reading.sim_time is None else reading.sim_time
        return self.clock.isoformat_z(sim_time + self.clock_skew_s)

    # --- power and clock faults ----------------------------------------------------------------
    async def power_loss(self, off_s: float | None = None) -> None:
        """Cut the power at once; it comes back after `off_s` simulated seconds (None: `restore_power`)."""
        await self.power.lose(off_s)

    async def restore_power(self) -> None:
        await self.power.restore()

    def set_clock_skew(self, seconds: float) -> None:
        """Run the station's clock `seconds` off the lab's from now on (a change while running is a jump)."""
        before, self.clock_skew_s = self.clock_skew_s, float(seconds)
        self.note(
            "clock_skew", f"station clock {seconds:+g} s off (was {before:+g} s)", skew_s=seconds, previous_s=before
        )

    def set_limit(self, c: Connector, limit_w: float | None) -> None:
        """Apply an active charging limit (smart charging) from now on."""
        self.metering.set_limit(c, limit_w)

    # --- status reporting ------------------------------------------------------------------
    async def changed(self, c: Connector, cause: str, forced: bool = False) -> None:
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
            if self.online:
                await self.quiet(self.dialect.status(c, new))
            self.reservations.status_changed(c, new)
            await self.quiet(self.dialect.station_status())
        self.smart_charging.refresh()  # transactions and drawing connectors decide the limits
        await self.transactions.charging_state_changed(c)
        await self.operations.settle_pending(c)

    # --- what the window, scenarios and dialects call -----------------------------------------
    def refusal(self, c: Connector, action: UserAction) -> str | None:
        """Why `action` is not allowed on `c` now (None: it is): for greying out what a person cannot do."""
        return self.user.refusal(c, action)

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
        if not self.power.on:
            raise Refused(action, "no power", "nothing at the station responds until the power is back")
        return await self.user.act(c, action, force=force, token=token, fault=fault)

    @property
    def auth_cache(self) -> AuthCache:
        return self.authorizer.cache

    @property
    def local_list(self) -> LocalList:
        return self.authorizer.local_list

    def clear_auth_cache(self) -> bool:
        return self.authorizer.clear()

    # --- what a CSMS tells the driver (2.0.1 I05, O01-O06), for the window ----------------------------
    def cost_updated(self, transaction_id: str, total_cost: float) -> None:
        self.costs[transaction_id] = total_cost
        detail = f"transaction {transaction_id}: total cost {total_cost:g}"
        self.note("cost", detail, tx=transaction_id, cost=total_cost)

    def total_cost(self, c: Connector) -> float | None:
        """The latest total cost the CSMS sent for the connector's running transaction."""
        return self.costs.get(c.tx_id) if c.tx_id is not None else None

    def cost_currency(self) -> str | None:
        """The currency of those costs, where the station has one configured (2.0.1 TariffCostCtrlr.Currency)."""
        return self.dialect.cost_currency()

    def shown_messages(self, evse_id: int | None = None) -> list[DisplayMessage]:
        """The display messages the display of `evse_id` (None: the station's) shows now, most urgent first."""
        return self.dialect.shown_messages(evse_id)

    # --- customer information (2.0.1 N09/N10) -------------------------------------------------------------
    def customer_data(self, token: str) -> list[str]:
        found = []
        cached = self.authorizer.cache.entry(token)
        if cached is not None:
            expiry = f", until {cached.expiry.isoformat()}" if cached.expiry is not None else ""
            found.append(f"authorization cache: {token} {cached.status}{expiry}")
        listed = self.local_list.entries().get(token)
        if listed is not None:
            found.append(f"local authorization list: {token} {listed.status}")
        for c in self.connectors:
            if c.token == token:
                tx = f" in transaction {c.tx_id}" if c.tx_started else ""
                found.append(f"EVSE {c.evse_id} connector {c.connector_id}: authorized{tx}")
        return found

    def forget_customer(self, token: str) -> bool:
        # The local list is the CSMS's to change (SendLocalList); the cache is the station's own.
        forgotten = self.authorizer.cache.forget(token) is not None
        if forgotten:
            self.note("customer", f"authorization cache entry of {token} cleared")
        return forgotten

    async def remote_start(self, c: Connector, token: str, remote_start_id: int | None = None) -> None:
        await self.operations.remote_start(c, token, remote_start_id)

    async def remote_stop(self, c: Connector) -> None:
        await self.operations.remote_stop(c)

    async def unlock(self, c: Connector) -> None:
        await self.operations.unlock(c)

    def availability_is_scheduled(self, connector: Connector | None, operative: bool) -> bool:
        return self.operations.availability_is_scheduled(connector, operative)

    async def set_availability(self, connector: Connector | None, operative: bool) -> None:
        await self.operations.set_availability(connector, operative)

    async def trigger(self, message: str, connector: Connector | None) -> None:
        await self.operations.trigger(message, connector)

    async def reset(self, hard: bool) -> None:
        await self.operations.reset(hard)

    async def reboot(self, stop_reason: str | None = None, boot_reason: str = "LocalReset") -> None:
        await self.operations.reboot(stop_reason, boot_reason)

    async def data_transfer(
        self, vendor_id: str, message_id: str | None = None, data: str | None = None
    ) -> dict[str, Any]:
        return await self.operations.data_transfer(vendor_id, message_id, data)
