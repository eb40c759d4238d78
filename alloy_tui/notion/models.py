"""Small typed views over Notion JSON: titles, icons, parents, database schemas, relative times."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from alloy_tui.notion.properties import READ_ONLY_TYPES, WRITABLE_TYPES
from alloy_tui.notion.richtext import plain_text

UNTITLED = "Untitled"
"""What Notion shows for a page or database whose title is empty."""


def _title_property(properties: Mapping[str, Any]) -> tuple[str, Mapping[str, Any]] | None:
    for name, value in properties.items():
        if isinstance(value, Mapping) and value.get("type") == "title":
            return name, value
    return None


def page_title(page: Mapping[str, Any], default: str = UNTITLED) -> str:
    """The plain title of a page (its one `title` property), or `default` when empty."""
    found = _title_property(page.get("properties") or {})
    text = plain_text(found[1].get("title")) if found else ""
    return text or default


def title_property_name(obj: Mapping[str, Any]) -> str:
    """The name of the title property of a page or database ('title' for plain pages)."""
    found = _title_property(obj.get("properties") or {})
    return found[0] if found else "title"


def database_title(database: Mapping[str, Any], default: str = UNTITLED) -> str:
    return plain_text(database.get("title")) or default


def database_description(database: Mapping[str, Any]) -> str:
    return plain_text(database.get("description"))


def object_title(obj: Mapping[str, Any], default: str = UNTITLED) -> str:
    """The title of a page, a database or a data source (2025-09-03), whichever `obj` is."""
    if obj.get("object") in ("database", "data_source"):
        return database_title(obj, default)
    return page_title(obj, default)


def object_icon(obj: Mapping[str, Any]) -> str:
    """The emoji icon of a page or database, '' when it has none or an image icon."""
    icon = obj.get("icon")
    if isinstance(icon, Mapping) and icon.get("type") == "emoji":
        return str(icon.get("emoji") or "")
    return ""


def is_trashed(obj: Mapping[str, Any]) -> bool:
    return bool(obj.get("in_trash") or obj.get("archived"))


@dataclass(frozen=True)
class ParentRef:
    """Where an object lives: the workspace, a page, a database or a block."""

    kind: str
    """One of 'workspace', 'page_id', 'database_id', 'data_source_id', 'block_id'."""
    id: str | None = None

    @property
    def is_workspace(self) -> bool:
        return self.kind == "workspace"

    def to_request(self) -> dict[str, Any]:
        """The `parent` object of a create request."""
        if self.kind == "workspace" or self.id is None:
            return {"type": "workspace", "workspace": True}
        return {"type": self.kind, self.kind: self.id}

    def label(self, titles: Mapping[str, str] | None = None) -> str:
        """'Workspace', or the parent's title when `titles` knows it, else its kind."""
        if self.is_workspace:
            return "Workspace"
        if titles and self.id and self.id in titles:
            return titles[self.id]
        return {
            "page_id": "Page",
            "database_id": "Database",
            "data_source_id": "Data source",
            "block_id": "Block",
        }.get(self.kind, self.kind)


def parent_of(obj: Mapping[str, Any]) -> ParentRef:
    """The parent of a page, database or block, read from its `parent` object."""
    parent = obj.get("parent")
    if not isinstance(parent, Mapping):
        return ParentRef("workspace")
    kind = str(parent.get("type") or "")
    if not kind:
        kind = next(
            (
                k
                for k in ("data_source_id", "database_id", "page_id", "block_id", "workspace")
                if k in parent
            ),
            "workspace",
        )
    if kind == "workspace":
        return ParentRef("workspace")
    value = parent.get(kind)
    return ParentRef(kind, str(value) if value else None)


def parent_from_request(parent: Mapping[str, Any] | None) -> ParentRef:
    """Read a create-request parent (`{"page_id": ...}`, `{"workspace": True}`), or None."""
    if not parent:
        return ParentRef("workspace")
    return parent_of({"parent": parent})


