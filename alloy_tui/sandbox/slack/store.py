"""The Slack workspace's tables, beside the Notion ones in the sandbox's SQLite file: every SQL
statement of the Slack connector lives here, under the store's one lock."""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any, Final

_SCHEMA: Final = """
CREATE TABLE IF NOT EXISTS slack_users (
    id TEXT PRIMARY KEY,
    position INTEGER NOT NULL,
    data TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS slack_channels (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    position INTEGER NOT NULL,
    data TEXT NOT NULL
);
-- One row a message; ts is Slack's "seconds.micros" string, fixed width in the seed and in
-- new posts, so text order is time order.
CREATE TABLE IF NOT EXISTS slack_messages (
    channel_id TEXT NOT NULL,
    ts TEXT NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (channel_id, ts)
);
-- Tokens revoked with auth.revoke, by the Alloy credential that held them.
CREATE TABLE IF NOT EXISTS slack_revoked (
    credential_id TEXT PRIMARY KEY,
    revoked_at TEXT NOT NULL
);
"""
TABLES: Final = ("slack_users", "slack_channels", "slack_messages", "slack_revoked")


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


class SlackStore:
    """Typed reads and writes of the Slack tables; JSON columns decoded."""

    def __init__(self, conn: sqlite3.Connection, lock: threading.RLock) -> None:
        self._conn = conn
        self._lock = lock
        with self._lock:
            self._conn.executescript(_SCHEMA)

    @contextmanager
    def transaction(self) -> Iterator[None]:
        with self._lock:
            if self._conn.in_transaction:
                yield
                return
            self._conn.execute("BEGIN")
            try:
                yield
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    # ---- seeding ---------------------------------------------------------------------------

    def is_empty(self) -> bool:
        with self._lock:
            return self._conn.execute("SELECT 1 FROM slack_channels LIMIT 1").fetchone() is None

    def insert_users(self, users: Iterable[dict[str, Any]]) -> None:
        with self._lock:
            self._conn.executemany(
                "INSERT INTO slack_users (id, position, data) VALUES (?, ?, ?)",
                [(user["id"], index, _dumps(user)) for index, user in enumerate(users)],
            )

    def insert_channels(self, channels: Iterable[dict[str, Any]]) -> None:
        with self._lock:
            self._conn.executemany(
                "INSERT INTO slack_channels (id, name, position, data) VALUES (?, ?, ?, ?)",
                [
                    (channel["id"], channel["name"], index, _dumps(channel))
                    for index, channel in enumerate(channels)
                ],
            )

    def insert_messages(self, channel_id: str, messages: Iterable[dict[str, Any]]) -> None:
        with self._lock:
            self._conn.executemany(
                "INSERT INTO slack_messages (channel_id, ts, data) VALUES (?, ?, ?)",
                [(channel_id, message["ts"], _dumps(message)) for message in messages],
            )

    def reset(self) -> None:
        with self.transaction():
            for table in TABLES:
                self._conn.execute(f"DELETE FROM {table}")  # noqa: S608 - fixed names

    # ---- reads -----------------------------------------------------------------------------

    def user(self, user_id: str) -> dict[str, Any] | None:
        with self._lock:
            row = self._conn.execute(
                "SELECT data FROM slack_users WHERE id = ?", (user_id,)
            ).fetchone()
        return json.loads(row[0]) if row else None

    def channel(self, id_or_name: str) -> dict[str, Any] | None:
        """A channel by id (C…) or by name, with or without its '#'."""
        name = id_or_name.removeprefix("#")
        with self._lock:
            row = self._conn.execute(
                "SELECT data FROM slack_channels WHERE id = ? OR name = ?", (id_or_name, name)
            ).fetchone()
        return json.loads(row[0]) if row else None

    def channels_after(
        self, after_position: int, limit: int, *, exclude_archived: bool
    ) -> list[tuple[int, dict[str, Any]]]:
        """Up to `limit` channels in listing order past `after_position`, with their places."""
        sql = "SELECT position, data FROM slack_channels WHERE position > ?"
        if exclude_archived:
            sql += " AND json_extract(data, '$.is_archived') = 0"
        with self._lock:
            rows = self._conn.execute(sql + " ORDER BY position LIMIT ?", (after_position, limit))
            return [(row[0], json.loads(row[1])) for row in rows.fetchall()]

    def channel_position(self, channel_id: str) -> int | None:
        with self._lock:
            row = self._conn.execute(
                "SELECT position FROM slack_channels WHERE id = ?", (channel_id,)
            ).fetchone()
        return int(row[0]) if row else None

    def messages(
        self, channel_id: str, *, below: str | None, above: str | None, limit: int, inclusive: bool
    ) -> list[dict[str, Any]]:
        """Up to `limit` messages of a channel, newest first, with ts under `below` and over
        `above` (each bound included with `inclusive`)."""
        sql = "SELECT data FROM slack_messages WHERE channel_id = ?"
        args: list[Any] = [channel_id]
        if below is not None:
            sql += " AND ts <= ?" if inclusive else " AND ts < ?"
            args.append(below)
        if above is not None:
            sql += " AND ts >= ?" if inclusive else " AND ts > ?"
            args.append(above)
        args.append(limit)
        with self._lock:
            rows = self._conn.execute(sql + " ORDER BY ts DESC LIMIT ?", args).fetchall()
        return [json.loads(row[0]) for row in rows]

    def latest_ts(self, channel_id: str) -> str | None:
        with self._lock:
            row = self._conn.execute(
                "SELECT MAX(ts) FROM slack_messages WHERE channel_id = ?", (channel_id,)
            ).fetchone()
        return row[0] if row and row[0] is not None else None

    # ---- tokens ----------------------------------------------------------------------------

    def revoke(self, credential_id: str, when: str) -> None:
        with self.transaction():
            self._conn.execute(
                "INSERT OR IGNORE INTO slack_revoked (credential_id, revoked_at) VALUES (?, ?)",
                (credential_id, when),
            )

    def is_revoked(self, credential_id: str) -> bool:
        with self._lock:
            row = self._conn.execute(
                "SELECT 1 FROM slack_revoked WHERE credential_id = ?", (credential_id,)
            ).fetchone()
        return row is not None
