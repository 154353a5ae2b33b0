"""Sessions have names that tell them apart: the window's default name lists its stations, and any can be renamed."""

from __future__ import annotations

from pathlib import Path

import pytest

from ocpplab_desktop.engine.lab import Lab
from ocpplab_desktop.model.templates import load_template
from ocpplab_desktop.store.errors import UnknownSessionError
from ocpplab_desktop.store.store import MAX_SESSION_NAME, Store


def test_a_session_is_renamed_with_its_blanks_tidied_and_bad_names_are_refused(tmp_path: Path) -> None:
    with Store(tmp_path / "s.db") as store:
        session = store.start_session("lab session")
        assert store.rename_session(session, "  Firmware   test\tof CP-7 ") == "Firmware test of CP-7"
        assert store.session(session).name == "Firmware test of CP-7"
        for bad, why in (
            ("   ", "cannot be empty"),
            ("x" * (MAX_SESSION_NAME + 1), "at most"),
            ("\ud800", "surrogate"),
        ):
            with pytest.raises(ValueError, match=why):
                store.rename_session(session, bad)
        assert store.session(session).name == "Firmware test of CP-7"
        with pytest.raises(UnknownSessionError):
            store.rename_session(session + 1, "nope")


async def _lab_with_stations(db: Path, ids: list[str], *, rename_to: str | None = None) -> int:
    lab = Lab(db_path=db, csms_port=0, session_name="Window 2026-12-06 09:00", name_with_stations=True)
    await lab.start()
    try:
        for station_id in ids:
            config = load_template("ac-22kw-wallbox")
            lab.add_station(config.__class__.from_dict({**config.to_dict(), "id": station_id}), connect=False)
        assert lab.session_id is not None and lab.store is not None
        if rename_to is not None:
            lab.store.rename_session(lab.session_id, rename_to)
        return lab.session_id
    finally:
        await lab.close()


async def test_the_windows_default_name_gets_its_stations_at_close(tmp_path: Path) -> None:
    db = tmp_path / "w.db"
    few = await _lab_with_stations(db, ["CP-1", "CP-2"])
    many = await _lab_with_stations(db, [f"CP-{n}" for n in range(1, 6)])
    none = await _lab_with_stations(db, [])
    renamed = await _lab_with_stations(db, ["CP-9"], rename_to="Demo for the board")
    with Store(db) as store:
        assert store.session(few).name == "Window 2026-12-06 09:00 · CP-1, CP-2"
        assert store.session(many).name == "Window 2026-12-06 09:00 · CP-1, CP-2, CP-3 +2"
        assert store.session(none).name == "Window 2026-12-06 09:00"
        assert store.session(renamed).name == "Demo for the board", "a name the user gave is kept"
