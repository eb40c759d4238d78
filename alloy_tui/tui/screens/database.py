"""DatabaseScreen: a database's (or one of its data sources') rows as a table, paged as you
scroll, filtered and sorted."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, ClassVar

from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Static

from alloy_tui.alloy.errors import AlloyError, ValidationError, describe
from alloy_tui.alloy.models import ResultPage
from alloy_tui.notion.models import (
    PropertySchema,
    database_description,
    database_title,
    object_icon,
    schema_from_database,
)
from alloy_tui.notion.values import display
from alloy_tui.tui.modals.filter_builder import FilterBuilderModal, FilterSpec
from alloy_tui.tui.modals.picker import PickerModal, PickItem
from alloy_tui.tui.modals.sort_builder import SortBuilderModal, sort_summary
from alloy_tui.tui.screens import AlloyScreen, stop_loading
from alloy_tui.tui.widgets.rows_table import RowsTable

PAGE_SIZE = 50
"""Rows per query page: a screenful or two, so the first paint is quick."""
PREFETCH_ROWS = 10
"""Load the next page when the cursor comes this close to the last loaded row."""
ALL_PAGE_SIZE = 100
"""Rows per query page while G loads every row: Notion's largest page, the fewest requests."""
MAX_CELL = 40
CURSOR_KEYS = frozenset(
    {"up", "down", "left", "right", "pageup", "pagedown", "home", "end", "ctrl+home", "ctrl+end"}
)
"""Keys that stop G's loading: the user took the cursor back (j, k and g stop it by action)."""


def cycle_sort(sorts: Sequence[Mapping[str, Any]], name: str) -> list[dict[str, Any]]:
    """The sorts after a click (or Enter) on a property's header: a property not sorted on
    becomes the only sort, ascending; ascending turns descending in its place; descending
    drops it (the other sorts stay)."""
    for place, sort in enumerate(sorts):
        if sort.get("property") == name:
            kept = [dict(other) for other in sorts]
            if sort.get("direction") == "ascending":
                kept[place]["direction"] = "descending"
            else:
                del kept[place]
            return kept
    return [{"property": name, "direction": "ascending"}]


def sort_mark(sorts: Sequence[Mapping[str, Any]], name: str) -> str:
    """' ↑' or ' ↓' after a sorted property's label, with its place when several: ' ↓2'."""
    for place, sort in enumerate(sorts, start=1):
        if sort.get("property") == name:
            arrow = "↑" if sort.get("direction") == "ascending" else "↓"
            return f" {arrow}{place}" if len(sorts) > 1 else f" {arrow}"
    return ""


