"""Operator commands as the CALLs a station understands: one builder per OCPP version.

`MockCsms` offers one method per operator command and keeps it version-blind: it looks up
the station's `CommandBuilder` and sends what the builder returns. A builder turns a command
and its arguments into the action and wire payload of its version, or raises
`NotForThisVersion`, with what to do instead, before anything is sent. Each builder's
`actions` table is the one place that says which command is which action in its version.
"""

from __future__ import annotations

import itertools
from abc import ABC, abstractmethod
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from enum import Enum
from types import ModuleType
from typing import Any, ClassVar, NamedTuple

from ocpplab_desktop.csms.commands201_publish import PublishCommands201
from ocpplab_desktop.csms.commands201_services import ServiceCommands201
from ocpplab_desktop.model.config import OcppVersion
from ocpplab_desktop.protocol.codec import to_wire


class NotForThisVersion(ValueError):
    """A command or one of its arguments does not apply to the station's OCPP version."""


class WireCall(NamedTuple):
    """A CALL ready to send: its action and its wire (camelCase) payload."""

    action: str
    payload: dict[str, Any]


@dataclass(frozen=True)
class ListedToken:
    """One entry of a SendLocalList, in either version: the token and what the list says of it."""

    id_token: str
    status: str | None = "Accepted"
    """None: no idTagInfo / idTokenInfo, which removes the token in a Differential update."""
    expiry: str | None = None
    group: str | None = None
    """1.6 parentIdTag, 2.0.1 groupIdToken."""


@dataclass
class CommandIds:
    """The ids the CSMS assigns in its CALLs, unique across its stations."""

    remote_start: itertools.count[int] = field(default_factory=lambda: itertools.count(1))
    request: itertools.count[int] = field(default_factory=lambda: itertools.count(1))


@dataclass(frozen=True)
class Command:
    """An operator command: the name of its `MockCsms` method and its action in each version it exists in."""

    name: str
    actions: dict[OcppVersion, str]


