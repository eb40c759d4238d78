"""The new-page workflow: where the page goes, its schema, and a create sent exactly once.

No Textual here: the new-page screen draws the form and drives a `NewPage` from workers. A
create is never resent automatically; when its answer is lost, the workspace is searched for
the page before the user is offered to send it again, so a retry cannot make a duplicate."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from alloy_tui.alloy.errors import AlloyError, CannotReachError, ServerError
from alloy_tui.alloy.notion_api import NotionAPI
from alloy_tui.notion.models import (
    ParentRef,
    PropertySchema,
    database_title,
    page_title,
    parse_time,
    schema_from_database,
)
from alloy_tui.notion.richtext import plain_text

PAGE_TITLE_SCHEMA = PropertySchema(name="title", id="title", type="title")
"""A page under a page or the workspace has only a title."""


@dataclass(frozen=True)
class Destination:
    """Where a new page goes: its schema (writable properties) and a label for the header."""

    schema: list[PropertySchema]
    label: str


@dataclass(frozen=True)
class Created:
    page: dict[str, Any]
    recovered: bool = False
    """The answer was lost, but the lookup found the page Notion made."""


class CreateUncertain(AlloyError):
    """A create whose answer was lost: the sentence says whether Notion made the page (then it
    was not found) or whether that could not be checked; the remedy says what is safe."""


def title_property(schema: list[PropertySchema]) -> str:
    """The schema's title property (a page outside a database calls it "title")."""
    return next((p.name for p in schema if p.type == "title"), "title")


class NewPage:
    """One new page being prepared and created through `notion`."""

    def __init__(self, notion: NotionAPI, *, now: Any) -> None:
        self.notion = notion
        self.now = now
        self.schema: list[PropertySchema] = [PAGE_TITLE_SCHEMA]

    async def destination(self, ref: ParentRef, label: str = "") -> Destination:
        """Read what the parent says about the new page: a database's writable properties, a
        page's title for the header. AlloyError when a database cannot be read."""
        schema = [PAGE_TITLE_SCHEMA]
        if ref.kind == "database_id" and ref.id:
            database = await self.notion.get_database(ref.id)
            label = label or database_title(database)
            schema = [p for p in schema_from_database(database) if p.writable]
        elif ref.kind == "data_source_id" and ref.id:
            source = await self.notion.get_data_source(ref.id)
            label = label or database_title(source)
            schema = [p for p in schema_from_database(source) if p.writable]
        elif ref.kind == "page_id" and ref.id and not label:
            try:
                label = page_title(await self.notion.get_page(ref.id))
            except AlloyError:
                label = "the page"
        self.schema = schema
        return Destination(schema, label)

    async def create(self, parent: dict[str, Any], properties: dict[str, Any]) -> Created:
        """Send the create once. A lost answer (unreachable, 5xx) is followed by a lookup:
        Created(recovered=True) if Notion made the page, else CreateUncertain. Other errors
        (ValidationError included) are raised as they are: nothing was created."""
        properties = dict(properties)
        properties.setdefault(title_property(self.schema), {"title": []})
        started: datetime = self.now()
        try:
            return Created(await self.notion.create_page(parent, properties))
        except (CannotReachError, ServerError) as error:
            found = await self._find_created(parent, properties, started, error)
            return Created(found, recovered=True)

    async def _find_created(
        self,
        parent: Mapping[str, Any],
        properties: Mapping[str, Any],
        started: datetime,
        error: AlloyError,
    ) -> dict[str, Any]:
        title = plain_text((properties.get(title_property(self.schema)) or {}).get("title"))
        since = started.replace(second=0, microsecond=0)  # Notion's times are per minute
        try:
            found = await self.notion.search(title, filter_object="page")
        except AlloyError:
            raise CreateUncertain(
                f"{error.sentence} The page may have been created.",
                remedy="Search for its title before creating it again, so it is not created twice.",
            ) from error
        for page in found.results:
            if (
                page_title(page, default="") == title
                and same_parent(page.get("parent") or {}, parent)
                and (created := _created_at(page)) is not None
                and created >= since
            ):
                return page
        raise CreateUncertain(
            f"{error.sentence} Notion did not create the page.",
            remedy="Press Ctrl+S to send it again.",
        ) from error


def same_parent(found: Mapping[str, Any], sent: Mapping[str, Any]) -> bool:
    """Whether a page's parent is the one a create request named (ids in any dash form)."""
    kind = str(found.get("type") or "")
    if kind == "workspace":
        return "workspace" in sent or sent.get("type") == "workspace"
    wanted = sent.get(kind)
    return isinstance(wanted, str) and wanted.replace("-", "") == str(found.get(kind)).replace(
        "-", ""
    )


def _created_at(page: Mapping[str, Any]) -> datetime | None:
    try:
        return parse_time(str(page.get("created_time") or ""))
    except ValueError:
        return None


__all__ = [
    "PAGE_TITLE_SCHEMA",
    "CreateUncertain",
    "Created",
    "Destination",
    "NewPage",
    "same_parent",
    "title_property",
]
