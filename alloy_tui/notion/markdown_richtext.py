"""Rich text -> inline Markdown (this package's dialect, see markdown.py): each run's markers,
escapes, links, code spans, mentions and equations, and the HTML tags where markers would not
parse back. Two writers: `_render_items` takes rich text in any form and returns its Markdown;
`write_deferred` appends a block's text to the document being written, leaving the escaping of
its prose and the check of its markers to `finish_deferred`, once for the whole document."""

from __future__ import annotations

import operator
import re
from collections.abc import Mapping, Sequence
from typing import Any, Final

from markdown_it.common.utils import isWhiteSpace

from alloy_tui.notion.ids import compact_id
from alloy_tui.notion.markdown_canonical import (
    _COLOR_SET,
    MENTION_SCHEME,
    _annotations,
    _mention_target,
    canonical_item,
)
from alloy_tui.notion.markdown_syntax import _is_punct
from alloy_tui.notion.richtext import (
    COLORS,
    DEFAULT_ANNOTATIONS,
    MAX_TEXT_UTF16,
    split_utf16,
)

_STYLE_MARKS: Final = ("bold", "italic", "strikethrough")

# Reserved starts of a paragraph: written as character references when they are text.
_RESERVED_STARTS: Final = ("⟦", "📄", "🗃")
_ESCAPES: Final = tuple((ch, "\\" + ch) for ch in "\\`*_[]~<>|$")
"""The characters that would start inline syntax, each with its escape (the backslash first)."""
_NEEDS_ESCAPE = re.compile(r"[\\`*_\[\]~<>|$&{]")
"""Text without these (nor whitespace at a line's edge) is written as it is."""
_AMP_ENTITY = re.compile(r"&(?=#?[0-9A-Za-z]+;)")
_COLOR_ATTR_TEXT = re.compile(r"\{(?=color=)")
_LINE_START = re.compile(r"^([#>+\-=])|^(\d+)([.)])")
_LINE_START_CHARS: Final = frozenset("#>+-=0123456789")
_HTML_OPEN: Final = {"bold": "<b>", "italic": "<i>", "strikethrough": "<s>"}
_HTML_CLOSE: Final = {"bold": "</b>", "italic": "</i>", "strikethrough": "</s>"}


def _backslashed(found: re.Match[str]) -> str:
    """A backslash before the match (a function: faster than the template r"\\\1")."""
    return "\\" + found.group()


def escape(text: str) -> str:
    """Escape the characters that would start Markdown inline syntax."""
    # One str.replace per character present (the backslash first, so the backslashes added
    # are not escaped again): the same text as a regex substitution, without a call per match.
    for special, escaped in _ESCAPES:
        if special in text:
            text = text.replace(special, escaped)
    return text


def _escape_text(text: str) -> str:
    out = escape(text)
    if "&" in out:
        out = _AMP_ENTITY.sub(r"\\&", out)
    if "{" in out:
        out = _COLOR_ATTR_TEXT.sub(r"\\{", out)
    return out


def _ref(ch: str) -> str:
    return f"&#{ord(ch)};"


def _encode_lines(
    text: str, *, lead: bool = True, trail: bool = True, single_line: bool = False
) -> str:
    """Escaped text whose line breaks and edge whitespace survive Markdown's paragraph rules.

    `lead` / `trail`: the text starts / ends a line of the block, where Markdown drops spaces.
    """
    if single_line:
        return _encode_line(text, lead, trail).replace("\n", "&#10;")
    lines = text.split("\n")
    out: list[str] = []
    last = len(lines) - 1
    for index, line in enumerate(lines):
        if index:
            # A literal line break only between two non-empty lines; otherwise a reference.
            literal = bool(lines[index - 1]) and bool(line)
            out.append("\n" if literal else "&#10;")
        out.append(_encode_line(line, lead or index > 0, trail or index < last))
    return "".join(out)


