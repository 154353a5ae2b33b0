"""Operator commands as OCPP 1.6J CALLs (1.6 section 5): connectors by connectorId, no EVSEs."""

from __future__ import annotations

from collections.abc import Sequence

from ocpp.v16 import call
from ocpp.v16.enums import Action, AvailabilityType, ResetType

from ocpplab_desktop.csms.commands import CommandBuilder, NotForThisVersion, WireCall
from ocpplab_desktop.model.config import OcppVersion


class Commands16(CommandBuilder):
    version = OcppVersion.V16
    calls = call
    actions = {
        "remote_start": Action.remote_start_transaction,
        "remote_stop": Action.remote_stop_transaction,
        "reset": Action.reset,
        "change_availability": Action.change_availability,
        "trigger_message": Action.trigger_message,
        "unlock_connector": Action.unlock_connector,
        "get_configuration": Action.get_configuration,
        "change_configuration": Action.change_configuration,
    }

    def _no_evse(self, evse_id: int | None) -> None:
        if evse_id is not None:
            raise NotForThisVersion(
                f"{self.station_id} speaks OCPP 1.6, which has no EVSEs: address it by connector_id"
            )

    def remote_start(
        self, id_token: str, *, connector_id: int | None, evse_id: int | None, token_type: str
    ) -> WireCall:
        self._no_evse(evse_id)
        return self._wire("remote_start", id_tag=id_token, connector_id=connector_id)

    def remote_stop(self, transaction_id: int | str) -> WireCall:
        return self._wire("remote_stop", transaction_id=int(transaction_id))

    def reset(self, kind: str, *, evse_id: int | None) -> WireCall:
        self._no_evse(evse_id)
        return self._wire("reset", type=self._one_of(kind, ResetType, "reset type"))

    def change_availability(self, operative: bool, *, connector_id: int | None, evse_id: int | None) -> WireCall:
        self._no_evse(evse_id)
        kind = AvailabilityType.operative if operative else AvailabilityType.inoperative
        # 1.6 section 5.2: connectorId 0 addresses the whole Charge Point.
        return self._wire("change_availability", connector_id=connector_id or 0, type=kind)

    def trigger_message(self, message: str, *, connector_id: int | None, evse_id: int | None) -> WireCall:
        self._no_evse(evse_id)
        return self._wire("trigger_message", requested_message=message, connector_id=connector_id)

    def unlock_connector(self, connector_id: int, *, evse_id: int | None) -> WireCall:
        self._no_evse(evse_id)
        return self._wire("unlock_connector", connector_id=connector_id)

    def get_configuration(self, keys: Sequence[str] | None) -> WireCall:
        # 1.6 section 5.8: no key asks for every key.
        return self._wire("get_configuration", key=list(keys) if keys else None)

    def change_configuration(self, key: str, value: str) -> WireCall:
        return self._wire("change_configuration", key=key, value=value)
