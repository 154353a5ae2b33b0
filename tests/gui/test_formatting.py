"""The log's one-line summaries lead with the fields an engineer scans for."""

from ocpplab_desktop.gui.formatting import station_summary
from ocpplab_desktop.model.templates import builtin_templates
from ocpplab_desktop.protocol.logbook import payload_summary


def test_transaction_event_summary_leads_with_event_type_trigger_and_charging_state() -> None:
    summary = payload_summary(
        {
            "eventType": "Updated",
            "timestamp": "2026-11-24T12:00:00.000Z",
            "triggerReason": "MeterValuePeriodic",
            "seqNo": 3,
            "transactionInfo": {"transactionId": "tx-1", "chargingState": "Charging"},
            "evse": {"id": 1, "connectorId": 1},
        }
    )
    assert summary.startswith(
        "eventType=Updated triggerReason=MeterValuePeriodic transactionInfo.chargingState=Charging"
    )


def test_a_station_summary_names_version_and_counts_alike_connectors() -> None:
    templates = builtin_templates()
    assert station_summary(templates["ac-dual-2x22kw"]) == "OCPP 1.6  ·  2 x Type2 22.08 kW AC"
    assert station_summary(templates["dc-150kw-ccs2-chademo"]) == "OCPP 1.6  ·  CCS2 150 kW DC + CHAdeMO 62.5 kW DC"
