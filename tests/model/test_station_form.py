"""The station builder's rules without a window: problems by field, free ids, EVSE edits, overrides."""

from __future__ import annotations

from dataclasses import fields, replace
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from ocpplab_desktop.model.config import (
    ConnectorConfig,
    CurrentType,
    EvseConfig,
    OcppVersion,
    StationConfig,
    VariableSetting,
)
from ocpplab_desktop.model.station_form import (
    Field,
    Overrides,
    add_connector,
    add_evse,
    form_problems,
    free_station_id,
    new_station,
    power_problem,
    remove_connector,
    template_name_for,
    with_free_id,
)

V16, V201 = OcppVersion.V16, OcppVersion.V201
VALID = StationConfig()
HEARTBEAT_VARIABLE = ("OCPPCommCtrlr", None, None, "HeartbeatInterval", None)


def one_connector(**changes: Any) -> tuple[EvseConfig, ...]:
    return (EvseConfig(1, (replace(ConnectorConfig(), **changes),)),)


def test_the_default_station_has_no_problems_in_either_version() -> None:
    assert form_problems(VALID) == []
    assert form_problems(replace(VALID, ocpp_version=V201)) == []


def test_every_field_is_a_field_of_the_station_config() -> None:
    assert {f.value for f in Field} <= {f.name for f in fields(StationConfig)}


# One broken field at a time: the problems found all name that field, and say what is wrong.
BROKEN: list[tuple[str, dict[str, Any], Field, str]] = [
    ("id with a space", {"id": "CP 1"}, Field.ID, "without spaces"),
    ("id too long", {"id": "C" * 49}, Field.ID, "1 to 48 characters"),
    ("1.6 vendor too long", {"vendor": "V" * 21}, Field.VENDOR, "allows 20 characters (chargePointVendor)"),
    ("model missing", {"model": ""}, Field.MODEL, "required"),
    ("1.6 serial too long", {"serial_number": "S" * 26}, Field.SERIAL_NUMBER, "allows 25"),
    ("firmware too long", {"firmware_version": "F" * 51}, Field.FIRMWARE_VERSION, "allows 50"),
    ("http URL", {"csms_url": "http://csms.example"}, Field.CSMS_URL, "use ws://host:port/path"),
    ("URL with a bad port", {"csms_url": "ws://csms.example:99999/ocpp"}, Field.CSMS_URL, "port from 1 to 65535"),
    ("URL with a space", {"csms_url": "ws://csms example/ocpp"}, Field.CSMS_URL, "remove the spaces"),
    ("empty URL", {"csms_url": ""}, Field.CSMS_URL, "enter the address"),
    (
        "2.0.1 password too short",
        {"ocpp_version": V201, "password": "short"},
        Field.PASSWORD,
        "16 to 40 characters",
    ),
    ("no EVSE", {"evses": ()}, Field.EVSES, "at least one EVSE"),
    ("EVSE without connector", {"evses": (EvseConfig(1, ()),)}, Field.EVSES, "needs at least one connector"),
    ("EVSE ids with a gap", {"evses": (EvseConfig(2),)}, Field.EVSES, "EVSE ids must be 1..1"),
    ("zero power", {"evses": one_connector(max_power_w=0)}, Field.EVSES, "max_power_w must be positive"),
    ("unknown connector type", {"evses": one_connector(type="Plug")}, Field.EVSES, "unknown connector type"),
    ("meter interval zero", {"meter_interval_s": 0}, Field.METER_INTERVAL, "meter_interval_s must be positive"),
    ("heartbeat zero", {"heartbeat_interval_s": 0}, Field.HEARTBEAT_INTERVAL, "heartbeat_interval_s must be"),
    (
        "1.6 key that is not an integer",
        {"config_keys": {"HeartbeatInterval": "soon"}},
        Field.CONFIG_KEYS,
        "config key HeartbeatInterval: expected an integer",
    ),
    (
        "2.0.1 variable below its minimum",
        {"ocpp_version": V201, "variables": (VariableSetting("OCPPCommCtrlr", "HeartbeatInterval", "-5"),)},
        Field.VARIABLES,
        "below the minimum 1",
    ),
]


