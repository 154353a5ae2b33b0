"""What a person at the station does: plug, present a token, stop, suspend, fault, take out of service.

Each action is checked against the connector's state first (`Connector.refusal`); a refused
action raises `Refused` unless forced, and a forced one is recorded as such, so a session
shows when a tester drove a connector outside its state machine on purpose.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

from ocpplab_desktop.model.connector import ACTION_LABELS, Connector, FaultInfo, Refused, UserAction

if TYPE_CHECKING:
    from ocpplab_desktop.engine.station import Station

Handler = Callable[[Connector, bool, str | None, FaultInfo | None], Awaitable[str]]


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
        rule = c.refusal(action)
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

    async def _fault(self, c: Connector, forced: bool, token: str | None, fault: FaultInfo | None) -> str:
        station = self.station
        c.fault = fault or FaultInfo()
        label = station.dialect.connector_label(c)
        station.note("fault", f"{c.fault.error_code} on {label}", error_code=c.fault.error_code)
        await station.changed(c, "fault", forced)
        return f"faulted: {c.fault.error_code}"

    async def _clear_fault(self, c: Connector, forced: bool, token: str | None, fault: FaultInfo | None) -> str:
        c.fault = None
        await self.station.changed(c, "clear_fault", forced)
        return c.reported

    def _availability(self, operative: bool) -> Handler:
        async def handler(c: Connector, forced: bool, token: str | None, fault: FaultInfo | None) -> str:
            await self.station.operations.set_operative(c, operative, forced)
            return c.reported

        return handler
