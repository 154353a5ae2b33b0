"""Files read with the line of every value, and schema errors said in one line.

Scenario files (YAML) and station templates (JSON) are checked against pydantic models when
they are loaded. A pydantic error has a location such as ``('steps', 3, 'wait')``; to name the
line, the text is composed into PyYAML's node tree, whose nodes keep their start marks, and
every location in it is mapped to the line where it starts. JSON is (almost) YAML, so a
template's lines come from the same tree while its values come from the stricter `json`.

The message for a user is one line, as compilers write it: ``file:line: where: field: problem``.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any, get_args

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, ValidationError, ValidatorFunctionWrapHandler, WrapValidator
from pydantic_core import ErrorDetails, PydanticCustomError

Loc = tuple[str | int, ...]


class Schema(BaseModel):
    """A mapping of known fields only, each of its declared type: nothing is converted silently."""

    model_config = ConfigDict(extra="forbid", strict=True, frozen=True)


class DocumentError(ValueError):
    """A file cannot be read as the document it should be; `line` is 1-based, None if unknown."""

    def __init__(self, problem: str, line: int | None = None, loc: Loc = ()) -> None:
        super().__init__(problem)
        self.problem = problem
        self.line = line
        self.loc = loc  # the value the problem is about, () for the whole document


@dataclass(frozen=True)
class Lines:
    """Where each location of a document starts: a mapping entry at its key, a list item at its first character."""

    starts: dict[Loc, int] = field(default_factory=dict)

    def of(self, loc: Loc) -> int | None:
        """The line of `loc`, or of the nearest enclosing location written in the file."""
        key = tuple(part if isinstance(part, int) else str(part) for part in loc)
        while key not in self.starts:
            if not key:
                return None
            key = key[:-1]
        return self.starts[key]


def read_yaml(text: str) -> tuple[Any, Lines]:
    """The document in `text` (safe types only) and its lines; DocumentError for bad YAML or a key written twice."""
    loader = yaml.SafeLoader(text)
    try:
        node = loader.get_single_node()
        data = None if node is None else loader.construct_document(node)
    except yaml.MarkedYAMLError as exc:
        mark = exc.problem_mark or exc.context_mark
        raise DocumentError(f"not valid YAML: {exc.problem or exc.context}", _line(mark)) from exc
    except yaml.YAMLError as exc:
        raise DocumentError(f"not valid YAML: {exc}") from exc
    finally:
        loader.dispose()
    return data, _index(node)


def read_json(text: str) -> tuple[Any, Lines]:
    """The JSON document in `text` and, where PyYAML can follow it, its lines.

    Python's `json` accepts Infinity and NaN; they are read as floats so that the schema,
    not the parser, says what is wrong with them.
    """
    try:
        data = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DocumentError(f"not valid JSON: {exc.msg}", exc.lineno) from exc
    try:
        node = yaml.compose(text, Loader=yaml.SafeLoader)
    except yaml.YAMLError:
        return data, Lines()  # valid JSON that YAML 1.1 cannot read (rare): values, but no lines
    return data, _index(node)


def _line(mark: yaml.Mark | None) -> int | None:
    return None if mark is None else mark.line + 1


def _index(root: yaml.Node | None) -> Lines:
    starts: dict[Loc, int] = {}
    for loc, line in _walk(root, (), set()):
        starts.setdefault(loc, line)
    return Lines(starts)


def _walk(node: yaml.Node | None, loc: Loc, open_nodes: set[int]) -> Iterator[tuple[Loc, int]]:
    if node is None or id(node) in open_nodes:  # an alias to an enclosing node: already indexed
        return
    yield loc, node.start_mark.line + 1
    open_nodes.add(id(node))
    if isinstance(node, yaml.MappingNode):
        seen: set[str] = set()
        for key_node, value_node in node.value:
            key = str(key_node.value)
            if key in seen:
                raise DocumentError("written twice", key_node.start_mark.line + 1, (*loc, key))
            seen.add(key)
            yield (*loc, key), key_node.start_mark.line + 1
            yield from _walk(value_node, (*loc, key), open_nodes)
    elif isinstance(node, yaml.SequenceNode):
        for index, item in enumerate(node.value):
            yield from _walk(item, (*loc, index), open_nodes)
    open_nodes.discard(id(node))


def describe_loc(loc: Loc) -> str:
    """``('evses', 0, 'connectors', 1, 'phases')`` -> ``evses[0].connectors[1].phases``."""
    text = ""
    for part in loc:
        text += f"[{part}]" if isinstance(part, int) else (f".{part}" if text else str(part))
    return text


def say(source: str, line: int | None, *parts: str) -> str:
    """One line for the user: ``source:line: part: part``, leaving out what is empty."""
    head = source if line is None else f"{source}:{line}"
    return ": ".join([head, *(p for p in parts if p)])


# --- schema types whose errors say what was expected -----------------------------------------
def number(expected: str, *, whole: bool = False) -> WrapValidator:
    """A type check whose error says what was `expected`: 'soon' is not a number of seconds.

    Put it after the `Field` constraints in an `Annotated`. It rejects booleans, which YAML
    and JSON would otherwise let through as 1 and 0, and infinities and NaN.
    """

    def check(value: Any, handler: ValidatorFunctionWrapHandler) -> Any:
        if isinstance(value, bool) or not isinstance(value, int if whole else int | float):
            raise PydanticCustomError("number", "{value} is not " + expected, {"value": _show(value)})
        if isinstance(value, float) and not math.isfinite(value):
            raise PydanticCustomError("number", "{value} is not a finite number", {"value": _show(value)})
        return handler(value)

    return WrapValidator(check)


def one_of(choices: Iterable[str]) -> AfterValidator:
    """A check that text is one of `choices` (the values of a StrEnum, the keys of a table)."""
    allowed = [str(c) for c in choices]

    def check(value: str) -> str:
        if value not in allowed:
            raise PydanticCustomError(
                "one_of", "{value} is not one of {allowed}", {"value": repr(value), "allowed": ", ".join(allowed)}
            )
        return value

    return AfterValidator(check)


def _show(value: Any) -> str:
    if isinstance(value, float):
        return f"{value:g}"  # 1000, not 1000.0; inf and nan as such
    return repr(value)


def _entries(count: Any) -> str:
    return f"{count} {'entry' if count == 1 else 'entries'}"


def first_problem(
    error: ValidationError, lines: Lines, prefix: Loc = (), model: type[BaseModel] | None = None
) -> tuple[Loc, str]:
    """The error that comes first in the file: its location in the validated value, and what is wrong in words.

    `prefix` is where the validated value sits in the document, to find the lines; `model` the
    schema it was validated against, so that an unknown field can be answered with the known ones.
    """
    found = []
    for order, details in enumerate(error.errors()):
        line = lines.of((*prefix, *details["loc"]))
        # A missing field last: an unknown field elsewhere is likely its misspelling, and says more.
        missing = details["type"] == "missing"
        found.append((missing, line or 0, order, details["loc"], problem_text(details, model)))
    *_, loc, text = min(found)
    return loc, text


_PHRASES: dict[str, Callable[[ErrorDetails], str]] = {
    "missing": lambda e: "required, but missing",
    "int_type": lambda e: f"{_show(e['input'])} is not a whole number",
    "float_type": lambda e: f"{_show(e['input'])} is not a number",
    "string_type": lambda e: f"{_show(e['input'])} is not text; put it in quotes",
    "bool_type": lambda e: f"{_show(e['input'])} is not true or false",
    "list_type": lambda e: f"expected a list, got {_show(e['input'])}",
    "dict_type": lambda e: f"expected a mapping of names to values, got {_show(e['input'])}",
    "model_type": lambda e: f"expected a mapping of names to values, got {_show(e['input'])}",
    "literal_error": lambda e: f"{_show(e['input'])} is not one of {e.get('ctx', {}).get('expected')}",
    "enum": lambda e: f"{_show(e['input'])} is not one of {e.get('ctx', {}).get('expected')}",
    "greater_than": lambda e: f"{_show(e['input'])} must be more than {_show(e.get('ctx', {}).get('gt'))}",
    "greater_than_equal": lambda e: f"{_show(e['input'])} must be at least {_show(e.get('ctx', {}).get('ge'))}",
    "less_than": lambda e: f"{_show(e['input'])} must be less than {_show(e.get('ctx', {}).get('lt'))}",
    "less_than_equal": lambda e: f"{_show(e['input'])} must be at most {_show(e.get('ctx', {}).get('le'))}",
    "too_short": lambda e: (
        f"needs at least {_entries(e.get('ctx', {}).get('min_length'))}, this has {len(e['input']) or 'none'}"
    ),
    "finite_number": lambda e: f"{_show(e['input'])} is not a finite number",
}


def problem_text(details: ErrorDetails, model: type[BaseModel] | None = None) -> str:
    """What an error means, in the words of a person who wrote the file."""
    kind = details["type"]
    if kind == "extra_forbidden":
        known = _known_fields(model, details["loc"][:-1]) if model is not None else None
        hint = f"; known fields: {', '.join(known)}" if known else ""
        return f"unknown field{hint}"
    phrase = _PHRASES.get(kind)
    if phrase is not None:
        return phrase(details)
    message = details["msg"]
    return message.removeprefix("Value error, ")


def _known_fields(model: type[BaseModel], loc: Loc) -> list[str] | None:
    """The field names of the model found at `loc` inside `model` (lists and optionals followed)."""
    current: Any = model
    for part in loc:
        if isinstance(part, int):
            continue  # an item of the list whose type is already `current`
        fields = getattr(current, "model_fields", None)
        if fields is None or part not in fields:
            return None
        current = _model_in(fields[part].annotation)
        if current is None:
            return None
    fields = getattr(current, "model_fields", None)
    return list(fields) if fields is not None else None


def _model_in(annotation: Any) -> type[BaseModel] | None:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return annotation
    for arg in get_args(annotation):
        found = _model_in(arg)
        if found is not None:
            return found
    return None
