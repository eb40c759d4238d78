"""Applying a body plan through NotionAPI: appends at the right anchors, batched, in order.

Operations run in the plan's order (inserts and updates in document order, deletes last, so a
failure never loses text before its replacement exists). An append is split into requests of
at most 100 blocks with two levels of nesting; deeper children and overflow go in follow-up
requests to the blocks just created (their ids come from the append's answer, or, below the
first level, from reading the new block's children). Appends are CREATE actions: never resent.

On a failure the rest is not attempted and a PartialApplyError says exactly which operations
were applied, which one failed (and whether it may have been applied, for a create whose
answer was lost), and which were not attempted, so the caller keeps the draft for the rest.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from alloy_tui.alloy.errors import (
    AlloyError,
    AuthError,
    ConnectionNotFoundError,
    ForbiddenError,
    NotSharedError,
    RateLimitedError,
    ValidationError,
)
from alloy_tui.alloy.notion_api import NotionAPI
from alloy_tui.notion.bodyplan import (
    BodyPlan,
    DeleteBlock,
    Operation,
    Path,
    UpdateBlock,
    split_append,
)

Progress = Callable[[int, int, Operation], None]
"""on_progress(done, total, operation) after each operation."""

_NOT_PROCESSED = (
    ValidationError,
    AuthError,
    ForbiddenError,
    NotSharedError,
    ConnectionNotFoundError,
    RateLimitedError,
)
"""Errors that prove the server did not apply the request."""


@dataclass
class ApplyResult:
    applied: list[Operation] = field(default_factory=list)
    created_ids: list[str] = field(default_factory=list)
    requests: int = 0


class PartialApplyError(AlloyError):
    """A save stopped part way: what was applied, what failed, what was not attempted."""

    default_remedy = "Your draft is kept; reload the page and save again to apply the rest."

    def __init__(
        self,
        cause: AlloyError,
        *,
        applied: list[Operation],
        failed: Operation,
        not_applied: list[Operation],
        failed_may_be_applied: bool,
        created_ids: list[str],
    ) -> None:
        done = len(applied)
        total = done + 1 + len(not_applied)
        super().__init__(
            f"Saved {done} of {total} changes; '{failed.summary()}' failed: {cause.sentence}",
            remedy=cause.remedy if done == 0 else self.default_remedy,
            status=cause.status,
            code=cause.code,
            field=cause.field,
            detail=cause.detail,
        )
        self.cause = cause
        self.applied = applied
        self.failed = failed
        self.not_applied = not_applied
        self.failed_may_be_applied = failed_may_be_applied
        self.created_ids = created_ids

    def report(self) -> list[str]:
        """Lines for the user: each operation and its fate."""
        lines = [f"applied: {op.summary()}" for op in self.applied]
        state = "may have been applied" if self.failed_may_be_applied else "not applied"
        lines.append(f"failed ({state}): {self.failed.summary()}")
        lines += [f"not applied: {op.summary()}" for op in self.not_applied]
        return lines


class _Applier:
    def __init__(self, notion: NotionAPI, page_id: str) -> None:
        self.notion = notion
        self.page_id = page_id
        self.result = ApplyResult()
        self.touched = False  # whether the running operation changed anything yet

    async def run(self, op: Operation) -> None:
        self.touched = False
        if isinstance(op, UpdateBlock):
            self.touched = True
            await self.notion.update_block(op.block_id, op.body)
            self.result.requests += 1
        elif isinstance(op, DeleteBlock):
            self.touched = True
            await self.notion.delete_block(op.block_id)
            self.result.requests += 1
        else:
            await self.append(op.parent_id or self.page_id, op.after_id, op.blocks)

    async def append(self, parent_id: str, after: str | None, blocks: list[dict[str, Any]]) -> None:
        for payload, deferred in split_append(blocks):
            self.touched = True
            children: list[Mapping[str, Any]] = list(payload)
            created = await self.notion.append_block_children(parent_id, children, after=after)
            self.result.requests += 1
            ids = [str(block["id"]) for block in created]
            self.result.created_ids += ids
            if ids:
                after = ids[-1]
            listings: dict[str, list[str]] = {}
            for path, rest in deferred:
                target = await self._resolve(ids, path, listings)
                await self.append(target, None, rest)

    async def _resolve(self, top: list[str], path: Path, listings: dict[str, list[str]]) -> str:
        """The id of the block created at `path` (index in the request, then child indexes)."""
        current = top[path[0]]
        for index in path[1:]:
            if current not in listings:
                # Children created in one request come back in order on the first page.
                page = await self.notion.get_block_children(current, page_size=100)
                listings[current] = [str(block["id"]) for block in page.results]
            current = listings[current][index]
        return current


async def apply_plan(
    notion: NotionAPI,
    page_id: str,
    plan: BodyPlan,
    on_progress: Progress | None = None,
) -> ApplyResult:
    """Apply `plan` to the page `page_id`; raises PartialApplyError after any failure."""
    applier = _Applier(notion, page_id)
    operations = list(plan.operations)
    for index, op in enumerate(operations):
        created_before = len(applier.result.created_ids)
        try:
            await applier.run(op)
        except AlloyError as error:
            # A create whose answer was lost may have happened; so may part of a long append.
            lost_answer = applier.touched and not isinstance(error, _NOT_PROCESSED)
            part_done = len(applier.result.created_ids) > created_before
            raise PartialApplyError(
                error,
                applied=operations[:index],
                failed=op,
                not_applied=operations[index + 1 :],
                failed_may_be_applied=lost_answer or part_done,
                created_ids=list(applier.result.created_ids),
            ) from error
        applier.result.applied.append(op)
        if on_progress is not None:
            on_progress(index + 1, len(operations), op)
    return applier.result
