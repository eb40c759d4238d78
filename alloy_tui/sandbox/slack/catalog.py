"""Alloy's catalog of the Slack connector, and the [assumed] facts about Slack through Alloy.

Action ids: Alloy's reference shows a Slack action as `chat_postMessage` (displayName "Post",
httpMethod post, path `/chat.postMessage`) [official example], that is Slack's method name with
`_` for `.`; the other ids follow the same rule [assumed]. The method name itself
(`conversations.list`) and a dashed form (`conversations-list`) are accepted as aliases.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Final

CONNECTOR_ID: Final = "slack"
CREDENTIAL_TYPE: Final = "slack-oauth2"

# --- [assumed] facts about Slack through Alloy --------------------------------------------------
ERROR_STATUS: Final = 200
"""Slack answers a refused call with HTTP 200 and `{"ok": false, "error": "<code>"}`; Alloy passes
a connector's answer through with the connector's status (as it does Notion's errors), so execute
answers 200 too, the official dialect inside `{"success": true, "result": ...}` [assumed]."""
RATE_LIMITED_STATUS: Final = 429
"""Slack's rate limit is HTTP 429 with `Retry-After` (seconds) and `{"ok": false, "error":
"ratelimited"}`; Alloy forwards the status and the header [assumed, like Notion's 429]."""
TIERS: Final[Mapping[int, tuple[float, int]]] = {
    2: (20 / 60, 5),
    3: (50 / 60, 10),
    4: (100 / 60, 20),
}
"""Slack's rate tiers as (requests per second, burst) per connection and method: Tier 2 is 20
a minute, Tier 3 50, Tier 4 100 [Slack's docs]; the bursts are [assumed]."""
POST_RATE: Final = (1.0, 3)
"""chat.postMessage: about one message a second per channel [Slack's docs], bursts of 3
[assumed]."""
HISTORY_MAX_LIMIT: Final = 999
LIST_MAX_LIMIT: Final = 1000
DEFAULT_LIMIT: Final = 100
"""`limit` defaults and maxima of conversations.history (999) and conversations.list (1000)
[Slack's docs]; a limit outside 1..max is `invalid_limit` [assumed: Slack clamps some]."""
CONSENT_SCOPES: Final = (
    ("channels:read", "View basic information about public channels in the workspace."),
    ("channels:history", "View messages and other content in public channels."),
    ("chat:write", "Send messages as the app."),
    ("users:read", "View people in the workspace."),
)
"""What the sandbox's Slack consent page asks for (Slack's scope names and wording)."""
CREDENTIALS_METADATA: Final[Mapping[str, Any]] = {
    "connectorId": CONNECTOR_ID,
    "authenticationType": "oauth2",
    "credentialType": CREDENTIAL_TYPE,
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
"""`GET /connectors/slack/credentials/metadata` [assumed shape, like Notion's]."""
CONNECTOR: Final[Mapping[str, Any]] = {
    "id": CONNECTOR_ID,
    "connectorId": CONNECTOR_ID,
    "name": "Slack",
    "description": "Messaging for teams: channels, messages and people.",
    "category": "Communication",
    "authenticationTypes": ["oauth2"],
    "credentialType": CREDENTIAL_TYPE,
}


@dataclass(frozen=True)
class SlackAction:
    """One Slack Web API method as Alloy's catalog lists it."""

    id: str
    method: str
    """Slack's method name (`conversations.list`)."""
    display_name: str
    description: str
    http_method: str
    tier: int | None
    """Slack's rate tier; None for chat.postMessage (per channel, POST_RATE)."""
    arguments: tuple[tuple[str, str, bool], ...]
    """(name, JSON type, required): query parameters of a GET, body fields of a POST."""

    @property
    def path(self) -> str:
        return f"/{self.method}"

    @property
    def aliases(self) -> tuple[str, ...]:
        return (self.method, self.method.replace(".", "-").replace("_", "-").lower())


_CURSOR = (("cursor", "string", False), ("limit", "integer", False))
ACTIONS: Final[tuple[SlackAction, ...]] = (
    SlackAction(
        "conversations_list",
        "conversations.list",
        "List conversations",
        "Lists the workspace's channels, a page at a time (`cursor`, `limit`; the next page's"
        " cursor is `response_metadata.next_cursor`).",
        "GET",
        2,
        (
            *_CURSOR,
            ("exclude_archived", "boolean", False),
            ("types", "string", False),
        ),
    ),
    SlackAction(
        "conversations_history",
        "conversations.history",
        "Conversation history",
        "A channel's messages, newest first (`cursor`, `limit`, `oldest`/`latest` timestamps,"
        " `inclusive`).",
        "GET",
        3,
        (
            ("channel", "string", True),
            *_CURSOR,
            ("oldest", "string", False),
            ("latest", "string", False),
            ("inclusive", "boolean", False),
        ),
    ),
    SlackAction(
        "chat_postMessage",
        "chat.postMessage",
        "Post",
        "Posts a message into a channel.",
        "POST",
        None,
        (
            ("channel", "string", True),
            ("text", "string", True),
            ("thread_ts", "string", False),
            ("blocks", "array", False),
        ),
    ),
    SlackAction(
        "users_info",
        "users.info",
        "Get user info",
        "A user's profile by id.",
        "GET",
        4,
        (("user", "string", True),),
    ),
    SlackAction(
        "auth_test",
        "auth.test",
        "Test authentication",
        "Checks the connection's token and says whose it is (the app's bot user and team).",
        "GET",
        4,
        (),
    ),
    SlackAction(
        "auth_revoke",
        "auth.revoke",
        "Revoke the token",
        "Revokes the connection's token: every later call answers `token_revoked`.",
        "GET",
        3,
        (("test", "boolean", False),),
    ),
)
_BY_NAME: Final = {name: action for action in ACTIONS for name in (action.id, *action.aliases)}


def find_action(action_id: str) -> SlackAction | None:
    return _BY_NAME.get(action_id)


def action_summary(action: SlackAction) -> dict[str, Any]:
    return {
        "id": action.id,
        "aliases": list(action.aliases),
        "displayName": action.display_name,
        "description": action.description,
        "httpMethod": action.http_method,
        "path": action.path,
    }


def action_detail(action: SlackAction) -> dict[str, Any]:
    """`GET /connectors/slack/actions/{a}`'s `action`: a GET's arguments as query parameters, a
    POST's as its JSON body schema [official shape]."""
    summary = action_summary(action)
    if action.http_method == "GET":
        parameters = [
            {"name": name, "in": "query", "required": required, "schema": {"type": kind}}
            for name, kind, required in action.arguments
        ]
        return {**summary, "parameters": parameters, "requestBody": None}
    body = {
        "type": "object",
        "required": [name for name, _, required in action.arguments if required],
        "properties": {name: {"type": kind} for name, kind, _ in action.arguments},
    }
    return {**summary, "parameters": [], "requestBody": body}
