"""RequestsScreen: every Alloy call the app makes, live, with redacted details; a call copied as
curl, Python or TypeScript, replayed after editing, and the session exported as JSON Lines."""

from __future__ import annotations

import io
import json
from collections.abc import Callable, Mapping
from datetime import tzinfo
from pathlib import Path
from typing import Any, ClassVar
from urllib.parse import urlsplit

from rich.console import Console, Group, RenderableType
from rich.syntax import Syntax
from rich.text import Text
from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import Static

from alloy_tui.alloy.actions import ActionInfo, Replay, action_kind, replay_of
from alloy_tui.alloy.errors import AlloyError
from alloy_tui.alloy.requestlog import RequestEvent, RequestRecord
from alloy_tui.alloy.snippets import LANGUAGES, Language, export_jsonl, snippet
from alloy_tui.tui.modals.confirm import ConfirmModal, PromptModal
from alloy_tui.tui.modals.replay import ReplayModal
from alloy_tui.tui.screens import AlloyScreen
from alloy_tui.tui.widgets.rows_table import Cell, RowsTable

MAX_ROWS = 500
"""Rows kept in the view (the request log itself is a ring buffer of the same size)."""
MAX_BODY_LINES = 300
"""Lines of a pretty-printed body shown in the details pane; the rest is summarised."""
CURL_KEY_PLACEHOLDER = "$ALLOY_API_KEY"

CALL_WIDTH = 34
"""The Call column's width when the terminal has room; it narrows with the terminal."""
COLUMNS: tuple[tuple[str, str, int], ...] = (
    ("#", "id", 4),
    ("Time", "time", 8),
    ("Method", "method", 6),
    ("Call", "call", CALL_WIDTH),
    ("Connection", "connection", 10),
    ("Status", "status", 6),
    ("Latency", "latency", 8),
    ("Retries", "retries", 14),
)
MIN_CALL_WIDTH = 16
NARROW_BELOW = 100
"""Terminals narrower than this leave out Time and Connection (the details pane shows both)."""
NARROW_HIDDEN = frozenset({"time", "connection"})


def fitted_columns(total: int) -> tuple[int, frozenset[str]]:
    """The Call column's width and the columns left out, for a table `total` cells wide, so
    Latency and Retries stay in view (at 80 columns they were pushed off the right edge)."""
    hidden = NARROW_HIDDEN if total < NARROW_BELOW else frozenset()
    # Each column has one cell of padding on both sides; the vertical scrollbar takes two.
    others = sum(width + 2 for _, key, width in COLUMNS if key not in hidden and key != "call")
    spare = total - 2 - others - 2
    return max(MIN_CALL_WIDTH, min(CALL_WIDTH, spare)), hidden


def call_label(record: RequestRecord) -> str:
    """`connector · action` for an action, else the API path (connections, OAuth)."""
    if record.action:
        return f"{record.connector} · {record.action}" if record.connector else record.action
    path = urlsplit(record.url).path or record.url
    return path


StatusColors = Mapping[str, str]
"""Colour of each status class ("success", "accent", "warning", "error"): the theme's readable
`$alloy-*` colours (theme_colors.py), so a status reads at 4.5:1 in light themes too."""
PLAIN_COLORS: StatusColors = {
    "success": "green",
    "accent": "cyan",
    "warning": "yellow",
    "error": "red",
}


def status_text(record: RequestRecord, colors: StatusColors = PLAIN_COLORS) -> Text:
    """The HTTP status, colored by class; `…` in flight, `ERR` when no answer came back."""
    if not record.finished:
        return Text("…", style="dim")
    status = record.status
    if status is None:
        return Text("ERR", style=f"bold {colors['error']}")
    if status < 300:
        style = colors["success"]
    elif status < 400:
        style = colors["accent"]
    elif status == 429:
        style = f"bold {colors['warning']}"
    elif status < 500:
        style = colors["warning"]
    else:
        style = f"bold {colors['error']}"
    if record.error is not None and status < 400:
        style = f"bold {colors['error']}"  # a 200 that failed to parse, for example
    return Text(str(status), style=style)


def latency_text(record: RequestRecord) -> str:
    if record.latency_ms is None:
        return ""
    if record.latency_ms >= 1000:
        return f"{record.latency_ms / 1000:.1f} s"
    return f"{record.latency_ms:.0f} ms"


