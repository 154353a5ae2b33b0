"""JUnit XML, the report format every CI server reads: a diff or a scenario as a test suite.

One `<testsuite>` per file, one `<testcase>` per compared frame or scenario step, a `<failure>`
carrying what went wrong. Frames may hold any text a faulty peer sent, and XML 1.0 cannot hold
most control characters at all, so those are written as `\\uXXXX` rather than making the file
unreadable.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Protocol

from ocpplab_desktop.replay.diff import Difference, DiffReport, FrameRef, difference_line

# XML 1.0 section 2.2: Char ::= #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] | [#x10000-#x10FFFF]
_NOT_XML = re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")
MAX_MESSAGE_CHARS = 300


@dataclass(frozen=True, slots=True)
class Case:
    """One test case: `message` is the failure's one line, `detail` its full text."""

    name: str
    classname: str
    ok: bool
    message: str = ""
    detail: str = ""
    seconds: float = 0.0


def write_junit(path: Path | str, suite_name: str, cases: Sequence[Case]) -> None:
    """Write `cases` as one JUnit `<testsuite>` to `path` (UTF-8); OSError if it cannot be written."""
    failures = sum(not case.ok for case in cases)
    suite = ET.Element(
        "testsuite",
        name=_text(suite_name),
        tests=str(len(cases)),
        failures=str(failures),
        errors="0",
        skipped="0",
        time=f"{sum(case.seconds for case in cases):.3f}",
    )
    for case in cases:
        element = ET.SubElement(
            suite, "testcase", name=_text(case.name), classname=_text(case.classname), time=f"{case.seconds:.3f}"
        )
        if not case.ok:
            failure = ET.SubElement(element, "failure", message=_text(_first_line(case.message)))
            failure.text = _text(case.detail or case.message)
    ET.indent(suite)
    ET.ElementTree(suite).write(path, encoding="utf-8", xml_declaration=True)


def _text(value: str) -> str:
    return _NOT_XML.sub(lambda m: f"\\u{ord(m.group()):04x}", value)


def _first_line(text: str) -> str:
    line = text.strip().splitlines()[0] if text.strip() else ""
    return line if len(line) <= MAX_MESSAGE_CHARS else line[: MAX_MESSAGE_CHARS - 3] + "..."


# --- a diff --------------------------------------------------------------------------------
def cases_from_diff(report: DiffReport) -> list[Case]:
    """Each aligned frame a test case; one with differences fails and lists them."""
    found: dict[FrameRef, list[Difference]] = {}
    for difference in report.differences:
        found.setdefault(difference.frame, []).append(difference)
    return [_frame_case(ref, found.get(ref, [])) for ref in report.frames]


def _frame_case(ref: FrameRef, differences: list[Difference]) -> Case:
    name = f"{ref.action or '(no action)'} {ref.message_type.name} #{ref.occurrence}"
    classname = f"{ref.station_id}.{ref.side.value}.{ref.direction.value}"
    if not differences:
        return Case(name, classname, ok=True)
    lines = [difference_line(d) for d in differences]
    more = f" (and {len(differences) - 1} more)" if len(differences) > 1 else ""
    return Case(name, classname, ok=False, message=lines[0].strip() + more, detail="\n".join([ref.title, *lines]))


# --- a scenario ----------------------------------------------------------------------------
class StepOutcome(Protocol):
    """What a scenario step's result tells (the engine's `StepResult`, which this layer cannot import)."""

    @property
    def index(self) -> int: ...
    @property
    def step(self) -> str: ...
    @property
    def ok(self) -> bool: ...
    @property
    def detail(self) -> str: ...


class ScenarioOutcome(Protocol):
    """A scenario run's report (the engine's `Report`)."""

    @property
    def scenario(self) -> str: ...
    @property
    def results(self) -> Iterable[StepOutcome]: ...


def cases_from_scenario(report: ScenarioOutcome) -> list[Case]:
    """A scenario is a suite, each step a test case named by its number and kind."""
    return [
        Case(
            name=f"{result.index:03d}. {result.step}",
            classname=report.scenario,
            ok=result.ok,
            message="" if result.ok else result.detail,
            detail="" if result.ok else result.detail,
        )
        for result in report.results
    ]
