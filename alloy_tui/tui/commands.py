"""The app's own command palette entries (beside Textual's system commands)."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

from textual.command import DiscoveryHit, Hit, Hits, Matcher, Provider
from textual.content import Content

from alloy_tui.tui.app import AlloyApp


class AlloyCommands(Provider):
    """Switch connection, search, new page, open by link or id, connections, requests, theme."""

    def _commands(self) -> list[tuple[str, str, Callable[[], object]]]:
        app = self.app
        if not isinstance(app, AlloyApp):
            return []
        active = app.state.active_connection
        commands: list[tuple[str, str, Callable[[], object]]] = [
            ("Search pages and databases", "Find a page or database by title", app.action_search),
            (
                "New page",
                "Create a page in the workspace, a page or a database",
                app.action_new_page,
            ),
            (
                "Open by link or id",
                "Paste a notion.so link or an id to open it",
                app.action_open_by_text,
            ),
            ("Connections", "List, pick, connect and delete connections", app.action_connections),
            ("Connect Notion", "Connect a new Notion workspace through OAuth", app.action_connect),
            (
                "Requests (request inspector)",
                "Every Alloy call the app made: status, latency, bodies, copy as curl",
                app.open_requests,
            ),
            (
                "Action explorer",
                "Browse any connector's actions, fill one in and run it through a connection",
                app.action_explorer,
            ),
            (
                "Toggle light/dark theme",
                "Switch between textual-light and textual-dark",
                app.action_toggle_theme,
            ),
        ]
        # The screen the palette was opened over: a page in the trash can be restored.
        restore = getattr(self.screen, "action_restore", None)
        if getattr(self.screen, "trashed", False) and callable(restore):
            commands.insert(
                0,
                (
                    "Restore from the trash",
                    "Take this page out of Notion's trash (it is read-only until then)",
                    restore,
                ),
            )
        for connection in app.state.connections:
            if active is not None and connection.id == active.id:
                continue
            workspace = f" · {connection.workspace_name}" if connection.workspace_name else ""
            commands.append(
                (
                    f"Switch connection: {connection.name}",
                    f"Make {connection.name}{workspace} the active connection ({connection.id})",
                    partial(app.switch_connection, connection.id),
                )
            )
        return commands

    # Entries quote connection names, which are data: the palette parses a plain-string
    # prompt or help as markup, so prompts go in as Content and help is escaped.
    # (Help is typed `str`; textual.markup.escape mangles backslashes, hence `literal`.)
    async def discover(self) -> Hits:
        for name, help_text, callback in self._commands():
            yield DiscoveryHit(Content(name), callback, text=name, help=literal(help_text))

    async def search(self, query: str) -> Hits:
        matcher = self.matcher(query)
        for name, help_text, callback in self._commands():
            score = matcher.match(name)
            if score > 0:
                yield Hit(
                    score, highlight(matcher, name), callback, text=name, help=literal(help_text)
                )


def highlight(matcher: Matcher, candidate: str) -> Content:
    """`Matcher.highlight` without parsing the candidate as markup."""
    content = Content(candidate)
    score, offsets = matcher.fuzzy_search.match(matcher.query, candidate)
    if not score:
        return content
    for offset in offsets:
        if not candidate[offset].isspace():
            content = content.stylize(matcher.match_style, offset, offset + 1)
    return content


def literal(text: str) -> str:
    """Markup that Content.from_markup turns back into exactly `text`: every "[" escaped (a
    backslash is only special right before "[")."""
    return text.replace("[", "\\[")
