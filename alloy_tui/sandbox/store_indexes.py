"""What keeps the store's reads flat as a workspace grows: the index of database rows, the row
sort keys, the trigram index of titles, and the sort indexes made on demand.

- `objects.keys`: a database row's date values as sortable UTC text ({property id: key}),
  computed here whenever the store writes a row, so SQL can order dates exactly as the Python
  query engine does (which parses every ISO 8601 form `fromisoformat` takes).
- `objects_rows`: a data source's live rows in the query's default order (newest first);
  `objects_sources`: a database's data sources (not found among its rows).
- `title_search`: an FTS5 trigram index of `objects.title_key`, kept by triggers, so a search
  for three characters or more reads only the titles that hold it.
- `objects_sort_*`: an index per first sort key (and direction) queries asked for, made the
  first time one is asked for; further keys are sorted within its runs of equal values.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from typing import Any

from alloy_tui.sandbox.engine.query_base import parse_date

ROW_SCOPE = "object = 'page' AND in_trash = 0 AND parent_type = 'database_id'"
"""The partial-index condition every row query repeats word for word (SQLite matches it so)."""

SOURCE_KEY = "json_extract(data, '$.data_source_id')"
"""The data source a row names (NULL: its database's first source)."""

ROWS_INDEX = "objects_rows"

MAX_SORT_INDEXES = 16
"""Sort indexes made on demand, at most (each serves one first sort key and direction)."""

SCHEMA = f"""
CREATE INDEX IF NOT EXISTS {ROWS_INDEX} ON objects (parent_id, {SOURCE_KEY}, created DESC, id)
    WHERE {ROW_SCOPE};
CREATE INDEX IF NOT EXISTS objects_sources ON objects (parent_id, created, id)
    WHERE object = 'data_source';
CREATE VIRTUAL TABLE IF NOT EXISTS title_search USING fts5(
    title_key, content='objects', content_rowid='rowid', tokenize='trigram case_sensitive 1',
    detail='none', columnsize=0
);
CREATE TRIGGER IF NOT EXISTS objects_title_insert AFTER INSERT ON objects BEGIN
    INSERT INTO title_search (rowid, title_key) VALUES (new.rowid, new.title_key);
END;
CREATE TRIGGER IF NOT EXISTS objects_title_delete AFTER DELETE ON objects BEGIN
    INSERT INTO title_search (title_search, rowid, title_key)
        VALUES ('delete', old.rowid, old.title_key);
END;
CREATE TRIGGER IF NOT EXISTS objects_title_update AFTER UPDATE OF title_key ON objects
    WHEN old.title_key IS NOT new.title_key BEGIN
    INSERT INTO title_search (title_search, rowid, title_key)
        VALUES ('delete', old.rowid, old.title_key);
    INSERT INTO title_search (rowid, title_key) VALUES (new.rowid, new.title_key);
END;
"""  # noqa: S608 - fixed fragments


def date_key(stored: Any) -> str | None:
    """The sort key of a stored date value, or None when the query engine sees no date in it:
    the start as UTC text (microseconds always shown), which sorts as the instants do."""
    raw = stored.get("start") if isinstance(stored, Mapping) else stored
    if not isinstance(raw, str) or not raw.strip()[:4].isdigit():
        return None
    try:
        found: date | datetime = parse_date(raw)
    except ValueError:
        return None
    if not isinstance(found, datetime):
        found = datetime(found.year, found.month, found.day, tzinfo=UTC)
    try:
        return found.astimezone(UTC).isoformat(timespec="microseconds")
    except OverflowError:  # year 1 with a positive offset: before the first UTC instant
        return None


def row_keys(object_kind: str, parent_type: str, data: Mapping[str, Any]) -> str | None:
    """The `keys` column of an object: a database row's date keys as JSON (None otherwise)."""
    if object_kind != "page" or parent_type != "database_id":
        return None
    values = data.get("properties")
    keys: dict[str, str] = {}
    if isinstance(values, Mapping):
        for prop_id, stored in values.items():
            key = date_key(stored)
            if key is not None:
                keys[str(prop_id)] = key
    return json.dumps(keys, ensure_ascii=False, separators=(",", ":"))


def install(conn: sqlite3.Connection) -> None:
    """Add the columns, indexes and triggers above to a store (old data files included), and
    fill what an older file lacks. Call inside a transaction."""
    columns = {row[1] for row in conn.execute("PRAGMA table_info(objects)")}
    if "keys" not in columns:
        conn.execute("ALTER TABLE objects ADD COLUMN keys TEXT")
    had_search = (
        conn.execute(
            "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'title_search'"
        ).fetchone()
        is not None
    )
    for statement in _statements(SCHEMA):
        conn.execute(statement)
    if not had_search:
        conn.execute("INSERT INTO title_search (title_search) VALUES ('rebuild')")
    stale = conn.execute(
        "SELECT id, object, parent_type, data FROM objects "
        "WHERE keys IS NULL AND object = 'page' AND parent_type = 'database_id'"
    ).fetchall()
    conn.executemany(
        "UPDATE objects SET keys = ? WHERE id = ?",
        [(row_keys(row[1], row[2], json.loads(row[3])), row[0]) for row in stale],
    )


def _statements(script: str) -> list[str]:
    """The statements of a script, split where sqlite3 says one is complete (triggers hold
    semicolons of their own)."""
    out: list[str] = []
    current = ""
    for line in script.splitlines(keepends=True):
        current += line
        if sqlite3.complete_statement(current):
            out.append(current.strip())
            current = ""
    return [s for s in out if s]


def ensure_sort_index(conn: sqlite3.Connection, terms: Sequence[str]) -> str:
    """The name of an index over a data source's live rows in this order (`terms`: ORDER BY
    expressions, each with its direction), made now if there is none. At MAX_SORT_INDEXES the
    oldest one made is dropped first (a query that needs it again makes it again)."""
    columns = ", ".join([f"parent_id, {SOURCE_KEY}", *terms])
    name = "objects_sort_" + hashlib.sha1(columns.encode(), usedforsecurity=False).hexdigest()[:16]
    made = [
        str(row[0])
        for row in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'index' AND name LIKE 'objects_sort_%' "
            "ORDER BY rowid"
        )
    ]
    if name in made:
        return name
    for oldest in made[: max(0, len(made) - MAX_SORT_INDEXES + 1)]:
        conn.execute(f"DROP INDEX {oldest}")
    conn.execute(f"CREATE INDEX {name} ON objects ({columns}) WHERE {ROW_SCOPE}")
    return name
