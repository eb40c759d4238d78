"""Slack Web API semantics for the catalog's methods: `{"ok": true, ...}` answers, `{"ok": false,
"error": code}` refusals, cursor pagination, and the rate tiers (HTTP 429 with Retry-After)."""

from __future__ import annotations

import base64
import binascii
import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Final

from alloy_tui.sandbox.slack.catalog import (
    DEFAULT_LIMIT,
    ERROR_STATUS,
    HISTORY_MAX_LIMIT,
    LIST_MAX_LIMIT,
    RATE_LIMITED_STATUS,
    SlackAction,
)
from alloy_tui.sandbox.slack.limits import SlackLimiter
from alloy_tui.sandbox.slack.seed import TEAM_DOMAIN, TEAM_ID, TEAM_NAME, ts_of
from alloy_tui.sandbox.slack.store import SlackStore

BOT_NAME: Final = "alloy-tui-sandbox"
_TRUE: Final = frozenset({"true", "1", "yes"})
_FALSE: Final = frozenset({"false", "0", "no", ""})


@dataclass(frozen=True)
class SlackAnswer:
    status: int
    body: dict[str, Any]
    headers: dict[str, str] = field(default_factory=dict)


class SlackRefusal(Exception):
    """A call Slack answers with `{"ok": false, "error": code}`."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code


@dataclass(frozen=True)
class BotIdentity:
    """The app's bot user in the workspace, one per Alloy connection (stable across restarts)."""

    user_id: str
    bot_id: str

    @classmethod
    def of(cls, credential_id: str) -> BotIdentity:
        digest = hashlib.sha256(credential_id.encode()).hexdigest()[:8].upper()
        return cls(user_id=f"U0B{digest}", bot_id=f"B0B{digest}")


def _cursor(kind: str, value: str) -> str:
    """Slack's opaque cursors are base64 of `kind:value` (`dGVhbTpDMDYx…` is `team:C061…`)."""
    return base64.b64encode(f"{kind}:{value}".encode()).decode()


def _decode_cursor(text: str, kind: str) -> str:
    try:
        decoded = base64.b64decode(text.encode(), validate=True).decode()
    except (binascii.Error, UnicodeError, ValueError):
        raise SlackRefusal("invalid_cursor") from None
    prefix, sep, value = decoded.partition(":")
    if not sep or prefix != kind or not value:
        raise SlackRefusal("invalid_cursor")
    return value


def _text_arg(args: Mapping[str, Any], name: str) -> str | None:
    value = args.get(name)
    if value is None or value == "":
        return None
    if not isinstance(value, str):
        raise SlackRefusal("invalid_arguments")
    return value


def _bool_arg(args: Mapping[str, Any], name: str) -> bool:
    value = args.get(name)
    if value is None or isinstance(value, bool):
        return bool(value)
    if isinstance(value, str) and value.lower() in _TRUE | _FALSE:
        return value.lower() in _TRUE
    if isinstance(value, int):
        return value != 0
    raise SlackRefusal("invalid_arguments")


def _limit_arg(args: Mapping[str, Any], maximum: int) -> int:
    value = args.get("limit")
    if value is None or value == "":
        return DEFAULT_LIMIT
    if isinstance(value, bool):
        raise SlackRefusal("invalid_limit")
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if not isinstance(value, int) or not 1 <= value <= maximum:
        raise SlackRefusal("invalid_limit")
    return value


def _ts_arg(args: Mapping[str, Any], name: str) -> str | None:
    value = args.get(name)
    if value is None or value == "":
        return None
    if isinstance(value, int | float) and not isinstance(value, bool):
        value = f"{value:.6f}"
    if not isinstance(value, str):
        raise SlackRefusal("invalid_ts_" + name)
    whole, _, fraction = value.partition(".")
    if not whole.isdigit() or (fraction and not fraction.isdigit()):
        raise SlackRefusal(f"invalid_ts_{name}")
    return f"{int(whole):010d}.{fraction[:6].ljust(6, '0')}"


