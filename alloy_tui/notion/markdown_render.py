"""Blocks -> Markdown (this package's dialect, see markdown.py): inline rich text, then blocks."""

from __future__ import annotations

import json
import operator
import re
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final

from markdown_it.common.utils import isWhiteSpace

from alloy_tui.notion.ids import compact_id, is_notion_id
from alloy_tui.notion.markdown_canonical import (
    _LIST_TYPES,
    _OBJECT_ICONS,
    _PLAIN_LANGUAGE,
    CHILD_OBJECT_TYPES,
    MENTION_SCHEME,
    NOTION_URL,
    REFERENCE,
    Block,
    _annotations,
    _body,
    _children,
    _mention_target,
    blocks_for_rendering,
    canonical_item,
)
from alloy_tui.notion.markdown_syntax import _is_punct
from alloy_tui.notion.richtext import (
    DEFAULT_ANNOTATIONS,
    MAX_TEXT_UTF16,
    plain_text,
    split_utf16,
)

Renderer = Callable[[Block, "Context"], list[str]]


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


class Context:
    """Rendering state that spans blocks: the number of a numbered list item."""

    def __init__(self) -> None:
        self.number = 0


# =========================================================================== inline rendering


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


def _link_destination(url: str) -> str:
    """A link's URL as a Markdown link destination."""
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


