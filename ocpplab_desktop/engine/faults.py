"""Fault injection, one vocabulary for the window, scenario files and the engine's API (issue #14).

A `FaultSpec` names what goes wrong, on which end of a station's link and in which direction:

  drop, delay, duplicate, reorder, corrupt   network faults on the frames one way
  silence                                     stop answering CALLs (or, with `pings`, WebSocket pings)
  callerror                                   answer a CALL of `action` with a CALLERROR `code`
  malformed                                   send a broken frame (`form`: which kind) past validation
  close                                       close the connection (cleanly, or `abrupt`: a TCP reset)
  power_loss                                  the station loses power for `seconds` (station side only)
  clock_skew                                  the station's clock runs `seconds` off (station side only)
  firmware_failure                            the station's firmware updates fail at `stage` (download,
                                              signature or install; station side only)

`side` is the end that does it: "station" (the lab's station) or "csms" (the mock CSMS's link to
that station; with `all_stations`, its link to every station, those that connect later included,
until cleared - each link with an interceptor of its own, so a `count` counts per station).
`direction` is absolute (`to_csms` / `to_station`); left out, it is the direction in which the
chosen side sends. `count` limits a fault to the next N frames; `rate` with `seed`
makes a seeded random plan (loss, and a delay of `seconds` +- `jitter`) that stays until cleared.
`inject` applies a spec to a lab's station and says what it did; every fault is recorded in the
session as a "fault" event, and the frames it touched carry its note.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from ocpplab_desktop.model.config import OcppVersion
from ocpplab_desktop.model.file_transfers import FirmwareFailure
from ocpplab_desktop.protocol import faults as wire_faults
from ocpplab_desktop.protocol.frame import Direction
from ocpplab_desktop.protocol.link_faults import LinkFaults
from ocpplab_desktop.protocol.pipeline import Interceptor

if TYPE_CHECKING:
    from ocpplab_desktop.engine.lab import Lab
    from ocpplab_desktop.engine.station import Station

KINDS = (
    "drop", "delay", "duplicate", "reorder", "corrupt", "callerror", "malformed", "close", "silence",
    "power_loss", "clock_skew", "firmware_failure",
)  # fmt: skip
SIDES = ("station", "csms")
STATION_ONLY = ("power_loss", "clock_skew", "firmware_failure")
ALL_STATIONS_KINDS = ("drop", "delay", "duplicate", "reorder", "corrupt", "callerror", "silence")
"""The kinds a CSMS can keep standing on every link; close and malformed act once on one connection."""
FIRMWARE_STAGES = tuple(f.value for f in FirmwareFailure)


class FaultError(ValueError):
    """A fault that cannot be injected as asked; the message says why and what would do."""


@dataclass(frozen=True)
class FaultSpec:
    kind: str
    side: str = "station"
    direction: str | None = None
    count: int | None = None
    rate: float | None = None
    action: str | None = None
    code: str | None = None
    description: str = ""
    details: dict[str, Any] = field(default_factory=dict)
    seconds: float | None = None
    jitter: float = 0.0
    seed: int | None = None
    form: str | None = None
    abrupt: bool = False
    pings: bool = False
    stage: str | None = None
    all_stations: bool = False

    def __post_init__(self) -> None:
        if self.kind not in KINDS:
            raise FaultError(f"unknown fault kind {self.kind!r}: use one of {', '.join(KINDS)}")
        if self.side not in SIDES:
            raise FaultError(f"side is 'station' or 'csms', not {self.side!r}")
        if self.kind in STATION_ONLY and self.side != "station":
            raise FaultError(f"{self.kind} happens to a station: side must be 'station'")
        if self.direction is not None and self.direction not in (d.value for d in Direction):
            raise FaultError(f"direction is 'to_csms' or 'to_station', not {self.direction!r}")
        if self.count is not None and self.count < 1:
            raise FaultError(f"count is the number of frames (1 or more), not {self.count}")
        if self.rate is not None and not 0 <= self.rate <= 1:
            raise FaultError(f"rate is a probability from 0 to 1, not {self.rate}")
        if self.seconds is not None and self.seconds < 0 and self.kind != "clock_skew":
            raise FaultError(f"seconds cannot be negative for {self.kind}")
        if self.jitter < 0:
            raise FaultError("jitter cannot be negative")
        if self.kind == "callerror" and (not self.action or not self.code):
            raise FaultError(
                "callerror needs the action to answer and the error code (e.g. action: Authorize, code: InternalError)"
            )
        if self.kind == "malformed" and not self.form:
            raise FaultError(f"malformed needs a form: one of {', '.join(wire_faults.KINDS)}")
        if self.kind == "clock_skew" and self.seconds is None:
            raise FaultError("clock_skew needs seconds: how far the station's clock is off (negative: behind)")
        if self.kind == "delay" and self.seconds is None:
            raise FaultError("delay needs seconds (and optionally jitter)")
        if self.kind == "firmware_failure" and self.stage not in FIRMWARE_STAGES:
            raise FaultError(f"firmware_failure needs the stage that fails: one of {', '.join(FIRMWARE_STAGES)}")
        if self.all_stations:
            self._check_all_stations()

    def _check_all_stations(self) -> None:
        if self.side != "csms":
            raise FaultError("all_stations is for the mock CSMS's faults: side must be 'csms'")
        if self.kind not in ALL_STATIONS_KINDS or self.pings:
            what = "silence of pings" if self.pings else self.kind
            raise FaultError(
                f"{what} acts on one station's connection, not on all stations: "
                f"all_stations takes {', '.join(ALL_STATIONS_KINDS)}"
            )

    @property
    def outgoing(self) -> Direction:
        """The direction in which `side` sends."""
        return Direction.TO_CSMS if self.side == "station" else Direction.TO_STATION

    @property
    def on(self) -> Direction:
        return Direction(self.direction) if self.direction is not None else self.outgoing

    @property
    def incoming(self) -> Direction:
        """The direction of the CALLs `side` receives: those a silence leaves unanswered or a callerror answers."""
        return Direction.TO_STATION if self.side == "station" else Direction.TO_CSMS

    def describe(self) -> str:
        parts = [self.kind, f"by the {self.side}"]
        if self.kind not in STATION_ONLY and self.kind not in ("close", "malformed"):
            parts.append(f"on frames {self.on.value}")
        for name in ("action", "code", "form", "count", "rate", "seconds", "jitter", "seed"):
            value = getattr(self, name)
            if value not in (None, 0.0) or (name == "seconds" and value == 0):
                parts.append(f"{name} {value}")
        return " ".join(str(p) for p in parts)


def link_faults(lab: Lab, station_id: str, side: str) -> LinkFaults:
    if side == "station":
        return station_of(lab, station_id).faults
    if lab.csms is None:
        raise FaultError("the mock CSMS is not running in this lab: a CSMS-side fault needs it")
    return lab.csms.faults(station_id)


def station_of(lab: Lab, station_id: str) -> Station:
    station = lab.stations.get(station_id)
    if station is None:
        known = ", ".join(sorted(lab.stations)) or "none"
        raise FaultError(f"no station {station_id!r} in the lab (stations: {known})")
    return station


async def inject(lab: Lab, station_id: str | None, spec: FaultSpec) -> str:
    """Apply `spec` to the link of `station_id` (or, `all_stations`, every link) now; returns what was done."""
    if spec.all_stations:
        return _inject_all_stations(lab, spec)
    if station_id is None:
        raise FaultError("name the station whose link to fault (or, for a CSMS fault, all_stations)")
    station = station_of(lab, station_id)
    version = station.version
    faults = link_faults(lab, station_id, spec.side)
    if spec.kind == "power_loss":
        await station.power_loss(spec.seconds)
        faults.record(f"station: power loss for {spec.seconds} s", what="power_loss", seconds=spec.seconds)
        return f"power lost for {spec.seconds:g} s" if spec.seconds is not None else "power lost"
    if spec.kind == "clock_skew":
        assert spec.seconds is not None
        station.set_clock_skew(spec.seconds)
        faults.record(f"station: clock {spec.seconds:+g} s", what="clock_skew", seconds=spec.seconds)
        return f"station clock {spec.seconds:+g} s off"
    if spec.kind == "firmware_failure":
        assert spec.stage is not None
        station.firmware.choose_failure(FirmwareFailure(spec.stage))
        return f"the station's firmware updates fail at the {spec.stage} (until the faults are cleared)"
    if spec.kind == "close":
        return await _close(lab, station, spec, faults)
    if spec.kind == "malformed":
        return await _malformed(lab, station, spec, faults)
    if spec.kind == "silence" and spec.pings:
        return _silence_pings(lab, station, spec, faults)
    interceptor = _interceptor(spec, version)
    faults.add(interceptor, kind=spec.kind)
    return _describe(interceptor)


def clear(lab: Lab, station_id: str, side: str | None = None) -> int:
    """Clear every fault in force on the station's link (both ends, or one `side`); returns how many.

    The CSMS's faults for all stations are in force on this link too: clearing its CSMS end ends
    them, for every station (they are one fault each, not one per station).
    """
    station = station_of(lab, station_id)
    cleared = 0
    if side in (None, "csms") and lab.csms is not None:
        cleared += lab.csms.all_stations.clear()
    for one in (side,) if side is not None else SIDES:
        if one == "csms" and lab.csms is None:
            continue
        cleared += link_faults(lab, station_id, one).clear()
    for connection in (station.link.connection, _csms_connection(lab, station_id)):
        if connection is not None and hasattr(connection, "answer_pings"):
            connection.answer_pings = True
    if station.clock_skew_s:
        station.set_clock_skew(0.0)
    if station.firmware.fail_at is not None:
        station.firmware.choose_failure(None)
        cleared += 1
    return cleared


def active(lab: Lab, station_id: str) -> list[tuple[str, str]]:
    """(side, description) of every fault in force on the station's link."""
    out: list[tuple[str, str]] = []
    standing = lab.csms.all_stations if lab.csms is not None else None
    for side in SIDES:
        if standing is None and side == "csms":
            continue
        mine = link_faults(lab, station_id, side).active
        if standing is not None and side == "csms":
            shared = standing.instances()
            mine = [i for i in mine if id(i) not in shared]
            # A standing fault that does not fit this station's version is not in force on its link.
            out.extend(("csms", f.description) for f in standing.active if f.given.get(station_id, True) is not None)
        out.extend((side, _describe(i)) for i in mine)
    station = station_of(lab, station_id)
    if station.clock_skew_s:
        out.append(("station", f"clock {station.clock_skew_s:+g} s"))
    if not station.power.on:
        out.append(("station", "no power"))
    if station.firmware.fail_at is not None:
        out.append(("station", f"firmware updates fail at the {station.firmware.fail_at}"))
    return out