class SlackEngine:
    """Runs one Slack method for one connection."""

    def __init__(
        self, store: SlackStore, limiter: SlackLimiter | None, clock: Callable[[], datetime]
    ) -> None:
        self.store = store
        self.limiter = limiter
        self.clock = clock

    def execute(
        self, action: SlackAction, args: Mapping[str, Any], credential_id: str
    ) -> SlackAnswer:
        if self.limiter is not None:
            channel = args.get("channel") if action.tier is None else None
            wait = self.limiter.acquire(credential_id, action, str(channel or ""))
            if wait is not None:
                return SlackAnswer(
                    RATE_LIMITED_STATUS,
                    {"ok": False, "error": "ratelimited"},
                    {"Retry-After": str(wait)},
                )
        try:
            if self.store.is_revoked(credential_id):
                raise SlackRefusal("token_revoked")
            handler = _HANDLERS[action.id]
            return SlackAnswer(200, {"ok": True, **handler(self, args, credential_id)})
        except SlackRefusal as refusal:
            return SlackAnswer(ERROR_STATUS, {"ok": False, "error": refusal.code})

    # ---- methods -------------------------------------------------------------------------

    def conversations_list(self, args: Mapping[str, Any], _credential: str) -> dict[str, Any]:
        limit = _limit_arg(args, LIST_MAX_LIMIT)
        types = _text_arg(args, "types") or "public_channel"
        known = {"public_channel", "private_channel", "mpim", "im"}
        wanted = {kind.strip() for kind in types.split(",") if kind.strip()}
        if not wanted <= known:
            raise SlackRefusal("invalid_types")
        after = -1
        cursor = _text_arg(args, "cursor")
        if cursor is not None:
            position = self.store.channel_position(_decode_cursor(cursor, "team"))
            if position is None:
                raise SlackRefusal("invalid_cursor")
            after = position - 1  # the cursor names the next page's first channel
        exclude = _bool_arg(args, "exclude_archived")
        rows = (
            self.store.channels_after(after, limit + 1, exclude_archived=exclude)
            if "public_channel" in wanted
            else []
        )
        page = [channel for _, channel in rows[:limit]]
        next_cursor = _cursor("team", rows[limit][1]["id"]) if len(rows) > limit else ""
        return {"channels": page, "response_metadata": {"next_cursor": next_cursor}}

    def conversations_history(self, args: Mapping[str, Any], _credential: str) -> dict[str, Any]:
        channel = self._channel(args)
        limit = _limit_arg(args, HISTORY_MAX_LIMIT)
        latest = _ts_arg(args, "latest")
        oldest = _ts_arg(args, "oldest")
        inclusive = _bool_arg(args, "inclusive")
        cursor = _text_arg(args, "cursor")
        if cursor is not None:
            # The cursor names the next page's newest message: it is included.
            try:
                below = _ts_arg({"ts": _decode_cursor(cursor, "next_ts")}, "ts")
            except SlackRefusal:
                raise SlackRefusal("invalid_cursor") from None
            rows = self.store.messages(
                channel["id"], below=below, above=oldest, limit=limit + 1, inclusive=True
            )
            if oldest is not None and not inclusive:
                rows = [row for row in rows if row["ts"] != oldest]
        else:
            rows = self.store.messages(
                channel["id"], below=latest, above=oldest, limit=limit + 1, inclusive=inclusive
            )
        has_more = len(rows) > limit
        answer: dict[str, Any] = {
            "messages": rows[:limit],
            "has_more": has_more,
            "pin_count": 0,
            "response_metadata": {"next_cursor": _cursor("next_ts", rows[limit]["ts"])}
            if has_more
            else {"next_cursor": ""},
        }
        if latest is not None:
            answer["latest"] = args.get("latest")
        if oldest is not None:
            answer["oldest"] = args.get("oldest")
        return answer

    def chat_post_message(self, args: Mapping[str, Any], credential: str) -> dict[str, Any]:
        channel = self._channel(args)
        if channel.get("is_archived"):
            raise SlackRefusal("is_archived")
        text = _text_arg(args, "text")
        blocks = args.get("blocks")
        if blocks is not None and not isinstance(blocks, list):
            raise SlackRefusal("invalid_blocks")
        if text is None and not blocks:
            raise SlackRefusal("no_text")
        if text is not None and len(text) > 40_000:
            raise SlackRefusal("msg_too_long")
        thread_ts = _ts_arg(args, "thread_ts")
        bot = BotIdentity.of(credential)
        ts = self._next_ts(channel["id"])
        message: dict[str, Any] = {
            "type": "message",
            "user": bot.user_id,
            "bot_id": bot.bot_id,
            "text": text or "",
            "ts": ts,
            "team": TEAM_ID,
        }
        if blocks:
            message["blocks"] = blocks
        if thread_ts is not None:
            message["thread_ts"] = thread_ts
        self.store.insert_messages(channel["id"], [message])
        return {"channel": channel["id"], "ts": ts, "message": message}

    def users_info(self, args: Mapping[str, Any], credential: str) -> dict[str, Any]:
        user_id = _text_arg(args, "user")
        if user_id is None:
            raise SlackRefusal("user_not_found")
        bot = BotIdentity.of(credential)
        if user_id == bot.user_id:
            return {"user": _bot_user(bot)}
        user = self.store.user(user_id)
        if user is None:
            raise SlackRefusal("user_not_found")
        return {"user": user}

    def auth_test(self, _args: Mapping[str, Any], credential: str) -> dict[str, Any]:
        bot = BotIdentity.of(credential)
        return {
            "url": f"https://{TEAM_DOMAIN}.slack.com/",
            "team": TEAM_NAME,
            "user": BOT_NAME,
            "team_id": TEAM_ID,
            "user_id": bot.user_id,
            "bot_id": bot.bot_id,
            "is_enterprise_install": False,
        }

    def auth_revoke(self, args: Mapping[str, Any], credential: str) -> dict[str, Any]:
        if _bool_arg(args, "test"):
            return {"revoked": False}
        self.store.revoke(credential, ts_of(self.clock()))
        return {"revoked": True}

    # ---- helpers -------------------------------------------------------------------------

    def _channel(self, args: Mapping[str, Any]) -> dict[str, Any]:
        name = _text_arg(args, "channel")
        channel = self.store.channel(name) if name is not None else None
        if channel is None:
            raise SlackRefusal("channel_not_found")
        return channel

    def _next_ts(self, channel_id: str) -> str:
        """Now as a ts, past the channel's newest message (two posts never share a ts)."""
        now = self.clock()
        ts = f"{int(now.timestamp()):010d}.{now.microsecond:06d}"
        latest = self.store.latest_ts(channel_id)
        if latest is not None and ts <= latest:
            seconds, micros = (int(part) for part in latest.split("."))
            micros += 1
            seconds, micros = seconds + micros // 1_000_000, micros % 1_000_000
            ts = f"{seconds:010d}.{micros:06d}"
        return ts


def _bot_user(bot: BotIdentity) -> dict[str, Any]:
    return {
        "id": bot.user_id,
        "team_id": TEAM_ID,
        "name": BOT_NAME,
        "deleted": False,
        "real_name": "Alloy TUI Sandbox",
        "profile": {
            "real_name": "Alloy TUI Sandbox",
            "display_name": BOT_NAME,
            "bot_id": bot.bot_id,
            "team": TEAM_ID,
        },
        "is_admin": False,
        "is_owner": False,
        "is_bot": True,
        "is_app_user": False,
        "updated": 1700000000,
    }


_Handler = Callable[[SlackEngine, Mapping[str, Any], str], dict[str, Any]]
_HANDLERS: Final[dict[str, _Handler]] = {
    "conversations_list": SlackEngine.conversations_list,
    "conversations_history": SlackEngine.conversations_history,
    "chat_postMessage": SlackEngine.chat_post_message,
    "users_info": SlackEngine.users_info,
    "auth_test": SlackEngine.auth_test,
    "auth_revoke": SlackEngine.auth_revoke,
}
