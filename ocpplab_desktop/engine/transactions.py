"""Transactions: when one starts and ends, what the CSMS hears of it, and what its answers mean.

A transaction starts when the dialect says the connector's conditions call for one (1.6: cable
and authorized token; 2.0.1: the TxStartPoint) and ends on a stop, an unplug, a remote stop,
a reset or a refused token - unless the station is set to keep a transaction whose token was
refused, which then only stops the energy (after an allowance, if one is set). Its messages
are queued in the outbox the moment they happen, so they keep their order offline; what their
answers say (a token refused, a 1.6 transaction id) is acted on when the answer comes - at once
online, after the reconnect offline - and only on the transaction it belongs to.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Coroutine
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, TypeVar

from ocpplab_desktop.model.auth_cache import TokenInfo
from ocpplab_desktop.model.clock import Timer
from ocpplab_desktop.model.connector import Connector

if TYPE_CHECKING:
    from ocpplab_desktop.engine.station import Station

_T = TypeVar("_T")


@dataclass
class _Session:
    """Per-connector bookkeeping that the connector model does not need to know."""

    charging_state: str = ""
    remote_start_id: int | None = None
    connection_timer: Timer | None = None
    tx_token: str | None = None
    serial: int = 0
    """Counts the connector's transactions: an answer that comes late acts only on its own one."""
    energy_cap_wh: float | None = None
    """The meter register at which a transaction whose token was refused stops drawing; None: not refused."""
    cap_check: Timer | None = None


CAP_RESOLUTION_WH = 0.01
"""A refused transaction's allowance counts as delivered once less than this is left of it."""


