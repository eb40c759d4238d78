"""`alloy-tui actions` and `alloy-tui call`: any connector's action catalog, and any action run
through a connection of its connector (`--connection ID`, else the active or the only one), its
answer printed and a connector's error answer turned into an exit code."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Mapping
from typing import Any, Final

from alloy_tui.alloy.notion_api import ACTION_KINDS, CONNECTOR_ID, DATA_SOURCES_VERSION
from alloy_tui.alloy.retry import ActionKind
from alloy_tui.commands.call_support import choose_connection, connector_error
from alloy_tui.commands.common import EXIT_OK, CommandError, Context, read_text_file
from alloy_tui.notion.models import object_title

_KIND_BY_METHOD: Final = {
    "GET": ActionKind.READ,
    "HEAD": ActionKind.READ,
    "PATCH": ActionKind.WRITE,
    "PUT": ActionKind.WRITE,
    "DELETE": ActionKind.WRITE,
}
"""POST (or anything unknown) is a CREATE: never resent once it may have reached the server."""


async def run_actions(ns: argparse.Namespace, ctx: Context) -> int:
    actions = await ctx.client.list_actions(ns.connector)
    if ns.json:
        ctx.out.json(actions)
        return EXIT_OK
    ctx.out.table(
        ("ACTION", "METHOD", "PATH", "NAME"),
        [
            (
                str(action.get("id")),
                str(action.get("httpMethod") or action.get("method") or ""),
                str(action.get("path") or ""),
                str(action.get("displayName") or action.get("name") or ""),
            )
            for action in actions
        ],
    )
    return EXIT_OK


def parse_pairs(items: list[str], flag: str) -> dict[str, str]:
    pairs: dict[str, str] = {}
    for item in items:
        key, sep, value = item.partition("=")
        if not sep or not key.strip():
            raise CommandError(
                f"{flag} {item!r} is not a name=value pair.", f"Write it as {flag} name=value."
            )
        pairs[key.strip()] = value
    return pairs


def parse_body(text: str | None) -> Any:
    """The --body value: JSON text, or @FILE (@- is stdin) holding JSON."""
    if text is None:
        return None
    source = "--body"
    if text.startswith("@"):
        source = f"the body file {text[1:]}"
        text = read_text_file(text[1:], "body file")
    try:
        return json.loads(text)
    except ValueError as error:
        raise CommandError(
            f"{source} is not valid JSON: {error}.", "Give a JSON value, or @FILE holding one."
        ) from None


def action_kind(connector: str, action: Mapping[str, Any]) -> ActionKind:
    """What the action does, which decides whether a failed call may be resent."""
    action_id = str(action.get("id") or "")
    if connector == CONNECTOR_ID and action_id in ACTION_KINDS:
        return ACTION_KINDS[action_id]  # Notion's POST reads (search, query) are reads
    method = str(action.get("httpMethod") or action.get("method") or "").upper()
    return _KIND_BY_METHOD.get(method, ActionKind.CREATE)


def _missing_path_params(action: Mapping[str, Any], given: Mapping[str, str]) -> list[str]:
    missing: list[str] = []
    for parameter in action.get("parameters") or []:
        if (
            isinstance(parameter, Mapping)
            and parameter.get("in") == "path"
            and parameter.get("required", True)
            and str(parameter.get("name")) not in given
        ):
            missing.append(str(parameter.get("name")))
    return missing


async def run_call(ns: argparse.Namespace, ctx: Context) -> int:
    path = parse_pairs(ns.path, "--path")
    query = parse_pairs(ns.query, "--query")
    body = parse_body(ns.body)
    action = await ctx.client.get_action(ns.connector, ns.action)
    action_id = str(action.get("id") or ns.action)
    missing = _missing_path_params(action, path)
    if missing:
        needed = " ".join(f"--path {name}=VALUE" for name in missing)
        raise CommandError(
            f"The action {action_id} needs the path parameter{'s' if len(missing) > 1 else ''} "
            f"{', '.join(missing)}.",
            f"Add {needed}.",
        )
    connection_id = await choose_connection(ctx, ns.connector, getattr(ns, "connection", None))
    headers: dict[str, str] | None = None
    if ns.connector == CONNECTOR_ID:
        version = DATA_SOURCES_VERSION if "data-source" in action_id else None
        headers = {"Notion-Version": version or ctx.settings.notion_version}
    answer = await ctx.client.execute(
        ns.connector,
        action_id,
        connection_id=connection_id,
        kind=action_kind(ns.connector, action),
        path_params=path or None,
        body=body,
        query=query or None,
        headers=headers,
    )
    if ns.json:
        ctx.out.json(answer)
    else:
        _print_answer(ctx, answer)
    refused = connector_error(ns.connector, answer)
    if refused is None:
        return EXIT_OK
    exit_code, sentence, remedy = refused
    print(f"error: {sentence}\n{remedy}", file=sys.stderr)
    return exit_code


def _print_answer(ctx: Context, answer: Any) -> None:
    """A Notion object or list as lines; anything else as indented JSON."""
    if isinstance(answer, Mapping) and answer.get("object") == "list":
        results = [r for r in answer.get("results") or [] if isinstance(r, Mapping)]
        ctx.out.table(
            ("OBJECT", "ID", "TITLE"),
            [(str(r.get("object")), str(r.get("id")), _title(r)) for r in results],
        )
        if answer.get("has_more") and answer.get("next_cursor"):
            ctx.out.line(f"(more: --body or --query start_cursor={answer['next_cursor']})")
        return
    if isinstance(answer, Mapping) and isinstance(answer.get("object"), str) and "id" in answer:
        ctx.out.table(
            ("OBJECT", "ID", "TITLE"), [(answer["object"], str(answer["id"]), _title(answer))]
        )
        if answer.get("url"):
            ctx.out.line(str(answer["url"]))
        return
    ctx.out.json(answer)


def _title(obj: Mapping[str, Any]) -> str:
    if obj.get("object") in ("page", "database", "data_source"):
        return object_title(obj)
    name = obj.get("name") or obj.get("type") or ""
    return str(name)


__all__ = ["action_kind", "parse_body", "parse_pairs", "run_actions", "run_call"]
