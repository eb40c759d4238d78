"""Alloy credentials (connections), pending OAuth flows and authorization codes, in SQLite."""

from __future__ import annotations

import secrets
import sqlite3
import threading
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Final

from alloy_tui.sandbox.defaults import SEED_CONNECTION_ID, SEED_WORKSPACE_NAME
from alloy_tui.sandbox.slack.catalog import CREDENTIAL_TYPE as SLACK_CREDENTIAL_TYPE

CODE_LIFETIME: Final = timedelta(minutes=10)
"""Notion's codes are short-lived; ten minutes is what the guide's flow has to finish in."""
FLOW_LIFETIME: Final = timedelta(minutes=30)
CREDENTIAL_TYPE: Final = "notion-oauth2"
CREDENTIAL_TYPES: Final = {"notion": CREDENTIAL_TYPE, "slack": SLACK_CREDENTIAL_TYPE}
"""Each connector's credential type, as the connection lists show it."""
CONNECTOR_NAMES: Final = {"notion": "Notion", "slack": "Slack"}
_BOT_NAMESPACE: Final = uuid.UUID("8f7a3c52-6d0e-4c1b-9f3e-2a5b7c9d1e04")

_SCHEMA: Final = """
CREATE TABLE IF NOT EXISTS alloy_credentials (
    id TEXT PRIMARY KEY,
    user_id TEXT NOT NULL,
    connector_id TEXT NOT NULL,
    name TEXT NOT NULL,
    workspace_name TEXT NOT NULL,
    bot_user_id TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS alloy_oauth_flows (
    state TEXT PRIMARY KEY,
    credential_id TEXT NOT NULL UNIQUE,
    user_id TEXT NOT NULL,
    connector_id TEXT NOT NULL,
    redirect_uri TEXT NOT NULL,
    csrf TEXT NOT NULL,
    created_at TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending'
);
CREATE TABLE IF NOT EXISTS alloy_oauth_codes (
    code TEXT PRIMARY KEY,
    credential_id TEXT NOT NULL,
    expires_at TEXT NOT NULL,
    used INTEGER NOT NULL DEFAULT 0
);
"""


def iso(moment: datetime) -> str:
    """Alloy's timestamp form: UTC with milliseconds and a Z."""
    moment = moment.astimezone(UTC)
    return moment.strftime("%Y-%m-%dT%H:%M:%S.") + f"{moment.microsecond // 1000:03d}Z"


def _parse_iso(text: str) -> datetime:
    return datetime.fromisoformat(text.replace("Z", "+00:00"))


def new_object_id() -> str:
    """A 24-hex id, like Alloy's MongoDB ObjectIds."""
    return secrets.token_hex(12)


def bot_user_id_for(credential_id: str) -> str:
    """Each connection gets its own Notion bot user, stable across restarts."""
    return str(uuid.uuid5(_BOT_NAMESPACE, credential_id))


@dataclass(frozen=True)
class Credential:
    id: str
    user_id: str
    connector_id: str
    name: str
    workspace_name: str
    bot_user_id: str
    created_at: str
    updated_at: str

    def to_json(self) -> dict[str, Any]:
        """One item of every list endpoint: both dialects' id keys plus connectorId."""
        return {
            "id": self.id,
            "credentialId": self.id,
            "name": self.name,
            "type": CREDENTIAL_TYPES.get(self.connector_id, f"{self.connector_id}-oauth2"),
            "connectorId": self.connector_id,
            "workspaceName": self.workspace_name,
            "createdAt": self.created_at,
            "updatedAt": self.updated_at,
        }


@dataclass(frozen=True)
class OAuthFlow:
    state: str
    credential_id: str
    user_id: str
    connector_id: str
    redirect_uri: str
    csrf: str
    created_at: str
    status: str


class InvalidGrant(Exception):
    """The authorization code cannot be exchanged; the message says why."""


class FlowError(Exception):
    """The consent page was reached with a flow that is unknown, finished or expired."""


def connection_name(workspace_name: str, connector_id: str = "notion") -> str:
    label = CONNECTOR_NAMES.get(connector_id, connector_id)
    return f"{label} \N{EN DASH} {workspace_name}"


