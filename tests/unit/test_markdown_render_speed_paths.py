"""The renderer's speed paths give what the canonical form gives: texts escaped all at once
(joined by NUL), mentions and equations written without building the canonical item, and the
quick test of whether a sublist's first item has text."""

from __future__ import annotations

from typing import Any

from alloy_tui.notion.markdown import (
    blocks_to_markdown,
    canonical_blocks,
    markdown_to_blocks,
    rich_text_to_markdown,
)
from alloy_tui.notion.richtext import DEFAULT_ANNOTATIONS

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
