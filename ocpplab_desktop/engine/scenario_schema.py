"""The declared schema of a scenario file, checked in full before any step runs.

A scenario is YAML: a name, a station (a template and fields to change, or a whole station),
a speed and a list of steps, each a mapping of one kind to its arguments. `STEP_KINDS` is the
one table of step kinds and their argument models. Loading checks, in order: the YAML itself,
the fields of the document, the station (with its template), each step's arguments, and then
each step against the station it will run on: connectors and EVSEs that exist, connector
states and actions of the station's OCPP version, commands and arguments of the built-in CSMS.

An error is a `ScenarioError` with one line, ``file:line: steps[3] (wait): 'soon' is not a
number of seconds``: the step index counts from 0, as a path into the document does.
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import inspect
import typing
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any

from ocpp.v16.enums import ChargePointErrorCode, RegistrationStatus
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, create_model, model_validator
from pydantic_core import PydanticCustomError

from ocpplab_desktop.csms.policy import CsmsPolicy
from ocpplab_desktop.csms.server import MockCsms, commands_for
from ocpplab_desktop.engine.faults import FIRMWARE_STAGES, FaultError, FaultSpec
from ocpplab_desktop.engine.faults import KINDS as FAULT_KINDS
from ocpplab_desktop.engine.faults import SIDES as FAULT_SIDES
from ocpplab_desktop.model.clock import MAX_SPEED
from ocpplab_desktop.model.config import ConfigError, StationConfig
from ocpplab_desktop.model.connector import TRANSITIONS, FaultInfo, UserAction
from ocpplab_desktop.model.document import (
    DocumentError,
    Lines,
    Loc,
    Schema,
    describe_loc,
    first_problem,
    number,
    one_of,
    read_yaml,
    say,
)
from ocpplab_desktop.model.external_limits import LimitSource
from ocpplab_desktop.model.faults import FAULTS
from ocpplab_desktop.model.smart_charging import RateUnit
from ocpplab_desktop.model.template_schema import Id, TemplateSchema
from ocpplab_desktop.model.templates import load_template
from ocpplab_desktop.protocol.errors import ERROR_CODES as RPC_ERROR_CODES
from ocpplab_desktop.protocol.errors import RpcError
from ocpplab_desktop.protocol.faults import KINDS as MALFORMED_KINDS
from ocpplab_desktop.protocol.frame import Direction, MessageType
from ocpplab_desktop.protocol.schemas import ACTIONS, csms_actions
from ocpplab_desktop.protocol.schemas import check as check_payload


class ScenarioError(ValueError):
    """The scenario file itself is wrong; the one-line message names file, line, step and field."""


# --- the document --------------------------------------------------------------------------------
Speed = Annotated[
    float, Field(ge=1, le=MAX_SPEED), number(f"a number of simulated seconds per real second (1 to {MAX_SPEED:g})")
]


class ScenarioDoc(Schema):
    name: str | None = None
    station: dict[str, Any]  # checked against `ScenarioStation`
    speed: Speed = 100.0
    steps: list[Any] = Field(min_length=1)  # each checked against its kind in `STEP_KINDS`


class ScenarioStation(TemplateSchema):
    """A station: a template and the fields to change, or a whole station without one."""

    template: str | None = None


# --- step arguments ------------------------------------------------------------------------------
Seconds = Annotated[float, Field(ge=0), number("a number of seconds")]
Timeout = Annotated[float, Field(gt=0), number("a number of seconds")]
Frames = Annotated[int, Field(ge=0), number("a whole number of frames", whole=True)]


class Place(Schema):
    """Which connector a step is about; 1/1 when not given."""

    evse: Id = 1
    connector: Id = 1


class ActionArgs(Place):
    force: bool = False  # sent even when the state does not allow it, recorded as forced
    expect_refused: bool = False
    token: str | None = None  # text: YAML reads an unquoted 0001 as the number 1


class FaultArgs(ActionArgs):
    """A connector or station fault: a catalogue entry (`fault`, see model/faults.py) or a bare 1.6
    error code, which stands for the first entry with that code."""

    fault: Annotated[str, one_of(FAULTS)] | None = None
    error_code: Annotated[str, one_of(c for c in ChargePointErrorCode if c != "NoError")] | None = None
    info: str | None = None
    vendor_error_code: str | None = None
    tech_code: str | None = None
    tech_info: str | None = None

    def fault_info(self) -> FaultInfo:
        return FaultInfo(
            self.error_code or "", self.info, self.vendor_error_code, self.fault, self.tech_code, self.tech_info
        )

    @model_validator(mode="after")
    def _reportable(self) -> FaultArgs:
        try:
            problem = self.fault_info().problem()
        except ValueError as exc:
            problem = str(exc)
        if problem is not None:
            raise PydanticCustomError("fault", problem)
        return self


class WaitArgs(Schema):
    seconds: Seconds  # simulated


def _upper(value: Any) -> Any:
    return value.upper() if isinstance(value, str) else value


class FrameMatch(Schema):
    """Station frames to look for: every field given must match; payload fields are matched recursively."""

    action: str | None = None
    direction: Annotated[str, one_of(Direction)] | None = None
    message_type: Annotated[str, BeforeValidator(_upper), one_of(t.name for t in MessageType)] | None = None
    payload: dict[str, Any] | None = None


class ExpectFrameArgs(FrameMatch):
    at_least: Frames = 1
    count: Frames | None = None  # exactly this many


class WaitUntilArgs(Place):
    # The same three values in 1.6 RegistrationStatus and 2.0.1 RegistrationStatusEnumType.
    registration: Annotated[str, one_of(RegistrationStatus)] | None = None
    state: str | None = None
    frame: FrameMatch | None = None
    timeout: Timeout = 120.0  # simulated seconds

    @model_validator(mode="after")
    def _one_condition(self) -> WaitUntilArgs:
        given = [name for name in ("registration", "state", "frame") if getattr(self, name) is not None]
        if len(given) != 1:
            raise PydanticCustomError(
                "condition",
                "wait for one of registration, state or frame; this names {given}",
                {"given": _names(given) or "none"},
            )
        return self


class ExpectStateArgs(Place):
    state: str


class CsmsArgs(Schema):
    """What the built-in CSMS sends: an operator command (the other fields are its arguments), or any
    CSMS-initiated `action` of the station's version with its wire `payload`."""

    model_config = ConfigDict(extra="allow")

    command: str | None = None
    action: str | None = None
    payload: dict[str, Any] | None = None
    expect: dict[str, Any] | None = None

    @model_validator(mode="after")
    def _one_kind(self) -> CsmsArgs:
        if (self.command is None) == (self.action is None):
            raise PydanticCustomError("csms", "give either a command (with its arguments) or an action with a payload")
        if self.action is not None and self.model_extra:
            raise PydanticCustomError(
                "csms", "an action takes its fields in payload, not {given}", {"given": _names(self.model_extra)}
            )
        return self

    @property
    def arguments(self) -> dict[str, Any]:
        return dict(self.model_extra or {})


