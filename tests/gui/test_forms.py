"""The modules generated from ui/*.ui are what pyside6-uic makes of the forms today."""

from __future__ import annotations

from pathlib import Path

from ocpplab_desktop import paths
from ocpplab_desktop.gui import forms

BUILDER_FORM = paths.UI_FORMS / "station_builder.ui"


def test_generated_modules_match_their_forms() -> None:
    assert forms.stale_modules() == [], "regenerate them: uv run python -m ocpplab_desktop.gui.forms"


def test_the_station_builder_form_has_its_generated_module() -> None:
    assert BUILDER_FORM in forms.forms()
    assert (
        forms.module_path(BUILDER_FORM).read_text(encoding="utf-8").startswith("# Generated from ui/station_builder.ui")
    )


def test_an_edited_form_makes_its_module_stale(tmp_path: Path) -> None:
    form_dir, generated = tmp_path / "ui", tmp_path / "generated"
    form_dir.mkdir()
    generated.mkdir()
    edited = form_dir / BUILDER_FORM.name
    edited.write_text(BUILDER_FORM.read_text(encoding="utf-8").replace("Add station", "Add a station"), "utf-8")
    forms.module_path(edited, generated).write_text(forms.compile_form(BUILDER_FORM), encoding="utf-8")
    assert forms.stale_modules(form_dir, generated) == [
        "ui_station_builder.py: differs from what pyside6-uic makes of ui/station_builder.ui"
    ]
    forms.module_path(edited, generated).write_text(forms.compile_form(edited), encoding="utf-8")
    assert forms.stale_modules(form_dir, generated) == []


def test_a_module_whose_form_is_gone_is_stale(tmp_path: Path) -> None:
    (tmp_path / "ui_retired.py").write_text("# old\n", encoding="utf-8")
    assert forms.stale_modules(tmp_path, tmp_path) == [
        "ui_retired.py: its form ui/retired.ui is gone; delete the module"
    ]
