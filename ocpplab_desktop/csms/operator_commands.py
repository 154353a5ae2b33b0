"""The mock CSMS's operator commands of the core profiles: `send` for any CALL, and a helper for each of
remote start and stop, reset, availability, triggers, configuration and variables, smart charging,
reservations and the local list.

A part of `MockCsms` (which inherits it, ahead of the other command mixins, so its `_run` is the one they
call). The helpers are version-aware without choosing by version here: each station's `CommandBuilder`
(`commands16.py`, `commands201.py`) builds the CALL of its version or raises `NotForThisVersion` before
anything is sent.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import timedelta
from typing import Any

from ocpp.v201.enums import IdTokenEnumType

from ocpplab_desktop.csms.commands import CommandBuilder, ListedToken, NotForThisVersion, WireCall
from ocpplab_desktop.csms.handlers import Clock
from ocpplab_desktop.csms.state import StationState
from ocpplab_desktop.protocol import schemas
from ocpplab_desktop.protocol.endpoint import Endpoint


class OperatorCommands:
    stations: dict[str, StationState]
    _clock: Clock

    def endpoint(self, station_id: str) -> Endpoint:
        raise NotImplementedError  # MockCsms's

    def commands(self, station_id: str) -> CommandBuilder:
        raise NotImplementedError  # MockCsms's

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
