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
      - csms: {action: ClearCache, payload: {}}   # any action a CSMS sends, its wire payload
      - expect_frame: {action: StopTransaction, payload: {reason: Remote}}

The whole file is checked against its schema (`scenario_schema`) when it is loaded, so a
mistake is reported with its line before any step runs. Steps run in order. A user action
the state does not allow fails the step unless it says `force: true` (sent anyway, recorded
as forced) or `expect_refused: true`. Expectations do not stop the run: every one is checked
and reported.

Waits and timeouts are simulated seconds on the lab's clock. A step that fails while the
station cannot reach its CSMS says why (the station's last failed connection attempt: refused,
DNS, TLS, the handshake's HTTP status), and the report says the CSMS was unreachable rather
than that it misbehaved.
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field, replace
from typing import Any

from pydantic import BaseModel

from ocpplab_desktop.engine import faults
from ocpplab_desktop.engine.lab import Lab
from ocpplab_desktop.engine.scenario_schema import (
    ActionArgs,
    ClearFaultsArgs,
    CsmsArgs,
    DataTransferArgs,
    ExpectFrameArgs,
    ExpectStateArgs,
    ExternalLimitArgs,
    FaultArgs,
    FrameMatch,
    InjectArgs,
    NoteArgs,
    PauseArgs,
    RebootArgs,
    SayArgs,
    Scenario,
    ScenarioError,
    Step,
    WaitArgs,
    WaitUntilArgs,
    load_scenario,
    parse_scenario,
)
from ocpplab_desktop.engine.station import Station
from ocpplab_desktop.model.connector import Refused, UserAction
from ocpplab_desktop.model.events import ScenarioProgress, StationEvent
from ocpplab_desktop.model.external_limits import BadLimit
from ocpplab_desktop.protocol.errors import CallErrorReceived, CallTimeout, InvalidResponse, NotConnected
from ocpplab_desktop.protocol.frame import Direction, Frame, MessageType, Side

__all__ = [
    "Gate",
    "Report",
    "Scenario",
    "ScenarioError",
    "ScenarioRunner",
    "StepResult",
    "load_scenario",
    "parse_scenario",
]

DEFAULT_PROMPT = "Continue when ready"


class Gate:
    """Where a scenario's `pause` steps wait until the presenter continues (a click, a key, Enter).

    A gate that is not `interactive` never waits: with nobody to continue it (CI, a pipe), a pause
    is reported as passed through, so a demonstration scenario still runs unattended.
    """

    def __init__(self, *, interactive: bool = True) -> None:
        self.interactive = interactive
        self.waiting: str | None = None
        self._go = asyncio.Event()

    async def wait(self, prompt: str) -> str:
        if not self.interactive:
            return f"not paused ({prompt!r}): nobody to continue it in this run"
        self.waiting = prompt
        self._go.clear()
        try:
            await self._go.wait()
        finally:
            self.waiting = None
        return f"continued ({prompt!r})"

    def resume(self) -> bool:
        """Continue a waiting pause; False when none waits."""
        if self.waiting is None:
            return False
        self.waiting = None
        self._go.set()
        return True


POLL_S = 0.5
MIN_REAL_WAIT_S = 2.0
"""How often (simulated seconds) `wait_until` looks at its condition; each look waits for a clock tick."""


@dataclass
class StepResult:
    index: int
    step: str
    ok: bool
    detail: str
    unreachable: str | None = None
    """Why the CSMS could not be reached when the step failed; None if it could."""


@dataclass
class Report:
    scenario: str
    results: list[StepResult] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return all(r.ok for r in self.results)

    @property
    def unreachable(self) -> str | None:
        """Why the CSMS could not be reached when the first step failed that failed for it; None if none did."""
        return next((r.unreachable for r in self.results if not r.ok and r.unreachable), None)

    def render(self) -> str:
        lines = [f"Scenario: {self.scenario}"]
        for r in self.results:
            lines.append(f"  {'ok  ' if r.ok else 'FAIL'} {r.index:>3}. {r.step}: {r.detail}")
        failed = sum(not r.ok for r in self.results)
        lines.append(f"{len(self.results) - failed} passed, {failed} failed")
        return "\n".join(lines)


class ScenarioRunner:
    """Runs a scenario in a Lab; collects the station-side frames for expectations."""

    def __init__(
        self,
        lab: Lab,
        scenario: Scenario,
        *,
        csms_url: str | None = None,
        timeout_s: float = 600.0,
        min_real_wait_s: float = MIN_REAL_WAIT_S,
        gate: Gate | None = None,
    ) -> None:
        self.lab = lab
        self.gate = gate if gate is not None else Gate(interactive=False)
        self.caption: str | None = None
        self._number = 0
        self.min_real_wait_s = min_real_wait_s
        self.scenario = scenario
        self.timeout_s = timeout_s
        config = scenario.station if csms_url is None else replace(scenario.station, csms_url=csms_url)
        self.config = config
        self.frames: list[Frame] = []
        self.report = Report(scenario.name)
        self.station: Station | None = None
        self.link = LinkWatch()

    def _collect(self, event: Any) -> None:
        if isinstance(event, Frame):
            if event.side is Side.STATION and event.station_id == self.config.id:
                self.frames.append(event)
        elif isinstance(event, StationEvent) and event.station_id == self.config.id:
            self.link.note(event)

    async def run(self) -> Report:
        unsubscribe = self.lab.bus.subscribe(self._collect)
        try:
            self.station = self.lab.add_station(self.config, transient=True)  # not the workspace's
            for step in self.scenario.steps:
                number = self._number = step.index + 1
                self._progress(step.kind)
                try:
                    detail = await self._step(step)
                    self.report.results.append(StepResult(number, step.kind, True, detail))
                except StepFailed as exc:
                    unreachable = self.link.unreachable(self.station.connected)
                    detail = str(exc) if unreachable is None else f"{exc}; {unreachable}"
                    self.report.results.append(StepResult(number, step.kind, False, detail, unreachable))
                    if exc.fatal:
                        break
            await asyncio.sleep(0.05)
        finally:
            unsubscribe()
            self._progress("", finished=True)
        return self.report

    def _progress(self, kind: str, *, waiting: str | None = None, finished: bool = False) -> None:
        self.lab.bus.publish(
            ScenarioProgress(
                self.scenario.name,
                self.config.id,
                self._number,
                len(self.scenario.steps),
                kind,
                self.caption,
                waiting,
                finished,
            )
        )

    # --- steps -----------------------------------------------------------------------------------
    async def _step(self, step: Step) -> str:
        if isinstance(step.args, ActionArgs):
            return await self._action(UserAction(step.kind), step.args)
        handler: Callable[[Any], Any] = getattr(self, f"_step_{step.kind}")
        result: str = await handler(step.args)
        return result

    async def _action(self, action: UserAction, args: ActionArgs) -> str:
        assert self.station is not None
        fault = args.fault_info() if isinstance(args, FaultArgs) else None
        try:
            outcome = await asyncio.wait_for(
                self.station.act(args.evse, args.connector, action, force=args.force, token=args.token, fault=fault),
                self.timeout_s,
            )
        except Refused as exc:
            if args.expect_refused:
                return f"refused as expected: {exc}"
            raise StepFailed(str(exc)) from exc
        except (TimeoutError, KeyError, ValueError) as exc:
            raise StepFailed(f"{action.value}: {exc}", fatal=True) from exc
        except (CallTimeout, CallErrorReceived, InvalidResponse, NotConnected) as exc:
            # A message the action needed got no usable answer: the step failed, the run goes on.
            raise StepFailed(f"{action.value}: {exc}") from exc
        if args.expect_refused:
            raise StepFailed(f"expected a refusal, but {action.value} was done: {outcome}")
        return outcome

    async def _step_wait(self, args: WaitArgs) -> str:
        await self.lab.sleep_sim(args.seconds)
        return f"waited {args.seconds:g} s (simulated)"

    async def _step_wait_until(self, args: WaitUntilArgs) -> str:
        check = self._condition(args)
        clock = self.lab.clock
        start = clock.now
        deadline = start + args.timeout
        loop = asyncio.get_running_loop()
        # At x1000 a 60 s timeout is 60 ms of real time: a busy machine must not fail the step for
        # being slow, so the timeout also waits at least MIN_REAL_WAIT_S of real time.
        real_deadline = loop.time() + self.min_real_wait_s
        while not check():
            if clock.now >= deadline and loop.time() >= real_deadline:
                raise StepFailed(f"{_describe(args)} not met within {args.timeout:g} s (simulated)", fatal=True)
            if clock.now < deadline:
                await self.lab.sleep_sim(min(POLL_S, deadline - clock.now))
            else:
                await asyncio.sleep(0.01)
        return f"{_describe(args)} after {clock.now - start:.1f} s"

    def _condition(self, args: WaitUntilArgs) -> Callable[[], bool]:
        assert self.station is not None
        station = self.station
        if args.registration is not None:
            return lambda: station.registration == args.registration
        if args.state is not None:
            c = station.connector(args.evse, args.connector)
            return lambda: c.reported == args.state
        assert args.frame is not None  # the schema requires one of the three
        frame = args.frame
        return lambda: bool(self._matching(frame))

    async def _step_expect_state(self, args: ExpectStateArgs) -> str:
        assert self.station is not None
        c = self.station.connector(args.evse, args.connector)
        if c.reported != args.state:
            raise StepFailed(f"connector {c.evse_id}/{c.connector_id} is {c.reported}, expected {args.state}")
        return f"connector {c.evse_id}/{c.connector_id} is {c.reported}"

    async def _step_expect_frame(self, args: ExpectFrameArgs) -> str:
        await asyncio.sleep(0.05)  # let frames in flight arrive
        found = self._matching(args)
        spec = _describe(args, FrameMatch)
        if args.count is not None and len(found) != args.count:
            raise StepFailed(f"{len(found)} frames match {spec}, expected exactly {args.count}")
        if args.count is None and len(found) < args.at_least:
            raise StepFailed(f"{len(found)} frames match {spec}, expected at least {args.at_least}")
        return f"{len(found)} frames match {spec}"

    def _matching(self, spec: FrameMatch) -> list[Frame]:
        direction = None if spec.direction is None else Direction(spec.direction)
        mtype = None if spec.message_type is None else MessageType[spec.message_type]
        # An action alone means the CALL of that action.
        if mtype is None and direction is None and spec.action is not None:
            mtype = MessageType.CALL
        return [
            frame
            for frame in self.frames
            if (spec.action is None or frame.action == spec.action)
            and (direction is None or frame.direction is direction)
            and (mtype is None or frame.message_type is mtype)
            and (spec.payload is None or _contains(frame.payload, spec.payload))
        ]

    async def _step_csms(self, args: CsmsArgs) -> str:
        csms = self.lab.csms
        if csms is None:
            raise StepFailed("csms steps need the built-in CSMS (run without --csms)", fatal=True)
        if args.action is not None:
            return await self._csms_answer(
                args.action, csms.send(self.config.id, args.action, args.payload or {}), args
            )
        assert args.command is not None  # one of the two, checked when the scenario loaded
        arguments = args.arguments
        if args.command == "remote_stop" and "transaction_id" not in arguments:
            assert self.station is not None
            running = [c.tx_id for c in self.station.connectors if c.tx_started and c.tx_id is not None]
            if not running:
                raise StepFailed("remote_stop: the station has no running transaction")
            # The CSMS's command builder gives the id the type its version wants (1.6 integer, 2.0.1 string).
            arguments["transaction_id"] = running[0]
        return await self._csms_answer(args.command, getattr(csms, args.command)(self.config.id, **arguments), args)

    async def _csms_answer(self, what: str, sending: Awaitable[dict[str, Any]], args: CsmsArgs) -> str:
        try:
            answer = await sending
        except Exception as exc:
            raise StepFailed(f"{what} failed: {type(exc).__name__}: {exc}") from exc
        if args.expect is not None and not _contains(answer, args.expect):
            raise StepFailed(f"{what} answered {answer}, expected {args.expect}")
        return f"{what} -> {answer}"

    async def _step_csms_policy(self, args: BaseModel) -> str:
        if self.lab.csms is None:
            raise StepFailed("csms_policy needs the built-in CSMS", fatal=True)
        policy = self.lab.csms.policy
        for name in args.model_fields_set:
            setattr(policy, name, getattr(args, name))
        return f"policy {_describe(args)}"

    async def _step_data_transfer(self, args: DataTransferArgs) -> str:
        assert self.station is not None
        try:
            answer = await self.station.data_transfer(args.vendor_id, args.message_id, args.data)
        except (NotConnected, CallErrorReceived, CallTimeout, InvalidResponse) as exc:
            raise StepFailed(f"DataTransfer failed: {type(exc).__name__}: {exc}") from exc
        if args.expect is not None and not _contains(answer, args.expect):
            raise StepFailed(f"DataTransfer answered {answer}, expected {args.expect}")
        return f"DataTransfer -> {answer}"

    async def _step_reboot(self, args: RebootArgs) -> str:
        del args
        assert self.station is not None
        await self.station.reboot()
        return "rebooted"

    async def _step_inject(self, args: InjectArgs) -> str:
        assert self.station is not None
        try:
            return await faults.inject(self.lab, self.station.id, args.spec())
        except faults.FaultError as exc:
            raise StepFailed(str(exc)) from exc

    async def _step_external_limit(self, args: ExternalLimitArgs) -> str:
        assert self.station is not None
        limits = self.station.external_limits
        if args.clear:
            cleared = limits.clear(args.evse)
            return f"external limit on {args.evse or 'the station'} {'cleared' if cleared else 'was not set'}"
        try:
            limits.set(
                args.limit,
                args.unit,
                target=args.evse,
                source=args.source,
                periods=args.periods,
                duration_s=args.duration,
                grid_critical=args.grid_critical,
            )
        except BadLimit as exc:
            raise StepFailed(str(exc), fatal=True) from exc
        what = f"{args.limit:g} {args.unit}" if args.limit is not None else f"a schedule in {args.unit}"
        return f"external limit of {what} from {args.source} on {args.evse or 'the station'}"

    async def _step_clear_faults(self, args: ClearFaultsArgs) -> str:
        assert self.station is not None
        cleared = faults.clear(self.lab, self.station.id, args.side)
        return f"{cleared} fault(s) cleared"

    async def _step_say(self, args: SayArgs) -> str:
        assert self.station is not None
        self.caption = args.text
        self.station.note("caption", args.text)
        self._progress("say")
        return args.text

    async def _step_pause(self, args: PauseArgs) -> str:
        prompt = args.prompt or DEFAULT_PROMPT
        self._progress("pause", waiting=prompt if self.gate.interactive else None)
        try:
            return await self.gate.wait(prompt)
        finally:
            self._progress("pause")

    async def _step_note(self, args: NoteArgs) -> str:
        assert self.station is not None
        self.station.note("scenario", args.text)
        return args.text


# What a failed connection attempt's error says, in words (the station notes the exception's text).
CONNECT_FAILURES: tuple[tuple[re.Pattern[str], str], ...] = tuple(
    (re.compile(pattern), words)
    for pattern, words in (
        (r"CERTIFICATE_VERIFY_FAILED", "TLS: the CSMS's certificate did not verify"),
        (r"\[SSL|SSL:|TLS", "TLS handshake failed"),
        (r"Errno 111\]|[Cc]onnection refused|Connect call failed", "connection refused"),
        (r"Errno -[235]\]|Name or service not known|name resolution|nodename nor servname", "DNS: no such host"),
        (r"HTTP (\d{3})", r"the CSMS refused the WebSocket handshake with HTTP \1"),
        (r"did not receive a valid HTTP response", "no WebSocket handshake answer (a TLS port? use wss://)"),
        (r"[Tt]imed? ?out", "timed out"),
    )
)


def connect_failure(detail: str) -> str:
    """What went wrong in a failed connection attempt, from its note: 'connection refused', 'DNS: no such host'..."""
    for pattern, words in CONNECT_FAILURES:
        match = pattern.search(detail)
        if match is not None:
            return match.expand(words)
    return "connection failed"


class LinkWatch:
    """Whether a station reaches its CSMS, from its notes: the last failed attempt since it was last connected."""

    def __init__(self) -> None:
        self.ever_connected = False
        self.last_failure: str | None = None

    def note(self, event: StationEvent) -> None:
        if event.kind == "connected":
            self.ever_connected = True
            self.last_failure = None
        elif event.kind == "connect_failed":
            self.last_failure = event.detail

    def unreachable(self, connected: bool) -> str | None:
        """Why the CSMS cannot be reached now; None while connected or when no attempt has failed."""
        if connected or self.last_failure is None:
            return None
        what = "lost the CSMS and could not reconnect" if self.ever_connected else "could not reach the CSMS"
        return f"{what} ({connect_failure(self.last_failure)}): {self.last_failure}"


class StepFailed(Exception):
    def __init__(self, message: str, *, fatal: bool = False) -> None:
        super().__init__(message)
        self.fatal = fatal


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


def _describe(args: BaseModel, only: type[BaseModel] | None = None) -> str:
    """The arguments a step was given, as `name=value` (those of `only` when given)."""
    order = list(type(args).model_fields)
    names = sorted((n for n in args.model_fields_set if only is None or n in only.model_fields), key=order.index)
    return ", ".join(f"{name}={_value(getattr(args, name))}" for name in names)


def _value(value: Any) -> str:
    if isinstance(value, BaseModel):
        return f"{{{_describe(value)}}}"
    return f"{value:g}" if isinstance(value, float) else str(value)