class DataTransferArgs(Schema):
    vendor_id: str
    message_id: str | None = None
    data: Any = None
    expect: dict[str, Any] | None = None


Count = Annotated[int, Field(ge=1), number("a whole number of frames (1 or more)", whole=True)]
Rate = Annotated[float, Field(ge=0, le=1), number("a probability from 0 to 1")]


class InjectArgs(Schema):
    """`inject:` one fault (see engine/faults.py and the README's list of kinds)."""

    kind: Annotated[str, one_of(FAULT_KINDS)]
    side: Annotated[str, one_of(FAULT_SIDES)] = "station"
    direction: Annotated[str, one_of(Direction)] | None = None
    count: Count | None = None
    rate: Rate | None = None
    action: str | None = None
    code: str | None = None
    description: str = ""
    details: dict[str, Any] = Field(default_factory=dict)
    seconds: Annotated[float, number("a number of seconds")] | None = None
    jitter: Seconds = 0.0
    seed: Annotated[int, number("a whole number", whole=True)] | None = None
    form: str | None = None
    abrupt: bool = False
    pings: bool = False
    stage: Annotated[str, one_of(FIRMWARE_STAGES)] | None = None
    all_stations: bool = False

    @model_validator(mode="after")
    def _consistent(self) -> InjectArgs:
        try:
            self.spec()
        except FaultError as exc:
            raise PydanticCustomError("fault", str(exc)) from None
        return self

    def spec(self) -> FaultSpec:
        return FaultSpec(**self.model_dump())


