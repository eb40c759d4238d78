"""Notion through Alloy: typed methods over the official action ids, one connection per object."""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from typing import Any, Final, Literal

from alloy_tui.alloy.client import AlloyClient
from alloy_tui.alloy.errors import PageTooLargeError, ProtocolError, ValidationError
from alloy_tui.alloy.models import ResultPage, parse_result_page
from alloy_tui.alloy.retry import ActionKind
from alloy_tui.notion.ids import normalize_id

__all__ = [
    "ACTION_KINDS",
    "CONNECTOR_ID",
    "DATA_SOURCES_VERSION",
    "MAX_RECURSIVE_BLOCKS",
    "NOTION_VERSION",
    "NOTION_VERSIONS",
    "NotionAPI",
    "ResultPage",
]

CONNECTOR_ID: Final = "notion"
MAX_RECURSIVE_BLOCKS: Final = 5000
"""get_blocks_recursive refuses pages larger than this rather than load them half."""
MAX_PAGES: Final = 10_000
"""A bound on pages of one pagination, whatever the server says (10,000 x 100 items)."""

NOTION_VERSION: Final = "2022-06-28"
"""The Notion API version whose shapes this module reads and writes (databases with a schema,
rows with `database_id` parents). Sent on every execute as `additionalHeaders: {"Notion-Version":
...}`, so a connector (or the sandbox, whose default is 2025-09-03) answers in it."""

DATA_SOURCES_VERSION: Final = "2025-09-03"
"""The Notion API version of data sources: a database holds one or more, each with its schema
and its rows. The data-source calls always send it (they exist in no earlier version)."""
NOTION_VERSIONS: Final = (NOTION_VERSION, DATA_SOURCES_VERSION)
"""The versions `notion_version` may pin."""

SEARCH: Final = "post-search"
RETRIEVE_PAGE: Final = "retrieve-a-page"
CREATE_PAGE: Final = "post-page"
UPDATE_PAGE: Final = "patch-page"
RETRIEVE_DATABASE: Final = "retrieve-a-database"
QUERY_DATABASE: Final = "post-database-query"
RETRIEVE_DATA_SOURCE: Final = "retrieve-a-data-source"
QUERY_DATA_SOURCE: Final = "query-data-source"
GET_BLOCK_CHILDREN: Final = "get-block-children"
APPEND_BLOCK_CHILDREN: Final = "patch-block-children"
RETRIEVE_BLOCK: Final = "retrieve-a-block"
UPDATE_BLOCK: Final = "update-a-block"
DELETE_BLOCK: Final = "delete-a-block"
LIST_USERS: Final = "get-users"
GET_SELF: Final = "get-self"

ACTION_KINDS: Final[Mapping[str, ActionKind]] = {
    SEARCH: ActionKind.READ,
    RETRIEVE_PAGE: ActionKind.READ,
    RETRIEVE_DATABASE: ActionKind.READ,
    QUERY_DATABASE: ActionKind.READ,
    RETRIEVE_DATA_SOURCE: ActionKind.READ,
    QUERY_DATA_SOURCE: ActionKind.READ,
    GET_BLOCK_CHILDREN: ActionKind.READ,
    RETRIEVE_BLOCK: ActionKind.READ,
    LIST_USERS: ActionKind.READ,
    GET_SELF: ActionKind.READ,
    UPDATE_PAGE: ActionKind.WRITE,
    UPDATE_BLOCK: ActionKind.WRITE,
    DELETE_BLOCK: ActionKind.WRITE,
    CREATE_PAGE: ActionKind.CREATE,
    APPEND_BLOCK_CHILDREN: ActionKind.CREATE,
}
"""Reads may be repeated; writes only when surely not processed; creates never once sent."""

# Child pages and databases are separate documents: their content is not this page's content.
_NO_DESCENT: Final = frozenset({"child_page", "child_database"})
_UNSET: Any = object()


