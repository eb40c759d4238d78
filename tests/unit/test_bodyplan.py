"""notion/bodyplan.py: minimal plans from a page's blocks to edited Markdown."""

from __future__ import annotations

import uuid
from typing import Any

from alloy_tui.notion.bodyplan import (
    AppendAfter,
    DeleteBlock,
    UpdateBlock,
    plan_body,
    split_append,
)
from alloy_tui.notion.markdown import blocks_to_markdown
from alloy_tui.notion.richtext import fill


def bid(n: int) -> str:
    return str(uuid.UUID(int=n + 1))


def block(
    n: int, kind: str, text: str, children: list[Any] | None = None, **extra: Any
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "object": "block",
        "id": bid(n),
        "type": kind,
        kind: {
            "rich_text": [fill({"text": {"content": text}})] if text else [],
            "color": "default",
            **extra,
        },
        "has_children": bool(children),
    }
    if children:
        out["children"] = children
    return out


def page(count: int) -> list[dict[str, Any]]:
    kinds = ("paragraph", "heading_2", "bulleted_list_item", "to_do", "quote")
    out = []
    for n in range(count):
        kind = kinds[n % len(kinds)]
        extra: dict[str, Any] = {"checked": False} if kind == "to_do" else {}
        if kind == "heading_2":
            extra = {"is_toggleable": False}
        out.append(block(n, kind, f"Line {n}", **extra))
    return out


def test_unchanged_markdown_is_an_empty_plan() -> None:
    blocks = page(50)
    plan = plan_body(blocks, blocks_to_markdown(blocks))
    assert plan.is_empty
    assert plan.summary() == []


def test_one_changed_line_in_2000_blocks_is_one_update() -> None:
    blocks = page(2000)
    md = blocks_to_markdown(blocks).replace("Line 1000\n", "Line one thousand\n")
    plan = plan_body(blocks, md)
    assert len(plan.operations) == 1
    op = plan.operations[0]
    assert isinstance(op, UpdateBlock)
    assert op.block_id == bid(1000)
    assert (
        op.body
        == {"paragraph": {"rich_text": [fill({"text": {"content": "Line one thousand"}}) | {}]}}
        or op.body["paragraph"]["rich_text"][0]["text"]["content"] == "Line one thousand"
    )
    assert set(op.body["paragraph"]) == {"rich_text"}
    assert plan.summary() == ["update paragraph 'Line one thousand'"]


def test_insert_in_the_middle_is_one_append_after_the_block_before() -> None:
    blocks = page(10)
    md = blocks_to_markdown(blocks).replace("Line 4\n", "Line 4\n\nnew one\n\nnew two\n")
    plan = plan_body(blocks, md)
    assert len(plan.operations) == 1
    op = plan.operations[0]
    assert isinstance(op, AppendAfter)
    assert op.parent_id is None and op.after_id == bid(4)
    assert [b["paragraph"]["rich_text"][0]["text"]["content"] for b in op.blocks] == [
        "new one",
        "new two",
    ]
    assert plan.summary() == ["insert 2 blocks after quote 'Line 4'"]


def test_delete() -> None:
    blocks = page(6)
    md = blocks_to_markdown(blocks).replace("- [ ] Line 3\n", "")
    plan = plan_body(blocks, md)
    assert [type(op) for op in plan.operations] == [DeleteBlock]
    assert plan.operations[0].block_id == bid(3)  # type: ignore[union-attr]
    assert plan.summary() == ["delete to-do 'Line 3'"]


def test_type_change_is_delete_plus_insert() -> None:
    blocks = page(5)
    md = blocks_to_markdown(blocks).replace("- Line 2\n", "### Line 2\n")
    plan = plan_body(blocks, md)
    kinds = [type(op) for op in plan.operations]
    assert kinds == [AppendAfter, DeleteBlock]
    append = plan.operations[0]
    assert isinstance(append, AppendAfter)
    assert append.after_id == bid(1) and append.blocks[0]["type"] == "heading_3"
    assert plan.operations[1].block_id == bid(2)  # type: ignore[union-attr]