class ExternalLimitArgs(Schema):
    """`external_limit:` a limit an EMS or grid operator sets (engine/external_limits.py) on the station
    (`evse` 0) or one EVSE (1.6: connector): `limit` in `unit`, or `periods` of [seconds, limit];
    `clear: true` lifts it."""

    limit: Annotated[float, Field(ge=0), number("a limit of 0 or more")] | None = None
    unit: Annotated[str, one_of(RateUnit)] = "W"
    evse: Annotated[int, Field(ge=0), number("an EVSE number (0: the station)", whole=True)] = 0
    source: Annotated[str, one_of(LimitSource)] = "EMS"
    grid_critical: bool | None = None
    periods: list[tuple[int, Annotated[float, Field(ge=0)]]] | None = None
    duration: Annotated[int, Field(gt=0), number("a whole number of seconds", whole=True)] | None = None
    clear: bool = False

    @model_validator(mode="after")
    def _something(self) -> ExternalLimitArgs:
        if not self.clear and self.limit is None and not self.periods:
            raise PydanticCustomError("external_limit", "give a limit, periods, or clear: true")
        return self


class ClearFaultsArgs(Schema):
    side: Annotated[str, one_of(FAULT_SIDES)] | None = None


class NoteArgs(Schema):
    text: str


class RebootArgs(Schema):
    pass


class SayArgs(Schema):
    """A caption for the audience: shown as a banner in the window, printed by `ocpplab run`."""

    text: str = Field(min_length=1)


class PauseArgs(Schema):
    """Wait for the presenter: a click, a key or Enter continues. `prompt` says what is awaited."""

    prompt: str | None = None


def _policy_settings() -> type[BaseModel]:
    """The settings of `CsmsPolicy` as a model: every one optional, converted to the policy's types."""
    hints = typing.get_type_hints(CsmsPolicy)
    fields: dict[str, Any] = {f.name: (hints[f.name], None) for f in dataclasses.fields(CsmsPolicy)}
    return create_model("CsmsPolicySettings", __config__=ConfigDict(extra="forbid", frozen=True), **fields)


@dataclass(frozen=True)
class StepKind:
    args: type[BaseModel]
    shorthand: str | None = None  # the field that a plain value stands for: `wait: 30` is `wait: {seconds: 30}`


STEP_KINDS: dict[str, StepKind] = {
    **{a.value: StepKind(FaultArgs if a is UserAction.FAULT else ActionArgs) for a in UserAction},
    "wait": StepKind(WaitArgs, "seconds"),
    "wait_until": StepKind(WaitUntilArgs),
    "expect_state": StepKind(ExpectStateArgs),
    "expect_frame": StepKind(ExpectFrameArgs),
    "csms": StepKind(CsmsArgs),
    "csms_policy": StepKind(_policy_settings()),
    "data_transfer": StepKind(DataTransferArgs),
    "reboot": StepKind(RebootArgs),
    "note": StepKind(NoteArgs, "text"),
    "say": StepKind(SayArgs, "text"),
    "pause": StepKind(PauseArgs, "prompt"),
    "inject": StepKind(InjectArgs, "kind"),
    "clear_faults": StepKind(ClearFaultsArgs),
    "external_limit": StepKind(ExternalLimitArgs, "limit"),
}

# The scenario runner fills these in when a step leaves them out.
FILLED_BY_RUNNER = {("remote_stop", "transaction_id")}


@functools.cache
def command_arguments(command: str) -> type[BaseModel]:
    """The arguments of the built-in CSMS's `command`, as its method declares them."""
    method = getattr(MockCsms, command)
    hints = typing.get_type_hints(method)
    fields: dict[str, Any] = {}
    for name, parameter in inspect.signature(method).parameters.items():
        if name in ("self", "station_id"):
            continue
        required = parameter.default is inspect.Parameter.empty and (command, name) not in FILLED_BY_RUNNER
        fields[name] = (hints[name], ... if required else None)
    config = ConfigDict(extra="forbid", strict=True, frozen=True)
    return create_model(f"{command}_arguments", __config__=config, **fields)


# --- the loaded scenario -------------------------------------------------------------------------
@dataclass(frozen=True)
class Step:
    index: int  # 0-based, as in steps[index]
    kind: str
    args: Any  # an instance of STEP_KINDS[kind].args
    line: int | None = None


@dataclass(frozen=True)
class Scenario:
    name: str
    station: StationConfig
    steps: tuple[Step, ...]
    speed: float = 100.0
    source: str = ""


