"""RowsTable: a table of one-line rows that keeps its rows as plain tuples and draws only the
lines on screen, so moving the cursor or appending rows costs the same at 50,000 rows as at
1,000 (Textual's DataTable sums row heights on every cursor move and keeps Rich objects per cell).

It looks like a DataTable with a row cursor (the same `datatable--*` component classes) and keeps
its keys: arrows, j/k through the screens, PageUp/PageDown, Ctrl+Home/End, Enter, mouse clicks and
the wheel. As DataTable's, `fixed_columns` pins the first columns while the others scroll sideways.

The header can be "entered": `move_column_cursor` (or a click on a label) highlights one column;
then Left/Right move between columns, Enter posts HeaderSelected for it (a click posts it at
once), and Up/Down go back to the rows.

Cells, columns and the drawing of one line (a range of columns cut to a range of cells) are in
`table_cells`."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import ClassVar

from rich.style import Style
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Region, Size, Spacing
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from alloy_tui.tui.widgets.table_cells import Cell, Column, Overflow, TableLine, cell_width

__all__ = ["Cell", "Column", "DuplicateKey", "Overflow", "RowDoesNotExist", "RowsTable"]


class RowDoesNotExist(LookupError):
    """No row has this key (or this index)."""


class DuplicateKey(ValueError):
    """A row or a column with this key is in the table already."""


class RowsTable(ScrollView, can_focus=True):
    """Rows with a key each and a row cursor; a header of column labels stays on top."""

    ALLOW_SELECT = False

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "select_cursor", "Select", show=False),
        Binding("up", "cursor_up", "Cursor up", show=False),
        Binding("down", "cursor_down", "Cursor down", show=False),
        Binding("right", "scroll_right", "Scroll right", show=False),
        Binding("left", "scroll_left", "Scroll left", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
        Binding("ctrl+home", "scroll_top", "Top", show=False),
        Binding("ctrl+end", "scroll_bottom", "Bottom", show=False),
        Binding("home", "scroll_home", "Home", show=False),
        Binding("end", "scroll_end", "End", show=False),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "datatable--cursor",
        "datatable--hover",
        "datatable--header",
        "datatable--header-hover",
        "datatable--odd-row",
        "datatable--even-row",
        "rows-table--header-cursor",
    }
    """The names DataTable uses, so a table looks the same whichever widget draws it; and the
    highlighted header cell, which DataTable has not."""

    # DataTable's own look, for a row cursor and no fixed rows or columns.
    DEFAULT_CSS = """
    RowsTable {
        background: $surface;
        color: $foreground;
        height: auto;
        max-height: 100%;

        &:focus {
            background-tint: $foreground 5%;
            & > .datatable--cursor {
                background: $block-cursor-background;
                color: $block-cursor-foreground;
                text-style: $block-cursor-text-style;
            }
            & > .datatable--header {
                background-tint: $foreground 5%;
            }
        }
        &:dark > .datatable--even-row {
            background: $surface-darken-1 40%;
        }
        & > .datatable--header {
            text-style: bold;
            background: $panel;
            color: $foreground;
        }
        &:ansi > .datatable--header {
            background: ansi_bright_blue;
            color: ansi_default;
        }
        & > .datatable--even-row {
            background: $surface-lighten-1 50%;
        }
        & > .datatable--cursor {
            background: $block-cursor-blurred-background;
            color: $block-cursor-blurred-foreground;
            text-style: $block-cursor-blurred-text-style;
        }
        & > .datatable--header-hover {
            background: $accent 30%;
        }
        & > .datatable--hover {
            background: $block-hover-background;
        }
        & > .rows-table--header-cursor {
            background: $block-cursor-background;
            color: $block-cursor-foreground;
            text-style: bold;
        }
    }
    """

    class _RowMessage(Message):
        """A message about one row: where it is and its key."""

        def __init__(self, table: RowsTable, cursor_row: int, row_key: str) -> None:
            super().__init__()
            self.table = table
            self.cursor_row = cursor_row
            self.row_key = row_key

        @property
        def control(self) -> RowsTable:
            return self.table

    class RowHighlighted(_RowMessage):
        """The cursor moved to another row (or the first row arrived)."""

    class RowSelected(_RowMessage):
        """Enter on the cursor's row, or a click on the row the cursor is on."""

    class HeaderSelected(Message):
        """A click on a column's label, or Enter while the header's column cursor is on it."""

        def __init__(self, table: RowsTable, column_index: int, column_key: str) -> None:
            super().__init__()
            self.table = table
            self.column_index = column_index
            self.column_key = column_key

        @property
        def control(self) -> RowsTable:
            return self.table

    class ColumnHighlighted(Message):
        """The header's column cursor moved to a column, or left the header (None)."""

        def __init__(
            self, table: RowsTable, column_index: int | None, column_key: str | None
        ) -> None:
            super().__init__()
            self.table = table
            self.column_index = column_index
            self.column_key = column_key

        @property
        def control(self) -> RowsTable:
            return self.table

    def __init__(
        self,
        *,
        zebra_stripes: bool = False,
        show_header: bool = True,
        cell_padding: int = 1,
        fixed_columns: int = 0,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
        disabled: bool = False,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes, disabled=disabled)
        self.zebra_stripes = zebra_stripes
        self.show_header = show_header
        self.cell_padding = max(0, cell_padding)
        self._fixed_columns = max(0, fixed_columns)
        self._column_cursor: int | None = None
        self._columns: list[Column] = []
        self._column_index: dict[str, int] = {}
        self._keys: list[str] = []
        self._rows: list[tuple[Cell, ...]] = []
        """The cells of each row, in order: plain tuples (a Text only where a cell has style)."""
        self._index: dict[str, int] = {}
        """Row key -> position: every lookup is O(1), no offsets are summed."""
        self._cursor_row = 0
        self._hover_row = 0
        self._show_hover = False
        self._style_cache: dict[str, Style] | None = None

    # ---- reading -------------------------------------------------------------------------

    @property
    def row_count(self) -> int:
        return len(self._keys)

    @property
    def cursor_row(self) -> int:
        """The index of the cursor's row (0 in an empty table)."""
        return self._cursor_row

    @property
    def cursor_key(self) -> str | None:
        """The key of the cursor's row; None when the table is empty."""
        return self._keys[self._cursor_row] if self._keys else None

    @property
    def row_keys(self) -> tuple[str, ...]:
        """Every row's key, in order (a copy)."""
        return tuple(self._keys)

    @property
    def fixed_columns(self) -> int:
        """How many columns on the left stay put while the others scroll sideways."""
        return self._fixed_columns

    @fixed_columns.setter
    def fixed_columns(self, count: int) -> None:
        count = max(0, count)
        if count != self._fixed_columns:
            self._fixed_columns = count
            self.refresh()

    @property
    def column_cursor(self) -> int | None:
        """The highlighted header column, or None when the cursor is on the rows."""
        return self._column_cursor

    @property
    def columns(self) -> dict[str, Column]:
        """The columns by key, in order."""
        return {column.key: column for column in self._columns}

    def has_row(self, row_key: str) -> bool:
        return row_key in self._index

    def get_row_index(self, row_key: str) -> int:
        try:
            return self._index[row_key]
        except KeyError:
            raise RowDoesNotExist(f"No row has the key {row_key!r}.") from None

    def get_row_at(self, row_index: int) -> tuple[Cell, ...]:
        """The cells of a row, one per column (missing trailing cells are "")."""
        if not 0 <= row_index < len(self._rows):
            raise RowDoesNotExist(f"No row at index {row_index}.")
        cells = self._rows[row_index]
        missing = len(self._columns) - len(cells)
        return cells + ("",) * missing if missing > 0 else cells

    def get_row(self, row_key: str) -> tuple[Cell, ...]:
        return self.get_row_at(self.get_row_index(row_key))

    def get_cell(self, row_key: str, column_key: str) -> Cell:
        return self.get_row(row_key)[self._column_position(column_key)]

    def _column_position(self, column_key: str) -> int:
        try:
            return self._column_index[column_key]
        except KeyError:
            raise LookupError(f"No column has the key {column_key!r}.") from None

    # ---- columns -------------------------------------------------------------------------

    def add_column(
        self,
        label: str | Text,
        *,
        key: str,
        width: int | None = None,
        overflow: Overflow = "crop",
    ) -> str:
        """Add a column on the right. A str label is shown as it is (not parsed as markup);
        `width` None fits the widest cell."""
        if key in self._column_index:
            raise DuplicateKey(f"The column key {key!r} is taken.")
        text = Text(label) if isinstance(label, str) else label
        column = Column(key, text, width, overflow, content_width=cell_width(text))
        for cells in self._rows:
            if len(cells) > len(self._columns):
                column.content_width = max(column.content_width, cell_width(cells[-1]))
        self._column_index[key] = len(self._columns)
        self._columns.append(column)
        self._layout_changed()
        return key

    def set_column_label(self, column_key: str, label: str | Text) -> None:
        """Show another label on a column (a str as it is, never as markup)."""
        column = self._columns[self._column_position(column_key)]
        text = Text(label) if isinstance(label, str) else label
        old_width, width = cell_width(column.label), cell_width(text)
        column.label = text
        if column.width is None and width > column.content_width:
            column.content_width = width
            self._layout_changed()
        elif column.width is None and old_width == column.content_width and width < old_width:
            self._measure(column)  # the label was the widest: the column may narrow
        else:
            self._refresh_row(-1)

    def set_column_width(self, column_key: str, width: int | None) -> None:
        """Give a column a fixed width (None: fit its widest cell)."""
        column = self._columns[self._column_position(column_key)]
        if column.width != width:
            column.width = width
            self._layout_changed()

    def set_column_visible(self, column_key: str, visible: bool) -> None:
        """Show or leave out a column (it keeps its cells; a hidden one takes no room)."""
        column = self._columns[self._column_position(column_key)]
        if column.visible != visible:
            column.visible = visible
            self._layout_changed()

    # ---- rows ----------------------------------------------------------------------------

    def add_row(self, *cells: Cell, key: str) -> str:
        """Append a row at the bottom."""
        self.add_rows([(key, cells)])
        return key

    def add_rows(self, rows: Iterable[tuple[str, Sequence[Cell]]]) -> int:
        """Append rows at the bottom, each (key, cells); one repaint for all. Returns how many
        were added."""
        start = len(self._keys)
        columns = self._columns
        widened = False
        try:
            for key, cells in rows:
                if key in self._index:
                    raise DuplicateKey(f"The row key {key!r} is taken.")
                if len(cells) > len(columns):
                    raise ValueError(
                        f"Row {key!r} has {len(cells)} cells for {len(columns)} columns."
                    )
                for column, cell in zip(columns, cells, strict=False):
                    if column.width is None:
                        width = cell_width(cell)
                        if width > column.content_width:
                            column.content_width = width
                            widened = True
                self._index[key] = len(self._keys)
                self._keys.append(key)
                self._rows.append(tuple(cells))
        finally:
            # Rows added before a bad one stay (as DataTable's add_rows leaves them).
            added = len(self._keys) - start
            if added:
                self._rows_added(start, widened)
        return added

    def update_cell(self, row_key: str, column_key: str, value: Cell) -> None:
        """Replace one cell (the row repaints if it is on screen)."""
        row = self.get_row_index(row_key)
        position = self._column_position(column_key)
        cells = list(self.get_row_at(row))
        old = cells[position]
        cells[position] = value
        self._rows[row] = tuple(cells)
        column = self._columns[position]
        if column.width is None:
            width, old_width = cell_width(value), cell_width(old)
            if width > column.content_width:
                column.content_width = width
                self._layout_changed()
                return
            if old_width == column.content_width and width < old_width:
                self._measure(column)  # the widest cell got narrower
                return
        self._refresh_row(row)

    def remove_row(self, row_key: str) -> None:
        """Remove a row; the rows below move up (O(rows below it))."""
        row = self.get_row_index(row_key)
        del self._index[row_key]
        del self._keys[row]
        del self._rows[row]
        for position in range(row, len(self._keys)):
            self._index[self._keys[position]] = position
        self._hover_row = min(self._hover_row, max(0, len(self._keys) - 1))
        self._update_virtual_size()
        self.refresh()
        self._set_cursor(self._cursor_row)

    def clear(self, columns: bool = False) -> None:
        """Remove every row (and the columns too, with `columns`); the cursor goes to the top."""
        self._keys.clear()
        self._rows.clear()
        self._index.clear()
        if columns:
            self._columns.clear()
            self._column_index.clear()
            self._column_cursor = None
        else:
            for column in self._columns:
                column.content_width = cell_width(column.label)
        self._cursor_row = 0
        self._hover_row = 0
        self._update_virtual_size()
        self.scroll_x = self.scroll_y = 0
        self.scroll_target_x = self.scroll_target_y = 0
        self.refresh()

    # ---- the cursor ----------------------------------------------------------------------

    def move_cursor(self, *, row: int, animate: bool = False, scroll: bool = True) -> None:
        """Put the cursor on a row (clamped to the rows there are)."""
        self._set_cursor(row, scroll=False)
        if scroll:
            self._scroll_cursor_into_view(animate=animate)

    def _set_cursor(self, row: int, *, scroll: bool = True) -> None:
        row = max(0, min(row, len(self._keys) - 1))
        old = self._cursor_row
        if row == old:
            return
        self._cursor_row = row
        self._refresh_row(old)
        self._refresh_row(row)
        self._post_highlighted()
        if scroll:
            self._scroll_cursor_into_view()

    def _post_highlighted(self) -> None:
        if self._keys:
            row = self._cursor_row
            self.post_message(self.RowHighlighted(self, row, self._keys[row]))

    def _scroll_cursor_into_view(self, animate: bool = False) -> None:
        if not self._keys:
            return
        if not self.size.height:
            # Not laid out yet: scroll once the table has its size.
            self.call_after_refresh(self._scroll_cursor_into_view, animate)
            return
        header = self._header_height
        width = max(self.size.width, self._table_width)
        region = Region(int(self.scroll_x), self._cursor_row + header, width, 1)
        self.scroll_to_region(region, animate=animate, spacing=Spacing(header, 0, 0, 0), force=True)

    # ---- the header's column cursor --------------------------------------------------------

    def move_column_cursor(self, column: int | None) -> None:
        """Highlight a column's label (clamped to the columns there are) and scroll it into
        view; None leaves the header. Posts ColumnHighlighted when it changes."""
        if column is not None:
            column = max(0, min(column, len(self._columns) - 1)) if self._columns else None
        if column == self._column_cursor:
            return
        self._column_cursor = column
        self._refresh_row(-1)
        if column is not None:
            self._scroll_column_into_view(column)
        key = None if column is None else self._columns[column].key
        self.post_message(self.ColumnHighlighted(self, column, key))

    def _column_span(self, position: int) -> tuple[int, int]:
        """Where a column starts in the table and how wide it is, padding included."""
        pad = self.cell_padding
        start = sum(column.span(pad) for column in self._columns[:position])
        return start, self._columns[position].span(pad)

    @property
    def _fixed_width(self) -> int:
        pad = self.cell_padding
        return sum(column.span(pad) for column in self._columns[: self._fixed_columns])

    def _scroll_column_into_view(self, position: int) -> None:
        if position < self._fixed_columns:
            return  # pinned: always in view
        start, width = self._column_span(position)
        fixed = self._fixed_width
        view = self.scrollable_content_region.width
        left = int(self.scroll_x)
        if start < left + fixed or width > view - fixed:
            target = start - fixed
        elif start + width > left + view:
            target = start + width - view
        else:
            return
        self.scroll_to(x=max(0, target), animate=False, force=True, immediate=True)

    def _leave_header(self) -> None:
        if self._column_cursor is not None:
            self.move_column_cursor(None)

    # ---- actions -------------------------------------------------------------------------

    def action_cursor_up(self) -> None:
        self._set_hover(False)
        if self._column_cursor is not None:
            self._leave_header()  # up from the header: nowhere to go but stay on the rows
            return
        self._set_cursor(self._cursor_row - 1)

    def action_cursor_down(self) -> None:
        self._set_hover(False)
        if self._column_cursor is not None:
            self._leave_header()  # down from the header: back to the row the cursor is on
            return
        self._set_cursor(self._cursor_row + 1)

    def action_scroll_left(self) -> None:
        if self._column_cursor is not None:
            self.move_column_cursor(max(0, self._column_cursor - 1))
        else:
            super().action_scroll_left()

    def action_scroll_right(self) -> None:
        if self._column_cursor is not None:
            self.move_column_cursor(self._column_cursor + 1)
        else:
            super().action_scroll_right()

    def action_page_down(self) -> None:
        self._set_hover(False)
        self._leave_header()
        height = self._page_height
        self.scroll_relative(y=height, animate=False, force=True)
        self.move_cursor(row=self._cursor_row + height, scroll=False)

    def action_page_up(self) -> None:
        self._set_hover(False)
        self._leave_header()
        height = self._page_height
        self.scroll_relative(y=-height, animate=False, force=True)
        self.move_cursor(row=self._cursor_row - height, scroll=False)

    def action_scroll_top(self) -> None:
        self._set_hover(False)
        self._leave_header()
        self._set_cursor(0)

    def action_scroll_bottom(self) -> None:
        self._set_hover(False)
        self._leave_header()
        self._set_cursor(len(self._keys) - 1)

    def action_scroll_home(self) -> None:
        self._set_hover(False)
        self.scroll_x = 0

    def action_scroll_end(self) -> None:
        self._set_hover(False)
        self.scroll_x = self.max_scroll_x

    def action_select_cursor(self) -> None:
        self._set_hover(False)
        column = self._column_cursor
        if column is not None:
            self.post_message(self.HeaderSelected(self, column, self._columns[column].key))
        elif self._keys:
            row = self._cursor_row
            self.post_message(self.RowSelected(self, row, self._keys[row]))

    @property
    def _page_height(self) -> int:
        return max(1, self.scrollable_content_region.height - self._header_height)

    # ---- the mouse -----------------------------------------------------------------------

    def _row_at(self, event: events.MouseEvent) -> int | None:
        """The row under the mouse: -1 for the header, None off the rows (or on a scrollbar)."""
        offset = event.get_content_offset(self)
        if offset is None:
            return None
        header = self._header_height
        if offset.y < header:
            return -1
        row = offset.y - header + int(self.scroll_y)
        return row if row < len(self._keys) else None

    def _column_at(self, event: events.MouseEvent) -> int | None:
        """The column under the mouse (pinned columns do not scroll), None right of the last."""
        offset = event.get_content_offset(self)
        if offset is None:
            return None
        x = offset.x if offset.x < self._fixed_width else offset.x + int(self.scroll_x)
        for position, column in enumerate(self._columns):
            x -= column.span(self.cell_padding)
            if x < 0:
                return position
        return None

    async def _on_click(self, event: events.Click) -> None:
        self._set_hover(True)
        row = self._row_at(event)
        if row == -1:
            column = self._column_at(event)
            if column is not None:
                event.stop()
                self.move_column_cursor(column)
                self.post_message(self.HeaderSelected(self, column, self._columns[column].key))
            return
        if row is None:
            return
        event.stop()
        self._leave_header()
        if row == self._cursor_row:
            self.action_select_cursor()
            self._set_hover(True)
        else:
            self._set_cursor(row, scroll=False)
        self._scroll_cursor_into_view(animate=True)

    def _on_mouse_move(self, event: events.MouseMove) -> None:
        row = self._row_at(event)
        if row is None:
            self._set_hover(False)
            return
        if row != self._hover_row:
            self._refresh_row(self._hover_row)
            self._hover_row = row
        self._set_hover(True)

    def _on_leave(self, _: events.Leave) -> None:
        self._set_hover(False)

    def _set_hover(self, shown: bool) -> None:
        if shown != self._show_hover:
            self._show_hover = shown
            self._refresh_row(self._hover_row)

    # ---- drawing -------------------------------------------------------------------------

    @property
    def _header_height(self) -> int:
        return 1 if self.show_header else 0

    @property
    def _table_width(self) -> int:
        return sum(column.span(self.cell_padding) for column in self._columns)

    def _update_virtual_size(self) -> None:
        self.virtual_size = Size(self._table_width, len(self._keys) + self._header_height)

    def _layout_changed(self) -> None:
        self._update_virtual_size()
        self.refresh()

    def _measure(self, column: Column) -> None:
        """Fit a column to its widest cell again (only when its widest cell shrank)."""
        position = self._column_index[column.key]
        widths = (cell_width(cells[position]) for cells in self._rows if len(cells) > position)
        column.content_width = max(widths, default=0)
        column.content_width = max(column.content_width, cell_width(column.label))
        self._layout_changed()

    def _rows_added(self, start: int, widened: bool) -> None:
        self._update_virtual_size()
        if widened:
            self.refresh()
        else:
            # Only new lines that are on screen need drawing.
            top = start + self._header_height - int(self.scroll_y)
            if top < self.size.height:
                self.refresh(Region(0, max(0, top), self.size.width, self.size.height))
        if start == 0:
            self._post_highlighted()  # a cursor appears where there was none

    def _refresh_row(self, row: int) -> None:
        """Repaint one row's line, if it is on screen (-1 is the header)."""
        y = self._header_height + row - int(self.scroll_y) if row >= 0 else 0
        if 0 <= y < self.size.height:
            self.refresh(Region(0, y, self.size.width, 1))

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._style_cache = None
        self.refresh()

    def _table_styles(self) -> dict[str, Style]:
        if self._style_cache is None:
            self._style_cache = {
                name.partition("--")[2]: self.get_component_rich_style(name)
                for name in self.COMPONENT_CLASSES
            }
            # Zebra and header rows are drawn in their component style alone, as DataTable does.
            for name in ("header", "even-row", "odd-row"):
                self._style_cache[f"{name}/row"] = self.get_component_styles(
                    f"datatable--{name}"
                ).rich_style
        return self._style_cache

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        base_style = self.rich_style
        header = self._header_height
        if y < header:
            row = -1
        else:
            row = y - header + int(self.scroll_y)
            if row >= len(self._rows):
                return Strip.blank(width, base_style)
        return self._render_row(row, int(self.scroll_x), width, base_style)

    def _render_row(self, row: int, scroll_x: int, width: int, base_style: Style) -> Strip:
        styles = self._table_styles()
        if row < 0:
            row_style = styles["header/row"]
            cells: Sequence[Cell] = [column.label for column in self._columns]
        else:
            if self.zebra_stripes:
                row_style = styles["odd-row/row" if row % 2 else "even-row/row"]
            else:
                row_style = base_style
            cells = self._rows[row]
        component = Style()
        if self._show_hover and row == self._hover_row:
            component += styles["hover"]
            if row < 0:
                component += styles["header-hover"]
        if row >= 0 and row == self._cursor_row:
            component += styles["cursor"]
        line = TableLine(
            self.app.console,
            self._columns,
            cells,
            row,
            self.cell_padding,
            pre=row_style + component,
            # The cursor's colour wins over a cell's own; a cell's background over the cursor's.
            post=Style.from_color(color=component.color),
            highlighted=self._column_cursor if row < 0 else None,
            highlight=styles["header-cursor"],
        )
        # The pinned columns first, unscrolled; the others scroll in the width that is left.
        fixed = min(self._fixed_width, width)
        pinned = line.draw(0, self._fixed_columns, 0, fixed)
        if fixed < width:
            left = fixed + scroll_x
            rest = line.draw(self._fixed_columns, len(self._columns), left, left + width - fixed)
            strip = Strip.join([pinned, rest])
        else:
            strip = pinned
        return strip.adjust_cell_length(width, base_style).simplify()
