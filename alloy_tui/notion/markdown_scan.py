"""The fast inline tokenizer: inline Markdown -> the events markdown-it's inline parser would
give, for the syntax this package writes, in one pass of Python over the source.

Speed: markdown-it's inline parser tries each of its rules at every special character and builds
a Token for every piece (10-35 us a block, most of a parse). This follows its rules exactly for
the syntax the renderer writes and raises `Fallback` for anything else, where the caller uses
the parser: text, escapes, character references, line breaks, `*` and `~~` runs paired the
obvious way (an opener, then the closer of the same run; nested runs close in reverse order),
code spans, `$equations$`, `[links](destination)` (mention links too) and the HTML tags of the
dialect (`<u>`, `<span data-color="red">`, `<b>`, `<i>`, `<s>`, `<code>`, `<br>`).

Left to the parser: `_` runs, runs that can both open and close (or pair otherwise), `~` runs
longer than two, images, nested brackets, link titles, spaces or nothing in a link's parentheses,
other HTML and autolinks, CR and NUL. tests/unit/test_markdown_fastpath.py
holds the result to the parser's.

An event is a (kind, value) pair: ("text", str), ("code", str), ("math", str),
("open" / "close", marks), ("link_open", href), ("link_close", ""), ("html", tag).
"""

from __future__ import annotations

import re
from typing import Any, Final

from markdown_it.common.entities import entities as _ENTITIES
from markdown_it.common.utils import isValidEntityCode, isWhiteSpace, unescapeAll

from alloy_tui.notion.markdown_canonical import _ESCAPABLE
from alloy_tui.notion.markdown_syntax import _is_punct

Event = tuple[str, Any]


class Fallback(Exception):
    """The source needs markdown-it's parser."""


_SPECIAL = re.compile(r"[\\&*\n`_\[\]~<$!\r\x00]")
"""Where a markdown-it inline rule may act (the rest of its terminator characters match no rule
and stay text) plus CR and NUL."""
_DIGITAL_ENTITY = re.compile(r"&#((?:x[a-f0-9]{1,6}|[0-9]{1,7}));", re.IGNORECASE)
_NAMED_ENTITY = re.compile(r"&([a-z][a-z0-9]{1,31});", re.IGNORECASE)
_DIALECT_TAG = re.compile(r'</?(?:u|b|i|s|code|span)>|<span data-color="[a-z_]+">|<br>')
"""The HTML tags the renderer writes: each is what markdown-it's html_inline rule matches."""
_MARKS: Final = {
    ("*", 1): ("italic",),
    ("*", 2): ("bold",),
    ("*", 3): ("bold", "italic"),
    ("~", 2): ("strikethrough",),
}


_FLANKING: dict[tuple[str, str], tuple[bool, bool]] = {}


def flanking(before: str, after: str) -> tuple[bool, bool]:
    """(can open, can close) of a `*` or `~` run between two characters (scanDelims; cached)."""
    key = (before, after)
    found = _FLANKING.get(key)
    if found is None:
        found = _flanking(before, after)
        if len(_FLANKING) < 65536:
            _FLANKING[key] = found
    return found


def _flanking(before: str, after: str) -> tuple[bool, bool]:
    before_punct, after_punct = _is_punct(before), _is_punct(after)
    before_space, after_space = isWhiteSpace(ord(before)), isWhiteSpace(ord(after))
    left = not (after_space or (after_punct and not (before_space or before_punct)))
    right = not (before_space or (before_punct and not (after_space or after_punct)))
    return left, right


def _skip_indent(source: str, pos: int, end: int) -> int:
    """Past the spaces and tabs that start a continuation line (markdown-it drops them)."""
    while pos < end and source[pos] in " \t":
        pos += 1
    return pos


def entity(source: str, at: int) -> tuple[str, int] | None:
    """The text of the character reference at `at` and where it ends (None: not one)."""
    if source.startswith("&#", at):
        found = _DIGITAL_ENTITY.match(source, at)
        if found is None:
            return None
        digits = found.group(1)
        code = int(digits[1:], 16) if digits[0] in "xX" else int(digits)
        if not isValidEntityCode(code):
            return "\ufffd", found.end()
        # A CR is its own item in the parser's output, and canonical_item makes it a LF.
        return ("\n" if code == 13 else chr(code)), found.end()
    found = _NAMED_ENTITY.match(source, at)
    if found is None or found.group(1) not in _ENTITIES:
        return None
    return _ENTITIES[found.group(1)], found.end()


def scan(source: str) -> list[Event]:
    """The events of inline source (raises Fallback where the parser is needed)."""
    events: list[Event] = []
    _Scope(source, 0, len(source), events, {}).run(label=False)
    return events


