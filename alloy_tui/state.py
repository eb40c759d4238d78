"""AppState: the one object the screens share (settings, client, connections, caches)."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from alloy_tui.alloy.errors import AlloyError
from alloy_tui.notion.models import object_title

if TYPE_CHECKING:
    from alloy_tui.alloy.client import AlloyClient
    from alloy_tui.alloy.connect import ConnectEvent
    from alloy_tui.alloy.health import Health
    from alloy_tui.alloy.models import Connection
    from alloy_tui.alloy.notion_api import NotionAPI
    from alloy_tui.alloy.requestlog import RequestLog
    from alloy_tui.config import Settings
    from alloy_tui.drafts import DraftStore

Clock = Callable[[], datetime]
"""Returns "now" as an aware datetime; injectable so relative times are fixed in snapshots."""

NOTION_CONNECTOR = "notion"
CONNECTABLE: Final = (("notion", "Notion"), ("slack", "Slack"))
"""The connectors the app connects through OAuth (id, name); Notion's connections are the ones
the pages use, the others are listed for the action explorer and health checks."""


def utc_now() -> datetime:
    return datetime.now(UTC)


class NoActiveConnectionError(AlloyError):
    """Raised by `AppState.notion` when no connection is active."""

    default_sentence = "No connection is active."
    default_remedy = "Pick one on the Connections screen with Enter, or press c to connect Notion."


class AppState:
    """Settings, the Alloy client, the connections and the caches every screen reads.

    Holds no Textual objects: the app pushes what changed to the widgets."""

    def __init__(
        self,
        settings: Settings,
        client: AlloyClient,
        *,
        clock: Clock = utc_now,
        sandbox: bool | None = None,
    ) -> None:
        self.settings = settings
        self.client = client
        self.clock = clock
        self.sandbox = settings.sandbox if sandbox is None else sandbox
        """Whether the server is a sandbox: given, or (None) asked of it by the first
        `refresh_connections`, however the app was started."""
        self.connections: list[Connection] = []
        """The Notion connections: the active one is among them."""
        self.other_connections: list[Connection] = []
        """Connections of the other connectors (Slack…), listed beside them."""
        self.health: dict[str, Health] = {}
        """Each connection's state from the last health check, by connection id."""
        self.last_worked: dict[str, datetime] = {}
        """When each connection last answered a health check (kept in the state dir)."""
        self.active_connection: Connection | None = None
        self._notion: NotionAPI | None = None
        self._users: list[dict[str, Any]] | None = None
        self._users_lock = asyncio.Lock()
        # Parent titles by id ("page:<id>" / "database:<id>"): search rows resolve them lazily.
        self._titles: dict[str, str] = {}
        self._drafts: DraftStore | None = None
        self._sandbox_asked = sandbox is not None or settings.sandbox
        self._prefetch: asyncio.Task[list[Connection]] | None = None

    # ---- the client ------------------------------------------------------------------

    @property
    def log(self) -> RequestLog:
        return self.client.log

    @property
    def notion(self) -> NotionAPI:
        """The Notion API for the active connection; NoActiveConnectionError if there is none."""
        connection = self.active_connection
        if connection is None:
            raise NoActiveConnectionError(code="no_active_connection")
        if self._notion is None:
            from alloy_tui.alloy.notion_api import NotionAPI

            self._notion = NotionAPI(
                self.client, connection.id, notion_version=self.settings.notion_version
            )
        return self._notion

    def now(self) -> datetime:
        return self.clock()

    @property
    def drafts_dir(self) -> Path:
        return self.settings.state_dir / "drafts"

    @property
    def drafts(self) -> DraftStore:
        """The draft journal (unsaved page edits) under the state dir; created on first use."""
        if self._drafts is None:
            from alloy_tui.drafts import DraftStore

            self._drafts = DraftStore(self.drafts_dir, clock=self.clock)
        return self._drafts

    def may_have_drafts(self) -> bool:
        """False when the drafts folder is missing or empty: nothing to offer or report, and
        no need to load the draft store (and the editor it brings) at start."""
        try:
            with os.scandir(self.drafts_dir) as entries:
                return next(entries, None) is not None
        except FileNotFoundError:
            return False
        except OSError:
            return True  # unreadable: the store reports it

    # ---- connections -----------------------------------------------------------------

    async def ask_if_sandbox(self) -> bool:
        """Whether the server is a sandbox, asked once (a sandbox started apart and pointed at
        with ALLOY_BASE_URL is one too): then picks are saved under [sandbox] and the SANDBOX
        badge shows, whatever the app was started with."""
        if not self._sandbox_asked:
            from alloy_tui.alloy.connect import server_is_sandbox

            self._sandbox_asked = True
            self.sandbox = await server_is_sandbox(self.client)
        return self.sandbox

    def connection_pinned_by(self) -> str | None:
        """What chooses the connection at each start ahead of config.toml, if anything: then a
        pick (saved in config.toml) lasts only until the app quits. None when picks stick."""
        if self.sandbox:
            return None  # sandbox picks go to [sandbox], which the next sandbox start reads first
        source = self.settings.source_of("connection_id")
        if source == "flag":
            return "--connection"
        if source == "env":
            return "CONNECTION_ID in the environment"
        if source.startswith(".env"):
            return f"CONNECTION_ID in {source}"
        return None

    def save_theme(self, name: str) -> None:
        """Remember the chosen theme in config.toml (read back at the next start)."""
        from alloy_tui.config import save_config_values

        save_config_values({"theme": name}, self.settings.config_path)

    def preferred_connection_id(self) -> str | None:
        """The connection the settings ask for ([sandbox] first when running the sandbox)."""
        if self.sandbox and self.settings.sandbox_connection_id:
            return self.settings.sandbox_connection_id
        return self.settings.connection_id

    def prefetch_connections(self) -> None:
        """Start listing the connections now, before any screen asks: at launch the server
        answers while the UI is still being built. The next `refresh_connections` takes this
        answer (or its error) instead of asking again."""
        if self._prefetch is None:
            self._prefetch = asyncio.get_running_loop().create_task(self._list_connections())

    async def refresh_connections(self) -> list[Connection]:
        """List the Notion connections again and keep the active one if it still exists."""
        prefetched, self._prefetch = self._prefetch, None
        if prefetched is not None:
            return await prefetched
        return await self._list_connections()

    async def _list_connections(self) -> list[Connection]:
        # Asked side by side with the listing: the first start pays no extra round trip.
        _, connections, others = await asyncio.gather(
            self.ask_if_sandbox(),
            self.client.list_connections(NOTION_CONNECTOR),
            self._other_connections(),
        )
        self.connections = sorted(connections, key=_connection_order)
        if others is not None:
            self.other_connections = sorted(others, key=_connection_order)
        by_id = {c.id: c for c in self.connections}
        current = self.active_connection.id if self.active_connection else None
        wanted = current or self.preferred_connection_id()
        if wanted is not None and wanted in by_id:
            self._activate(by_id[wanted])
        elif wanted is None and len(self.connections) == 1:
            # A single connection is the obvious choice; it is saved only when the user picks it.
            self._activate(self.connections[0])
        else:
            self._activate(None)
        return self.connections

    async def _other_connections(self) -> list[Connection] | None:
        """Every other connector's connections (None when they cannot be listed: the Notion
        ones still can, and the app works without the others)."""
        try:
            every = await self.client.list_connections(None)
        except AlloyError:
            return None
        return [c for c in every if c.connector_id and c.connector_id != NOTION_CONNECTOR]

    @property
    def all_connections(self) -> list[Connection]:
        return [*self.connections, *self.other_connections]

    def connection(self, connection_id: str) -> Connection | None:
        return next((c for c in self.all_connections if c.id == connection_id), None)

    def set_active(self, connection_id: str) -> Connection:
        """Make a listed connection the active one and save it in the config file."""
        from alloy_tui.config import save_active_connection

        connection = next((c for c in self.connections if c.id == connection_id), None)
        if connection is None:
            raise KeyError(connection_id)
        self._activate(connection)
        settings = self.settings
        if self.sandbox and not settings.sandbox:
            settings = settings.with_overrides(sandbox=True)  # the server said it is one
        save_active_connection(connection.id, settings)
        return connection

    def _activate(self, connection: Connection | None) -> None:
        before = self.active_connection.id if self.active_connection else None
        self.active_connection = connection
        if (connection.id if connection else None) != before:
            # Everything cached belongs to the previous workspace.
            self._notion = None
            self._users = None
            self._titles.clear()

    async def connect(
        self,
        on_event: Callable[[ConnectEvent], None],
        connector: str = NOTION_CONNECTOR,
        *,
        replacing: str | None = None,
    ) -> Connection:
        """Run the whole OAuth flow; a new Notion connection becomes the active one (saved).
        `replacing`: a (revoked) connection the new one takes the place of: deleted once the
        new one exists."""
        from alloy_tui.alloy.connect import connect_service

        connection = await connect_service(
            self.client,
            connector,
            self.settings.redirect_uri,
            on_event=on_event,
        )
        if replacing is not None and replacing != connection.id:
            await self.delete_connection(replacing)
        await self.refresh_connections()
        if self.connection(connection.id) is None:
            listed = self.connections if connector == NOTION_CONNECTOR else self.other_connections
            listed.append(connection)
        if connector == NOTION_CONNECTOR:
            self.set_active(connection.id)
        return connection

    async def check_health(self) -> dict[str, Health]:
        """Check every listed connection with its connector's cheap call (one attempt each,
        side by side) and note when each last worked."""
        from alloy_tui.alloy.health import LastWorked, check_connection, one_attempt_client

        client = one_attempt_client(self.client, self.settings.api_key)
        connections = self.all_connections
        results = await asyncio.gather(
            *(check_connection(client, c, self.settings.notion_version) for c in connections)
        )
        self.health = {c.id: health for c, health in zip(connections, results, strict=True)}
        store = LastWorked(self.settings.state_dir / "health.json", clock=self.clock)
        self.last_worked = await asyncio.to_thread(store.record, self.health)
        return self.health

    async def approve_in_sandbox(self, oauth_url: str) -> None:
        """Sandbox only: approve the OAuth link as if the user pressed Allow in a browser; the
        running `connect` flow then finishes by itself. SandboxApprovalError if it cannot."""
        from alloy_tui.alloy.sandbox_admin import SandboxApprovalError, approve_in_sandbox

        if not self.sandbox:
            raise SandboxApprovalError(
                "Only the sandbox can approve a link without a browser.",
                remedy="Open the link in a browser (y copies it).",
            )
        await approve_in_sandbox(self.client, oauth_url)

    async def delete_connection(self, connection_id: str) -> None:
        await self.client.delete_connection(connection_id)
        if self.active_connection is not None and self.active_connection.id == connection_id:
            self._activate(None)
        self.connections = [c for c in self.connections if c.id != connection_id]
        self.other_connections = [c for c in self.other_connections if c.id != connection_id]
        self.health.pop(connection_id, None)

    # ---- workspace caches ------------------------------------------------------------

    async def users(self) -> list[dict[str, Any]]:
        """The workspace's users, listed once per active connection."""
        async with self._users_lock:
            if self._users is None:
                self._users = await self.notion.list_users()
            return self._users

    def cached_parent_label(self, parent: Mapping[str, Any]) -> str | None:
        """The parent's label if known without a request (workspace, or already resolved)."""
        kind = parent.get("type")
        if kind == "workspace":
            return "Workspace"
        if kind == "block_id":
            return "Block"
        key = _parent_key(parent)
        return self._titles.get(key) if key else None

    async def page_titles(
        self,
        page_ids: Sequence[str],
        *,
        database_id: str | None = None,
        data_source_id: str | None = None,
        max_reads: int = 20,
    ) -> dict[str, str]:
        """Titles of linked pages (a relation's), with as few requests as the rate limit wants.

        Known titles come from the cache; when the pages are rows of one data source (or else
        one database), a query of it (100 rows a request, at most 5) finds the rest; pages
        still unknown are read one by one, at most `max_reads` of them. A page that cannot be
        read keeps its short id.
        """
        wanted = list(dict.fromkeys(page_ids))
        titles = {i: self._titles[f"page:{i}"] for i in wanted if f"page:{i}" in self._titles}
        missing = [i for i in wanted if i not in titles]
        if missing and (data_source_id or database_id) and len(missing) > 1:
            remaining = set(missing)
            pages = 0
            rows = (
                self.notion.iter_query_data_source(data_source_id, page_size=100)
                if data_source_id
                else self.notion.iter_query(str(database_id), page_size=100)
            )
            async for result_page in rows:
                for row in result_page.results:
                    self.remember_title(row)
                    row_id = row.get("id")
                    if row_id in remaining:
                        titles[row_id] = object_title(row)
                        remaining.discard(row_id)
                pages += 1
                if not remaining or pages >= 5:
                    break
            missing = [i for i in missing if i in remaining]
        for page_id in missing[:max_reads]:
            try:
                page = await self.notion.get_page(page_id)
            except AlloyError:
                continue
            self.remember_title(page)
            titles[page_id] = object_title(page)
        return {i: titles.get(i, i[:8]) for i in wanted}

    async def parent_label(self, parent: Mapping[str, Any]) -> str:
        """'Workspace', or the title of the parent page or database (fetched once, cached)."""
        known = self.cached_parent_label(parent)
        if known is not None:
            return known
        key = _parent_key(parent)
        if key is None:
            return ""
        kind, object_id = key.split(":", 1)
        if kind == "page":
            obj = await self.notion.get_page(object_id)
        elif kind == "data_source":
            obj = await self.notion.get_data_source(object_id)
        else:
            obj = await self.notion.get_database(object_id)
        title = object_title(obj)
        self._titles[key] = title
        return title

    def known_title(self, kind: str, object_id: str) -> str | None:
        """A page's or database's title if a search row or a read already showed it."""
        return self._titles.get(f"{kind}:{object_id}")

    def remember_title(self, obj: Mapping[str, Any]) -> None:
        """Search results are pages, databases and data sources too: remember their titles as
        parents."""
        kind = obj.get("object")
        if kind in ("page", "database", "data_source") and isinstance(obj.get("id"), str):
            self._titles[f"{kind}:{obj['id']}"] = object_title(obj)

    async def aclose(self) -> None:
        """Close the client's one HTTP connection pool (a prefetch nobody took is cancelled)."""
        prefetched, self._prefetch = self._prefetch, None
        if prefetched is not None:
            prefetched.cancel()
            await asyncio.gather(prefetched, return_exceptions=True)
        await self.client.aclose()


def _connection_order(connection: Connection) -> tuple[datetime, str]:
    created = connection.created_at or datetime.min.replace(tzinfo=UTC)
    if created.tzinfo is None:
        created = created.replace(tzinfo=UTC)
    return (created, connection.name.casefold())


def _parent_key(parent: Mapping[str, Any]) -> str | None:
    kind = parent.get("type")
    if kind == "page_id" and isinstance(parent.get("page_id"), str):
        return f"page:{parent['page_id']}"
    if kind == "database_id" and isinstance(parent.get("database_id"), str):
        return f"database:{parent['database_id']}"
    if kind == "data_source_id" and isinstance(parent.get("data_source_id"), str):
        return f"data_source:{parent['data_source_id']}"
    return None


__all__ = [
    "AppState",
    "Clock",
    "NoActiveConnectionError",
    "utc_now",
]