@pytest.mark.parametrize(("changes", "field", "says"), [b[1:] for b in BROKEN], ids=[b[0] for b in BROKEN])
def test_each_problem_names_the_field_it_is_about(changes: dict[str, Any], field: Field, says: str) -> None:
    problems = form_problems(replace(VALID, **changes))
    assert problems, "the broken field must be found"
    assert {p.field for p in problems} == {field}, problems
    assert any(says in p.message for p in problems), problems


def test_a_url_the_parser_refuses_is_one_problem_not_also_the_scheme_rule() -> None:
    problems = form_problems(replace(VALID, csms_url="http://csms.example:99999/ocpp"))
    assert [p.field for p in problems] == [Field.CSMS_URL]
    assert "port from 1 to 65535" in problems[0].message


def test_an_id_already_in_the_lab_comes_first_with_a_free_one_to_use() -> None:
    problems = form_problems(replace(VALID, id="CP-7", meter_interval_s=0), existing_ids={"CP-7", "CP-8"})
    assert problems[0].field is Field.ID
    assert problems[0].message == "station id 'CP-7' is already in the lab; choose another, e.g. CP-9"
    assert [p.field for p in problems] == [Field.ID, Field.METER_INTERVAL]


def test_a_connector_problem_says_which_connector_it_is_about() -> None:
    evses = (EvseConfig(1, (ConnectorConfig(1),)), EvseConfig(2, (ConnectorConfig(1), ConnectorConfig(2, voltage_v=0))))
    (problem,) = form_problems(replace(VALID, evses=evses))
    assert problem.connector == (2, 2)
    assert problem.message.startswith("EVSE 2 connector 2: voltage_v must be positive")


@pytest.mark.parametrize(
    ("connector", "deliverable_kw"),
    [
        (ConnectorConfig(phases=3, max_current_a=32, voltage_v=230), 3 * 230 * 32 / 1000),
        (ConnectorConfig(phases=1, max_current_a=16, voltage_v=230), 230 * 16 / 1000),
        # A DC connector has no phases: whatever the field says, it delivers voltage x current.
        (ConnectorConfig(current_type=CurrentType.DC, phases=3, max_current_a=200, voltage_v=400), 400 * 200 / 1000),
    ],
    ids=["AC three-phase", "AC one-phase", "DC"],
)
def test_power_is_refused_only_beyond_what_current_and_voltage_deliver(
    connector: ConnectorConfig, deliverable_kw: float
) -> None:
    at_limit = replace(connector, max_power_w=deliverable_kw * 1000)
    above = replace(connector, max_power_w=deliverable_kw * 1000 * 1.01)
    assert power_problem(1, at_limit) is None
    problem = power_problem(1, above)
    assert problem is not None and problem.field is Field.EVSES and problem.connector == (1, 1)
    assert f"= {deliverable_kw:g} kW" in problem.message


@pytest.mark.parametrize(
    ("wanted", "taken", "expected"),
    [
        ("CP-0001", set(), "CP-0001"),
        ("CP-0001", {"CP-0001"}, "CP-0002"),
        ("CP-0001", {"CP-0001", "CP-0002", "CP-0003"}, "CP-0004"),
        ("CP-0099", {"CP-0099"}, "CP-0100"),
        ("CP9", {"CP9"}, "CP10"),
        ("CP", {"CP"}, "CP-2"),
        ("CP", {"CP", "CP-2"}, "CP-3"),
    ],
)
def test_a_taken_id_gives_the_next_free_one(wanted: str, taken: set[str], expected: str) -> None:
    assert free_station_id(wanted, taken) == expected


@given(
    wanted=st.from_regex(r"[A-Z]{1,3}-?[0-9]{0,3}", fullmatch=True),
    taken=st.sets(st.from_regex(r"[A-Z]{1,3}-?[0-9]{0,3}", fullmatch=True), max_size=20),
)
def test_the_free_id_is_never_taken_and_is_the_wanted_one_when_that_is_free(wanted: str, taken: set[str]) -> None:
    free = free_station_id(wanted, taken)
    assert free not in taken
    assert (free == wanted) == (wanted not in taken)


def test_a_new_form_and_a_chosen_template_start_under_a_free_id() -> None:
    assert new_station({"CP001"}).id == "CP002"
    template = replace(VALID, id="CP-AC22-0001", model="Wallbox")
    assert with_free_id(template, {"CP-AC22-0001"}) == replace(template, id="CP-AC22-0002")


