"""What the mock CSMS knows about each station: plain records that views and tests read.

Payloads kept here (boot, meter values, report data) are wire dicts (camelCase keys), the
same shape as the frames in the log, so a view can show them without conversion.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from ocpplab_desktop.model.config import OcppVersion

METER_HISTORY = 20
"""MeterValues kept in memory per station, for a look at the latest; the store keeps every frame.
(200 made a 2,000-station fleet's mock CSMS hold 600 MB of old readings.)"""


class CsmsEvent(StrEnum):
    """`StationEvent.kind` values the CSMS publishes; prefixed to tell them from a station's own notes."""

    CONNECTED = "csms.connected"
    DISCONNECTED = "csms.disconnected"
    REPLACED = "csms.replaced"
    REFUSED = "csms.refused"
    BOOT = "csms.boot"
    TRANSACTION_STARTED = "csms.transaction_started"
    TRANSACTION_ENDED = "csms.transaction_ended"
    TRANSACTION_RESENT = "csms.transaction_resent"  # a 1.6 StartTransaction received again (its answer was lost)
    FIRMWARE_SERVED = "csms.firmware"  # the file service sent a firmware image (csms/files.py)
    UPLOAD = "csms.upload"  # the file service received an uploaded log


class TransactionStatus(StrEnum):
    ACTIVE = "active"
    ENDED = "ended"


@dataclass
class ConnectorStatus:
    """The last StatusNotification for one connector."""

    status: str
    error_code: str | None = None  # 1.6 only; 2.0.1 reports faults through NotifyEvent
    timestamp: str | None = None  # the station's time of the change


@dataclass
class Transaction:
    """One transaction as the CSMS saw it. 1.6 ids are the CSMS's integers, 2.0.1 ids the station's strings."""

    id: int | str
    station_id: str
    connector_id: int | None
    evse_id: int | None = None  # 2.0.1
    id_token: str | None = None
    meter_start_wh: float | None = None
    meter_stop_wh: float | None = None
    started_at: str | None = None  # the station's timestamps
    stopped_at: str | None = None
    stop_reason: str | None = None
    status: TransactionStatus = TransactionStatus.ACTIVE
    charging_state: str | None = None  # 2.0.1 transactionInfo.chargingState, last reported
    seq_no: int | None = None  # 2.0.1, last received
    remote_start_id: int | None = None  # 2.0.1


@dataclass(frozen=True)
class MeterRecord:
    """One MeterValues message (or the meter values of a transaction message)."""

    received_at: float  # POSIX seconds by the CSMS clock (the wall clock unless one is injected)
    connector_id: int | None  # 1.6 connectorId / 2.0.1 evseId
    transaction_id: int | str | None
    meter_value: list[dict[str, Any]]


@dataclass
class Report:
    """A 2.0.1 device-model report: every NotifyReport of one requestId (part 2 B07/B08)."""

    request_id: int
    status: str | None = None  # the station's answer to GetBaseReport, when the operator asked
    report_data: list[dict[str, Any]] = field(default_factory=list)
    complete: bool = False  # the last part (tbc false) has arrived
    parts: int = 0


@dataclass
class StationState:
    """Everything the CSMS has learnt about one station id, across its connections."""

    station_id: str
    version: OcppVersion
    connected: bool = False
    remote_address: str | None = None
    boot: dict[str, Any] | None = None  # the last BootNotification payload
    registration: str | None = None  # the status the CSMS answered it with
    last_heartbeat: float | None = None  # POSIX seconds by the CSMS clock
    firmware_status: str | None = None
    upload_status: str | None = None  # 1.6 DiagnosticsStatus / LogStatus, 2.0.1 UploadLogStatus
    connectors: dict[int, ConnectorStatus] = field(default_factory=dict)  # 1.6 connectorId
    evse_connectors: dict[tuple[int, int], ConnectorStatus] = field(default_factory=dict)  # 2.0.1
    transactions: dict[int | str, Transaction] = field(default_factory=dict)
    meter_values: deque[MeterRecord] = field(default_factory=lambda: deque(maxlen=METER_HISTORY))
    reports: dict[int, Report] = field(default_factory=dict)  # 2.0.1, per requestId

    def active_transactions(self) -> list[Transaction]:
        return [t for t in self.transactions.values() if t.status is TransactionStatus.ACTIVE]

    def report(self, request_id: int) -> Report:
        """The report for `request_id`, created on first use."""
        found = self.reports.get(request_id)
        if found is None:
            found = self.reports[request_id] = Report(request_id)
        return found
