"""What a person at the station does: plug, present a token, stop, suspend, fault, take out of service.

Each action is checked against the connector's state first (`Connector.refusal`); a refused
action raises `Refused` unless forced, and a forced one is recorded as such, so a session
shows when a tester drove a connector outside its state machine on purpose.

Faults come from the catalogue (`model/faults.py`): `FAULT` with `FaultInfo(fault_id=...)` raises
one at a connector, `CLEAR_FAULT` clears the connector's own fault, or the one its `FaultInfo`
names. A fault that does not make the connector Faulted (a weak signal, a card reader failure)
is kept here, not on the connector, and is refused only while the same one is active.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from ocpplab_desktop.model.connector import ACTION_LABELS, Connector, FaultInfo, Refused, UserAction

if TYPE_CHECKING:
    from ocpplab_desktop.engine.station import Station

Handler = Callable[[Connector, bool, str | None, FaultInfo | None], Awaitable[str]]
# Where a fault that leaves its connector in service is kept: (evse id, connector id), or None for the station's.
Place = tuple[int, int] | None


class UserActions:
    """The user's actions on one station's connectors."""

    def __init__(self, station: Station) -> None:
        self.station = station
        self._handlers: dict[UserAction, Handler] = {
            UserAction.PLUG_IN: self._plug_in,
            UserAction.UNPLUG: self._unplug,
            UserAction.PRESENT_TOKEN: self._present_token,
            UserAction.START: self._start,
            UserAction.STOP: self._stop,
            UserAction.EV_SUSPEND: self._flag("ev_suspended", True, "ev_suspend"),
            UserAction.EV_RESUME: self._flag("ev_suspended", False, "ev_resume"),
            UserAction.EVSE_SUSPEND: self._flag("evse_suspended", True, "evse_suspend"),
            UserAction.EVSE_RESUME: self._flag("evse_suspended", False, "evse_resume"),
            UserAction.FAULT: self._fault,
            UserAction.CLEAR_FAULT: self._clear_fault,
            UserAction.MAKE_UNAVAILABLE: self._availability(False),
            UserAction.MAKE_AVAILABLE: self._availability(True),
        }
        self._raised: dict[tuple[Place, str], FaultInfo] = {}
        """Active faults that leave their connector in service, by place and catalogue id."""

    async def act(
        self,
        c: Connector,
        action: UserAction,
        *,
        force: bool = False,
        token: str | None = None,
        fault: FaultInfo | None = None,
    ) -> str:
        """Do `action` on `c`; returns what happened, in words. Raises Refused unless allowed or forced."""
        station = self.station
        rule = self._refusal(c, action, fault)
        if rule is not None:
            if not force:
                station.note("refused", f"{ACTION_LABELS[action]} refused in {c.reported}: {rule}", action=action.value)
                raise Refused(action, c.reported, rule)
            station.note("forced", f"{ACTION_LABELS[action]} forced in {c.reported} ({rule})", action=action.value)
        station.metering.settle(c)
        return await self._handlers[action](c, rule is not None, token, fault)

    async def _plug_in(self, c: Connector, forced: bool, token: str | None, fault: FaultInfo | None) -> str:
        station = self.station
        c.plugged = True
        c.finished = False
        c.ev_full = False
        station.metering.plug(c, station.options.ev)
        station.transactions.cancel_connection_timer(c)
        await station.changed(c, "plug_in", forced)
        await station.transactions.advance(c, "CablePluggedIn")
        return f"cable plugged in; {c.reported}"

    async def _unplug(self, c: Connector, forced: bool, token: str | None, fault: FaultInfo | None) -> str:
        station = self.station
        if c.tx_started:
            c.plugged = False
            await station.transactions.end(c, station.dialect.REASON_EV_DISCONNECTED)
        c.plugged = False
        c.finished = False
        c.token = None
        c.ev_suspended = c.ev_full = False
        station.metering.unplug(c)
        await station.changed(c, "unplug", forced)
        return f"cable unplugged; {c.reported}"

    async def _present_token(self, c: Connector, forced: bool, token: str | None, fault: FaultInfo | None) -> str:
        station = self.station
        if not token:
            raise ValueError("present_token needs a token")
        if c.tx_started and c.token is not None and token == station.transactions.token_of(c):
            # The same token again ends the session (1.6 section 3.6, 2.0.1 E07 "stop by the same token").
            return await self._stop(c, forced, None, None)
        status = await station.authorizer.authorize(token)
        if status != station.dialect.ACCEPTED:
            station.note("authorize", f"token {token} {status}: no session", token=token, status=status)
            return f"token {token} {status}"
        refusal = station.reservations.admit(c, token)
        if refusal is not None:
            # 1.6 section 5.13, 2.0.1 H01/H03: a reserved connector starts only for its token or group.
            station.note("reservation", f"token {token} refused: {refusal}", token=token)
            return f"token {token} refused: {refusal}"
        station.transactions.authorized(c, token)
        if not c.tx_started:
            await station.changed(c, "authorized", forced)
        await station.transactions.advance(c, "Authorized", forced=forced)
        return f"token {token} accepted; {c.reported}"

    async def _start(self, c: Connector, forced: bool, token: str | None, fault: FaultInfo | None) -> str:
        await self.station.transactions.start(c, "Authorized", forced=forced)
        return f"transaction {c.tx_id} started"

    async def _stop(self, c: Connector, forced: bool, token: str | None, fault: FaultInfo | None) -> str:
        station = self.station
        await station.transactions.end(c, station.dialect.REASON_LOCAL)
        await station.changed(c, "stop", forced)
        return f"transaction stopped; {c.reported}"

    def _flag(self, name: str, value: bool, cause: str) -> Handler:
        """An action that sets one condition of the connector (an EV or the EVSE suspending)."""

        async def handler(c: Connector, forced: bool, token: str | None, fault: FaultInfo | None) -> str:
            setattr(c, name, value)
            await self.station.changed(c, cause, forced)
            return c.reported

        return handler

    # --- faults --------------------------------------------------------------------------------
    def active_faults(self, c: Connector) -> list[FaultInfo]:
        """The faults active at `c`: its own, those raised on it that leave it in service, the station's."""
        own = [c.fault] if c.fault is not None else []
        return own + [f for (place, _), f in self._raised.items() if place in (None, _place_of(c))]

    def refusal(self, c: Connector, action: UserAction) -> str | None:
        """Why `action` is not allowed on `c` now, or None: the connector's rules and the station's."""
        return self._refusal(c, action, None)

    def _refusal(self, c: Connector, action: UserAction, fault: FaultInfo | None) -> str | None:
        if action is UserAction.EVSE_RESUME and self.station.transactions.energy_withheld(c):
            return "the CSMS refused this transaction's token and the station keeps its energy stopped"
        if action not in (UserAction.FAULT, UserAction.CLEAR_FAULT) or fault is None:
            return c.refusal(action)
        problem = fault.problem()
        if problem is not None:
            raise ValueError(problem)
        entry = fault.entry
        if entry.faults_connector:
            if action is UserAction.CLEAR_FAULT and c.fault is not None and c.fault.entry != entry:
                return f"the connector's fault is {c.fault.entry.label}, not {entry.label}"
            return c.refusal(action)
        active = (_place(c, fault), entry.id) in self._raised
        if action is UserAction.FAULT:
            return f"{entry.label} is already active; clear it first" if active else None
        return None if active else f"{entry.label} is not active"

    async def _fault(self, c: Connector, forced: bool, token: str | None, fault: FaultInfo | None) -> str:
        station = self.station
        fault = fault or FaultInfo()
        entry = fault.entry
        where = "the station" if entry.station_level else station.dialect.connector_label(c)
        station.note(
            "fault", f"{entry.label} ({fault.error_code}) on {where}", fault=entry.id, error_code=fault.error_code
        )
        if entry.faults_connector:
            c.fault = fault
        else:
            self._raised[_place(c, fault), entry.id] = fault
        await station.changed(c, "fault", forced)
        await station.quiet(station.dialect.report_fault(c, fault, active=True))
        reason = station.dialect.fault_stop_reason(entry)
        if reason is not None and c.tx_started:
            await station.transactions.end(c, reason)
            await station.changed(c, "fault", forced)
        return f"{entry.label} ({fault.error_code}); {c.reported}"

    async def _clear_fault(self, c: Connector, forced: bool, token: str | None, fault: FaultInfo | None) -> str:
        station = self.station
        if fault is None or fault.entry.faults_connector:
            cleared, c.fault = c.fault, None
        else:
            cleared = self._raised.pop((_place(c, fault), fault.entry.id), None)
        if cleared is not None:
            station.note("fault_cleared", f"{cleared.entry.label} cleared", fault=cleared.entry.id)
            await station.quiet(station.dialect.report_fault(c, cleared, active=False))
        await station.changed(c, "clear_fault", forced)
        return c.reported

    def _availability(self, operative: bool) -> Handler:
        async def handler(c: Connector, forced: bool, token: str | None, fault: FaultInfo | None) -> str:
            await self.station.operations.set_operative(c, operative, forced)
            return c.reported

        return handler


def _place_of(c: Connector) -> Place:
    return c.evse_id, c.connector_id


def _place(c: Connector, fault: FaultInfo) -> Place:
    """The station's faults are kept once, whichever connector raised them."""
    return None if fault.entry.station_level else _place_of(c)
