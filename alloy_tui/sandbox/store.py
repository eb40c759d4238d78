"""The sandbox's SQLite store: the Notion tables, a key/value meta table, one lock for all use.

Every SQL statement of the Notion engine and the seed lives here, behind typed methods that take
and return the records below (JSON columns decoded); the indexes that keep reads flat as a
workspace grows are in `store_indexes`, the reads that use them (a window of a data source's
rows, a title search) in `store_rows`. Callers hold `transaction()` around a sequence of calls
that must be atomic.
"""

from __future__ import annotations

import json
import sqlite3
import threading
import uuid
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from alloy_tui.sandbox import store_indexes, store_rows

NOTION_TABLES = ("objects", "blocks", "users", "comments")
"""Tables holding Notion data; `reset` empties exactly these (and the notion.* meta keys)."""

META_PREFIX = "notion."
"""Meta keys owned by the Notion engine; other parts of the sandbox use their own prefixes."""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
-- Pages, databases and data sources (object 'data_source', parent_type 'database_id': each
-- holds its database's schema as data.properties; a row names its source as data.data_source_id,
-- absent meaning the database's first source). Everything `post-search` can return. `edited`
-- is the exact edit time (the API shows it rounded to the minute), used for ordering so recent
-- edits sort first.
CREATE TABLE IF NOT EXISTS objects (
    id TEXT PRIMARY KEY,
    object TEXT NOT NULL,
    parent_type TEXT NOT NULL,
    parent_id TEXT,
    title TEXT NOT NULL,
    title_key TEXT NOT NULL,
    created TEXT NOT NULL,
    edited TEXT NOT NULL,
    created_by TEXT NOT NULL,
    edited_by TEXT NOT NULL,
    in_trash INTEGER NOT NULL DEFAULT 0,
    data TEXT NOT NULL,
    keys TEXT -- a database row's sort keys (store_indexes.row_keys)
);
CREATE INDEX IF NOT EXISTS objects_recent ON objects (in_trash, edited DESC, id);
CREATE INDEX IF NOT EXISTS objects_kind_recent ON objects (object, in_trash, edited DESC, id);
CREATE INDEX IF NOT EXISTS objects_parent ON objects (parent_id, in_trash);
-- Blocks, ordered among their siblings by a REAL position so insert-after is one row write.
CREATE TABLE IF NOT EXISTS blocks (
    id TEXT PRIMARY KEY,
    parent_type TEXT NOT NULL,
    parent_id TEXT NOT NULL,
    position REAL NOT NULL,
    type TEXT NOT NULL,
    content TEXT NOT NULL,
    created TEXT NOT NULL,
    edited TEXT NOT NULL,
    created_by TEXT NOT NULL,
    edited_by TEXT NOT NULL,
    in_trash INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX IF NOT EXISTS blocks_children ON blocks (parent_id, in_trash, position);
CREATE TABLE IF NOT EXISTS users (
    id TEXT PRIMARY KEY,
    position INTEGER NOT NULL,
    data TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS comments (
    id TEXT PRIMARY KEY,
    parent_type TEXT NOT NULL,
    parent_id TEXT NOT NULL,
    discussion_id TEXT NOT NULL,
    created TEXT NOT NULL,
    created_by TEXT NOT NULL,
    rich_text TEXT NOT NULL
);
CREATE INDEX IF NOT EXISTS comments_parent ON comments (parent_id, created, id);
"""


def dumps(value: Any) -> str:
    """Compact JSON, as the store keeps every JSON column."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


DATA_SOURCE_NAMESPACE = uuid.UUID("7b0e2d5c-3f1a-5c8e-9d4b-2a6f8e1c0d93")
"""Namespace of the data source ids made for databases that had none (older data files)."""


def first_data_source_id(database_id: str) -> str:
    """The fixed id of the data source made for a database stored before data sources."""
    return str(uuid.uuid5(DATA_SOURCE_NAMESPACE, f"data_source:{database_id}"))


def title_key(title: str) -> str:
    """The search key of a title: what `post-search` matches case-insensitively."""
    return title.casefold()


@dataclass
class StoredObject:
    """A page or database row of the `objects` table, with its JSON data decoded."""

    id: str
    object: str
    parent_type: str
    parent_id: str | None
    title: str
    created: str
    edited: str
    created_by: str
    edited_by: str
    in_trash: bool
    data: dict[str, Any]

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> StoredObject:
        return cls(
            id=row["id"],
            object=row["object"],
            parent_type=row["parent_type"],
            parent_id=row["parent_id"],
            title=row["title"],
            created=row["created"],
            edited=row["edited"],
            created_by=row["created_by"],
            edited_by=row["edited_by"],
            in_trash=bool(row["in_trash"]),
            data=json.loads(row["data"]),
        )


@dataclass(frozen=True)
class StoredBlock:
    """A row of the `blocks` table, its content decoded."""

    id: str
    parent_type: str
    parent_id: str
    position: float
    type: str
    content: dict[str, Any]
    created: str
    edited: str
    created_by: str
    edited_by: str
    in_trash: bool

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> StoredBlock:
        return cls(
            id=row["id"],
            parent_type=row["parent_type"],
            parent_id=row["parent_id"],
            position=float(row["position"]),
            type=row["type"],
            content=json.loads(row["content"]),
            created=row["created"],
            edited=row["edited"],
            created_by=row["created_by"],
            edited_by=row["edited_by"],
            in_trash=bool(row["in_trash"]),
        )


@dataclass(frozen=True)
class StoredComment:
    """A row of the `comments` table, its rich text decoded."""

    id: str
    parent_type: str
    parent_id: str
    discussion_id: str
    created: str
    created_by: str
    rich_text: list[dict[str, Any]]

    @classmethod
    def from_row(cls, row: sqlite3.Row) -> StoredComment:
        return cls(
            id=row["id"],
            parent_type=row["parent_type"],
            parent_id=row["parent_id"],
            discussion_id=row["discussion_id"],
            created=row["created"],
            created_by=row["created_by"],
            rich_text=json.loads(row["rich_text"]),
        )


@dataclass(frozen=True)
class StoredUser:
    """A row of the `users` table: a Notion user object kept as JSON, in listing order."""

    id: str
    position: int
    data: dict[str, Any]


class Store:
    """One SQLite connection shared by the sandbox's threads, serialised by `lock`."""

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        self.lock = threading.RLock()
        # Autocommit mode: multi-statement writes use `transaction()` explicitly.
        self.conn = sqlite3.connect(self.path, check_same_thread=False, isolation_level=None)
        self.conn.row_factory = sqlite3.Row
        with self.lock:
            if self.path != ":memory:":
                self.conn.execute("PRAGMA journal_mode=WAL")
                self.conn.execute("PRAGMA synchronous=NORMAL")
            self.conn.execute("PRAGMA foreign_keys=ON")
            self.conn.executescript(_SCHEMA)
            with self.transaction():
                store_indexes.install(self.conn)
                self.ensure_data_sources()

    @contextmanager
    def transaction(self) -> Iterator[sqlite3.Connection]:
        """Hold the lock and run the enclosed statements atomically (nested use is fine)."""
        with self.lock:
            if self.conn.in_transaction:
                yield self.conn
                return
            self.conn.execute("BEGIN")
            try:
                yield self.conn
            except BaseException:
                self.conn.execute("ROLLBACK")
                raise
            self.conn.execute("COMMIT")

    def meta_get(self, key: str) -> str | None:
        with self.lock:
            row = self.conn.execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else str(row[0])

    def meta_set(self, key: str, value: str) -> None:
        with self.lock:
            self.conn.execute(
                "INSERT INTO meta (key, value) VALUES (?, ?) "
                "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
                (key, value),
            )

    def reset(self) -> None:
        """Drop every Notion object, block, user and comment, and the engine's meta keys."""
        with self.transaction() as conn:
            for table in NOTION_TABLES:
                conn.execute(f"DELETE FROM {table}")  # noqa: S608 - fixed table names
            conn.execute("DELETE FROM meta WHERE key LIKE ?", (META_PREFIX + "%",))

    def close(self) -> None:
        with self.lock:
            self.conn.close()

    # --- objects (pages and databases) ---

    def get_object(self, object_id: str) -> StoredObject | None:
        row = self.conn.execute("SELECT * FROM objects WHERE id = ?", (object_id,)).fetchone()
        return None if row is None else StoredObject.from_row(row)

    def insert_objects(self, objects: Iterable[StoredObject]) -> None:
        self.conn.executemany(
            "INSERT INTO objects (id, object, parent_type, parent_id, title, title_key, created, "
            "edited, created_by, edited_by, in_trash, data, keys) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    obj.id,
                    obj.object,
                    obj.parent_type,
                    obj.parent_id,
                    obj.title,
                    title_key(obj.title),
                    obj.created,
                    obj.edited,
                    obj.created_by,
                    obj.edited_by,
                    int(obj.in_trash),
                    dumps(obj.data),
                    store_indexes.row_keys(obj.object, obj.parent_type, obj.data),
                )
                for obj in objects
            ],
        )

    def save_object(self, obj: StoredObject) -> None:
        """Write an object's title, edit stamp, trash state and data; mirror them on its
        child_page (or child_database) block, if it has one."""
        self.conn.execute(
            "UPDATE objects SET title = ?, title_key = ?, edited = ?, edited_by = ?, "
            "in_trash = ?, data = ?, keys = ? WHERE id = ?",
            (
                obj.title,
                title_key(obj.title),
                obj.edited,
                obj.edited_by,
                int(obj.in_trash),
                dumps(obj.data),
                store_indexes.row_keys(obj.object, obj.parent_type, obj.data),
                obj.id,
            ),
        )
        self.conn.execute(
            "UPDATE blocks SET content = ?, in_trash = ?, edited = ? WHERE id = ?",
            (dumps({"title": obj.title}), int(obj.in_trash), obj.edited, obj.id),
        )

    def save_object_data(self, obj: StoredObject, *, edited: bool) -> None:
        """Write only an object's data (and, if `edited`, its edit time): a schema change."""
        if edited:
            self.conn.execute(
                "UPDATE objects SET data = ?, edited = ? WHERE id = ?",
                (dumps(obj.data), obj.edited, obj.id),
            )
        else:
            self.conn.execute("UPDATE objects SET data = ? WHERE id = ?", (dumps(obj.data), obj.id))

    def search_objects(
        self,
        *,
        kinds: Sequence[str],
        needle: str,
        descending: bool,
        limit: int,
        offset: int,
    ) -> list[StoredObject]:
        """Untrashed objects of these kinds whose title key contains `needle`, by edit time."""
        rows = store_rows.search(
            self.conn,
            kinds=kinds,
            needle=needle,
            descending=descending,
            limit=limit,
            offset=offset,
        )
        return [StoredObject.from_row(row) for row in rows]

    def data_source_window(
        self,
        source: StoredObject,
        *,
        first: bool,
        where: store_rows.RowFilter,
        order: Sequence[store_rows.OrderTerm],
        limit: int,
        offset: int,
        after: Sequence[Any] | None = None,
    ) -> list[tuple[StoredObject, list[Any]]]:
        """One window of a data source's untrashed rows passing `where`, in `order` then newest
        first (`first` as for `data_source_rows`), each with its place in the order: the query
        pushed into SQL (`store_rows.source_window`)."""
        rows = store_rows.source_window(
            self.conn,
            database_id=source.parent_id or "",
            source_id=source.id,
            first=first,
            where=where,
            order=order,
            limit=limit,
            offset=offset,
            after=after,
        )
        return [(StoredObject.from_row(found.row), found.place) for found in rows]

    def data_source_rows(self, source: StoredObject, *, first: bool) -> list[StoredObject]:
        """A data source's untrashed rows, newest first (`first`: rows naming no source belong
        to it, as they do to a database's first source)."""
        rows = self.conn.execute(
            "SELECT * FROM objects WHERE parent_id = ? AND parent_type = 'database_id' "
            "AND object = 'page' AND in_trash = 0 AND (json_extract(data, '$.data_source_id') = ? "
            "OR (? AND json_extract(data, '$.data_source_id') IS NULL)) ORDER BY created DESC, id",
            (source.parent_id, source.id, int(first)),
        ).fetchall()
        return [StoredObject.from_row(row) for row in rows]

    def data_sources_of(self, database_id: str) -> list[StoredObject]:
        """A database's data sources (trashed ones too), in creation order: the first is the one
        a database made before data sources got."""
        rows = self.conn.execute(
            "SELECT * FROM objects WHERE parent_id = ? AND parent_type = 'database_id' "
            "AND object = 'data_source' ORDER BY created, id",
            (database_id,),
        ).fetchall()
        return [StoredObject.from_row(row) for row in rows]

    def ensure_data_sources(self, database_ids: Sequence[str] | None = None) -> int:
        """Give every database (or those named) that still holds its schema itself (a data file
        made before data sources, a database inserted the old way) one data source: the
        database's title as its name, its schema and unique-id counter moved onto it. Returns how
        many it made. Call inside `transaction()`."""
        query = (
            "SELECT * FROM objects WHERE object = 'database' "
            "AND json_extract(data, '$.properties') IS NOT NULL"
        )
        args: tuple[str, ...] = ()
        if database_ids is not None:
            if not database_ids:
                return 0
            query += f" AND id IN ({','.join('?' * len(database_ids))})"
            args = tuple(database_ids)
        databases = [StoredObject.from_row(row) for row in self.conn.execute(query, args)]
        for database in databases:
            data = dict(database.data)
            schema = data.pop("properties")
            source_data = {
                "title": data.get("title") or [],
                "description": [],
                "properties": schema,
                "unique_next": data.pop("unique_next", 1),
            }
            if not self.data_sources_of(database.id):
                source = StoredObject(
                    id=first_data_source_id(database.id),
                    object="data_source",
                    parent_type="database_id",
                    parent_id=database.id,
                    title=database.title,
                    created=database.created,
                    edited=database.edited,
                    created_by=database.created_by,
                    edited_by=database.edited_by,
                    in_trash=database.in_trash,
                    data=source_data,
                )
                self.insert_objects([source])
            self.conn.execute(
                "UPDATE objects SET data = ? WHERE id = ?", (dumps(data), database.id)
            )
        return len(databases)

    # --- blocks ---

    def get_block(self, block_id: str) -> StoredBlock | None:
        row = self.conn.execute("SELECT * FROM blocks WHERE id = ?", (block_id,)).fetchone()
        return None if row is None else StoredBlock.from_row(row)

    def blocks_by_ids(self, ids: Sequence[str]) -> dict[str, StoredBlock]:
        if not ids:
            return {}
        marks = ",".join("?" * len(ids))
        rows = self.conn.execute(
            f"SELECT * FROM blocks WHERE id IN ({marks})",  # noqa: S608
            tuple(ids),
        )
        return {row["id"]: StoredBlock.from_row(row) for row in rows}

    def with_children(self, ids: Sequence[str]) -> set[str]:
        """Which of `ids` have at least one untrashed child block."""
        if not ids:
            return set()
        marks = ",".join("?" * len(ids))
        rows = self.conn.execute(
            f"SELECT DISTINCT parent_id FROM blocks WHERE in_trash = 0 AND parent_id IN ({marks})",  # noqa: S608
            tuple(ids),
        )
        return {row[0] for row in rows}

    def child_blocks(self, parent_id: str, *, limit: int, offset: int) -> list[StoredBlock]:
        """A parent's untrashed children in order, one window of them."""
        rows = self.conn.execute(
            "SELECT * FROM blocks WHERE parent_id = ? AND in_trash = 0 "
            "ORDER BY position, id LIMIT ? OFFSET ?",
            (parent_id, limit, offset),
        ).fetchall()
        return [StoredBlock.from_row(row) for row in rows]

    def positions(self, parent_id: str, count: int, after: str | None) -> list[float]:
        """Positions for `count` new children of a parent: at the end, or right after `after`."""
        if after is None:
            top = self.conn.execute(
                "SELECT MAX(position) FROM blocks WHERE parent_id = ?", (parent_id,)
            ).fetchone()[0]
            base = float(top or 0)
            return [base + i + 1 for i in range(count)]
        for _attempt in range(2):
            low = float(
                self.conn.execute("SELECT position FROM blocks WHERE id = ?", (after,)).fetchone()[
                    0
                ]
            )
            high_row = self.conn.execute(
                "SELECT MIN(position) FROM blocks WHERE parent_id = ? AND position > ?",
                (parent_id, low),
            ).fetchone()[0]
            if high_row is None:
                return [low + i + 1 for i in range(count)]
            step = (float(high_row) - low) / (count + 1)
            if step > 1e-9 * max(1.0, abs(low)):
                return [low + step * (i + 1) for i in range(count)]
            # The gap is exhausted: renumber the siblings once, then split the new gap.
            siblings = self.conn.execute(
                "SELECT id FROM blocks WHERE parent_id = ? ORDER BY position, id", (parent_id,)
            ).fetchall()
            self.conn.executemany(
                "UPDATE blocks SET position = ? WHERE id = ?",
                [(float(i + 1), row[0]) for i, row in enumerate(siblings)],
            )
        raise AssertionError("renumbering always leaves a gap of 1")

    def insert_blocks(self, blocks: Iterable[StoredBlock]) -> None:
        self.conn.executemany(
            "INSERT INTO blocks (id, parent_type, parent_id, position, type, content, created, "
            "edited, created_by, edited_by, in_trash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    block.id,
                    block.parent_type,
                    block.parent_id,
                    block.position,
                    block.type,
                    dumps(block.content),
                    block.created,
                    block.edited,
                    block.created_by,
                    block.edited_by,
                    int(block.in_trash),
                )
                for block in blocks
            ],
        )

    def update_block(
        self,
        block_id: str,
        *,
        edited: str,
        edited_by: str,
        content: dict[str, Any] | None = None,
        in_trash: bool | None = None,
    ) -> None:
        """Stamp a block as edited, changing its content and/or trash state when given."""
        if content is not None:
            self.conn.execute(
                "UPDATE blocks SET content = ?, in_trash = ?, edited = ?, edited_by = ? "
                "WHERE id = ?",
                (dumps(content), int(bool(in_trash)), edited, edited_by, block_id),
            )
        elif in_trash is not None:
            self.conn.execute(
                "UPDATE blocks SET in_trash = ?, edited = ?, edited_by = ? WHERE id = ?",
                (int(in_trash), edited, edited_by, block_id),
            )
        else:
            self.conn.execute(
                "UPDATE blocks SET edited = ?, edited_by = ? WHERE id = ?",
                (edited, edited_by, block_id),
            )

    # --- users ---

    def has_user(self, user_id: str) -> bool:
        found = self.conn.execute("SELECT 1 FROM users WHERE id = ?", (user_id,)).fetchone()
        return found is not None

    def add_user(self, user_id: str, data: dict[str, Any]) -> None:
        """Append a user at the end of the listing order."""
        position = self.conn.execute("SELECT COALESCE(MAX(position), 0) + 1 FROM users")
        self.conn.execute(
            "INSERT INTO users (id, position, data) VALUES (?, ?, ?)",
            (user_id, position.fetchone()[0], dumps(data)),
        )

    def insert_users(self, users: Iterable[StoredUser]) -> None:
        self.conn.executemany(
            "INSERT INTO users (id, position, data) VALUES (?, ?, ?)",
            [(user.id, user.position, dumps(user.data)) for user in users],
        )

    def users(self) -> dict[str, dict[str, Any]]:
        """Every user object by id, in listing order."""
        rows = self.conn.execute("SELECT id, data FROM users ORDER BY position, id")
        return {row["id"]: json.loads(row["data"]) for row in rows}

    # --- comments ---

    def comments_of(self, parent_id: str, *, limit: int, offset: int) -> list[StoredComment]:
        rows = self.conn.execute(
            "SELECT * FROM comments WHERE parent_id = ? ORDER BY created, id LIMIT ? OFFSET ?",
            (parent_id, limit, offset),
        ).fetchall()
        return [StoredComment.from_row(row) for row in rows]

    def discussion_parent(self, discussion_id: str) -> tuple[str, str] | None:
        """(parent type, parent id) of a discussion's first comment, or None."""
        first = self.conn.execute(
            "SELECT parent_type, parent_id FROM comments WHERE discussion_id = ? "
            "ORDER BY created LIMIT 1",
            (discussion_id,),
        ).fetchone()
        return None if first is None else (first["parent_type"], first["parent_id"])

    def insert_comments(self, comments: Iterable[StoredComment]) -> None:
        self.conn.executemany(
            "INSERT INTO comments (id, parent_type, parent_id, discussion_id, created, "
            "created_by, rich_text) VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    c.id,
                    c.parent_type,
                    c.parent_id,
                    c.discussion_id,
                    c.created,
                    c.created_by,
                    dumps(c.rich_text),
                )
                for c in comments
            ],
        )
