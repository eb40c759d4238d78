"""`alloy-tui page get|export|import|create`: a page's properties, and its body as Markdown.

`export` prints the body as the editor's Markdown and remembers its hash; `import` makes the
body match a Markdown file with the editor's minimal plan (`PageSession`: the same check, plan
and apply as Ctrl+S in the app), refusing when Notion's body changed since the export."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Mapping
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from alloy_tui.alloy.body_sync import PartialApplyError, apply_plan
from alloy_tui.alloy.errors import ConflictError, NotSharedError, ValidationError
from alloy_tui.alloy.notion_api import NotionAPI
from alloy_tui.commands.common import (
    EXIT_OK,
    CommandError,
    Context,
    exit_code_for,
    notion_id_arg,
    read_text_file,
)
from alloy_tui.commands.exports import ExportRecords
from alloy_tui.commands.output import safe
from alloy_tui.config import atomic_write_text
from alloy_tui.creating import NewPage, title_property
from alloy_tui.drafts import DraftStore
from alloy_tui.editing import BodyPartlySaved, PageSession, SaveCheck
from alloy_tui.notion.bodyplan import BodyPlan, plan_body
from alloy_tui.notion.hashing import blocks_hash
from alloy_tui.notion.markdown import blocks_to_markdown, markdown_to_blocks
from alloy_tui.notion.models import ParentRef, database_title, page_title, parent_of
from alloy_tui.notion.richtext import from_plain, plain_text
from alloy_tui.notion.values import display


def _records(ctx: Context) -> ExportRecords:
    return ExportRecords(
        ctx.settings.state_dir / "exports",
        # A --sandbox run gets a new port each time, over the same sandbox file.
        origin="sandbox" if ctx.settings.sandbox else ctx.client.base_url,
        connection_id=ctx.connection_id(),
    )


def _warn(text: str) -> None:
    print(f"warning: {text}", file=sys.stderr)


# ---- get ---------------------------------------------------------------------------------


async def run_get(ns: argparse.Namespace, ctx: Context) -> int:
    page_id = notion_id_arg(ns.page, "page")
    page = await ctx.notion().get_page(page_id)
    if ns.json:
        ctx.out.json(page)
        return EXIT_OK
    parent = parent_of(page)
    rows: list[tuple[str, str]] = [
        ("Title", page_title(page)),
        ("ID", str(page.get("id"))),
        ("URL", str(page.get("url") or "-")),
        ("Parent", parent.kind + (f" {parent.id}" if parent.id else "")),
        ("Created", str(page.get("created_time") or "-")),
        ("Last edited", str(page.get("last_edited_time") or "-")),
    ]
    if page.get("in_trash") or page.get("archived"):
        rows.append(("In trash", "yes"))
    width = max(len(name) for name, _ in rows)
    for name, value in rows:
        ctx.out.line(f"{name + ':':<{width + 1}} {safe(value)}")
    properties = page.get("properties") or {}
    shown = [
        (prop, prop_value)
        for prop, prop_value in properties.items()
        if isinstance(prop_value, Mapping) and prop_value.get("type") != "title"
    ]
    if shown:
        ctx.out.line("Properties:")
        for prop, prop_value in shown:
            ctx.out.line(f"  {safe(prop)}: {safe(display(prop_value))}")
    return EXIT_OK


# ---- export ------------------------------------------------------------------------------


async def run_export(ns: argparse.Namespace, ctx: Context) -> int:
    page_id = notion_id_arg(ns.page, "page")
    notion = ctx.notion()
    ctx.progress.show("Reading the page's blocks…")
    blocks = await notion.get_blocks_recursive(page_id)
    ctx.progress.clear()
    # The secrets are hidden in the blocks, before Markdown escapes them out of recognition.
    markdown = blocks_to_markdown(ctx.out.scrub_value(blocks))
    if not _records(ctx).save(page_id, blocks_hash(blocks)):
        _warn("the export could not be recorded; importing it will not check for conflicts.")
    if ns.output is None:
        ctx.out.write(markdown if markdown.endswith("\n") or not markdown else markdown + "\n")
        return EXIT_OK
    path = Path(ns.output)
    try:
        atomic_write_text(path, ctx.out.scrub(markdown), mode=0o644)
    except OSError as error:
        raise CommandError(
            f"Cannot write {path}: {error.strerror or error}.", "Check the folder exists."
        ) from None
    ctx.out.line(f"Exported {_count(blocks)} blocks to {path}")
    return EXIT_OK


def _count(blocks: list[dict[str, Any]]) -> int:
    return sum(1 + _count(block.get("children") or []) for block in blocks)


# ---- import ------------------------------------------------------------------------------


async def run_import(ns: argparse.Namespace, ctx: Context) -> int:
    page_id = notion_id_arg(ns.page, "page")
    markdown = read_text_file(ns.file, "Markdown file")
    notion = ctx.notion()
    records = _records(ctx)
    record = records.load(page_id)
    # No connection id: the shell never writes or removes the app's drafts of this page.
    session = PageSession(
        notion,
        DraftStore(ctx.settings.state_dir / "drafts"),
        page_id,
        connection_id=None,
        origin=ctx.client.base_url,
    )
    session.body_loaded = True
    session.body_base_hash = record.body_hash if record is not None else None
    ctx.progress.show("Reading the page's body…")
    check = await session.check({}, markdown)
    ctx.progress.clear()
    plan = check.plan or BodyPlan()
    if not plan.is_empty and check.conflict is not None:
        if record is not None and not ns.force:
            raise ConflictError(
                f"The body of {check.conflict.title!r} changed in Notion since you exported it "
                f"({record.exported_at}); nothing was written.",
                remedy="Export it again and redo your edit, or pass --force to replace "
                "Notion's version with your file.",
            )
        check = session.overwrite(check)
        if record is None:
            _warn("this page was not exported here, so its body is replaced without a check.")
    applied = False
    if not plan.is_empty and not ns.dry_run:
        ctx.progress.show(f"Applying {len(plan.operations)} operations…")
        try:
            await session.apply(check, recheck=False)
        except BodyPartlySaved as partial:
            ctx.progress.clear()
            return _partly(partial.error)
        ctx.progress.clear()
        applied = True
        if session.body_base_hash is not None:
            records.save(page_id, session.body_base_hash)
    elif plan.is_empty and not ns.dry_run and check.server_blocks is not None:
        records.save(page_id, blocks_hash(check.server_blocks))  # the file is Notion's body
    _report_import(ns, ctx, page_id, check, plan, applied=applied)
    return EXIT_OK


def _partly(error: PartialApplyError) -> int:
    print(f"error: {error.sentence}", file=sys.stderr)
    for line in error.report():
        print(f"  {line}", file=sys.stderr)
    print(error.remedy, file=sys.stderr)
    return exit_code_for(error)


def _report_import(
    ns: argparse.Namespace,
    ctx: Context,
    page_id: str,
    check: SaveCheck,
    plan: BodyPlan,
    *,
    applied: bool,
) -> None:
    count = len(plan.operations)
    if ns.json:
        ctx.out.json(
            {
                "page_id": page_id,
                "operations": count,
                "requests": plan.request_count(),
                "plan": [op.summary() for op in plan.operations],
                "kept": [kept.summary() for kept in plan.kept],
                "notes": list(plan.notes),
                "dry_run": bool(ns.dry_run),
                "applied": applied,
            }
        )
        return
    title = page_title(check.server_page)
    if not count:
        ctx.out.line(f"0 operations: the body of {safe(title)!r} already matches {ns.file}.")
    else:
        noun = "operation" if count == 1 else "operations"
        requests = plan.request_count()
        calls = "request" if requests == 1 else "requests"
        ctx.out.line(f"{count} {noun} ({requests} {calls}) on {safe(title)!r}:")
    for line in plan.summary():
        ctx.out.line(f"  {safe(line)}")
    if count and ns.dry_run:
        ctx.out.line("Dry run: nothing was changed.")
    elif applied:
        ctx.out.line("Applied.")


# ---- create ------------------------------------------------------------------------------


def split_title(markdown: str) -> tuple[list[dict[str, Any]] | None, str]:
    """The rich text of the first `# ` heading (outside code fences) and the Markdown without
    it; (None, markdown) when there is none."""
    lines = markdown.split("\n")
    fence = ""
    for index, line in enumerate(lines):
        stripped = line.strip()
        if fence:
            if stripped.startswith(fence):
                fence = ""
            continue
        if stripped.startswith(("```", "~~~")):
            fence = stripped[:3]
            continue
        if line.startswith("# "):
            blocks = markdown_to_blocks(line)
            if not blocks or blocks[0].get("type") != "heading_1":
                return None, markdown
            rich_text = list(blocks[0]["heading_1"].get("rich_text") or [])
            rest = lines[:index] + lines[index + 1 :]
            if index < len(rest) and not rest[index].strip():
                del rest[index]  # the blank line that followed the heading
            return rich_text, "\n".join(rest)
    return None, markdown


async def _parent_ref(notion: NotionAPI, parent_id: str) -> ParentRef:
    """What `parent_id` is: a page, a database (its one data source in 2025-09-03), or a data
    source. A database with several data sources must be given as one of them."""
    try:
        await notion.get_page(parent_id)
        return ParentRef("page_id", parent_id)
    except (NotSharedError, ValidationError) as first:  # Notion: "... is a database"
        not_a_page = first
    try:
        database = await notion.get_database(parent_id)
    except (NotSharedError, ValidationError):
        try:
            await notion.get_data_source(parent_id)
        except (NotSharedError, ValidationError):
            raise not_a_page from None
        return ParentRef("data_source_id", parent_id)
    sources = await notion.database_sources(database)
    if len(sources) > 1:
        listed = "; ".join(f"{name} ({ident})" for ident, name in sources)
        raise CommandError(
            f"The database {database_title(database)!r} has {len(sources)} data sources: {listed}.",
            "Give one of them as --parent.",
        )
    if sources and notion.speaks_data_sources:
        return ParentRef("data_source_id", sources[0][0])
    return ParentRef("database_id", parent_id)


async def run_create(ns: argparse.Namespace, ctx: Context) -> int:
    markdown = read_text_file(ns.file, "Markdown file")
    parent_id = notion_id_arg(ns.parent, "parent page or database")
    heading, body = split_title(markdown)
    if ns.title is not None:
        title_text, body = from_plain(ns.title.strip()), markdown
    elif heading is not None:
        title_text = heading
    else:
        raise CommandError(
            f"{ns.file} has no `# ` heading to name the page.",
            "Start it with `# Title`, or pass --title.",
        )
    if not plain_text(title_text).strip():
        raise CommandError("The new page's title is empty.", "Give a title with --title.")
    notion = ctx.notion()
    ref = await _parent_ref(notion, parent_id)
    new = NewPage(notion, now=lambda: datetime.now(UTC))
    await new.destination(ref)
    created = await new.create(
        ref.to_request(), {title_property(new.schema): {"title": title_text}}
    )
    page = created.page
    page_id = str(page["id"])
    plan = plan_body([], body)
    if not plan.is_empty:
        ctx.progress.show(f"Writing the body ({plan.request_count()} requests)…")
        try:
            await apply_plan(notion, page_id, plan)
        except PartialApplyError as error:
            ctx.progress.clear()
            print(f"Created {page_id}, but its body was not fully written.", file=sys.stderr)
            return _partly(error)
        ctx.progress.clear()
    if created.recovered:
        _warn("the create's answer was lost; the page was found in Notion afterwards.")
    if ns.json:
        ctx.out.json(
            {
                "id": page_id,
                "url": page.get("url"),
                "title": plain_text(title_text),
                "parent": page.get("parent"),
                "recovered": created.recovered,
                "body_requests": plan.request_count(),
            }
        )
        return EXIT_OK
    ctx.out.line(f"Created {safe(plain_text(title_text))!r}: {page_id}")
    if page.get("url"):
        ctx.out.line(safe(page["url"]))
    return EXIT_OK


__all__ = ["run_create", "run_export", "run_get", "run_import", "split_title"]