def _encode_line(line: str, lead: bool = True, trail: bool = True) -> str:
    if not line:
        return ""
    if not (lead and line[0].isspace()) and not (trail and line[-1].isspace()):
        return _escape_text(line)  # no edge whitespace to keep (most text)
    start = 0
    if lead:
        while start < len(line) and line[start].isspace():
            start += 1
    end = len(line)
    if trail:
        while end > start and line[end - 1].isspace():
            end -= 1
    escaped = _escape_text(line[start:end])
    return "".join(map(_ref, line[:start])) + escaped + "".join(map(_ref, line[end:]))


def _code_span(text: str) -> str | None:
    if "\n" in text:
        return None
    longest = max(map(len, _BACKTICKS.findall(text)), default=0) if "`" in text else 0
    fence = "`" * (longest + 1)
    pad = ""
    edge_tick = text.startswith("`") or text.endswith("`")
    if edge_tick or (text.startswith(" ") and text.endswith(" ") and text.strip(" ")):
        pad = " "
    return f"{fence}{pad}{text}{pad}{fence}"


_BACKTICKS = re.compile("`+")
_URL_BRACKETED = re.compile(r"[\s\x00-\x1f]")
"""A URL with whitespace (str.isspace) or a control character goes in angle brackets."""
_URL_SPECIAL = re.compile(r"([\\()<>&])")
_URL_SPECIAL_BRACKETED = re.compile(r"([\\<>&])")
_URL_WRITTEN = re.compile(r"[\s\x00-\x1f\\()<>&]")
"""What makes a URL more than itself as a link destination."""


def _link_destination(url: str) -> str:
    """A link's URL as a Markdown link destination."""
    if not _URL_WRITTEN.search(url):
        return url  # most URLs: nothing to escape
    if _URL_BRACKETED.search(url):
        return "<" + _URL_SPECIAL_BRACKETED.sub(_backslashed, url) + ">"
    return _URL_SPECIAL.sub(_backslashed, url)


def _opens(prev: str, nxt: str) -> bool:
    """CommonMark left-flanking for '*' / '~~' runs (both may split words)."""
    if isWhiteSpace(ord(nxt)):
        return False
    return not _is_punct(nxt) or isWhiteSpace(ord(prev)) or _is_punct(prev)


def _closes(prev: str, nxt: str) -> bool:
    if isWhiteSpace(ord(prev)):
        return False
    return not _is_punct(prev) or isWhiteSpace(ord(nxt)) or _is_punct(nxt)


class _Style:
    """How one set of annotations is written: Markdown markers (`~~`, `**`, `*`), the HTML tags
    that replace them where they would not parse back, and the tags for underline and colour
    around them. One per distinct annotations (cached): most text shares a handful."""

    __slots__ = ("close", "closers", "code", "html_close", "html_open", "notes", "open", "openers",
                 "outer_close", "outer_open", "prose", "runs")  # fmt: skip

    def __init__(self, notes: Mapping[str, Any]) -> None:
        self.notes = tuple(notes.values())
        self.code = bool(notes["code"])
        runs: list[str] = []
        if notes["strikethrough"]:
            runs.append("~~")
        emphasis = ("**" if notes["bold"] else "") + ("*" if notes["italic"] else "")
        if emphasis:
            runs.append(emphasis)
        self.runs = tuple(runs)
        self.openers = "".join(runs)
        self.closers = "".join(reversed(runs))
        marks = [m for m in _STYLE_MARKS if notes[m]]
        self.html_open = "".join(_HTML_OPEN[m] for m in marks)
        self.html_close = "".join(_HTML_CLOSE[m] for m in reversed(marks))
        outer_open, outer_close = "", ""
        if notes["underline"]:
            outer_open, outer_close = "<u>", "</u>"
        if notes["color"] != "default":
            outer_open = f'<span data-color="{notes["color"]}">' + outer_open
            outer_close = outer_close + "</span>"
        self.outer_open, self.outer_close = outer_open, outer_close
        self.open = outer_open + self.openers  # all that goes before text with no link
        self.close = self.closers + outer_close
        self.prose = not self.code


_SPLIT_AT: Final = MAX_TEXT_UTF16 // 2
"""Text up to this long is never split (at most 2 UTF-16 units a character)."""