def retries_text(record: RequestRecord) -> str:
    """'2 retries · 1.5 s' when the client tried again or waited, else ''."""
    parts: list[str] = []
    retries = max(0, record.attempts - 1)
    if retries:
        parts.append(f"{retries} retr{'y' if retries == 1 else 'ies'}")
    if record.waited_s > 0:
        parts.append(f"waited {record.waited_s:.1f} s")
    return " · ".join(parts)


def pretty_body(body: Any, max_lines: int = MAX_BODY_LINES) -> tuple[str, bool, int]:
    """(text, is_json, lines left out): JSON indented, other text as it is, cut to max_lines."""
    is_json = isinstance(body, dict | list)
    text: str
    if is_json:
        text = json.dumps(body, indent=2, ensure_ascii=False)
    else:
        text = str(body)
        stripped = text.lstrip()
        if stripped[:1] in ("{", "["):
            try:
                text = json.dumps(json.loads(text), indent=2, ensure_ascii=False)
                is_json = True
            except ValueError:
                pass
    lines = text.splitlines()
    if len(lines) <= max_lines:
        return text, is_json, 0
    return "\n".join(lines[:max_lines]), is_json, len(lines) - max_lines


class RequestsScreen(AlloyScreen[None]):
    """The request inspector: the log's calls as a live table, the highlighted one below."""

    TITLE = "Requests"
    CSS_PATH = "requests.tcss"
    HELP = """\
Every call the app makes to Alloy, newest at the bottom, as it happens: when it started,
the method, the connector and action (or the API path), the connection, the HTTP status,
how long it took and whether the client retried or waited (rate limits, server errors).

The lower pane shows the highlighted call: its URL, the request and response bodies
(pretty-printed; long bodies are cut with a note) and the error, if any. Secrets are
hidden everywhere: the API key, OAuth codes and tokens never appear.

- **y** copies the highlighted call as a `curl` command (OSC 52), **p** as Python (`httpx`),
  **t** as TypeScript (`fetch`). The key is read from the environment (`$ALLOY_API_KEY`,
  `os.environ["ALLOY_API_KEY"]`, `process.env.ALLOY_API_KEY`), so export it before running.
  **Y**, **P** and **T** copy the same with your real key in it, after asking.
- **r** replays an action call: its path parameters, query, headers and body open in a JSON
  editor; **ctrl+r** there sends it again through the same connection.
- **s** exports every call of this session as JSON Lines (redacted) to a file you name.
- **e** shows only failed calls (press again for all); **c** clears this view (the log
  itself is kept: close and reopen to see everything again).
- **Enter** moves into the details pane to scroll it; **Esc** comes back, then leaves.
- **j/k**, **g/G** move in the table. **ctrl+l** or a click on the status bar's
  activity opens this screen from anywhere.
"""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="requests.back", tooltip="Back"),
        Binding(
            "y", "copy_curl", "Copy as curl", id="requests.copy", tooltip="Copy as curl (OSC 52)"
        ),
        Binding("p", "copy('httpx')", "Python", id="requests.copy_httpx", tooltip="Copy as httpx"),
        Binding(
            "t", "copy('fetch')", "TypeScript", id="requests.copy_fetch", tooltip="Copy as fetch"
        ),
        Binding(
            "Y",
            "copy_with_key('curl')",
            "curl with the key",
            show=False,
            id="requests.copy_curl_key",
            tooltip="Copy as curl with the real API key (asks first)",
        ),
        Binding(
            "P",
            "copy_with_key('httpx')",
            "Python with the key",
            show=False,
            id="requests.copy_httpx_key",
            tooltip="Copy as Python with the real API key (asks first)",
        ),
        Binding(
            "T",
            "copy_with_key('fetch')",
            "TypeScript with the key",
            show=False,
            id="requests.copy_fetch_key",
            tooltip="Copy as TypeScript with the real API key (asks first)",
        ),
        Binding("r", "replay", "Replay", id="requests.replay", tooltip="Edit and send again"),
        Binding("s", "export", "Export", id="requests.export", tooltip="Save the calls as JSONL"),
        Binding("e", "errors_only", "Errors only", id="requests.errors", tooltip="Failed only"),
        Binding("c", "clear", "Clear", id="requests.clear", tooltip="Clear this view"),
        Binding("enter", "details", "Details", id="requests.details", tooltip="Scroll the details"),
        Binding("j", "cursor_down", "Down", show=False, id="requests.down", tooltip="Next call"),
        Binding("k", "cursor_up", "Up", show=False, id="requests.up", tooltip="Previous call"),
        Binding("g", "cursor_first", "First", show=False, id="requests.first", tooltip="First"),
        Binding("G", "cursor_last", "Last", show=False, id="requests.last", tooltip="Last call"),
    ]

    def __init__(self, *, tz: tzinfo | None = None) -> None:
        super().__init__()
        self.tz = tz
        """Times are shown in this zone (None: the local one); fixed in snapshots."""
        self.errors_only = False
        self.cleared_after = 0
        """Calls with an id up to this one were cleared from the view."""
        self.records: dict[int, RequestRecord] = {}
        """The calls shown, by id (kept here too: the log may drop old ones)."""
        self.shown_id: int | None = None
        self._unsubscribe: Callable[[], None] | None = None
        self._colors: StatusColors = PLAIN_COLORS
        self._colors_theme: str | None = None

    def compose_body(self) -> ComposeResult:
        yield Static("Requests", classes="screen-title")
        yield Static("", id="requests-summary", classes="screen-hint", markup=False)
        yield Static("", id="requests-empty", classes="empty-state hidden", markup=False)
        table = RowsTable(id="requests-table", zebra_stripes=True)
        for label, key, width in COLUMNS:
            table.add_column(label, key=key, width=width)
        self._fit_columns(table, self.app.size.width)
        yield table
        with VerticalScroll(id="requests-details"):
            yield Static("", id="requests-detail-body")

    @property
    def status_colors(self) -> StatusColors:
        """The current theme's readable colours for the status column (cached per theme)."""
        theme = self.app.theme
        if self._colors_theme != theme:
            variables = self.app.get_css_variables()
            self._colors = {
                name: variables.get(f"alloy-{name}", PLAIN_COLORS[name]) for name in PLAIN_COLORS
            }
            self._colors_theme = theme
        return self._colors

    def _theme_changed(self, _theme: object) -> None:
        """Statuses are drawn in the theme's colours: draw them again in the new one."""
        table = self.table
        for record_id, record in self.records.items():
            key = str(record_id)
            if table.has_row(key):
                table.update_cell(key, "status", status_text(record, self.status_colors))
        self.show_record(self.highlighted())

    def on_resize(self, event: events.Resize) -> None:
        self._fit_columns(self.table, event.size.width)

    @staticmethod
    def _fit_columns(table: RowsTable, total: int) -> None:
        call_width, hidden = fitted_columns(total)
        table.set_column_width("call", call_width)
        for key in NARROW_HIDDEN:
            table.set_column_visible(key, key not in hidden)

    def on_mount(self) -> None:
        self.app.theme_changed_signal.subscribe(self, self._theme_changed)
        log = self.app.state.log
        self._unsubscribe = log.subscribe(self._on_request)
        self.query_one("#requests-details").border_title = "Details"
        self.rebuild()
        self.table.focus()

    def on_unmount(self) -> None:
        if self._unsubscribe is not None:
            self._unsubscribe()
            self._unsubscribe = None

    @property
    def table(self) -> RowsTable:
        return self.query_one("#requests-table", RowsTable)

    # ---- rows ------------------------------------------------------------------------

    def shows(self, record: RequestRecord) -> bool:
        if record.id <= self.cleared_after:
            return False
        return not self.errors_only or (record.finished and not record.ok)

    def rebuild(self) -> None:
        """Fill the table from the log (after a filter change or on open); cursor at the end."""
        table = self.table
        table.clear()
        self.records.clear()
        for record in self.app.state.log.records()[-MAX_ROWS:]:
            if self.shows(record):
                self._add_row(record)
        if table.row_count:
            table.move_cursor(row=table.row_count - 1, animate=False)
        self.show_record(self.highlighted())
        self._refresh_summary()

    def _cells(self, record: RequestRecord) -> list[Cell]:
        """One row: plain text (paths and actions are shown as they are), the status coloured."""
        when = record.started_at.astimezone(self.tz).strftime("%H:%M:%S")
        connection = record.connection_id or ""
        return [
            str(record.id),
            when,
            record.method,
            call_label(record),
            connection[:8],
            status_text(record, self.status_colors),
            latency_text(record),
            retries_text(record),
        ]

    def _add_row(self, record: RequestRecord) -> None:
        table = self.table
        self.records[record.id] = record
        table.add_row(*self._cells(record), key=str(record.id))
        while table.row_count > MAX_ROWS:
            oldest = min(self.records)
            del self.records[oldest]
            table.remove_row(str(oldest))

    def _update_row(self, record: RequestRecord) -> None:
        table = self.table
        key = str(record.id)
        for (_label, column, _width), value in zip(COLUMNS, self._cells(record), strict=True):
            table.update_cell(key, column, value)

    def _on_request(self, event: RequestEvent) -> None:
        """Log subscriber: a call started or finished somewhere in the app."""
        if not self.is_mounted:
            return
        record = event.record
        table = self.table
        following = table.row_count == 0 or table.cursor_row >= table.row_count - 1
        if record.id in self.records:
            if self.shows(record):
                self._update_row(record)
            else:
                del self.records[record.id]
                table.remove_row(str(record.id))
        elif self.shows(record):
            self._add_row(record)
            if following:
                table.move_cursor(row=table.row_count - 1, animate=False)
        if self.shown_id == record.id or self.shown_id is None:
            self.show_record(self.highlighted())
        self._refresh_summary()

    def highlighted(self) -> RequestRecord | None:
        key = self.table.cursor_key
        return self.records.get(int(key)) if key is not None else None

    def _refresh_summary(self) -> None:
        log = self.app.state.log
        shown = list(self.records.values())
        failed = sum(1 for r in shown if r.finished and not r.ok)
        parts = [f"{len(shown)} call{'' if len(shown) == 1 else 's'}"]
        if failed:
            parts.append(f"{failed} failed")
        if log.in_flight:
            parts.append(f"{log.in_flight} in flight")
        if self.errors_only:
            parts.append("showing failed calls only (e: all)")
        if self.cleared_after:
            parts.append("cleared: newer calls only")
        parts.append("y/p/t: copy as curl/Python/TypeScript · r: replay · s: export")
        self.query_one("#requests-summary", Static).update(" · ".join(parts))
        empty = self.query_one("#requests-empty", Static)
        if shown:
            empty.add_class("hidden")
            return
        if self.errors_only:
            empty.update("No failed calls. Press e to show every call.")
        elif self.cleared_after:
            empty.update("Cleared. New calls appear here as the app makes them.")
        else:
            empty.update("No calls yet. Every call the app makes to Alloy appears here live.")
        empty.remove_class("hidden")

    # ---- details ---------------------------------------------------------------------

    @on(RowsTable.RowHighlighted, "#requests-table")
    def _highlighted(self, event: RowsTable.RowHighlighted) -> None:
        event.stop()
        self.show_record(self.highlighted())

    @on(RowsTable.RowSelected, "#requests-table")
    def _selected(self, event: RowsTable.RowSelected) -> None:
        event.stop()
        self.action_details()

    def show_record(self, record: RequestRecord | None) -> None:
        self.shown_id = record.id if record is not None else None
        body = self.query_one("#requests-detail-body", Static)
        details = self.query_one("#requests-details", VerticalScroll)
        details.display = record is not None
        if record is None:
            body.update("")
            return
        details.border_title = f"Call #{record.id}"
        body.update(self.details(record))

    def _scrub(self, text: str) -> str:
        """Log records are redacted already; the key is masked once more on the way out."""
        scrubbed: str = self.app.state.log.redact(text)
        return scrubbed

    def details(self, record: RequestRecord) -> RenderableType:
        """The details pane's content for one call (everything redacted)."""
        head = Text()
        head.append(f"{record.method} ", style="bold")
        head.append_text(status_text(record, self.status_colors))
        facts = [latency_text(record)] if record.latency_ms is not None else ["in flight"]
        if record.attempts:
            facts.append(f"{record.attempts} attempt{'s' if record.attempts != 1 else ''}")
        if record.waited_s:
            facts.append(f"waited {record.waited_s:.1f} s")
        head.append("  " + " · ".join(facts), style="dim")
        parts: list[RenderableType] = [head, Text(self._scrub(record.url), style="underline")]
        meta = [
            f"started {record.started_at.astimezone(self.tz).strftime('%Y-%m-%d %H:%M:%S')}",
        ]
        if record.connector:
            meta.append(f"connector {record.connector}")
        if record.action:
            meta.append(f"action {record.action}")
        if record.connection_id:
            meta.append(f"connection {record.connection_id}")
        parts.append(Text(" · ".join(meta), style="dim"))
        if record.error is not None:
            parts.append(Text(self._scrub(record.error), style="bold red"))
        parts += self._body_parts("Request", record.request_body)
        if record.finished:
            parts += self._body_parts("Response", record.response_body)
        parts.append(
            Text(
                "\ny, p, t copy this call as curl, Python, TypeScript; the key is read from "
                f"{CURL_KEY_PLACEHOLDER}. r replays it after editing.",
                style="dim italic",
            )
        )
        return Group(*parts)

    def _body_parts(self, title: str, body: Any) -> list[RenderableType]:
        heading = Text(f"\n{title}", style="bold")
        if body is None or body == "":
            return [heading, Text("(no body)", style="dim")]
        text, is_json, left_out = pretty_body(body)
        text = self._scrub(text)
        parts: list[RenderableType] = [heading]
        if is_json:
            # Token colors only: the pane's own background shows through.
            theme = "ansi_dark" if self.app.current_theme.dark else "ansi_light"
            highlighted = Syntax(text, "json", theme=theme).highlight(text)
            highlighted.rstrip()
            parts.append(highlighted)
        else:
            parts.append(Text(text))
        if left_out:
            parts.append(
                Text(
                    f"… {left_out} more line{'s' if left_out != 1 else ''} not shown "
                    "(y copies the request as curl to see it all).",
                    style="dim italic",
                )
            )
        return parts

    def details_text(self) -> str:
        """The details pane as plain text (what a test or a screen reader sees)."""
        record = self.records.get(self.shown_id) if self.shown_id is not None else None
        if record is None:
            return ""
        width = max(40, self.query_one("#requests-details").size.width or 80)
        console = Console(width=width, no_color=True, record=True, file=io.StringIO())
        console.print(self.details(record))
        return console.export_text()

    # ---- actions ---------------------------------------------------------------------

    def curl_for(self, record: RequestRecord) -> str:
        """Copy-as-curl text: redacted by the log, and the key never in it."""
        return self.snippet_for(record, "curl")

    def snippet_for(self, record: RequestRecord, language: Language) -> str:
        """A snippet to copy: redacted by the log, the key read from the environment."""
        return self._scrub(snippet(record, language))

    def action_copy_curl(self) -> None:
        self.action_copy("curl")

    def action_copy(self, language: Language) -> None:
        record = self.highlighted()
        if record is None:
            self.notify("No call to copy.", severity="warning", timeout=3)
            return
        self.app.copy_to_clipboard(self.snippet_for(record, language))
        self.notify(
            f"Copied call #{record.id} as {LANGUAGES[language]}. "
            "Export ALLOY_API_KEY before running it.",
            timeout=4,
        )

    def action_copy_with_key(self, language: Language) -> None:
        """Y/P/T: the snippet with the real key in it, only once the user says so. The log's
        records are redacted already, so the key is the only secret the snippet holds."""
        record = self.highlighted()
        if record is None:
            self.notify("No call to copy.", severity="warning", timeout=3)
            return

        def answered(confirmed: bool | None) -> None:
            if not confirmed:
                return
            key = self.app.state.settings.api_key
            self.app.copy_to_clipboard(snippet(record, language, key=key))
            self.notify(
                f"Copied call #{record.id} as {LANGUAGES[language]} with your API key in it. "
                "Do not share or commit it.",
                severity="warning",
                timeout=6,
            )

        self.app.push_screen(
            ConfirmModal(
                "Copy with your real API key?",
                f"The {LANGUAGES[language]} snippet of call #{record.id} will hold your API key "
                "in plain text: anyone who sees your clipboard, a paste or your shell history "
                "can use it. Other secrets stay hidden.",
                confirm="Copy with key",
                cancel="Keep it hidden",
                danger=True,
            ),
            answered,
        )

    def action_replay(self) -> None:
        """r: the highlighted action call's inputs in the JSON editor, sent again on ctrl+r."""
        record = self.highlighted()
        if record is None:
            self.notify("No call to replay.", severity="warning", timeout=3)
            return
        replay = replay_of(record)
        if isinstance(replay, str):
            self.notify(replay, title="Replay", severity="warning", timeout=8, markup=False)
            return

        def answered(inputs: dict[str, Any] | None) -> None:
            if inputs is not None:
                self.send_replay(replay, inputs, record.id)

        self.app.push_screen(ReplayModal(replay, record.id), answered)

    @work(exclusive=True, group="requests-replay")
    async def send_replay(self, replay: Replay, inputs: dict[str, Any], source_id: int) -> None:
        """Send the edited call through its connection; its row appears like any other and the
        cursor moves to it."""
        log = self.app.state.log
        before = max((r.id for r in log.records()), default=0)
        # The catalog is not asked (that would be a call of its own): Notion's actions are
        # known, any other is a create, never resent once it may have arrived.
        kind = action_kind(replay.connector, ActionInfo(id=replay.action, name=replay.action))
        failure: str | None = None
        try:
            await self.app.state.client.execute(
                replay.connector,
                replay.action,
                connection_id=replay.connection_id,
                kind=kind,
                path_params=inputs.get("pathParams") or None,
                query=inputs.get("queryParameters") or None,
                body=inputs.get("requestBody"),
                headers=inputs.get("additionalHeaders") or None,
            )
        except AlloyError as error:
            failure = f"{error.sentence} {error.remedy}".strip()
        sent = next((r for r in log.records() if r.id > before and r.action == replay.action), None)
        if sent is not None and self.table.has_row(str(sent.id)):
            self.table.move_cursor(row=self.table.get_row_index(str(sent.id)), animate=False)
        name = f"#{sent.id}" if sent is not None else "a new call"
        if failure is not None:
            self.notify(
                self._scrub(f"Replayed call #{source_id} as {name}: {failure}"),
                title="Replay",
                severity="error",
                timeout=10,
                markup=False,
            )
        else:
            status = sent.status if sent is not None else "OK"
            self.notify(f"Replayed call #{source_id} as {name}: {status}.", timeout=4)

    def default_export_path(self) -> Path:
        stamp = self.app.state.now().astimezone(self.tz).strftime("%Y%m%d-%H%M%S")
        return self.app.state.settings.data_dir / "requests" / f"requests-{stamp}.jsonl"

    def action_export(self) -> None:
        """s: every call of the session (the log, not only this view) as redacted JSON Lines."""
        count = len(self.app.state.log)
        if not count:
            self.notify("No calls to export yet.", severity="warning", timeout=3)
            return

        def answered(text: str | None) -> None:
            if text:
                self.export_to(Path(text))

        self.app.push_screen(
            PromptModal(
                "Export the session's calls",
                f"{count} call{'s' if count != 1 else ''} as JSON Lines, one a line, with the "
                "API key, OAuth codes and tokens hidden. Write them to:",
                value=str(self.default_export_path()),
                confirm="Export",
            ),
            answered,
        )

    def export_to(self, path: Path) -> Path | None:
        """Write the export to `path` (a folder gets the default file name); says where it went
        or why it could not. Returns the file written."""
        path = path.expanduser()
        if not path.is_absolute():
            path = Path.cwd() / path
        if path.is_dir():
            path = path / self.default_export_path().name
        log = self.app.state.log
        try:
            count = export_jsonl(log.records(), log, path)
        except FileExistsError:
            self.notify(
                f"{path} already exists; nothing was written.\nPress s again and give a new "
                "file name.",
                title="Export",
                severity="error",
                timeout=10,
                markup=False,
            )
            return None
        except OSError as error:
            self.notify(
                f"Could not write {path}: {error.strerror or error}.\nPress s again and pick a "
                "folder you can write to.",
                title="Export",
                severity="error",
                timeout=10,
                markup=False,
            )
            return None
        self.notify(
            f"Exported {count} call{'s' if count != 1 else ''} to {path}",
            title="Export",
            timeout=8,
            markup=False,
        )
        return path

    def action_errors_only(self) -> None:
        self.errors_only = not self.errors_only
        self.rebuild()

    def action_clear(self) -> None:
        log = self.app.state.log
        records = log.records()
        self.cleared_after = max((r.id for r in records), default=self.cleared_after)
        self.rebuild()

    def action_details(self) -> None:
        if self.shown_id is not None:
            self.query_one("#requests-details", VerticalScroll).focus()

    def action_back(self) -> None:
        details = self.query_one("#requests-details", VerticalScroll)
        if details.has_focus:
            self.table.focus()
            return
        self.dismiss()

    def action_cursor_down(self) -> None:
        self.table.action_cursor_down()

    def action_cursor_up(self) -> None:
        self.table.action_cursor_up()

    def action_cursor_first(self) -> None:
        if self.table.row_count:
            self.table.move_cursor(row=0)

    def action_cursor_last(self) -> None:
        if self.table.row_count:
            self.table.move_cursor(row=self.table.row_count - 1)
