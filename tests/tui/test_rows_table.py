"""RowsTable on its own, in a minimal app: keys, mouse, messages, row edits and what it draws."""

from __future__ import annotations

import pytest
from rich.text import Text
from textual.app import App, ComposeResult
from textual.events import MouseScrollDown
from textual.message import Message

from alloy_tui.tui.widgets.rows_table import DuplicateKey, RowDoesNotExist, RowsTable

SIZE = (60, 12)
"""12 lines: the header and 11 rows on screen."""


class TableApp(App[None]):
    def __init__(self, rows: int = 0) -> None:
        super().__init__()
        self.rows = rows
        self.messages: list[RowsTable.RowHighlighted | RowsTable.RowSelected] = []

    def compose(self) -> ComposeResult:
        table = RowsTable(id="table", zebra_stripes=True)
        table.add_column("Name", key="name", width=12, overflow="ellipsis")
        table.add_column("Kind", key="kind")
        table.add_rows((f"k{i}", (f"row {i}", "page")) for i in range(self.rows))
        yield table

    def on_mount(self) -> None:
        self.table.focus()

    @property
    def table(self) -> RowsTable:
        return self.query_one(RowsTable)

    def on_rows_table_row_highlighted(self, message: RowsTable.RowHighlighted) -> None:
        self.messages.append(message)

    def on_rows_table_row_selected(self, message: RowsTable.RowSelected) -> None:
        self.messages.append(message)

    def posted(self, kind: type[Message]) -> list[tuple[int, str]]:
        return [(m.cursor_row, m.row_key) for m in self.messages if isinstance(m, kind)]


def line(table: RowsTable, y: int) -> str:
    return table.render_line(y).text


async def test_keys_move_the_cursor_and_post_what_datatable_posted() -> None:
    app = TableApp(rows=100)
    async with app.run_test(size=SIZE) as pilot:
        table = app.table
        assert table.cursor_row == 0 and table.cursor_key == "k0"
        await pilot.press("down", "down", "up")
        assert table.cursor_row == 1
        await pilot.press("pagedown")  # a page is the 11 rows under the header
        assert table.cursor_row == 12
        await pilot.press("pageup")
        assert table.cursor_row == 1
        await pilot.press("ctrl+end")
        assert table.cursor_row == 99
        await pilot.press("down")  # already on the last row: no move, no message
        await pilot.press("ctrl+home")
        assert table.cursor_row == 0
        await pilot.press("enter")
        await pilot.pause()
        highlighted = [row for row, _ in app.posted(RowsTable.RowHighlighted)]
        # The first row arriving highlights it; then each move, none where the cursor stays.
        assert highlighted == [0, 1, 2, 1, 12, 1, 99, 0]
        assert app.posted(RowsTable.RowHighlighted)[-2] == (99, "k99")
        assert app.posted(RowsTable.RowSelected) == [(0, "k0")]


async def test_the_last_row_of_50000_is_drawn_under_the_cursor() -> None:
    app = TableApp(rows=50_000)
    async with app.run_test(size=SIZE) as pilot:
        table = app.table
        await pilot.press("ctrl+end")
        await pilot.pause()
        assert table.cursor_row == 49_999
        assert table.scroll_y == table.max_scroll_y
        assert line(table, 11).startswith(" row 49999")
        assert line(table, 0).startswith(" Name")  # the header stays on top
        table.move_cursor(row=25_000)
        await pilot.pause()
        shown = [line(table, y) for y in range(1, 12)]
        assert any(text.startswith(" row 25000 ") for text in shown)


async def test_a_click_moves_the_cursor_and_a_second_click_selects() -> None:
    app = TableApp(rows=30)
    async with app.run_test(size=SIZE) as pilot:
        table = app.table
        await pilot.click(RowsTable, offset=(3, 4))  # line 4: the fourth row
        assert table.cursor_row == 3
        assert app.posted(RowsTable.RowSelected) == []
        await pilot.click(RowsTable, offset=(3, 4))
        await pilot.pause()
        assert app.posted(RowsTable.RowSelected) == [(3, "k3")]
        await pilot.click(RowsTable, offset=(3, 0))  # the header: nothing happens
        assert table.cursor_row == 3


async def test_the_wheel_scrolls_without_moving_the_cursor() -> None:
    app = TableApp(rows=100)
    async with app.run_test(size=SIZE) as pilot:
        table = app.table
        table.post_message(MouseScrollDown(table, 3, 5, 0, 0, 0, False, False, False))
        await pilot.pause()
        assert table.scroll_y > 0
        assert table.cursor_row == 0


