"""The smallest set of block operations that turns a page body into edited Markdown (pure).

`plan_body(original, edited_markdown)` diffs the page's blocks (as `get_blocks_recursive` gives
them) against the blocks of the edited Markdown: a sequence diff of each level by content
signature (common prefix and suffix first, so one changed line in a 2,000-block page costs one
comparison and gives one operation), then, inside each changed region, a second diff by block
type that pairs blocks to update in place. A changed block of the same type is an UpdateBlock,
a different type a DeleteBlock plus an insert, and consecutive inserts one AppendAfter. Children
of matched blocks are diffed recursively.

Protected blocks (placeholders, child pages and databases) are never deleted or re-created: a
removed or moved placeholder line leaves its block where it is and is reported in `kept`.
Notion's API can only insert after a block (or at the end), so an insert before the first block
of a parent goes after that block instead; `notes` says so.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, Final

from alloy_tui.notion.markdown import (
    REFERENCE,
    canonical_block,
    is_reference,
    markdown_to_blocks,
)
from alloy_tui.notion.richtext import MAX_ARRAY, plain_text

MAX_REQUEST_BLOCKS: Final = 1000
"""Notion's limit on blocks in one append request, nested ones included."""
MAX_REQUEST_DEPTH: Final = 2
"""Children may nest two levels below the blocks of one append request."""

_LABELS: Final = {
    "paragraph": "paragraph",
    "heading_1": "heading",
    "heading_2": "heading",
    "heading_3": "heading",
    "bulleted_list_item": "bullet",
    "numbered_list_item": "numbered item",
    "to_do": "to-do",
    "toggle": "toggle",
    "quote": "quote",
    "callout": "callout",
    "code": "code block",
    "divider": "divider",
    "equation": "equation",
    "child_page": "child page",
    "child_database": "child database",
}


def label(kind: str) -> str:
    """A block type as the preview names it ("to-do", "heading"...)."""
    return _LABELS.get(kind, kind.replace("_", " "))


def snippet(block: Mapping[str, Any], width: int = 30) -> str:
    """The start of a block's text for the preview ('' when it has none)."""
    kind = str(block.get("type", ""))
    body = block.get(kind) if isinstance(block.get(kind), Mapping) else {}
    assert isinstance(body, Mapping)
    if kind in ("child_page", "child_database"):
        text = str(body.get("title", ""))
    elif kind == "equation":
        text = str(body.get("expression", ""))
    else:
        text = plain_text(body.get("rich_text")) or str(block.get("info", ""))
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def describe(block: Mapping[str, Any]) -> str:
    text = snippet(block)
    return f"{label(str(block.get('type', '')))} '{text}'" if text else label(str(block["type"]))


@dataclass(frozen=True)
class UpdateBlock:
    """Change a block in place; `body` is the update request (`{type: {changed fields}}`)."""

    block_id: str
    block_type: str
    body: dict[str, Any]
    before: dict[str, Any]
    after: dict[str, Any]

    def summary(self) -> str:
        return f"update {describe(self.after)}"


@dataclass(frozen=True)
class AppendAfter:
    """Insert blocks (canonical, children nested) into `parent_id` after `after_id`.

    `parent_id` None is the page itself; `after_id` None appends at the end of the parent.
    """

    parent_id: str | None
    after_id: str | None
    blocks: list[dict[str, Any]]
    anchor: dict[str, Any] | None = None
    parent: dict[str, Any] | None = None

    def summary(self) -> str:
        count = count_blocks(self.blocks)
        what = describe(self.blocks[0]) if count == 1 else f"{count} blocks"
        if self.anchor is not None:
            return f"insert {what} after {describe(self.anchor)}"
        where = f"in {describe(self.parent)}" if self.parent is not None else "on the page"
        return f"insert {what} {where}"

    def requests(self) -> int:
        """How many append requests applying this takes."""
        return sum(
            1 + sum(_follow_up_requests(rest) for _path, rest in deferred)
            for _payload, deferred in split_append(self.blocks)
        )


@dataclass(frozen=True)
class DeleteBlock:
    """Move a block (and its children) to the trash."""

    block_id: str
    block: dict[str, Any]

    def summary(self) -> str:
        return f"delete {describe(self.block)}"


@dataclass(frozen=True)
class KeptBlock:
    """A protected block the edit removed or moved: left as it is."""

    block_id: str | None
    block: dict[str, Any]
    reason: str

    def summary(self) -> str:
        return f"keep {describe(self.block)}: {self.reason}"


Operation = UpdateBlock | AppendAfter | DeleteBlock