_NOTE_STYLES: dict[tuple[Any, ...], _Style] = {}
"""Annotations as given (their values, by _NOTE_KEY) -> the _Style of their canonical form."""
_NOTE_KEY = operator.itemgetter(*DEFAULT_ANNOTATIONS)
"""The values of annotations in canonical order (KeyError when one is missing)."""
_STYLES: dict[tuple[Any, ...], _Style] = {}
"""Canonical annotations (as a tuple) -> their _Style: one each, so equal annotations have the
same _Style (`is` compares them)."""


def _note_style(raw: Any) -> _Style:
    key = None
    if isinstance(raw, Mapping):
        try:
            key = _NOTE_KEY(raw)
            found = _NOTE_STYLES.get(key)
        except (KeyError, TypeError):  # a missing annotation, an unhashable value: not cached
            key = found = None
        if found is not None:
            return found
    notes = _annotations(raw)
    style = _STYLES.get(tuple(notes.values()))
    if style is None:
        style = _Style(notes)
        _STYLES[style.notes] = style  # at most 2**5 * 19 of them
    if key is not None and len(_NOTE_STYLES) < 4096:
        _NOTE_STYLES[key] = style
    return style


_PLAIN: Final = _note_style(DEFAULT_ANNOTATIONS)


def _core(item: Mapping[str, Any]) -> str:
    """An equation or a mention (canonical) as Markdown, without emphasis markers or tags."""
    if item["type"] == "equation":
        return "$" + str(item["equation"]["expression"]) + "$"
    return _mention(item["plain_text"], item["mention"])


def _mention(shown: str, mention: Mapping[str, Any]) -> str:
    """A mention (its target in the canonical form): the whole link is the core, so markers
    sit outside it like around any text."""
    kind = mention["type"]
    if kind == "date":
        date = mention["date"]
        target = f"date/{date['start']}" + (f"/{date['end']}" if date.get("end") else "")
    else:
        target = f"{kind}/{compact_id(mention[kind]['id'])}"
    shown = _escape_text(shown).replace("\n", "&#10;")
    return f"[{shown}]({_link_destination(MENTION_SCHEME + target)})"


def _given_core(raw: Any) -> str | None:
    """_core(canonical_item(raw)) for a mention or an equation in the response form, without
    building the canonical item; None for anything else (then canonical_item decides)."""
    try:
        kind = raw["type"]
        if kind == "mention":
            shown = raw["plain_text"]
            target = _mention_target(raw["mention"])
            if type(shown) is str and shown and target is not None:
                return _mention(shown, target)
        elif kind == "equation":
            expression = raw["equation"]["expression"]
            if type(expression) is str and expression.strip():
                return "$" + expression.strip() + "$"
    except (KeyError, TypeError, AttributeError):
        pass
    return None


def _has_text(items: Sequence[Mapping[str, Any]] | None) -> bool:
    """Whether rich text in any form keeps some text in the canonical form."""
    for item in items or ():
        text = item.get("text") if item.get("type") == "text" else None
        content = text.get("content") if type(text) is dict else None
        if type(content) is str:  # canonical_item keeps it unless it is ""
            if content:
                return True
        elif canonical_item(item) is not None:
            return True
    return False


_FITS: dict[tuple[tuple[str, ...], str, str, str, str], bool] = {}


def _markers_fit(runs: tuple[str, ...], prev: str, first: str, last: str, nxt: str) -> bool:
    """Whether marker runs around text from `first` to `last`, between the characters `prev`
    and `nxt`, parse back as that emphasis (CommonMark flanking rules; cached)."""
    key = (runs, prev, first, last, nxt)
    fits = _FITS.get(key)
    if fits is None:
        fits = _fits(runs, prev, first, last, nxt)
        if len(_FITS) < 65536:
            _FITS[key] = fits
    return fits


