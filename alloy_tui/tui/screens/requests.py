"""RequestsScreen: every Alloy call the app makes, live, with redacted details and copy-as-curl."""

from __future__ import annotations

import io
import json
from collections.abc import Callable
from datetime import tzinfo
from typing import Any, ClassVar
from urllib.parse import urlsplit

from rich.console import Console, Group, RenderableType
from rich.syntax import Syntax
from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.widgets import Static

from alloy_tui.alloy.requestlog import RequestEvent, RequestRecord, to_curl
from alloy_tui.tui.screens import AlloyScreen
from alloy_tui.tui.widgets.rows_table import Cell, RowsTable

MAX_ROWS = 500
"""Rows kept in the view (the request log itself is a ring buffer of the same size)."""
MAX_BODY_LINES = 300
"""Lines of a pretty-printed body shown in the details pane; the rest is summarised."""
CURL_KEY_PLACEHOLDER = "$ALLOY_API_KEY"

COLUMNS: tuple[tuple[str, str, int | None], ...] = (
    ("#", "id", 4),
    ("Time", "time", 8),
    ("Method", "method", 6),
    ("Call", "call", 34),
    ("Connection", "connection", 10),
    ("Status", "status", 6),
    ("Latency", "latency", 8),
    ("Retries", "retries", 14),
)


def call_label(record: RequestRecord) -> str:
    """`connector · action` for an action, else the API path (connections, OAuth)."""
    if record.action:
        return f"{record.connector} · {record.action}" if record.connector else record.action
    path = urlsplit(record.url).path or record.url
    return path


def status_text(record: RequestRecord) -> Text:
    """The HTTP status, colored by class; `…` in flight, `ERR` when no answer came back."""
    if not record.finished:
        return Text("…", style="dim")
    status = record.status
    if status is None:
        return Text("ERR", style="bold red")
    if status < 300:
        style = "green"
    elif status < 400:
        style = "cyan"
    elif status == 429:
        style = "bold yellow"
    elif status < 500:
        style = "yellow"
    else:
        style = "bold red"
    if record.error is not None and status < 400:
        style = "bold red"  # a 200 that failed to parse, for example
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

- **y** copies the highlighted call as a `curl` command (OSC 52). The key is written as
  `$ALLOY_API_KEY`, so export it in your shell before pasting.
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

    def compose_body(self) -> ComposeResult:
        yield Static("Requests", classes="screen-title")
        yield Static("", id="requests-summary", classes="screen-hint", markup=False)
        yield Static("", id="requests-empty", classes="empty-state hidden", markup=False)
        table = RowsTable(id="requests-table", zebra_stripes=True)
        for label, key, width in COLUMNS:
            table.add_column(label, key=key, width=width)
        yield table
        with VerticalScroll(id="requests-details"):
            yield Static("", id="requests-detail-body")

    def on_mount(self) -> None:
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
            status_text(record),
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
        parts.append("y: copy as curl · e: errors only · c: clear")
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
        head.append_text(status_text(record))
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
                f"\ny copies this call as curl; the key is written as {CURL_KEY_PLACEHOLDER}.",
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
        return self._scrub(to_curl(record))

    def action_copy_curl(self) -> None:
        record = self.highlighted()
        if record is None:
            self.notify("No call to copy.", severity="warning", timeout=3)
            return
        self.app.copy_to_clipboard(self.curl_for(record))
        self.notify(
            f"Copied call #{record.id} as curl. Export ALLOY_API_KEY before running it.",
            timeout=4,
        )

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