@dataclass(frozen=True)
class PropertySchema:
    """One property of a database schema (or of a page outside a database)."""

    name: str
    id: str
    type: str
    config: Mapping[str, Any] = field(default_factory=dict)

    @property
    def writable(self) -> bool:
        return self.type in WRITABLE_TYPES

    @property
    def read_only(self) -> bool:
        return self.type in READ_ONLY_TYPES or self.type not in WRITABLE_TYPES

    @property
    def options(self) -> tuple[str, ...]:
        """Option names of a select, multi_select or status property, in schema order."""
        raw = self.config.get("options") or []
        return tuple(str(o.get("name", "")) for o in raw if isinstance(o, Mapping))

    def option_color(self, name: str) -> str:
        for option in self.config.get("options") or []:
            if isinstance(option, Mapping) and option.get("name") == name:
                return str(option.get("color") or "default")
        return "default"

    @property
    def related_database_id(self) -> str | None:
        """For a relation: the database its pages come from."""
        value = self.config.get("database_id")
        return str(value) if value else None

    @property
    def related_data_source_id(self) -> str | None:
        """For a relation in a data source's schema (2025-09-03): the data source it points at."""
        value = self.config.get("data_source_id")
        return str(value) if value else None

    @property
    def number_format(self) -> str:
        return str(self.config.get("format") or "number")


def schema_from_database(database: Mapping[str, Any]) -> list[PropertySchema]:
    """A database's schema in column order: the title first, then the schema's order."""
    props = database.get("properties") or {}
    out: list[PropertySchema] = []
    for key, raw in props.items():
        if not isinstance(raw, Mapping):
            continue
        kind = str(raw.get("type", ""))
        config = raw.get(kind)
        out.append(
            PropertySchema(
                name=str(raw.get("name") or key),
                id=str(raw.get("id") or key),
                type=kind,
                config=config if isinstance(config, Mapping) else {},
            )
        )
    out.sort(key=lambda p: 0 if p.type == "title" else 1)
    return out


def schema_from_page(page: Mapping[str, Any]) -> list[PropertySchema]:
    """A schema guessed from a page's own values (no options known), title first."""
    out: list[PropertySchema] = []
    for name, value in (page.get("properties") or {}).items():
        if not isinstance(value, Mapping):
            continue
        kind = str(value.get("type", ""))
        out.append(PropertySchema(name=name, id=str(value.get("id") or name), type=kind))
    out.sort(key=lambda p: 0 if p.type == "title" else 1)
    return out


def find_property(schema: Sequence[PropertySchema], name_or_id: str) -> PropertySchema | None:
    for prop in schema:
        if name_or_id in (prop.name, prop.id):
            return prop
    return None


def parse_time(iso: str) -> datetime:
    """Parse a Notion timestamp ('2024-05-01T10:00:00.000Z' or a date); naive means UTC."""
    text = iso.strip()
    if text.endswith("Z"):
        text = text[:-1] + "+00:00"
    parsed = datetime.fromisoformat(text)
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed


def relative_time(when: str | datetime | None, now: datetime) -> str:
    """A short, human 'how long ago': 'just now', '3 min ago', '2 h ago', 'yesterday',
    '5 days ago', then the date. Future times read 'in 3 min'. '' for no or bad input."""
    if not when:
        return ""
    if isinstance(when, datetime):
        then = when if when.tzinfo else when.replace(tzinfo=UTC)
    else:
        try:
            then = parse_time(when)
        except ValueError:
            return ""
    if now.tzinfo is None:
        now = now.replace(tzinfo=UTC)
    seconds = (now - then).total_seconds()
    future = seconds < 0
    seconds = abs(seconds)
    if seconds < 45:
        return "just now"
    minutes = round(seconds / 60)
    if minutes < 60:
        phrase = f"{max(minutes, 1)} min"
    elif seconds < 22 * 3600:
        phrase = f"{round(seconds / 3600)} h"
    elif seconds < 48 * 3600 and not future:
        return "yesterday"
    elif seconds < 30 * 86400:
        days = max(round(seconds / 86400), 1 if future else 2)
        phrase = f"{days} day" if days == 1 else f"{days} days"
    else:
        return then.date().isoformat()
    return f"in {phrase}" if future else f"{phrase} ago"
