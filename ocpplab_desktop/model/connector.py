"""Connector state machines of OCPP 1.6 and 2.0.1, in one place.

A connector's OCPP status is *derived* from its physical and logical conditions (cable
plugged, token authorized, transaction running, suspended, faulted, inoperative,
reserved). User actions change conditions; the status follows. The transition tables
below are then a check on the derivation: a transition missing from the table can only
happen with `force`, and is recorded as forced. This is how clearing a fault "returns
the connector to the state the specification says" without a table of special cases:
the connector goes to whatever its conditions say it is in (1.6 section 4.9, I1..I8).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from ocpp.v16.enums import ChargePointErrorCode, ChargePointStatus
from ocpp.v201.enums import ChargingStateEnumType, ConnectorStatusEnumType

from ocpplab_desktop.model.config import ConnectorConfig, OcppVersion
from ocpplab_desktop.model.faults import FaultEntry, catalogue_entry, entry_for

S16 = ChargePointStatus
S201 = ConnectorStatusEnumType


class UserAction(StrEnum):
    """What a person (or a scenario) can do to a connector; the window shows one button each."""

    PLUG_IN = "plug_in"
    UNPLUG = "unplug"
    PRESENT_TOKEN = "present_token"
    START = "start"
    STOP = "stop"
    EV_SUSPEND = "ev_suspend"
    EV_RESUME = "ev_resume"
    EVSE_SUSPEND = "evse_suspend"
    EVSE_RESUME = "evse_resume"
    FAULT = "fault"
    CLEAR_FAULT = "clear_fault"
    MAKE_UNAVAILABLE = "make_unavailable"
    MAKE_AVAILABLE = "make_available"


ACTION_LABELS: dict[UserAction, str] = {
    UserAction.PLUG_IN: "Plug in",
    UserAction.UNPLUG: "Unplug",
    UserAction.PRESENT_TOKEN: "Present token",
    UserAction.START: "Start",
    UserAction.STOP: "Stop",
    UserAction.EV_SUSPEND: "EV suspend",
    UserAction.EV_RESUME: "EV resume",
    UserAction.EVSE_SUSPEND: "EVSE suspend",
    UserAction.EVSE_RESUME: "EVSE resume",
    UserAction.FAULT: "Fault",
    UserAction.CLEAR_FAULT: "Clear fault",
    UserAction.MAKE_UNAVAILABLE: "Unavailable",
    UserAction.MAKE_AVAILABLE: "Available",
}

# OCPP 1.6 section 4.9, "Status transitions": from -> the states it may go to.
TRANSITIONS_16: dict[str, frozenset[str]] = {
    S16.available: frozenset({S16.preparing, S16.charging, S16.suspended_evse, S16.suspended_ev,
                              S16.reserved, S16.unavailable, S16.faulted}),  # A2-A5, A7-A9
    S16.preparing: frozenset({S16.available, S16.charging, S16.suspended_evse, S16.suspended_ev,
                              S16.finishing, S16.faulted}),  # B1, B3-B6, B9
    S16.charging: frozenset({S16.available, S16.suspended_evse, S16.suspended_ev, S16.finishing,
                             S16.unavailable, S16.faulted}),  # C1, C4-C6, C8, C9
    S16.suspended_evse: frozenset({S16.available, S16.charging, S16.suspended_ev, S16.finishing,
                                   S16.unavailable, S16.faulted}),  # D1, D3, D5, D6, D8, D9
    S16.suspended_ev: frozenset({S16.available, S16.charging, S16.suspended_evse, S16.finishing,
                                 S16.unavailable, S16.faulted}),  # E1, E3, E4, E6, E8, E9
    S16.finishing: frozenset({S16.available, S16.preparing, S16.unavailable, S16.faulted}),  # F1, F2, F8, F9
    S16.reserved: frozenset({S16.available, S16.preparing, S16.unavailable, S16.faulted}),  # G1, G2, G8, G9
    S16.unavailable: frozenset({S16.available, S16.preparing, S16.charging, S16.suspended_evse,
                                S16.suspended_ev, S16.faulted}),  # H1-H5, H9
    S16.faulted: frozenset({S16.available, S16.preparing, S16.charging, S16.suspended_evse,
                            S16.suspended_ev, S16.finishing, S16.reserved, S16.unavailable}),  # I1-I8
}  # fmt: skip

# OCPP 2.0.1 part 2, ConnectorStatusEnumType and use cases G01-G04: Occupied covers the whole
# time a cable is plugged (or a transaction exists); Reserved can only be left for
# Occupied by the reserved user, Unavailable is entered from Occupied only once it ends.
TRANSITIONS_201: dict[str, frozenset[str]] = {
    S201.available: frozenset({S201.occupied, S201.reserved, S201.unavailable, S201.faulted}),
    S201.occupied: frozenset({S201.available, S201.unavailable, S201.faulted}),
    S201.reserved: frozenset({S201.available, S201.occupied, S201.unavailable, S201.faulted}),
    S201.unavailable: frozenset({S201.available, S201.occupied, S201.reserved, S201.faulted}),
    S201.faulted: frozenset({S201.available, S201.occupied, S201.reserved, S201.unavailable}),
}

TRANSITIONS: dict[OcppVersion, dict[str, frozenset[str]]] = {
    OcppVersion.V16: TRANSITIONS_16,
    OcppVersion.V201: TRANSITIONS_201,
}


# Field lengths of the fault details (1.6 section 6.47 StatusNotification.req; 2.0.1 EventDataType).
FAULT_FIELD_LIMITS = {"info": 50, "vendor_error_code": 50, "tech_code": 50, "tech_info": 500}


@dataclass(frozen=True, slots=True)
class FaultInfo:
    """One occurrence of a catalogue fault (`model/faults.py`) and the details it reports.

    `FaultInfo(fault_id="ground_fault", info=...)` names the entry; a bare 1.6 error code
    (`FaultInfo("GroundFailure")`, as older callers and scenario files do) stands for the first
    entry with that code, and no code at all for "other". `info` and `vendor_error_code` travel in
    the 1.6 StatusNotification, `tech_code` and `tech_info` in the 2.0.1 EventData.
    """

    error_code: str = ""  # 1.6 ChargePointErrorCode; empty: the entry's (OtherError without one)
    info: str | None = None
    vendor_error_code: str | None = None
    fault_id: str | None = None
    tech_code: str | None = None
    tech_info: str | None = None

    def __post_init__(self) -> None:
        code = self.error_code
        if self.fault_id is not None:
            expected = catalogue_entry(self.fault_id).error_code
            if code and code != expected:
                raise ValueError(f"fault {self.fault_id} reports the error code {expected}, not {code}")
            code = expected
        object.__setattr__(self, "error_code", str(code or ChargePointErrorCode.other_error))

    @property
    def entry(self) -> FaultEntry:
        """The catalogue entry; ValueError when a bare error code has none (NoError)."""
        return catalogue_entry(self.fault_id) if self.fault_id is not None else entry_for(self.error_code)

    def problem(self) -> str | None:
        """What makes this fault impossible to report (no catalogue entry, a field too long), or None."""
        try:
            _ = self.entry
        except ValueError as exc:
            return str(exc)
        for name, limit in FAULT_FIELD_LIMITS.items():
            value = getattr(self, name)
            if value is not None and len(value) > limit:
                return f"the fault's {name} has {len(value)} characters; at most {limit} fit"
        return None


class Refused(Exception):
    """A user action the current state does not allow. The message names the state and the rule."""

    def __init__(self, action: UserAction, state: str, rule: str) -> None:
        super().__init__(f"{ACTION_LABELS[action]} refused in state {state}: {rule}")
        self.action = action
        self.state = state
        self.rule = rule


@dataclass
class Connector:
    """One connector's conditions; its OCPP status is derived from them."""

    version: OcppVersion
    evse_id: int
    connector_id: int
    number16: int  # the 1.6 connectorId (1..N over the station)
    config: ConnectorConfig
    plugged: bool = False
    token: str | None = None  # the authorized id token of the current (or coming) session
    tx_id: str | None = None  # the running transaction's id as the CSMS knows it
    tx_started: bool = False
    finished: bool = False  # 1.6: the transaction ended with the cable still plugged
    ev_suspended: bool = False
    evse_suspended: bool = False
    ev_full: bool = False
    fault: FaultInfo | None = None
    inoperative: bool = False  # ChangeAvailability Inoperative or "make unavailable"
    inoperative_pending: bool = False  # scheduled for when the transaction ends
    reserved_for: str | None = None
    reported: str = ""  # the status last sent to the CSMS
    powered: bool = True  # False while the station has lost its power supply

    @property
    def in_transaction(self) -> bool:
        return self.tx_started

    def status(self) -> str:
        """The status the connector's conditions make, by its version's state machine."""
        return _STATUS_OF[self.version](self)

    def status16(self) -> str:
        if self.fault is not None:
            return S16.faulted
        if self.tx_started:
            # A running transaction keeps its status even if made inoperative (1.6 section 5.2:
            # the change is scheduled until the transaction has finished).
            if self.evse_suspended:
                return S16.suspended_evse
            if self.ev_suspended or self.ev_full:
                return S16.suspended_ev
            return S16.charging
        if self.inoperative:
            return S16.unavailable
        if self.plugged:
            return S16.finishing if self.finished else S16.preparing
        if self.token is not None:
            return S16.preparing  # usage initiated by a token, waiting for the cable (A2)
        if self.reserved_for is not None:
            return S16.reserved
        return S16.available

    def status201(self) -> str:
        if self.fault is not None:
            return S201.faulted
        # G01.FR.09: a cable plugged into a Reserved connector leaves it Reserved until the reserved token comes.
        if self.tx_started or (self.plugged and (self.reserved_for is None or self.token is not None)):
            return S201.occupied
        if self.inoperative:
            return S201.unavailable
        if self.reserved_for is not None:
            return S201.reserved
        return S201.available

    def charging_state(self) -> str:
        """2.0.1 ChargingStateEnumType of the transaction (part 2, E01-E03 and TransactionType)."""
        if not self.plugged:
            return ChargingStateEnumType.idle
        if not self.tx_started or self.token is None:
            return ChargingStateEnumType.ev_connected
        if self.evse_suspended:
            return ChargingStateEnumType.suspended_evse
        if self.ev_suspended or self.ev_full:
            return ChargingStateEnumType.suspended_ev
        return ChargingStateEnumType.charging

    @property
    def drawing(self) -> bool:
        """Whether energy flows: a powered station, a transaction with an authorized, plugged, unsuspended EV."""
        return (
            self.tx_started
            and self.powered
            and self.plugged
            and self.token is not None
            and self.fault is None
            and not (self.ev_suspended or self.evse_suspended or self.ev_full)
        )

    # --- preconditions: one rule per action --------------------------------------------
    def refusal(self, action: UserAction) -> str | None:
        """Why `action` is not allowed now, or None. Used to refuse and to grey out buttons."""
        faulted = self.fault is not None
        if action is UserAction.PLUG_IN:
            if self.plugged:
                return "a cable is already plugged in"
            if faulted:
                return "a faulted connector accepts no new session; clear the fault first"
            if self.inoperative:
                return "an unavailable connector accepts no new session (1.6 section 4.9 / 2.0.1 G03)"
            return None
        if action is UserAction.UNPLUG:
            return None if self.plugged else "no cable is plugged in"
        if action is UserAction.PRESENT_TOKEN:
            if faulted:
                return "a faulted connector accepts no new session; clear the fault first"
            if self.inoperative and not self.tx_started:
                return "an unavailable connector accepts no new session"
            if self.finished:
                return "the transaction has ended; unplug the cable first"
            return None
        if action is UserAction.START:
            if self.tx_started and self.token is not None:
                return "a transaction is already running"
            if not self.plugged:
                return "plug in a cable first"
            if self.token is None:
                return "present an accepted id token first"
            if faulted or self.inoperative:
                return "the connector is faulted or unavailable"
            return None
        if action is UserAction.STOP:
            return None if self.tx_started else "no transaction is running"
        if action is UserAction.EV_SUSPEND:
            if not self.drawing:
                return "the EV can only suspend while it is charging"
            return None
        if action is UserAction.EV_RESUME:
            return None if self.ev_suspended and self.tx_started else "the EV has not suspended"
        if action is UserAction.EVSE_SUSPEND:
            if not self.tx_started or self.evse_suspended:
                return "the EVSE can only suspend a running transaction that is not already suspended by it"
            return None
        if action is UserAction.EVSE_RESUME:
            return None if self.evse_suspended else "the EVSE has not suspended the transaction"
        if action is UserAction.FAULT:
            return "the connector is already faulted; clear the fault first" if faulted else None
        if action is UserAction.CLEAR_FAULT:
            return None if faulted else "there is no fault to clear"
        if action is UserAction.MAKE_UNAVAILABLE:
            return "the connector is already unavailable" if self.inoperative or self.inoperative_pending else None
        if action is UserAction.MAKE_AVAILABLE:
            return None if self.inoperative or self.inoperative_pending else "the connector is already available"
        raise ValueError(action)

    def refusal_remote_start(self, token: str | None = None) -> str | None:
        """Why a remote start (for `token`) cannot use this connector now (1.6 section 5.11, 2.0.1 F01), or None."""
        if self.fault is not None or self.inoperative or self.inoperative_pending:
            return "the connector is faulted or unavailable"
        if self.token is not None or self.finished:
            return "a session is already in progress"
        if self.reserved_for is not None and self.reserved_for != token:
            return "the connector is reserved for another token"
        return None

    def check(self, action: UserAction) -> None:
        rule = self.refusal(action)
        if rule is not None:
            raise Refused(action, self.status(), rule)


def transition_allowed(version: OcppVersion, old: str, new: str) -> bool:
    return old == new or not old or new in TRANSITIONS[version].get(old, frozenset())


# Each version's state machine: which status a connector's conditions make (1.6 section 4.9, 2.0.1 G01).
_STATUS_OF: dict[OcppVersion, Callable[[Connector], str]] = {
    OcppVersion.V16: Connector.status16,
    OcppVersion.V201: Connector.status201,
}