class CredentialStore:
    """All of Alloy's own state, in tables next to the Notion data, under the store's lock."""

    def __init__(
        self, conn: sqlite3.Connection, lock: threading.RLock, clock: Callable[[], datetime]
    ) -> None:
        self._conn = conn
        self._lock = lock
        self._clock = clock
        with self._lock:
            self._conn.executescript(_SCHEMA)

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """Hold the store's lock and run the enclosed statements atomically."""
        with self._lock:
            if self._conn.in_transaction:
                yield self._conn
                return
            self._conn.execute("BEGIN")
            try:
                yield self._conn
            except BaseException:
                self._conn.execute("ROLLBACK")
                raise
            self._conn.execute("COMMIT")

    # Credentials --------------------------------------------------------------------------

    def ensure_seed(self, user_id: str) -> bool:
        """Create the seed connection unless it exists; True if it was created."""
        with self._transaction():
            if self.get(SEED_CONNECTION_ID) is not None:
                return False
            self._insert(SEED_CONNECTION_ID, user_id, "notion", SEED_WORKSPACE_NAME)
            return True

    def _insert(self, credential_id: str, user_id: str, connector: str, workspace: str) -> None:
        now = iso(self._clock())
        self._conn.execute(
            "INSERT INTO alloy_credentials (id, user_id, connector_id, name, workspace_name,"
            " bot_user_id, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                credential_id,
                user_id,
                connector,
                connection_name(workspace, connector),
                workspace,
                bot_user_id_for(credential_id),
                now,
                now,
            ),
        )

    def get(self, credential_id: str) -> Credential | None:
        with self._lock:
            row = self._conn.execute(
                "SELECT id, user_id, connector_id, name, workspace_name, bot_user_id,"
                " created_at, updated_at FROM alloy_credentials WHERE id = ?",
                (credential_id,),
            ).fetchone()
        return Credential(*row) if row else None

    def list(self, user_id: str, connector_id: str | None = None) -> list[Credential]:
        """Newest first: the guide's list-connections recommends the first Notion one."""
        sql = (
            "SELECT id, user_id, connector_id, name, workspace_name, bot_user_id, created_at,"
            " updated_at FROM alloy_credentials WHERE user_id = ?"
        )
        args: tuple[str, ...] = (user_id,)
        if connector_id is not None:
            sql += " AND connector_id = ?"
            args = (user_id, connector_id)
        with self._lock:
            rows = self._conn.execute(sql + " ORDER BY created_at DESC, rowid DESC", args)
            return [Credential(*row) for row in rows.fetchall()]

    def get_for_user(self, credential_id: str, user_id: str) -> Credential | None:
        """The user's connection; another user's is as absent as one that never existed."""
        credential = self.get(credential_id)
        return credential if credential is not None and credential.user_id == user_id else None

    def delete(self, credential_id: str, user_id: str) -> bool:
        """Delete the user's connection; False if the user has none with this id."""
        with self._transaction():
            deleted = self._conn.execute(
                "DELETE FROM alloy_credentials WHERE id = ? AND user_id = ?",
                (credential_id, user_id),
            ).rowcount
            if not deleted:
                return False
            self._conn.execute(
                "DELETE FROM alloy_oauth_codes WHERE credential_id = ?", (credential_id,)
            )
        return deleted > 0

    def _next_workspace_name(self, connector_id: str) -> str:
        """The seeded workspace's name, numbered past the ones this connector's connections
        already use."""
        used = {
            row[0]
            for row in self._conn.execute(
                "SELECT workspace_name FROM alloy_credentials WHERE connector_id = ?",
                (connector_id,),
            )
        }
        if SEED_WORKSPACE_NAME not in used:
            return SEED_WORKSPACE_NAME
        number = 2
        while f"{SEED_WORKSPACE_NAME} ({number})" in used:
            number += 1
        return f"{SEED_WORKSPACE_NAME} ({number})"

    # OAuth --------------------------------------------------------------------------------

    def start_flow(self, user_id: str, connector_id: str, redirect_uri: str) -> OAuthFlow:
        flow = OAuthFlow(
            state=secrets.token_urlsafe(24),
            credential_id=new_object_id(),
            user_id=user_id,
            connector_id=connector_id,
            redirect_uri=redirect_uri,
            csrf=secrets.token_urlsafe(24),
            created_at=iso(self._clock()),
            status="pending",
        )
        with self._transaction():
            self._conn.execute(
                "INSERT INTO alloy_oauth_flows (state, credential_id, user_id, connector_id,"
                " redirect_uri, csrf, created_at, status) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                (
                    flow.state,
                    flow.credential_id,
                    flow.user_id,
                    flow.connector_id,
                    flow.redirect_uri,
                    flow.csrf,
                    flow.created_at,
                    flow.status,
                ),
            )
        return flow

    def pending_flow(self, state: str) -> OAuthFlow:
        """The flow a consent page belongs to; FlowError if it cannot be answered any more."""
        with self._lock:
            row = self._conn.execute(
                "SELECT state, credential_id, user_id, connector_id, redirect_uri, csrf,"
                " created_at, status FROM alloy_oauth_flows WHERE state = ?",
                (state,),
            ).fetchone()
        if row is None:
            raise FlowError("This authorization link is not valid.")
        flow = OAuthFlow(*row)
        if flow.status != "pending":
            raise FlowError("This authorization request has already been answered.")
        if self._clock() - _parse_iso(flow.created_at) > FLOW_LIFETIME:
            raise FlowError("This authorization link has expired. Start the connection again.")
        return flow

    def allow(self, flow: OAuthFlow) -> tuple[Credential, str]:
        """Store the new connection (Alloy does this before redirecting) and issue a code."""
        code = secrets.token_urlsafe(32)
        with self._transaction():
            claimed = self._conn.execute(
                "UPDATE alloy_oauth_flows SET status = 'allowed'"
                " WHERE state = ? AND status = 'pending'",
                (flow.state,),
            ).rowcount
            if not claimed:
                raise FlowError("This authorization request has already been answered.")
            self._insert(
                flow.credential_id,
                flow.user_id,
                flow.connector_id,
                self._next_workspace_name(flow.connector_id),
            )
            self._conn.execute(
                "INSERT INTO alloy_oauth_codes (code, credential_id, expires_at) VALUES (?, ?, ?)",
                (code, flow.credential_id, iso(self._clock() + CODE_LIFETIME)),
            )
        credential = self.get(flow.credential_id)
        assert credential is not None
        return credential, code

    def deny(self, flow: OAuthFlow) -> None:
        with self._transaction():
            claimed = self._conn.execute(
                "UPDATE alloy_oauth_flows SET status = 'denied'"
                " WHERE state = ? AND status = 'pending'",
                (flow.state,),
            ).rowcount
        if not claimed:
            raise FlowError("This authorization request has already been answered.")

    def exchange(self, code: str, credential_id: str | None, user_id: str) -> Credential:
        """Spend a code once; InvalidGrant if unknown, used, expired or for another credential.

        Another user's code is unknown to this user, and is left unspent for its owner."""
        with self._transaction():
            row = self._conn.execute(
                "SELECT c.credential_id, c.expires_at, c.used FROM alloy_oauth_codes c"
                " JOIN alloy_credentials a ON a.id = c.credential_id"
                " WHERE c.code = ? AND a.user_id = ?",
                (code, user_id),
            ).fetchone()
            if row is None:
                raise InvalidGrant("The authorization code is not valid.")
            owner, expires_at, used = row
            if used:
                raise InvalidGrant("The authorization code has already been used.")
            if self._clock() >= _parse_iso(expires_at):
                raise InvalidGrant("The authorization code has expired.")
            if credential_id is not None and credential_id != owner:
                raise InvalidGrant("The authorization code was not issued for this credential.")
            self._conn.execute("UPDATE alloy_oauth_codes SET used = 1 WHERE code = ?", (code,))
            credential = self.get(owner)
        if credential is None:
            raise InvalidGrant("The connection for this code was deleted.")
        return credential

    def reset(self) -> None:
        with self._transaction():
            self._conn.execute("DELETE FROM alloy_credentials")
            self._conn.execute("DELETE FROM alloy_oauth_flows")
            self._conn.execute("DELETE FROM alloy_oauth_codes")