def _fall_back_to_html(rendered: list[str], marked: Marked, prev: str, nxt: str) -> None:
    """Rewrite with HTML tags the runs whose Markdown markers would not parse back next to
    their neighbours; each pass only switches runs to HTML, so this ends after at most
    len(marked) passes."""
    end = len(rendered) - 3  # the opening of the last run, if it has one
    fits = _FITS
    while marked:
        kept = []
        for entry in marked:
            index, outer_open, outer_close, style = entry
            core = rendered[index + 1]
            before = outer_open[-1] if outer_open else rendered[index - 1][-1] if index else prev
            after = (
                outer_close[0] if outer_close else rendered[index + 3][0] if index < end else nxt
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


def _render_items(items: Sequence[Mapping[str, Any]], prev: str = " ", nxt: str = " ") -> str:
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
        _fall_back_to_html(rendered, marked, prev, nxt)
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


# =========================================================================== block rendering


def _indent(lines: list[str], prefix: str) -> list[str]:
    return [prefix + line if line else "" for line in lines]


def _quoted(lines: list[str]) -> list[str]:
    return [f"> {line}" if line else ">" for line in lines]


def _text_of(block: Block) -> str:
    body = _body(block)
    return _inline(body.get("rich_text") or [], str(body.get("color", "default")))


def _container(marker: str, head: str, block: Block) -> list[str]:
    first = f"[!{marker}] {head}" if head else f"[!{marker}]"
    lines = first.split("\n")
    children = _children(block)
    if children:
        lines += ["", *blocks_to_lines(children)]
    return _quoted(lines)


def render_paragraph(block: Block, ctx: Context) -> list[str]:
    text = _text_of(block)
    if _children(block):
        return _container("paragraph", text, block)
    if not text:
        return ["<br>"]
    if text.startswith("{color="):
        return [f"<br> {text}"]
    return text.split("\n")


def _heading(level: int) -> Renderer:
    def render(block: Block, ctx: Context) -> list[str]:
        body = _body(block)
        text = _render_items(body.get("rich_text") or []).replace("\n", "&#10;")
        trailing = re.search(r"#+$", text)
        if trailing:
            text = text[: trailing.start()] + "\\" + text[trailing.start() :]
        color = str(body.get("color", "default"))
        if color != "default":
            text = f"{text} {{color={color}}}"
        line = f"{'#' * level} {text}".rstrip()
        if body.get("is_toggleable"):
            return _container("toggle", line, block)
        return [line]

    render.__name__ = f"render_heading_{level}"
    return render


def _list_item(marker: str, block: Block, text: str) -> list[str]:
    children = _children(block)
    pad = " " * len(marker)
    if not text:
        if not children:
            return [marker.rstrip()]
        # An empty first line would make the first child the item's text.
        return [marker + "<br>", "", *_indent(blocks_to_lines(children), pad)]
    if "\n" in text:
        lines = text.split("\n")
        out = [marker + lines[0], *(pad + line for line in lines[1:])]
    else:
        out = [marker + text]
    return out + _nested(children, pad) if children else out


def _nested(children: list[Block], pad: str) -> list[str]:
    """A list item's children, indented; a blank line first unless they start a sublist
    (anything else right below the text would continue the item's paragraph)."""
    if not children:
        return []
    lines = _indent(blocks_to_lines(children), pad)
    first = children[0]
    sublist = first.get("type") in _LIST_TYPES and _has_text(_body(first).get("rich_text"))
    return lines if sublist else ["", *lines]


def render_bulleted_list_item(block: Block, ctx: Context) -> list[str]:
    return _list_item("- ", block, _text_of(block))


def render_numbered_list_item(block: Block, ctx: Context) -> list[str]:
    ctx.number += 1
    return _list_item(f"{ctx.number}. ", block, _text_of(block))


def render_to_do(block: Block, ctx: Context) -> list[str]:
    box = "[x]" if _body(block).get("checked") else "[ ]"
    text = _text_of(block)
    lines = f"{box} {text}".rstrip(" ").split("\n")
    out = ["- " + lines[0], *("  " + line for line in lines[1:])]
    return out + _nested(_children(block), "  ")


def render_quote(block: Block, ctx: Context) -> list[str]:
    text = _text_of(block)
    if not text and _children(block):
        return _container("quote", "", block)
    lines = text.split("\n") if text else []
    children = _children(block)
    if children:
        lines += ["", *blocks_to_lines(children)]
    return _quoted(lines) or [">"]


def render_callout(block: Block, ctx: Context) -> list[str]:
    icon = _body(block).get("icon")
    marker = "callout"
    if isinstance(icon, Mapping):
        if icon.get("type") == "emoji":
            marker = f"callout {icon['emoji']}"
        elif icon.get("type") == "external":
            marker = f"callout {icon['external']['url']}"
    return _container(marker, _text_of(block), block)


def render_toggle(block: Block, ctx: Context) -> list[str]:
    text = _text_of(block)
    if text.startswith("#"):
        text = "\\" + text  # '#' right after the marker would mean a toggleable heading
    return _container("toggle", text, block)


def render_code(block: Block, ctx: Context) -> list[str]:
    body = _body(block)
    code = plain_text(body.get("rich_text"))
    language = str(body.get("language") or _PLAIN_LANGUAGE)
    info = "text" if language == _PLAIN_LANGUAGE else language
    caption = plain_text(body.get("caption"))
    if caption:
        info += " {caption=" + json.dumps(caption, ensure_ascii=False) + "}"
    marker = "~" if "`" in info else "`"
    longest = max((len(run) for run in re.findall(re.escape(marker) + "{3,}", code)), default=2)
    fence = marker * (longest + 1)
    return [f"{fence}{info}", *code.split("\n"), fence]


def render_divider(block: Block, ctx: Context) -> list[str]:
    return ["---"]


def render_equation(block: Block, ctx: Context) -> list[str]:
    return ["$$", *str(_body(block).get("expression", "")).split("\n"), "$$"]


def _object_link(block: Block, icon: str) -> list[str]:
    title = _escape_text(str(_body(block).get("title") or "Untitled").replace("\n", " "))
    block_id = str(block.get("id") or "")
    if is_notion_id(block_id):
        return [f"{icon} [{title}]({NOTION_URL}{compact_id(block_id)})"]
    return [_placeholder(str(block.get("type")), title, None)]


def render_child_page(block: Block, ctx: Context) -> list[str]:
    return _object_link(block, _OBJECT_ICONS["child_page"])


def render_child_database(block: Block, ctx: Context) -> list[str]:
    return _object_link(block, _OBJECT_ICONS["child_database"])


def _placeholder(kind: str, info: str, block_id: str | None) -> str:
    text = f"⟦{kind}: {info}" if info else f"⟦{kind}"
    if block_id:
        text += f" · {compact_id(block_id)}"
    return text + "⟧"


def render_reference(block: Block, ctx: Context) -> list[str]:
    """Any block Markdown cannot hold: a protected placeholder line naming its id."""
    kind = str(block.get("type") or "unsupported")
    info = str(block.get("info") or "")
    ident = block.get("id")
    return [_placeholder(kind, info, ident if isinstance(ident, str) else None)]


BLOCK_RENDERERS: dict[str, Renderer] = {
    "paragraph": render_paragraph,
    "heading_1": _heading(1),
    "heading_2": _heading(2),
    "heading_3": _heading(3),
    "bulleted_list_item": render_bulleted_list_item,
    "numbered_list_item": render_numbered_list_item,
    "to_do": render_to_do,
    "quote": render_quote,
    "callout": render_callout,
    "toggle": render_toggle,
    "code": render_code,
    "divider": render_divider,
    "equation": render_equation,
    "child_page": render_child_page,
    "child_database": render_child_database,
}
"""Block type -> renderer (for canonical blocks); anything else is a placeholder line."""


def render_block(block: Block, ctx: Context | None = None) -> list[str]:
    """One canonical block (with its nested children) as Markdown lines."""
    renderer = BLOCK_RENDERERS.get(str(block.get("type", "")), render_reference)
    if block.get(REFERENCE) and block.get("type") not in CHILD_OBJECT_TYPES:
        renderer = render_reference
    return renderer(block, ctx or Context())


def blocks_to_lines(blocks: Sequence[Block]) -> list[str]:
    """Canonical blocks as Markdown lines: a blank line between blocks, lists kept tight."""
    lines: list[str] = []
    ctx = Context()
    previous: str | None = None
    renderers = BLOCK_RENDERERS
    for block in blocks:
        kind = str(block.get("type", ""))
        if kind != "numbered_list_item":
            ctx.number = 0
        if previous is not None and not (kind in _LIST_TYPES and previous == kind):
            lines.append("")
        renderer = renderers.get(kind, render_reference)
        if block.get(REFERENCE) and kind not in CHILD_OBJECT_TYPES:
            renderer = render_reference
        lines.extend(renderer(block, ctx))  # render_block, inlined
        previous = kind
    return lines


def blocks_to_markdown(blocks: Sequence[Block]) -> str:
    """A page's blocks as one Markdown document (ends with a newline; '' for no blocks)."""
    lines = blocks_to_lines(blocks_for_rendering(blocks))
    if not lines:
        return ""
    return "\n".join(lines).rstrip("\n") + "\n"
