"""RowsTable's cells and columns, and how one line of them is drawn: a range of columns cut
to a range of cells, so a table pinned on the left and scrolled on the right draws each part
with the same code, and only the columns in view."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

from rich.cells import cell_len
from rich.console import Console
from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.strip import Strip

Cell = str | Text
"""A cell: a str is shown as it is (never parsed as markup); a Text keeps its own styles."""
Overflow = Literal["crop", "ellipsis"]


@dataclass
class Column:
    """One column: its label, a fixed width (None: as wide as its widest cell) and how a cell
    too long for it ends."""

    key: str
    label: Text
    width: int | None = None
    overflow: Overflow = "crop"
    content_width: int = 0
    """The widest cell or label seen (what a column without a fixed width takes)."""
    visible: bool = True
    """False: the column takes no room (a narrow terminal leaves it out); its cells are kept."""

    @property
    def inner_width(self) -> int:
        return self.content_width if self.width is None else self.width

    def span(self, padding: int) -> int:
        """The cells the column takes in the table: its width and `padding` on both sides."""
        return self.inner_width + 2 * padding if self.visible else 0


def first_line(cell: Cell) -> Text:
    """The Text a cell shows: rows are one line high, so only the first line counts."""
    text = cell if isinstance(cell, Text) else Text(cell)
    if "\n" in text.plain:
        text = text.split("\n", allow_blank=True)[0]
    return text


def cell_width(cell: Cell) -> int:
    if isinstance(cell, str):
        return cell_len(cell.partition("\n")[0])
    return first_line(cell).cell_len


@dataclass
class TableLine:
    """One line of a table: a row's cells, or the labels (row -1), in the line's style.

    `pre` is the row's style with the cursor's or the hover's; `post` the colour that wins over
    a cell's own (the cursor's); `highlight` the style of column `highlighted` (the header's
    column cursor)."""

    console: Console
    columns: Sequence[Column]
    cells: Sequence[Cell]
    row: int
    padding: int
    pre: Style
    post: Style
    highlighted: int | None = None
    highlight: Style | None = None

    def draw(self, first: int, last: int, left: int, right: int) -> Strip:
        """Columns `first` to `last` (excluded) cut to the cells `left` to `right` of the table;
        the table's last column is followed by blank cells up to `right`."""
        columns, cells, pre = self.columns, self.cells, self.pre
        pad = self.padding
        spaces = " " * pad
        console = self.console
        # One meta per cell, as DataTable has: each cell stays a run of its own when exported.
        meta = Style.from_meta
        segments: list[Segment] = []
        x = sum(column.span(pad) for column in columns[:first])
        start: int | None = None
        for position in range(first, min(last, len(columns))):
            column = columns[position]
            if not column.visible:
                continue
            inner = column.inner_width
            edge = x + inner + 2 * pad
            if edge <= left:
                x = edge
                continue
            if x >= right:
                break
            if start is None:
                start = x
            x = edge
            cell = cells[position] if position < len(cells) else ""
            if isinstance(cell, str) and cell.isprintable() and cell_len(cell) <= inner:
                content, used = [Segment(cell)], cell_len(cell)  # most cells: nothing to cut
            else:
                text = fitted(console, cell, inner, overflow_of(cell, column))
                content, used = text_segments(console, text), text.cell_len
            parts = [Segment(spaces), *content, Segment(" " * (inner - used) + spaces)]
            style = pre
            if position == self.highlighted and self.highlight is not None:
                style = pre + self.highlight
            style += meta({"row": self.row, "column": position})
            segments.extend(Segment.apply_style(parts, style, self.post))
        if start is None:
            start = min(x, left)
        if last >= len(columns) and x < right:
            rest = meta({"row": self.row, "column": 0, "out_of_bounds": True})
            segments.append(Segment(" " * (right - x), pre + rest))
        return Strip(segments).crop(left - start, right - start)


def fitted(console: Console, cell: Cell, width: int, overflow: Overflow) -> Text:
    """The cell's first line cut to `width` cells, as Rich cuts a line that does not wrap."""
    if width <= 0:
        return Text()
    lines = first_line(cell).wrap(console, width, overflow=overflow, no_wrap=True)
    text = lines[0] if lines else Text()
    if text.cell_len > width:
        text.truncate(width)
    return text


def text_segments(console: Console, text: Text) -> list[Segment]:
    """The text's segments with its own style too (Text.render applies it through spans only)."""
    if text.style and not text.spans:
        return [Segment(text.plain, console.get_style(text.style))]
    return list(text.render(console, end=""))


def overflow_of(cell: Cell, column: Column) -> Overflow:
    if isinstance(cell, Text) and cell.overflow in ("crop", "ellipsis"):
        return "ellipsis" if cell.overflow == "ellipsis" else "crop"
    return column.overflow
