"""The log's one-line summaries lead with the fields an engineer scans for."""

from ocpplab_desktop.gui.formatting import payload_summary


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