def test_nested_list_edits_recurse_into_children() -> None:
    blocks = [
        block(0, "bulleted_list_item", "top", [
            block(1, "bulleted_list_item", "child a"),
            block(2, "bulleted_list_item", "child b", [block(3, "to_do", "deep", checked=False)]),
        ]),
        block(4, "paragraph", "after"),
    ]  # fmt: skip
    md = blocks_to_markdown(blocks)
    edited = md.replace("- [ ] deep", "- [x] deep").replace(
        "  - child a\n", "  - child a\n  - child new\n"
    )
    plan = plan_body(blocks, edited)
    updates = [op for op in plan.operations if isinstance(op, UpdateBlock)]
    appends = [op for op in plan.operations if isinstance(op, AppendAfter)]
    assert len(plan.operations) == 2
    assert updates[0].block_id == bid(3) and updates[0].body == {"to_do": {"checked": True}}
    assert appends[0].parent_id == bid(0) and appends[0].after_id == bid(1)


def test_placeholders_are_protected_and_reported() -> None:
    image = {
        "object": "block",
        "id": bid(1),
        "type": "image",
        "image": {"type": "external", "external": {"url": "https://i/x.png"}},
    }
    blocks = [block(0, "paragraph", "before"), image, block(2, "paragraph", "after")]
    md = blocks_to_markdown(blocks)
    assert "⟦image" in md
    edited = "\n".join(line for line in md.split("\n") if not line.startswith("⟦"))
    plan = plan_body(blocks, edited)
    assert plan.is_empty
    assert [k.block_id for k in plan.kept] == [bid(1)]
    assert "placeholders are never deleted" in plan.summary()[0]
    # Replacing the placeholder's line with text inserts after it, never deletes it.
    plan = plan_body(blocks, md.replace(md.split("\n")[2], "new text"))
    assert [type(op) for op in plan.operations] == [AppendAfter]
    assert plan.operations[0].after_id == bid(1)  # type: ignore[union-attr]


def test_a_line_typed_against_a_placeholder_does_not_swallow_it() -> None:
    """No blank line between a placeholder (or child page link) and a typed line: the
    placeholder stays a reference, its text is never sent to Notion as a paragraph."""
    image = {
        "object": "block",
        "id": bid(1),
        "type": "image",
        "image": {"type": "external", "external": {"url": "https://i/x.png"}},
    }
    child = {"object": "block", "id": bid(3), "type": "child_page", "child_page": {"title": "S"}}
    blocks = [block(0, "paragraph", "before"), image, block(2, "paragraph", "after"), child]
    md = blocks_to_markdown(blocks)
    place, link = (line for line in md.split("\n") if line.startswith(("⟦", "📄")))
    # Enter at the end of the placeholder line, then typing.
    plan = plan_body(blocks, md.replace(place, place + "\nnew text"))
    assert [op.summary() for op in plan.operations] == [
        "insert paragraph 'new text' after image 'https://i/x.png'"
    ]
    assert not plan.kept
    # A line typed right above it, and the blank line after "before" deleted.
    plan = plan_body(blocks, md.replace(place, "typed\n" + place))
    assert [op.summary() for op in plan.operations] == [
        "insert paragraph 'typed' after paragraph 'before'"
    ]
    assert plan_body(blocks, md.replace("before\n\n", "before\n")).is_empty
    # The same with a child page link.
    plan = plan_body(blocks, md.replace(link, link + "\nmore"))
    assert [op.summary() for op in plan.operations] == [
        "insert paragraph 'more' after child page 'S'"
    ]
    assert not any("⟦" in str(op) or "notion.so" in str(op) for op in plan.operations)


def test_text_lines_that_look_like_placeholders_stay_text() -> None:
    """Inside a text, a line that starts like a placeholder is escaped: it comes back as text."""
    fake = f"⟦image · {bid(1).replace('-', '')}⟧"
    blocks = [block(0, "paragraph", f"first\n{fake}\n📄 [x](https://www.notion.so/{'a' * 32})")]
    md = blocks_to_markdown(blocks)
    assert plan_body(blocks, md).is_empty
    assert "\n⟦" not in md and "\n📄" not in md