class Transactions:
    """Starts, updates and ends the transactions of one station's connectors."""

    def __init__(self, station: Station) -> None:
        self.station = station
        self._sessions = {id(c): _Session() for c in station.connectors}

    def session(self, c: Connector) -> _Session:
        return self._sessions[id(c)]

    def token_of(self, c: Connector) -> str | None:
        """The token that started the connector's transaction (the same token again stops it)."""
        return self._sessions[id(c)].tx_token

    def authorized(self, c: Connector, token: str, remote_start_id: int | None = None) -> None:
        """A token was accepted for the connector (locally or by a remote start)."""
        c.token = token
        session = self._sessions[id(c)]
        session.tx_token = token
        if remote_start_id is not None:
            session.remote_start_id = remote_start_id
        if not c.plugged:
            self.arm_connection_timer(c)

    def should_run(self, c: Connector) -> bool:
        return self.station.dialect.should_start_transaction(c, self.station.options.auto_start)

    async def advance(self, c: Connector, trigger: str, *, forced: bool = False) -> None:
        """After a plug-in or an authorization: start the transaction, or tell it what changed."""
        if not c.tx_started:
            if self.should_run(c):
                await self.start(c, trigger)
            return
        if trigger in ("Authorized", "RemoteStart"):
            session = self._sessions[id(c)]
            # 2.0.1 E02: one Updated event, trigger Authorized, carries the token and the new charging state;
            # F01/F02 (a transaction started at EVConnected): trigger RemoteStart with the remoteStartId too.
            session.charging_state = c.charging_state()
            token, serial = c.token, session.serial
            remote_id, session.remote_start_id = session.remote_start_id, None
            update = self.station.dialect.transaction_updated(c, trigger, with_token=True, remote_id=remote_id)
            if update is not None:
                await self.after_answer(update, lambda info: self.token_verdict(c, token, serial, info))
        await self.station.changed(c, trigger, forced)

    async def start(self, c: Connector, trigger: str, *, forced: bool = False) -> None:
        station, dialect = self.station, self.station.dialect
        session = self._sessions[id(c)]
        self.cancel_connection_timer(c)
        c.tx_started = True
        c.finished = False
        remote_id, session.remote_start_id = session.remote_start_id, None
        session.charging_state = c.charging_state()
        session.serial += 1
        token, serial = c.token, session.serial
        station.metering.settle(c)
        station.start_sampling(c)
        online = station.online
        answer = dialect.transaction_started(
            c, station.metering.meter(c).snapshot(station.clock.now), trigger, remote_id
        )
        if not online:
            label = dialect.connector_label(c)
            station.note(
                "transaction", f"transaction started offline on {label}; the CSMS hears of it after the reconnect"
            )
            await station.changed(c, trigger, forced)

        async def started(info: TokenInfo) -> None:
            if online:
                station.note(
                    "transaction", f"transaction {c.tx_id} started on {dialect.connector_label(c)}", tx=c.tx_id
                )
                await station.changed(c, trigger, forced)
            await self.token_verdict(c, token, serial, info)

        await self.after_answer(answer, started)

    async def token_verdict(self, c: Connector, token: str | None, serial: int, info: TokenInfo | None) -> None:
        """What the CSMS said of a transaction's token: into the cache, and a refused token stops the
        transaction (1.6 StopTransactionOnInvalidId, 2.0.1 E05 StopTxOnInvalidId) or, when the station is
        set to keep it, its energy - unless it has ended meanwhile (started offline, it may have ended
        before the CSMS answered)."""
        station = self.station
        station.authorizer.remember(token, info)
        if info is None or info.status == station.dialect.ACCEPTED:
            return
        if not c.tx_started or self._sessions[id(c)].serial != serial:
            return
        rule = station.dialect.invalid_id_rule
        if rule.stop:
            station.note("authorize", f"transaction {c.tx_id}: token {info.status}, stopping", status=info.status)
            await self.end(c, station.dialect.REASON_DEAUTHORIZED)
            await station.changed(c, "deauthorized")
            return
        await self._keep_refused(c, info.status, rule.max_energy_wh)

    async def _keep_refused(self, c: Connector, status: str, allowance_wh: int) -> None:
        """The transaction goes on without its token's authority: no more energy, or `allowance_wh` more.

        1.6 section 4.8 (errata v4.0 wording): with StopTransactionOnInvalidId false the Charge Point only
        stops the energy delivery to the vehicle; the operator MAY let a minimum amount through so the EV
        can drive away, which MaxEnergyOnInvalidId (section 9.1, Wh) sets. 2.0.1 E05 (E05.FR.03): energy
        delivery is allowed until MaxEnergyOnInvalidId has been delivered; without it, or once it has been,
        the Charging Station stops the energy transfer and reports chargingState SuspendedEVSE (a
        TransactionEvent Updated, trigger ChargingStateChanged). The user, a remote stop or an unplug still
        end the transaction as usual."""
        station = self.station
        session = self._sessions[id(c)]
        register = station.metering.reading(c).energy_wh
        if session.energy_cap_wh is None:  # a second refusal does not renew the allowance
            session.energy_cap_wh = register + allowance_wh
        station.note(
            "authorize",
            f"transaction {c.tx_id}: token {status}, kept; energy stops after {allowance_wh} Wh more",
            status=status,
            register_wh=register,
            cap_wh=session.energy_cap_wh,
        )
        self._check_cap(c)
        await station.changed(c, "deauthorized")

    def _check_cap(self, c: Connector) -> bool:
        """Stop the energy of a refused transaction once its allowance is delivered, else look again no
        later than it could be; True when it stopped the energy now."""
        station = self.station
        session = self._sessions[id(c)]
        if session.cap_check is not None:  # a second refusal looks again at once: one check armed at a time
            session.cap_check.cancel()
            session.cap_check = None
        if session.energy_cap_wh is None or not c.tx_started:
            return False
        left = session.energy_cap_wh - station.metering.reading(c).energy_wh
        if left > CAP_RESOLUTION_WH:
            # A connector never delivers more than its rating: at that power the allowance lasts this long
            # (less half the resolution, so that rounding cannot carry the meter past the cap).
            delay = (left - CAP_RESOLUTION_WH / 2) * 3600.0 / c.config.max_power_w
            session.cap_check = station.clock.scheduler.call_later(delay, lambda: self._cap_due(c))
            return False
        if c.evse_suspended:
            return False
        c.evse_suspended = True
        station.metering.settle(c)  # from this instant the meter shows no power
        station.note("authorize", f"transaction {c.tx_id}: energy stopped, the token was refused", tx=c.tx_id)
        return True

    def energy_withheld(self, c: Connector) -> bool:
        """The connector's transaction goes on with its token refused and its allowance used: the station
        keeps the energy stopped (an EVSE resume would hand out energy the CSMS did not authorize)."""
        session = self._sessions[id(c)]
        return c.tx_started and session.energy_cap_wh is not None and c.evse_suspended and session.cap_check is None

    def _cap_due(self, c: Connector) -> None:
        if self._check_cap(c):
            self.report_charging_state_now(c)
            self.station.spawn(self.station.changed(c, "energy_limit"))

    def report_charging_state_now(self, c: Connector) -> None:
        """Queue the TransactionEvent of a charging state that a timer just changed, at this instant.

        Reported from a spawned task, a periodic TransactionEvent queued later in the same timer (or due
        at the same simulated time) would carry the new state first, with trigger MeterValuePeriodic."""
        update = self._queue_charging_state(c)
        if update is not None:
            self.station.spawn_quiet(self.after_answer(update))

    def _drop_cap(self, c: Connector) -> None:
        self._sessions[id(c)].energy_cap_wh = None
        self._check_cap(c)  # with no cap: cancels the armed check

    async def end(self, c: Connector, reason: str) -> None:
        station = self.station
        session = self._sessions[id(c)]
        station.metering.settle(c)
        station.metering.stop_sampling(c)
        token = session.tx_token
        c.tx_started = False
        c.finished = c.plugged  # 1.6: Finishing until the cable is unplugged
        c.token = None
        c.ev_suspended = c.evse_suspended = False
        reading = station.metering.meter(c).snapshot(station.clock.now)
        sent = station.dialect.transaction_ended(c, reading, reason, token)
        station.note("transaction", f"transaction {c.tx_id} ended ({reason})", tx=c.tx_id, reason=reason)
        c.tx_id = None
        session.tx_token = None
        session.charging_state = ""
        self._drop_cap(c)
        if c.inoperative_pending:
            c.inoperative_pending = False
            c.inoperative = True
        await self.after_answer(sent)

    async def charging_state_changed(self, c: Connector) -> None:
        """2.0.1 reports a new charging state of a running transaction (E01-E03); 1.6 has no message for it."""
        update = self._queue_charging_state(c)
        if update is not None:
            await self.station.quiet(self.after_answer(update))

    def _queue_charging_state(self, c: Connector) -> Awaitable[Any] | None:
        """Queue the TransactionEvent of a new charging state now, if it changed; its answer, or None."""
        session = self._sessions[id(c)]
        state = c.charging_state()
        if not c.tx_started or state == session.charging_state:
            return None
        session.charging_state = state
        return self.station.dialect.transaction_updated(c, "ChargingStateChanged")

    async def after_answer(
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

        if self.station.online:
            await settle()
        else:
            self.station.spawn_quiet(settle())

    # --- waiting for the cable --------------------------------------------------------------
    def arm_connection_timer(self, c: Connector) -> None:
        self.cancel_connection_timer(c)
        timeout = self.station.dialect.connection_timeout
        if timeout > 0:
            self._sessions[id(c)].connection_timer = self.station.clock.scheduler.call_later(
                timeout, lambda: self.station.spawn(self._connection_timed_out(c))
            )

    def cancel_connection_timer(self, c: Connector) -> None:
        session = self._sessions[id(c)]
        if session.connection_timer is not None:
            session.connection_timer.cancel()
            session.connection_timer = None

    async def _connection_timed_out(self, c: Connector) -> None:
        # 1.6 ConnectionTimeOut / 2.0.1 EVConnectionTimeOut (E03): no cable in time, the session is cancelled.
        if c.plugged:
            return
        station = self.station
        station.note(
            "timeout", f"no cable plugged in within the connection timeout on {station.dialect.connector_label(c)}"
        )
        if c.tx_started:
            await self.end(c, station.dialect.REASON_TIMEOUT)
        c.token = None
        await station.changed(c, "connection_timeout")

    def forget(self, c: Connector) -> None:
        """A reboot: no token, no waiting for a cable."""
        c.token = None
        c.finished = False
        self.cancel_connection_timer(c)
