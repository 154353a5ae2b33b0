"""Designer forms: `ui/*.ui` compiled by `pyside6-uic` into `gui/generated/ui_<name>.py`.

Why generated modules (the MusicBrainz Picard way) rather than QUiLoader at run time:
the generated class gives every widget a typed attribute (`ui.station_id: QLineEdit`), so
mypy catches a widget renamed in Designer before a user does, where QUiLoader would only
fail at the `findChild` call when the dialog opens; the app also parses no XML when it
opens a dialog. The price is a build step, kept honest by tests/gui/test_forms.py, which
fails when a generated module no longer matches its form. After editing a form, run

    uv run python -m ocpplab_desktop.gui.forms [station_builder.ui ...]

(no names: every form in ui/). A widget class uses its form as `self.ui = Ui_<Name>();
self.ui.setupUi(self)`.

The generated modules are marked "do not edit" and left out of ruff and mypy (pyproject).
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

from ocpplab_desktop import paths

GENERATED = Path(__file__).resolve().parent / "generated"
_HEADER = "# Generated from ui/{form} by `uv run python -m ocpplab_desktop.gui.forms`. Do not edit.\n"
# The compiler stamps its version into the output; leaving it out keeps a PySide6 upgrade
# that changes nothing from making every module look stale.
_VERSION_STAMP = "## Created by: Qt User Interface Compiler"


class FormError(RuntimeError):
    """A form could not be compiled; the message says why."""


def forms(directory: Path = paths.UI_FORMS) -> list[Path]:
    """Every Designer form in `directory` (the ones the app ships by default)."""
    return sorted(directory.glob("*.ui"))


def module_path(form: Path, generated: Path = GENERATED) -> Path:
    return generated / f"ui_{form.stem}.py"


def _uic() -> str:
    # The tool sits next to the interpreter in a virtual environment, which need not be on PATH.
    found = shutil.which("pyside6-uic", path=str(Path(sys.executable).parent)) or shutil.which("pyside6-uic")
    if found is None:
        raise FormError("pyside6-uic not found next to the Python interpreter or on PATH: install PySide6 (uv sync)")
    return found


def compile_form(form: Path) -> str:
    """The Python source `pyside6-uic` makes of `form`, with our header and without its version stamp."""
    result = subprocess.run([_uic(), str(form)], capture_output=True, text=True, check=False)
    if result.returncode != 0:
        raise FormError(f"pyside6-uic failed on {form}: {result.stderr.strip() or result.returncode}")
    lines = [line for line in result.stdout.splitlines(keepends=True) if not line.startswith(_VERSION_STAMP)]
    return _HEADER.format(form=form.name) + "".join(lines)


def stale_modules(forms_dir: Path = paths.UI_FORMS, generated: Path = GENERATED) -> list[str]:
    """Why each out-of-date generated module is out of date; empty when all match their forms.

    A form without a module is not listed: the code that imports the module fails on its own.
    """
    sources = {module_path(form, generated): form for form in forms(forms_dir)}
    found = []
    for module in sorted(generated.glob("ui_*.py")):
        form = sources.get(module)
        if form is None:
            found.append(f"{module.name}: its form ui/{module.stem[3:]}.ui is gone; delete the module")
        elif module.read_text(encoding="utf-8") != compile_form(form):
            found.append(f"{module.name}: differs from what pyside6-uic makes of ui/{form.name}")
    return found


def main(argv: list[str] | None = None) -> int:
    """Regenerate the modules of the forms named (file names in ui/), or of all forms."""
    names = sys.argv[1:] if argv is None else argv
    chosen = [paths.UI_FORMS / name for name in names] if names else forms()
    GENERATED.mkdir(exist_ok=True)
    for form in chosen:
        source = compile_form(form)
        target = module_path(form)
        if not target.is_file() or target.read_text(encoding="utf-8") != source:
            target.write_text(source, encoding="utf-8")
            print(f"regenerated {target} from {form}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