def _fits(runs: tuple[str, ...], prev: str, first: str, last: str, nxt: str) -> bool:
    for index, run in enumerate(runs):
        before = prev if index == 0 else runs[index - 1][-1]
        after = runs[index + 1][0] if index + 1 < len(runs) else first
        if not _opens(before, after) or before == run[0]:
            return False
    closers = runs[::-1]
    for index, run in enumerate(closers):
        before = last if index == 0 else closers[index - 1][-1]
        after = closers[index + 1][0] if index + 1 < len(closers) else nxt
        if not _closes(before, after) or after == run[-1]:
            return False
    return True


Marked = list[tuple[int, str, str, _Style]]
"""The runs written with Markdown markers: where their opening is in the rendered pieces (their
text and closing follow), what goes outside the markers (tags, a link's brackets), the style."""


def _fall_back_to_html(
    rendered: list[str], marked: Marked, lo: int = 0, hi: int | None = None
) -> None:
    """Rewrite with HTML tags the runs whose Markdown markers would not parse back next to
    their neighbours (the pieces of one text are rendered[lo:hi]; a space around it); each
    pass only switches runs to HTML, so this ends after at most len(marked) passes."""
    end = (len(rendered) if hi is None else hi) - 3  # the opening of the last run, if it has one
    fits = _FITS
    while marked:
        kept = []
        for entry in marked:
            index, outer_open, outer_close, style = entry
            core = rendered[index + 1]
            before = (
                outer_open[-1] if outer_open else rendered[index - 1][-1] if index > lo else " "
            )
            after = (
                outer_close[0] if outer_close else rendered[index + 3][0] if index < end else " "
            )
            key = (style.runs, before, core[0], core[-1], after)
            fit = fits.get(key)
            if fit is None:
                fit = _markers_fit(*key)
            if fit:
                kept.append(entry)
            else:
                rendered[index] = outer_open + style.html_open
                rendered[index + 2] = style.html_close + outer_close
        if len(kept) == len(marked):
            break
        marked = kept


_END: Final = {"type": None}
"""Put after the last item: the text run before it is written as the last."""


