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
    parent_of,
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
class DatabaseChoice:
    """A database picked as a new page's place: its data sources decide the create's parent."""

    database_id: str
    title: str
    sources: list[tuple[str, str]]
    """(id, name) of its data sources; [] when the connector answers in 2022-06-28 only."""
    schema_on_sources: bool
    """It answered in 2025-09-03's shape (no `properties`): the schema is on its source."""

    @property
    def needs_source(self) -> bool:
        """Several data sources: the user must say which one the page goes into."""
        return len(self.sources) > 1

    def parent(self, data_source_id: str | None = None) -> dict[str, Any]:
        """The create request's parent: the chosen data source; the only one when the database
        answered in 2025-09-03; the database itself for a single-source 2022-06-28 answer."""
        if data_source_id is None:
            if self.needs_source:
                raise ValueError(f"{self.title} has several data sources: choose one.")
            if not (self.sources and self.schema_on_sources):
                return {"type": "database_id", "database_id": self.database_id}
            data_source_id = self.sources[0][0]
        if data_source_id not in dict(self.sources):
            raise ValueError(f"{data_source_id} is not a data source of {self.title}.")
        return {"type": "data_source_id", "data_source_id": data_source_id}

    def source_label(self, data_source_id: str) -> str:
        """'Bugs · Roadmap': a data source is named with its database."""
        name = dict(self.sources).get(data_source_id) or "Untitled"
        return f"{name} · {self.title}"


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
        self.source_database: str | None = None
        """The database of the data source the page goes into (found again after a lost
        answer by a search that may name the database as the parent)."""
        self._database: dict[str, Any] | None = None

    async def database(self, database_id: str) -> DatabaseChoice:
        """What a picked database holds: its title and data sources (read in 2025-09-03 when
        its answer has none). AlloyError when it cannot be read."""
        database = await self.notion.get_database(database_id)
        sources = await self.notion.database_sources(database)
        self._database = database
        return DatabaseChoice(
            database_id=str(database["id"]),
            title=database_title(database),
            sources=sources,
            schema_on_sources="properties" not in database,
        )

    async def destination(self, ref: ParentRef, label: str = "") -> Destination:
        """Read what the parent says about the new page: a database's (or data source's)
        writable properties, a page's title for the header. AlloyError when it cannot be read."""
        schema = [PAGE_TITLE_SCHEMA]
        self.source_database = None
        if ref.kind == "database_id" and ref.id:
            database = self._database
            if database is None or str(database.get("id")) != ref.id:
                database = await self.notion.get_database(ref.id)
            label = label or database_title(database)
            schema = [p for p in schema_from_database(database) if p.writable]
        elif ref.kind == "data_source_id" and ref.id:
            source = await self.notion.get_data_source(ref.id)
            label = label or database_title(source)
            schema = [p for p in schema_from_database(source) if p.writable]
            self.source_database = parent_of(source).id
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
                and self._same_parent(page.get("parent") or {}, parent)
                and (created := _created_at(page)) is not None
                and created >= since
            ):
                return page
        raise CreateUncertain(
            f"{error.sentence} Notion did not create the page.",
            remedy="Press Ctrl+S to send it again.",
        ) from error

    def _same_parent(self, found: Mapping[str, Any], sent: Mapping[str, Any]) -> bool:
        """same_parent, and a row sent to a data source that a 2022-06-28 answer shows under
        the source's database."""
        if same_parent(found, sent):
            return True
        return (
            "data_source_id" in sent
            and found.get("type") == "database_id"
            and self.source_database is not None
            and same_parent(found, {"database_id": self.source_database})
        )


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
    "DatabaseChoice",
    "Destination",
    "NewPage",
    "same_parent",
    "title_property",
]
