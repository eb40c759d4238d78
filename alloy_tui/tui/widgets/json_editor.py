"""JsonEditor: JSON in a TextArea (highlighted), checked on demand; a problem is shown under it
and the cursor put where it is, and the text is never changed by the check."""

from __future__ import annotations

import re
from typing import Any, ClassVar, Final

from textual.app import ComposeResult
from textual.containers import Vertical
from textual.widgets import Static, TextArea

from alloy_tui.alloy.actions import InputProblem, check_body, parse_json

_TOKEN: Final = re.compile(
    rb'(?P<string>"(?:[^"\\]|\\.)*"?)(?P<key>\s*:)?'
    rb"|(?P<number>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)"
    rb"|(?P<boolean>\btrue\b|\bfalse\b)"
    rb"|(?P<null>\bnull\b)"
    rb"|(?P<bracket>[\[\]{}])"
)
_NAMES: Final = {
    "number": "number",
    "boolean": "boolean",
    "null": "json.null",
    "bracket": "punctuation.bracket",
}


def json_highlights(line: str) -> list[tuple[int, int | None, str]]:
    """(start byte, end byte, highlight name) of each JSON token of one line, as TextArea's
    themes name them (keys `json.label`, values `string`, `number`...)."""
    found: list[tuple[int, int | None, str]] = []
    for match in _TOKEN.finditer(line.encode()):
        kind = match.lastgroup
        if match.group("string") is not None:
            name = "json.label" if match.group("key") else "string"
            found.append((match.start("string"), match.end("string"), name))
        elif kind is not None:
            found.append((match.start(), match.end(), _NAMES[kind]))
    return found


class JsonArea(TextArea):
    """A TextArea that highlights JSON by itself. Textual's own JSON highlighting runs the
    tree-sitter-json grammar, whose ABI-14 build crashes the process (a segmentation fault)
    under the tree-sitter 0.26 the project pins; JSON tokens never span lines, so each line is
    tokenized with one regular expression (this replaces TextArea's tree-sitter query)."""

    def _build_highlight_map(self) -> None:
        self._line_cache.clear()
        highlights = self._highlights
        highlights.clear()
        for index, line in enumerate(self.document.lines):
            tokens = json_highlights(line)
            if tokens:
                highlights[index] = tokens


class JsonEditor(Vertical):
    """A JSON value to edit. `value()` parses it (and checks it against `schema` when given),
    raising InputProblem after showing it; `text` is what is typed, whatever its state."""

    DEFAULT_CSS: ClassVar[str] = """
    JsonEditor { height: auto; }
    JsonEditor > JsonArea { height: 10; }
    JsonEditor > .json-problem { height: auto; color: $text-error; display: none; }
    JsonEditor.-invalid > .json-problem { display: block; }
    JsonEditor.-invalid > JsonArea { border: tall $error; }
    """

    def __init__(
        self,
        text: str = "{}",
        *,
        what: str = "The body",
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(id=id, classes=classes)
        self._initial = text
        self.what = what
        """How problems name the value ("The body", "The call")."""

    def compose(self) -> ComposeResult:
        yield JsonArea(
            self._initial,
            soft_wrap=False,
            show_line_numbers=True,
            tab_behavior="focus",
            classes="json-text",
        )
        yield Static("", classes="json-problem", markup=False)

    @property
    def area(self) -> JsonArea:
        return self.query_one(JsonArea)

    @property
    def text(self) -> str:
        return self.area.text

    def load(self, text: str) -> None:
        """Replace the text (a new action's template, a call to replay) and forget any problem."""
        self.area.load_text(text)
        self.show_problem(None)

    def show_problem(self, problem: InputProblem | None) -> None:
        """Show `problem` under the text and put the cursor on its line; None hides it."""
        self.set_class(problem is not None, "-invalid")
        self.query_one(".json-problem", Static).update(problem.sentence if problem else "")
        if problem is not None and problem.line is not None:
            row = max(0, problem.line - 1)
            column = max(0, (problem.column or 1) - 1)
            self.area.move_cursor((row, column))

    def value(self, schema: Any = None) -> Any:
        """The parsed value; InputProblem (shown) if it is not JSON or does not fit `schema`."""
        try:
            value = parse_json(self.text, self.what)
            check_body(value, schema)
        except InputProblem as problem:
            self.show_problem(problem)
            raise
        self.show_problem(None)
        return value

    def focus_text(self) -> None:
        self.area.focus()
