"""`alloy-tui db query`: every row of a database or data source, filtered and sorted, as a
table, a JSON array, or JSON Lines streamed as pages arrive."""

from __future__ import annotations

import argparse
import contextlib
import json
from collections.abc import AsyncGenerator, Mapping
from typing import Any, Final

from alloy_tui.alloy.errors import NotSharedError, ValidationError
from alloy_tui.alloy.models import ResultPage
from alloy_tui.alloy.notion_api import NotionAPI
from alloy_tui.commands.common import EXIT_OK, CommandError, Context, notion_id_arg
from alloy_tui.notion.ids import id_from_text
from alloy_tui.notion.models import database_title, page_title

TIMESTAMPS: Final = ("created_time", "last_edited_time")
_DIRECTIONS: Final = {
    "asc": "ascending",
    "ascending": "ascending",
    "desc": "descending",
    "descending": "descending",
}


def parse_filter(text: str | None) -> dict[str, Any] | None:
    if text is None:
        return None
    try:
        value = json.loads(text)
    except ValueError as error:
        raise CommandError(
            f"--filter is not valid JSON: {error}.",
            'Give a Notion filter object, e.g. \'{"property":"Done","checkbox":{"equals":true}}\'.',
        ) from None
    if not isinstance(value, dict):
        raise CommandError(
            "--filter must be a JSON object (a Notion filter).",
            'E.g. \'{"property":"Done","checkbox":{"equals":true}}\'.',
        )
    return value


def parse_sorts(
    items: list[str], schema: Mapping[str, Any] | None
) -> list[Mapping[str, Any]] | None:
    """`PROP[:asc|desc]` each, checked against the schema when it is known."""
    if not items:
        return None
    sorts: list[Mapping[str, Any]] = []
    for item in items:
        name, direction = item, "ascending"
        head, sep, tail = item.rpartition(":")
        if sep and tail.lower() in _DIRECTIONS:
            name, direction = head, _DIRECTIONS[tail.lower()]
        if not name:
            raise CommandError(f"--sort {item!r} names no property.", "Use --sort PROP[:desc].")
        if schema is not None and name in schema:
            sorts.append({"property": name, "direction": direction})
        elif name in TIMESTAMPS:
            sorts.append({"timestamp": name, "direction": direction})
        elif schema is None:
            sorts.append({"property": name, "direction": direction})
        else:
            known = ", ".join(sorted(schema)) or "none"
            raise CommandError(
                f"--sort {name!r}: there is no such property (the properties are: {known}).",
                "Sort by one of them, or by created_time or last_edited_time.",
            )
    return sorts


def _pick_source(
    database: Mapping[str, Any], sources: list[tuple[str, str]], wanted: str | None
) -> str | None:
    """The data source to query: the one --source names, the only one, or None (query the
    database itself). Several and no --source is an error that lists them."""
    title = database_title(database)
    if wanted is not None:
        if not sources:
            raise CommandError(
                f"The database {title!r} has no data sources (the connector answers only in "
                "Notion 2022-06-28).",
                "Leave out --source.",
            )
        wanted_id = id_from_text(wanted)
        for ident, name in sources:
            if ident == wanted_id or name.casefold() == wanted.strip().casefold():
                return ident
        listed = "; ".join(f"{name} ({ident})" for ident, name in sources)
        raise CommandError(
            f"The database {title!r} has no data source {wanted!r}; it has: {listed}.",
            "Pass one of these names or ids with --source.",
        )
    if len(sources) > 1:
        listed = "; ".join(f"{name} ({ident})" for ident, name in sources)
        raise CommandError(
            f"The database {title!r} has {len(sources)} data sources: {listed}.",
            "Choose one with --source NAME_OR_ID.",
        )
    return sources[0][0] if sources else None


async def _rows(
    ns: argparse.Namespace, notion: NotionAPI, target: str
) -> AsyncGenerator[ResultPage, None]:
    """The pages of rows of `target`, a database or a data source."""
    filter_ = parse_filter(ns.filter)
    try:
        database = await notion.get_database(target)
    except (NotSharedError, ValidationError) as not_a_database:
        try:  # a data source id (what search lists in Notion 2025-09-03)
            source = await notion.get_data_source(target)
        except (NotSharedError, ValidationError):
            raise not_a_database from None
        if ns.source is not None:
            raise CommandError("--source is for a database; this id is a data source.") from None
        sorts = parse_sorts(ns.sort, source.get("properties"))
        async for page in notion.iter_query_data_source(target, filter_, sorts, page_size=100):
            yield page
        return
    sources = await notion.database_sources(database)
    source_id = _pick_source(database, sources, ns.source)
    if source_id is not None and (
        ns.source is not None or notion.speaks_data_sources or "properties" not in database
    ):
        schema = (await notion.get_data_source(source_id)).get("properties") if ns.sort else None
        sorts = parse_sorts(ns.sort, schema)
        async for page in notion.iter_query_data_source(source_id, filter_, sorts, page_size=100):
            yield page
        return
    sorts = parse_sorts(ns.sort, database.get("properties"))
    async for page in notion.iter_query(target, filter_, sorts, page_size=100):
        yield page


async def run_query(ns: argparse.Namespace, ctx: Context) -> int:
    target = notion_id_arg(ns.database, "database")
    notion = ctx.notion()
    rows: list[dict[str, Any]] = []
    count = 0
    pages = _rows(ns, notion, target)
    async with contextlib.aclosing(pages):
        async for page in pages:
            count += len(page.results)
            if ns.jsonl:  # streamed: each page of rows is out before the next is asked for
                ctx.progress.clear()
                for row in page.results:
                    ctx.out.json_line(row)
            else:
                rows.extend(page.results)
            ctx.progress.show(f"Querying: {count} rows so far")
    ctx.progress.clear()
    if ns.jsonl:
        return EXIT_OK
    if ns.json:
        ctx.out.json(rows)
        return EXIT_OK
    if not rows:
        ctx.out.line("No rows.")
        return EXIT_OK
    ctx.out.table(
        ("ID", "LAST EDITED", "TITLE"),
        [
            (
                str(row.get("id")),
                str(row.get("last_edited_time") or "")[:16].replace("T", " "),
                page_title(row),
            )
            for row in rows
        ],
    )
    return EXIT_OK


__all__ = ["parse_filter", "parse_sorts", "run_query"]
