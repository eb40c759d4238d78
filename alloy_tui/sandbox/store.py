"""The sandbox's SQLite store: the Notion tables, a key/value meta table, one lock for all use."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

NOTION_TABLES = ("objects", "blocks", "users", "comments")
"""Tables holding Notion data; `reset` empties exactly these (and the notion.* meta keys)."""

META_PREFIX = "notion."
"""Meta keys owned by the Notion engine; other parts of the sandbox use their own prefixes."""

_SCHEMA = """
CREATE TABLE IF NOT EXISTS meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
);
-- Pages and databases: everything `post-search` can return. `edited` is the exact edit time
-- (the API shows it rounded to the minute), used for ordering so recent edits sort first.
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
    data TEXT NOT NULL
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
