"""The lab's workspace: what a user set up in the window, kept across restarts and shared as a file.

A workspace is the stations (their configurations, in the tree's order), what of their state
a real station keeps over a reboot - whether a connector was made Unavailable (1.6 section
5.2: "persistent across reboots"; 2.0.1 G03.FR.04), whether its network link was up and the Local
Authorization List the CSMS sent it (1.6 section 3.5.3, 2.0.1 D01: kept until the CSMS changes it) - and
the mock CSMS's policy (boot answer, heartbeat interval, the token lists). A cable
or a running transaction is not kept: a restart of the lab is a power cycle of its stations.
The window's layout is not part of it; Qt's settings keep that per user.

The document is JSON with a format name and a version, checked field by field against a
declared schema when it is read, so a bad file is refused with its line and field. The
`WorkspaceKeeper` saves it in the session database (store/workspace_table.py) whenever it
changes, not only on a clean close, and restores it when the lab starts.
"""

from __future__ import annotations

import asyncio
import json
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

from ocpp.v16.enums import RegistrationStatus
from pydantic import AfterValidator, Field, ValidationError

from ocpplab_desktop.csms.policy import TOKEN_LISTS
from ocpplab_desktop.model.auth_cache import TokenInfo
from ocpplab_desktop.model.config import ConfigError, StationConfig, connector_name
from ocpplab_desktop.model.document import (
    DocumentError,
    Lines,
    Schema,
    describe_loc,
    first_problem,
    number,
    one_of,
    read_json,
    say,
)
from ocpplab_desktop.model.events import ConnectorStateChanged, StationEvent
from ocpplab_desktop.model.template_schema import Id, Interval, TemplateSchema
from ocpplab_desktop.store.errors import StoreError
from ocpplab_desktop.store.workspace_table import WorkspaceTable

if TYPE_CHECKING:
    from ocpplab_desktop.csms.policy import CsmsPolicy
    from ocpplab_desktop.engine.lab import Lab
    from ocpplab_desktop.engine.station import Station

log = logging.getLogger(__name__)

FORMAT = "ocpplab-workspace"
VERSION = 1
"""The document version this lab writes and reads; a newer one is refused, saying so."""
SAVE_EVERY_S = 1.0
"""How often (wall-clock seconds) the keeper looks for changes nobody announced (a policy edited in the console)."""
UNAVAILABLE = "Unavailable"  # the status's name in 1.6 and 2.0.1 alike
LOCAL_LIST = "local_list"  # the StationEvent kind of a SendLocalList (protocol/cp16_local_list.py, cp201_local_list.py)


class WorkspaceError(ValueError):
    """A workspace document cannot be read; the message names the file, the line and the field."""


# --- the document ------------------------------------------------------------------------------
@dataclass(frozen=True)
class SavedList:
    """A station's Local Authorization List: its version and its identifiers."""

    version: int
    entries: tuple[tuple[str, TokenInfo], ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "version": self.version,
            "entries": [
                {"id_token": token}
                | {"status": info.status}
                | ({"expiry": info.expiry.isoformat()} if info.expiry is not None else {})
                | ({"group": info.group} if info.group is not None else {})
                for token, info in self.entries
            ],
        }


@dataclass(frozen=True)
class StationEntry:
    config: StationConfig
    online: bool = True
    """The station's network link is up (False: the user took it offline with Disconnect)."""
    unavailable: tuple[tuple[int, int], ...] = ()
    """(EVSE id, connector id) of the connectors made Unavailable."""
    local_list: SavedList | None = None
    """None: the station has no list (a document from before local lists has none either)."""


@dataclass(frozen=True)
class PolicyEntry:
    """The parts of `CsmsPolicy` a user sets in the CSMS console."""

    boot_status: str = RegistrationStatus.accepted.value
    heartbeat_interval: int = 300
    blocked_tokens: tuple[str, ...] = ()
    invalid_tokens: tuple[str, ...] = ()
    expired_tokens: tuple[str, ...] = ()
    concurrent_tokens: tuple[str, ...] = ()

    @classmethod
    def of(cls, policy: CsmsPolicy) -> PolicyEntry:
        lists = {name: tuple(sorted(getattr(policy, name))) for name in TOKEN_LISTS}
        return cls(RegistrationStatus(policy.boot_status).value, policy.heartbeat_interval, **lists)

    def apply_to(self, policy: CsmsPolicy) -> None:
        policy.boot_status = RegistrationStatus(self.boot_status)
        policy.heartbeat_interval = self.heartbeat_interval
        for name in TOKEN_LISTS:
            # In place: the CSMS's handlers hold these very sets.
            tokens: set[str] = getattr(policy, name)
            tokens.clear()
            tokens.update(getattr(self, name))


