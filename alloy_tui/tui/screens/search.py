"""The Search screen: find pages and databases by title, stream results in as the user scrolls."""

from __future__ import annotations

import sys
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, ClassVar, Literal, NamedTuple

from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal
from textual.timer import Timer
from textual.widgets import Input, Label, Select, Static

from alloy_tui.alloy.errors import AlloyError, ConnectionNotFoundError, NotFoundError
from alloy_tui.alloy.models import ResultPage
from alloy_tui.notion.models import is_trashed, object_icon, object_title, relative_time
from alloy_tui.tui.messages import ConnectionsChanged
from alloy_tui.tui.screens import AlloyScreen
from alloy_tui.tui.widgets.rows_table import RowsTable

FilterKind = Literal["all", "page", "database"]
FILTERS: tuple[tuple[str, FilterKind], ...] = (
    ("All", "all"),
    ("Pages", "page"),
    ("Databases", "database"),
)
DEBOUNCE_SECONDS = 0.25
PAGE_SIZE = 100
LOAD_AHEAD_ROWS = 20
"""Fetch the next page when the cursor comes this close to the last loaded row."""
UNRESOLVED_PARENT = "…"
TITLE_WIDTH, KIND_WIDTH, PARENT_WIDTH, EDITED_WIDTH = 52, 11, 30, 14
"""Column widths in a wide terminal; title and parent give up room in a narrow one."""
MIN_TITLE_WIDTH, MIN_PARENT_WIDTH = 16, 10


@dataclass(frozen=True)
class SearchQuery:
    """What the user asked for: the text, the kind filter and the sort direction."""

    text: str
    kind: FilterKind
    descending: bool

    @property
    def filter_object(self) -> Literal["page", "database"] | None:
        return None if self.kind == "all" else self.kind


class Found(NamedTuple):
    """What opening a result needs, kept instead of the whole object: 50,000 results kept as
    Notion objects cost kilobytes each."""

    kind: str
    database_id: str | None = None
    """A data source's database (it opens as that database's table)."""


_FOUND_SHARED = {kind: Found(kind) for kind in ("page", "database")}


def found(obj: Mapping[str, Any]) -> Found:
    kind = str(obj.get("object"))
    if kind in _FOUND_SHARED:
        return _FOUND_SHARED[kind]
    parent = obj.get("parent")
    database_id = parent.get("database_id") if isinstance(parent, Mapping) else None
    return Found(kind, database_id if isinstance(database_id, str) else None)


@dataclass
class _Results:
    """The results loaded so far for one query, and where the next page starts."""

    query: SearchQuery
    generation: int
    objects: dict[str, Found]
    next_cursor: str | None = None
    has_more: bool = False
    loading: bool = False
    failed: bool = False
    seen_cursors: set[str] = field(default_factory=set)
    """Every cursor already asked for: a server that hands one back again would be polled
    forever, since each page asks for the next one while the window is not full."""
    cut_short: bool = False
    """The server said there was more but repeated itself, so the list ends here."""

    def follow(self, page: ResultPage, added: int) -> None:
        """Take the next cursor of `page` (which added `added` new rows), unless following it
        could only loop: a cursor already seen, or a page with nothing new."""
        cursor = page.next_cursor
        if not page.has_more or cursor is None:
            self.next_cursor, self.has_more = None, False
            return
        if cursor in self.seen_cursors or added == 0:
            self.next_cursor, self.has_more, self.cut_short = None, False, True
            return
        self.seen_cursors.add(cursor)
        self.next_cursor, self.has_more = cursor, True


