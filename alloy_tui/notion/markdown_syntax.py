"""markdown-it configured for the dialect: math, placeholder lines, rule guards."""

from __future__ import annotations

import re
from typing import Final

from markdown_it import MarkdownIt
from markdown_it.common.utils import isPunctChar
from markdown_it.parser_block import RuleFuncBlockType
from markdown_it.rules_block import StateBlock
from markdown_it.rules_inline import StateInline

from alloy_tui.notion.markdown_canonical import (
    _ESCAPABLE,
    NOTION_URL,
)

_PLACEHOLDER = re.compile(r"^⟦([a-z0-9_]+)(?:: ([^\n]*?))?(?: · ([0-9a-f]{32}))?⟧$")
_OBJECT_LINK = re.compile(r"^(📄|🗃) \[.*\]\(" + re.escape(NOTION_URL) + r"([0-9a-f]{32})\)$", re.S)


def _is_punct(ch: str) -> bool:
    """CommonMark punctuation (markdown-it's isMdAsciiPunct or isPunctChar), ASCII first."""
    return ch in _ESCAPABLE if ch < "\x80" else isPunctChar(ch)


def _math_inline(state: StateInline, silent: bool) -> bool:
    """`$expression$`: no whitespace just inside the dollars, closed on the same inline."""
    start = state.pos
    src = state.src
    if src[start] != "$" or start + 1 >= state.posMax:
        return False
    if src[start + 1] == "$" or src[start + 1].isspace():
        return False
    # The first '$' closes (an expression cannot hold one): a trailing backslash stays data.
    end = src.find("$", start + 1, state.posMax)
    if end < 0 or src[end - 1].isspace():
        return False
    if not silent:
        token = state.push("math_inline", "math", 0)
        token.content = src[start + 1 : end]
        token.markup = "$"
    state.pos = end + 1
    return True


def _math_block(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    """`$$` on a line of its own, the expression, `$$` on a line of its own."""
    begin = state.bMarks[start_line] + state.tShift[start_line]
    if state.src[begin : begin + 1] != "$" or state.is_code_block(start_line):
        return False
    if state.src[begin : state.eMarks[start_line]].rstrip() != "$$":
        return False
    if silent:
        return True
    line = start_line
    closed = False
    while True:
        line += 1
        if line >= end_line:
            break
        begin = state.bMarks[line] + state.tShift[line]
        end = state.eMarks[line]
        if begin < end and state.sCount[line] < state.blkIndent:
            break
        if state.src[begin:end].rstrip() == "$$" and not state.is_code_block(line):
            closed = True
            break
    content = state.getLines(start_line + 1, line, state.sCount[start_line], False)
    state.line = line + (1 if closed else 0)
    token = state.push("math_block", "math", 0)
    token.block = True
    token.content = content
    token.map = [start_line, state.line]
    token.markup = "$$"
    return True


def _reference_line(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
    """A placeholder or child page/database line is a block of its own, even with no blank line
    around it: a line typed right under (or above) one must not merge it into a paragraph, which
    would send the placeholder's text to Notion as new content."""
    begin = state.bMarks[start_line] + state.tShift[start_line]
    if state.src[begin : begin + 1] not in _REFERENCE_STARTS or state.is_code_block(start_line):
        return False
    line = state.src[begin : state.eMarks[start_line]].rstrip()
    if not (_PLACEHOLDER.match(line) or _OBJECT_LINK.match(line)):
        return False
    if silent:
        return True
    state.line = start_line + 1
    token = state.push("reference_line", "", 0)
    token.block = True
    token.content = line
    token.map = [start_line, state.line]
    return True


_REFERENCE_STARTS: Final = "⟦📄🗃"


def _identity(url: str) -> str:
    return url


def _always(url: str) -> bool:
    return True


_FIRST_CHARS: Final = {
    "fence": "~`",
    "blockquote": ">",
    "hr": "*-_",
    "list": "*-+0123456789",
    "reference": "[",
    "html_block": "<",
    "heading": "#",
}
"""Block rules and the characters a line must start with for each to match."""


def _first_char_guard(rule: RuleFuncBlockType, chars: str) -> RuleFuncBlockType:
    def guarded(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
        begin = state.bMarks[start_line] + state.tShift[start_line]
        # An empty slice (the end of the input) is "in" any string: the rule decides.
        if state.src[begin : begin + 1] not in chars:
            return False
        return rule(state, start_line, end_line, silent)

    return guarded


def _indent_guard(rule: RuleFuncBlockType) -> RuleFuncBlockType:
    def guarded(state: StateBlock, start_line: int, end_line: int, silent: bool) -> bool:
        if state.sCount[start_line] - state.blkIndent < 4:
            return False  # not indented as code (StateBlock.is_code_block)
        return rule(state, start_line, end_line, silent)

    return guarded


def _guard_block_rules(md: MarkdownIt) -> None:
    """Speed: markdown-it tries every block rule at every block start (and most of them on
    every paragraph line, to see whether it ends the paragraph); a failing call costs about a
    microsecond, a tenth of the block parse. Each rule below fails at once unless the line
    starts with one of its characters (or is indented as code), so that test goes first."""
    for rule in list(md.block.ruler.__rules__):
        if rule.name in _FIRST_CHARS:
            guarded = _first_char_guard(rule.fn, _FIRST_CHARS[rule.name])
        elif rule.name == "code":
            guarded = _indent_guard(rule.fn)
        else:
            continue
        md.block.ruler.at(rule.name, guarded, {"alt": list(rule.alt)})


def make_parser() -> MarkdownIt:
    """markdown-it configured for this dialect (CommonMark + strikethrough + math)."""
    return _make_parser(guard_rules=True)


def _make_parser(*, guard_rules: bool) -> MarkdownIt:
    """make_parser; without `guard_rules`, markdown-it's own rule chain (the tests' reference)."""
    md = MarkdownIt("commonmark", {"html": True, "maxNesting": 200})
    md.enable("strikethrough")
    md.inline.ruler.before("escape", "math_inline", _math_inline)
    md.block.ruler.before(
        "fence", "math_block", _math_block, {"alt": ["paragraph", "reference", "blockquote"]}
    )
    md.block.ruler.before(
        "paragraph",
        "reference_line",
        _reference_line,
        {"alt": ["paragraph", "reference", "blockquote"]},
    )
    if guard_rules:
        _guard_block_rules(md)
    # Keep URLs exactly as written (no percent-encoding, no scheme filter): they are data.
    md.normalizeLink = _identity  # type: ignore[method-assign]
    md.normalizeLinkText = _identity  # type: ignore[method-assign,assignment]
    md.validateLink = _always  # type: ignore[method-assign]
    # Inline parsing is done per block, most of it without the parser (see _parse_inline).
    md.disable("inline")
    md.disable("text_join")
    return md


_PARSER = make_parser()