def _render_items(items: Sequence[Mapping[str, Any]]) -> str:
    """Rich text (any form) as inline Markdown: each run's markers, or HTML tags where the
    markers would not parse back next to its neighbours.

    One pass: items are brought to the canonical form (the joins canonical_rich_text makes) as
    they are written; a text run is written once the next item shows it does not continue."""
    rendered: list[str] = []  # the pieces: a run's opening, text and closing (never "")
    marked: Marked = []
    prose: list[int] = []  # where text is that is escaped at the end, all at once
    cache, note_key = _NOTE_STYLES, _NOTE_KEY
    plain_notes, plain = DEFAULT_ANNOTATIONS, _PLAIN
    text: str | None = None  # the text run not written yet, its link and style
    text_url: str | None = None
    text_style: Any = None
    for raw in [*items, _END] if items else ():
        content: Any = None
        url: Any = None
        core: str | None = None  # a mention or an equation, as Markdown
        try:
            # The response form (and markdown_to_blocks's): every key there. Any other
            # shape, or a link to normalise, is brought to the canonical form the long way.
            if raw["type"] == "text":
                given = raw["text"]
                content = given["content"]
                link = given["link"]
                notes = raw["annotations"]
                if link is not None:
                    url = link["url"] or None if type(link) is dict else ""
                    if url is not None and (type(url) is not str or url[:1] in "/"):
                        content = None  # "": not a dict; "/...": a Notion path
        except (KeyError, TypeError):
            content = url = None
        if type(content) is str and "\r" not in content and "\x00" not in content:
            if not content:
                continue
            if notes == plain_notes:  # the same values: the same canonical annotations
                style = plain
            else:
                try:
                    style = cache[note_key(notes)]
                except (KeyError, TypeError):
                    style = _note_style(notes)
        elif raw is not _END:
            core = _given_core(raw)
            if core is not None:
                style = _note_style(raw.get("annotations"))
            else:
                item = canonical_item(raw)
                if item is None:
                    continue
                style = _note_style(item["annotations"])
                if item["type"] == "text":
                    content = item["text"]["content"]
                    link = item["text"]["link"]
                    url = link["url"] if link else None
                else:
                    core = _core(item)
        if text is not None:
            if content is not None and url == text_url and style is text_style:
                text += content
                continue
            # The run before is complete. Written here in the common case, its text escaped
            # later with the others: text that is not code, one short line (never split), with
            # no whitespace to keep at the edges of the block's text (at its start, or at its
            # end after the last item).
            if (
                text_style.prose
                and "\n" not in text
                and len(text) <= _SPLIT_AT
                and (rendered or not text[0].isspace())
                and (raw is not _END or not text[-1].isspace())
            ):
                if text_url is not None:
                    outer_open = text_style.outer_open + "["
                    outer_close = "](" + _link_destination(text_url) + ")" + text_style.outer_close
                    if text_style.runs:
                        marked.append((len(rendered), outer_open, outer_close, text_style))
                    rendered.append(outer_open + text_style.openers)
                    prose.append(len(rendered))
                    rendered += (text, text_style.closers + outer_close)
                elif text_style is plain:
                    prose.append(len(rendered))
                    rendered.append(text)
                else:
                    if text_style.runs:
                        marked.append((len(rendered), text_style.outer_open,
                                       text_style.outer_close, text_style))  # fmt: skip
                    rendered.append(text_style.open)
                    prose.append(len(rendered))
                    rendered += (text, text_style.close)
            else:
                _write_text(rendered, marked, text, text_url, text_style, raw is _END)
            text = None
        if content is not None:
            text, text_url, text_style = content, url, style
        elif core is not None:
            _write(rendered, marked, core, style.outer_open, style.outer_close, style)
    if prose:
        # One escape over the texts joined by NUL (which no text holds, and which no escape
        # reaches across): the same as escaping each, with no search per run.
        joined = "\x00".join([rendered[at] for at in prose])
        escaped = _escape_text(joined)  # a `str in` test per character: no regex search
        if escaped is not joined:
            for at, piece in zip(prose, escaped.split("\x00"), strict=True):
                rendered[at] = piece
    if marked:
        _fall_back_to_html(rendered, marked)
    return "".join(rendered)


def _write_text(
    rendered: list[str],
    marked: Marked,
    content: str,
    url: str | None,
    style: _Style,
    last: bool,
) -> None:
    """Write a text run; one longer than Notion's limit as the pieces canonical_rich_text
    splits it into, each written as a run of its own."""
    if len(content) > _SPLIT_AT:
        pieces = split_utf16(content)
        if len(pieces) > 1:
            for piece in pieces[:-1]:
                _write_text(rendered, marked, piece, url, style, False)
            _write_text(rendered, marked, pieces[-1], url, style, last)
            return
    first = not rendered
    if style.code:
        span = _code_span(content)
        core = span or "<code>" + _encode_lines(content, single_line=True) + "</code>"
    elif "\n" in content:
        core = _encode_lines(content, lead=first, trail=last)
    elif (
        _NEEDS_ESCAPE.search(content)
        or (first and content[0].isspace())
        or (last and content[-1].isspace())
    ):
        core = _encode_line(content, first, last)
    else:
        core = content  # nothing to escape (most text)
    if url is None:
        _write(rendered, marked, core, style.outer_open, style.outer_close, style)
    else:
        _write_link(rendered, marked, core, url, style)


def _write_link(
    rendered: list[str],
    marked: Marked,
    core: str,
    url: str,
    style: _Style,
) -> None:
    """Markers go inside the brackets; underline and color around the link."""
    outer_close = "](" + _link_destination(url) + ")" + style.outer_close
    _write(rendered, marked, core, style.outer_open + "[", outer_close, style)


def _write(
    rendered: list[str], marked: Marked, core: str, outer_open: str, outer_close: str,
    style: _Style,
) -> None:  # fmt: skip
    if style.runs:
        marked.append((len(rendered), outer_open, outer_close, style))
        rendered += (outer_open + style.openers, core, style.closers + outer_close)
    elif outer_open:
        rendered += (outer_open, core, outer_close)
    else:
        rendered.append(core)