class CommandBuilder(ServiceCommands201, PublishCommands201, ABC):
    """The CALLs of one OCPP version for the operator commands, addressed to one station.

    Commands both versions have are abstract; a command only one version has is refused here
    and built by the version that has it.
    """

    version: ClassVar[OcppVersion]
    calls: ClassVar[ModuleType]  # ocpp.v16.call or ocpp.v201.call
    actions: ClassVar[Mapping[str, str]]  # command name -> action, in the order the console offers them

    def __init__(self, station_id: str, ids: CommandIds) -> None:
        self.station_id = station_id
        self.ids = ids

    def _wire(self, command: str, **fields: Any) -> WireCall:
        action = self.actions[command]
        return WireCall(action, to_wire(getattr(self.calls, action)(**fields)))

    def _not_here(self, command: str) -> NotForThisVersion:
        return NotForThisVersion(
            f"{command} does not apply to {self.station_id}, an OCPP {self.version} station; "
            f"its commands: {', '.join(self.actions)}"
        )

    def _one_of(self, value: str, allowed: type[Enum], what: str) -> str:
        values = [member.value for member in allowed]
        if value not in values:
            raise NotForThisVersion(f"{value!r} is not an OCPP {self.version} {what}: use one of {', '.join(values)}")
        return value

    # --- commands of both versions --------------------------------------------------------
    @abstractmethod
    def remote_start(
        self, id_token: str, *, connector_id: int | None, evse_id: int | None, token_type: str
    ) -> WireCall: ...

    @abstractmethod
    def remote_stop(self, transaction_id: int | str) -> WireCall: ...

    @abstractmethod
    def reset(self, kind: str, *, evse_id: int | None) -> WireCall: ...

    @abstractmethod
    def change_availability(self, operative: bool, *, connector_id: int | None, evse_id: int | None) -> WireCall: ...

    @abstractmethod
    def trigger_message(self, message: str, *, connector_id: int | None, evse_id: int | None) -> WireCall: ...

    @abstractmethod
    def unlock_connector(self, connector_id: int, *, evse_id: int | None) -> WireCall: ...

    @abstractmethod
    def set_charging_profile(
        self, profile: dict[str, Any], *, connector_id: int | None, evse_id: int | None
    ) -> WireCall:
        """`profile` in the version's wire form (1.6 csChargingProfiles, 2.0.1 chargingProfile);
        no connector/EVSE: 0, the whole station."""

    @abstractmethod
    def clear_charging_profile(
        self,
        *,
        profile_id: int | None,
        connector_id: int | None,
        evse_id: int | None,
        purpose: str | None,
        stack_level: int | None,
    ) -> WireCall: ...

    @abstractmethod
    def get_composite_schedule(
        self, duration_s: int, *, connector_id: int | None, evse_id: int | None, unit: str | None
    ) -> WireCall: ...

    # --- reservations and the local list (1.6 Reservation and LocalAuthListManagement; 2.0.1 H, D) ---
    @abstractmethod
    def reserve_now(
        self,
        reservation_id: int,
        id_token: str,
        expiry: str,
        *,
        connector_id: int | None,
        evse_id: int | None,
        group: str | None,
        connector_type: str | None,
        token_type: str,
    ) -> WireCall:
        """No connector/EVSE: 1.6 connector 0, a 2.0.1 reservation of an unspecified EVSE."""

    def cancel_reservation(self, reservation_id: int) -> WireCall:
        return self._wire("cancel_reservation", reservation_id=reservation_id)

    @abstractmethod
    def send_local_list(
        self, version: int, entries: Sequence[ListedToken], *, full: bool, token_type: str
    ) -> WireCall: ...

    def get_local_list_version(self) -> WireCall:
        return self._wire("get_local_list_version")

    # --- firmware and logs (1.6 Firmware Management; 2.0.1 L, N) ----------------------------
    @abstractmethod
    def update_firmware(
        self,
        location: str,
        retrieve_date: str,
        *,
        retries: int | None,
        retry_interval: int | None,
        request_id: int | None,
        install_date: str | None,
        signature: str | None,
        signing_certificate: str | None,
    ) -> WireCall:
        """The install date, signature and signing certificate are 2.0.1's (L01)."""

    # --- commands of one version ----------------------------------------------------------
    def get_configuration(self, keys: Sequence[str] | None) -> WireCall:
        raise self._not_here("get_configuration")

    def change_configuration(self, key: str, value: str) -> WireCall:
        raise self._not_here("change_configuration")

    def get_variables(self, items: list[dict[str, Any]]) -> WireCall:
        raise self._not_here("get_variables")

    def set_variables(self, items: list[dict[str, Any]]) -> WireCall:
        raise self._not_here("set_variables")

    def get_base_report(self, report_base: str, *, request_id: int | None) -> WireCall:
        raise self._not_here("get_base_report")

    def get_charging_profiles(
        self,
        *,
        request_id: int | None,
        evse_id: int | None,
        purpose: str | None,
        stack_level: int | None,
        profile_ids: Sequence[int] | None,
    ) -> WireCall:
        raise self._not_here("get_charging_profiles")

    def get_diagnostics(
        self,
        location: str,
        *,
        retries: int | None,
        retry_interval: int | None,
        start_time: str | None,
        stop_time: str | None,
    ) -> WireCall:
        raise self._not_here("get_diagnostics")

    def get_log(
        self,
        location: str,
        *,
        log_type: str,
        request_id: int | None,
        retries: int | None,
        retry_interval: int | None,
        oldest: str | None,
        latest: str | None,
    ) -> WireCall:
        raise self._not_here("get_log")


def command_table(builders: Sequence[type[CommandBuilder]]) -> dict[str, Command]:
    """Every command of any builder, with its action per version, in the builders' order."""
    names = dict.fromkeys(name for builder in builders for name in builder.actions)
    return {name: Command(name, {b.version: b.actions[name] for b in builders if name in b.actions}) for name in names}
