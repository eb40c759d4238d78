"""Plain frozen records the client returns, parsed tolerantly from either API dialect."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from types import MappingProxyType
from typing import Any

from alloy_tui.alloy.errors import ProtocolError


@dataclass(frozen=True)
class Connection:
    """An Alloy credential: one connected account of one connector (here, a Notion workspace)."""

    id: str
    connector_id: str
    name: str
    type: str
    created_at: datetime | None
    workspace_name: str | None
    raw: Mapping[str, Any] = field(default_factory=dict, compare=False, repr=False)


@dataclass(frozen=True)
class OAuthStart:
    """What starting an OAuth flow returns: where to send the user, and the pending credential."""

    oauth_url: str
    credential_id: str | None


@dataclass(frozen=True)
class ResultPage:
    """One page of a Notion list answer."""

    results: list[dict[str, Any]]
    next_cursor: str | None
    has_more: bool


def parse_timestamp(value: Any) -> datetime | None:
    """An ISO 8601 timestamp (`Z` accepted) or epoch milliseconds; anything else is None."""
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        try:
            return datetime.fromtimestamp(value / 1000, tz=UTC)
        except (OverflowError, OSError, ValueError):
            return None
    if isinstance(value, str) and value:
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None
    return None


def _text(item: Mapping[str, Any], *keys: str) -> str | None:
    for key in keys:
        value = item.get(key)
        if isinstance(value, str) and value:
            return value
    return None


def parse_connection(item: Any, default_connector: str | None = None) -> Connection:
    """One credential from any of the three list endpoints (official, guide, per user)."""
    if not isinstance(item, Mapping):
        raise ProtocolError(
            f"A connection in Alloy's list is a {type(item).__name__}, not an object."
        )
    ident = _text(item, "credentialId", "id", "_id", "connectionId")
    if ident is None:
        raise ProtocolError("A connection in Alloy's list has no `credentialId` or `id`.")
    connector = _text(item, "connectorId", "connector_id", "connector") or default_connector or ""
    workspace = _text(item, "workspaceName", "workspace_name")
    metadata = item.get("metadata")
    if workspace is None and isinstance(metadata, Mapping):
        workspace = _text(metadata, "workspaceName", "workspace_name")
    name = _text(item, "name", "displayName") or workspace or ident
    return Connection(
        id=ident,
        connector_id=connector,
        name=name,
        type=_text(item, "type", "authenticationType") or "",
        created_at=parse_timestamp(item.get("createdAt", item.get("created_at"))),
        workspace_name=workspace,
        raw=MappingProxyType(dict(item)),
    )


def unwrap_result(value: Any) -> Any:
    """The official execute answer wraps the payload as `{"success":true,"result":...}`."""
    is_object = type(value) is dict or isinstance(value, Mapping)
    if is_object and "result" in value and value.get("object") is None:
        return value["result"]
    return value


def list_items(value: Any, *keys: str, what: str) -> list[Any]:
    """The list in a bare array, `result`, or the first of `keys` present; else ProtocolError."""
    value = unwrap_result(value)
    if isinstance(value, list):
        return value
    if isinstance(value, Mapping):
        for key in keys:
            found = value.get(key)
            if isinstance(found, list):
                return found
        names = " or ".join(f"`{k}`" for k in keys)
        present = ", ".join(sorted(map(str, value))[:8]) or "nothing"
        raise ProtocolError(f"Alloy's {what} answer has no {names} list (it has {present}).")
    raise ProtocolError(f"Alloy's {what} answer is a {type(value).__name__}, not a list.")


def parse_result_page(value: Any, *, what: str = "list") -> ResultPage:
    """A Notion list (`results`) or the guide's list (`data`), with its cursor."""
    items = list_items(value, "results", "data", what=what)
    body = unwrap_result(value)
    meta: Mapping[str, Any] = body if isinstance(body, Mapping) else {}
    results: list[dict[str, Any]] = []
    for item in items:
        if type(item) is dict:  # as json.loads made it, held by nothing else: kept, not copied
            results.append(item)
        elif isinstance(item, Mapping):
            results.append(dict(item))
        else:
            raise ProtocolError(f"An item of Alloy's {what} answer is not an object.")
    cursor = meta.get("next_cursor")
    next_cursor = cursor if isinstance(cursor, str) and cursor else None
    has_more = meta.get("has_more") is True and next_cursor is not None
    return ResultPage(results=results, next_cursor=next_cursor, has_more=has_more)