def _escape_line_starts(text: str) -> str:
    """Escape a leading '#', '>', '-', '1.' ... so a paragraph line stays paragraph text."""
    if "\n" not in text:
        if text[:1] not in _LINE_START_CHARS:
            return text
        return _LINE_START.sub(_line_start_escape, text, count=1)
    return "\n".join(
        _LINE_START.sub(_line_start_escape, line, count=1) for line in text.split("\n")
    )


def _line_start_escape(match: re.Match[str]) -> str:
    if match.group(1):
        return "\\" + match.group(1)
    return match.group(2) + "\\" + match.group(3)


def rich_text_to_markdown(items: Sequence[Mapping[str, Any]] | None) -> str:
    """Rich text items (request or response form) as inline Markdown."""
    return _render_items(items or [])


def _inline(items: Sequence[Mapping[str, Any]], color: str = "default") -> str:
    """A block's text as the inline source of its first Markdown paragraph."""
    text = _escape_line_starts(_render_items(items))
    if text.startswith(_RESERVED_STARTS):
        text = _ref(text[0]) + text[1:]
    if "\n" in text and any(start in text for start in _RESERVED_STARTS):
        # A placeholder line is a block of its own wherever it starts a line (not only the
        # paragraph's first): text that looks like one stays text.
        text = "\n".join(
            _ref(line[0]) + line[1:] if line.startswith(_RESERVED_STARTS) else line
            for line in text.split("\n")
        )
    if color != "default":
        text = f"{text} {{color={color}}}" if text else f"{{color={color}}}"
    return text


def _heading_text(items: Sequence[Mapping[str, Any]], color: str) -> str:
    """A heading's text as the inline source after its `#` marker."""
    text = _render_items(items).replace("\n", "&#10;")
    trailing = _TRAILING_HASHES.search(text)
    if trailing:
        text = text[: trailing.start()] + "\\" + text[trailing.start() :]
    return text + _COLOR_SUFFIX[color]


_TRAILING_HASHES = re.compile(r"#+$")
_COLOR_SUFFIX: Final = {
    color: f" {{color={color}}}" if color != "default" else "" for color in COLORS
}
"""A block's color as the suffix of its first line (valid colors only; none for the default)."""


# =========================================================================== deferred writing


class _Slow(Exception):
    """Rich text the deferred writer leaves to _render_items (an odd shape, a line break...)."""


_RISKY_STARTS: Final = _LINE_START_CHARS | frozenset(_RESERVED_STARTS)


def _starts_a_block(text: str) -> bool:
    """Whether text at the start of a line would start a block (or a placeholder): _inline
    escapes it. (Digits only when a `.` or `)` follows them: `1.`, not `2 * 3`.)"""
    first = text[0]
    return first in _RISKY_STARTS and (first not in _DIGITS or bool(_LINE_START.match(text)))


_DIGITS: Final = frozenset("0123456789")
_HEX: Final = "0123456789abcdef"


