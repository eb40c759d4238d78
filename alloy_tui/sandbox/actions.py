"""The sandbox's Notion engine: the action catalog and every action's Notion semantics."""

from __future__ import annotations

import base64
import binascii
import json
import re
import sqlite3
import uuid
import zoneinfo
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from alloy_tui.notion.blocks import (
    ALL_BLOCK_TYPES,
    CHILDREN_ALLOWED,
    READ_ONLY_BLOCK_TYPES,
    TEXT_BLOCK_TYPES,
)
from alloy_tui.notion.ids import compact_id, normalize_id
from alloy_tui.notion.properties import READ_ONLY_TYPES, WRITABLE_TYPES, empty_value
from alloy_tui.notion.richtext import (
    COLORS,
    MAX_ARRAY,
    MAX_TEXT_UTF16,
    TEXT_COLORS,
    fill,
    plain_text,
    utf16_len,
)
from alloy_tui.sandbox.defaults import SEED_WORKSPACE_NAME
from alloy_tui.sandbox.query import (
    FormulaError,
    QueryError,
    apply_sorts,
    compile_filter,
    compile_sorts,
    describe,
    evaluate_formula,
    find_property,
    formula_result,
    invalid_message,
    parse_date,
)
from alloy_tui.sandbox.store import Store

# --- catalog ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class ActionSpec:
    """One Notion action as Alloy's catalog describes it."""

    id: str
    aliases: tuple[str, ...]
    display_name: str
    description: str
    http_method: str
    path: str
    path_params: tuple[str, ...]


ACTIONS: tuple[ActionSpec, ...] = (
    ActionSpec(
        "post-search",
        (),
        "Search",
        "Search pages and databases shared with the integration by title.",
        "POST",
        "/v1/search",
        (),
    ),
    ActionSpec(
        "retrieve-a-page",
        ("get-page",),
        "Retrieve a page",
        "Retrieve a page's properties (not its content).",
        "GET",
        "/v1/pages/{page_id}",
        ("page_id",),
    ),
    ActionSpec(
        "post-page",
        (),
        "Create a page",
        "Create a page under a page, a database or the workspace.",
        "POST",
        "/v1/pages",
        (),
    ),
    ActionSpec(
        "patch-page",
        (),
        "Update page properties",
        "Update a page's properties, icon or cover, or move it to or from the trash.",
        "PATCH",
        "/v1/pages/{page_id}",
        ("page_id",),
    ),
    ActionSpec(
        "retrieve-a-database",
        ("get-database",),
        "Retrieve a database",
        "Retrieve a database's title and property schema.",
        "GET",
        "/v1/databases/{database_id}",
        ("database_id",),
    ),
    ActionSpec(
        "post-database-query",
        ("query-database",),
        "Query a database",
        "List a database's pages, filtered and sorted.",
        "POST",
        "/v1/databases/{database_id}/query",
        ("database_id",),
    ),
    ActionSpec(
        "get-block-children",
        (),
        "Retrieve block children",
        "List the first-level children of a block or page.",
        "GET",
        "/v1/blocks/{block_id}/children",
        ("block_id",),
    ),
    ActionSpec(
        "patch-block-children",
        (),
        "Append block children",
        "Append blocks to a block or page, optionally after a given child.",
        "PATCH",
        "/v1/blocks/{block_id}/children",
        ("block_id",),
    ),
    ActionSpec(
        "retrieve-a-block",
        (),
        "Retrieve a block",
        "Retrieve one block.",
        "GET",
        "/v1/blocks/{block_id}",
        ("block_id",),
    ),
    ActionSpec(
        "update-a-block",
        (),
        "Update a block",
        "Update a block's content, or move it to or from the trash.",
        "PATCH",
        "/v1/blocks/{block_id}",
        ("block_id",),
    ),
    ActionSpec(
        "delete-a-block",
        (),
        "Delete a block",
        "Move a block (or a page) to the trash.",
        "DELETE",
        "/v1/blocks/{block_id}",
        ("block_id",),
    ),
    ActionSpec(
        "get-users",
        (),
        "List all users",
        "List the workspace's people and bots.",
        "GET",
        "/v1/users",
        (),
    ),
    ActionSpec(
        "get-self",
        (),
        "Retrieve your token's bot user",
        "Retrieve the bot user of the connection.",
        "GET",
        "/v1/users/me",
        (),
    ),
    ActionSpec(
        "retrieve-a-comment",
        (),
        "Retrieve comments",
        "List the open comments on a page or block (query parameter block_id).",
        "GET",
        "/v1/comments",
        (),
    ),
    ActionSpec(
        "create-a-comment",
        (),
        "Create a comment",
        "Comment on a page, or reply in an existing discussion.",
        "POST",
        "/v1/comments",
        (),
    ),
)

_BY_ID: dict[str, ActionSpec] = {
    name: spec for spec in ACTIONS for name in (spec.id, *spec.aliases)
}


def find_action(action_id: str) -> ActionSpec | None:
    """The action for an official id or a guide alias, or None."""
    return _BY_ID.get(action_id)


# --- constants and errors --------------------------------------------------------------------

NAMESPACE = uuid.UUID("5b0d8e4e-6a57-4c1b-9f0e-6c1d2a7e3b10")
"""Namespace for the sandbox's deterministic (uuid5) ids."""
DEFAULT_BOT_ID = str(uuid.uuid5(NAMESPACE, "user:bot:alloy"))
"""The bot user answering get-self when the caller names no bot of its own."""

MAX_REQUEST_BYTES = 500_000
MAX_REQUEST_BLOCKS = 1000
MAX_CHILD_DEPTH = 2
"""Children may nest two levels below the blocks of a request; a third level is rejected."""

DEFAULT_CALLOUT_ICON = {"type": "emoji", "emoji": "💡"}
OPTION_COLORS = TEXT_COLORS
NOT_SHARED = "Make sure the relevant pages and databases are shared with your integration."
ARCHIVED_BLOCK = "Can't edit block that is archived. You must unarchive the block before editing."
ARCHIVED_PAGE = "Can't edit page that is archived. You must unarchive the page before editing."


_STORED_AS_SHOWN = frozenset(
    {"title", "rich_text", "number", "checkbox", "url", "email", "phone_number", "date", "files"}
)
"""Property types whose stored value is already the response value."""


class NotionError(Exception):
    """An error Notion would answer with; execute() returns it as the response."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message

    def body(self) -> dict[str, Any]:
        return {
            "object": "error",
            "status": self.status,
            "code": self.code,
            "message": self.message,
        }


def validation(message: str) -> NotionError:
    return NotionError(400, "validation_error", message)


def invalid(path: str, expectation: str, value: Any) -> NotionError:
    shown = "undefined" if value is _UNDEFINED else describe(value)
    return validation(invalid_message(path, expectation, shown))


def not_found(kind: str, object_id: str) -> NotionError:
    return NotionError(
        404, "object_not_found", f"Could not find {kind} with ID: {object_id}. {NOT_SHARED}"
    )


_UNDEFINED: Any = object()


# --- time, ids, cursors ----------------------------------------------------------------------


def exact_time(moment: datetime) -> str:
    """A sortable, exact UTC timestamp (what the store keeps)."""
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def shown_time(exact: str) -> str:
    """The timestamp as Notion shows it: rounded down to the minute."""
    return exact[:16] + ":00.000Z"


def _dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def encode_cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(f"o:{offset}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> int:
    """The offset in an opaque cursor. Raises ValueError."""
    padded = cursor + "=" * (-len(cursor) % 4)
    try:
        raw = base64.urlsafe_b64decode(padded.encode("ascii")).decode()
    except (binascii.Error, UnicodeError):
        raise ValueError(cursor) from None
    if not raw.startswith("o:") or not raw[2:].isdigit():
        raise ValueError(cursor)
    return int(raw[2:])


def title_key(title: str) -> str:
    return title.casefold()


def page_url(title: str, object_id: str) -> str:
    """https://www.notion.so/<Title-slug>-<id without dashes>, as Notion builds it."""
    slug = "-".join(re.findall(r"[A-Za-z0-9]+", title))
    return f"https://www.notion.so/{slug + '-' if slug else ''}{compact_id(object_id)}"


def user_ref(user_id: str) -> dict[str, Any]:
    return {"object": "user", "id": user_id}


def parent_json(parent_type: str, parent_id: str | None) -> dict[str, Any]:
    if parent_type == "workspace":
        return {"type": "workspace", "workspace": True}
    return {"type": parent_type, parent_type: parent_id}


