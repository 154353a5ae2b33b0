"""Operations the CSMS asks for: remote start and stop, unlock, availability, trigger, reset.

The dialect answers each CALL at once; the work that follows (1.6 section 5: "the Charge
Point SHALL respond ... and then ...") runs here, after the answer has been sent.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING, Any

from ocpplab_desktop.model.connector import Connector, transition_allowed

if TYPE_CHECKING:
    from ocpplab_desktop.engine.station import Station


class Operations:
    """The follow-up of CSMS-initiated CALLs for one station."""

    def __init__(self, station: Station) -> None:
        self.station = station

    async def remote_start(self, c: Connector, token: str, remote_start_id: int | None = None) -> None:
        station = self.station
        if station.authorizer.remote_start_needs_authorize:
            status = await station.authorizer.authorize(token)
            if status != station.dialect.ACCEPTED:
                station.note("authorize", f"remote start: token {token} {status}", token=token, status=status)
                return
        refusal = station.reservations.admit(c, token)
        if refusal is not None:
            station.note("reservation", f"remote start: token {token} refused: {refusal}", token=token)
            return
        station.transactions.authorized(c, token, remote_start_id)
        if not c.tx_started and station.transactions.should_run(c):
            await station.transactions.start(c, "RemoteStart")
        else:
            await station.transactions.advance(c, "RemoteStart")

    async def remote_stop(self, c: Connector) -> None:
        if c.tx_started:
            await self.station.transactions.end(c, self.station.dialect.REASON_REMOTE)
            await self.station.changed(c, "remote_stop")

    async def unlock(self, c: Connector) -> None:
        if c.tx_started:
            await self.station.transactions.end(c, self.station.dialect.REASON_UNLOCK)
        await self.station.changed(c, "unlock")

    def availability_is_scheduled(self, connector: Connector | None, operative: bool) -> bool:
        """Whether a ChangeAvailability must wait: only a change to Inoperative of a connector that is in use.

        1.6 section 5.2 / 2.0.1 G03: a status the connector is already in is Accepted, not Scheduled.
        """
        targets = [connector] if connector is not None else self.station.connectors
        return not operative and any(not c.inoperative and self._must_wait(c) for c in targets)

    def _must_wait(self, c: Connector) -> bool:
        """A running transaction (1.6 section 5.2, 2.0.1 G03.FR.05), or a status from which the version's
        transition table has no way to Unavailable (1.6 section 4.9: Preparing goes to Available first)."""
        if c.tx_started:
            return True
        return not transition_allowed(c.version, c.status(), replace(c, inoperative=True).status())

    async def set_availability(self, connector: Connector | None, operative: bool) -> None:
        for c in [connector] if connector is not None else self.station.connectors:
            await self.set_operative(c, operative)

    async def set_operative(self, c: Connector, operative: bool, forced: bool = False) -> None:
        # Forced (a negative test), only a running transaction still defers the change.
        if not operative and not c.inoperative and (c.tx_started or (not forced and self._must_wait(c))):
            c.inoperative_pending = True
            return
        c.inoperative_pending = False
        c.inoperative = not operative
        await self.station.changed(c, "availability", forced)

    async def settle_pending(self, c: Connector) -> None:
        """A scheduled Inoperative takes effect as soon as the connector's status allows it."""
        if c.inoperative_pending and not self._must_wait(c):
            await self.set_operative(c, False)

    async def data_transfer(
        self, vendor_id: str, message_id: str | None = None, data: str | None = None
    ) -> dict[str, Any]:
        """Send a DataTransfer (1.6 section 4.3, 2.0.1 P01) and return the CSMS's answer."""
        payload: dict[str, Any] = {"vendorId": vendor_id}
        if message_id is not None:
            payload["messageId"] = message_id
        if data is not None:
            payload["data"] = data
        return await self.station.send("DataTransfer", payload)

    async def trigger(self, message: str, connector: Connector | None) -> None:
        station = self.station
        if message == "BootNotification":
            action, payload = station.dialect.boot_request("Triggered")
            await station.quiet(station.send(action, payload))
            return
        await station.quiet(station.dialect.send_trigger(message, connector))

    async def reset(self, hard: bool) -> None:
        """Reset (1.6 5.14, 2.0.1 B11/B12): end transactions, close the link, boot again - same station."""
        station = self.station
        if station.dialect.reset_waits_for_idle(hard):
            while any(c.tx_started for c in station.connectors):
                await station.sleep_sim(1.0)
        reason = station.dialect.REASON_HARD_RESET if hard else station.dialect.REASON_SOFT_RESET
        # 2.0.1 A04 / appendix 1: a reset is a security event (ResetOrReboot); it reaches the CSMS after the new boot.
        station.security_events_due.append(("ResetOrReboot", "RemoteReset"))
        await self.reboot(reason, boot_reason="RemoteReset")

    async def reboot(self, stop_reason: str | None = None, boot_reason: str = "LocalReset") -> None:
        station = self.station
        for c in station.connectors:
            if c.tx_started:
                await station.quiet(station.transactions.end(c, stop_reason or station.dialect.REASON_OTHER))
            station.transactions.forget(c)
        station.link.boot_reason = boot_reason
        station.note("reboot", f"rebooting ({boot_reason})")
        await station.link.close(1000, "reboot")
