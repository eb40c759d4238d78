"""The shell commands' argparse definitions (cheap to build: nothing heavy is imported here)."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any, Final

AddGlobals = Callable[[argparse.ArgumentParser], None]
"""Adds the global settings flags (--api-key, --connection, --sandbox...) to a parser."""

COMMANDS: Final = frozenset({"search", "page", "db", "actions", "call"})
"""Commands handled by `alloy_tui.commands.run` (plus `connections`, listed with the others)."""


def _positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return value


def _leaf(
    group: Any, name: str, add_globals: AddGlobals, help_text: str, **kw: Any
) -> argparse.ArgumentParser:
    parser: argparse.ArgumentParser = group.add_parser(name, help=help_text, **kw)
    add_globals(parser)
    return parser


def add_commands(commands: Any, add_globals: AddGlobals) -> None:
    """Add search, page, db, actions and call to the top-level subparsers."""
    search = _leaf(
        commands, "search", add_globals, "search page and database titles (every page of results)"
    )
    search.add_argument("query", nargs="?", default="", help="words in the title ('' = all)")
    search.add_argument("--kind", choices=("page", "database"), help="only pages or databases")
    search.add_argument("--limit", type=_positive_int, metavar="N", help="at most N results")
    search.add_argument("--json", action="store_true", help="print a JSON array")

    page = commands.add_parser("page", help="read, export, import or create a page")
    pages = page.add_subparsers(dest="page_command", metavar="PAGE_COMMAND", required=True)
    get = _leaf(pages, "get", add_globals, "a page's title, parent and properties")
    get.add_argument("page", metavar="ID_OR_URL")
    get.add_argument("--json", action="store_true", help="print Notion's page object")
    export = _leaf(pages, "export", add_globals, "a page's body as the editor's Markdown")
    export.add_argument("page", metavar="ID_OR_URL")
    export.add_argument("-o", "--output", metavar="FILE.md", help="write here, not to stdout")
    imp = _leaf(
        pages,
        "import",
        add_globals,
        "make a page's body match a Markdown file, with the fewest block changes",
    )
    imp.add_argument("page", metavar="ID_OR_URL")
    imp.add_argument("file", metavar="FILE.md", help="the Markdown ('-' reads stdin)")
    imp.add_argument("--dry-run", action="store_true", help="show the plan; change nothing")
    imp.add_argument(
        "--force", action="store_true", help="apply even if the body changed since the export"
    )
    imp.add_argument("--json", action="store_true", help="print the plan and result as JSON")
    create = _leaf(pages, "create", add_globals, "create a page from a Markdown file")
    create.add_argument("file", metavar="FILE.md", help="the Markdown ('-' reads stdin)")
    create.add_argument(
        "--parent", required=True, metavar="ID_OR_URL", help="a page, database or data source"
    )
    create.add_argument("--title", help="the title (default: the file's first `# ` heading)")
    create.add_argument("--json", action="store_true", help="print the new page as JSON")

    db = commands.add_parser("db", help="query a database")
    dbs = db.add_subparsers(dest="db_command", metavar="DB_COMMAND", required=True)
    query = _leaf(dbs, "query", add_globals, "every row of a database (all pages)")
    query.add_argument("database", metavar="ID_OR_URL", help="a database or data source")
    query.add_argument("--filter", metavar="JSON", help="a Notion filter object")
    query.add_argument(
        "--sort",
        action="append",
        default=[],
        metavar="PROP[:desc]",
        help="sort by a property (or created_time/last_edited_time); repeatable",
    )
    query.add_argument(
        "--source", metavar="NAME_OR_ID", help="the data source of a multi-source database"
    )
    shape = query.add_mutually_exclusive_group()
    shape.add_argument("--json", action="store_true", help="print a JSON array of the rows")
    shape.add_argument(
        "--jsonl", action="store_true", help="stream one JSON row a line as pages arrive"
    )

    actions = _leaf(commands, "actions", add_globals, "list a connector's actions")
    actions.add_argument("connector", help="e.g. notion")
    actions.add_argument("--json", action="store_true", help="print the catalog as JSON")

    call = _leaf(
        commands,
        "call",
        add_globals,
        "run any action of a connector through the connection (--connection ID)",
    )
    call.add_argument("connector", help="e.g. notion")
    call.add_argument("action", help="the action id (see `alloy-tui actions CONNECTOR`)")
    call.add_argument(
        "--path", action="append", default=[], metavar="k=v", help="a path parameter; repeatable"
    )
    call.add_argument(
        "--query", action="append", default=[], metavar="k=v", help="a query parameter; repeatable"
    )
    call.add_argument("--body", metavar="JSON|@FILE", help="the request body ('@-' reads stdin)")
    call.add_argument("--json", action="store_true", help="print the answer's JSON as is")


def add_connection_options(connections: argparse.ArgumentParser) -> None:
    connections.add_argument(
        "--check",
        action="store_true",
        help="check each connection with a cheap call; exit non-zero if the active one fails",
    )


__all__ = ["COMMANDS", "add_commands", "add_connection_options"]
