"""The engine: runs one Notion action in one store transaction, answering as Notion would."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Any

from alloy_tui.sandbox.engine.catalog import find_action
from alloy_tui.sandbox.engine.common import DEFAULT_BOT_ID
from alloy_tui.sandbox.engine.context import Call, Request
from alloy_tui.sandbox.engine.errors import NotionError, validation
from alloy_tui.sandbox.engine.handlers.users import ensure_bot
from alloy_tui.sandbox.engine.query_base import QueryError
from alloy_tui.sandbox.engine.render import DEFAULT_VERSION, VERSIONS
from alloy_tui.sandbox.engine.table import ACTION_TABLE
from alloy_tui.sandbox.engine.validate import check_json, path_id, path_text, request_body
from alloy_tui.sandbox.store import Store


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
        notion_version: str = DEFAULT_VERSION,
    ) -> tuple[int, Any]:
        """Run one action in one Notion version (2022-06-28 unless named): (HTTP status, JSON
        body). Notion errors are returned, not raised."""
        spec = find_action(action_id)
        if spec is None:
            return 404, {"error": {"code": "NOT_FOUND", "message": "Action not found"}}
        handler = ACTION_TABLE[spec.id]
        path_params = path_params if isinstance(path_params, Mapping) else {}
        query = query if isinstance(query, Mapping) else {}
        version = next((v for v in VERSIONS if v == notion_version), None)
        if version is None:
            return 400, validation(
                f"Notion-Version {notion_version!r} is not one of {', '.join(VERSIONS)}."
            ).body()
        try:
            with self.store.transaction():
                call = Call(self.store, self.clock(), bot_user_id or DEFAULT_BOT_ID, version)
                ensure_bot(call)
                check_json(dict(query), "query")
                ids = {
                    name: (
                        path_text(path_params, name)
                        if name in spec.text_params
                        else path_id(path_params, name)
                    )
                    for name in spec.path_params
                }
                writes = spec.http_method in ("POST", "PATCH")
                request = Request(ids, request_body(body) if writes else {}, query)
                # Notion's own answer; the guide dialect's `data` copy of a list's results is
                # added by the HTTP layer for that dialect only.
                return 200, handler(call, request)
        except NotionError as error:
            return error.status, error.body()
        except QueryError as error:
            return 400, validation(error.message).body()
