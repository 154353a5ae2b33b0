"""The Linux bundle (packaging/): everything that can be checked without running PyInstaller.

packaging/build.sh builds the bundle and takes a while; these checks keep its inputs honest:
the spec ships every folder the app reads at run time, where the app looks for it, and keeps
the Qt modules the app needs; the desktop entry and the AppStream metadata are valid and agree
with each other and with the app; and the wheel carries the same data as the bundle.
"""

from __future__ import annotations

import ast
import configparser
import importlib.util
import re
import shutil
import subprocess
import tomllib
import xml.etree.ElementTree as ET
import zipfile
from importlib import resources
from pathlib import Path

import pytest

from ocpplab_desktop import paths

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "ocpplab_desktop"
PACKAGING = ROOT / "packaging"
SPEC = PACKAGING / "ocpplab.spec"
DESKTOP = PACKAGING / "ocpplab.desktop"
METAINFO = PACKAGING / "io.ocpplab.Desktop.metainfo.xml"
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
COMMAND = "ocpplab"


def _module(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"), filename=str(path))


def _spec_value(name: str) -> ast.expr:
    """The expression the spec assigns to `name` at top level."""
    for node in _module(SPEC).body:
        if isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == name for t in node.targets):
            return node.value
    raise AssertionError(f"{SPEC.name} assigns no {name}")


def _strings(node: ast.AST) -> set[str]:
    return {n.value for n in ast.walk(node) if isinstance(n, ast.Constant) and isinstance(n.value, str)}


def _calls(tree: ast.AST, function: str) -> list[ast.Call]:
    return [
        n for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Name) and n.func.id == function
    ]


def shipped_folders() -> set[str]:
    """The top-level folders paths.py looks up with `_shipped(...)`: the data the app reads at run time."""
    return {name for call in _calls(_module(PACKAGE / "paths.py"), "_shipped") for name in _strings(call.args[0])}


class _DesktopFile(configparser.ConfigParser):
    def optionxform(self, optionstr: str) -> str:
        return optionstr  # desktop entry keys are case-sensitive


def desktop_entry() -> configparser.SectionProxy:
    parser = _DesktopFile(interpolation=None, strict=True)
    parser.read_string(DESKTOP.read_text(encoding="utf-8"), source=str(DESKTOP))
    assert parser.sections() == ["Desktop Entry"]
    return parser["Desktop Entry"]


# -- the spec -------------------------------------------------------------------------------


def test_the_spec_ships_every_folder_the_app_reads_where_the_app_looks_for_it() -> None:
    folders = shipped_folders()
    assert "resources" in folders, "paths.py no longer calls _shipped('resources'): update this test"
    data = ast.literal_eval(_spec_value("DATA_FOLDERS"))
    assert set(data) == folders, f"{SPEC.name} DATA_FOLDERS must name exactly the folders paths.py reads"
    for source, target in data.items():
        assert (ROOT / source).is_dir(), f"{source}/ is not a folder of the repository"
        # paths._shipped looks inside the package first; in the bundle the package is _internal/ocpplab_desktop.
        assert target == f"{PACKAGE.name}/{source}", f"{source}/ must go to {PACKAGE.name}/{source} in the bundle"
    wheel = PYPROJECT["tool"]["hatch"]["build"]["targets"]["wheel"]["force-include"]
    assert data == wheel, "the bundle and the wheel must put the data in the same place"


def test_every_resource_path_the_app_uses_is_inside_a_shipped_folder() -> None:
    sources = [ROOT / name for name in shipped_folders()]
    used = {
        name: value
        for name, value in vars(paths).items()
        if name.isupper() and not name.startswith("_") and isinstance(value, Path)
    }
    assert {"RESOURCES", "UI_FORMS", "TEMPLATES", "SCENARIOS", "ICONS"} <= set(used)
    for name, folder in used.items():
        assert folder.is_dir(), f"paths.{name} = {folder} is not a folder"
        assert any(folder.is_relative_to(source) for source in sources), f"paths.{name} is outside the shipped data"
        assert any(folder.iterdir()), f"paths.{name} = {folder} is empty"
    assert (paths.ICONS / "app.svg").is_file(), "install-linux.sh installs resources/icons/app.svg as the app icon"