class Deferred:
    """A document being written as pieces: `out` (joined at the end), where in it the prose is
    that is escaped all at once (`prose_at`), and each block's runs with Markdown markers, whose
    fit is checked once the prose is escaped (their text's first character may become `\\`).
    With `defer` off every text is written as _inline gives it (a document is written again that
    way when deferring cannot give the canonical text)."""

    __slots__ = ("defer", "marked", "out", "prose_at")

    def __init__(self, defer: bool = True) -> None:
        self.out: list[str] = []
        self.prose_at: list[int] = []
        self.marked: list[tuple[int, int, Marked]] = []
        self.defer = defer

    def text(self, body: Mapping[str, Any], start: str, heading: bool = False) -> str | None:
        """Write `start` and the text of a block (its body: rich text and color, any form) as
        one line: None. Or, when the text is empty or cannot be written here (a line break, a
        long text, edge whitespace, a character a line cannot start with, an odd shape), write
        nothing and return what _inline (or _heading_text) gives, for the caller to write."""
        items = body.get("rich_text")
        if type(items) is not list:
            items = list(items or ())
        color = body.get("color", "default")
        if color not in _COLOR_SET:
            color = "default"
        if self.defer:
            out, prose_at = self.out, self.prose_at
            out.append(start)
            lo = len(out)
            prose_from = len(prose_at)
            try:
                marked = _write_deferred(items, out, prose_at)
                if len(out) == lo:
                    raise _Slow
                if len(prose_at) > prose_from:
                    if heading:
                        # A trailing run of '#' would close the heading: _heading_text escapes.
                        if prose_at[-1] == len(out) - 1 and out[-1][-1] == "#":
                            raise _Slow
                    elif prose_at[prose_from] == lo and _starts_a_block(out[lo]):
                        raise _Slow  # _inline escapes it
            except (_Slow, KeyError, TypeError, AttributeError, IndexError):
                del out[lo - 1 :]
                del prose_at[prose_from:]
            else:
                if marked:
                    self.marked.append((lo, len(out), marked))
                if color != "default":
                    out.append(_COLOR_SUFFIX[color])
                return None
        return _heading_text(items, color) if heading else _inline(items, color)

    def finish(self) -> str | None:
        """The document; None when a prose text holds a CR or NUL (the canonical form changes
        those: the caller writes the document again without deferring)."""
        out, prose_at = self.out, self.prose_at
        if prose_at:
            # One escape over the texts joined by NUL (which no escape reaches across): the
            # same as escaping each.
            joined = "\x00".join(map(out.__getitem__, prose_at))
            if "\r" in joined:
                return None
            pieces = _escape_document(joined).split("\x00")
            if len(pieces) != len(prose_at):
                return None  # a text holds a NUL
            for at, piece in zip(prose_at, pieces, strict=True):
                out[at] = piece
        fits = _FITS
        for lo, hi, marked in self.marked:
            end = hi - 3  # the opening of the text's last run, if it has one
            for index, outer_open, outer_close, style in marked:
                core = out[index + 1]
                key = (
                    style.runs,
                    outer_open[-1] if outer_open else out[index - 1][-1] if index > lo else " ",
                    core[0],
                    core[-1],
                    outer_close[0] if outer_close else out[index + 3][0] if index < end else " ",
                )
                if not (fits.get(key) or _markers_fit(*key)):
                    _fall_back_to_html(out, marked, lo, hi)  # passes until nothing changes
                    break
        return "".join(out)


_BYTE_ESCAPES: Final = tuple((ch.encode(), escaped.encode()) for ch, escaped in _ESCAPES)
_AMP_ENTITY_BYTES = re.compile(_AMP_ENTITY.pattern.encode())
_COLOR_ATTR_BYTES = re.compile(_COLOR_ATTR_TEXT.pattern.encode())


def _escape_document(text: str) -> str:
    """_escape_text for a long text, done on its UTF-8 bytes: bytes.replace is about twice as
    fast as str.replace there, and in UTF-8 no byte of a longer character is an ASCII one."""
    data = text.encode("utf-8", "surrogatepass")
    for special, escaped in _BYTE_ESCAPES:
        if special in data:
            data = data.replace(special, escaped)
    if b"&" in data:
        data = _AMP_ENTITY_BYTES.sub(rb"\\&", data)
    if b"{" in data:
        data = _COLOR_ATTR_BYTES.sub(rb"\\{", data)
    return data.decode("utf-8", "surrogatepass")


