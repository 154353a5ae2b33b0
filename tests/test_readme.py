"""The README is the user's door: its commands and its schema must be true."""

from pathlib import Path

import yaml

from ocpplab_desktop.engine.faults import KINDS
from ocpplab_desktop.engine.scenario_schema import parse_scenario
from ocpplab_desktop.store.schema import schema_markdown

README = Path(__file__).resolve().parents[1] / "README.md"


def test_readme_schema_section_matches_the_store_schema() -> None:
    text = README.read_text(encoding="utf-8")
    start = text.index("<!-- schema:start")
    start = text.index("\n", start) + 1
    end = text.index("<!-- schema:end -->")
    assert text[start:end].strip() == schema_markdown().strip(), "regenerate the README schema section"


def test_readme_names_the_two_commands() -> None:
    text = README.read_text(encoding="utf-8")
    assert "uv run ocpplab" in text and "uv run pytest" in text


def test_readme_lists_every_fault_kind_and_its_examples_are_valid_steps() -> None:
    text = README.read_text(encoding="utf-8")
    section = text[text.index("## Fault injection") : text.index("## Where data lives")]
    for kind in KINDS:
        assert f"| `{kind}` |" in section, f"the README's table lacks {kind}"
    examples = [line.strip()[2:].split("  #")[0] for line in section.splitlines() if line.startswith("    - ")]
    assert len(examples) >= len(KINDS) - 2
    steps = [yaml.safe_load(example) for example in examples]
    scenario = parse_scenario({"name": "readme", "station": {"template": "ac-22kw-wallbox"}, "steps": steps})
    assert [step.kind for step in scenario.steps] == [next(iter(s)) for s in steps]
