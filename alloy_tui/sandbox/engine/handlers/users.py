"""Users: list them, one by id, the connection's bot (created on first use)."""

from __future__ import annotations

from typing import Any

from alloy_tui.sandbox.engine.context import Call, Request
from alloy_tui.sandbox.engine.errors import not_found
from alloy_tui.sandbox.engine.render import bot_user
from alloy_tui.sandbox.engine.validate import paging


def ensure_bot(call: Call) -> None:
    """The acting bot exists as a user (a connection's bot appears on its first call)."""
    if not call.store.has_user(call.actor):
        call.store.add_user(call.actor, bot_user(call.actor, "Alloy"))


def get_users(call: Call, request: Request) -> Any:
    offset, size = paging(request.query, "query")
    everyone = list(call.users().values())
    window = everyone[offset : offset + size]
    return call.list_json(window, "user", offset, size, offset + size < len(everyone))


def get_self(call: Call, request: Request) -> Any:
    return call.user_json(call.actor)


def get_user(call: Call, request: Request) -> Any:
    user_id = request.ids["user_id"]
    found = call.users().get(user_id)
    if found is None:
        raise not_found("user", user_id)
    return found