class SearchScreen(AlloyScreen[None]):
    """Type to search titles; Enter opens a page in the editor, a database (or one of its data
    sources) as a table."""

    TITLE = "Search"
    CSS_PATH = "search.tcss"
    HELP = """\
Search the titles of every page and database shared with the active connection.

- Type to search: the request goes out a quarter of a second after you stop typing,
  and a newer query cancels the older one. An empty query lists everything.
- **Down** or **Tab** moves into the results; **Enter** opens a page in the editor or a
  database as a table. With Notion-Version 2025-09-03 a database is found as its data sources
  (kind "data source", the database in the parent column): Enter shows that source's rows.
- **f** cycles the filter (all, pages, databases); **o** flips the sort by last edit. While
  you type in the search field, **Ctrl+F** and **Ctrl+O** do the same.
- Results arrive a page at a time as you scroll.
- **/** goes back to the search field; **Esc** goes back to the connections.

Nothing found? Notion only shows what is shared with the integration: in Notion, open the
page's ••• menu → Connections and add the integration.
"""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="search.back", tooltip="Back to connections"),
        Binding("slash", "focus_input", "Search", id="search.focus", tooltip="Type a query"),
        # The ctrl+ keys also work while typing in the search field (which takes the letters).
        Binding(
            "f,ctrl+f", "cycle_filter", "Filter", id="search.filter", tooltip="All/pages/databases"
        ),
        Binding("o,ctrl+o", "toggle_sort", "Sort", id="search.sort", tooltip="Newest or oldest"),
        Binding("n", "app.new_page", "New page", id="search.new", tooltip="Create a page"),
        Binding("down", "results", "Results", show=False, id="search.results"),
        Binding("j", "cursor_down", "Down", show=False, id="search.down"),
        Binding("G", "cursor_last", "Last", show=False, id="search.last"),
        Binding("g", "cursor_first", "First", show=False, id="search.first"),
        Binding("k", "cursor_up", "Up", show=False, id="search.up"),
    ]

    def __init__(self, query: str = "") -> None:
        super().__init__()
        self.initial_query = query
        self.kind: FilterKind = "all"
        self.descending = True
        self._generation = 0
        self._debounce: Timer | None = None
        self._results: _Results | None = None
        self._pending_parents: dict[str, list[str]] = {}
        """Parent key -> ids of the rows waiting for its title."""
        self._parents_of: dict[str, Mapping[str, Any]] = {}
        self._opened_page: str | None = None
        """The page opened from this list: its row is read again on the way back (renamed,
        moved to the trash, gone)."""

    def compose_body(self) -> ComposeResult:
        with Horizontal(id="search-bar"):
            yield Input(
                value=self.initial_query,
                placeholder="Search page and database titles…",
                id="search-input",
            )
            yield Select(
                [(label, value) for label, value in FILTERS],
                value="all",
                allow_blank=False,
                id="search-filter",
            )
            yield Label(self._sort_label(), id="search-sort")
        yield Label("", id="search-summary", markup=False)
        yield Static("", id="search-error", classes="error-state hidden", markup=False)
        yield Static("", id="search-empty", classes="empty-state hidden", markup=False)
        table = RowsTable(id="search-results", zebra_stripes=True)
        title_width, parent_width = fitted_widths(self.app.size.width)
        # Titles are data, shown as they are (never as markup), cut with an ellipsis.
        for label, key, width in (
            ("Title", "title", title_width),
            ("Kind", "kind", KIND_WIDTH),
            ("Parent", "parent", parent_width),
            ("Last edited", "edited", EDITED_WIDTH),
        ):
            table.add_column(label, key=key, width=width, overflow="ellipsis")
        yield table

    @property
    def input(self) -> Input:
        return self.query_one("#search-input", Input)

    @property
    def table(self) -> RowsTable:
        return self.query_one("#search-results", RowsTable)

    @property
    def _taken_down(self) -> bool:
        """The screen is being taken down (the app quits, or the screen was popped) while an
        answer was on the way: its widgets may be gone, so the answer is dropped."""
        return not self.is_attached or not self.query("#search-results")

    def on_resize(self, event: events.Resize) -> None:
        """Keep every column in view: a fixed 52-cell title pushed "Last edited" out of an
        80-column terminal."""
        title_width, parent_width = fitted_widths(event.size.width)
        self.table.set_column_width("title", title_width)
        self.table.set_column_width("parent", parent_width)

    def on_mount(self) -> None:
        self.app.connections_signal.subscribe(self, self._connection_changed)
        self.input.focus()
        self.run_search()

    def _connection_changed(self, change: ConnectionsChanged) -> None:
        if change.reason in ("picked", "connected", "deleted"):
            self.run_search()

    # ---- the query -------------------------------------------------------------------

    def current_query(self) -> SearchQuery:
        return SearchQuery(self.input.value.strip(), self.kind, self.descending)

    @on(Input.Changed, "#search-input")
    def _typed(self, event: Input.Changed) -> None:
        event.stop()
        if self._debounce is not None:
            self._debounce.stop()
        self._debounce = self.set_timer(DEBOUNCE_SECONDS, self.run_search, name="search-debounce")

    @on(Input.Submitted, "#search-input")
    def _submitted(self, event: Input.Submitted) -> None:
        event.stop()
        results = self._results
        if results is None or results.failed or results.query != self.current_query():
            self.run_search()
        if self.table.row_count:
            self.set_focus(self.table)

    @on(Select.Changed, "#search-filter")
    def _filter_changed(self, event: Select.Changed) -> None:
        event.stop()
        value = event.value
        if value in ("all", "page", "database") and value != self.kind:
            self.kind = value
            self.run_search()

    def action_cycle_filter(self) -> None:
        kinds = [value for _, value in FILTERS]
        self.query_one("#search-filter", Select).value = kinds[
            (kinds.index(self.kind) + 1) % len(kinds)
        ]

    def action_toggle_sort(self) -> None:
        self.descending = not self.descending
        self.query_one("#search-sort", Label).update(self._sort_label())
        self.run_search()

    def _sort_label(self) -> str:
        return "↓ last edited, newest" if self.descending else "↑ last edited, oldest"

    def run_search(self) -> None:
        """Start the query in the input from its first page (a newer one cancels this one)."""
        if self._debounce is not None:
            self._debounce.stop()
            self._debounce = None
        self._generation += 1
        self._results = _Results(self.current_query(), self._generation, {})
        self._pending_parents.clear()
        self._parents_of.clear()
        self.table.clear()
        self._set_state(summary="Searching…")
        self._load_page(self._results)

    def _maybe_load_more(self) -> None:
        results = self._results
        if results is None or not results.has_more or results.loading or results.failed:
            return
        if self.table.cursor_row >= self.table.row_count - LOAD_AHEAD_ROWS:
            self._load_page(results)

    @work(exclusive=True, group="search")
    async def _load_page(self, results: _Results) -> None:
        results.loading = True
        first = not results.objects
        try:
            page = await self.app.state.notion.search(
                results.query.text,
                filter_object=results.query.filter_object,
                sort_descending=results.query.descending,
                start_cursor=results.next_cursor,
                page_size=PAGE_SIZE,
            )
        except AlloyError as error:
            results.loading = False
            if results.generation == self._generation:
                results.failed = True
                self._show_error(error, first=first)
            return
        results.loading = False
        if results.generation != self._generation:
            return  # a newer query started while this page was on the way
        if self._taken_down:
            return
        added = self.add_results(page.results)
        results.follow(page, added)
        self._update_summary()
        # A short first page may not fill the window: keep the cursor's look-ahead honest.
        self._maybe_load_more()

    def add_results(self, objects: list[dict[str, Any]]) -> int:
        """Append one page of search results as rows (parents resolved later); returns how
        many were new (a result already listed is not shown twice)."""
        results = self._results
        if results is None:
            return 0
        state = self.app.state
        now = state.now()
        new: list[dict[str, Any]] = []
        for obj in objects:
            object_id = obj.get("id")
            if isinstance(object_id, str) and object_id not in results.objects:
                results.objects[object_id] = found(obj)
                state.remember_title(obj)
                new.append(obj)
        rows: list[tuple[str, tuple[str, ...]]] = []
        for obj in new:
            parent = obj.get("parent")
            parent = parent if isinstance(parent, Mapping) else {}
            label = state.cached_parent_label(parent)
            if label is None:
                key = _parent_key(parent)
                self._pending_parents.setdefault(key, []).append(obj["id"])
                self._parents_of[key] = parent
                label = UNRESOLVED_PARENT
            rows.append((obj["id"], _row_cells(obj, label, now)))
        self.table.add_rows(rows)
        # Titles of this page may name parents of rows already waiting.
        self._fill_known_parents()
        if self._pending_parents:
            self._resolve_parents()
        return len(new)

    def _fill_known_parents(self) -> None:
        state = self.app.state
        for key in list(self._pending_parents):
            label = state.cached_parent_label(self._parents_of[key])
            if label is not None:
                self._set_parent_cells(self._pending_parents.pop(key), label)

    def _set_parent_cells(self, row_ids: list[str], label: str) -> None:
        for row_id in row_ids:
            if self.table.has_row(row_id):
                self.table.update_cell(row_id, "parent", label)

    @work(exclusive=True, group="search-parents")
    async def _resolve_parents(self) -> None:
        """Fetch the titles of unknown parents one at a time, the first rows first."""
        state = self.app.state
        generation = self._generation
        while self._pending_parents and generation == self._generation:
            key = next(iter(self._pending_parents))
            parent = self._parents_of[key]
            try:
                label = await state.parent_label(parent)
            except AlloyError:
                # A parent not shared with the integration has no title we may show.
                label = "(not shared)"
            if generation != self._generation or self._taken_down:
                return
            self._set_parent_cells(self._pending_parents.pop(key, []), label)

    # ---- states ----------------------------------------------------------------------

    def _set_state(self, *, summary: str, empty: str | None = None) -> None:
        self.query_one("#search-summary", Label).update(summary)
        error = self.query_one("#search-error", Static)
        error.add_class("hidden")
        error.update("")
        empty_state = self.query_one("#search-empty", Static)
        empty_state.update(empty or "")
        empty_state.set_class(empty is None, "hidden")

    def _update_summary(self) -> None:
        results = self._results
        if results is None:
            return
        count = len(results.objects)
        singular, plural = {
            "all": ("result", "results"),
            "page": ("page", "pages"),
            "database": ("database", "databases"),
        }[results.query.kind]
        what = singular if count == 1 else plural
        if count == 0:
            text = results.query.text
            kind = {"all": "pages or databases", "page": "pages", "database": "databases"}[
                results.query.kind
            ]
            empty = (
                f"No {kind} match “{text}”. Check the spelling, "
                "or share the page with the integration in Notion."
                if text
                else f"No {kind} are shared with this connection yet. In Notion, open a "
                "page's ••• menu → Connections and add the integration."
            )
            self._set_state(summary=f"0 {what}", empty=empty)
            return
        if results.cut_short:
            more = " · the list ends here (Notion repeated a page of results)"
        else:
            more = " · scroll for more" if results.has_more else ""
        # Naming the query says which request the list answers (not an earlier keystroke's).
        query = f" for “{results.query.text}”" if results.query.text else ""
        self._set_state(summary=f"{count} {what}{query}{more}")

    def _show_error(self, error: AlloyError, *, first: bool) -> None:
        if isinstance(error, ConnectionNotFoundError):
            self.app.report_error(error, where="Search")
        message = self.query_one("#search-error", Static)
        where = "Search failed" if first else "Loading more results failed"
        message.update(
            f"{where}: {error.sentence}\n{error.remedy} Press Enter in the field to retry."
        )
        message.remove_class("hidden")
        self.query_one("#search-summary", Label).update(
            f"{len(self._results.objects) if self._results else 0} results so far"
        )

    # ---- moving and opening ----------------------------------------------------------

    @on(RowsTable.RowHighlighted, "#search-results")
    def _highlighted(self, event: RowsTable.RowHighlighted) -> None:
        event.stop()
        self._maybe_load_more()

    @on(RowsTable.RowSelected, "#search-results")
    def _selected(self, event: RowsTable.RowSelected) -> None:
        event.stop()
        object_id = event.row_key
        results = self._results
        if results is None or object_id not in results.objects:
            return
        self._open(object_id, results.objects[object_id])

    def open_object(self, obj: Mapping[str, Any]) -> None:
        self._open(str(obj["id"]), found(obj))

    def _open(self, object_id: str, what: Found) -> None:
        kind = what.kind
        if kind == "database":
            self.app.open_database(object_id)
        elif kind == "data_source":
            # A data source opens as its database's table, showing this source's rows.
            database_id = what.database_id
            if database_id is not None:
                self.app.open_database(database_id, data_source_id=object_id)
            else:
                self.app.notify(
                    "This data source does not name its database, so it cannot be opened here.",
                    title="Search",
                    severity="warning",
                )
        else:
            self._opened_page = object_id
            self.app.open_page(object_id)

    def on_screen_resume(self) -> None:
        page_id, self._opened_page = self._opened_page, None
        if page_id is not None and self.table.has_row(page_id):
            self._refresh_row(page_id, self._generation)

    @work(group="search-row")
    async def _refresh_row(self, page_id: str, generation: int) -> None:
        """Show what became of the page opened from this row: its new title, and whether it is
        now in the trash (marked) or gone."""
        try:
            page = await self.app.state.notion.get_page(page_id)
        except NotFoundError:
            page = None
        except AlloyError:
            return  # the row keeps what the search said; opening it again tells the rest
        if generation != self._generation or self._taken_down or not self.table.has_row(page_id):
            return
        table = self.table
        if page is None:
            table.update_cell(page_id, "kind", "gone")
            return
        self.app.state.remember_title(page)
        title, kind, _, edited = _row_cells(page, "", self.app.state.now())
        table.update_cell(page_id, "title", title)
        table.update_cell(page_id, "kind", kind)
        table.update_cell(page_id, "edited", edited)

    def action_results(self) -> None:
        """Down in the search field moves into the results, at once: Widget.focus() would
        wait a turn, and an Enter typed right after Down would reach the field instead."""
        if self.table.row_count:
            self.set_focus(self.table)

    def action_focus_input(self) -> None:
        self.input.focus()

    def action_back(self) -> None:
        if self.input.has_focus and self.input.value:
            self.input.value = ""
            return
        self.app.action_connections()

    def action_cursor_down(self) -> None:
        self.table.action_cursor_down()

    def action_cursor_up(self) -> None:
        self.table.action_cursor_up()

    def action_cursor_last(self) -> None:
        self.table.focus()
        self.table.action_scroll_bottom()

    def action_cursor_first(self) -> None:
        self.table.focus()
        self.table.action_scroll_top()

    def on_mouse_scroll_down(self) -> None:
        """Scrolling with the wheel does not move the cursor: check what is visible instead."""
        table = self.table
        if table.scroll_y + table.size.height >= table.row_count - LOAD_AHEAD_ROWS:
            results = self._results
            if results is not None and results.has_more and not results.loading:
                self._load_page(results)