def _write_deferred(items: Sequence[Any], out: list[str], prose_at: list[int]) -> Marked:
    """_render_items for rich text in the response form, writing into `out` (its prose not yet
    escaped, its marked runs returned); raises _Slow (or the error of a missing key, a wrong
    type) for what needs more (then the caller undoes what was written).

    Each text item is written when it comes; an item that continues the run before it (the
    same style and link) is added to that run's text, the last prose written."""
    lo = len(out)
    prose_from = len(prose_at)
    marked: Marked = []
    cache, note_key = _NOTE_STYLES, _NOTE_KEY
    plain_notes, plain = DEFAULT_ANNOTATIONS, _PLAIN
    last: Any = None  # the style of the run written last, if it is a text run; its link
    last_url: Any = None
    core_first = False  # whether the text starts with something else than a text run's text
    for raw in items:
        kind = raw["type"]
        if kind == "text":
            given = raw["text"]
            content = given["content"]
            link = given["link"]
            notes = raw["annotations"]
            if type(content) is not str:
                raise _Slow
            if link is None:
                url = None
            else:
                url = link["url"] or None
                if url is not None and (type(url) is not str or url[0] == "/"):
                    raise _Slow  # a Notion path: canonical_item makes it absolute
            if not content:
                continue
            if notes == plain_notes:  # the same values: the same canonical annotations
                style = plain
            else:
                try:
                    style = cache[note_key(notes)]
                except (KeyError, TypeError):
                    style = _note_style(notes)
            if "\n" in content:
                raise _Slow
            if style is last and url == last_url:
                if not style.prose:
                    raise _Slow  # a code span is written for its whole text
                at = prose_at[-1]
                content = out[at] + content
                if len(content) > _SPLIT_AT:
                    raise _Slow
                out[at] = content
                continue
            if len(content) > _SPLIT_AT:
                raise _Slow  # split into several runs
            last = style
            last_url = url
            if url is None:
                if style is plain:
                    prose_at.append(len(out))
                    out.append(content)
                    continue
                outer_open = style.outer_open
                outer_close = style.outer_close
            else:
                outer_open = style.outer_open + "["
                outer_close = "](" + _deferred_destination(url) + ")" + style.outer_close
            if style.prose:
                if style.runs:
                    marked.append((len(out), outer_open, outer_close, style))
                out.append(outer_open + style.openers)
                prose_at.append(len(out))
                out += (content, style.closers + outer_close)
            else:
                if "\r" in content or "\x00" in content:
                    raise _Slow
                core_first = core_first or len(out) == lo
                if "`" in content or (content[0] == " " and content[-1] == " "):
                    span = _code_span(content) or ""  # (it holds no line break: never None)
                else:
                    span = "`" + content + "`"
                _write(out, marked, span, outer_open, outer_close, style)
        else:
            core = _deferred_core(raw, kind)
            notes = raw.get("annotations")
            style = plain if notes == plain_notes else _note_style(notes)
            core_first = core_first or len(out) == lo
            _write(out, marked, core, style.outer_open, style.outer_close, style)
            last = None
    if len(prose_at) > prose_from:
        # Whitespace at the edges of the block's text is written as character references.
        at = prose_at[prose_from]
        if (at == lo or (at == lo + 1 and not core_first)) and out[at][0].isspace():
            raise _Slow
        if last is not None and last.prose and out[prose_at[-1]][-1].isspace():
            raise _Slow
    return marked


def _deferred_destination(url: str) -> str:
    if not _URL_WRITTEN.search(url):
        return url
    destination = _link_destination(url)
    if "\n" in destination:
        raise _Slow  # a line break inside angle brackets
    return destination


def _deferred_core(raw: Any, kind: Any) -> str:
    """_given_core on one line (a mention of a user, page or database by its id the short
    way); raises _Slow for anything _given_core leaves to canonical_item."""
    if kind == "mention":
        shown = raw["plain_text"]
        mention = raw["mention"]
        target: str = mention["type"]
        if target in _BY_ID and type(shown) is str and shown:
            ident = mention[target]["id"]
            compact = ident.strip().replace("-", "").lower() if type(ident) is str else ""
            if len(compact) == 32 and not compact.strip(_HEX):  # normalize_id's test
                escaped = _escape_text(shown)
                if "\n" in escaped:
                    escaped = escaped.replace("\n", "&#10;")
                return "[" + escaped + "](" + MENTION_SCHEME + target + "/" + compact + ")"
    elif kind != "equation":
        raise _Slow
    core = _given_core(raw)
    if core is None or "\n" in core:
        raise _Slow
    return core


_BY_ID: Final = frozenset({"user", "page", "database"})
