"""Traces: a stored session, its JSON Lines export (store/jsonl.py), or a plain OCPP-J log read here.

A plain log holds one frame a line, in this shape::

    TIMESTAMP  [STATION]  [MARKER]  FRAME        (STATION and MARKER optional, in either order)

    2026-11-30T10:00:00.123Z [2,"id","Authorize",{"idTag":"X"}]
    2026-11-30T10:00:00.123+01:00 CP-1 -> [2,"id","Heartbeat",{}]
    2026-11-30 10:00:00,123 [CP-1] << [3,"id",{}]
    [2026-11-30T10:00:00Z] recv [3,"id",{"currentTime":"2026-11-30T10:00:00Z"}]
    2026-11-30T10:00:00 CP-1 to_csms [2,"id","Heartbeat",{}]

- TIMESTAMP, first on the line, optionally in brackets: an RFC 3339 date and time, with `T` or
  a space between them, seconds with an optional fraction after `.` or `,` (as Python's logging
  writes it) and an optional zone (`Z`, `+01:00`, `+0100`). Without a zone it is UTC.
- STATION: the station's identity, bare (`CP-1`) or in brackets (`[CP-1]`), a trailing `:` ignored.
- MARKER: `to_csms` and `to_station` name the direction. `->` `-->` `>>` `=>` `send` `sent` `tx`
  mark a frame the recording side sent; `<-` `<--` `<<` `<=` `recv` `received` `rx` one it received.
- FRAME: the rest of the line from its first `[` or `{`. Text that is not JSON, or JSON that is
  not an OCPP-J message, is kept as a frame of type INVALID with the reason in `Frame.error`.

Blank lines and lines starting with `#` are skipped. A line that does not fit (no timestamp, no
frame, text between them that is neither a station nor a marker) is reported with its number and
why, and the rest of the log is read.

What a log does not say is inferred, and each inference is reported (`ParsedTrace.inferred`):
- The version: from the first CALL whose action exists in one version only (StartTransaction:
  1.6, TransactionEvent: 2.0.1), unless one is given.
- Who wrote the log: sent/received markers are relative to it. Read as the station's, a CALL's
  marker must agree with its action (the station sends BootNotification); when most of them agree
  only when read as the CSMS's, the log is the CSMS's. Otherwise, and without markers, the frames
  are recorded as seen by the station (`Frame.side`).
- The direction of an unmarked CALL: from the side that sends its action (`STATION_SENDS`); of an
  unmarked CALLRESULT or CALLERROR: the opposite of the CALL with its message id. An answer paired
  with its CALL takes the CALL's action, and the time between them as `rtt_ms`.
- A frame whose direction cannot be told (not JSON, a DataTransfer, an action no version has, an
  answer to a CALL not in the log) is stored as to_csms with a note saying that it was not known.
`seq` is the line number and `mono_time` the seconds since the first frame. The station id comes
from the line, else from `station_id=`, else from the one station the log names; a log that names
none cannot be imported without `station_id=`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from enum import Enum
from pathlib import Path
from typing import Any, Literal

from ocpplab_desktop.model.config import OcppVersion
from ocpplab_desktop.protocol.frame import Direction, Frame, MessageType, Side
from ocpplab_desktop.protocol.rpc import loads
from ocpplab_desktop.protocol.schemas import ACTIONS, BOTH_SIDES, STATION_SENDS
from ocpplab_desktop.store.errors import StoreError
from ocpplab_desktop.store.jsonl import PROGRESS_EVERY, Progress
from ocpplab_desktop.store.store import BadLine, Store

TraceFormat = Literal["jsonl", "log"]
UNKNOWN_DIRECTION = "direction not known: the log does not mark it and the frame does not tell"
_LINES_SHOWN = 10


SENDER: dict[OcppVersion, dict[str, Direction]] = {
    version: {
        action: Direction.TO_CSMS if action in STATION_SENDS[version] else Direction.TO_STATION
        for action in ACTIONS[version] - BOTH_SIDES
    }
    for version in OcppVersion
}
"""The direction of a CALL of each action, per version; DataTransfer is absent (both sides send it)."""

# Actions whose direction every version that has them agrees on: used while the version is unknown.
_AGREED: dict[str, Direction] = {
    action: direction
    for version in OcppVersion
    for action, direction in SENDER[version].items()
    if all(SENDER[v].get(action, direction) is direction for v in OcppVersion)
}
ONLY_IN: dict[OcppVersion, frozenset[str]] = {
    version: ACTIONS[version].difference(*(ACTIONS[v] for v in OcppVersion if v is not version))
    for version in OcppVersion
}


class Relative(Enum):
    """A marker that says how the frame went for whoever wrote the log."""

    SENT = "sent"
    RECEIVED = "received"


Marker = Direction | Relative
_MARKERS: dict[str, Marker] = {
    **dict.fromkeys(("->", "-->", ">>", "=>", "send", "sent", "tx"), Relative.SENT),
    **dict.fromkeys(("<-", "<--", "<<", "<=", "recv", "received", "rx"), Relative.RECEIVED),
    **{direction.value: direction for direction in Direction},
}
_TIMESTAMP = re.compile(
    r"\[?(?P<date>\d{4}-\d{2}-\d{2})[T ](?P<time>\d{2}:\d{2}:\d{2})(?:[.,](?P<fraction>\d+))?"
    r"(?P<zone>Z|[+-]\d{2}:?\d{2})?\]?(?=\s|$)",
    re.IGNORECASE,
)
_BRACKETED = re.compile(r"\[([^\[\]\s\",{}]+)\]:?(?=\s)")


class TraceError(StoreError):
    """A trace cannot be imported; the message says why and what to do.

    A StoreError, so that every caller that reports a failed import reports this one too."""


class ImportCancelled(TraceError):
    """The user stopped an import; nothing was stored."""


@dataclass(frozen=True, slots=True)
class ParsedTrace:
    frames: list[Frame]
    version: OcppVersion | None
    """Given, or inferred from the actions; None when neither."""
    station_id: str | None
    """The station of every frame, or None when the log names several (see `stations`)."""
    stations: tuple[str, ...]
    side: Side
    inferred: list[str]
    """What the log did not say and was inferred, one sentence each."""
    bad_lines: list[BadLine]


@dataclass(frozen=True, slots=True)
class TraceImport:
    session_id: int
    frames: int
    format: TraceFormat
    bad_lines: tuple[BadLine, ...]
    inferred: tuple[str, ...] = ()
    version: OcppVersion | None = None


@dataclass(slots=True)
class _Line:
    """A readable line, before its direction and station are settled."""

    number: int
    wall_time: float
    station: str | None
    marker: Marker | None
    raw: str
    message: Any
    kind: MessageType
    uid: str | None
    action: str | None
    error: str | None


@dataclass(slots=True)
class _Pending:
    frame: Frame
    direction_known: bool


@dataclass(slots=True)
class _Tally:
    by_action: int = 0
    by_answer: int = 0
    unknown: list[int] = field(default_factory=list)
    contradicted: list[int] = field(default_factory=list)


# --- reading ---------------------------------------------------------------------------------
def parse_log(
    lines: Iterable[str], *, station_id: str | None = None, version: OcppVersion | None = None
) -> ParsedTrace:
    """Read a plain OCPP-J log (see the module's docstring); TraceError if it names no station and none is given."""
    read: list[_Line] = []
    bad: list[BadLine] = []
    for number, given in enumerate(lines, start=1):
        text = given.strip()
        if not text or text.startswith("#"):
            continue
        try:
            read.append(_read_line(number, text))
        except ValueError as exc:
            bad.append(BadLine(number, str(exc)))
    inferred: list[str] = []
    default_station = _default_station(read, station_id, inferred)
    kept: list[_Line] = []
    for line in read:
        if line.station is None and default_station is None:
            bad.append(BadLine(line.number, "no station id on the line, and the log names several; give one"))
        else:
            kept.append(line)
    version = version or _infer_version(kept, inferred)
    side = _infer_side(kept, version, inferred)
    frames = _frames(kept, default_station, version, side, inferred)
    stations = tuple(sorted({frame.station_id for frame in frames}))
    return ParsedTrace(
        frames=frames,
        version=version,
        station_id=stations[0] if len(stations) == 1 else None,
        stations=stations,
        side=side,
        inferred=inferred,
        bad_lines=sorted(bad, key=lambda b: b.line),
    )


def _read_line(number: int, text: str) -> _Line:
    """One non-blank line; ValueError saying why it is not a frame."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a byte that is not UTF-8, kept by the surrogateescape reading
        raise ValueError("not UTF-8 text") from None
    found = _TIMESTAMP.match(text)
    if found is None:
        raise ValueError("no timestamp at the start of the line")
    wall_time = _wall_time(found)
    tokens, raw = _split_head(text[found.end() :])
    if not raw:
        raise ValueError("no frame after the timestamp (a frame starts with '[')")
    markers = [_MARKERS[token.lower()] for token in tokens if token.lower() in _MARKERS]
    names = [token.rstrip(":") for token in tokens if token.lower() not in _MARKERS]
    if len(markers) > 1 or len(names) > 1 or "" in names:
        raise ValueError(f"cannot read {' '.join(tokens)!r} before the frame: expected a station id and a marker")
    message, kind, uid, action, error = _message(raw)
    station, marker = names[0] if names else None, markers[0] if markers else None
    return _Line(number, wall_time, station, marker, raw, message, kind, uid, action, error)


def _wall_time(found: re.Match[str]) -> float:
    fraction = (found["fraction"] or "0")[:6].ljust(6, "0")
    zone = (found["zone"] or "+00:00").upper().replace("Z", "+00:00")
    if ":" not in zone:
        zone = f"{zone[:3]}:{zone[3:]}"
    try:
        return datetime.fromisoformat(f"{found['date']}T{found['time']}.{fraction}{zone}").timestamp()
    except ValueError as exc:
        raise ValueError(f"timestamp {found.group().strip('[]')!r} is not a date and time: {exc}") from None


def _split_head(rest: str) -> tuple[list[str], str]:
    """The words before the frame (a `[NAME]` followed by a space is a word), and the frame's text."""
    tokens: list[str] = []
    pos = 0
    while pos < len(rest):
        if rest[pos].isspace():
            pos += 1
        elif rest[pos] in "[{":
            word = _BRACKETED.match(rest, pos)
            if word is None:
                return tokens, rest[pos:].rstrip()
            tokens.append(word[1])
            pos = word.end()
        else:
            end = pos
            while end < len(rest) and not rest[end].isspace():
                end += 1
            tokens.append(rest[pos:end])
            pos = end
    return tokens, ""


def _message(raw: str) -> tuple[Any, MessageType, str | None, str | None, str | None]:
    """(message, type, message id, action, error) as the text reads; the errors say what rpc.py would."""
    try:
        message = loads(raw)
    except (ValueError, RecursionError) as exc:
        return None, MessageType.INVALID, None, None, f"not JSON: {exc}"
    if not isinstance(message, list) or len(message) < 2 or not isinstance(message[0], int):
        return (
            message,
            MessageType.INVALID,
            None,
            None,
            "not an OCPP-J message: expected [MessageTypeId, MessageId, ...]",
        )
    kind, uid = message[0], message[1]
    if not isinstance(uid, str):
        return message, MessageType.INVALID, None, None, "not an OCPP-J message: the MessageId must be a string"
    if kind == MessageType.CALL:
        action = message[2] if len(message) > 2 and isinstance(message[2], str) else None
        error = None if action is not None and len(message) == 4 else "a CALL is [2, MessageId, Action, Payload]"
        return message, MessageType.CALL, uid, action, error
    if kind in (MessageType.CALLRESULT, MessageType.CALLERROR):
        return message, MessageType(kind), uid, None, None
    return message, MessageType.INVALID, uid, None, f"MessageTypeId {kind} is not supported"


# --- inferring -------------------------------------------------------------------------------
def _default_station(lines: list[_Line], given: str | None, inferred: list[str]) -> str | None:
    """The station of the lines that name none: the given one, else the only one the log names."""
    unnamed = sum(line.station is None for line in lines)
    if given is not None or not unnamed:
        return given
    named = sorted({line.station for line in lines if line.station is not None})
    if not named:
        raise TraceError("the log names no station on any line: give the station id (--station-id)")
    if len(named) > 1:
        return None
    inferred.append(f"station {named[0]} given to {_count(unnamed, 'line')} that name none: the only one the log names")
    return named[0]


def _infer_version(lines: list[_Line], inferred: list[str]) -> OcppVersion | None:
    found: tuple[OcppVersion, _Line] | None = None
    for line in lines:
        if line.kind is not MessageType.CALL or line.action is None:
            continue
        for version, only in ONLY_IN.items():
            if line.action not in only:
                continue
            if found is None:
                found = version, line
                inferred.append(f"version {version} inferred from {line.action} on line {line.number}")
            elif version is not found[0]:
                inferred.append(
                    f"line {line.number} has {line.action}, an OCPP {version} action, in a {found[0]} log: "
                    "give the version to read it as one"
                )
                return found[0]
    if found is None:
        inferred.append("version not known: no action in the log belongs to one version only")
        return None
    return found[0]


def _call_direction(action: str | None, version: OcppVersion | None) -> Direction | None:
    if action is None:
        return None
    if version is not None and action in ACTIONS[version]:
        return SENDER[version].get(action)
    return _AGREED.get(action)


def _infer_side(lines: list[_Line], version: OcppVersion | None, inferred: list[str]) -> Side:
    """Whose log it is: the side whose reading of the sent/received markers agrees with the actions."""
    votes = {Side.STATION: 0, Side.CSMS: 0}
    marked = 0
    for line in lines:
        if not isinstance(line.marker, Relative):
            continue
        marked += 1
        sender = _call_direction(line.action, version) if line.kind is MessageType.CALL else None
        if sender is not None:
            station_sent = sender is Direction.TO_CSMS
            votes[Side.STATION if station_sent == (line.marker is Relative.SENT) else Side.CSMS] += 1
    side = Side.CSMS if votes[Side.CSMS] > votes[Side.STATION] else Side.STATION
    if votes[side]:
        inferred.append(
            f"recorded by the {'CSMS' if side is Side.CSMS else 'station'}: "
            f"its sent/received markers agree with the actions of {_count(votes[side], 'CALL')} read from that side"
        )
    elif marked:
        inferred.append("sent/received markers read as the station's: no CALL in the log tells whose they are")
    return side


# --- frames ----------------------------------------------------------------------------------
def _frames(
    lines: list[_Line], default_station: str | None, version: OcppVersion | None, side: Side, inferred: list[str]
) -> list[Frame]:
    """The frames of `lines` with their directions settled and their answers paired with their CALLs."""
    sent = Direction.TO_CSMS if side is Side.STATION else Direction.TO_STATION
    pending: dict[tuple[str, str], list[_Pending]] = {}
    tally = _Tally()
    frames: list[Frame] = []
    start = lines[0].wall_time if lines else 0.0
    for line in lines:
        station = line.station or default_station
        assert station is not None  # lines without one were set aside
        direction = _marked(line.marker, sent)
        action, rtt = line.action, None
        if line.kind is MessageType.CALL:
            by_action = _call_direction(line.action, version)
            if direction is None and by_action is not None:
                direction = by_action
                tally.by_action += 1
            elif by_action is not None and direction is not by_action:
                tally.contradicted.append(line.number)
        elif line.kind in (MessageType.CALLRESULT, MessageType.CALLERROR) and line.uid is not None:
            call = _answered(pending.get((station, line.uid), []), direction)
            if call is not None:
                action, rtt = call.frame.action, (line.wall_time - call.frame.wall_time) * 1000.0
                if direction is None and call.direction_known:
                    direction = _opposite(call.frame.direction)
                    tally.by_answer += 1
        known = direction is not None
        if direction is None:
            tally.unknown.append(line.number)
        frame = Frame(
            seq=line.number,
            wall_time=line.wall_time,
            mono_time=line.wall_time - start,
            station_id=station,
            side=side,
            direction=direction or Direction.TO_CSMS,
            message_type=line.kind,
            unique_id=line.uid,
            action=action,
            raw=line.raw,
            message=line.message,
            error=line.error,
            rtt_ms=rtt,
            note=None if known else UNKNOWN_DIRECTION,
        )
        frames.append(frame)
        if line.kind is MessageType.CALL and line.uid is not None:
            pending.setdefault((station, line.uid), []).append(_Pending(frame, known))
    inferred.extend(_tally_sentences(tally))
    return frames


def _marked(marker: Marker | None, sent: Direction) -> Direction | None:
    if isinstance(marker, Direction) or marker is None:
        return marker
    return sent if marker is Relative.SENT else _opposite(sent)


def _opposite(direction: Direction) -> Direction:
    return Direction.TO_STATION if direction is Direction.TO_CSMS else Direction.TO_CSMS


def _answered(calls: list[_Pending], direction: Direction | None) -> _Pending | None:
    """Take the latest CALL with this message id that went the other way (any way if that is unknown)."""
    for index in range(len(calls) - 1, -1, -1):
        call = calls[index]
        if direction is None or not call.direction_known or call.frame.direction is not direction:
            return calls.pop(index)
    return None


def _tally_sentences(tally: _Tally) -> Iterator[str]:
    if tally.by_action:
        yield f"direction of {_count(tally.by_action, 'frame')} inferred from their actions"
    if tally.by_answer:
        yield f"direction of {_count(tally.by_answer, 'answer')} inferred from the CALLs they answer (by message id)"
    if tally.contradicted:
        yield (
            f"the markers of {_count(len(tally.contradicted), 'CALL')} say the other side sent their action "
            f"({_line_list(tally.contradicted)}): the markers were followed"
        )
    if tally.unknown:
        yield (
            f"direction of {_count(len(tally.unknown), 'frame')} could not be told ({_line_list(tally.unknown)}): "
            "stored as to_csms with a note"
        )


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"


def _line_list(numbers: list[int]) -> str:
    shown = ", ".join(map(str, numbers[:_LINES_SHOWN]))
    more = f" and {len(numbers) - _LINES_SHOWN} more" if len(numbers) > _LINES_SHOWN else ""
    return f"{'line' if len(numbers) == 1 else 'lines'} {shown}{more}"


# --- importing -------------------------------------------------------------------------------
def detect_format(path: Path) -> TraceFormat:
    """ "jsonl" when the first line that is not blank or a `#` comment is a JSON object, else "log"."""
    try:
        with Path(path).open("rb") as stream:
            for line in stream:
                text = line.lstrip(b"\xef\xbb\xbf").strip()
                if text and not text.startswith(b"#"):
                    return "jsonl" if text.startswith(b"{") else "log"
    except OSError as exc:
        raise TraceError(f"cannot read {path}: {exc.strerror or exc}") from exc
    return "jsonl"


def import_log(
    store: Store,
    path: Path,
    *,
    station_id: str | None = None,
    version: OcppVersion | None = None,
    name: str | None = None,
    progress: Progress | None = None,
) -> TraceImport:
    """Store a plain log as a new session (source "import"), named after the file unless `name` is given.

    `progress(count)` is called every PROGRESS_EVERY frames and at the end; when it returns False
    the import stops with ImportCancelled and nothing is stored. TraceError when nothing can be.
    """
    path = Path(path)
    try:
        with path.open(encoding="utf-8-sig", errors="surrogateescape") as stream:
            parsed = parse_log(stream, station_id=station_id, version=version)
    except OSError as exc:
        raise TraceError(f"cannot read {path}: {exc.strerror or exc}") from exc
    if not parsed.frames:
        details = "; ".join(f"line {b.line}: {b.reason}" for b in parsed.bad_lines[:3]) or "the file is empty"
        raise TraceError(f"{path} holds no frames ({details})")
    meta = {
        "imported_from": str(path),
        "format": "log",
        "ocpp_version": parsed.version.value if parsed.version else None,
        "inferred": parsed.inferred,
    }
    session_id, count = store.import_frames(_reporting(parsed.frames, progress), name or path.stem, meta)
    return TraceImport(session_id, count, "log", tuple(parsed.bad_lines), tuple(parsed.inferred), parsed.version)


def import_trace(
    store: Store,
    path: Path,
    *,
    station_id: str | None = None,
    version: OcppVersion | None = None,
    name: str | None = None,
    progress: Progress | None = None,
) -> TraceImport:
    """Import a JSON Lines export or a plain log, whichever `path` holds (`detect_format`).

    An export names its stations and versions itself: `station_id`, `version` and `progress` apply to logs.
    """
    if detect_format(path) == "log":
        return import_log(store, path, station_id=station_id, version=version, name=name, progress=progress)
    result = store.import_jsonl(path, name)
    return TraceImport(result.session_id, result.frames, "jsonl", result.bad_lines)


def _reporting(frames: Iterable[Frame], progress: Progress | None) -> Iterator[Frame]:
    """`frames`, telling `progress` how many have gone by; ImportCancelled when it returns False."""
    count = 0
    for count, frame in enumerate(frames, start=1):
        yield frame
        if progress is not None and count % PROGRESS_EVERY == 0 and not progress(count):
            raise _cancelled(count)
    if progress is not None and not progress(count):
        raise _cancelled(count)


def _cancelled(count: int) -> ImportCancelled:
    return ImportCancelled(f"import stopped after {count:,} frames; nothing was stored")