# --- the kinds ------------------------------------------------------------------------------------
def _inject_all_stations(lab: Lab, spec: FaultSpec) -> str:
    csms = lab.csms
    if csms is None:
        raise FaultError("the mock CSMS is not running in this lab: a CSMS-side fault needs it")
    problems = []
    for version in OcppVersion:
        try:
            sample = _interceptor(spec, version)
        except FaultError as exc:
            problems.append(str(exc))
        else:
            break
    else:
        raise FaultError(f"it fits neither OCPP version: {'; '.join(problems)}")
    known = {station_id: state.version for station_id, state in csms.stations.items()}
    description = f"{_describe(sample)}, on every station's link"
    fault = csms.all_stations.add(description, lambda version: _interceptor(spec, version), known)
    applied = sorted(sid for sid, instance in fault.given.items() if instance is not None)
    now = f"now on {', '.join(applied)}" if applied else "no station known yet"
    return f"the CSMS applies to every station's link, until cleared: {fault.description} ({now})"


def _interceptor(spec: FaultSpec, version: Any) -> Interceptor:
    on, count, action = spec.on, spec.count, spec.action
    if spec.rate is not None:
        return wire_faults.RandomPlan(
            on, loss=spec.rate, delay=spec.seconds or 0.0, jitter=spec.jitter, seed=spec.seed or 0, action=action
        )
    if spec.kind == "drop":
        return wire_faults.Drop(on, count=count, action=action)
    if spec.kind == "delay":
        return wire_faults.Delay(
            on, seconds=spec.seconds or 0.0, jitter=spec.jitter, seed=spec.seed or 0, count=count, action=action
        )
    if spec.kind == "duplicate":
        return wire_faults.Duplicate(on, count=count, action=action)
    if spec.kind == "reorder":
        return wire_faults.Reorder(on, count=count, action=action)
    if spec.kind == "corrupt":
        return wire_faults.Corrupt(on, count=count, action=action, seed=spec.seed or 0)
    if spec.kind == "silence":
        # The side stops answering: the CALLs coming to it get no answer.
        return wire_faults.Silence(
            Direction(spec.direction) if spec.direction else spec.incoming, count=count, action=action
        )
    if spec.kind == "callerror":
        assert spec.action is not None and spec.code is not None
        try:
            return wire_faults.CallErrorReply(
                version, spec.incoming, spec.action, spec.code, spec.description, spec.details, times=count
            )
        except ValueError as exc:
            raise FaultError(str(exc)) from exc
    raise FaultError(f"{spec.kind} is not a frame fault")


