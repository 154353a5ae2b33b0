"""The connector state machines of both versions: tables, derived status, refusals."""

from __future__ import annotations

import itertools

import pytest
from ocpp.v16.enums import ChargePointStatus as S16
from ocpp.v201.enums import ConnectorStatusEnumType as S201

from ocpplab_desktop.model.config import ConnectorConfig, OcppVersion
from ocpplab_desktop.model.connector import (
    TRANSITIONS_16,
    TRANSITIONS_201,
    Connector,
    FaultInfo,
    Refused,
    UserAction,
    transition_allowed,
)

A = UserAction
V16, V201 = OcppVersion.V16, OcppVersion.V201


def connector(version: OcppVersion = V16) -> Connector:
    return Connector(version, 1, 1, 1, ConnectorConfig())


def test_every_16_status_has_a_row_and_every_listed_transition_is_accepted() -> None:
    assert set(TRANSITIONS_16) == {s.value for s in S16}
    for old, targets in TRANSITIONS_16.items():
        for new in targets:
            assert transition_allowed(V16, old, new), (old, new)


def test_16_transitions_missing_from_section_4_9_are_refused() -> None:
    listed = {(old, new) for old, targets in TRANSITIONS_16.items() for new in targets}
    refused = [(old, new) for old, new in itertools.permutations(TRANSITIONS_16, 2) if (old, new) not in listed]
    # A representative few, spelled out: these are the jumps other simulators get wrong.
    for pair in [
        (S16.finishing, S16.charging),
        (S16.reserved, S16.charging),
        (S16.available, S16.finishing),
        (S16.preparing, S16.reserved),
        (S16.charging, S16.preparing),
        (S16.unavailable, S16.finishing),
    ]:
        assert pair in refused
    for old, new in refused:
        assert not transition_allowed(V16, old, new), (old, new)


def test_every_201_status_has_a_row_and_listed_transitions_are_accepted() -> None:
    assert set(TRANSITIONS_201) == {s.value for s in S201}
    for old, targets in TRANSITIONS_201.items():
        for new in targets:
            assert transition_allowed(V201, old, new)
    assert not transition_allowed(V201, S201.occupied, S201.reserved)


def test_16_local_session_walks_preparing_charging_finishing_available() -> None:
    c = connector()
    seen = [c.status()]
    c.plugged = True
    seen.append(c.status())
    c.token = "TAG"
    c.tx_started = True
    seen.append(c.status())
    c.ev_suspended = True
    seen.append(c.status())
    c.ev_suspended = False
    c.evse_suspended = True
    seen.append(c.status())
    c.evse_suspended = False
    c.tx_started, c.token, c.finished = False, None, True
    seen.append(c.status())
    c.plugged, c.finished = False, False
    seen.append(c.status())
    assert seen == ["Available", "Preparing", "Charging", "SuspendedEV", "SuspendedEVSE", "Finishing", "Available"]
    for old, new in itertools.pairwise(seen):
        assert transition_allowed(V16, old, new)


def test_clearing_a_fault_returns_to_the_state_the_conditions_give() -> None:
    c = connector()
    c.plugged = True
    c.fault = FaultInfo("GroundFailure")
    assert c.status() == "Faulted"
    c.fault = None
    assert c.status() == "Preparing"  # I2: a cable is still plugged
    c.plugged = False
    c.fault = FaultInfo()
    c.fault = None
    assert c.status() == "Available"  # I1


def test_201_status_is_occupied_while_plugged_and_charging_state_follows_the_transaction() -> None:
    c = connector(V201)
    assert c.status() == "Available" and c.charging_state() == "Idle"
    c.plugged = True
    assert c.status() == "Occupied" and c.charging_state() == "EVConnected"
    c.token, c.tx_started = "TAG", True
    assert c.charging_state() == "Charging"
    c.ev_suspended = True
    assert c.charging_state() == "SuspendedEV"
    c.inoperative = True
    assert c.status() == "Occupied"  # stays occupied until the cable is gone


@pytest.mark.parametrize(
    ("setup", "action", "rule_part"),
    [
        ({}, A.UNPLUG, "no cable"),
        ({"plugged": True}, A.PLUG_IN, "already plugged"),
        ({"fault": FaultInfo()}, A.PLUG_IN, "faulted"),
        ({"fault": FaultInfo()}, A.PRESENT_TOKEN, "faulted"),
        ({"inoperative": True}, A.PLUG_IN, "unavailable"),
        ({}, A.START, "plug in"),
        ({"plugged": True}, A.START, "token"),
        ({}, A.STOP, "no transaction"),
        ({}, A.EV_SUSPEND, "charging"),
        ({}, A.EV_RESUME, "not suspended"),
        ({}, A.EVSE_RESUME, "not suspended"),
        ({}, A.CLEAR_FAULT, "no fault"),
        ({"fault": FaultInfo()}, A.FAULT, "already faulted"),
        ({"plugged": True, "finished": True}, A.PRESENT_TOKEN, "unplug"),
        ({}, A.MAKE_AVAILABLE, "already available"),
    ],
)
def test_actions_the_state_does_not_allow_are_refused_naming_state_and_rule(
    setup: dict[str, object], action: UserAction, rule_part: str
) -> None:
    c = connector()
    for name, value in setup.items():
        setattr(c, name, value)
    rule = c.refusal(action)
    assert rule is not None and rule_part in rule
    with pytest.raises(Refused) as refused:
        c.check(action)
    assert refused.value.state == c.status()
    assert c.status() in str(refused.value)


def test_allowed_actions_pass_the_check() -> None:
    c = connector()
    c.check(A.PLUG_IN)
    c.check(A.PRESENT_TOKEN)
    c.check(A.FAULT)
    c.check(A.MAKE_UNAVAILABLE)
    c.plugged, c.token = True, "TAG"
    c.check(A.START)
    c.tx_started = True
    c.check(A.STOP)
    c.check(A.EV_SUSPEND)
    c.check(A.EVSE_SUSPEND)
