"""notion/markdown.py speed paths give exactly what markdown-it gives: the inline fast path, the
guarded block rules, and the cold parse a group of chunks at a time with its pickled cache."""

from __future__ import annotations

import copy
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from markdown_it.common.utils import isMdAsciiPunct, isPunctChar, mdTrim

from alloy_tui.notion import markdown, markdown_blocks, markdown_inline
from alloy_tui.notion.markdown import (
    blocks_to_markdown,
    make_parser,
    markdown_to_blocks,
    markdown_to_blocks_uncached,
)
from alloy_tui.notion.markdown_inline import _fast_inline, _parse_inline, _slow_inline
from alloy_tui.notion.markdown_syntax import _is_punct, _make_parser
from alloy_tui.notion.richtext import DEFAULT_ANNOTATIONS

PROFILE = settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def t(content: str, **annotations: Any) -> dict[str, Any]:
    return {
        "type": "text",
        "text": {"content": content, "link": None},
        "annotations": {**DEFAULT_ANNOTATIONS, **annotations},
    }


# Pieces of inline source around the rules the fast path follows (escapes, character references,
# line breaks, `*` runs and their flanking) and the ones it leaves to the parser.
TEXT = ["a", "b", "word", " ", "  ", "\t", ".", ",", "(", ")", '"', "!", "#", "-", "+", "]", "x3"]
UNICODE = [
    "é", "e\u0301", "😀", "👩‍👩‍👧‍👦", "中文", "مرحبا", "\u200b", "\u00a0", "\u2003", "。", "«", "—",
]  # fmt: skip
STARS = ["*", "**", "***", "****"]
ESCAPES = ["\\" + ch for ch in "*\\&_`[]<>$~#!a \t\r\x00é"] + ["\\\n", "\\"]
REFERENCES = [
    "&#32;", "&#10;", "&#13;", "&#x2A;", "&#X41;", "&#0;", "&#xD800;", "&#1114112;", "&#;",
    "&amp;", "&nbsp;", "&AMP;", "&notanentity;", "&", "&#",
]  # fmt: skip
BREAKS = ["\n", " \n", "  \n", "   \n", "\n  ", "\n\t", "\r", "\r\n", "\x00"]
PARSER_ONLY = ["`", "_", "__", "[", "](u)", "<u>", "</u>", "$", "$x$", "~", "~~", "![i](u)"]
DIALECT = [
    "`", "``", "[", "]", "](", "(u)", ")", "(", "](https://x.dev/a\\(b\\))", "](<a b>)",
    "](mention:user/1c2b3a4d5e6f4a8b9c0d1e2f3a4b5c6d)", "](mention:date/2024-06-01)", "<u>",
    "</u>", '<span data-color="red">', "</span>", "<b>", "</b>", "<code>", "</code>", "<br>",
    "$", "$x$", "~", "~~", "!", "&amp;", "\\&", " ", "a",
]  # fmt: skip

fast_sources = st.lists(
    st.sampled_from(TEXT + UNICODE + STARS + ESCAPES + REFERENCES + BREAKS), max_size=24
).map("".join)
any_sources = st.one_of(
    fast_sources,
    st.lists(st.sampled_from(TEXT + STARS + ESCAPES + BREAKS + DIALECT), max_size=30).map("".join),
    st.lists(
        st.sampled_from(TEXT + UNICODE + STARS + ESCAPES + REFERENCES + BREAKS + PARSER_ONLY),
        max_size=24,
    ).map("".join),
    st.text(max_size=40),
)


@PROFILE
@given(any_sources)
def test_fast_path_equals_the_parser_whenever_it_answers(source: str) -> None:
    fast = _fast_inline(source)
    if fast is not None:
        assert fast == _slow_inline(source)


@PROFILE
@given(any_sources)
def test_inline_parse_equals_the_parser(source: str) -> None:
    assert _parse_inline(source) == _slow_inline(mdTrim(source))