# --- stored objects --------------------------------------------------------------------------


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


@dataclass
class NewBlock:
    """A validated block from a request, ready to insert."""

    type: str
    content: dict[str, Any]
    children: list[NewBlock] = field(default_factory=list)


class _Row:
    """A database row seen by the query evaluator."""

    def __init__(self, call: _Call, obj: StoredObject) -> None:
        self.call = call
        self.obj = obj

    def property_value(self, prop: Mapping[str, Any]) -> Mapping[str, Any]:
        return self.call.property_value(self.obj, prop)

    def timestamp(self, kind: str) -> str:
        return self.obj.created if kind == "created_time" else self.obj.edited


# --- the engine ------------------------------------------------------------------------------


class NotionEngine:
    """Executes Notion actions against the store, answering as Notion would."""

    def __init__(self, store: Store, *, clock: Callable[[], datetime] | None = None) -> None:
        self.store = store
        self.clock = clock or (lambda: datetime.now(UTC))

    def execute(
        self,
        action_id: str,
        *,
        path_params: Mapping[str, Any],
        body: Any,
        query: Mapping[str, Any],
        bot_user_id: str | None = None,
    ) -> tuple[int, Any]:
        """Run one action: (HTTP status, JSON body). Notion errors are returned, not raised."""
        spec = find_action(action_id)
        if spec is None:
            return 404, {"error": {"code": "NOT_FOUND", "message": "Action not found"}}
        try:
            with self.store.transaction():
                call = _Call(self, bot_user_id)
                return 200, call.run(
                    spec,
                    path_params if isinstance(path_params, Mapping) else {},
                    body,
                    query if isinstance(query, Mapping) else {},
                )
        except NotionError as error:
            return error.status, error.body()
        except QueryError as error:
            return 400, validation(error.message).body()


