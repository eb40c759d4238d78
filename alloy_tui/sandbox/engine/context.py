"""One action's call: when it happens, who acts, which API version answers, and per-call caches.

Handlers read and write through a `Call`: it loads objects once per call, keeps computed property
values until the object changes, and renders objects with `render` in the call's version.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from alloy_tui.sandbox.engine import render
from alloy_tui.sandbox.engine.common import exact_time
from alloy_tui.sandbox.engine.errors import not_found, validation
from alloy_tui.sandbox.engine.values import page_properties
from alloy_tui.sandbox.store import Store, StoredBlock, StoredObject
from alloy_tui.sandbox.store_rows import OrderTerm, RowFilter


@dataclass(frozen=True)
class Request:
    """One action's input: path ids (validated), the Notion body ({} for reads) and query."""

    ids: Mapping[str, str]
    body: dict[str, Any]
    query: Mapping[str, Any]


@dataclass
class Call:
    """The state of one action's execution, inside the store's transaction."""

    store: Store
    moment: datetime
    actor: str
    version: render.NotionVersion = render.DEFAULT_VERSION
    now: str = ""
    formula_depth: int = 0
    _objects: dict[str, StoredObject | None] = field(default_factory=dict)
    _users: dict[str, dict[str, Any]] | None = None
    _sources: dict[str, list[StoredObject]] = field(default_factory=dict)
    values: dict[tuple[str, str], dict[str, Any]] = field(default_factory=dict)
    """Computed property values by (page id, property id); dropped when the page is saved."""
    options: dict[int, dict[str, Any]] = field(default_factory=dict)
    """Option id -> option, by id() of a schema property; cleared when an option is added."""

    def __post_init__(self) -> None:
        self.now = exact_time(self.moment)

    # --- users ---

    def users(self) -> dict[str, dict[str, Any]]:
        if self._users is None:
            self._users = self.store.users()
        return self._users

    def user_json(self, user_id: str) -> dict[str, Any]:
        # Shared, never mutated: a response is serialised before the call ends.
        return self.users().get(user_id) or render.user_ref(user_id)

    # --- pages and databases ---

    def obj(self, object_id: str) -> StoredObject | None:
        if object_id not in self._objects:
            self._objects[object_id] = self.store.get_object(object_id)
        return self._objects[object_id]

    def remember(self, found: StoredObject) -> StoredObject:
        """The call's copy of an object read in bulk (the first one seen wins)."""
        self._objects.setdefault(found.id, found)
        return self._objects[found.id] or found

    def page(self, page_id: str) -> StoredObject:
        found = self.obj(page_id)
        if found is None or found.object == "data_source":
            raise not_found("page", page_id)
        if found.object == "database":
            raise validation(
                f"Provided ID {page_id} is a database, not a page. "
                "Use the retrieve database API instead."
            )
        return found

    def database(self, database_id: str) -> StoredObject:
        found = self.obj(database_id)
        if found is None or found.object == "data_source":
            raise not_found("database", database_id)
        if found.object != "database":
            raise validation(
                f"Provided ID {database_id} is a page, not a database. "
                "Use the retrieve page API instead."
            )
        return found

    def save(self, obj: StoredObject) -> None:
        self.store.save_object(obj)
        self.values = {k: v for k, v in self.values.items() if k[0] != obj.id}

    def touch(self, obj: StoredObject) -> None:
        obj.edited = self.now
        obj.edited_by = self.actor

    # --- data sources ---

    def sources(self, database: StoredObject) -> list[StoredObject]:
        """A database's untrashed data sources, first one first (made now for a database stored
        the old way, its schema on itself)."""
        found = self._sources.get(database.id)
        if found is None:
            if "properties" in database.data:
                self.store.ensure_data_sources([database.id])
                database.data.pop("properties", None)
                database.data.pop("unique_next", None)
            found = [
                self.remember(source)
                for source in self.store.data_sources_of(database.id)
                if not source.in_trash
            ]
            self._sources[database.id] = found
        return found

    def first_source(self, database: StoredObject) -> StoredObject:
        sources = self.sources(database)
        if not sources:
            raise not_found("data_source", database.id)
        return sources[0]

    def data_source(self, source_id: str) -> StoredObject:
        found = self.obj(source_id)
        if found is None or found.object != "data_source":
            raise not_found("data_source", source_id)
        return found

    def row_source(self, page: StoredObject) -> StoredObject | None:
        """The data source a database row belongs to (None for a page outside databases)."""
        if page.parent_type != "database_id" or not page.parent_id:
            return None
        named = page.data.get("data_source_id")
        if isinstance(named, str):
            found = self.obj(named)
            if found is not None and found.object == "data_source":
                return found
        database = self.obj(page.parent_id)
        if database is None or database.object != "database":
            return None
        sources = self.sources(database)
        return sources[0] if sources else None

    def _is_first_source(self, source: StoredObject) -> bool:
        database = self.obj(source.parent_id or "")
        return database is not None and self.sources(database)[:1] == [source]

    def source_rows(self, source: StoredObject) -> list[StoredObject]:
        """Every untrashed row of a data source, newest first."""
        first = self._is_first_source(source)
        return [self.remember(row) for row in self.store.data_source_rows(source, first=first)]

    def source_window(
        self,
        source: StoredObject,
        where: RowFilter,
        order: Sequence[OrderTerm],
        *,
        limit: int,
        offset: int,
        after: Sequence[Any] | None = None,
    ) -> list[tuple[StoredObject, list[Any]]]:
        """One window of a data source's rows passing `where`, in `order` then newest first,
        each with its place in the order (`Store.data_source_window`)."""
        found = self.store.data_source_window(
            source,
            first=self._is_first_source(source),
            where=where,
            order=order,
            limit=limit,
            offset=offset,
            after=after,
        )
        return [(self.remember(row), place) for row, place in found]

    def schema(self, holder: StoredObject) -> dict[str, dict[str, Any]]:
        """The schema of a data source, or of a database's first data source."""
        if holder.object == "database":
            holder = self.first_source(holder)
        props: dict[str, dict[str, Any]] = holder.data["properties"]
        return props

    def schema_changed(self, source: StoredObject) -> None:
        """Save a data source whose schema changed (an option added); its database, as the
        schema's holder under 2022-06-28, is edited then too."""
        source.edited = self.now
        self.store.save_object_data(source, edited=True)
        database = self.obj(source.parent_id or "")
        if database is not None and database.object == "database":
            database.edited = self.now
            self.store.save_object_data(database, edited=True)

    # --- blocks ---

    def any_block(self, block_id: str) -> tuple[StoredBlock | None, StoredObject | None]:
        """The block and/or page/database with this id; 404 when neither exists."""
        stored = self.store.get_block(block_id)
        obj = self.obj(block_id)
        if stored is None and obj is None:
            raise not_found("block", block_id)
        return stored, obj

    # --- rendering in the call's version ---

    def page_json(self, page: StoredObject) -> dict[str, Any]:
        source = self.row_source(page) if self.version != render.V2022 else None
        return render.page(
            page,
            page_properties(self, page),
            version=self.version,
            data_source_id=source.id if source is not None else None,
        )

    def database_json(self, database: StoredObject) -> dict[str, Any]:
        sources = self.sources(database)
        schema = sources[0].data["properties"] if sources else {}
        return render.database(database, schema, sources, version=self.version)

    def data_source_json(self, source: StoredObject) -> dict[str, Any]:
        database = self.obj(source.parent_id or "")
        return render.data_source(
            source, database, version=self.version, related=self.related_sources(source)
        )

    def related_sources(self, source: StoredObject) -> dict[str, str]:
        """Related database id -> its first data source's id, for the relations of a schema
        (what a 2025-09-03 relation config names as `data_source_id`)."""
        found: dict[str, str] = {}
        for prop in (source.data.get("properties") or {}).values():
            config = prop.get("relation") if prop.get("type") == "relation" else None
            target = config.get("database_id") if isinstance(config, Mapping) else None
            if not isinstance(target, str) or target in found:
                continue
            related = self.obj(target)
            if related is not None and related.object == "database":
                sources = self.sources(related)
                if sources:
                    found[target] = sources[0].id
        return found

    def object_json(self, obj: StoredObject) -> dict[str, Any]:
        if obj.object == "database":
            return self.database_json(obj)
        if obj.object == "data_source":
            return self.data_source_json(obj)
        return self.page_json(obj)

    def object_block_json(self, obj: StoredObject) -> dict[str, Any]:
        has_children = bool(self.store.with_children([obj.id]))
        return render.object_as_block(obj, has_children, version=self.version)

    def blocks_json(self, blocks: Sequence[StoredBlock]) -> list[dict[str, Any]]:
        parents = self.store.with_children([b.id for b in blocks])
        return [render.block(b, b.id in parents, version=self.version) for b in blocks]

    def blocks_by_ids_json(self, ids: Sequence[str]) -> list[dict[str, Any]]:
        found = self.store.blocks_by_ids(ids)
        return self.blocks_json([found[i] for i in ids])

    def list_json(
        self,
        results: list[Any],
        kind: str,
        offset: int,
        size: int,
        has_more: bool,
        *,
        next_cursor: str | None = None,
    ) -> dict[str, Any]:
        return render.list_object(
            results,
            kind,
            offset=offset,
            size=size,
            has_more=has_more,
            version=self.version,
            next_cursor=next_cursor,
        )


Clock = Callable[[], datetime]