class DatabaseScreen(AlloyScreen[None]):
    """Rows with the schema's columns (title first); Enter opens a row in the page editor."""

    HELP: ClassVar[str] = """\
## Database

The database's rows, with a column per property (the title first). More rows load as you
scroll down.

- **Enter** opens the highlighted row in the page editor; **n** adds a new row.
- **f** builds a filter: pick a property, then one of the conditions its type allows, then a
  value; several conditions combine with *and* or *or*.
- **s** sorts by properties or by created / last edited time, each ascending or descending.
- **Click a column's label** to sort by it: ascending, then descending, then not at all.
  From the keyboard, **<** and **>** highlight a label (then **←/→** move along the header)
  and **Enter** sorts by it the same way; **↑/↓** or **Esc** go back to the rows. A sorted
  label shows its direction, and its place when several sorts apply: `Due ↓1`.
- **x** clears the filter and the sorts; **r** loads the rows again.
- **d** picks another data source, for a database that holds several (Notion 2025-09-03):
  each has its own properties and rows. The header names the one shown.
- **j/k** move the cursor; **g** goes to the first row; **G** to the last, loading every
  page left (the count shows how far it got; **Esc** or a cursor key stops it there).
- The title column stays put while the others scroll sideways (**←/→**, **Home/End**).
- **Esc** goes back.
"""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="database.back", tooltip="Back"),
        Binding("f", "filter", "Filter", id="database.filter", tooltip="Filter the rows"),
        Binding("s", "sort", "Sort", id="database.sort", tooltip="Sort the rows"),
        Binding("x", "clear", "Clear", id="database.clear", tooltip="Clear filter and sorts"),
        Binding("n", "new_row", "New row", id="database.new", tooltip="Add a row (a new page)"),
        Binding("r", "reload", "Reload", id="database.reload", tooltip="Load the rows again"),
        Binding(
            "d",
            "switch_source",
            "Source",
            id="database.source",
            tooltip="Show another data source of this database",
        ),
        Binding(
            "less_than_sign",
            "column(-1)",
            "Previous column",
            show=False,  # the 80-column footer is full: F1 lists them, the HELP says how
            id="database.column_left",
            tooltip="Highlight the column label on the left (Enter sorts by it)",
        ),
        Binding(
            "greater_than_sign",
            "column(1)",
            "Next column",
            show=False,  # the 80-column footer is full: F1 lists them, the HELP says how
            id="database.column_right",
            tooltip="Highlight the column label on the right (Enter sorts by it)",
        ),
        Binding("j", "cursor_down", "Down", show=False, id="database.down", tooltip="Next row"),
        Binding("k", "cursor_up", "Up", show=False, id="database.up", tooltip="Previous row"),
        Binding("g", "cursor_first", "First", show=False, id="database.first", tooltip="First row"),
        Binding(
            "G",
            "cursor_last",
            "Last",
            show=False,
            id="database.last",
            tooltip="Last row, loading every page left (Esc stops)",
        ),
    ]

    def __init__(self, database_id: str, *, data_source_id: str | None = None) -> None:
        super().__init__()
        self.database_id = database_id
        self.wanted_source = data_source_id
        """The data source to show first (a search result), instead of asking."""
        self.database: dict[str, Any] | None = None
        self.schema: list[PropertySchema] = []
        self.sources: list[tuple[str, str]] = []
        """The database's data sources (id, name); [] when the connector names none."""
        self.data_source_id: str | None = None
        """The data source shown; None queries the database itself (one source, 2022-06-28)."""
        self.filter = FilterSpec()
        self.sorts: list[dict[str, Any]] = []
        self.next_cursor: str | None = None
        self.has_more = False
        self.loading_more = False
        self.loading_all = False
        """G is following every cursor left, to go to the last row."""
        self._all_from_row = 0
        """Where the row cursor was when G began: a move away from it stops the loading."""
        self.seen_cursors: set[str] = set()
        """Cursors already followed for the current query: one handed back again would have
        every cursor move fetch the same page, so the rows end there instead."""
        self.cut_short = False
        self.row_count = 0
        self.names: dict[str, str] = {}
        self._shown_once = False
        self.title = "Database"

    def compose_body(self) -> ComposeResult:
        yield Static("", id="db-title", classes="screen-title", markup=False)
        yield Static("", id="db-description", classes="screen-hint", markup=False)
        yield Static("", id="db-source", classes="screen-hint hidden", markup=False)
        yield Static("", id="db-query", markup=False)
        yield Static("", id="db-error", classes="error-state hidden", markup=False)
        yield RowsTable(id="db-rows", zebra_stripes=True, fixed_columns=1)  # the title stays
        yield Static("", id="db-count", markup=False)

    def on_mount(self) -> None:
        self.load_database()

    def on_screen_resume(self) -> None:
        # Back from a row or a new page: show what changed, keeping the cursor's row.
        if self._shown_once and self._ready:
            self.run_query(keep_row=self._current_row_key())
        self._shown_once = True

    @property
    def _ready(self) -> bool:
        """The schema is known (a database with several sources waits for one to be picked)."""
        return self.database is not None and (len(self.sources) < 2 or bool(self.data_source_id))

    @property
    def table(self) -> RowsTable:
        return self.query_one("#db-rows", RowsTable)

    # ---- loading ---------------------------------------------------------------------

    @work(exclusive=True, group="db-load")
    async def load_database(self) -> None:
        self.table.loading = True
        notion = self.app.state.notion
        try:
            database = await notion.get_database(self.database_id)
            sources = await notion.database_sources(database)
        except AlloyError as error:
            stop_loading(self.table)
            self._show_error(error)
            self.app.report_error(error, where="Open database")
            return
        self.database = database
        self.sources = sources
        self.refresh_bindings()
        icon = object_icon(database)
        title = database_title(database)
        self.title = title
        self.query_one("#db-title", Static).update(f"{icon} {title}" if icon else title)
        description = database_description(database)
        self.query_one("#db-description", Static).update(description)
        self.query_one("#db-description").display = bool(description)
        wanted = self.wanted_source
        if wanted is not None and wanted in dict(sources):
            self.open_source(wanted)
        elif len(sources) > 1:
            stop_loading(self.table)
            self._refresh_source()
            self.action_switch_source()
        elif sources and "properties" not in database:
            self.open_source(sources[0][0])  # a 2025-09-03 answer: the schema is the source's
        else:
            self._show_schema(schema_from_database(database))

    @work(exclusive=True, group="db-load")
    async def open_source(self, data_source_id: str) -> None:
        """Show one data source: its schema, then its rows (filter and sorts start over)."""
        self.table.loading = True
        try:
            source = await self.app.state.notion.get_data_source(data_source_id)
        except AlloyError as error:
            stop_loading(self.table)
            self._show_error(error)
            self.app.report_error(error, where="Open data source")
            return
        if data_source_id != self.data_source_id:
            self.filter = FilterSpec()
            self.sorts = []
        self.data_source_id = data_source_id
        self._refresh_source()
        self._show_schema(schema_from_database(source))

    def _show_schema(self, schema: list[PropertySchema]) -> None:
        self.schema = schema
        table = self.table
        table.clear(columns=True)
        for prop in self.schema:
            # Shown as it is, never as markup.
            table.add_column(prop.name + sort_mark(self.sorts, prop.name), key=prop.id)
        self._refresh_summary()
        self.load_names()
        self.run_query()

    def _refresh_source(self) -> None:
        label = self.query_one("#db-source", Static)
        several = len(self.sources) > 1
        label.set_class(not several, "hidden")
        if not several:
            return
        names = dict(self.sources)
        if self.data_source_id is None:
            text = f"{len(self.sources)} data sources · d picks one"
        else:
            place = [ident for ident, _ in self.sources].index(self.data_source_id) + 1
            name = names.get(self.data_source_id) or "Untitled"
            text = f"Data source: {name} ({place} of {len(self.sources)}) · d switches"
        label.update(text)

    async def _query(
        self, start_cursor: str | None = None, page_size: int = PAGE_SIZE
    ) -> ResultPage:
        notion = self.app.state.notion
        if self.data_source_id is not None:
            return await notion.query_data_source(
                self.data_source_id,
                filter=self.filter.to_notion(),
                sorts=self._sorts(),
                start_cursor=start_cursor,
                page_size=page_size,
            )
        return await notion.query_database(
            self.database_id,
            filter=self.filter.to_notion(),
            sorts=self._sorts(),
            start_cursor=start_cursor,
            page_size=page_size,
        )

    @work(exclusive=True, group="db-names")
    async def load_names(self) -> None:
        """People's names for the people columns (listed once per connection)."""
        wanted = {"people", "created_by", "last_edited_by"}
        if not any(p.type in wanted for p in self.schema):
            return
        try:
            users = await self.app.state.users()
        except AlloyError:
            return
        self.names.update({str(u["id"]): str(u.get("name") or "") for u in users if u.get("id")})

    def _current_row_key(self) -> str | None:
        return self.table.cursor_key

    @work(exclusive=True, group="db-query")
    async def run_query(self, keep_row: str | None = None) -> None:
        """The first page of rows for the current filter and sorts (replaces the table)."""
        self.workers.cancel_group(self, "db-more")
        self.loading_more = self.loading_all = False
        table = self.table
        table.loading = True
        try:
            result = await self._query()
        except AlloyError as error:
            stop_loading(table)
            self._query_failed(error)
            return
        stop_loading(table)
        self._show_error(None)
        scrolled = table.scroll_x  # a new order keeps the columns where they were
        table.clear()
        self.row_count = 0
        self.seen_cursors.clear()
        self.cut_short = False
        self._follow(result, self.add_pages(result.results))
        table.scroll_to(x=scrolled, animate=False, immediate=True)
        self._refresh_count()
        # The row may be gone (trashed) or past the first page: then the cursor stays.
        if keep_row is not None and table.has_row(keep_row):
            table.move_cursor(row=table.get_row_index(keep_row))

    @work(exclusive=True, group="db-more")
    async def load_more(self) -> None:
        if not self.has_more or self.next_cursor is None:
            return
        self.loading_more = True
        self._refresh_count()
        try:
            result = await self._query(self.next_cursor)
            self._follow(result, self.add_pages(result.results))
        except AlloyError as error:
            self.app.report_error(error, where="More rows")
        finally:  # cancelled too (a new query, G taking over, the screen closing)
            self.loading_more = False
            if self.is_attached:
                self._refresh_count()

    @work(exclusive=True, group="db-more")
    async def load_all(self) -> None:
        """G: follow every cursor left, a page at a time (the screen answers keys between
        pages), then put the cursor on the last row. Esc or a cursor key cancels it."""
        self.loading_more = False
        self.loading_all = True
        self._all_from_row = self.table.cursor_row
        self._refresh_count()
        try:
            while self.has_more and self.next_cursor is not None:
                result = await self._query(self.next_cursor, page_size=ALL_PAGE_SIZE)
                self._follow(result, self.add_pages(result.results))
                self._refresh_count()
        except AlloyError as error:
            self.app.report_error(error, where="More rows")
            return
        finally:
            self.loading_all = False
            if self.is_attached:
                self._refresh_count()
        self.table.focus()
        self.table.action_scroll_bottom()

    def stop_loading_all(self) -> bool:
        """Cancel G's loading where it got to (the rows loaded stay); False if none ran."""
        if not self.loading_all:
            return False
        self.workers.cancel_group(self, "db-more")
        return True

    def _follow(self, page: ResultPage, added: int) -> None:
        """Take the page's next cursor, unless following it could only loop: a cursor already
        followed, or a page that added no row."""
        cursor = page.next_cursor
        if not page.has_more or cursor is None:
            self.next_cursor, self.has_more = None, False
        elif cursor in self.seen_cursors or added == 0:
            self.next_cursor, self.has_more, self.cut_short = None, False, True
        else:
            self.seen_cursors.add(cursor)
            self.next_cursor, self.has_more = cursor, True

    def _sorts(self) -> list[Mapping[str, Any]] | None:
        return list(self.sorts) or None

    def add_pages(self, pages: list[dict[str, Any]]) -> int:
        """Append the rows not shown yet; returns how many were new."""
        table = self.table
        rows: dict[str, list[str]] = {}
        for page in pages:
            key = str(page.get("id"))
            if key in rows or table.has_row(key):
                continue
            props = page.get("properties") or {}
            cells: list[str] = []
            for prop in self.schema:
                text = display(
                    props.get(prop.name), names=self.names, number_format=prop.number_format
                )
                if len(text) > MAX_CELL:
                    text = text[: MAX_CELL - 1] + "…"
                if prop.type == "title":
                    icon = object_icon(page)
                    text = f"{icon} {text}" if icon else (text or "Untitled")
                cells.append(text)  # shown as it is, never as markup
            rows[key] = cells
        added = table.add_rows(rows.items())
        self.row_count += added
        return added

    def _refresh_count(self) -> None:
        rows = f"{self.row_count} row" + ("" if self.row_count == 1 else "s")
        if self.loading_all:
            text = f"loading… {rows} · Esc stops"
        elif self.loading_more:
            text = f"{rows} · loading more…"
        elif self.cut_short:
            text = f"{rows} · the rows end here (Notion repeated a page of results)"
        else:
            text = f"{rows} · more below" if self.has_more else rows
        hint = self._header_hint()
        self.query_one("#db-count", Static).update(f"{text} · {hint}" if hint else text)

    def _header_hint(self) -> str:
        """What Enter does on the highlighted column label ("" when the cursor is on a row)."""
        column = self.table.column_cursor
        if column is None or column >= len(self.schema):
            return ""
        name = self.schema[column].name
        mark = sort_mark(self.sorts, name)
        if not mark:
            action = f"Enter sorts by {name} ↑"
        elif "↑" in mark:
            action = f"Enter sorts by {name} ↓"
        else:
            action = f"Enter stops sorting by {name}"
        return f"{action} · ←/→ · Esc"  # short: it shares the line at 80 columns

    def _refresh_summary(self) -> None:
        """The filter and sorts line, and the sorted columns' labels."""
        table = self.table
        for prop in self.schema:
            if prop.id in table.columns:
                table.set_column_label(prop.id, prop.name + sort_mark(self.sorts, prop.name))
        parts = []
        if self.filter:
            parts.append(f"Filter: {self.filter.summary()}")
        if self.sorts:
            parts.append(f"Sort: {sort_summary(self.sorts)}")
        text = "  ·  ".join(parts) if parts else "All rows · f filter · s sort"
        self.query_one("#db-query", Static).update(text)

    def _show_error(self, error: BaseException | None) -> None:
        banner = self.query_one("#db-error", Static)
        banner.update("" if error is None else describe(error))
        banner.set_class(error is None, "hidden")

    def _query_failed(self, error: AlloyError) -> None:
        if isinstance(error, ValidationError) and (self.filter or self.sorts):
            # The filter or sort is what Notion refused: say so right above the table.
            self._show_error(
                ValidationError(
                    f"Notion refused this filter or sort: {error.sentence}",
                    remedy="Press f or s to change it, or x to clear both.",
                )
            )
            return
        self._show_error(error)
        self.app.report_error(error, where="Query")

    # ---- paging ----------------------------------------------------------------------

    @on(RowsTable.RowHighlighted, "#db-rows")
    def _near_end(self, event: RowsTable.RowHighlighted) -> None:
        if self.loading_all:
            if event.cursor_row != self._all_from_row:
                self.stop_loading_all()  # the user moved the cursor: they took over
            return
        if (
            self.has_more
            and not self.loading_more
            and event.cursor_row >= self.table.row_count - PREFETCH_ROWS
        ):
            self.load_more()

    def on_key(self, event: events.Key) -> None:
        # Seen before the bindings run (the key goes on to move or scroll as usual).
        if event.key in CURSOR_KEYS:
            self.stop_loading_all()

    @on(RowsTable.RowSelected, "#db-rows")
    def _open_row(self, event: RowsTable.RowSelected) -> None:
        self.app.open_page(event.row_key)

    # ---- sorting from the header -----------------------------------------------------

    @on(RowsTable.HeaderSelected, "#db-rows")
    def _sort_by_column(self, event: RowsTable.HeaderSelected) -> None:
        prop = next((p for p in self.schema if p.id == event.column_key), None)
        if prop is None or not self._ready:
            return
        self.sorts = cycle_sort(self.sorts, prop.name)
        self._refresh_summary()
        self._refresh_count()
        self.run_query()

    @on(RowsTable.ColumnHighlighted, "#db-rows")
    def _column_highlighted(self) -> None:
        self._refresh_count()

    def action_column(self, step: int) -> None:
        """< and >: highlight the next column label (from the title when none is)."""
        table = self.table
        table.focus()
        column = table.column_cursor
        table.move_column_cursor(0 if column is None else column + step)

    # ---- actions ---------------------------------------------------------------------

    def action_back(self) -> None:
        """Esc: out of the header, else stop G's loading, else back to the previous screen."""
        if self.table.column_cursor is not None:
            self.table.move_column_cursor(None)
        elif not self.stop_loading_all():
            self.dismiss()

    def action_cursor_down(self) -> None:
        self.stop_loading_all()
        self.table.action_cursor_down()

    def action_cursor_up(self) -> None:
        self.stop_loading_all()
        self.table.action_cursor_up()

    def action_cursor_first(self) -> None:
        self.stop_loading_all()
        self.table.focus()
        self.table.action_scroll_top()

    def action_cursor_last(self) -> None:
        """G: the last row; rows not loaded yet are loaded first (every page left)."""
        if self.loading_all:
            return
        table = self.table
        table.focus()
        if self.has_more and self.next_cursor is not None:
            table.move_column_cursor(None)
            self.load_all()
        else:
            table.action_scroll_bottom()

    def action_filter(self) -> None:
        if not self._ready:
            return
        users = [(uid, name) for uid, name in self.names.items() if name]

        def chosen(spec: FilterSpec | None) -> None:
            if spec is not None:
                self.filter = spec
                self._refresh_summary()
                self.run_query()

        self.app.push_screen(FilterBuilderModal(self.schema, self.filter, users=users), chosen)

    def action_sort(self) -> None:
        if not self._ready:
            return

        def chosen(sorts: list[dict[str, Any]] | None) -> None:
            if sorts is not None:
                self.sorts = sorts
                self._refresh_summary()
                self.run_query()

        self.app.push_screen(SortBuilderModal(self.schema, self.sorts), chosen)

    def action_clear(self) -> None:
        if not self.filter and not self.sorts:
            return
        self.filter = FilterSpec()
        self.sorts = []
        self._refresh_summary()
        self.run_query()

    def action_reload(self) -> None:
        if self._ready:
            self.run_query(keep_row=self._current_row_key())

    def action_new_row(self) -> None:
        if self.data_source_id is not None:
            self.app.new_page({"type": "data_source_id", "data_source_id": self.data_source_id})
        elif self._ready:
            self.app.new_page({"type": "database_id", "database_id": self.database_id})

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # The source key is shown (and works) only for a database with several sources.
        if action == "switch_source":
            return len(self.sources) > 1
        return True

    def action_switch_source(self) -> None:
        if len(self.sources) < 2:
            self.notify("This database has a single data source.", title="Data source")
            return
        items = [PickItem(ident, name or "Untitled") for ident, name in self.sources]

        async def matching(query: str) -> list[PickItem]:
            return [item for item in items if query.casefold() in item.label.casefold()]

        def chosen(picked: list[PickItem] | None) -> None:
            if picked:
                self.open_source(picked[0].id)
            elif self.data_source_id is None:
                self.dismiss()  # nothing to show without a source

        self.app.push_screen(
            PickerModal(
                f"Data sources of {self.title}", matching, placeholder="Type to filter by name"
            ),
            chosen,
        )