async def test_cells_are_shown_as_they_are_and_cut_to_their_column() -> None:
    app = TableApp()
    async with app.run_test(size=SIZE) as pilot:
        table = app.table
        table.add_row("[bold]x[/] and a long title", "[/tmp]", key="a")
        table.add_row("李伟李伟李伟李伟", Text("styled", style="green"), key="b")
        await pilot.pause()
        # Markup is text; a title too long for its 12 cells ends with an ellipsis.
        assert line(table, 1).startswith(" [bold]x[/] …  [/tmp] ")
        # The auto-width column grew to its widest cell; wide characters count double.
        assert table.columns["kind"].inner_width == len("styled")
        assert line(table, 2).startswith(" 李伟李伟李 …  styled ")
        green = [s for s in table.render_line(2) if s.text == "styled"]
        assert green and green[0].style is not None and green[0].style.color is not None
        assert green[0].style.color.name == "green"


async def test_rows_are_added_updated_removed_and_cleared_by_key() -> None:
    app = TableApp(rows=5)
    async with app.run_test(size=SIZE) as pilot:
        table = app.table
        with pytest.raises(DuplicateKey):
            table.add_row("again", key="k1")
        with pytest.raises(ValueError, match="3 cells for 2 columns"):
            table.add_row("a", "b", "c", key="k9")
        table.update_cell("k2", "kind", "database")
        assert table.get_row("k2") == ("row 2", "database")
        assert table.get_cell("k2", "kind") == "database"
        table.move_cursor(row=4)
        table.remove_row("k1")
        assert table.row_keys == ("k0", "k2", "k3", "k4")
        assert table.get_row_index("k4") == 3
        assert table.cursor_row == 3  # clamped to the rows left
        assert not table.has_row("k1")
        with pytest.raises(RowDoesNotExist):
            table.get_row_index("k1")
        with pytest.raises(RowDoesNotExist):
            table.get_row_at(4)
        # A shorter row shows empty cells.
        table.add_row("short", key="s")
        assert table.get_row("s") == ("short", "")
        table.clear()
        await pilot.pause()
        assert table.row_count == 0 and table.cursor_key is None
        assert table.columns["kind"].inner_width == len("Kind")  # fits its label again
        assert line(table, 1).strip() == ""


async def test_a_column_can_be_resized_and_shrinks_back_when_its_widest_cell_does() -> None:
    app = TableApp(rows=3)
    async with app.run_test(size=SIZE) as pilot:
        table = app.table
        table.update_cell("k1", "kind", "a much longer kind")
        assert table.columns["kind"].inner_width == len("a much longer kind")
        table.update_cell("k1", "kind", "page")
        assert table.columns["kind"].inner_width == len("page")
        table.set_column_width("name", 6)
        await pilot.pause()
        assert table.virtual_size.width == (6 + 2) + (4 + 2)
        assert line(table, 1).startswith(" row 0   page ")


class WideApp(App[None]):
    """Four 10-cell columns (12 with padding: 48 cells) in a 30-cell table."""

    def __init__(self, fixed_columns: int) -> None:
        super().__init__()
        self.fixed_columns = fixed_columns
        self.messages: list[Message] = []

    def compose(self) -> ComposeResult:
        table = RowsTable(id="table", fixed_columns=self.fixed_columns)
        for name in ("Title", "Alpha", "Beta", "Gamma"):
            table.add_column(name, key=name.lower(), width=10)
        # Five rows: no vertical scrollbar, so all 30 cells show the table.
        table.add_rows((f"k{i}", (f"title {i}", f"a{i}", f"b{i}", f"g{i}")) for i in range(5))
        yield table

    def on_mount(self) -> None:
        self.query_one(RowsTable).focus()

    def on_rows_table_header_selected(self, message: RowsTable.HeaderSelected) -> None:
        self.messages.append(message)

    def on_rows_table_column_highlighted(self, message: RowsTable.ColumnHighlighted) -> None:
        self.messages.append(message)

    def headers_selected(self) -> list[str]:
        return [m.column_key for m in self.messages if isinstance(m, RowsTable.HeaderSelected)]

    def highlighted(self) -> list[str | None]:
        return [m.column_key for m in self.messages if isinstance(m, RowsTable.ColumnHighlighted)]


WIDE = (30, 8)


def _cells(*values: str) -> str:
    """A line of 10-cell columns with one cell of padding each side, as the table draws it."""
    return "".join(f" {value:<10} " for value in values)


@pytest.mark.parametrize("fixed", [0, 1, 2])
async def test_fixed_columns_stay_while_the_others_scroll(fixed: int) -> None:
    app = WideApp(fixed)
    async with app.run_test(size=WIDE) as pilot:
        table = app.query_one(RowsTable)
        assert table.max_scroll_x == 48 - 30
        await pilot.press("end")
        await pilot.pause()
        assert table.scroll_x == 18
        header, first = table.render_line(0).text, table.render_line(1).text
        # The whole lines, 48 cells; pinned columns keep their cells, the rest show from
        # 18 cells further (the scroll) on, after the pinned ones.
        full_header = _cells("Title", "Alpha", "Beta", "Gamma")
        full_first = _cells("title 0", "a0", "b0", "g0")
        pinned = 12 * fixed
        assert header == full_header[:pinned] + full_header[pinned + 18 :]
        assert first == full_first[:pinned] + full_first[pinned + 18 :]
        assert len(header) == 30
        if fixed:
            assert header.startswith(" Title ") and first.startswith(" title 0 ")
        else:
            assert "Title" not in header
        await pilot.press("home")
        await pilot.pause()
        assert table.render_line(0).text == _cells("Title", "Alpha", "Beta")[:30]