class _Scope:
    """One run of markdown-it's inline tokenizer: the whole source, or a link's text (which
    pairs its `*` and `~~` runs on its own)."""

    __slots__ = ("backticks", "buffer", "delimiters", "end", "events", "pending", "source")

    def __init__(
        self, source: str, start: int, end: int, events: list[Event], backticks: dict[int, int]
    ) -> None:
        self.source = source
        self.backticks = backticks  # run length -> where the last run of it starts (or {})
        self.end = end
        self.events = events
        self.pending = ""  # markdown-it's pending text: what a line break trims
        self.buffer: list[str] = []  # text not yet written as an event
        self.delimiters: list[tuple[int, str, int, bool, bool]] = []

    def emit(self, kind: str, value: Any) -> None:
        """A token: the text before it is written first, and pending text starts over."""
        if self.buffer:
            self.events.append(("text", "".join(self.buffer)))
            self.buffer = []
        self.pending = ""
        self.events.append((kind, value))

    def special(self, text: str) -> None:
        """A text token of its own (an escape, a reference, a run left as text)."""
        self.buffer.append(text)
        self.pending = ""

    def run(self, *, label: bool, start: int | None = None) -> int:
        """Tokenize from `start` to the end; in `label` mode (finding where a link's text ends,
        as parseLinkLabel does) stop at the first `]` outside any token and return where."""
        source, end = self.source, self.end
        pos = 0 if start is None else start
        while True:
            found = _SPECIAL.search(source, pos, end)
            if found is None:
                self._text(source[pos:end])
                break
            at = found.start()
            if at > pos:
                self._text(source[pos:at])
            char = source[at]
            if char == "]":
                if label:
                    return at
                self._text("]")
                pos = at + 1
            elif char == "\\":
                pos = self._escape(at)
            elif char == "&":
                pos = self._entity(at)
            elif char == "*" or char == "~":
                pos = self._run(at, char)
            elif char == "\n":
                pos = self._newline(at)
            elif char == "`":
                pos = self._code(at)
            elif char == "$":
                pos = self._math(at)
            elif char == "<":
                pos = self._tag(at)
            elif char == "!":
                if source.startswith("![", at):
                    raise Fallback  # an image
                self._text("!")
                pos = at + 1
            elif char == "[" and not label:
                pos = self._link(at)
            else:  # `_`, `[` inside a link's text, CR, NUL
                raise Fallback
        if label:
            raise Fallback  # no `]`: not a link
        self.flush()
        return end

    def _text(self, text: str) -> None:
        self.buffer.append(text)
        self.pending += text

    def flush(self) -> None:
        """Write the last text and pair this scope's runs."""
        if self.buffer:
            self.events.append(("text", "".join(self.buffer)))
            self.buffer = []
        stack: list[tuple[int, str, int, bool, bool]] = []
        for delimiter in self.delimiters:
            index, char, length, can_open, can_close = delimiter
            if can_open == can_close:
                if can_open:
                    raise Fallback  # both: the parser's pairing rules decide
                self.events[index] = ("text", char * length)  # neither: stays text
            elif can_open:
                stack.append(delimiter)
            else:
                if not stack or stack[-1][1:3] != (char, length):
                    raise Fallback  # a closer without its opener
                opener = stack.pop()
                marks = _MARKS.get((char, length))
                if marks is None:
                    raise Fallback  # `****` and longer
                self.events[opener[0]] = ("open", marks)
                self.events[index] = ("close", marks)
        if stack:
            raise Fallback  # an opener without its closer

    def _escape(self, at: int) -> int:
        source, end = self.source, self.end
        if at + 1 >= end:  # a backslash ending the text is text
            self._text("\\")
            return at + 1
        escaped = source[at + 1]
        if escaped == "\n":  # a hard line break
            self.emit("text", "\n")
            return _skip_indent(source, at + 2, end)
        if escaped in "\r\x00":
            raise Fallback
        self.special(escaped if escaped in _ESCAPABLE else "\\" + escaped)
        return at + 2

    def _entity(self, at: int) -> int:
        found = entity(self.source, at)
        if found is None:
            self._text("&")
            return at + 1
        self.special(found[0])
        return found[1]

    def _run(self, at: int, char: str) -> int:
        source, end = self.source, self.end
        stop = at + 1
        while stop < end and source[stop] == char:
            stop += 1
        length = stop - at
        if char == "~" and length != 2:
            if length == 1:
                self._text("~")  # one `~` is text
                return stop
            raise Fallback
        before = source[at - 1] if at else " "
        after = source[stop] if stop < end else " "
        self.emit("run", None)
        self.delimiters.append((len(self.events) - 1, char, length, *flanking(before, after)))
        return stop

    def _newline(self, at: int) -> int:
        if self.pending.endswith(" "):
            trimmed = self.pending.rstrip(" ") if self.pending.endswith("  ") else self.pending[:-1]
            cut = len(self.pending) - len(trimmed)
            text = "".join(self.buffer)
            self.buffer = [text[: len(text) - cut]]
        self.emit("text", "\n")
        return _skip_indent(self.source, at + 1, self.end)

    def _code(self, at: int) -> int:
        source, end = self.source, self.end
        pos = at + 1
        while pos < end and source[pos] == "`":
            pos += 1
        length = pos - at
        if not self.backticks:
            self.backticks.update(_last_runs(source))
        match_end = pos
        # As markdown-it: look for a closer only if a run of this length starts later (without
        # this, many unmatched runs would make the search quadratic).
        while (
            self.backticks.get(length, -1) >= pos
            and (match_start := source.find("`", match_end, end)) != -1
        ):
            match_end = match_start + 1
            while match_end < len(source) and source[match_end] == "`":
                match_end += 1
            if match_end > end:
                break
            if match_end - match_start == length:
                content = source[pos:match_start].replace("\n", " ")
                if content.startswith(" ") and content.endswith(" ") and content.strip(" "):
                    content = content[1:-1]
                self.emit("code", content)
                return match_end
        self._text(source[at:pos])  # no closer: the backticks are text
        return pos

    def _math(self, at: int) -> int:
        """markdown_syntax._math_inline: `$`, no space inside, the next `$` closes."""
        source, end = self.source, self.end
        if at + 1 >= end or source[at + 1] == "$" or source[at + 1].isspace():
            self._text("$")
            return at + 1
        close = source.find("$", at + 1, end)
        if close < 0 or source[close - 1].isspace():
            self._text("$")
            return at + 1
        self.emit("math", source[at + 1 : close])
        return close + 1

    def _tag(self, at: int) -> int:
        found = _DIALECT_TAG.match(self.source, at, self.end)
        if found is None:
            raise Fallback  # other HTML, an autolink, or `<` as text (the renderer escapes it)
        self.emit("html", found.group())
        return found.end()

    def _link(self, at: int) -> int:
        """`[text](destination)`, as markdown-it's link rule reads it (no title, no spaces)."""
        source, end = self.source, self.end
        # Where the text ends: markdown-it skips whole tokens up to the end of the source.
        label_end = _Scope(source, at + 1, end, [], self.backticks).run(label=True, start=at + 1)
        pos = label_end + 1
        if pos >= end or source[pos] != "(":
            raise Fallback  # a reference link, or brackets as text
        href, pos = _destination(source, pos + 1, end)
        if pos >= end or source[pos] != ")":
            raise Fallback  # a title, spaces, or no `)`
        self.emit("link_open", href)
        inner = _Scope(source, at + 1, label_end, self.events, self.backticks)
        inner.run(label=False, start=at + 1)
        self.emit("link_close", "")
        return pos + 1


