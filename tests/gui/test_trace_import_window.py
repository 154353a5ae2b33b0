"""File → Import trace… in the window: a plain OCPP-J log becomes a stored session beside the recording."""

from __future__ import annotations

from pathlib import Path

from lab_harness import LabHarness, until

from ocpplab_desktop.engine.lab import Lab
from ocpplab_desktop.gui import trace_import
from ocpplab_desktop.gui.app import MainWindow

LOG = """\
2026-11-30T10:00:00.000Z [2,"b1","BootNotification",{"chargePointVendor":"V","chargePointModel":"M"}]
2026-11-30T10:00:00.050Z [3,"b1",{"status":"Accepted","currentTime":"2026-11-30T10:00:00Z","interval":300}]
this line is not a frame
2026-11-30T10:00:01.000Z [2,"s1","StartTransaction",{"connectorId":1,"idTag":"T","meterStart":0,"timestamp":"X"}]
2026-11-30T10:00:01.040Z [3,"s1",{"idTagInfo":{"status":"Accepted"},"transactionId":7}]
"""


def test_a_plain_log_is_imported_from_the_session_menu_with_what_was_inferred(
    in_lab: LabHarness, tmp_path: Path
) -> None:
    log = tmp_path / "field.log"
    log.write_text(LOG, encoding="utf-8")

    async def scenario(lab: Lab, window: MainWindow) -> None:
        assert window.action_import_trace in window.ui.menu_file.actions()
        messages: list[str] = []
        window.sessions.statusMessage.connect(messages.append)
        before = {info.id for info in lab.store.list_sessions()} if lab.store else set()
        job = trace_import.start_import(window.sessions, log, station_id="FIELD-CP")
        await until(lambda: bool(job.outcome), "the import to finish")
        assert lab.store is not None
        (new,) = [info for info in lab.store.list_sessions() if info.id not in before]
        assert job.outcome.startswith(
            f"Imported 4 frames of field.log as session {new.id}; 1 line(s) could not be read"
        )
        assert "version 1.6 inferred from StartTransaction" in job.outcome, job.outcome
        assert messages[-1] == job.outcome

    in_lab(scenario)


def test_a_cancelled_import_stores_nothing(in_lab: LabHarness, tmp_path: Path) -> None:
    log = tmp_path / "big.log"
    lines = [f'2026-11-30T10:00:{i // 1000:02d}.{i % 1000:03d}Z [2,"h{i}","Heartbeat",{{}}]' for i in range(6000)]
    log.write_text("\n".join(lines), encoding="utf-8")

    async def scenario(lab: Lab, window: MainWindow) -> None:
        assert lab.store is not None
        before = len(lab.store.list_sessions())
        job = trace_import.start_import(window.sessions, log, station_id="FIELD-CP")
        job.cancel()  # before the worker has reported its first 2,000 frames
        await until(lambda: bool(job.outcome), "the import to stop")
        assert job.outcome == "Import of big.log cancelled; nothing was stored"
        assert len(lab.store.list_sessions()) == before

    in_lab(scenario)
