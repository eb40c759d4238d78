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
        if found is None:
            raise not_found("page", page_id)
        if found.object == "database":
            raise validation(
                f"Provided ID {page_id} is a database, not a page. "
                "Use the retrieve database API instead."
            )
        return found

    def database(self, database_id: str) -> StoredObject:
        found = self.obj(database_id)
        if found is None:
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

    @staticmethod
    def schema(database: StoredObject) -> dict[str, dict[str, Any]]:
        props: dict[str, dict[str, Any]] = database.data["properties"]
        return props

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
        return render.page(page, page_properties(self, page), version=self.version)

    def database_json(self, database: StoredObject) -> dict[str, Any]:
        return render.database(database, self.schema(database), version=self.version)

    def object_json(self, obj: StoredObject) -> dict[str, Any]:
        return self.database_json(obj) if obj.object == "database" else self.page_json(obj)

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
        self, results: list[Any], kind: str, offset: int, size: int, has_more: bool
    ) -> dict[str, Any]:
        return render.list_object(
            results, kind, offset=offset, size=size, has_more=has_more, version=self.version
        )


Clock = Callable[[], datetime]