async def test_a_click_on_a_label_selects_its_column_pinned_or_scrolled() -> None:
    app = WideApp(1)
    async with app.run_test(size=WIDE) as pilot:
        table = app.query_one(RowsTable)
        await pilot.press("end")  # scrolled by 18: Beta's last 6 cells, then Gamma
        await pilot.pause()
        await pilot.click(RowsTable, offset=(3, 0))  # the pinned Title
        await pilot.click(RowsTable, offset=(20, 0))  # Gamma
        assert table.scroll_x == 18
        await pilot.click(RowsTable, offset=(14, 0))  # the end of Beta: scrolled in whole
        await pilot.pause()
        assert table.scroll_x == 12
        assert table.render_line(0).text == _cells("Title", "Beta", "Gamma")[:30]
        assert app.headers_selected() == ["title", "gamma", "beta"]
        await pilot.click(RowsTable, offset=(26, 0))  # Gamma again, where it is now
        await pilot.pause()
        assert table.column_cursor == 3  # a clicked label is highlighted: Enter sorts again
        await pilot.press("enter")
        await pilot.pause()
        assert app.headers_selected() == ["title", "gamma", "beta", "gamma", "gamma"]
        assert table.cursor_row == 0


async def test_the_column_cursor_moves_along_the_header_and_scrolls_it_in() -> None:
    app = WideApp(1)
    async with app.run_test(size=WIDE) as pilot:
        table = app.query_one(RowsTable)
        table.move_column_cursor(0)
        await pilot.press("right", "right", "right")  # Alpha, Beta, Gamma (scrolled in)
        await pilot.pause()
        assert table.column_cursor == 3
        assert table.scroll_x == table.max_scroll_x
        assert table.render_line(0).text.endswith(" Gamma      ")
        await pilot.press("right")  # the last column: it stays
        await pilot.press("left", "left")  # back to Alpha: scrolled in right of the title
        await pilot.pause()
        assert table.column_cursor == 1
        assert table.scroll_x == 0
        # Its cell is drawn in the header cursor's style, the others are not.
        cursor = table.get_component_rich_style("rows-table--header-cursor")
        alpha = [s for s in table.render_line(0) if "Alpha" in s.text]
        assert alpha and alpha[0].style is not None
        assert alpha[0].style.bgcolor == cursor.bgcolor
        title = [s for s in table.render_line(0) if "Title" in s.text]
        assert title[0].style is not None and title[0].style.bgcolor != cursor.bgcolor
        await pilot.press("enter")
        await pilot.press("down")  # back to the rows: the row cursor does not move
        await pilot.pause()
        assert table.column_cursor is None and table.cursor_row == 0
        await pilot.press("enter")  # Enter is the row's again (no header message)
        await pilot.pause()
        assert app.headers_selected() == ["alpha"]
        assert app.highlighted() == ["title", "alpha", "beta", "gamma", "beta", "alpha", None]


async def test_a_label_changes_and_its_column_fits_it() -> None:
    app = WideApp(0)
    async with app.run_test(size=WIDE) as pilot:
        table = RowsTable()
        await app.mount(table)
        table.add_column("Due", key="due")
        table.add_row("2025", key="r")
        table.set_column_label("due", "Due ↓1")
        assert table.columns["due"].inner_width == len("Due ↓1")
        assert str(table.columns["due"].label) == "Due ↓1"
        table.set_column_label("due", "[b]Due[/b]")  # a str label is text, not markup
        assert str(table.columns["due"].label) == "[b]Due[/b]"
        table.set_column_label("due", "Due")
        assert table.columns["due"].inner_width == len("2025")  # back to its widest cell
        await pilot.pause()


async def test_a_hidden_column_takes_no_room_and_keeps_its_cells() -> None:
    app = TableApp()
    async with app.run_test(size=SIZE) as pilot:
        table = app.table
        table.add_column("Size", key="size", width=4)
        table.add_row("first", "page", "12", key="a")
        await pilot.pause()
        assert line(table, 1).startswith(" first         page  12   ")
        width = table.virtual_size.width
        table.set_column_visible("kind", False)
        await pilot.pause()
        assert line(table, 0).startswith(" Name          Size ")
        assert line(table, 1).startswith(" first         12   ")
        assert table.virtual_size.width == width - len(" page ")
        table.set_column_visible("kind", True)
        await pilot.pause()
        assert table.get_row("a") == ("first", "page", "12")
        assert line(table, 1).startswith(" first         page  12   ")