def _describe(interceptor: Interceptor) -> str:
    describe = getattr(interceptor, "describe", None)
    return str(describe()) if callable(describe) else interceptor.name


def _csms_connection(lab: Lab, station_id: str) -> Any:
    if lab.csms is None:
        return None
    try:
        return lab.csms.connection(station_id)
    except Exception:
        return None


async def _close(lab: Lab, station: Station, spec: FaultSpec, faults: LinkFaults) -> str:
    how = "abruptly (TCP reset, no close frame)" if spec.abrupt else "cleanly (close frame 1000)"
    if spec.side == "station":
        if station.link.connection is None:
            raise FaultError(f"{station.id} is not connected: nothing to close")
        faults.record(f"station: closes the connection {how}", what="close", abrupt=spec.abrupt)
        if spec.abrupt:
            await station.link.abort()
        else:
            await station.link.close(1000, "closed by fault injection")
        return f"the station closed the connection {how}"
    connection = _csms_connection(lab, station.id)
    if connection is None:
        raise FaultError(f"{station.id} is not connected to the mock CSMS: nothing to close")
    faults.record(f"csms: closes the connection {how}", what="close", abrupt=spec.abrupt)
    if spec.abrupt:
        connection.abort()
    else:
        await connection.close(1000, "closed by fault injection")
    return f"the CSMS closed the connection {how}"