def fitted_widths(total: int) -> tuple[int, int]:
    """The title and parent column widths for a table `total` cells wide."""
    # Each column has one cell of padding on both sides; the vertical scrollbar takes two.
    spare = total - 2 - 4 * 2 - KIND_WIDTH - EDITED_WIDTH
    if spare >= TITLE_WIDTH + PARENT_WIDTH:
        return TITLE_WIDTH, PARENT_WIDTH
    parent = max(MIN_PARENT_WIDTH, spare * 3 // 8)
    return max(MIN_TITLE_WIDTH, spare - parent), parent


def _parent_key(parent: Mapping[str, Any]) -> str:
    kind = str(parent.get("type", ""))
    return f"{kind}:{parent.get(kind, '')}"


KIND_LABELS = {"database": "database", "data_source": "data source", "page": "page"}
"""What the kind column says of each object a search returns (2025-09-03 finds databases as
their data sources)."""


def _row_cells(obj: Mapping[str, Any], parent: str, now: datetime) -> tuple[str, ...]:
    kind = str(obj.get("object"))
    icon = object_icon(obj) or ("▤" if kind == "page" else "▦")
    title = object_title(obj)
    label = KIND_LABELS.get(kind, "page")
    if is_trashed(obj):
        # Notion's search leaves the trash out; a row can still show a page trashed since.
        icon, label = "🗑", "trashed"
    return (
        f"{icon} {title}",
        label,
        parent,
        # Few distinct values ("3 days ago"): one shared string each, not one per row.
        sys.intern(relative_time(obj.get("last_edited_time"), now)),
    )