@dataclass(frozen=True)
class Workspace:
    stations: tuple[StationEntry, ...] = ()
    csms_policy: PolicyEntry | None = None
    """None: the lab has no embedded CSMS (a file from such a lab leaves the policy as it is)."""

    def to_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "format": FORMAT,
            "version": VERSION,
            "stations": [
                {
                    "config": entry.config.to_dict(),
                    "online": entry.online,
                    "unavailable": [{"evse_id": e, "connector_id": c} for e, c in entry.unavailable],
                }
                | ({"local_list": entry.local_list.to_dict()} if entry.local_list is not None else {})
                for entry in self.stations
            ],
        }
        if self.csms_policy is not None:
            policy = self.csms_policy
            data["csms_policy"] = {
                "boot_status": policy.boot_status,
                "heartbeat_interval": policy.heartbeat_interval,
            } | {name: list(getattr(policy, name)) for name in TOKEN_LISTS}
        return data

    def dumps(self) -> str:
        return json.dumps(self.to_dict(), indent=2) + "\n"

    @classmethod
    def loads(cls, text: str, source: str = "workspace") -> Workspace:
        """Read a document; WorkspaceError says what is wrong, where (`source`: how to name it)."""
        try:
            data, lines = read_json(text)
        except DocumentError as exc:
            raise WorkspaceError(say(source, exc.line, exc.problem)) from exc
        return cls.from_dict(data, source, lines)

    @classmethod
    def from_dict(cls, data: Any, source: str = "workspace", lines: Lines | None = None) -> Workspace:
        lines = lines or Lines()
        _check_header(data, source, lines)
        try:
            document = WorkspaceSchema.model_validate(data)
        except ValidationError as error:
            loc, text = first_problem(error, lines, model=WorkspaceSchema)
            raise WorkspaceError(say(source, lines.of(loc), describe_loc(loc), text)) from None
        stations: list[StationEntry] = []
        for index, (raw, entry) in enumerate(zip(data.get("stations", []), document.stations, strict=True)):
            where: tuple[str | int, ...] = ("stations", index, "config")
            try:
                config = StationConfig.from_dict(raw["config"]).validate()
            except ConfigError as exc:
                raise WorkspaceError(say(source, lines.of(where), describe_loc(where), str(exc))) from exc
            if any(known.config.id == config.id for known in stations):
                at = (*where, "id")
                raise WorkspaceError(say(source, lines.of(at), describe_loc(at), f"station id {config.id!r} twice"))
            unavailable = tuple((ref.evse_id, ref.connector_id) for ref in entry.unavailable)
            present = {(evse_id, c.id) for evse_id, c in config.connectors()}
            for number_, ref in enumerate(unavailable):
                if ref not in present:
                    at = ("stations", index, "unavailable", number_)
                    problem = f"{config.id} has no {connector_name(*ref)}"
                    raise WorkspaceError(say(source, lines.of(at), describe_loc(at), problem))
            stations.append(StationEntry(config, entry.online, unavailable, _saved_list(entry.local_list)))
        policy = document.csms_policy
        return cls(
            tuple(stations),
            None
            if policy is None
            else PolicyEntry(
                policy.boot_status,
                policy.heartbeat_interval,
                **{name: tuple(getattr(policy, name)) for name in TOKEN_LISTS},
            ),
        )

    def save(self, path: Path) -> None:
        """Write the document to `path` (File > Save workspace as...)."""
        path.write_text(self.dumps(), encoding="utf-8")

    @classmethod
    def load(cls, path: Path) -> Workspace:
        """Read a document from `path` (File > Open workspace...)."""
        try:
            text = path.read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            raise WorkspaceError(say(f"workspace {path}", None, f"cannot read it: {reason}")) from exc
        return cls.loads(text, f"workspace {path}")