def test_the_spec_ships_the_ocpp_schemas_the_lab_validates_with() -> None:
    # protocol/schemas.py reads each version's schemas from its folder of the ocpp package.
    from ocpplab_desktop.protocol.schemas import SCHEMA_FILES

    versions = {folder for folder, _suffix in SCHEMA_FILES.values()}
    assert versions == {"v16", "v201"}
    (call,) = [c for c in _calls(_module(SPEC), "collect_data_files") if _strings(c.args[0]) == {"ocpp"}]
    includes = ast.literal_eval(next(k.value for k in call.keywords if k.arg == "includes"))
    for version in versions:
        assert f"{version}/schemas/*.json" in includes
        assert resources.files("ocpp").joinpath(version, "schemas").is_dir()


def _qt_modules_imported_by_the_lab() -> set[str]:
    found = set()
    for path in PACKAGE.rglob("*.py"):
        for node in ast.walk(_module(path)):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("PySide6."):
                found.add(node.module.split(".")[1])
            elif isinstance(node, ast.ImportFrom) and node.module == "PySide6":
                found.update(alias.name for alias in node.names)
            elif isinstance(node, ast.Import):
                found.update(a.name.split(".")[1] for a in node.names if a.name.startswith("PySide6."))
    return found


def _qt_modules_pyqtgraph_imports_by_name() -> set[str]:
    """Qt modules pyqtgraph imports with importlib.import_module(f"{QT_LIB}.QtX"): invisible to PyInstaller."""
    spec = importlib.util.find_spec("pyqtgraph")
    assert spec is not None and spec.submodule_search_locations
    top = Path(next(iter(spec.submodule_search_locations)))
    skipped = {"examples", "opengl", "jupyter"}  # excluded from the bundle by the spec
    found = set()
    for path in top.rglob("*.py"):
        if skipped.isdisjoint(path.relative_to(top).parts):
            found.update(re.findall(r"import_module\(f['\"]\{QT_LIB\}\.(Qt\w+)['\"]\)", path.read_text("utf-8")))
    return found


def test_the_spec_keeps_every_qt_module_the_lab_and_pyqtgraph_import() -> None:
    unused = set(ast.literal_eval(_spec_value("QT_UNUSED")))
    lab = _qt_modules_imported_by_the_lab()
    assert {"QtCore", "QtGui", "QtWidgets"} <= lab
    assert not lab & unused, f"{SPEC.name} leaves out Qt modules the lab imports: {sorted(lab & unused)}"
    by_name = _qt_modules_pyqtgraph_imports_by_name()
    assert not by_name & unused, f"{SPEC.name} leaves out Qt modules pyqtgraph needs: {sorted(by_name & unused)}"
    hidden = _strings(_spec_value("hiddenimports"))
    missing = {f"PySide6.{name}" for name in by_name} - hidden
    assert not missing, f"add {sorted(missing)} to the spec's hiddenimports (pyqtgraph imports them by name)"


def test_the_spec_builds_a_bundle_named_after_the_command() -> None:
    assert PYPROJECT["project"]["scripts"][COMMAND] == "ocpplab_desktop.cli:main"
    entry = _module(PACKAGING / "entry.py")
    assert any(
        isinstance(n, ast.ImportFrom) and n.module == "ocpplab_desktop.cli" and [a.name for a in n.names] == ["main"]
        for n in entry.body
    )
    for function in ("EXE", "COLLECT"):
        (call,) = _calls(_module(SPEC), function)
        names = [k.value for k in call.keywords if k.arg == "name"]
        assert [ast.literal_eval(n) for n in names] == [COMMAND], f"{function}(name=...) must be {COMMAND!r}"


# -- desktop integration ----------------------------------------------------------------------