async def _malformed(lab: Lab, station: Station, spec: FaultSpec, faults: LinkFaults) -> str:
    assert spec.form is not None
    endpoint = station.endpoint if spec.side == "station" else _csms_endpoint(lab, station.id)
    try:
        # A reused id is the id of the last CALL this side sent; every other form takes a new id,
        # as any CALL must (1.6J and 2.0.1 part 4, 4.1.4), so that it breaks one rule only.
        uid = endpoint.rpc.last_call_id if spec.form == "reused_id" else endpoint.rpc.new_id()
        text = wire_faults.malformed(spec.form, station.version, action=spec.action, unique_id=uid)
    except ValueError as exc:
        raise FaultError(str(exc)) from exc
    note = f"fault: malformed {spec.form}"
    faults.record(f"{spec.side}: sends a malformed frame ({spec.form})", what="malformed", form=spec.form)
    await endpoint.send_raw(text, note=note)
    return f"the {spec.side} sent a malformed frame ({spec.form}): {text[:80]}"


def _csms_endpoint(lab: Lab, station_id: str) -> Any:
    if lab.csms is None:
        raise FaultError("the mock CSMS is not running in this lab")
    try:
        return lab.csms.endpoint(station_id)
    except Exception as exc:
        raise FaultError(str(exc)) from exc


def _silence_pings(lab: Lab, station: Station, spec: FaultSpec, faults: LinkFaults) -> str:
    connection = station.link.connection if spec.side == "station" else _csms_connection(lab, station.id)
    if connection is None or not hasattr(connection, "answer_pings"):
        raise FaultError(f"no WebSocket connection of the {spec.side} to stop answering pings on")
    connection.answer_pings = False
    faults.record(f"{spec.side}: stops answering WebSocket pings", what="silence_pings")
    return f"the {spec.side} no longer answers WebSocket pings (until the faults are cleared or it reconnects)"