@PROFILE
@given(st.text(st.characters(blacklist_characters="\\&*\n`_[~<$\r\x00"), max_size=60))
def test_text_without_markup_never_needs_the_parser(source: str) -> None:
    assert _fast_inline(source) is not None


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("words,&#32;", [t("words, ")]),
        ("a **b** c", [t("a "), t("b", bold=True), t(" c")]),
        (
            "*it* and ***both***",
            [t("it", italic=True), t(" and "), t("both", bold=True, italic=True)],
        ),
        ("2 * 3 = 6", [t("2 * 3 = 6")]),
        ("\\*not\\* \\_em\\_ \\[x\\] \\$5 \\<b\\>", [t("*not* _em_ [x] $5 <b>")]),
        ("one  \ntwo\\\n\t three \nfour", [t("one\ntwo\nthree\nfour")]),
        ("&amp;&copy;&#x1F600;&#0;&bogus;", [t("&©😀\ufffd&bogus;")]),
        ("&#13;&#10;", [t("\n\n")]),
        ("**a**&#32;**b**", [t("a", bold=True), t(" "), t("b", bold=True)]),
    ],
)
def test_fast_path_examples(source: str, expected: list[dict[str, Any]]) -> None:
    assert _fast_inline(source) == expected
    assert _slow_inline(source) == expected


@pytest.mark.parametrize(
    "source",
    [
        "`code`",
        "`` `tick` `` and ` a ` and `  `",
        "[a](https://x.dev)",
        "[**b** `c`](<https://x.dev/a b>) and [d](u\\(1\\)) [e](u?a=1\\&b=2)",
        "[@Ada](mention:user/1c2b3a4d5e6f4a8b9c0d1e2f3a4b5c6d) **[Plan](mention:page/x)**",
        '<u>under</u> <span data-color="red">red</span> <b> b</b><br>',
        "~~gone~~ a ~ b",
        "$x^2$ and $ x$ and $5",
        "**a *b* c**",
        "~~**a**~~ ***b***",
        "`a]`",
        "x ``` y",
    ],
)
def test_fast_path_answers_the_dialect(source: str) -> None:
    """What the renderer writes is tokenized without the parser, as the parser would."""
    assert _fast_inline(source) is not None
    assert _fast_inline(source) == _slow_inline(source)


@pytest.mark.parametrize(
    "source",
    [
        "_em_",
        "*a**b*",  # a run that can both open and close
        "**a*",  # unequal runs
        "****a****",  # runs longer than three
        "*a ~~b* c~~",  # crossing pairs
        "~~~a~~~",
        "a\\\rb",
        "![i](u)",
        '[a](u "title")',
        "[a]( u)",
        "[a]()",
        "[a [b](u)](v)",
        "[a]",
        "<div>",
        "<https://x.dev>",
    ],
)
def test_fast_path_leaves_the_rest_to_the_parser(source: str) -> None:
    assert _fast_inline(source) is None
    assert _parse_inline(source) == _slow_inline(source)


def notes_page(count: int) -> list[dict[str, Any]]:
    """Blocks like real notes: prose with bold, italics and escaped punctuation, lists, to-dos,
    quotes, code, and text ending in a space (written as a character reference)."""
    kinds = ("heading_2", "paragraph", "bulleted_list_item", "to_do", "quote", "code", "toggle")
    blocks: list[dict[str, Any]] = []
    for n in range(count):
        kind = kinds[n % len(kinds)]
        rich = [t(f"Item {n}: snake_case, [brackets], $5 and 2 * 3 "), t("bold", bold=True)]
        rich += [t(" then "), t("italic", italic=True), t(" end ")]
        body: dict[str, Any] = {"rich_text": rich, "color": "default"}
        if kind == "to_do":
            body["checked"] = n % 2 == 0
        elif kind == "heading_2":
            body["is_toggleable"] = False
        elif kind == "code":
            body = {"rich_text": [t("x = 1\nprint(x)")], "language": "python", "caption": []}
        blocks.append({"type": kind, kind: body})
    return blocks


def test_notes_need_no_inline_parser(monkeypatch: pytest.MonkeyPatch) -> None:
    md = blocks_to_markdown(notes_page(70))
    expected = markdown_to_blocks_uncached(md)

    def refuse(source: str) -> list[dict[str, Any]]:
        raise AssertionError(f"inline parser used for {source!r}")

    monkeypatch.setattr(markdown_inline, "_slow_inline", refuse)
    assert markdown_to_blocks_uncached(md) == expected
    assert len(expected) == 70


# ----------------------------------------------------------------------------- block rules

