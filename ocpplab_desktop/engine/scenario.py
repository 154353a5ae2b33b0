"""Scenario files: a station and the steps a tester would take, with expectations.

A scenario is YAML::

    name: Full local session, OCPP 1.6
    station: {template: ac-22kw-wallbox, id: CP-16}
    speed: 100
    steps:
      - wait_until: {registration: Accepted}
      - plug_in: {connector: 1}
      - present_token: {token: TAG-001}
      - wait: 180                       # simulated seconds
      - expect_state: {connector: 1, state: Charging}
      - csms: {command: remote_stop}    # built-in CSMS only
      - expect_frame: {action: StopTransaction, payload: {reason: Remote}}

Steps run in order. A user action the state does not allow fails the step unless it says
`force: true` (sent anyway, recorded as forced) or `expect_refused: true`. Expectations
do not stop the run: every one is checked and reported.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import yaml

from ocpplab_desktop.engine.lab import Lab
from ocpplab_desktop.engine.station import Station
from ocpplab_desktop.model.config import ConfigError, OcppVersion, StationConfig
from ocpplab_desktop.model.connector import FaultInfo, Refused, UserAction
from ocpplab_desktop.model.templates import load_template
from ocpplab_desktop.protocol.errors import CallErrorReceived, CallTimeout, InvalidResponse, NotConnected
from ocpplab_desktop.protocol.frame import Direction, Frame, MessageType, Side


class ScenarioError(ValueError):
    """The scenario file itself is wrong; the message names the step and what to fix."""


@dataclass(frozen=True)
class Scenario:
    name: str
    station: StationConfig
    steps: tuple[dict[str, Any], ...]
    speed: float = 100.0
    source: str = ""


@dataclass
class StepResult:
    index: int
    step: str
    ok: bool
    detail: str


@dataclass
class Report:
    scenario: str
    results: list[StepResult] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.results)

    def render(self) -> str:
        lines = [f"Scenario: {self.scenario}"]
        for r in self.results:
            lines.append(f"  {'ok  ' if r.ok else 'FAIL'} {r.index:>3}. {r.step}: {r.detail}")
        failed = sum(not r.ok for r in self.results)
        lines.append(f"{len(self.results) - failed} passed, {failed} failed")
        return "\n".join(lines)


ACTION_STEPS = {a.value: a for a in UserAction}
OTHER_STEPS = {
    "wait", "wait_until", "expect_state", "expect_frame", "csms", "csms_policy", "reboot", "note", "data_transfer",
}  # fmt: skip


def load_scenario(path: Path | str) -> Scenario:
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as exc:
        raise ScenarioError(f"cannot read scenario {path}: {exc}") from exc
    return parse_scenario(data, source=str(path))


def parse_scenario(data: Any, source: str = "<inline>") -> Scenario:
    if not isinstance(data, dict) or "station" not in data or "steps" not in data:
        raise ScenarioError(f"{source}: a scenario is a mapping with 'station' and 'steps'")
    station = _station(data["station"], source)
    steps = data["steps"]
    if not isinstance(steps, list):
        raise ScenarioError(f"{source}: 'steps' must be a list")
    for index, step in enumerate(steps, start=1):
        if not isinstance(step, dict) or len(step) != 1:
            raise ScenarioError(f"{source} step {index}: each step is a mapping with one key, got {step!r}")
        (kind,) = step
        if kind not in ACTION_STEPS and kind not in OTHER_STEPS:
            known = ", ".join(sorted([*ACTION_STEPS, *OTHER_STEPS]))
            raise ScenarioError(f"{source} step {index}: unknown step {kind!r}; known steps: {known}")
    return Scenario(
        name=str(data.get("name", Path(source).stem)),
        station=station,
        steps=tuple(steps),
        speed=float(data.get("speed", 100.0)),
        source=source,
    )


def _station(spec: Any, source: str) -> StationConfig:
    if not isinstance(spec, dict):
        raise ScenarioError(f"{source}: 'station' must be a mapping (a template name or an inline station)")
    try:
        if "template" in spec:
            base = load_template(str(spec["template"]))
            overrides = {k: v for k, v in spec.items() if k != "template"}
            merged = {**base.to_dict(), **overrides}
            return StationConfig.from_dict(merged).validate()
        return StationConfig.from_dict(spec).validate()
    except ConfigError as exc:
        raise ScenarioError(f"{source}: station: {exc}") from exc


class ScenarioRunner:
    """Runs a scenario in a Lab; collects the station-side frames for expectations."""

    def __init__(self, lab: Lab, scenario: Scenario, *, csms_url: str | None = None, timeout_s: float = 600.0) -> None:
        self.lab = lab
        self.scenario = scenario
        self.timeout_s = timeout_s
        config = scenario.station if csms_url is None else replace(scenario.station, csms_url=csms_url)
        self.config = config
        self.frames: list[Frame] = []
        self.report = Report(scenario.name)
        self.station: Station | None = None

    def _collect(self, event: Any) -> None:
        if isinstance(event, Frame) and event.side is Side.STATION and event.station_id == self.config.id:
            self.frames.append(event)

    async def run(self) -> Report:
        unsubscribe = self.lab.bus.subscribe(self._collect)
        try:
            self.station = self.lab.add_station(self.config)
            for index, step in enumerate(self.scenario.steps, start=1):
                (kind, args) = next(iter(step.items()))
                try:
                    detail = await self._step(kind, args if args is not None else {})
                    self.report.results.append(StepResult(index, kind, True, detail))
                except StepFailed as exc:
                    self.report.results.append(StepResult(index, kind, False, str(exc)))
                    if exc.fatal:
                        break
            await asyncio.sleep(0.05)
        finally:
            unsubscribe()
        return self.report

    # --- steps -----------------------------------------------------------------------------------
    async def _step(self, kind: str, args: Any) -> str:
        if kind in ACTION_STEPS:
            return await self._action(ACTION_STEPS[kind], _mapping(kind, args))
        handler: Callable[[Any], Any] = getattr(self, f"_step_{kind}")
        result: str = await handler(args)
        return result

    async def _action(self, action: UserAction, args: dict[str, Any]) -> str:
        assert self.station is not None
        fault = None
        if action is UserAction.FAULT:
            fault = FaultInfo(
                str(args.get("error_code", "OtherError")), args.get("info"), args.get("vendor_error_code")
            )
        expect_refused = bool(args.get("expect_refused", False))
        try:
            outcome = await asyncio.wait_for(
                self.station.act(
                    int(args.get("evse", 1)),
                    int(args.get("connector", 1)),
                    action,
                    force=bool(args.get("force", False)),
                    token=str(args["token"]) if "token" in args else None,
                    fault=fault,
                ),
                self.timeout_s,
            )
        except Refused as exc:
            if expect_refused:
                return f"refused as expected: {exc}"
            raise StepFailed(str(exc)) from exc
        except (TimeoutError, KeyError, ValueError) as exc:
            raise StepFailed(f"{action.value}: {exc}", fatal=True) from exc
        if expect_refused:
            raise StepFailed(f"expected a refusal, but {action.value} was done: {outcome}")
        return outcome

    async def _step_wait(self, args: Any) -> str:
        seconds = float(args["seconds"] if isinstance(args, dict) else args)
        await self.lab.sleep_sim(seconds)
        return f"waited {seconds:g} s (simulated)"

    async def _step_wait_until(self, args: Any) -> str:
        args = _mapping("wait_until", args)
        timeout = float(args.get("timeout", 120))
        check = self._condition(args)
        waited = 0.0
        while not check():
            if waited >= timeout:
                raise StepFailed(f"condition {args} not met within {timeout:g} s (simulated)", fatal=True)
            await self.lab.sleep_sim(0.5)
            waited += 0.5
        return f"{args} after {waited:g} s"

    def _condition(self, args: dict[str, Any]) -> Callable[[], bool]:
        assert self.station is not None
        station = self.station
        if "registration" in args:
            return lambda: station.registration == args["registration"]
        if "state" in args:
            c = station.connector(int(args.get("evse", 1)), int(args.get("connector", 1)))
            return lambda: c.reported == args["state"]
        if "frame" in args:
            spec = _mapping("frame", args["frame"])
            return lambda: bool(self._matching(spec))
        raise StepFailed(f"wait_until needs registration, state or frame: {args}", fatal=True)

    async def _step_expect_state(self, args: Any) -> str:
        args = _mapping("expect_state", args)
        assert self.station is not None
        c = self.station.connector(int(args.get("evse", 1)), int(args.get("connector", 1)))
        if c.reported != args["state"]:
            raise StepFailed(f"connector {c.evse_id}/{c.connector_id} is {c.reported}, expected {args['state']}")
        return f"connector {c.evse_id}/{c.connector_id} is {c.reported}"

    async def _step_expect_frame(self, args: Any) -> str:
        spec = _mapping("expect_frame", args)
        await asyncio.sleep(0.05)  # let frames in flight arrive
        found = self._matching(spec)
        at_least = int(spec.get("at_least", 1))
        exactly = spec.get("count")
        if exactly is not None and len(found) != int(exactly):
            raise StepFailed(f"{len(found)} frames match {_describe(spec)}, expected exactly {exactly}")
        if exactly is None and len(found) < at_least:
            raise StepFailed(f"{len(found)} frames match {_describe(spec)}, expected at least {at_least}")
        return f"{len(found)} frames match {_describe(spec)}"

    def _matching(self, spec: dict[str, Any]) -> list[Frame]:
        direction = spec.get("direction")
        mtype = spec.get("message_type")
        payload = spec.get("payload")
        out = []
        for frame in self.frames:
            if "action" in spec and frame.action != spec["action"]:
                continue
            if direction is not None and frame.direction is not Direction(direction):
                continue
            if mtype is not None and frame.message_type is not MessageType[str(mtype).upper()]:
                continue
            if mtype is None and "action" in spec and direction is None and frame.message_type is not MessageType.CALL:
                continue
            if payload is not None and not _contains(frame.payload, payload):
                continue
            out.append(frame)
        return out

    async def _step_csms(self, args: Any) -> str:
        args = dict(_mapping("csms", args))
        csms = self.lab.csms
        if csms is None:
            raise StepFailed("csms steps need the built-in CSMS (run without --csms)", fatal=True)
        command = str(args.pop("command"))
        expect = args.pop("expect", None)
        if command == "remote_stop" and "transaction_id" not in args:
            assert self.station is not None
            running = [c.tx_id for c in self.station.connectors if c.tx_started and c.tx_id is not None]
            if not running:
                raise StepFailed("remote_stop: the station has no running transaction")
            tx = running[0]
            args["transaction_id"] = int(tx) if self.station.version is OcppVersion.V16 else tx
        from ocpplab_desktop.csms.server import commands_for

        allowed = commands_for(self.config.ocpp_version)
        if command not in allowed:
            raise StepFailed(
                f"{command!r} is not an OCPP {self.config.ocpp_version.value} command of the built-in CSMS; "
                f"choose one of {', '.join(allowed)}",
                fatal=True,
            )
        method = getattr(csms, command)
        try:
            answer = await method(self.config.id, **args)
        except Exception as exc:
            raise StepFailed(f"{command} failed: {type(exc).__name__}: {exc}") from exc
        if expect is not None and not _contains(answer, expect):
            raise StepFailed(f"{command} answered {answer}, expected {expect}")
        return f"{command} -> {answer}"

    async def _step_csms_policy(self, args: Any) -> str:
        args = _mapping("csms_policy", args)
        if self.lab.csms is None:
            raise StepFailed("csms_policy needs the built-in CSMS", fatal=True)
        policy = self.lab.csms.policy
        for key, value in args.items():
            if not hasattr(policy, key):
                raise StepFailed(f"the CSMS policy has no setting {key!r}", fatal=True)
            current = getattr(policy, key)
            setattr(policy, key, type(current)(value) if isinstance(current, set | list | tuple) else value)
        return f"policy {args}"

    async def _step_data_transfer(self, args: Any) -> str:
        args = dict(_mapping("data_transfer", args))
        assert self.station is not None
        expect = args.pop("expect", None)
        try:
            answer = await self.station.data_transfer(str(args["vendor_id"]), args.get("message_id"), args.get("data"))
        except (KeyError, NotConnected, CallErrorReceived, CallTimeout, InvalidResponse) as exc:
            raise StepFailed(f"DataTransfer failed: {type(exc).__name__}: {exc}") from exc
        if expect is not None and not _contains(answer, expect):
            raise StepFailed(f"DataTransfer answered {answer}, expected {expect}")
        return f"DataTransfer -> {answer}"

    async def _step_reboot(self, args: Any) -> str:
        del args
        assert self.station is not None
        await self.station.reboot()
        return "rebooted"

    async def _step_note(self, args: Any) -> str:
        assert self.station is not None
        self.station.note("scenario", str(args))
        return str(args)


class StepFailed(Exception):
    def __init__(self, message: str, *, fatal: bool = False) -> None:
        super().__init__(message)
        self.fatal = fatal


def _mapping(kind: str, args: Any) -> dict[str, Any]:
    if args is None:
        return {}
    if not isinstance(args, dict):
        raise StepFailed(f"{kind}: expected a mapping of arguments, got {args!r}", fatal=True)
    return args


def _contains(actual: Any, expected: Any) -> bool:
    """Whether `actual` has every key/value of `expected` (recursively, lists element-wise)."""
    if isinstance(expected, dict):
        return isinstance(actual, dict) and all(k in actual and _contains(actual[k], v) for k, v in expected.items())
    if isinstance(expected, list):
        return (
            isinstance(actual, list)
            and len(actual) >= len(expected)
            and all(_contains(a, e) for a, e in zip(actual, expected, strict=False))
        )
    return bool(actual == expected or str(actual) == str(expected))


def _describe(spec: dict[str, Any]) -> str:
    return ", ".join(f"{k}={v}" for k, v in spec.items() if k not in ("count", "at_least"))