@dataclass
class BodyPlan:
    """Operations in a safe order (inserts and updates in document order, deletes last)."""

    operations: list[Operation] = field(default_factory=list)
    kept: list[KeptBlock] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not self.operations

    @property
    def ops(self) -> list[Operation]:
        """The operations (the name the plan preview uses)."""
        return self.operations

    def summary(self) -> list[str]:
        """Human lines for the preview, one per operation, then what was kept and why."""
        return (
            [op.summary() for op in self.operations]
            + [k.summary() for k in self.kept]
            + [*self.notes]
        )

    def request_count(self) -> int:
        return sum(op.requests() if isinstance(op, AppendAfter) else 1 for op in self.operations)


# --------------------------------------------------------------------------- request shapes


def count_blocks(blocks: Sequence[Mapping[str, Any]]) -> int:
    return sum(1 + count_blocks(b.get("children") or []) for b in blocks)


DEFAULT_ANNOTATIONS: Final = {
    "bold": False,
    "italic": False,
    "strikethrough": False,
    "underline": False,
    "code": False,
    "color": "default",
}
"""What Notion gives a rich text item whose request names no annotation."""
_RICH_TEXT_FIELDS: Final = ("rich_text", "caption")


def request_rich_text(items: Sequence[Any]) -> list[Any]:
    """Rich text as a request sends it: only what differs from Notion's defaults. A plain run
    is `{"type": "text", "text": {"content": ...}}` (Notion's request schema has no room for
    default annotations or a null link); bold, colours, code and links are kept."""
    out: list[Any] = []
    for item in items:
        if not isinstance(item, Mapping):
            out.append(item)
            continue
        # plain_text and href are answer fields (a mention keeps its plain_text: its label).
        dropped = {"annotations", "href"} | (
            {"plain_text"} if item.get("type") != "mention" else set()
        )
        lean = {key: value for key, value in item.items() if key not in dropped}
        text = item.get("text")
        if isinstance(text, Mapping) and text.get("link", "") is None:
            lean["text"] = {key: value for key, value in text.items() if key != "link"}
        annotations = item.get("annotations")
        if isinstance(annotations, Mapping):
            changed = {
                key: value
                for key, value in annotations.items()
                if key not in DEFAULT_ANNOTATIONS or DEFAULT_ANNOTATIONS[key] != value
            }
            if changed:
                lean["annotations"] = changed
        out.append(lean)
    return out


def request_block(
    block: Mapping[str, Any], children: list[dict[str, Any]] | None
) -> dict[str, Any]:
    """A canonical block in append request form, with the given children (if any): no
    `object`, no default colour, rich text without default annotations (what Notion's request
    schema allows; a new block gets the defaults anyway)."""
    kind = str(block["type"])
    body: dict[str, Any] = {}
    for key, value in block[kind].items():
        if key == "color" and value == "default":
            continue
        rich = key in _RICH_TEXT_FIELDS and isinstance(value, list)
        body[key] = request_rich_text(value) if rich else value
    if children:
        body["children"] = children
    return {"type": kind, kind: body}


Path = tuple[int, ...]