def test_a_template_name_is_offered_from_the_model() -> None:
    assert template_name_for("Virtual AC 22") == "virtual-ac-22"
    assert template_name_for("  Acme / Box 2.0 ") == "acme-box-2.0"


def shape(evses: tuple[EvseConfig, ...]) -> list[tuple[int, list[tuple[int, float]]]]:
    return [(e.id, [(c.id, c.max_power_w) for c in e.connectors]) for e in evses]


def test_an_evse_is_added_last_with_one_connector_like_the_template() -> None:
    evses = (EvseConfig(1, (ConnectorConfig(1), ConnectorConfig(2))),)
    added, row = add_evse(evses, ConnectorConfig(7, max_power_w=11_000))
    assert shape(added) == [(1, [(1, 22_080), (2, 22_080)]), (2, [(1, 11_000)])]
    assert row == 2, "the new connector is the third row"


def test_a_connector_is_added_at_the_end_of_its_evse_and_the_others_keep_their_rows() -> None:
    evses = (EvseConfig(1, (ConnectorConfig(1),)), EvseConfig(2, (ConnectorConfig(1, max_power_w=50_000),)))
    added, row = add_connector(evses, 1, ConnectorConfig(1, max_power_w=7_400))
    assert shape(added) == [(1, [(1, 22_080), (2, 7_400)]), (2, [(1, 50_000)])]
    assert row == 1


def test_removing_an_evses_last_connector_removes_the_evse_and_renumbers_the_rest() -> None:
    evses = (
        EvseConfig(1, (ConnectorConfig(1, max_power_w=7_400),)),
        EvseConfig(2, (ConnectorConfig(1), ConnectorConfig(2, max_power_w=11_000))),
    )
    assert shape(remove_connector(evses, 1, 1)) == [(1, [(1, 22_080), (2, 11_000)])]
    assert shape(remove_connector(evses, 2, 1)) == [(1, [(1, 7_400)]), (2, [(1, 11_000)])]


def test_a_16_key_edited_back_to_its_default_is_no_override() -> None:
    overrides = Overrides()
    (row,) = [r for r in overrides.rows(VALID) or [] if r.key == "HeartbeatInterval"]
    assert (row.value, row.default, row.editable) == ("300", "300", True)
    overrides.set_key(row, "120")
    assert overrides.apply(VALID).config_keys == {"HeartbeatInterval": "120"}
    (edited,) = [r for r in overrides.rows(VALID) or [] if r.key == "HeartbeatInterval"]
    assert edited.overridden and edited.value == "120"
    overrides.set_key(edited, "300")
    assert overrides.apply(VALID).config_keys == {}


def test_read_only_keys_are_not_editable_and_write_only_ones_are_not_listed() -> None:
    rows = {r.key: r for r in Overrides().rows(VALID) or []}
    assert not rows["NumberOfConnectors"].editable
    assert "AuthorizationKey" not in rows, "the password field sets it"


def test_a_vendor_key_override_is_listed_after_the_standard_keys() -> None:
    rows = Overrides.of(replace(VALID, config_keys={"AcmeMode": "fast"})).rows(VALID) or []
    assert (rows[-1].key, rows[-1].value, rows[-1].tip) == ("AcmeMode", "fast", "vendor key")


def test_overrides_go_to_the_surface_of_the_chosen_version_and_survive_switching_back() -> None:
    overrides = Overrides.of(replace(VALID, config_keys={"HeartbeatInterval": "120"}))
    v201 = replace(VALID, ocpp_version=V201)
    (row,) = [r for r in overrides.rows(v201) or [] if r.key == HEARTBEAT_VARIABLE]
    overrides.set_variable(row, "90")
    assert overrides.apply(v201).config_keys == {}
    assert overrides.apply(v201).variables == (VariableSetting("OCPPCommCtrlr", "HeartbeatInterval", "90"),)
    assert overrides.apply(VALID).config_keys == {"HeartbeatInterval": "120"}
    assert overrides.apply(VALID).variables == ()


def test_201_variables_wait_until_every_evse_has_a_connector() -> None:
    assert Overrides().rows(replace(VALID, ocpp_version=V201, evses=(EvseConfig(1, ()),))) is None
