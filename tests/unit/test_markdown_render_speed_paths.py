"""The renderer's speed paths give what the canonical form gives: texts escaped all at once
(joined by NUL), mentions and equations written without building the canonical item, the
quick test of whether a sublist's first item has text, and the deferred writing of a block's
text (its prose escaped once for the whole document, its markers checked after)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from alloy_tui.notion.markdown import (
    blocks_to_markdown,
    canonical_blocks,
    markdown_to_blocks,
    rich_text_to_markdown,
)
from alloy_tui.notion.markdown_render import _Doc, write_blocks
from alloy_tui.notion.markdown_richtext import _escape_document, _escape_text
from alloy_tui.notion.richtext import DEFAULT_ANNOTATIONS
from tests.unit.test_markdown_roundtrip import (
    block_lists,
    equation_items,
    mention_items,
    odd_text_items,
    text_items,
)

pytestmark = pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisWarning")

USER_ID = "1c2b3a4d-5e6f-4a8b-9c0d-1e2f3a4b5c6d"


def t(content: str, link: str | None = None, **notes: Any) -> dict[str, Any]:
    return {
        "type": "text",
        "text": {"content": content, "link": {"url": link} if link else None},
        "annotations": {**DEFAULT_ANNOTATIONS, **notes},
        "plain_text": content,
        "href": link,
    }


def block(kind: str, *items: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {"type": kind, kind: {"rich_text": list(items), "color": "default"}, **extra}


def roundtrip_exact(blocks: list[dict[str, Any]]) -> str:
    md = blocks_to_markdown(blocks)
    assert blocks_to_markdown(canonical_blocks(blocks)) == md
    assert markdown_to_blocks(md) == canonical_blocks(blocks), md
    return md


def test_escapes_do_not_reach_across_runs() -> None:
    # "&" ending one run and "#38;" starting the next make no character reference, nor do
    # "{" and "color=" split between runs: each text is escaped on its own.
    items = [t("a &"), t("#38; b", bold=True), t(" {"), t("color=red}", italic=True), t(" *_`")]
    md = rich_text_to_markdown(items)
    assert md == "a &**#38; b** {*color=red}* \\*\\_\\`"
    roundtrip_exact([block("paragraph", *items)])


def test_escaped_edges_decide_the_markers() -> None:
    # The escaped text's first character (a backslash: punctuation) is what the markers sit
    # next to: after a space they open; after a letter they would not, so HTML tags instead.
    spaced = [t("a "), t("_y_", bold=True), t(" z")]
    assert roundtrip_exact([block("paragraph", *spaced)]) == "a **\\_y\\_** z\n"
    tight = [t("x"), t("_y_", bold=True), t("z"), t("<w>", strikethrough=True), t(".")]
    md = roundtrip_exact([block("paragraph", *tight)])
    assert md == "x<b>\\_y\\_</b>z<s>\\<w\\></s>.\n"


def test_mentions_and_equations_in_response_form() -> None:
    mention = {
        "type": "mention",
        "mention": {"type": "user", "user": {"object": "user", "id": USER_ID.replace("-", "")}},
        "annotations": {**DEFAULT_ANNOTATIONS, "bold": True},
        "plain_text": "@Ada *L*",
        "href": None,
    }
    equation = {
        "type": "equation",
        "equation": {"expression": "  x^2  "},
        "annotations": dict(DEFAULT_ANNOTATIONS),
        "plain_text": "  x^2  ",
        "href": None,
    }
    blank = {**equation, "equation": {"expression": "   "}}
    items = [t("by "), mention, t(" and "), equation, blank]
    md = roundtrip_exact([block("paragraph", *items)])
    assert md == (
        "by **[@Ada \\*L\\*](mention:user/1c2b3a4d5e6f4a8b9c0d1e2f3a4b5c6d)** and $x^2$\n"
    )


def test_sublist_after_an_empty_first_run_stays_tight() -> None:
    child = block("bulleted_list_item", t(""), t("child"))
    parent = block("bulleted_list_item", t("parent"), children=[child])
    assert roundtrip_exact([parent]) == "- parent\n  - child\n"
    empty = block("bulleted_list_item", t(""))
    md = roundtrip_exact([block("bulleted_list_item", t("parent"), children=[empty])])
    assert md == "- parent\n\n  -\n"


# ----------------------------------------------------------------------------- deferred writing

PROFILE = settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])


def eager(blocks: list[dict[str, Any]]) -> str:
    """blocks_to_markdown with every text written by _inline (nothing deferred)."""
    doc = _Doc(defer=False)
    write_blocks(doc, blocks, "\n", "\n")
    md = "".join(doc.out)
    return md[1:].rstrip("\n") + "\n" if md else ""


@PROFILE
@given(block_lists)
def test_deferred_writing_gives_what_inline_gives(blocks: list[dict[str, Any]]) -> None:
    assert blocks_to_markdown(blocks) == eager(blocks)


kinds = st.sampled_from(("paragraph", "heading_2", "bulleted_list_item", "to_do", "quote"))


@PROFILE
@given(
    st.lists(
        st.tuples(
            kinds,
            st.lists(st.one_of(odd_text_items, text_items, equation_items, mention_items),
                     max_size=6),
        ),
        max_size=4,
    )
)  # fmt: skip
def test_deferred_writing_of_rich_text_in_any_form(texts: list[Any]) -> None:
    """Texts the deferred writer takes and texts it leaves to _inline, side by side in one
    document (the escape of the whole document must not reach across them)."""
    blocks = [block(kind, *items) for kind, items in texts]
    assert (
        blocks_to_markdown(blocks) == eager(blocks) == blocks_to_markdown(canonical_blocks(blocks))
    )


@PROFILE
@given(st.text(st.characters(codec=None, exclude_categories=())))
def test_the_document_escape_is_the_text_escape(text: str) -> None:
    assert _escape_document(text) == _escape_text(text)


def test_the_document_escape_keeps_surrogates() -> None:
    text = "a*\ud83d\ude00 \ud800 & b&amp; {color=red} \U0001f600_"
    assert _escape_document(text) == _escape_text(text)


def test_a_carriage_return_or_nul_in_text_makes_the_canonical_text() -> None:
    for odd in ("a\r\nb", "a\x00b"):
        blocks = [block("paragraph", t("x *y*")), block("paragraph", t(odd), t("z", bold=True))]
        md = roundtrip_exact(blocks)
        assert md == eager(canonical_blocks(blocks))


def test_whitespace_after_a_mention_that_starts_the_text_is_kept() -> None:
    mention = {
        "type": "mention",
        "mention": {"type": "user", "user": {"id": USER_ID}},
        "annotations": dict(DEFAULT_ANNOTATIONS),
        "plain_text": "@Ada",
        "href": None,
    }
    md = roundtrip_exact([block("paragraph", mention, t(" said hi "))])
    assert md == "[@Ada](mention:user/1c2b3a4d5e6f4a8b9c0d1e2f3a4b5c6d) said hi&#32;\n"
    md = roundtrip_exact([block("paragraph", t(" lead"), mention)])
    assert md.startswith("&#32;lead")


@pytest.mark.parametrize(
    "items",
    [
        [t("2 * 3 = 6")],
        [t("50% of it")],
        [t("1. not a list")],
        [t("12) not a list either")],
        [t("1٣. unicode digits after an ASCII one")],
        [t("٣. a unicode digit first")],
        [t("12"), t(". then bold", bold=True)],
        [t("#42 and "), t("more", italic=True)],
        [t("- a dash"), t(" + "), t("=", code=True)],
        [t("⟦image⟧ looks like a placeholder")],
        [t("> quoted?")],
    ],
)
def test_text_that_could_start_a_block(items: list[dict[str, Any]]) -> None:
    for kind in ("paragraph", "bulleted_list_item", "quote", "heading_3"):
        blocks = [block(kind, *items)]
        assert blocks_to_markdown(blocks) == eager(blocks)
        roundtrip_exact(blocks)