class _Call:
    """One action's execution: the time it happens, who acts, and per-call caches."""

    def __init__(self, engine: NotionEngine, bot_user_id: str | None) -> None:
        self.conn = engine.store.conn
        self.moment = engine.clock()
        self.now = exact_time(self.moment)
        self.actor = bot_user_id or DEFAULT_BOT_ID
        self._objects: dict[str, StoredObject | None] = {}
        self._users: dict[str, dict[str, Any]] | None = None
        self._values: dict[tuple[str, str], dict[str, Any]] = {}
        self._options: dict[int, dict[str, Any]] = {}
        self._formula_depth = 0

    def run(
        self,
        spec: ActionSpec,
        path_params: Mapping[str, Any],
        body: Any,
        query: Mapping[str, Any],
    ) -> Any:
        self._ensure_bot()
        ids = {name: self._path_id(path_params, name) for name in spec.path_params}
        handler: Callable[..., Any] = getattr(self, "_" + spec.id.replace("-", "_"))
        if spec.http_method in ("POST", "PATCH"):
            return handler(ids, self._body(body), query)
        return handler(ids, query)

    # --- input helpers ---

    def _body(self, body: Any) -> dict[str, Any]:
        if body is None:
            return {}
        if not isinstance(body, Mapping):
            raise invalid("body", "an object", body)
        try:
            size = len(_dumps(body).encode("utf-8"))
        except (TypeError, ValueError):
            raise validation("body failed validation: body is not valid JSON.") from None
        if size > MAX_REQUEST_BYTES:
            raise validation(
                f"body failed validation: the request body is {size} bytes; "
                f"the limit is {MAX_REQUEST_BYTES} bytes."
            )
        return dict(body)

    def _path_id(self, params: Mapping[str, Any], name: str) -> str:
        value = params.get(name, _UNDEFINED)
        if value is _UNDEFINED or value is None:
            raise validation(
                f"path failed validation: path.{name} should be defined, instead was `undefined`."
            )
        if not isinstance(value, str):
            raise validation(
                f"path failed validation: path.{name} should be a valid uuid, "
                f"instead was `{describe(value)}`."
            )
        try:
            return normalize_id(value)
        except ValueError:
            raise validation(
                f"path failed validation: path.{name} should be a valid uuid, "
                f"instead was `{describe(value)}`."
            ) from None

    def _id_value(self, value: Any, path: str) -> str:
        if not isinstance(value, str):
            raise invalid(path, "a valid uuid", value)
        try:
            return normalize_id(value)
        except ValueError:
            raise invalid(path, "a valid uuid", value) from None

    def _paging(self, source: Mapping[str, Any], where: str) -> tuple[int, int]:
        """(offset, page size) from start_cursor and page_size (ints or numeric strings)."""
        size_raw = source.get("page_size")
        size = 100
        if size_raw is not None:
            if isinstance(size_raw, str) and re.fullmatch(r"-?\d+", size_raw.strip()):
                size_raw = int(size_raw)
            if isinstance(size_raw, bool) or not isinstance(size_raw, int):
                raise invalid(f"{where}.page_size", "a number", size_raw)
            if size_raw > 100:
                raise invalid(f"{where}.page_size", "≤ `100`", size_raw)
            if size_raw < 1:
                raise invalid(f"{where}.page_size", "≥ `1`", size_raw)
            size = size_raw
        cursor = source.get("start_cursor")
        if cursor is None or cursor == "":
            return 0, size
        if not isinstance(cursor, str):
            raise invalid(f"{where}.start_cursor", "a string", cursor)
        try:
            return decode_cursor(cursor), size
        except ValueError:
            raise validation(f"The start_cursor provided is invalid: {cursor}") from None

    @staticmethod
    def _list(
        results: list[Any], kind: str, offset: int, size: int, has_more: bool
    ) -> dict[str, Any]:
        return {
            "object": "list",
            "results": results,
            "next_cursor": encode_cursor(offset + size) if has_more else None,
            "has_more": has_more,
            "type": kind,
            kind: {},
            "data": results,
        }

    # --- users ---

    def _ensure_bot(self) -> None:
        row = self.conn.execute("SELECT 1 FROM users WHERE id = ?", (self.actor,)).fetchone()
        if row is None:
            position = self.conn.execute("SELECT COALESCE(MAX(position), 0) + 1 FROM users")
            self.conn.execute(
                "INSERT INTO users (id, position, data) VALUES (?, ?, ?)",
                (self.actor, position.fetchone()[0], _dumps(bot_user(self.actor, "Alloy"))),
            )

    def users(self) -> dict[str, dict[str, Any]]:
        if self._users is None:
            rows = self.conn.execute("SELECT id, data FROM users ORDER BY position, id")
            self._users = {row["id"]: json.loads(row["data"]) for row in rows}
        return self._users

    def user_json(self, user_id: str) -> dict[str, Any]:
        # Shared, never mutated: a response is serialised before the call ends.
        return self.users().get(user_id) or user_ref(user_id)

    # --- objects ---

    def obj(self, object_id: str) -> StoredObject | None:
        if object_id not in self._objects:
            row = self.conn.execute("SELECT * FROM objects WHERE id = ?", (object_id,)).fetchone()
            self._objects[object_id] = None if row is None else StoredObject.from_row(row)
        return self._objects[object_id]

    def _page(self, page_id: str) -> StoredObject:
        found = self.obj(page_id)
        if found is None:
            raise not_found("page", page_id)
        if found.object == "database":
            raise validation(
                f"Provided ID {page_id} is a database, not a page. "
                "Use the retrieve database API instead."
            )
        return found

    def _database(self, database_id: str) -> StoredObject:
        found = self.obj(database_id)
        if found is None:
            raise not_found("database", database_id)
        if found.object != "database":
            raise validation(
                f"Provided ID {database_id} is a page, not a database. "
                "Use the retrieve page API instead."
            )
        return found

    def _save(self, obj: StoredObject) -> None:
        self.conn.execute(
            "UPDATE objects SET title = ?, title_key = ?, edited = ?, edited_by = ?, "
            "in_trash = ?, data = ? WHERE id = ?",
            (
                obj.title,
                title_key(obj.title),
                obj.edited,
                obj.edited_by,
                int(obj.in_trash),
                _dumps(obj.data),
                obj.id,
            ),
        )
        # A page's child_page (or child_database) block mirrors its title and trash state.
        self.conn.execute(
            "UPDATE blocks SET content = ?, in_trash = ?, edited = ? WHERE id = ?",
            (_dumps({"title": obj.title}), int(obj.in_trash), obj.edited, obj.id),
        )
        self._values = {k: v for k, v in self._values.items() if k[0] != obj.id}

    def _touch(self, obj: StoredObject) -> None:
        obj.edited = self.now
        obj.edited_by = self.actor

    def schema(self, database: StoredObject) -> dict[str, dict[str, Any]]:
        props: dict[str, dict[str, Any]] = database.data["properties"]
        return props

    # --- rendering ---

    def page_json(self, page: StoredObject) -> dict[str, Any]:
        if page.parent_type == "database_id" and page.parent_id:
            database = self.obj(page.parent_id)
            if database is not None:
                properties = {
                    name: self.property_value(page, prop)
                    for name, prop in self.schema(database).items()
                }
            else:
                properties = {}
        else:
            properties = {
                "title": {
                    "id": "title",
                    "type": "title",
                    "title": page.data["properties"].get("title") or [],
                }
            }
        return {
            "object": "page",
            "id": page.id,
            "created_time": shown_time(page.created),
            "last_edited_time": shown_time(page.edited),
            "created_by": user_ref(page.created_by),
            "last_edited_by": user_ref(page.edited_by),
            "cover": page.data.get("cover"),
            "icon": page.data.get("icon"),
            "parent": parent_json(page.parent_type, page.parent_id),
            "archived": page.in_trash,
            "in_trash": page.in_trash,
            "properties": properties,
            "url": page_url(page.title, page.id),
            "public_url": None,
        }

    def database_json(self, database: StoredObject) -> dict[str, Any]:
        return {
            "object": "database",
            "id": database.id,
            "cover": database.data.get("cover"),
            "icon": database.data.get("icon"),
            "created_time": shown_time(database.created),
            "created_by": user_ref(database.created_by),
            "last_edited_by": user_ref(database.edited_by),
            "last_edited_time": shown_time(database.edited),
            "title": database.data.get("title") or [],
            "description": database.data.get("description") or [],
            "is_inline": bool(database.data.get("is_inline")),
            "properties": self.schema(database),
            "parent": parent_json(database.parent_type, database.parent_id),
            "url": f"https://www.notion.so/{compact_id(database.id)}",
            "public_url": None,
            "archived": database.in_trash,
            "in_trash": database.in_trash,
        }

    def object_json(self, obj: StoredObject) -> dict[str, Any]:
        return self.database_json(obj) if obj.object == "database" else self.page_json(obj)

    def property_value(self, page: StoredObject, prop: Mapping[str, Any]) -> dict[str, Any]:
        """A database row's property in response form, computed ones included (memoised)."""
        key = (page.id, str(prop["id"]))
        cached = self._values.get(key)
        if cached is None:
            cached = self._compute_value(page, prop)
            self._values[key] = cached
        return cached

    def _compute_value(self, page: StoredObject, prop: Mapping[str, Any]) -> dict[str, Any]:
        prop_type = str(prop["type"])
        prop_id = str(prop["id"])
        stored = page.data["properties"].get(prop_id)
        config = prop.get(prop_type) or {}
        out: dict[str, Any] = {"id": prop_id, "type": prop_type}
        value: Any
        if prop_type in _STORED_AS_SHOWN:
            value = stored if stored is not None else empty_value(prop_type)
        elif prop_type in ("select", "status"):
            options = self._option_map(prop)
            value = options.get(stored) if stored is not None else None
        elif prop_type == "multi_select":
            options = self._option_map(prop)
            value = [options[i] for i in stored or [] if i in options]
        elif prop_type == "people":
            value = [self.user_json(user_id) for user_id in stored or []]
        elif prop_type == "relation":
            value = [{"id": target} for target in stored or []]
            out["has_more"] = False
        elif prop_type == "created_time":
            value = shown_time(page.created)
        elif prop_type == "last_edited_time":
            value = shown_time(page.edited)
        elif prop_type == "created_by":
            value = self.user_json(page.created_by)
        elif prop_type == "last_edited_by":
            value = self.user_json(page.edited_by)
        elif prop_type == "unique_id":
            value = {"prefix": config.get("prefix"), "number": page.data.get("unique")}
        elif prop_type == "formula":
            value = self._formula(page, str(config.get("expression", "")))
        elif prop_type == "rollup":
            value = self._rollup(page, config)
        elif stored is None:
            value = empty_value(prop_type)
        else:
            value = stored
        out[prop_type] = value
        return out

    def _option_map(self, prop: Mapping[str, Any]) -> dict[str, Any]:
        """Option id -> option, built once per call per property (rows share them read-only)."""
        key = id(prop)
        found = self._options.get(key)
        if found is None:
            config = prop.get(str(prop["type"])) or {}
            found = {o["id"]: o for o in config.get("options") or []}
            self._options[key] = found
        return found

    def _formula(self, page: StoredObject, expression: str) -> dict[str, Any]:
        database = self.obj(page.parent_id or "")
        schema = self.schema(database) if database else {}
        if self._formula_depth > 8:  # a formula referring to itself through others
            return formula_result(None)
        self._formula_depth += 1
        try:
            value = evaluate_formula(
                expression, lambda name: self._formula_input(page, schema, name), self.moment
            )
        except FormulaError:
            value = None
        finally:
            self._formula_depth -= 1
        return formula_result(value)

    def _formula_input(self, page: StoredObject, schema: Mapping[str, Any], name: str) -> Any:
        prop = find_property(schema, name)
        if prop is None:
            raise FormulaError(f"no property {name!r}")
        prop_type = str(prop["type"])
        value = self.property_value(page, prop)[prop_type]
        if prop_type in ("title", "rich_text"):
            return plain_text(value)
        if prop_type in ("select", "status"):
            return value["name"] if value else ""
        if prop_type == "multi_select":
            return [option["name"] for option in value]
        if prop_type == "people":
            return [person.get("name") or "" for person in value]
        if prop_type == "relation":
            return [item["id"] for item in value]
        if prop_type == "date":
            return parse_date(value["start"]) if value else None
        if prop_type in ("created_time", "last_edited_time"):
            return parse_date(value)
        if prop_type in ("created_by", "last_edited_by"):
            return value.get("name") or ""
        if prop_type == "unique_id":
            return value["number"]
        if prop_type in ("formula", "rollup"):
            found = value.get(value.get("type"))
            if isinstance(found, Mapping):
                start = found.get("start")
                return parse_date(start) if isinstance(start, str) else None
            return found
        if prop_type == "files":
            return [item.get("name", "") for item in value]
        return value

    def _rollup(self, page: StoredObject, config: Mapping[str, Any]) -> dict[str, Any]:
        function = str(config.get("function", "count"))
        database = self.obj(page.parent_id or "")
        schema = self.schema(database) if database else {}
        relation = find_property(
            schema, str(config.get("relation_property_id") or config.get("relation_property_name"))
        )
        targets: list[str] = []
        if relation is not None:
            targets = list(page.data["properties"].get(str(relation["id"])) or [])
        values: list[dict[str, Any]] = []
        for target_id in targets:
            target = self.obj(target_id)
            if target is None or target.in_trash or not target.parent_id:
                continue
            target_db = self.obj(target.parent_id)
            if target_db is None:
                continue
            rolled = find_property(
                self.schema(target_db),
                str(config.get("rollup_property_id") or config.get("rollup_property_name")),
            )
            if rolled is not None:
                values.append(self.property_value(target, rolled))
        if function == "count":
            return {"type": "number", "number": len(values), "function": function}
        if function == "count_values":
            filled = [v for v in values if v.get(v["type"]) not in (None, [], "", False)]
            return {"type": "number", "number": len(filled), "function": function}
        if function in ("sum", "average", "min", "max", "median", "range"):
            numbers = [v["number"] for v in values if isinstance(v.get("number"), int | float)] + [
                v["formula"]["number"]
                for v in values
                if v["type"] == "formula" and isinstance(v["formula"].get("number"), int | float)
            ]
            result: float | None
            if not numbers:
                result = 0 if function == "sum" else None
            elif function == "sum":
                result = sum(numbers)
            elif function == "average":
                result = sum(numbers) / len(numbers)
            elif function == "min":
                result = min(numbers)
            elif function == "max":
                result = max(numbers)
            elif function == "range":
                result = max(numbers) - min(numbers)
            else:
                ordered = sorted(numbers)
                middle = len(ordered) // 2
                result = (
                    ordered[middle]
                    if len(ordered) % 2
                    else (ordered[middle - 1] + ordered[middle]) / 2
                )
            return {"type": "number", "number": result, "function": function}
        if function in ("earliest_date", "latest_date"):
            starts = [v["date"]["start"] for v in values if v["type"] == "date" and v["date"]]
            if not starts:
                return {"type": "date", "date": None, "function": function}
            chosen = (min if function == "earliest_date" else max)(
                starts, key=lambda s: str(parse_date(s))
            )
            return {
                "type": "date",
                "date": {"start": chosen, "end": None, "time_zone": None},
                "function": function,
            }
        return {"type": "array", "array": values, "function": "show_original"}

    # --- blocks ---

    def block_json(self, row: sqlite3.Row, has_children: bool) -> dict[str, Any]:
        kind = row["type"]
        return {
            "object": "block",
            "id": row["id"],
            "parent": parent_json(row["parent_type"], row["parent_id"]),
            "created_time": shown_time(row["created"]),
            "last_edited_time": shown_time(row["edited"]),
            "created_by": user_ref(row["created_by"]),
            "last_edited_by": user_ref(row["edited_by"]),
            "has_children": has_children,
            "archived": bool(row["in_trash"]),
            "in_trash": bool(row["in_trash"]),
            "type": kind,
            kind: json.loads(row["content"]),
        }

    def _has_children(self, ids: Sequence[str]) -> set[str]:
        if not ids:
            return set()
        marks = ",".join("?" * len(ids))
        rows = self.conn.execute(
            f"SELECT DISTINCT parent_id FROM blocks WHERE in_trash = 0 AND parent_id IN ({marks})",  # noqa: S608
            tuple(ids),
        )
        return {row[0] for row in rows}

    def _block_row(self, block_id: str) -> sqlite3.Row | None:
        found: sqlite3.Row | None = self.conn.execute(
            "SELECT * FROM blocks WHERE id = ?", (block_id,)
        ).fetchone()
        return found

    def _object_as_block(self, obj: StoredObject) -> dict[str, Any]:
        """A page or database seen through the blocks API (child_page / child_database)."""
        kind = "child_database" if obj.object == "database" else "child_page"
        return {
            "object": "block",
            "id": obj.id,
            "parent": parent_json(obj.parent_type, obj.parent_id),
            "created_time": shown_time(obj.created),
            "last_edited_time": shown_time(obj.edited),
            "created_by": user_ref(obj.created_by),
            "last_edited_by": user_ref(obj.edited_by),
            "has_children": bool(self._has_children([obj.id])),
            "archived": obj.in_trash,
            "in_trash": obj.in_trash,
            "type": kind,
            kind: {"title": obj.title},
        }

    def _any_block(self, block_id: str) -> tuple[sqlite3.Row | None, StoredObject | None]:
        """The block row and/or page/database object with this id; 404 when neither exists."""
        row = self._block_row(block_id)
        obj = self.obj(block_id)
        if row is None and obj is None:
            raise not_found("block", block_id)
        return row, obj

    def _positions(self, parent_id: str, count: int, after: str | None) -> list[float]:
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

    def insert_blocks(
        self, parent_type: str, parent_id: str, blocks: Sequence[NewBlock], after: str | None
    ) -> list[str]:
        """Insert validated blocks (and their children); returns the first-level ids."""
        rows: list[tuple[Any, ...]] = []

        def add(kind: str, owner: str, block: NewBlock, position: float) -> str:
            block_id = str(uuid.uuid4())
            rows.append(
                (
                    block_id,
                    kind,
                    owner,
                    position,
                    block.type,
                    _dumps(block.content),
                    self.now,
                    self.now,
                    self.actor,
                    self.actor,
                )
            )
            for index, child in enumerate(block.children):
                add("block_id", block_id, child, float(index + 1))
            return block_id

        positions = self._positions(parent_id, len(blocks), after)
        top = [add(parent_type, parent_id, b, p) for b, p in zip(blocks, positions, strict=True)]
        self.conn.executemany(
            "INSERT INTO blocks (id, parent_type, parent_id, position, type, content, created, "
            "edited, created_by, edited_by, in_trash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 0)",
            rows,
        )
        return top

    def _blocks_by_ids(self, ids: Sequence[str]) -> list[dict[str, Any]]:
        marks = ",".join("?" * len(ids))
        rows = {
            row["id"]: row
            for row in self.conn.execute(
                f"SELECT * FROM blocks WHERE id IN ({marks})",  # noqa: S608
                tuple(ids),
            )
        }
        parents = self._has_children(ids)
        return [self.block_json(rows[i], i in parents) for i in ids]

    # --- request validation: rich text, icons, blocks ---

    def rich_text(self, value: Any, path: str) -> list[dict[str, Any]]:
        if not isinstance(value, list):
            raise invalid(path, "an array", value)
        if len(value) > MAX_ARRAY:
            raise invalid(f"{path}.length", f"≤ `{MAX_ARRAY}`", len(value))
        return [self._rich_text_item(item, f"{path}[{i}]") for i, item in enumerate(value)]

    def _rich_text_item(self, item: Any, path: str) -> dict[str, Any]:
        if not isinstance(item, Mapping):
            raise invalid(path, "an object", item)
        kind = item.get("type") or next(
            (k for k in ("text", "mention", "equation") if k in item), None
        )
        if kind not in ("text", "mention", "equation"):
            raise invalid(f"{path}.text", "defined", _UNDEFINED)
        annotations = item.get("annotations")
        if annotations is not None:
            if not isinstance(annotations, Mapping):
                raise invalid(f"{path}.annotations", "an object", annotations)
            for name in ("bold", "italic", "strikethrough", "underline", "code"):
                if name in annotations and not isinstance(annotations[name], bool):
                    raise invalid(f"{path}.annotations.{name}", "a boolean", annotations[name])
            if "color" in annotations and annotations["color"] not in COLORS:
                raise invalid(f"{path}.annotations.color", "a valid color", annotations["color"])
        if kind == "text":
            text = item.get("text")
            if not isinstance(text, Mapping):
                raise invalid(f"{path}.text", "an object", text)
            content = text.get("content", _UNDEFINED)
            if not isinstance(content, str):
                raise invalid(f"{path}.text.content", "a string", content)
            length = utf16_len(content)
            if length > MAX_TEXT_UTF16:
                raise invalid(f"{path}.text.content.length", f"≤ `{MAX_TEXT_UTF16}`", length)
            link = text.get("link")
            if link is not None and (
                not isinstance(link, Mapping) or not isinstance(link.get("url"), str)
            ):
                raise invalid(f"{path}.text.link", "an object with a url, or `null`", link)
            return fill(item)
        if kind == "equation":
            equation = item.get("equation")
            if not isinstance(equation, Mapping) or not isinstance(equation.get("expression"), str):
                raise invalid(f"{path}.equation.expression", "a string", equation)
            return fill(item)
        mention = item.get("mention")
        if not isinstance(mention, Mapping) or mention.get("type") not in (
            "user",
            "page",
            "database",
            "date",
        ):
            raise invalid(f"{path}.mention", "a user, page, database or date mention", mention)
        filled = fill(item)
        filled["plain_text"], filled["href"] = self._mention_text(mention)
        return filled

    def _mention_text(self, mention: Mapping[str, Any]) -> tuple[str, str | None]:
        kind = str(mention["type"])
        target = mention.get(kind)
        if kind == "date":
            start = target.get("start") if isinstance(target, Mapping) else None
            return str(start or ""), None
        target_id = target.get("id") if isinstance(target, Mapping) else None
        if not isinstance(target_id, str):
            raise invalid(f"mention.{kind}.id", "a valid uuid", target_id)
        if kind == "user":
            return "@" + str(self.user_json(target_id).get("name") or "Unknown user"), None
        found = self.obj(target_id)
        title = found.title if found else "Untitled"
        return title, page_url(title, target_id) if found else None

    def icon(self, value: Any, path: str, *, allow_emoji: bool = True) -> dict[str, Any] | None:
        if value is None:
            return None
        if not isinstance(value, Mapping):
            raise invalid(path, "an object or `null`", value)
        kind = value.get("type") or ("emoji" if "emoji" in value else "external")
        if kind == "emoji" and allow_emoji:
            emoji = value.get("emoji")
            if not isinstance(emoji, str) or not emoji or len(emoji) > 16:
                raise invalid(f"{path}.emoji", "an emoji", emoji)
            return {"type": "emoji", "emoji": emoji}
        if kind == "external":
            external = value.get("external")
            url = external.get("url") if isinstance(external, Mapping) else None
            if not isinstance(url, str) or not url.startswith(("http://", "https://")):
                raise invalid(f"{path}.external.url", "a valid URL", url)
            return {"type": "external", "external": {"url": url}}
        raise invalid(f"{path}.type", '`"emoji"` or `"external"`', kind)

    def parse_children(self, value: Any, path: str) -> list[NewBlock]:
        """Validate a request's `children` (count, depth, every block's content)."""
        if not isinstance(value, list):
            raise invalid(path, "an array", value)
        if len(value) > MAX_ARRAY:
            raise invalid(f"{path}.length", f"≤ `{MAX_ARRAY}`", len(value))
        total = _count_blocks(value)
        if total > MAX_REQUEST_BLOCKS:
            raise validation(
                f"body failed validation: {path} contains {total} blocks in total; "
                f"a request may contain at most {MAX_REQUEST_BLOCKS}."
            )
        return [self._parse_block(item, f"{path}[{i}]", 0) for i, item in enumerate(value)]

    def _parse_block(self, raw: Any, path: str, depth: int) -> NewBlock:
        if not isinstance(raw, Mapping):
            raise invalid(path, "an object", raw)
        kind = raw.get("type")
        if kind is None:
            present = [key for key in raw if key in ALL_BLOCK_TYPES]
            kind = present[0] if len(present) == 1 else _UNDEFINED
        if not isinstance(kind, str) or kind not in ALL_BLOCK_TYPES:
            raise invalid(f"{path}.type", "a supported block type", kind)
        if kind in READ_ONLY_BLOCK_TYPES:
            raise validation(
                f"body failed validation: {path}.{kind} cannot be created with the blocks API; "
                "create a page or a database instead."
            )
        body = raw.get(kind, {})
        if not isinstance(body, Mapping):
            raise invalid(f"{path}.{kind}", "an object", body)
        children_raw = body.get("children", raw.get("children"))
        content = {key: value for key, value in body.items() if key != "children"}
        content = self.block_content(kind, content, f"{path}.{kind}", partial=False)
        block = NewBlock(kind, content)
        if children_raw is not None:
            children_path = f"{path}.{kind}.children"
            if kind not in CHILDREN_ALLOWED or depth >= MAX_CHILD_DEPTH:
                raise invalid(children_path, "not present", children_raw)
            if not isinstance(children_raw, list):
                raise invalid(children_path, "an array", children_raw)
            if len(children_raw) > MAX_ARRAY:
                raise invalid(f"{children_path}.length", f"≤ `{MAX_ARRAY}`", len(children_raw))
            block.children = [
                self._parse_block(child, f"{children_path}[{i}]", depth + 1)
                for i, child in enumerate(children_raw)
            ]
        return block

    def block_content(
        self, kind: str, content: Mapping[str, Any], path: str, *, partial: bool
    ) -> dict[str, Any]:
        """Validate one block type's content; `partial` (updates) leaves out missing fields."""
        out: dict[str, Any] = {}
        if kind in TEXT_BLOCK_TYPES:
            allowed = {"rich_text", "color"}
            if "rich_text" in content:
                out["rich_text"] = self.rich_text(content["rich_text"], f"{path}.rich_text")
            elif not partial:
                raise invalid(f"{path}.rich_text", "defined", _UNDEFINED)
            if "color" in content:
                if content["color"] not in COLORS:
                    raise invalid(f"{path}.color", "a valid color", content["color"])
                out["color"] = content["color"]
            elif not partial:
                out["color"] = "default"
            if kind == "to_do":
                allowed.add("checked")
                self._optional(content, out, "checked", bool, False, path, partial, "a boolean")
            if kind.startswith("heading_"):
                allowed.add("is_toggleable")
                self._optional(
                    content, out, "is_toggleable", bool, False, path, partial, "a boolean"
                )
            if kind == "code":
                allowed |= {"language", "caption"}
                self._optional(
                    content, out, "language", str, "plain text", path, partial, "a string"
                )
                if "caption" in content:
                    out["caption"] = self.rich_text(content["caption"], f"{path}.caption")
                elif not partial:
                    out["caption"] = []
            if kind == "callout":
                allowed.add("icon")
                if "icon" in content:
                    out["icon"] = self.icon(content["icon"], f"{path}.icon")
                elif not partial:
                    out["icon"] = dict(DEFAULT_CALLOUT_ICON)
            extra = [key for key in content if key not in allowed]
            if extra:
                raise invalid(f"{path}.{extra[0]}", "not present", content[extra[0]])
            return out
        if kind == "equation":
            expression = content.get("expression", _UNDEFINED)
            if expression is _UNDEFINED and partial:
                return {}
            if not isinstance(expression, str):
                raise invalid(f"{path}.expression", "a string", expression)
            return {"expression": expression}
        # Other block types (divider, image, bookmark, table...) are kept as sent.
        return dict(content)

    @staticmethod
    def _optional(
        content: Mapping[str, Any],
        out: dict[str, Any],
        name: str,
        kind: type,
        default: Any,
        path: str,
        partial: bool,
        expectation: str,
    ) -> None:
        if name in content:
            if not isinstance(content[name], kind):
                raise invalid(f"{path}.{name}", expectation, content[name])
            out[name] = content[name]
        elif not partial:
            out[name] = default

    # --- property writes ---

    def write_properties(
        self, page: StoredObject, database: StoredObject | None, raw: Any, *, creating: bool
    ) -> None:
        """Validate `properties` and store them on the page (may add select options)."""
        if raw is None:
            raw = {}
        if not isinstance(raw, Mapping):
            raise invalid("body.properties", "an object", raw)
        props = page.data.setdefault("properties", {})
        if database is None:
            for key, value in raw.items():
                if key != "title":
                    raise validation(f"{key} is not a property that exists.")
                props["title"] = self._title_value(value, "body.properties.title")
            page.title = plain_text(props.get("title"))
            return
        schema = self.schema(database)
        for key, value in raw.items():
            prop = find_property(schema, key)
            if prop is None:
                raise validation(f"{key} is not a property that exists.")
            prop_type = str(prop["type"])
            name = str(prop["name"])
            if prop_type in READ_ONLY_TYPES:
                raise validation(
                    f"{name} is a {prop_type} property, which is computed by Notion and "
                    "cannot be written."
                )
            if prop_type not in WRITABLE_TYPES:
                raise validation(f"{name} is a {prop_type} property, which cannot be written.")
            path = f"body.properties.{key}"
            stored = self._property_input(database, prop, value, path)
            if prop_type == "relation":
                self._sync_relation(page, prop, stored)
            props[str(prop["id"])] = stored
        if creating:
            for prop in schema.values():
                if prop["type"] == "status" and str(prop["id"]) not in props:
                    props[str(prop["id"])] = _default_status(prop)
        title_prop = next(p for p in schema.values() if p["type"] == "title")
        page.title = plain_text(props.get(str(title_prop["id"])))

    def _title_value(self, value: Any, path: str) -> list[dict[str, Any]]:
        if isinstance(value, list):
            return self.rich_text(value, path)
        if not isinstance(value, Mapping):
            raise invalid(path, "an object", value)
        if value.get("type", "title") != "title":
            raise validation(f"title is expected to be title, not {value.get('type')}.")
        if "title" not in value:
            raise invalid(f"{path}.title", "defined", _UNDEFINED)
        return self.rich_text(value["title"], f"{path}.title")

    def _property_input(
        self, database: StoredObject, prop: Mapping[str, Any], value: Any, path: str
    ) -> Any:
        prop_type = str(prop["type"])
        name = str(prop["name"])
        if isinstance(value, list) and prop_type in ("title", "rich_text"):
            return self.rich_text(value, path)
        if not isinstance(value, Mapping):
            raise invalid(path, f"an object with a `{prop_type}` value", value)
        given_type = value.get("type")
        if given_type is not None and given_type != prop_type:
            raise validation(f"{name} is expected to be {prop_type}.")
        if prop_type not in value:
            others = [k for k in value if k in WRITABLE_TYPES | READ_ONLY_TYPES]
            if others:
                raise validation(f"{name} is expected to be {prop_type}.")
            raise invalid(f"{path}.{prop_type}", "defined", _UNDEFINED)
        inner = value[prop_type]
        path = f"{path}.{prop_type}"
        if prop_type in ("title", "rich_text"):
            return self.rich_text(inner, path)
        if prop_type == "number":
            if inner is not None and (
                isinstance(inner, bool) or not isinstance(inner, int | float)
            ):
                raise invalid(path, "a number or `null`", inner)
            return inner
        if prop_type == "checkbox":
            if not isinstance(inner, bool):
                raise invalid(path, "a boolean", inner)
            return inner
        if prop_type in ("url", "email", "phone_number"):
            if inner is not None and not isinstance(inner, str):
                raise invalid(path, "a string or `null`", inner)
            if isinstance(inner, str) and len(inner) > 2000:
                raise invalid(f"{path}.length", "≤ `2000`", len(inner))
            return inner or None
        if prop_type in ("select", "status"):
            if inner is None:
                return None
            return self._option(database, prop, inner, path, create=prop_type == "select")
        if prop_type == "multi_select":
            if not isinstance(inner, list):
                raise invalid(path, "an array", inner)
            if len(inner) > MAX_ARRAY:
                raise invalid(f"{path}.length", f"≤ `{MAX_ARRAY}`", len(inner))
            chosen: list[str] = []
            for i, item in enumerate(inner):
                option_id = self._option(database, prop, item, f"{path}[{i}]", create=True)
                if option_id not in chosen:
                    chosen.append(option_id)
            return chosen
        if prop_type == "date":
            return self._date_input(inner, path)
        if prop_type in ("people", "relation"):
            if not isinstance(inner, list):
                raise invalid(path, "an array", inner)
            if len(inner) > MAX_ARRAY:
                raise invalid(f"{path}.length", f"≤ `{MAX_ARRAY}`", len(inner))
            ids: list[str] = []
            for i, item in enumerate(inner):
                if not isinstance(item, Mapping):
                    raise invalid(f"{path}[{i}]", "an object with an id", item)
                target = self._id_value(item.get("id", _UNDEFINED), f"{path}[{i}].id")
                if prop_type == "people" and target not in self.users():
                    raise validation(f"Could not find user with ID: {target}.")
                if prop_type == "relation":
                    self._check_relation_target(prop, target, f"{path}[{i}].id")
                if target not in ids:
                    ids.append(target)
            return ids
        # files
        if not isinstance(inner, list):
            raise invalid(path, "an array", inner)
        files: list[dict[str, Any]] = []
        for i, item in enumerate(inner):
            item_path = f"{path}[{i}]"
            if not isinstance(item, Mapping):
                raise invalid(item_path, "an object", item)
            if item.get("type", "external") != "external" or "external" not in item:
                raise invalid(f"{item_path}.external", "defined (only external files)", item)
            external = self.icon({"type": "external", "external": item["external"]}, item_path)
            file_name = item.get("name")
            if file_name is None and external is not None:
                file_name = external["external"]["url"].rsplit("/", 1)[-1]
            if not isinstance(file_name, str) or len(file_name) > 100:
                raise invalid(f"{item_path}.name", "a string of at most 100 characters", file_name)
            files.append({"name": file_name, **(external or {})})
        return files

    def _date_input(self, inner: Any, path: str) -> dict[str, Any] | None:
        if inner is None:
            return None
        if not isinstance(inner, Mapping):
            raise invalid(path, "an object or `null`", inner)
        start = inner.get("start", _UNDEFINED)
        if not isinstance(start, str):
            raise invalid(f"{path}.start", "a valid ISO 8601 date string", start)
        end = inner.get("end")
        for key, item in (("start", start), ("end", end)):
            if item is None:
                continue
            if not isinstance(item, str):
                raise invalid(f"{path}.{key}", "a valid ISO 8601 date string", item)
            try:
                parse_date(item)
            except ValueError:
                raise invalid(f"{path}.{key}", "a valid ISO 8601 date string", item) from None
        zone = inner.get("time_zone")
        if zone is not None:
            if not isinstance(zone, str):
                raise invalid(f"{path}.time_zone", "a valid IANA time zone", zone)
            try:
                zoneinfo.ZoneInfo(zone)
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                raise invalid(f"{path}.time_zone", "a valid IANA time zone", zone) from None
        return {"start": start, "end": end, "time_zone": zone}

    def _option(
        self,
        database: StoredObject,
        prop: Mapping[str, Any],
        value: Any,
        path: str,
        *,
        create: bool,
    ) -> str:
        """The option id for {name} or {id}; a new select name adds an option to the schema."""
        if not isinstance(value, Mapping):
            raise invalid(path, "an object with a name or an id", value)
        config = prop[str(prop["type"])]
        options: list[dict[str, Any]] = config.setdefault("options", [])
        if "id" in value:
            for option in options:
                if option["id"] == value["id"]:
                    return str(option["id"])
            raise validation(f"Invalid option id for {prop['name']}: {value['id']}.")
        name = value.get("name", _UNDEFINED)
        if not isinstance(name, str) or not name.strip():
            raise invalid(f"{path}.name", "a non-empty string", name)
        if "," in name:
            raise validation(f"Select option names cannot contain commas: {name!r}.")
        if len(name) > 100:
            raise invalid(f"{path}.name.length", "≤ `100`", len(name))
        for option in options:
            if option["name"] == name:
                return str(option["id"])
        if not create:
            raise validation(f'Invalid status option. Status option "{name}" does not exist.')
        color = value.get("color")
        if color is None:
            color = OPTION_COLORS[len(options) % len(OPTION_COLORS)]
        elif color not in OPTION_COLORS:
            raise invalid(f"{path}.color", "a valid option color", color)
        option = {"id": str(uuid.uuid4()), "name": name, "color": color}
        if prop["type"] == "multi_select" or prop["type"] == "select":
            option["description"] = None
        options.append(option)
        self._options.clear()
        database.edited = self.now
        self.conn.execute(
            "UPDATE objects SET data = ?, edited = ? WHERE id = ?",
            (_dumps(database.data), database.edited, database.id),
        )
        return str(option["id"])

    def _check_relation_target(self, prop: Mapping[str, Any], target: str, path: str) -> None:
        related_db = str(prop["relation"]["database_id"])
        found = self.obj(target)
        if found is None or found.object != "page":
            raise not_found("page", target)
        if found.parent_id != related_db:
            raise validation(
                f"body failed validation: {path} should be a page of database {related_db}, "
                f"instead was `{describe(target)}`."
            )

    def _sync_relation(self, page: StoredObject, prop: Mapping[str, Any], new: list[str]) -> None:
        """Keep a two-way relation's other side in step with this write."""
        config = prop["relation"]
        if config.get("type") != "dual_property":
            return
        synced_id = str(config["dual_property"]["synced_property_id"])
        old = list(page.data["properties"].get(str(prop["id"])) or [])
        for target_id in set(old) ^ set(new):
            target = self.obj(target_id)
            if target is None:
                continue
            back: list[str] = list(target.data["properties"].get(synced_id) or [])
            if target_id in new and page.id not in back:
                back.append(page.id)
            elif target_id not in new and page.id in back:
                back.remove(page.id)
            target.data["properties"][synced_id] = back
            self._save(target)

    # --- actions ---

    def _post_search(
        self, ids: Mapping[str, str], body: dict[str, Any], query: Mapping[str, Any]
    ) -> Any:
        text = body.get("query")
        if text is not None and not isinstance(text, str):
            raise invalid("body.query", "a string", text)
        kind: str | None = None
        found_filter = body.get("filter")
        if found_filter is not None:
            if not isinstance(found_filter, Mapping):
                raise invalid("body.filter", "an object", found_filter)
            if found_filter.get("property") != "object":
                raise invalid(
                    "body.filter.property", '`"object"`', found_filter.get("property", _UNDEFINED)
                )
            kind = found_filter.get("value")
            if kind not in ("page", "database"):
                raise invalid(
                    "body.filter.value",
                    '`"page"` or `"database"`',
                    found_filter.get("value", _UNDEFINED),
                )
        direction = "descending"
        sort = body.get("sort")
        if sort is not None:
            if not isinstance(sort, Mapping):
                raise invalid("body.sort", "an object", sort)
            if sort.get("timestamp") != "last_edited_time":
                raise invalid(
                    "body.sort.timestamp",
                    '`"last_edited_time"`',
                    sort.get("timestamp", _UNDEFINED),
                )
            direction = sort.get("direction", _UNDEFINED)
            if direction not in ("ascending", "descending"):
                raise invalid("body.sort.direction", '`"ascending"` or `"descending"`', direction)
        offset, size = self._paging({**query, **body}, "body")
        where = ["in_trash = 0"]
        args: list[Any] = []
        if kind is not None:
            where.append("object = ?")
            args.append(kind)
        needle = (text or "").strip().casefold()
        if needle:
            escaped = needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
            where.append("title_key LIKE ? ESCAPE '\\'")
            args.append(f"%{escaped}%")
        order = "DESC" if direction == "descending" else "ASC"
        rows = self.conn.execute(
            f"SELECT * FROM objects WHERE {' AND '.join(where)} "  # noqa: S608 - fixed fragments
            f"ORDER BY edited {order}, id LIMIT ? OFFSET ?",
            (*args, size + 1, offset),
        ).fetchall()
        objects = [StoredObject.from_row(row) for row in rows[:size]]
        for found in objects:
            self._objects.setdefault(found.id, found)
        results = [self.object_json(found) for found in objects]
        return self._list(results, "page_or_database", offset, size, len(rows) > size)

    def _retrieve_a_page(self, ids: Mapping[str, str], query: Mapping[str, Any]) -> Any:
        return self.page_json(self._page(ids["page_id"]))

    def _post_page(
        self, ids: Mapping[str, str], body: dict[str, Any], query: Mapping[str, Any]
    ) -> Any:
        parent = body.get("parent", _UNDEFINED)
        if not isinstance(parent, Mapping):
            raise invalid("body.parent", "an object", parent)
        database: StoredObject | None = None
        parent_type = parent.get("type")
        if parent_type is None:
            parent_type = next(
                (k for k in ("page_id", "database_id", "workspace") if k in parent), None
            )
        parent_id: str | None = None
        if parent_type == "database_id":
            parent_id = self._id_value(
                parent.get("database_id", _UNDEFINED), "body.parent.database_id"
            )
            database = self.obj(parent_id)
            if database is None or database.object != "database":
                raise not_found("database", parent_id)
            if database.in_trash:
                raise validation(ARCHIVED_BLOCK)
        elif parent_type == "page_id":
            parent_id = self._id_value(parent.get("page_id", _UNDEFINED), "body.parent.page_id")
            found = self.obj(parent_id)
            if found is None or found.object != "page":
                raise not_found("page", parent_id)
            if found.in_trash:
                raise validation(ARCHIVED_PAGE)
        elif parent_type == "workspace":
            if parent.get("workspace", True) is not True:
                raise invalid("body.parent.workspace", "`true`", parent.get("workspace"))
        else:
            raise invalid(
                "body.parent",
                "an object with one of `page_id`, `database_id` or `workspace`",
                parent,
            )
        page = StoredObject(
            id=str(uuid.uuid4()),
            object="page",
            parent_type=str(parent_type),
            parent_id=parent_id,
            title="",
            created=self.now,
            edited=self.now,
            created_by=self.actor,
            edited_by=self.actor,
            in_trash=False,
            data={"properties": {}, "icon": None, "cover": None},
        )
        self.write_properties(page, database, body.get("properties"), creating=True)
        if "icon" in body:
            page.data["icon"] = self.icon(body["icon"], "body.icon")
        if "cover" in body:
            page.data["cover"] = self.icon(body["cover"], "body.cover", allow_emoji=False)
        children = (
            self.parse_children(body["children"], "body.children")
            if body.get("children") is not None
            else []
        )
        if database is not None:
            unique = next(
                (p for p in self.schema(database).values() if p["type"] == "unique_id"), None
            )
            if unique is not None:
                counter = int(database.data.get("unique_next", 1))
                page.data["unique"] = counter
                database.data["unique_next"] = counter + 1
                self.conn.execute(
                    "UPDATE objects SET data = ? WHERE id = ?",
                    (_dumps(database.data), database.id),
                )
        self.conn.execute(
            "INSERT INTO objects (id, object, parent_type, parent_id, title, title_key, created, "
            "edited, created_by, edited_by, in_trash, data) "
            "VALUES (?, 'page', ?, ?, ?, ?, ?, ?, ?, ?, 0, ?)",
            (
                page.id,
                page.parent_type,
                page.parent_id,
                page.title,
                title_key(page.title),
                page.created,
                page.edited,
                page.created_by,
                page.edited_by,
                _dumps(page.data),
            ),
        )
        self._objects[page.id] = page
        if parent_type == "page_id" and parent_id is not None:
            self._insert_child_page_block(page, parent_id)
        if children:
            self.insert_blocks("page_id", page.id, children, None)
        return self.page_json(page)

    def _insert_child_page_block(self, page: StoredObject, parent_id: str) -> None:
        position = self._positions(parent_id, 1, None)[0]
        self.conn.execute(
            "INSERT INTO blocks (id, parent_type, parent_id, position, type, content, created, "
            "edited, created_by, edited_by, in_trash) "
            "VALUES (?, 'page_id', ?, ?, 'child_page', ?, ?, ?, ?, ?, 0)",
            (
                page.id,
                parent_id,
                position,
                _dumps({"title": page.title}),
                self.now,
                self.now,
                self.actor,
                self.actor,
            ),
        )

    @staticmethod
    def _trash_flag(body: Mapping[str, Any]) -> bool | None:
        for key in ("in_trash", "archived"):
            if key in body:
                value = body[key]
                if not isinstance(value, bool):
                    raise invalid(f"body.{key}", "a boolean", value)
                return value
        return None

    def _patch_page(
        self, ids: Mapping[str, str], body: dict[str, Any], query: Mapping[str, Any]
    ) -> Any:
        page = self._page(ids["page_id"])
        trash = self._trash_flag(body)
        if page.in_trash and trash is not False:
            raise validation(ARCHIVED_PAGE)
        database = None
        if page.parent_type == "database_id" and page.parent_id:
            database = self.obj(page.parent_id)
        if "properties" in body:
            self.write_properties(page, database, body["properties"], creating=False)
        if "icon" in body:
            page.data["icon"] = self.icon(body["icon"], "body.icon")
        if "cover" in body:
            page.data["cover"] = self.icon(body["cover"], "body.cover", allow_emoji=False)
        if trash is not None:
            page.in_trash = trash
        self._touch(page)
        self._save(page)
        return self.page_json(page)

    def _retrieve_a_database(self, ids: Mapping[str, str], query: Mapping[str, Any]) -> Any:
        return self.database_json(self._database(ids["database_id"]))

    def _post_database_query(
        self, ids: Mapping[str, str], body: dict[str, Any], query: Mapping[str, Any]
    ) -> Any:
        database = self._database(ids["database_id"])
        schema = self.schema(database)
        predicate = (
            compile_filter(body["filter"], schema, self.moment)
            if body.get("filter") is not None
            else None
        )
        sorts = compile_sorts(body.get("sorts"), schema)
        offset, size = self._paging({**query, **body}, "body")
        rows = self.conn.execute(
            "SELECT * FROM objects WHERE parent_id = ? AND parent_type = 'database_id' "
            "AND in_trash = 0 ORDER BY created DESC, id",
            (database.id,),
        ).fetchall()
        pages = []
        for row in rows:
            found = StoredObject.from_row(row)
            self._objects.setdefault(found.id, found)
            pages.append(_Row(self, self._objects[found.id] or found))
        if predicate is not None:
            pages = [row for row in pages if predicate(row)]
        ordered = apply_sorts(pages, sorts) if sorts else pages
        window = ordered[offset : offset + size]
        results = [self.page_json(row.obj) for row in window if isinstance(row, _Row)]
        return self._list(results, "page_or_database", offset, size, offset + size < len(ordered))

    def _get_block_children(self, ids: Mapping[str, str], query: Mapping[str, Any]) -> Any:
        block_id = ids["block_id"]
        self._any_block(block_id)
        offset, size = self._paging(query, "query")
        rows = self.conn.execute(
            "SELECT * FROM blocks WHERE parent_id = ? AND in_trash = 0 "
            "ORDER BY position, id LIMIT ? OFFSET ?",
            (block_id, size + 1, offset),
        ).fetchall()
        window = rows[:size]
        parents = self._has_children([row["id"] for row in window])
        results = [self.block_json(row, row["id"] in parents) for row in window]
        return self._list(results, "block", offset, size, len(rows) > size)

    def _patch_block_children(
        self, ids: Mapping[str, str], body: dict[str, Any], query: Mapping[str, Any]
    ) -> Any:
        block_id = ids["block_id"]
        row, obj = self._any_block(block_id)
        if obj is not None:
            if obj.object == "database":
                raise validation(
                    f"Block {block_id} is a database; add pages to it with the create page API."
                )
            if obj.in_trash:
                raise validation(ARCHIVED_BLOCK)
            parent_type = "page_id"
        else:
            assert row is not None
            if row["in_trash"]:
                raise validation(ARCHIVED_BLOCK)
            if row["type"] not in CHILDREN_ALLOWED:
                raise validation(f"Block type {row['type']} does not support children.")
            parent_type = "block_id"
        if "children" not in body:
            raise invalid("body.children", "defined", _UNDEFINED)
        blocks = self.parse_children(body["children"], "body.children")
        after: str | None = None
        if body.get("after") is not None:
            after = self._id_value(body["after"], "body.after")
            sibling = self._block_row(after)
            if sibling is None or sibling["parent_id"] != block_id or sibling["in_trash"]:
                raise invalid("body.after", f"the id of a child block of {block_id}", body["after"])
        new_ids = self.insert_blocks(parent_type, block_id, blocks, after)
        if row is not None and obj is None:
            self.conn.execute(
                "UPDATE blocks SET edited = ?, edited_by = ? WHERE id = ?",
                (self.now, self.actor, block_id),
            )
        results = self._blocks_by_ids(new_ids) if new_ids else []
        return self._list(results, "block", 0, len(results), False)

    def _retrieve_a_block(self, ids: Mapping[str, str], query: Mapping[str, Any]) -> Any:
        row, obj = self._any_block(ids["block_id"])
        if obj is not None:
            return self._object_as_block(obj)
        assert row is not None
        return self.block_json(row, bool(self._has_children([row["id"]])))

    def _update_a_block(
        self, ids: Mapping[str, str], body: dict[str, Any], query: Mapping[str, Any]
    ) -> Any:
        block_id = ids["block_id"]
        row, obj = self._any_block(block_id)
        trash = self._trash_flag(body)
        kind = "child_database" if obj is not None and obj.object == "database" else None
        kind = kind or ("child_page" if obj is not None else str(row["type"] if row else ""))
        named = [key for key in body if key in ALL_BLOCK_TYPES]
        other = [key for key in named if key != kind]
        if other:
            raise validation(
                f"body failed validation: body.{other[0]} should be not present; the block is "
                f"a {kind} block and a block's type cannot be changed."
            )
        in_trash = obj.in_trash if obj is not None else bool(row["in_trash"] if row else False)
        if in_trash and trash is not False:
            raise validation(ARCHIVED_BLOCK)
        if obj is not None:
            if named:
                raise validation(
                    f"A {kind} block cannot be edited with the blocks API; "
                    "update the page or database instead."
                )
            if trash is not None:
                obj.in_trash = trash
                self._touch(obj)
                self._save(obj)
            return self._object_as_block(obj)
        assert row is not None
        if kind in READ_ONLY_BLOCK_TYPES and named:
            raise validation(f"A {kind} block cannot be edited with the blocks API.")
        content = json.loads(row["content"])
        if named:
            change = body[kind]
            if not isinstance(change, Mapping):
                raise invalid(f"body.{kind}", "an object", change)
            if "children" in change:
                raise invalid(
                    f"body.{kind}.children",
                    "not present (append children with patch-block-children)",
                    change["children"],
                )
            content.update(self.block_content(kind, change, f"body.{kind}", partial=True))
        new_trash = bool(row["in_trash"]) if trash is None else trash
        self.conn.execute(
            "UPDATE blocks SET content = ?, in_trash = ?, edited = ?, edited_by = ? WHERE id = ?",
            (_dumps(content), int(new_trash), self.now, self.actor, block_id),
        )
        return self._blocks_by_ids([block_id])[0]

    def _delete_a_block(self, ids: Mapping[str, str], query: Mapping[str, Any]) -> Any:
        block_id = ids["block_id"]
        row, obj = self._any_block(block_id)
        if obj is not None:
            if obj.in_trash:
                raise validation(ARCHIVED_BLOCK)
            obj.in_trash = True
            self._touch(obj)
            self._save(obj)
            return self._object_as_block(obj)
        assert row is not None
        if row["in_trash"]:
            raise validation(ARCHIVED_BLOCK)
        self.conn.execute(
            "UPDATE blocks SET in_trash = 1, edited = ?, edited_by = ? WHERE id = ?",
            (self.now, self.actor, block_id),
        )
        return self._blocks_by_ids([block_id])[0]

    def _get_users(self, ids: Mapping[str, str], query: Mapping[str, Any]) -> Any:
        offset, size = self._paging(query, "query")
        everyone = list(self.users().values())
        window = everyone[offset : offset + size]
        return self._list(window, "user", offset, size, offset + size < len(everyone))

    def _get_self(self, ids: Mapping[str, str], query: Mapping[str, Any]) -> Any:
        return self.user_json(self.actor)

    def _retrieve_a_comment(self, ids: Mapping[str, str], query: Mapping[str, Any]) -> Any:
        raw = query.get("block_id", _UNDEFINED)
        if raw is _UNDEFINED or raw is None:
            raise validation(
                "query failed validation: query.block_id should be defined, instead was "
                "`undefined`."
            )
        if not isinstance(raw, str):
            raise invalid("query.block_id", "a valid uuid", raw)
        try:
            block_id = normalize_id(raw)
        except ValueError:
            raise validation(
                "query failed validation: query.block_id should be a valid uuid, "
                f"instead was `{describe(raw)}`."
            ) from None
        self._any_block(block_id)
        offset, size = self._paging(query, "query")
        rows = self.conn.execute(
            "SELECT * FROM comments WHERE parent_id = ? ORDER BY created, id LIMIT ? OFFSET ?",
            (block_id, size + 1, offset),
        ).fetchall()
        results = [comment_json(row) for row in rows[:size]]
        return self._list(results, "comment", offset, size, len(rows) > size)

    def _create_a_comment(
        self, ids: Mapping[str, str], body: dict[str, Any], query: Mapping[str, Any]
    ) -> Any:
        rich = self.rich_text(body.get("rich_text", _UNDEFINED), "body.rich_text")
        if not rich:
            raise invalid("body.rich_text.length", "≥ `1`", 0)
        if body.get("discussion_id") is not None:
            discussion = self._id_value(body["discussion_id"], "body.discussion_id")
            first = self.conn.execute(
                "SELECT parent_type, parent_id FROM comments WHERE discussion_id = ? "
                "ORDER BY created LIMIT 1",
                (discussion,),
            ).fetchone()
            if first is None:
                raise not_found("discussion", discussion)
            parent_type, parent_id = first["parent_type"], first["parent_id"]
        else:
            parent = body.get("parent", _UNDEFINED)
            if not isinstance(parent, Mapping) or "page_id" not in parent:
                raise invalid("body.parent", "an object with a `page_id`", parent)
            parent_id = self._id_value(parent["page_id"], "body.parent.page_id")
            page = self._page(parent_id)
            if page.in_trash:
                raise validation(ARCHIVED_PAGE)
            parent_type = "page_id"
            discussion = str(uuid.uuid4())
        comment_id = str(uuid.uuid4())
        self.conn.execute(
            "INSERT INTO comments (id, parent_type, parent_id, discussion_id, created, "
            "created_by, rich_text) VALUES (?, ?, ?, ?, ?, ?, ?)",
            (comment_id, parent_type, parent_id, discussion, self.now, self.actor, _dumps(rich)),
        )
        row = self.conn.execute("SELECT * FROM comments WHERE id = ?", (comment_id,)).fetchone()
        return comment_json(row)


