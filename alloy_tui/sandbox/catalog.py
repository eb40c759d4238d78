"""Alloy's connector catalog (Notion here, Slack's from `sandbox/slack/catalog.py`), and every
fact about Alloy the docs do not settle.

The block below is the sandbox's one place for [assumed] facts (the client's is the top of
`alloy/errors.py`): each is what the sandbox answers where neither the guide nor the official
reference (docs.runalloy.com, API version 2025-09) says, so it is easy to change when a
production account answers differently.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

from alloy_tui.sandbox.actions import ActionSpec
from alloy_tui.sandbox.defaults import API_VERSION, DEFAULT_NOTION_VERSION, NOTION_VERSIONS
from alloy_tui.sandbox.slack import catalog as slack_catalog

# --- [assumed] facts about Alloy ----------------------------------------------------------------
API_VERSIONS: Final = frozenset({API_VERSION})
"""`x-api-version` values the official dialect accepts [assumed: only the documented 2025-09; a
missing or other value is a 400 INVALID_INPUT naming the header]. The guide's routes (which it
calls without the header) do not need it."""
CREDENTIAL_NOT_FOUND: Final = (400, "INVALID_INPUT", "Credential not found")
"""The guide's body for an unknown (or another user's) connection; the status is [assumed]."""
NOTION_VERSION_HEADER: Final = "Notion-Version"
"""Read from the execute call's `additionalHeaders` (name matched case-insensitively), default
`SandboxConfig.notion_version` [assumed: Alloy forwards it to Notion; which version Alloy itself
sends is not documented]. A value Notion does not know is Notion's 400 `invalid_request_header`
[assumed code] naming the header."""
GUIDE_LIST_KEY: Final = "data"
"""The guide's examples read lists under `data`: the guide dialect adds it (Notion's list object
does not have it) [guide]."""
CREDENTIALS_METADATA: Final[Mapping[str, Any]] = {
    "connectorId": "notion",
    "authenticationType": "oauth2",
    "credentialType": "notion-oauth2",
    "properties": [
        {
            "name": "redirectUri",
            "displayName": "Redirect URI",
            "type": "string",
            "required": True,
            "description": "Where the browser returns after the user answers the consent page.",
        }
    ],
}
"""`GET /connectors/{c}/credentials/metadata` [assumed shape: the documented endpoint exists,
its example is not public; this names what starting an OAuth connection needs]."""
# What the catalog says about each action's inputs [assumed: Alloy lists the Notion operation's
# parameters and body as Notion's API reference describes them].
CONNECTORS: Final[Mapping[str, Mapping[str, Any]]] = {
    "notion": {
        "id": "notion",
        "connectorId": "notion",
        "name": "Notion",
        "description": "Connected workspace for notes, docs, wikis and databases.",
        "category": "Productivity",
        "authenticationTypes": ["oauth2"],
        "credentialType": "notion-oauth2",
        "apiVersion": DEFAULT_NOTION_VERSION,
        "apiVersions": list(NOTION_VERSIONS),
    },
    slack_catalog.CONNECTOR_ID: slack_catalog.CONNECTOR,
}
"""Every connector the sandbox serves, in the order `GET /connectors` lists them."""
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
    "update-a-block": ("archived", "in_trash"),
    "create-a-comment": ("parent", "discussion_id", "rich_text"),
}
_FIELD_TYPES: Final[Mapping[str, str]] = {
    "query": "string",
    "start_cursor": "string",
    "page_size": "integer",
    "children": "array",
    "sorts": "array",
    "rich_text": "array",
    "after": "string",
    "discussion_id": "string",
    "archived": "boolean",
    "in_trash": "boolean",
}
"""JSON-schema type of each body field; any other field is an object."""
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
    """`GET /connectors/{c}/actions/{a}`'s `action`: parameters with a JSON `schema` each, and
    the request body as a JSON schema (null for actions without one) [official]."""
    parameters = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        for name in spec.path_params
    ]
    parameters += [
        {"name": name, "in": "query", "required": required, "schema": {"type": kind}}
        for name, kind, required in _ACTION_QUERY.get(spec.id, ())
    ]
    request_body: dict[str, Any] | None = None
    if spec.http_method in ("POST", "PATCH"):
        fields = _ACTION_BODY.get(spec.id, ())
        request_body = {
            "type": "object",
            "required": list(_REQUIRED_BODY.get(spec.id, ())),
            "properties": {name: {"type": _FIELD_TYPES.get(name, "object")} for name in fields},
        }
        if spec.id == "update-a-block":  # the block's own type is the key: any of them
            request_body["additionalProperties"] = {"type": "object"}
    return {**action_summary(spec), "parameters": parameters, "requestBody": request_body}


def connector_detail(connector: Mapping[str, Any], action_count: int) -> dict[str, Any]:
    """`GET /connectors/{c}` [assumed shape: `{"connector": {...}}`, like the action detail]."""
    return {"connector": {**connector, "actionCount": action_count}}