_PLAIN_DESTINATION = re.compile(r"[^ \x00-\x1f\x7f\\()<][^ \x00-\x1f\x7f\\()]*")


def _last_runs(source: str) -> dict[int, int]:
    """Each length of a backtick run -> where its last run starts (backticks._build_last_runs)."""
    last: dict[int, int] = {}
    pos = 0
    while (start := source.find("`", pos)) != -1:
        pos = start + 1
        while pos < len(source) and source[pos] == "`":
            pos += 1
        last[pos - start] = start
    return last


def _destination(source: str, pos: int, end: int) -> tuple[str, int]:
    """markdown-it's parseLinkDestination (raises Fallback where it fails)."""
    start = pos
    if pos < end and source[pos] == "<":
        pos += 1
        while pos < end:
            char = source[pos]
            if char == "\n" or char == "<":
                raise Fallback
            if char == ">":
                return unescapeAll(source[start + 1 : pos]), pos + 1
            pos += 2 if char == "\\" and pos + 1 < end else 1
        raise Fallback
    simple = _PLAIN_DESTINATION.match(source, pos, end)
    if simple is not None and simple.end() < end and source[simple.end()] == ")":
        # No space, control character, backslash or parenthesis before the `)`: the loop
        # below would stop right there.
        return unescapeAll(simple.group()), simple.end()
    level = 0
    while pos < end:
        char = source[pos]
        if char == " " or char < " " or char == "\x7f":
            break
        if char == "\\" and pos + 1 < end:
            if source[pos + 1] == " ":
                break
            pos += 2
            continue
        if char == "(":
            level += 1
            if level > 32:
                raise Fallback
        elif char == ")":
            if level == 0:
                break
            level -= 1
        pos += 1
    if start == pos or level:
        raise Fallback
    return unescapeAll(source[start:pos]), pos