def test_the_desktop_entry_is_valid() -> None:
    validate = shutil.which("desktop-file-validate")
    if validate is not None:
        result = subprocess.run([validate, str(DESKTOP)], capture_output=True, text=True, check=False)
        assert result.returncode == 0 and not result.stdout.strip(), result.stdout + result.stderr
    entry = desktop_entry()
    for key in ("Type", "Name", "Exec", "Icon", "Categories"):
        assert entry.get(key), f"{DESKTOP.name} needs {key}="
    assert all(value.strip() for value in entry.values()), "no empty values"
    assert entry["Type"] == "Application"
    assert entry["Name"] == "OCPPLab Desktop"
    assert entry["Exec"].split()[0] == COMMAND and entry.get("TryExec", COMMAND) == COMMAND
    assert entry["Icon"] == COMMAND, "a theme icon name, installed by install-linux.sh as hicolor/scalable/apps"
    assert entry["Terminal"] == "false"
    categories = entry["Categories"]
    assert categories.endswith(";") and {"Development", "Engineering"} <= set(categories.split(";"))


def test_the_desktop_file_is_the_one_the_window_names() -> None:
    # Wayland matches the window to its menu entry (icon, name) by the desktop file name.
    launch = (PACKAGE / "gui" / "launch.py").read_text(encoding="utf-8")
    assert re.findall(r"setDesktopFileName\(\"([^\"]+)\"\)", launch) == [DESKTOP.stem]


def test_the_appstream_metadata_parses_and_matches_the_desktop_entry() -> None:
    root = ET.parse(METAINFO).getroot()
    assert root.tag == "component" and root.get("type") == "desktop-application"
    component_id = root.findtext("id")
    assert component_id and METAINFO.name == f"{component_id}.metainfo.xml"
    launchables = [(e.get("type"), e.text) for e in root.findall("launchable")]
    assert launchables == [("desktop-id", DESKTOP.name)], "the metadata must launch the shipped desktop file"
    assert root.findtext("name") == desktop_entry()["Name"]
    assert root.findtext("provides/binary") == COMMAND
    assert root.findtext("project_license") == PYPROJECT["project"]["license"]["text"]
    summary = root.findtext("summary") or ""
    assert summary and not summary.endswith("."), "AppStream: a short summary without a final full stop"
    releases = root.findall("releases/release")
    if releases:
        assert releases[0].get("version") == PYPROJECT["project"]["version"], "the newest release is this version"
    appstreamcli = shutil.which("appstreamcli")
    if appstreamcli is not None:
        result = subprocess.run(
            [appstreamcli, "validate", "--no-net", str(METAINFO)], capture_output=True, text=True, check=False
        )
        assert result.returncode == 0, result.stdout + result.stderr


# -- the wheel ----------------------------------------------------------------------------------


@pytest.mark.skipif(shutil.which("uv") is None, reason="uv is not on PATH")
def test_the_wheel_carries_the_resources_and_the_forms(tmp_path: Path) -> None:
    uv = shutil.which("uv")
    assert uv is not None
    result = subprocess.run(
        [uv, "build", "--wheel", "--quiet", "--out-dir", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
        timeout=110,
    )
    assert result.returncode == 0, result.stderr
    (wheel,) = tmp_path.glob("*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = set(archive.namelist())
    expected = {
        f"{PACKAGE.name}/{path.relative_to(ROOT).as_posix()}"
        for folder in ("resources", "ui")
        for path in (ROOT / folder).rglob("*")
        if path.is_file() and not path.name.startswith(".")
    }
    assert not expected - names, f"missing from {wheel.name}: {sorted(expected - names)}"
    templates = {n for n in names if re.fullmatch(rf"{PACKAGE.name}/resources/templates/[^/]+\.json", n)}
    forms = {n for n in names if re.fullmatch(rf"{PACKAGE.name}/ui/[^/]+\.ui", n)}
    assert templates and forms
    assert f"{PACKAGE.name}/resources/scenarios/local-session-16.yaml" in names
    assert f"{PACKAGE.name}/resources/icons/app.svg" in names