DOC_PIECES = [
    "# ", "###### ", "####### ", "#x", "- ", "* ", "+ ", "-x", "1. ", "1) ", "12. ", "2.", "> ",
    ">", "- [ ] ", "```", "~~~", "```py\n", "$$", "$$\n", "$x", "---", "***", "___", "* * *",
    "===", "\n", "\n\n", " ", "  ", "    ", "\t", "text", "**b**", "<div>", "<br>", "<!-- c -->",
    "<u>", "[x]: /url", "[x]", "\\", "&amp;", "⟦image · 1c2b3a4d5e6f4a8b9c0d1e2f3a4b5c6d⟧",
]  # fmt: skip
documents = st.lists(st.sampled_from(DOC_PIECES), max_size=40).map("".join)


@PROFILE
@given(documents)
def test_guarded_block_rules_give_markdown_its_tokens(md: str) -> None:
    assert make_parser().parse(md) == _make_parser(guard_rules=False).parse(md)


# ----------------------------------------------------------------------------- cold parse, cache


@PROFILE
@given(documents, st.integers(1, 4))
def test_cold_parse_in_groups_equals_one_parse(md: str, group: int) -> None:
    expected = markdown_to_blocks_uncached(md)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(markdown_blocks, "_CHUNK_GROUP", group)
        markdown.clear_cache()
        assert markdown_to_blocks(md) == expected  # cold (when it has more than 4 chunks)
        assert markdown_to_blocks(md) == expected  # warm: from the cache


@pytest.mark.parametrize("group", [1, 4])
def test_a_chunk_keeps_its_last_blank_line(group: int) -> None:
    """A fence left open in a list item holds the blank lines before the next chunk, as in one
    parse of the whole document (hypothesis found `- ```py` + blank lines + a heading)."""
    md = "- ```py\n\n\n# " + "".join(f"\n\npara {n}" for n in range(6))
    expected = markdown_to_blocks_uncached(md)
    assert expected[0]["children"][0]["code"]["rich_text"][0]["text"]["content"] == "\n"
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(markdown_blocks, "_CHUNK_GROUP", group)
        markdown.clear_cache()
        assert markdown_to_blocks(md) == expected
        assert markdown_to_blocks(md) == expected
        assert markdown_to_blocks("- ```py\n\n\n# ") == markdown_to_blocks_uncached(
            "- ```py\n\n\n# "
        )


def test_cached_blocks_are_fresh_objects() -> None:
    md = "same\n\nsame\n\n- a\n- b\n\n" + "".join(f"para {n}\n\n" for n in range(8))
    markdown.clear_cache()
    cold = markdown_to_blocks(md)
    expected = copy.deepcopy(cold)
    cold[0]["paragraph"]["rich_text"][0]["text"]["content"] = "changed"
    cold[2]["bulleted_list_item"]["rich_text"].clear()
    warm = markdown_to_blocks(md)
    assert warm == expected
    warm[0]["paragraph"]["color"] = "red"  # the repeated chunk is a copy of its own
    assert warm[1] == expected[1]
    assert markdown_to_blocks(md) == expected


def test_ascii_punctuation_is_markdown_its() -> None:
    for code in range(128):
        expected = isMdAsciiPunct(code) or isPunctChar(chr(code))
        assert _is_punct(chr(code)) == expected, chr(code)


@pytest.mark.parametrize(
    "md",
    [
        "see [a]\n\n" + "".join(f"para {n} \\[x\\]:\n\n" for n in range(6)) + "[a]: /url\n",
        "see [a]\n\n" + "".join(f"para {n}\n\n" for n in range(6)) + "\\\\[a]: /url\n",
        "".join(f"para {n} \\[x\\]: y\n\n" for n in range(8)),
    ],
)
def test_reference_definitions_reach_across_chunks(md: str) -> None:
    """An escaped `\\]:` cannot end a link label; any other `]:` parses the whole document."""
    markdown.clear_cache()
    assert markdown_to_blocks(md) == markdown_to_blocks_uncached(md)
    assert markdown_to_blocks(md) == markdown_to_blocks_uncached(md)


class _CountingFinds(str):
    finds = 0

    def find(self, *args: Any) -> int:
        _CountingFinds.finds += 1
        return super().find(*args)


def test_unmatched_backtick_runs_are_not_searched_again_and_again() -> None:
    """Like markdown-it, the tokenizer looks for a code span's closer only when a run of its
    length comes later: 300 runs of different lengths, none closed, cost a search each at most
    (not one per later run: 45,000)."""
    source = "".join("`" * n + "x" for n in range(1, 301))
    _CountingFinds.finds = 0
    fast = _fast_inline(_CountingFinds(source))
    assert fast is not None and fast == _slow_inline(source)
    assert _CountingFinds.finds <= 2 * 300