# --- shared helpers (also used by the seed) ----------------------------------------------------


def bot_user(user_id: str, name: str) -> dict[str, Any]:
    return {
        "object": "user",
        "id": user_id,
        "type": "bot",
        "name": name,
        "avatar_url": None,
        "bot": {
            "owner": {"type": "workspace", "workspace": True},
            "workspace_name": SEED_WORKSPACE_NAME,
        },
    }


def comment_json(row: sqlite3.Row) -> dict[str, Any]:
    return {
        "object": "comment",
        "id": row["id"],
        "parent": parent_json(row["parent_type"], row["parent_id"]),
        "discussion_id": row["discussion_id"],
        "created_time": shown_time(row["created"]),
        "last_edited_time": shown_time(row["created"]),
        "created_by": user_ref(row["created_by"]),
        "rich_text": json.loads(row["rich_text"]),
    }


def _default_status(prop: Mapping[str, Any]) -> str | None:
    """A new row's status: the first option of the to-do group, as Notion does."""
    config = prop["status"]
    for group in config.get("groups") or []:
        if group.get("option_ids"):
            return str(group["option_ids"][0])
    options = config.get("options") or []
    return str(options[0]["id"]) if options else None


def _count_blocks(children: Sequence[Any]) -> int:
    total = 0
    for child in children:
        total += 1
        if isinstance(child, Mapping):
            kind = child.get("type")
            body = child.get(kind) if isinstance(kind, str) else None
            nested = body.get("children") if isinstance(body, Mapping) else None
            nested = nested if nested is not None else child.get("children")
            if isinstance(nested, list):
                total += _count_blocks(nested)
    return total
