"""The README is the user's door: its commands and its schema must be true."""

from pathlib import Path

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
