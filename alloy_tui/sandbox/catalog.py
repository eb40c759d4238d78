"""Alloy's catalog of the Notion connector: the connector, its actions and what they take."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from alloy_tui.sandbox.actions import ActionSpec
from alloy_tui.sandbox.defaults import NOTION_VERSION

CONNECTORS: Final[Mapping[str, Mapping[str, Any]]] = {
    "notion": {
        "id": "notion",
        "connectorId": "notion",
        "name": "Notion",
        "description": "Connected workspace for notes, docs, wikis and databases.",
        "category": "Productivity",
        "authenticationTypes": ["oauth2"],
        "credentialType": "notion-oauth2",
        "apiVersion": NOTION_VERSION,
    }
}

# What the action catalog says about each action's inputs [assumed: Alloy's catalog lists the
# Notion operation's parameters; these mirror Notion's API reference].
_PAGINATION: Final = (("start_cursor", "string", False), ("page_size", "integer", False))
_ACTION_QUERY: Final[Mapping[str, tuple[tuple[str, str, bool], ...]]] = {
    "get-block-children": _PAGINATION,
    "get-users": _PAGINATION,
    "retrieve-a-comment": (("block_id", "string", True), *_PAGINATION),
}
_ACTION_BODY: Final[Mapping[str, tuple[str, ...]]] = {
    "post-search": ("query", "filter", "sort", "start_cursor", "page_size"),
    "post-page": ("parent", "properties", "children", "icon", "cover"),
    "patch-page": ("properties", "icon", "cover", "archived", "in_trash"),
    "post-database-query": ("filter", "sorts", "start_cursor", "page_size"),
    "patch-block-children": ("children", "after"),
    "update-a-block": ("<block type>", "archived", "in_trash"),
    "create-a-comment": ("parent", "discussion_id", "rich_text"),
}
_REQUIRED_BODY: Final[Mapping[str, tuple[str, ...]]] = {
    "post-page": ("parent", "properties"),
    "patch-block-children": ("children",),
    "create-a-comment": ("rich_text",),
}


def action_summary(spec: ActionSpec) -> dict[str, Any]:
    return {
        "id": spec.id,
        "aliases": list(spec.aliases),
        "displayName": spec.display_name,
        "description": spec.description,
        "httpMethod": spec.http_method,
        "path": spec.path,
    }


def action_detail(spec: ActionSpec) -> dict[str, Any]:
    parameters = [
        {"name": name, "in": "path", "required": True, "type": "string"}
        for name in spec.path_params
    ]
    parameters += [
        {"name": name, "in": "query", "required": required, "type": kind}
        for name, kind, required in _ACTION_QUERY.get(spec.id, ())
    ]
    request_body: dict[str, Any] | None = None
    if spec.http_method in ("POST", "PATCH"):
        request_body = {
            "contentType": "application/json",
            "required": bool(_REQUIRED_BODY.get(spec.id)),
            "fields": list(_ACTION_BODY.get(spec.id, ())),
            "requiredFields": list(_REQUIRED_BODY.get(spec.id, ())),
        }
    return {**action_summary(spec), "parameters": parameters, "requestBody": request_body}