def test_child_pages_are_never_deleted_or_created() -> None:
    child = {"object": "block", "id": bid(7), "type": "child_page", "child_page": {"title": "Sub"}}
    blocks = [block(0, "paragraph", "x"), child]
    plan = plan_body(blocks, "x\n")
    assert plan.is_empty and plan.kept[0].block_id == bid(7)
    # A pasted child page line somewhere else is not a new child page.
    plan = plan_body([block(0, "paragraph", "x")], blocks_to_markdown(blocks))
    assert plan.is_empty
    assert "does not refer to a block of this page" in plan.notes[0]


def test_insert_at_the_top_goes_after_the_first_block_with_a_note() -> None:
    blocks = page(3)
    plan = plan_body(blocks, "# New title\n\n" + blocks_to_markdown(blocks))
    op = plan.operations[0]
    assert isinstance(op, AppendAfter) and op.after_id == bid(0)
    assert "cannot insert before the first block" in plan.notes[0]


def test_empty_page_appends_at_the_end() -> None:
    plan = plan_body([], "a\n\nb\n")
    op = plan.operations[0]
    assert isinstance(op, AppendAfter) and op.after_id is None and len(op.blocks) == 2


def test_250_new_blocks_take_three_append_requests() -> None:
    plan = plan_body([], "\n\n".join(f"p{n}" for n in range(250)) + "\n")
    assert len(plan.operations) == 1
    op = plan.operations[0]
    assert isinstance(op, AppendAfter)
    requests = split_append(op.blocks)
    assert [len(payload) for payload, _deferred in requests] == [100, 100, 50]
    assert op.requests() == 3 and plan.request_count() == 3


def test_four_levels_of_nesting_need_follow_up_requests() -> None:
    md = "- one\n  - two\n    - three\n      - four\n        - five\n"
    plan = plan_body([], md)
    op = plan.operations[0]
    assert isinstance(op, AppendAfter)
    [(payload, deferred)] = split_append(op.blocks)
    level = payload[0]["bulleted_list_item"]["children"][0]["bulleted_list_item"]["children"][0]
    assert "children" not in level["bulleted_list_item"]  # two levels below the request's blocks
    assert [path for path, _rest in deferred] == [(0, 0, 0)]
    assert op.requests() == 2


def test_a_block_with_more_than_100_children_is_split() -> None:
    md = "- parent\n" + "".join(f"  - c{n}\n" for n in range(150))
    op = plan_body([], md).operations[0]
    assert isinstance(op, AppendAfter)
    [(payload, deferred)] = split_append(op.blocks)
    assert len(payload[0]["bulleted_list_item"]["children"]) == 100
    assert deferred[0][0] == (0,) and len(deferred[0][1]) == 50


def test_append_requests_send_only_what_differs_from_notions_defaults() -> None:
    red = fill({"text": {"content": "red", "link": {"url": "https://x.test/"}}})
    red["annotations"].update(color="red", italic=True)
    rich_text = [
        fill({"text": {"content": "plain "}}),
        red,
        fill({"type": "equation", "equation": {"expression": "x^2"}}),
    ]
    blocks: list[dict[str, Any]] = [
        {"type": "paragraph", "paragraph": {"rich_text": rich_text, "color": "blue_background"}},
        {"type": "quote", "quote": {"rich_text": [], "color": "default"}},
    ]
    [(payload, _deferred)] = split_append(blocks)
    assert payload == [
        {
            "type": "paragraph",
            "paragraph": {
                "rich_text": [
                    {"type": "text", "text": {"content": "plain "}},
                    {
                        "type": "text",
                        "text": {"content": "red", "link": {"url": "https://x.test/"}},
                        "annotations": {"italic": True, "color": "red"},
                    },
                    {"type": "equation", "equation": {"expression": "x^2"}},
                ],
                "color": "blue_background",  # a colour the user chose is kept
            },
        },
        {"type": "quote", "quote": {"rich_text": []}},
    ]