def notion_id(value: str, what: str = "id") -> str:
    """A Notion id in its dashed form; anything else is a ValidationError before any request."""
    try:
        return normalize_id(value)
    except ValueError:
        raise ValidationError(
            f"{value!r} is not a Notion {what}.",
            remedy="Paste the page's URL or its 32-character id.",
            field=what,
        ) from None


def _a(noun: str) -> str:
    return f"an {noun}" if noun[:1] in "aeio" else f"a {noun}"


def _shown(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 40 else text[:39] + "…"


def _answered(value: Any) -> str:
    """What an answer is, for a sentence: `a list`, `an object of type 'banana'`..."""
    if not isinstance(value, Mapping):
        kind = {list: "list", str: "string", bool: "boolean"}.get(type(value))
        return _a(kind or ("number" if isinstance(value, int | float) else type(value).__name__))
    if "object" not in value:
        return "an object without an `object` type"
    return f"an object of type {_shown(value['object'])}"


def expect_object(value: Any, action: str, *kinds: str) -> dict[str, Any]:
    """A Notion object of one of `kinds` (`"object": "page"`...) with a string id; anything
    else is a ProtocolError naming the action, so a wrong answer is never shown as data."""
    wanted = " or ".join(kinds)
    if not isinstance(value, Mapping) or value.get("object") not in kinds:
        raise ProtocolError(
            f"{action} answered {_answered(value)} where {_a(wanted)} was expected."
        )
    ident = value.get("id")
    if not isinstance(ident, str) or not ident:
        raise ProtocolError(
            f"{action} answered {_a(str(value['object']))} without an id (`id` is {_shown(ident)})."
        )
    return dict(value)


def expect_list(value: Any, action: str) -> ResultPage:
    """A Notion list (`"object": "list"` with its `results`, or the guide's `data`)."""
    if not isinstance(value, Mapping) or value.get("object") != "list":
        raise ProtocolError(f"{action} answered {_answered(value)} where a list was expected.")
    return parse_result_page(value, what=action)


def data_sources_of(database: Mapping[str, Any]) -> list[tuple[str, str]]:
    """(id, name) of each entry of a 2025-09-03 database's `data_sources` (bad ones skipped)."""
    out: list[tuple[str, str]] = []
    for source in database.get("data_sources") or []:
        if isinstance(source, Mapping) and isinstance(source.get("id"), str) and source["id"]:
            out.append((source["id"], str(source.get("name") or "")))
    return out


def _same_id(found: Any, wanted: Any) -> bool:
    """Two Notion ids, in any dash form, are the same (False when either is missing)."""
    if not isinstance(found, str) or not isinstance(wanted, str) or not found or not wanted:
        return False
    return found.replace("-", "").lower() == wanted.replace("-", "").lower()


def _paging(start_cursor: str | None, page_size: int | None) -> dict[str, Any]:
    out: dict[str, Any] = {}
    if start_cursor:
        out["start_cursor"] = start_cursor
    if page_size is not None:
        out["page_size"] = page_size
    return out


def _query_body(
    filter: Mapping[str, Any] | None,
    sorts: list[Mapping[str, Any]] | None,
    start_cursor: str | None,
    page_size: int | None,
) -> dict[str, Any]:
    """The body of a database or data source query: paging, then the filter and sorts."""
    body: dict[str, Any] = _paging(start_cursor, page_size)
    if filter is not None:
        body["filter"] = dict(filter)
    if sorts is not None:
        body["sorts"] = [dict(sort) for sort in sorts]
    return body


async def paginate(
    fetch: Callable[[str | None], Awaitable[ResultPage]], start_cursor: str | None = None
) -> AsyncIterator[ResultPage]:
    """Pages until `has_more` is false, the cursor is null, or a cursor comes back a second time."""
    seen: set[str] = set()
    cursor = start_cursor
    for _ in range(MAX_PAGES):
        page = await fetch(cursor)
        yield page
        if not page.has_more or page.next_cursor is None or page.next_cursor in seen:
            return
        seen.add(page.next_cursor)
        cursor = page.next_cursor


class NotionAPI:
    """Notion operations for one connection, each a single Alloy action of the right kind."""

    def __init__(
        self,
        client: AlloyClient,
        connection_id: str,
        *,
        notion_version: str | None = NOTION_VERSION,
    ) -> None:
        self.client = client
        self.connection_id = connection_id
        self.notion_version = notion_version
        """Sent as the Notion-Version header of every call but the data-source ones (which send
        DATA_SOURCES_VERSION); None sends none (the connector's own default)."""
        self.speaks_data_sources = notion_version == DATA_SOURCES_VERSION
        """True once the connector answered a database in 2025-09-03's shape (`data_sources`
        and no `properties`): a real Alloy may ignore the header we send. Then a database's
        schema and rows come from its data sources."""

    def __repr__(self) -> str:
        return f"NotionAPI(connection_id={self.connection_id!r})"

    async def _run(
        self,
        action_id: str,
        *,
        path_params: Mapping[str, str] | None = None,
        body: Any = None,
        query: Mapping[str, Any] | None = None,
        version: str | None = None,
    ) -> Any:
        version = version or self.notion_version
        return await self.client.execute(
            CONNECTOR_ID,
            action_id,
            connection_id=self.connection_id,
            kind=ACTION_KINDS[action_id],
            path_params=path_params,
            body=body,
            query=query,
            headers={"Notion-Version": version} if version else None,
        )

    def _object(self, answer: Any, action: str, *kinds: str) -> dict[str, Any]:
        try:
            return expect_object(answer, action, *kinds)
        except ProtocolError as error:
            raise self.client.scrub_error(error) from None

    def _list(self, answer: Any, action: str) -> ResultPage:
        try:
            return expect_list(answer, action)
        except ProtocolError as error:
            raise self.client.scrub_error(error) from None

    # --- search --------------------------------------------------------------------------------

    async def search(
        self,
        query: str = "",
        *,
        filter_object: Literal["page", "database"] | None = None,
        sort_descending: bool = True,
        start_cursor: str | None = None,
        page_size: int | None = None,
    ) -> ResultPage:
        """Pages and databases whose title contains `query`, last edited first by default.

        In 2025-09-03 databases are found as their data sources (`"object": "data_source"`):
        the "database" filter is sent as "data_source" there."""
        body: dict[str, Any] = {
            "sort": {
                "timestamp": "last_edited_time",
                "direction": "descending" if sort_descending else "ascending",
            },
            **_paging(start_cursor, page_size),
        }
        if query:
            body["query"] = query
        if filter_object is not None:
            value: str = filter_object
            if value == "database" and (
                self.notion_version == DATA_SOURCES_VERSION or self.speaks_data_sources
            ):
                value = "data_source"
            body["filter"] = {"property": "object", "value": value}
        return self._list(await self._run(SEARCH, body=body), SEARCH)

    async def iter_search(
        self,
        query: str = "",
        *,
        filter_object: Literal["page", "database"] | None = None,
        sort_descending: bool = True,
        start_cursor: str | None = None,
        page_size: int | None = None,
    ) -> AsyncIterator[ResultPage]:
        async def fetch(cursor: str | None) -> ResultPage:
            return await self.search(
                query,
                filter_object=filter_object,
                sort_descending=sort_descending,
                start_cursor=cursor,
                page_size=page_size,
            )

        async for page in paginate(fetch, start_cursor):
            yield page

    # --- pages ---------------------------------------------------------------------------------

    async def get_page(self, page_id: str) -> dict[str, Any]:
        answer = await self._run(RETRIEVE_PAGE, path_params={"page_id": notion_id(page_id)})
        return self._object(answer, RETRIEVE_PAGE, "page")

    async def create_page(
        self,
        parent: Mapping[str, Any],
        properties: Mapping[str, Any],
        children: list[Mapping[str, Any]] | None = None,
        icon: Mapping[str, Any] | None = None,
    ) -> dict[str, Any]:
        """Create a page under a page, a database, a data source or the workspace; sent at
        most once."""
        body: dict[str, Any] = {"parent": dict(parent), "properties": dict(properties)}
        if children:
            body["children"] = [dict(child) for child in children]
        if icon is not None:
            body["icon"] = dict(icon)
        # A data source exists only in 2025-09-03: a row created in one is sent in it.
        version = DATA_SOURCES_VERSION if "data_source_id" in parent else None
        answer = await self._run(CREATE_PAGE, body=body, version=version)
        return self._object(answer, CREATE_PAGE, "page")

    async def update_page(
        self,
        page_id: str,
        properties: Mapping[str, Any] | None = None,
        *,
        icon: Mapping[str, Any] | None = _UNSET,
        archived: bool | None = None,
    ) -> dict[str, Any]:
        """Change properties, the icon (None removes it) or the trash state of a page."""
        body: dict[str, Any] = {}
        if properties is not None:
            body["properties"] = dict(properties)
        if icon is not _UNSET:
            body["icon"] = dict(icon) if icon is not None else None
        if archived is not None:
            body["archived"] = archived
        answer = await self._run(
            UPDATE_PAGE, path_params={"page_id": notion_id(page_id)}, body=body
        )
        return self._object(answer, UPDATE_PAGE, "page")

    async def trash_page(self, page_id: str) -> dict[str, Any]:
        return await self.update_page(page_id, archived=True)

    async def restore_page(self, page_id: str) -> dict[str, Any]:
        return await self.update_page(page_id, archived=False)

    # --- databases -----------------------------------------------------------------------------

    async def get_database(self, database_id: str) -> dict[str, Any]:
        answer = await self._run(
            RETRIEVE_DATABASE, path_params={"database_id": notion_id(database_id)}
        )
        database = self._object(answer, RETRIEVE_DATABASE, "database")
        if "data_sources" in database and "properties" not in database:
            self.speaks_data_sources = True
        return database

    async def database_sources(self, database: Mapping[str, Any] | str) -> list[tuple[str, str]]:
        """A database's data sources as (id, name), in Notion's order.

        Read from the database's `data_sources` when the answer has them (2025-09-03), else
        from the database retrieved again in 2025-09-03. [] when the connector answers without
        data sources even then (it speaks only 2022-06-28: query the database itself)."""
        if isinstance(database, str) or "data_sources" not in database:
            database_id = database if isinstance(database, str) else str(database.get("id"))
            answer = await self._run(
                RETRIEVE_DATABASE,
                path_params={"database_id": notion_id(database_id)},
                version=DATA_SOURCES_VERSION,
            )
            database = self._object(answer, RETRIEVE_DATABASE, "database")
        return data_sources_of(database)

    async def get_data_source(self, data_source_id: str) -> dict[str, Any]:
        """A data source (2025-09-03): its title, its schema in `properties`, its database."""
        answer = await self._run(
            RETRIEVE_DATA_SOURCE,
            path_params={"data_source_id": notion_id(data_source_id, "data source id")},
            version=DATA_SOURCES_VERSION,
        )
        return self._object(answer, RETRIEVE_DATA_SOURCE, "data_source")

    async def query_data_source(
        self,
        data_source_id: str,
        filter: Mapping[str, Any] | None = None,
        sorts: list[Mapping[str, Any]] | None = None,
        start_cursor: str | None = None,
        page_size: int | None = None,
    ) -> ResultPage:
        """A page of a data source's rows (2025-09-03), as `query_database` for a database."""
        answer = await self._run(
            QUERY_DATA_SOURCE,
            path_params={"data_source_id": notion_id(data_source_id, "data source id")},
            body=_query_body(filter, sorts, start_cursor, page_size),
            version=DATA_SOURCES_VERSION,
        )
        return self._list(answer, QUERY_DATA_SOURCE)

    async def iter_query_data_source(
        self,
        data_source_id: str,
        filter: Mapping[str, Any] | None = None,
        sorts: list[Mapping[str, Any]] | None = None,
        start_cursor: str | None = None,
        page_size: int | None = None,
    ) -> AsyncIterator[ResultPage]:
        async def fetch(cursor: str | None) -> ResultPage:
            return await self.query_data_source(data_source_id, filter, sorts, cursor, page_size)

        async for page in paginate(fetch, start_cursor):
            yield page

    async def page_data_source(self, page_id: str) -> str | None:
        """The data source a row belongs to (its 2025-09-03 parent), None outside a database."""
        answer = await self._run(
            RETRIEVE_PAGE, path_params={"page_id": notion_id(page_id)}, version=DATA_SOURCES_VERSION
        )
        parent = self._object(answer, RETRIEVE_PAGE, "page").get("parent")
        if isinstance(parent, Mapping) and parent.get("type") == "data_source_id":
            value = parent.get("data_source_id")
            return str(value) if value else None
        return None

    async def query_relation_target(
        self, config: Mapping[str, Any], title: str = "", *, page_size: int | None = None
    ) -> ResultPage | None:
        """The pages a relation can link, whose title contains `title` ('' = the first ones).

        The relation's config names its target: `data_source_id` (2025-09-03, queried as a
        data source) or else `database_id` (2022-06-28, queried as a database). None when it
        names neither: the caller decides where else to look."""
        # A title property's id is always "title", so no schema read is needed for the filter.
        condition = {"property": "title", "title": {"contains": title}} if title else None
        source = config.get("data_source_id")
        if isinstance(source, str) and source:
            return await self.query_data_source(source, filter=condition, page_size=page_size)
        database = config.get("database_id")
        if isinstance(database, str) and database:
            return await self.query_database(database, filter=condition, page_size=page_size)
        return None

    async def relation_target_page(
        self, config: Mapping[str, Any], page_id: str
    ) -> tuple[dict[str, Any], bool]:
        """A page (a pasted link) and whether the relation whose config this is can link it:
        a row of its data source (the page read in 2025-09-03, whose parent names the source)
        or of its database; any page when the config names neither."""
        source = config.get("data_source_id")
        answer = await self._run(
            RETRIEVE_PAGE,
            path_params={"page_id": notion_id(page_id)},
            version=DATA_SOURCES_VERSION if source else None,
        )
        page = self._object(answer, RETRIEVE_PAGE, "page")
        parent = page.get("parent")
        parent = parent if isinstance(parent, Mapping) else {}
        if source:
            return page, _same_id(parent.get("data_source_id"), source)
        database = config.get("database_id")
        if database:
            return page, _same_id(parent.get("database_id"), database)
        return page, True

    async def query_database(
        self,
        database_id: str,
        filter: Mapping[str, Any] | None = None,
        sorts: list[Mapping[str, Any]] | None = None,
        start_cursor: str | None = None,
        page_size: int | None = None,
    ) -> ResultPage:
        answer = await self._run(
            QUERY_DATABASE,
            path_params={"database_id": notion_id(database_id)},
            body=_query_body(filter, sorts, start_cursor, page_size),
        )
        return self._list(answer, QUERY_DATABASE)

    async def iter_query(
        self,
        database_id: str,
        filter: Mapping[str, Any] | None = None,
        sorts: list[Mapping[str, Any]] | None = None,
        start_cursor: str | None = None,
        page_size: int | None = None,
    ) -> AsyncIterator[ResultPage]:
        async def fetch(cursor: str | None) -> ResultPage:
            return await self.query_database(database_id, filter, sorts, cursor, page_size)

        async for page in paginate(fetch, start_cursor):
            yield page

    # --- blocks --------------------------------------------------------------------------------

    async def get_block(self, block_id: str) -> dict[str, Any]:
        answer = await self._run(RETRIEVE_BLOCK, path_params={"block_id": notion_id(block_id)})
        return self._object(answer, RETRIEVE_BLOCK, "block")

    async def get_block_children(
        self, block_id: str, start_cursor: str | None = None, page_size: int | None = None
    ) -> ResultPage:
        """First-level children of a block (a page id works as a block id)."""
        answer = await self._run(
            GET_BLOCK_CHILDREN,
            path_params={"block_id": notion_id(block_id)},
            query=_paging(start_cursor, page_size),
        )
        return self._list(answer, GET_BLOCK_CHILDREN)

    async def iter_block_children(
        self, block_id: str, start_cursor: str | None = None, page_size: int | None = None
    ) -> AsyncIterator[ResultPage]:
        async def fetch(cursor: str | None) -> ResultPage:
            return await self.get_block_children(block_id, cursor, page_size)

        async for page in paginate(fetch, start_cursor):
            yield page

    async def get_blocks_recursive(
        self, block_id: str, *, max_blocks: int = MAX_RECURSIVE_BLOCKS
    ) -> list[dict[str, Any]]:
        """All blocks under `block_id`, each block's own children nested under `"children"`.

        Recurses on `has_children` (not into child pages or databases, which are documents of
        their own); more than `max_blocks` blocks is a PageTooLargeError, never a partial page.
        """
        count = 0
        seen: set[str] = set()

        async def load(parent_id: str) -> list[dict[str, Any]]:
            nonlocal count
            blocks: list[dict[str, Any]] = []
            async for page in self.iter_block_children(parent_id, page_size=100):
                for block in page.results:
                    count += 1
                    if count > max_blocks:
                        raise PageTooLargeError(
                            f"This page has more than {max_blocks} blocks; "
                            "alloy-tui loads at most that many."
                        )
                    blocks.append(block)
            for block in blocks:
                ident = block.get("id")
                if (
                    block.get("has_children") is True
                    and block.get("type") not in _NO_DESCENT
                    and isinstance(ident, str)
                    and ident not in seen
                ):
                    seen.add(ident)  # a server that loops must not make this recurse forever
                    block["children"] = await load(ident)
            return blocks

        seen.add(notion_id(block_id))
        return await load(block_id)

    async def append_block_children(
        self,
        block_id: str,
        children: list[Mapping[str, Any]],
        after: str | None = None,
    ) -> list[dict[str, Any]]:
        """Append blocks (after the child `after`, if given); returns the new first-level blocks.
        Sent at most once: a resend after a lost answer would duplicate the content."""
        body: dict[str, Any] = {"children": [dict(child) for child in children]}
        if after is not None:
            body["after"] = notion_id(after, "block id")
        answer = await self._run(
            APPEND_BLOCK_CHILDREN, path_params={"block_id": notion_id(block_id)}, body=body
        )
        return self._list(answer, APPEND_BLOCK_CHILDREN).results

    async def update_block(self, block_id: str, block: Mapping[str, Any]) -> dict[str, Any]:
        """Change a block's content (`{"paragraph": {...}}`, `{"to_do": {"checked": true}}`...)."""
        answer = await self._run(
            UPDATE_BLOCK, path_params={"block_id": notion_id(block_id)}, body=dict(block)
        )
        return self._object(answer, UPDATE_BLOCK, "block")

    async def delete_block(self, block_id: str) -> dict[str, Any]:
        """Move a block (or a page) to the trash."""
        # Notion answers the trashed block; a page trashed by its id may come back as a page.
        answer = await self._run(DELETE_BLOCK, path_params={"block_id": notion_id(block_id)})
        return self._object(answer, DELETE_BLOCK, "block", "page")

    # --- users ---------------------------------------------------------------------------------

    async def list_users(self) -> list[dict[str, Any]]:
        """Every user of the workspace (all pages)."""

        async def fetch(cursor: str | None) -> ResultPage:
            answer = await self._run(LIST_USERS, query=_paging(cursor, 100))
            return self._list(answer, LIST_USERS)

        users: list[dict[str, Any]] = []
        async for page in paginate(fetch):
            users.extend(page.results)
        return users

    async def get_self(self) -> dict[str, Any]:
        """The integration's bot user for this connection."""
        return self._object(await self._run(GET_SELF), GET_SELF, "user")