def _check_header(data: Any, source: str, lines: Lines) -> None:
    """The format and version first: a newer or a foreign file is named as such, not as a list of odd fields."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        found = data.get("format") if isinstance(data, dict) else None
        what = f"its format is {found!r}" if found is not None else f'it has no "format": "{FORMAT}"'
        raise WorkspaceError(say(source, lines.of(("format",)), f"not an OCPPLab workspace ({what})"))
    version = data.get("version")
    if isinstance(version, int) and not isinstance(version, bool) and version > VERSION:
        problem = f"written by a newer OCPPLab (workspace version {version}); this one reads version {VERSION}"
        raise WorkspaceError(say(source, lines.of(("version",)), "version", problem + ": upgrade OCPPLab"))


class ConnectorRefSchema(Schema):
    evse_id: Id
    connector_id: Id


def _iso_time(text: str) -> str:
    datetime.fromisoformat(text)  # ValueError: the schema names the field
    return text


class ListedTokenSchema(Schema):
    id_token: Annotated[str, Field(min_length=1)]
    status: str
    expiry: Annotated[str, AfterValidator(_iso_time)] | None = None
    group: str | None = None


class LocalListSchema(Schema):
    version: Annotated[int, Field(ge=0), number("a whole version number", whole=True)]
    entries: list[ListedTokenSchema] = Field(default_factory=list)


class StationEntrySchema(Schema):
    config: TemplateSchema
    online: bool = True
    unavailable: list[ConnectorRefSchema] = Field(default_factory=list)
    local_list: LocalListSchema | None = None


def _saved_list(schema: LocalListSchema | None) -> SavedList | None:
    if schema is None:
        return None
    entries = tuple(
        (e.id_token, TokenInfo(e.status, None if e.expiry is None else datetime.fromisoformat(e.expiry), e.group))
        for e in schema.entries
    )
    return SavedList(schema.version, entries)


class PolicySchema(Schema):
    boot_status: Annotated[str, one_of(s.value for s in RegistrationStatus)] = PolicyEntry.boot_status
    heartbeat_interval: Interval = PolicyEntry.heartbeat_interval
    blocked_tokens: list[str] = Field(default_factory=list)
    invalid_tokens: list[str] = Field(default_factory=list)
    expired_tokens: list[str] = Field(default_factory=list)
    concurrent_tokens: list[str] = Field(default_factory=list)


class WorkspaceSchema(Schema):
    format: str
    version: Annotated[int, Field(ge=1, le=VERSION), number("a whole version number", whole=True)]
    stations: list[StationEntrySchema] = Field(default_factory=list)
    csms_policy: PolicySchema | None = None


# --- the lab and its workspace -----------------------------------------------------------------
def _unavailable(station: Station) -> tuple[tuple[int, int], ...]:
    # A change to Inoperative scheduled for the end of a transaction is kept too: the station would
    # be Unavailable by the time it boots again.
    return tuple((c.evse_id, c.connector_id) for c in station.connectors if c.inoperative or c.inoperative_pending)


def _local_list(station: Station) -> SavedList | None:
    listed = station.local_list
    if listed.version == 0 and not len(listed):
        return None
    return SavedList(listed.version, tuple(listed.entries().items()))


def snapshot(lab: Lab) -> Workspace:
    """The lab's workspace as it is now, stations in the lab's order."""
    stations = tuple(
        StationEntry(station.config, station.power.link_wanted, _unavailable(station), _local_list(station))
        for station in lab.stations.values()
        if station.id not in lab.transient
    )
    return Workspace(stations, PolicyEntry.of(lab.csms.policy) if lab.csms is not None else None)


def running_transactions(lab: Lab) -> dict[str, int]:
    """Station id -> how many transactions run there now (only stations with some)."""
    counts = {sid: sum(1 for c in station.connectors if c.tx_started) for sid, station in lab.stations.items()}
    return {sid: count for sid, count in counts.items() if count}


async def power_down(lab: Lab) -> int:
    """End every running transaction as a power cut would, reported after the station's next boot
    (reason PowerLoss, kept in the outbox journal meanwhile); returns how many there were."""
    running = running_transactions(lab)
    await asyncio.gather(*(lab.stations[sid].power.shut_down() for sid in running))
    return sum(running.values())


def add_entry(lab: Lab, entry: StationEntry) -> Station:
    """Add a workspace's station to the lab: its connectors' availability first, then its link as it was."""
    station = lab.add_station(entry.config, connect=False)
    for evse_id, connector_id in entry.unavailable:
        c = station.connector(evse_id, connector_id)
        c.inoperative = True
        c.reported = c.status()  # its status from the start; reported to the CSMS after the boot
    if entry.local_list is not None:
        station.local_list.restore(entry.local_list.version, entry.local_list.entries)
    if entry.online:
        station.start()
    return station


async def apply(lab: Lab, workspace: Workspace) -> list[str]:
    """Make the lab's workspace `workspace`: its stations replace the lab's, its policy the CSMS's.

    Running transactions end as at a power cut (see `power_down`). Returns what could not be
    applied (a station this lab cannot run), one line each; the rest is applied.
    """
    await power_down(lab)
    for station_id in list(lab.stations):
        await lab.remove_station(station_id)
    if workspace.csms_policy is not None and lab.csms is not None:
        workspace.csms_policy.apply_to(lab.csms.policy)
    problems = []
    for entry in workspace.stations:
        try:
            add_entry(lab, entry)
        except (ConfigError, ValueError) as exc:
            problems.append(f"station {entry.config.id}: {exc}")
    return problems


class WorkspaceKeeper:
    """Restores the lab's workspace from its session database, and saves it there whenever it changes."""

    def __init__(self, lab: Lab, table: WorkspaceTable) -> None:
        self.lab = lab
        self.table = table
        self.problems: list[str] = []
        """What the last restore could not bring back, one line each (for the window to show)."""
        self._saved: str | None = None
        self._paused = True  # until restored: a half-restored workspace is not saved over the whole one
        self._unsubscribe: Callable[[], None] = lab.bus.subscribe(self._on_event)

    async def restore(self) -> None:
        """Bring back the workspace saved in the database, if there is one."""
        try:
            text = self.table.load()
            if text is not None:
                workspace = Workspace.loads(text, f"the workspace saved in {self.table.path}")
                self.problems = await apply(self.lab, workspace)
                self._saved = text
        except (StoreError, WorkspaceError) as exc:
            self.problems = [str(exc)]
        for problem in self.problems:
            log.warning("workspace not fully restored: %s", problem)
        self._paused = False

    async def replace(self, workspace: Workspace) -> list[str]:
        """File > Open workspace: `apply` it and save it as the current one."""
        with self.held():
            return await apply(self.lab, workspace)

    @contextmanager
    def held(self) -> Iterator[None]:
        """Changes made inside are saved once, at the end: a crash midway leaves the workspace from before."""
        was, self._paused = self._paused, True
        try:
            yield
        finally:
            self._paused = was
        self.changed()

    def save_if_changed(self) -> bool:
        """Save the workspace if it differs from the one saved last; True if it was written."""
        if self._paused:
            return False
        text = snapshot(self.lab).dumps()
        if text == self._saved:
            return False
        self.table.save(text)
        self._saved = text
        return True

    def changed(self) -> None:
        """Something in the workspace changed: save it now (a failure is logged; the next look tries again)."""
        try:
            self.save_if_changed()
        except StoreError as exc:
            log.warning("%s", exc)

    def _on_event(self, event: object) -> None:
        if isinstance(event, ConnectorStateChanged) and UNAVAILABLE in (event.old, event.new):
            self.changed()
        elif isinstance(event, StationEvent) and event.kind == LOCAL_LIST:
            self.changed()  # a SendLocalList: kept at once, as a real station keeps its list

    async def run(self) -> None:
        """Look for changes nobody announced (the CSMS policy edited in place, a link taken down)."""
        while True:
            await asyncio.sleep(SAVE_EVERY_S)
            self.changed()

    def close(self) -> None:
        """Save a last time and stop; called before the stations stop (stopped, they would all look offline)."""
        self.changed()
        self._paused = True
        self._unsubscribe()
        self.table.close()
