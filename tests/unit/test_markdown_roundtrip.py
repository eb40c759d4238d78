"""notion/markdown.py: the lossless Markdown <-> blocks round trip (examples and hypothesis)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from alloy_tui.notion.markdown import (
    REFERENCE,
    blocks_to_markdown,
    canonical_blocks,
    canonical_rich_text,
    markdown_to_blocks,
)
from alloy_tui.notion.richtext import COLORS, DEFAULT_ANNOTATIONS, MAX_TEXT_UTF16, utf16_len

pytestmark = pytest.mark.filterwarnings("ignore::hypothesis.errors.HypothesisWarning")

BLOCK_ID = "1c2b3a4d-5e6f-4a8b-9c0d-1e2f3a4b5c6d"
USER_ID = "5a1e0000-0000-4000-8000-00000000a001"


def t(content: str, link: str | None = None, **annotations: Any) -> dict[str, Any]:
    return {
        "type": "text",
        "text": {"content": content, "link": {"url": link} if link else None},
        "annotations": {**DEFAULT_ANNOTATIONS, **annotations},
    }


def block(kind: str, *rich: dict[str, Any], children: Any = None, **extra: Any) -> dict[str, Any]:
    body: dict[str, Any] = {"rich_text": list(rich), **extra}
    if kind != "code":
        body.setdefault("color", "default")
    out: dict[str, Any] = {"type": kind, kind: body}
    if children:
        out["children"] = children
    return out


def roundtrip(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return markdown_to_blocks(blocks_to_markdown(blocks))


# ----------------------------------------------------------------------------- examples


class TestSyntax:
    def test_inline_annotations_use_markdown_and_html(self) -> None:
        md = blocks_to_markdown(
            [
                block(
                    "paragraph",
                    t("plain "),
                    t("bold", bold=True),
                    t(" "),
                    t("under", underline=True),
                    t(" "),
                    t("red", color="red"),
                    t(" "),
                    t("code", code=True),
                    t(" "),
                    t("gone", strikethrough=True),
                )
            ]
        )
        assert md == (
            'plain **bold** <u>under</u> <span data-color="red">red</span> `code` ~~gone~~\n'
        )

    def test_block_color_is_a_trailing_attribute(self) -> None:
        blocks = [block("heading_2", t("Goals"), color="blue_background", is_toggleable=False)]
        assert blocks_to_markdown(blocks) == "## Goals {color=blue_background}\n"
        assert roundtrip(blocks) == canonical_blocks(blocks)

    def test_callout_toggle_and_toggleable_heading(self) -> None:
        blocks = [
            block(
                "callout",
                t("Heads up"),
                icon={"type": "emoji", "emoji": "💡"},
                children=[block("paragraph", t("inside"))],
            ),
            block("toggle", t("More"), children=[block("to_do", t("x"), checked=True)]),
            block(
                "heading_1",
                t("Open me"),
                is_toggleable=True,
                children=[block("paragraph", t("hidden"))],
            ),
        ]
        md = blocks_to_markdown(blocks)
        assert md == (
            "> [!callout 💡] Heads up\n>\n> inside\n\n"
            "> [!toggle] More\n>\n> - [x] x\n\n"
            "> [!toggle] # Open me\n>\n> hidden\n"
        )
        assert markdown_to_blocks(md) == canonical_blocks(blocks)

    def test_placeholders_and_child_pages_are_references(self) -> None:
        image = {
            "id": BLOCK_ID,
            "type": "image",
            "image": {"type": "external", "external": {"url": "https://i/x.png"}, "caption": []},
        }
        page = {"id": BLOCK_ID, "type": "child_page", "child_page": {"title": "Sub [1]"}}
        md = blocks_to_markdown([image, page])
        compact = BLOCK_ID.replace("-", "")
        assert md == (
            f"⟦image: https://i/x.png · {compact}⟧\n\n"
            f"📄 [Sub \\[1\\]](https://www.notion.so/{compact})\n"
        )
        back = markdown_to_blocks(md)
        assert [(b["type"], b["id"], b[REFERENCE]) for b in back] == [
            ("image", BLOCK_ID, True),
            ("child_page", BLOCK_ID, True),
        ]
        assert back[1]["child_page"]["title"] == "Sub [1]"

    def test_text_that_looks_like_a_placeholder_stays_text(self) -> None:
        blocks = [block("paragraph", t(f"⟦image · {BLOCK_ID.replace('-', '')}⟧"))]
        assert roundtrip(blocks) == canonical_blocks(blocks)
        assert REFERENCE not in roundtrip(blocks)[0]

    def test_empty_paragraph_and_spacing(self) -> None:
        blocks = [block("paragraph"), block("paragraph", t("  two  spaces\n\nblank line "))]
        md = blocks_to_markdown(blocks)
        assert md.startswith("<br>\n\n&#32;&#32;two  spaces&#10;&#10;blank line&#32;")
        assert roundtrip(blocks) == canonical_blocks(blocks)

    def test_mentions_and_equations(self) -> None:
        mention = {
            "type": "mention",
            "mention": {"type": "user", "user": {"id": USER_ID}},
            "plain_text": "@Ada",
            "annotations": {**DEFAULT_ANNOTATIONS, "bold": True},
        }
        eq = {"type": "equation", "equation": {"expression": "e^{i\\pi}"}}
        blocks = [block("paragraph", t("by "), mention, t(" "), eq)]
        md = blocks_to_markdown(blocks)
        assert md == f"by **[@Ada](mention:user/{USER_ID.replace('-', '')})** $e^{{i\\pi}}$\n"
        assert roundtrip(blocks) == canonical_blocks(blocks)

    def test_code_block_language_caption_and_fences(self) -> None:
        blocks = [
            block("code", t("```\nx\n```"), language="plain text", caption=[t('a "cap"')]),
            block("code", t("fn main() {}\n"), language="rust", caption=[]),
        ]
        md = blocks_to_markdown(blocks)
        assert md.startswith('````text {caption="a \\"cap\\""}\n```\nx\n```\n````')
        assert roundtrip(blocks) == canonical_blocks(blocks)

    def test_typed_markdown_normalises(self) -> None:
        md = (
            "Title\n=====\n\n#### Deep\n\n    indented code\n\n* a\n* b\n\n"
            "```py\nx\n```\n\n1) one\n2) two\n\n___\n\n$$\nx\n$$\n"
        )
        blocks = markdown_to_blocks(md)
        assert [b["type"] for b in blocks] == [
            "heading_1",
            "heading_3",
            "code",
            "bulleted_list_item",
            "bulleted_list_item",
            "code",
            "numbered_list_item",
            "numbered_list_item",
            "divider",
            "equation",
        ]
        assert blocks[5]["code"]["language"] == "python"
        once = blocks_to_markdown(blocks)
        assert blocks_to_markdown(markdown_to_blocks(once)) == once

    def test_unknown_html_is_kept_as_text(self) -> None:
        blocks = markdown_to_blocks("a <div>b</div> <u>c</u>\n")
        items = blocks[0]["paragraph"]["rich_text"]
        assert "".join(i["text"]["content"] for i in items) == "a <div>b</div> c"
        assert items[-1]["annotations"]["underline"] is True

    def test_long_text_is_split_and_joined(self) -> None:
        long = "é" * 1999 + "👩‍👩‍👧‍👦" + "x" * 2001
        blocks = [block("paragraph", t(long[:10]), t(long[10:]))]
        back = roundtrip(blocks)
        items = back[0]["paragraph"]["rich_text"]
        assert len(items) == 3
        assert all(utf16_len(i["text"]["content"]) <= MAX_TEXT_UTF16 for i in items)
        assert "".join(i["text"]["content"] for i in items) == long
        assert back == canonical_blocks(blocks)

    def test_4001_characters_round_trip_identically(self) -> None:
        blocks = [block("paragraph", *canonical_rich_text([t("a" * 4001)]))]
        assert len(blocks[0]["paragraph"]["rich_text"]) == 3
        assert roundtrip(blocks) == blocks

    def test_relative_notion_links_become_absolute(self) -> None:
        compact = BLOCK_ID.replace("-", "")
        blocks = [block("paragraph", t("page", link="/" + compact))]
        back = roundtrip(blocks)
        assert back[0]["paragraph"]["rich_text"][0]["text"]["link"] == {
            "url": "https://www.notion.so/" + compact
        }

    def test_deep_nesting(self) -> None:
        leaf: dict[str, Any] = block("bulleted_list_item", t("level 6"))
        for level in range(5, 0, -1):
            leaf = block("bulleted_list_item", t(f"level {level}"), children=[leaf])
        assert roundtrip([leaf]) == canonical_blocks([leaf])


# ----------------------------------------------------------------------------- hypothesis

SPECIALS = [
    "*", "**", "_", "`", "``", "[", "]", "(", ")", "\\", "<", ">", "&", "&amp;", "&#32;",
    "#", "# ", "-", "- ", "+", "=", "~", "~~", "$", "$$", "|", "{", "}", "{color=red}",
    "!", "1.", "2)", "\n", "\n\n", " ", "  ", "\t", "<u>", "<br>", "⟦", "📄 ", "🗃 ",
    "[!toggle] ", "[ ] ", "---", "```",
]  # fmt: skip
UNICODE = [
    "👩‍👩‍👧‍👦", "👨🏽‍💻", "🏳️‍🌈", "🇯🇵", "日本語", "中文", "مرحبا", "עברית", "e\u0301", "n\u0303",
    "\u200b", "\u200d", "\u200e", "\u00a0", "\u3000", "Zoë",
]  # fmt: skip
URLS = ["https://x.y/a b", "https://x.y/(p)", "https://例え.jp/パス?q=1&r=2", "mailto:a@b.c"]

fragment = st.one_of(
    st.sampled_from(SPECIALS),
    st.sampled_from(UNICODE),
    st.text(st.characters(exclude_categories=("Cs", "Cc")), min_size=1, max_size=6),
    st.text("abc xyz", min_size=1, max_size=8),
)
texts = st.lists(fragment, min_size=1, max_size=8).map("".join)
annotation_sets = st.fixed_dictionaries(
    {
        "bold": st.booleans(),
        "italic": st.booleans(),
        "strikethrough": st.booleans(),
        "underline": st.booleans(),
        "code": st.booleans(),
        "color": st.sampled_from(("default", "default", "red", "blue_background")),
    }
)
text_items = st.builds(
    lambda content, notes, link: t(content, link, **notes),
    texts,
    annotation_sets,
    st.one_of(st.none(), st.none(), st.sampled_from(URLS)),
)
plain_annotations = st.just(dict(DEFAULT_ANNOTATIONS))
equation_items = st.builds(
    lambda expr, notes: {
        "type": "equation",
        "equation": {"expression": expr},
        "annotations": notes,
    },
    st.text("abcxyz^_{}\\+=()", min_size=1, max_size=10).filter(lambda s: s.strip() == s),
    annotation_sets.map(lambda n: {**n, "code": False}),
)
mention_items = st.builds(
    lambda shown, notes: {
        "type": "mention",
        "mention": {"type": "user", "user": {"id": USER_ID}},
        "plain_text": shown,
        "annotations": {**notes, "code": False},
    },
    texts,
    annotation_sets,
)
rich_texts = st.lists(
    st.one_of(text_items, text_items, text_items, equation_items, mention_items), max_size=6
)
block_colors = st.sampled_from(("default", "default", "default", "gray", "red_background"))
icons = st.sampled_from(
    (
        None,
        {"type": "emoji", "emoji": "💡"},
        {"type": "emoji", "emoji": "👩‍👩‍👧‍👦"},
        {"type": "external", "external": {"url": "https://i.acme.dev/i.png"}},
    )
)
CODE_TEXT = st.lists(
    st.one_of(st.sampled_from(["```", "~~~", "\n", "    ", "\t", "$$", "<br>"]), fragment),
    max_size=6,
).map("".join)


def leaf_blocks() -> st.SearchStrategy[dict[str, Any]]:
    def text_block(kind: str, **extra: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
        return st.builds(
            lambda rich, color, **kw: block(kind, *rich, color=color, **kw),
            rich_texts,
            block_colors,
            **extra,
        )

    return st.one_of(
        text_block("paragraph"),
        text_block("heading_1", is_toggleable=st.just(False)),
        text_block("heading_2", is_toggleable=st.just(False)),
        text_block("heading_3", is_toggleable=st.just(False)),
        text_block("bulleted_list_item"),
        text_block("numbered_list_item"),
        text_block("to_do", checked=st.booleans()),
        text_block("quote"),
        text_block("toggle"),
        text_block("callout", icon=icons),
        st.builds(
            lambda code, language, caption: {
                "type": "code",
                "code": {
                    "rich_text": [t(code)] if code else [],
                    "language": language,
                    "caption": [t(caption)] if caption else [],
                },
            },
            CODE_TEXT,
            st.sampled_from(("plain text", "python", "c++", "visual basic", "f#")),
            st.one_of(st.just(""), texts),
        ),
        st.just({"type": "divider", "divider": {}}),
        st.builds(
            lambda e: {"type": "equation", "equation": {"expression": e}},
            st.text("abcxyz^_{}\\+= \n", max_size=20).filter(lambda s: "$$" not in s),
        ),
        st.builds(
            lambda kind, title: {"id": BLOCK_ID, "type": kind, kind: {"title": title}},
            st.sampled_from(("child_page", "child_database")),
            texts,
        ),
        st.builds(
            lambda kind: {"id": BLOCK_ID, "type": kind, kind: {}},
            st.sampled_from(("image", "table", "bookmark", "synced_block", "column_list")),
        ),
    )


def with_children(children: st.SearchStrategy[list[Any]]) -> st.SearchStrategy[Any]:
    parents = st.one_of(
        st.sampled_from(
            (
                "paragraph",
                "bulleted_list_item",
                "numbered_list_item",
                "to_do",
                "quote",
                "toggle",
                "callout",
            )
        ).flatmap(lambda kind: leaf_blocks().filter(lambda b: b["type"] == kind)),
        st.builds(
            lambda level, rich: block(f"heading_{level}", *rich, is_toggleable=True),
            st.integers(1, 3),
            rich_texts,
        ),
    )
    return st.builds(lambda parent, kids: {**parent, "children": kids}, parents, children)


block_lists = st.recursive(
    st.lists(leaf_blocks(), max_size=5),
    lambda inner: st.lists(st.one_of(leaf_blocks(), with_children(inner.filter(bool))), max_size=5),
    max_leaves=10,
)

PROFILE = settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@PROFILE
@given(block_lists)
def test_blocks_markdown_blocks_preserves_every_block(blocks: list[dict[str, Any]]) -> None:
    expected = canonical_blocks(blocks)
    md = blocks_to_markdown(blocks)
    assert markdown_to_blocks(md) == expected, md


@PROFILE
@given(block_lists)
def test_canonical_form_is_a_fixed_point(blocks: list[dict[str, Any]]) -> None:
    once = canonical_blocks(blocks)
    assert canonical_blocks(once) == once
    assert blocks_to_markdown(once) == blocks_to_markdown(blocks)


MD_PIECES = [
    "# ", "## ", "- ", "* ", "1. ", "> ", "- [ ] ", "- [x] ", "```", "```python\n", "$$\n",
    "---", "\n", "\n\n", "  ", "    ", "**", "*", "_", "~~", "`", "[a](b)", "<u>", "</u>",
    '<span data-color="red">', "</span>", "<br>", "&amp;", "&#32;", "\\", "> [!callout 💡] ",
    "> [!toggle] ", "> [!toggle] ## ", "{color=red}", "⟦image · 1c2b3a4d5e6f4a8b9c0d1e2f3a4b5c6d⟧",
    "📄 [x](https://www.notion.so/1c2b3a4d5e6f4a8b9c0d1e2f3a4b5c6d)", "[@A](mention:user/x)",
    "$x$", "<div>", "<!-- c -->", "|a|b|", "[x]: /url",
]  # fmt: skip
markdown_docs = st.lists(
    st.one_of(st.sampled_from(MD_PIECES), fragment, st.sampled_from(UNICODE)), max_size=25
).map("".join)


@PROFILE
@given(markdown_docs)
def test_markdown_is_stable_after_one_normalisation(md: str) -> None:
    blocks = markdown_to_blocks(md)
    once = blocks_to_markdown(blocks)
    assert markdown_to_blocks(once) == blocks, once
    assert blocks_to_markdown(markdown_to_blocks(once)) == once


@pytest.mark.parametrize(
    "text",
    [
        "1999 ASCII then emoji: " + "a" * 1976 + "😀",
        "x" * 4001,
        "👩‍👩‍👧‍👦" * 600,
        "مرحبا بكم " * 300,
        "e\u0301" * 2100,
    ],
)
def test_long_texts_split_without_breaking_characters(text: str) -> None:
    back = roundtrip([block("paragraph", t(text))])
    items = back[0]["paragraph"]["rich_text"]
    assert "".join(i["text"]["content"] for i in items) == text
    assert all(utf16_len(i["text"]["content"]) <= MAX_TEXT_UTF16 for i in items)
    assert all(color in COLORS for color in ("default",))


fenced_docs = st.lists(
    st.one_of(
        st.sampled_from(MD_PIECES),
        st.sampled_from(["\n\nx", "\n\n```\n", "\n\n~~~~\n", "\n\n$$\n", "\n\n- a", "\n\n  b"]),
        fragment,
    ),
    max_size=30,
).map("".join)


@PROFILE
@given(fenced_docs)
def test_chunked_parse_equals_one_parse(md: str) -> None:
    from alloy_tui.notion.markdown import markdown_to_blocks_uncached
    from alloy_tui.notion.markdown_blocks import _chunks

    expected = markdown_to_blocks_uncached(md.replace("\r\n", "\n").replace("\r", "\n"))
    assert markdown_to_blocks(md) == expected  # cold: whole parse, filed by chunk
    assert markdown_to_blocks(md) == expected  # warm: from the chunk cache
    edited = md + "\n\nmore"
    assert markdown_to_blocks(edited) == markdown_to_blocks_uncached(edited)
    # Each chunk's cached blocks are its own (a list across chunks is filed item by item).
    for chunk in _chunks(md.replace("\r\n", "\n").replace("\r", "\n")):
        assert markdown_to_blocks(chunk) == markdown_to_blocks_uncached(chunk)


def _odd(item: dict[str, Any], change: str) -> dict[str, Any]:
    """A text item in another form the renderer must bring to the canonical one itself."""
    item = {**item, "text": dict(item["text"])}
    if change == "response":
        content = item["text"]["content"]
        item.update(plain_text=content, href=(item["text"]["link"] or {}).get("url"))
    elif change == "no type":
        del item["type"]
    elif change == "crlf":
        item["text"]["content"] += "\r\n\x00"
    elif change == "notion link":
        item["text"]["link"] = {"url": "/" + BLOCK_ID.replace("-", "")}
    elif change == "empty link":
        item["text"]["link"] = {"url": ""}
    elif change == "sparse notes":
        item["annotations"] = {"bold": 1, "color": "no such colour"}
    elif change == "no notes":
        item.pop("annotations")
    elif change == "empty":
        item["text"]["content"] = ""
    return item


odd_text_items = st.builds(
    _odd,
    text_items,
    st.sampled_from(("response", "no type", "crlf", "notion link", "empty link",
                     "sparse notes", "no notes", "empty", "none")),
)  # fmt: skip


@PROFILE
@given(st.lists(st.one_of(odd_text_items, text_items, equation_items, mention_items), max_size=6))
def test_rich_text_in_any_form_renders_as_its_canonical_form(items: list[dict[str, Any]]) -> None:
    """The renderer brings rich text to the canonical form on its own (one pass): whatever the
    form, it writes what the canonical form writes, and that parses back to the canonical form."""
    paragraph = [block("paragraph", *items)]
    expected = canonical_blocks(paragraph)
    md = blocks_to_markdown(paragraph)
    assert md == blocks_to_markdown(expected)
    assert markdown_to_blocks(md) == expected, md
