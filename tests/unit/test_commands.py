"""The shell commands' pure parts: exit codes by error, titles from Markdown, sorts, pairs."""

from __future__ import annotations

import io

import pytest

from alloy_tui.alloy.body_sync import PartialApplyError
from alloy_tui.alloy.errors import (
    ActionNotFoundError,
    AlloyError,
    AuthError,
    CannotReachError,
    ConflictError,
    ConnectionNotFoundError,
    ForbiddenError,
    NotFoundError,
    NotSharedError,
    OAuthError,
    ProtocolError,
    RateLimitedError,
    ServerError,
    TimedOutError,
    ValidationError,
)
from alloy_tui.alloy.retry import ActionKind
from alloy_tui.alloy.secret import Secret
from alloy_tui.commands.call import action_kind, parse_body, parse_pairs
from alloy_tui.commands.common import CommandError, exit_code_for
from alloy_tui.commands.db import parse_sorts
from alloy_tui.commands.output import Output
from alloy_tui.commands.page import split_title
from alloy_tui.config import ConfigError
from alloy_tui.notion.bodyplan import DeleteBlock
from alloy_tui.notion.richtext import plain_text


@pytest.mark.parametrize(
    ("error", "code"),
    [
        (ConfigError("bad", "fix"), 2),
        (CommandError("bad"), 2),
        (AuthError(), 3),
        (ForbiddenError(), 3),
        (ConnectionNotFoundError(), 3),
        (OAuthError(), 3),
        (NotFoundError(), 4),
        (ActionNotFoundError(), 4),
        (NotSharedError(), 4),
        (RateLimitedError(), 5),
        (CannotReachError(), 6),
        (TimedOutError(), 6),
        (ValidationError(), 1),
        (ConflictError(), 1),
        (ServerError(), 1),
        (ProtocolError(), 1),
        (AlloyError(), 1),
        (KeyboardInterrupt(), 130),
    ],
    ids=lambda value: type(value).__name__ if isinstance(value, BaseException) else str(value),
)
def test_exit_codes_by_error(error: BaseException, code: int) -> None:
    assert exit_code_for(error) == code


def test_a_partly_applied_plan_exits_with_its_cause() -> None:
    op = DeleteBlock("b1", {"type": "paragraph", "paragraph": {"rich_text": []}})
    partial = PartialApplyError(
        RateLimitedError(),
        applied=[],
        failed=op,
        not_applied=[],
        failed_may_be_applied=False,
        created_ids=[],
    )
    assert exit_code_for(partial) == 5


def test_the_title_is_the_first_heading_outside_code() -> None:
    title, body = split_title("```md\n# not this\n```\n\n# The *title*\n\nText.\n")
    assert title is not None and plain_text(title) == "The title"
    assert title[1]["annotations"]["italic"] is True
    assert body == "```md\n# not this\n```\n\nText.\n"
    assert split_title("No heading.\n## Second level\n") == (None, "No heading.\n## Second level\n")
    title, body = split_title("~~~\n# fenced\n~~~\n# Real\n")
    assert title is not None and plain_text(title) == "Real" and body == "~~~\n# fenced\n~~~"


def test_sorts_name_properties_or_timestamps() -> None:
    schema: dict[str, object] = {"Name": {}, "Due": {}, "a:b": {}}
    assert parse_sorts([], schema) is None
    assert parse_sorts(["Due:desc", "Name", "last_edited_time:asc", "a:b"], schema) == [
        {"property": "Due", "direction": "descending"},
        {"property": "Name", "direction": "ascending"},
        {"timestamp": "last_edited_time", "direction": "ascending"},
        {"property": "a:b", "direction": "ascending"},
    ]
    with pytest.raises(CommandError, match="there is no such property"):
        parse_sorts(["Colour"], schema)
    with pytest.raises(CommandError, match="names no property"):
        parse_sorts([":desc"], schema)
    # Unknown schema: the name is passed on for Notion to judge.
    assert parse_sorts(["Anything:DESC"], None) == [
        {"property": "Anything", "direction": "descending"}
    ]


def test_pairs_and_bodies() -> None:
    assert parse_pairs(["a=1", "b==2", " c =x"], "--query") == {"a": "1", "b": "=2", "c": "x"}
    with pytest.raises(CommandError, match="is not a name=value pair"):
        parse_pairs(["novalue"], "--path")
    assert parse_body(None) is None
    assert parse_body('{"a": [1]}') == {"a": [1]}
    with pytest.raises(CommandError, match="--body is not valid JSON"):
        parse_body("{a}")


def test_action_kinds_decide_what_may_be_resent() -> None:
    assert action_kind("notion", {"id": "post-search", "httpMethod": "POST"}) is ActionKind.READ
    assert action_kind("notion", {"id": "post-page", "httpMethod": "POST"}) is ActionKind.CREATE
    assert action_kind("slack", {"id": "x", "httpMethod": "GET"}) is ActionKind.READ
    assert action_kind("slack", {"id": "x", "httpMethod": "DELETE"}) is ActionKind.WRITE
    assert action_kind("slack", {"id": "x", "httpMethod": "POST"}) is ActionKind.CREATE
    assert action_kind("slack", {"id": "x"}) is ActionKind.CREATE


def test_output_hides_the_key_in_text_and_in_json() -> None:
    stream = io.StringIO()
    out = Output(stream, (Secret("sk_live_abc\\def"),))
    out.line("key sk_live_abc\\def here")
    out.json({"text": "sk_live_abc\\def", "list": ["xsk_live_abc\\defx"]})
    out.json_line(["sk_live_abc\\def"])
    assert "sk_live_abc" not in stream.getvalue()
    assert stream.getvalue().count("[REDACTED]") == 4