def load_scenario(path: Path | str) -> Scenario:
    """Read and check a scenario file; ScenarioError names what is wrong and where."""
    path = Path(path)
    source = str(path)
    try:
        data, lines = read_yaml(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ScenarioError(say(source, None, "no such file")) from None
    except OSError as exc:
        raise ScenarioError(say(source, None, f"cannot read it: {exc.strerror or exc}")) from exc
    except UnicodeDecodeError as exc:
        raise ScenarioError(say(source, None, f"not UTF-8 text ({exc.reason})")) from exc
    except DocumentError as exc:
        raise _Checker(source, Lines()).fail(exc.loc, exc.problem, line=exc.line) from exc
    return parse_scenario(data, source, lines)


def parse_scenario(data: Any, source: str = "<inline>", lines: Lines | None = None) -> Scenario:
    """Check a scenario document (as YAML reads it); `lines` says where its values were written."""
    return _Checker(source, lines or Lines()).scenario(data)


class _Checker:
    def __init__(self, source: str, lines: Lines) -> None:
        self.source = source
        self.lines = lines

    def fail(self, loc: Loc, problem: str, field: Loc = (), line: int | None = None) -> ScenarioError:
        """An error about `field` of the value at `loc`; a step is named by its index and kind."""
        line = line or self.lines.of((*loc, *field))
        if len(loc) >= 2 and loc[0] == "steps" and isinstance(loc[1], int):
            kind = f" ({loc[2]})" if len(loc) > 2 else ""
            where = f"steps[{loc[1]}]{kind}"
            return ScenarioError(say(self.source, line, where, describe_loc((*loc[3:], *field)), problem))
        return ScenarioError(say(self.source, line, describe_loc((*loc, *field)), problem))

    def invalid(
        self, error: ValidationError, loc: Loc, model: type[BaseModel], shorthand: str | None = None
    ) -> ScenarioError:
        field, text = first_problem(error, self.lines, prefix=loc, model=model)
        if shorthand is not None and field[:1] == (shorthand,):
            field = field[1:]  # the user wrote the value alone, not the field
        return self.fail(loc, text, field)

    def scenario(self, data: Any) -> Scenario:
        if not isinstance(data, dict):
            raise self.fail((), "a scenario is a mapping with station and steps (name and speed optional)")
        try:
            doc = ScenarioDoc.model_validate(data)
        except ValidationError as error:
            raise self.invalid(error, (), ScenarioDoc) from None
        station = self.station(doc.station)
        steps = tuple(self.step(index, raw) for index, raw in enumerate(doc.steps))
        for step in steps:
            self.check_against(station, step)
        return Scenario(doc.name or Path(self.source).stem, station, steps, doc.speed, self.source)

    def station(self, raw: dict[str, Any]) -> StationConfig:
        try:
            ScenarioStation.model_validate(raw)
        except ValidationError as error:
            raise self.invalid(error, ("station",), ScenarioStation) from None
        spec = dict(raw)
        template = spec.pop("template", None)
        if template is not None:
            try:
                base = load_template(template)
            except ConfigError as exc:
                raise self.fail(("station", "template"), str(exc)) from None
            spec = {**base.to_dict(), **spec}
        try:
            return StationConfig.from_dict(spec).validate()
        except ConfigError as exc:
            raise self.fail(("station",), str(exc)) from None

    def step(self, index: int, raw: Any) -> Step:
        loc: Loc = ("steps", index)
        if not isinstance(raw, dict) or not raw:
            raise self.fail(loc, f"a step is a mapping of its kind to its arguments, like '- wait: 30'; got {raw!r}")
        if len(raw) > 1:
            raise self.fail(
                loc, f"a step has one kind, this has {_names(raw)}; indent the arguments under the kind, or add a '-'"
            )
        ((kind, args),) = raw.items()
        loc = (*loc, kind)
        known = STEP_KINDS.get(kind)
        if known is None:
            raise self.fail(loc, f"unknown step{_suggest(str(kind), STEP_KINDS)}; known steps: {_names(STEP_KINDS)}")
        shorthand = known.shorthand if not isinstance(args, dict | None) else None
        if shorthand is not None:
            args = {shorthand: args}
        try:
            model = known.args.model_validate({} if args is None else args)
        except ValidationError as error:
            raise self.invalid(error, loc, known.args, shorthand) from None
        return Step(index, kind, model, self.lines.of(loc))

    def check_against(self, station: StationConfig, step: Step) -> None:
        """What the schema cannot know alone: the station's connectors, OCPP version and CSMS commands."""
        loc: Loc = ("steps", step.index, step.kind)
        args = step.args
        version = station.ocpp_version
        if isinstance(args, Place) and (not isinstance(args, WaitUntilArgs) or args.state is not None):
            self.check_place(station, loc, args)
        state = getattr(args, "state", None)
        if state is not None and state not in TRANSITIONS[version]:
            known = TRANSITIONS[version]
            raise self.fail(
                loc,
                f"{state!r} is not an OCPP {version.value} connector status{_suggest(state, known)}; "
                f"one of {_names(known)}",
                ("state",),
            )
        frame = args.frame if isinstance(args, WaitUntilArgs) else args
        if isinstance(frame, FrameMatch) and frame.action is not None and frame.action not in ACTIONS[version]:
            field: Loc = ("frame", "action") if frame is not args else ("action",)
            problem = (
                f"{frame.action!r} is not an OCPP {version.value} action{_suggest(frame.action, ACTIONS[version])}"
            )
            raise self.fail(loc, problem, field)
        if isinstance(args, CsmsArgs):
            self.check_command(station, loc, args)
        if isinstance(args, InjectArgs):
            self.check_fault(station, loc, args)

    def check_fault(self, station: StationConfig, loc: Loc, args: InjectArgs) -> None:
        version = station.ocpp_version
        if args.action is not None and args.action not in ACTIONS[version]:
            problem = f"{args.action!r} is not an OCPP {version.value} action{_suggest(args.action, ACTIONS[version])}"
            raise self.fail(loc, problem, ("action",))
        if args.kind == "callerror" and args.code not in RPC_ERROR_CODES[version]:
            codes = RPC_ERROR_CODES[version]
            problem = f"{args.code!r} is not an OCPP {version.value} RPC error code{_suggest(args.code or '', codes)}"
            raise self.fail(loc, f"{problem}; one of {_names(codes)}", ("code",))
        if args.kind == "malformed" and args.form not in MALFORMED_KINDS:
            problem = f"{args.form!r} is not a malformed-frame form{_suggest(args.form or '', MALFORMED_KINDS)}"
            raise self.fail(loc, f"{problem}; one of {_names(MALFORMED_KINDS)}", ("form",))

    def check_place(self, station: StationConfig, loc: Loc, place: Place) -> None:
        evses = {evse.id: [c.id for c in evse.connectors] for evse in station.evses}
        if place.evse not in evses:
            raise self.fail(loc, f"the station has no EVSE {place.evse}; its EVSEs are {_names(evses)}", ("evse",))
        if place.connector not in evses[place.evse]:
            connectors = _names(evses[place.evse])
            raise self.fail(
                loc,
                f"EVSE {place.evse} has no connector {place.connector}; its connectors are {connectors}",
                ("connector",),
            )

    def check_command(self, station: StationConfig, loc: Loc, args: CsmsArgs) -> None:
        if args.action is not None:
            self.check_action(station, loc, args.action, args.payload or {})
            return
        assert args.command is not None  # one of the two, checked by CsmsArgs
        allowed = commands_for(station.ocpp_version)
        if args.command not in allowed:
            raise self.fail(
                loc,
                f"{args.command!r} is not an OCPP {station.ocpp_version.value} command of the built-in CSMS"
                f"{_suggest(args.command, allowed)}; one of {_names(allowed)}",
                ("command",),
            )
        model = command_arguments(args.command)
        try:
            model.model_validate(args.arguments)
        except ValidationError as error:
            raise self.invalid(error, loc, model) from None

    def check_action(self, station: StationConfig, loc: Loc, action: str, payload: dict[str, Any]) -> None:
        version = station.ocpp_version
        allowed = csms_actions(version)
        if action not in allowed:
            raise self.fail(
                loc,
                f"{action!r} is not an action a CSMS sends to an OCPP {version.value} station"
                f"{_suggest(action, allowed)}; one of {_names(allowed)}",
                ("action",),
            )
        try:
            check_payload(version, action, payload)
        except RpcError as error:
            raise self.fail(loc, error.description, ("payload",)) from None


def _names(items: typing.Iterable[Any]) -> str:
    return ", ".join(str(item) for item in items)


def _suggest(word: str, choices: typing.Iterable[str]) -> str:
    close = difflib.get_close_matches(word, [str(c) for c in choices], n=1)
    return f" (did you mean {close[0]}?)" if close else ""