def split_append(
    blocks: Sequence[Mapping[str, Any]],
) -> list[tuple[list[dict[str, Any]], list[tuple[Path, list[dict[str, Any]]]]]]:
    """Append requests for new blocks: each a payload (at most 100 blocks per array, 1000 in all,
    two levels of nesting) and the children left out of it, as (path of their parent within the
    payload, children) to append once the parent exists."""
    requests: list[tuple[list[dict[str, Any]], list[tuple[Path, list[dict[str, Any]]]]]] = []
    payload: list[dict[str, Any]] = []
    deferred: list[tuple[Path, list[dict[str, Any]]]] = []
    used = 0
    for block in blocks:
        need = min(count_blocks([block]), MAX_REQUEST_BLOCKS // 2)
        if payload and (len(payload) >= MAX_ARRAY or used + need > MAX_REQUEST_BLOCKS):
            requests.append((payload, deferred))
            payload, deferred, used = [], [], 0
        budget = [MAX_REQUEST_BLOCKS - used]
        built = _build(block, (len(payload),), 0, budget, deferred)
        used = MAX_REQUEST_BLOCKS - budget[0]
        payload.append(built)
    if payload:
        requests.append((payload, deferred))
    return requests


def _build(
    block: Mapping[str, Any],
    path: Path,
    depth: int,
    budget: list[int],
    deferred: list[tuple[Path, list[dict[str, Any]]]],
) -> dict[str, Any]:
    budget[0] -= 1
    children = list(block.get("children") or [])
    if not children:
        return request_block(block, None)
    if depth >= MAX_REQUEST_DEPTH:
        deferred.append((path, [dict(c) for c in children]))
        return request_block(block, None)
    take = min(len(children), MAX_ARRAY, max(budget[0], 0))
    built = [
        _build(child, (*path, i), depth + 1, budget, deferred)
        for i, child in enumerate(children[:take])
    ]
    if take < len(children):
        deferred.append((path, [dict(c) for c in children[take:]]))
    return request_block(block, built)


def _follow_up_requests(blocks: Sequence[Mapping[str, Any]]) -> int:
    return sum(
        1 + sum(_follow_up_requests(rest) for _path, rest in deferred)
        for _payload, deferred in split_append(blocks)
    )


# --------------------------------------------------------------------------- the diff


def _own(block: Mapping[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in block.items() if key != "children"}


def signature(block: Mapping[str, Any]) -> str:
    """What makes two blocks the same, children aside (references: their id)."""
    if block.get(REFERENCE):
        return f"ref:{block.get('type')}:{block.get('id')}"
    kind = str(block["type"])
    return kind + json.dumps(block[kind], sort_keys=True, ensure_ascii=False)


def _same(a: Mapping[str, Any], b: Mapping[str, Any]) -> bool:
    """signature(a) == signature(b), without building the signatures."""
    if a.get(REFERENCE) or b.get(REFERENCE):
        return bool(a.get(REFERENCE)) == bool(b.get(REFERENCE)) and (
            a["type"],
            a.get("id"),
        ) == (b["type"], b.get("id"))
    kind = a["type"]
    return bool(kind == b["type"] and a[kind] == b[kind])


def _has_reference(block: Mapping[str, Any]) -> bool:
    return any(is_reference(c) or _has_reference(c) for c in block.get("children") or [])


class _Planner:
    def __init__(self) -> None:
        self.plan = BodyPlan()
        self.inserts_and_updates: list[Operation] = []
        self.deletes: list[DeleteBlock] = []
        self.original_ids: set[str] = set()

    def level(
        self,
        parent_id: str | None,
        parent: dict[str, Any] | None,
        original: Sequence[Mapping[str, Any]],
        edited: Sequence[dict[str, Any]],
        canonical: Sequence[dict[str, Any]] | None = None,
    ) -> None:
        """Plan one level; `canonical`: the canonical form of `original`, when known (the
        children of a canonical block), so a page's tree is brought to it once."""
        if canonical is not None and len(canonical) == len(original):
            canon = list(canonical)
        else:
            canon = [canonical_block(block) for block in original]
        ids = [str(block.get("id") or "") for block in original]
        # Events in edited order: ("pair", i, j), ("delete", i, -1), ("insert", -1, j).
        events: list[tuple[str, int, int]] = []
        # Common prefix and suffix by plain equality (cheap); signatures only for the rest.
        head = 0
        size_a, size_b = len(canon), len(edited)
        limit = min(size_a, size_b)
        while head < limit and _same(canon[head], edited[head]):
            head += 1
        tail = 0
        while tail < limit - head and _same(canon[-1 - tail], edited[-1 - tail]):
            tail += 1
        events += [("pair", i, i) for i in range(head)]
        sig_a = [signature(block) for block in canon[head : size_a - tail]]
        sig_b = [signature(block) for block in edited[head : size_b - tail]]
        matcher = difflib.SequenceMatcher(None, sig_a, sig_b, autojunk=False)
        for tag, i1, i2, j1, j2 in matcher.get_opcodes():
            i1, i2, j1, j2 = i1 + head, i2 + head, j1 + head, j2 + head
            if tag == "equal":
                events += [("pair", i1 + k, j1 + k) for k in range(i2 - i1)]
            else:
                events += self._region(canon, edited, i1, i2, j1, j2)
        events += [("pair", size_a - tail + k, size_b - tail + k) for k in range(tail)]
        self._emit(parent_id, parent, original, canon, ids, edited, events)

    @staticmethod
    def _region(
        canon: list[dict[str, Any]],
        edited: Sequence[dict[str, Any]],
        i1: int,
        i2: int,
        j1: int,
        j2: int,
    ) -> list[tuple[str, int, int]]:
        """Pair blocks of the same type (updates in place); the rest are deletes and inserts."""

        def kind(block: Mapping[str, Any]) -> str:
            return ("ref:" if block.get(REFERENCE) else "") + str(block["type"])

        types_a = [kind(b) for b in canon[i1:i2]]
        types_b = [kind(b) for b in edited[j1:j2]]
        out: list[tuple[str, int, int]] = []
        matcher = difflib.SequenceMatcher(None, types_a, types_b, autojunk=False)
        for tag, a1, a2, b1, b2 in matcher.get_opcodes():
            if tag == "equal":
                for k in range(a2 - a1):
                    i, j = i1 + a1 + k, j1 + b1 + k
                    if canon[i].get(REFERENCE):
                        # Two different references of one type are not the same block.
                        out += [("delete", i, -1), ("insert", -1, j)]
                    else:
                        out.append(("pair", i, j))
                continue
            out += [("delete", i1 + k, -1) for k in range(a1, a2)]
            out += [("insert", -1, j1 + k) for k in range(b1, b2)]
        return out

    def _emit(
        self,
        parent_id: str | None,
        parent: dict[str, Any] | None,
        original: Sequence[Mapping[str, Any]],
        canon: list[dict[str, Any]],
        ids: list[str],
        edited: Sequence[dict[str, Any]],
        events: list[tuple[str, int, int]],
    ) -> None:
        anchor: int | None = None  # index into `original` of the last block that stays
        pending: list[dict[str, Any]] = []

        def flush(before: int | None) -> None:
            nonlocal pending
            if not pending:
                return
            at = anchor
            if at is None and before is not None:
                # Notion cannot insert before a parent's first block: go right after it.
                at = before
                where = "the page" if parent is None else describe(parent)
                self.plan.notes.append(
                    f"Notion's API cannot insert before the first block of {where}: "
                    f"{count_blocks(pending)} block(s) go after {describe(canon[before])}."
                )
            self.inserts_and_updates.append(
                AppendAfter(
                    parent_id,
                    ids[at] if at is not None else None,
                    pending,
                    canon[at] if at is not None else None,
                    parent,
                )
            )
            pending = []

        for tag, i, j in events:
            if tag == "insert":
                block = edited[j]
                if block.get(REFERENCE):
                    self._kept_reference(block)
                    continue
                pending.append(block)
                continue
            if tag == "delete":
                if self._protected(canon[i]):
                    reason = (
                        "its line was removed or moved; placeholders are never deleted"
                        if canon[i].get(REFERENCE) or is_reference(canon[i])
                        else "it holds blocks the editor cannot re-create"
                    )
                    self.plan.kept.append(KeptBlock(ids[i] or None, canon[i], reason))
                    flush(i)
                    anchor = i
                    continue
                self.deletes.append(DeleteBlock(ids[i], canon[i]))
                continue
            # A pair: the block stays (updated in place if its content changed).
            flush(i)
            anchor = i
            before, after = canon[i], edited[j]
            if before.get(REFERENCE):
                continue
            if not _same(before, after):
                self.inserts_and_updates.append(
                    UpdateBlock(
                        ids[i],
                        before["type"],
                        _update_body(before, after),
                        _own(before),
                        _own(after),
                    )
                )
            old_children = original[i].get("children") or []
            new_children = after.get("children") or []
            if old_children or new_children:
                known = before.get("children")
                self.level(ids[i], _own(after), old_children, new_children, known)
        flush(None)

    def _protected(self, block: Mapping[str, Any]) -> bool:
        return bool(block.get(REFERENCE)) or _has_reference(block)

    def _kept_reference(self, block: Mapping[str, Any]) -> None:
        ident = block.get("id")
        if isinstance(ident, str) and ident in self.original_ids:
            self.plan.notes.append(
                f"{describe(block)} was moved: blocks the editor cannot re-create stay in place."
            )
        else:
            self.plan.notes.append(
                f"{describe(block)} does not refer to a block of this page: line ignored."
            )


def _update_body(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, Any]:
    """Only the fields that changed, so an untouched icon or language is not rewritten."""
    kind = str(after["type"])
    old, new = before[kind], after[kind]
    return {kind: {key: value for key, value in new.items() if old.get(key) != value}}


def _collect_ids(blocks: Sequence[Mapping[str, Any]], into: set[str]) -> None:
    for block in blocks:
        ident = block.get("id")
        if isinstance(ident, str):
            into.add(ident)
        _collect_ids(block.get("children") or [], into)


def plan_blocks(
    original: Sequence[Mapping[str, Any]], edited: Sequence[dict[str, Any]]
) -> BodyPlan:
    """The plan from the page's blocks to edited canonical blocks."""
    planner = _Planner()
    _collect_ids(original, planner.original_ids)
    planner.level(None, None, original, edited)
    planner.plan.operations = [*planner.inserts_and_updates, *planner.deletes]
    return planner.plan


def plan_body(original: Sequence[Mapping[str, Any]], edited_markdown: str) -> BodyPlan:
    """The smallest set of operations turning `original` (blocks as get_blocks_recursive returns
    them) into the blocks of `edited_markdown`."""
    return plan_blocks(original, markdown_to_blocks(edited_markdown))
