"""PickerModal: search for pages (or any items) as you type and pick one or several."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Literal

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.widgets import Button, Input, Label, OptionList, SelectionList, Static
from textual.widgets.option_list import Option
from textual.widgets.selection_list import Selection

from alloy_tui.alloy.errors import AlloyError, ValidationError
from alloy_tui.notion.ids import id_from_text
from alloy_tui.notion.models import (
    PropertySchema,
    database_title,
    is_trashed,
    object_icon,
    object_title,
)
from alloy_tui.tui.widgets.footer import AppFooter

if TYPE_CHECKING:
    from alloy_tui.alloy.notion_api import NotionAPI

DEBOUNCE_SECONDS = 0.25


@dataclass(frozen=True)
class PickItem:
    id: str
    label: str
    kind: str = ""
    """What the item is, when it is a Notion object: "page", "database", "data_source"."""


SearchFunction = Callable[[str], Awaitable[Sequence[PickItem]]]
"""Returns the items matching a query ('' = the first ones)."""


class PickerModal(ModalScreen[list[PickItem] | None]):
    """Type to search; Enter picks (single) or toggles (multiple); ctrl+s confirms several.

    Dismisses the picked items (possibly empty: all unlinked), or None on Esc."""

    HELP = """\
Type to search by title (a pasted notion.so link or id works too); the list follows as you
type.

- **Down** moves from the search field into the list; **Enter** picks the highlighted item,
  also from the search field (the first match, once the list follows what you typed).
- Where several can be linked, **Enter** or **Space** toggles an item and **Ctrl+S** uses
  the ticked ones.
- **Esc** closes without changing anything.
"""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="picker.cancel", tooltip="Close without picking"),
        Binding("ctrl+s", "done", "Done", id="picker.done", tooltip="Use the selected items"),
        Binding("down", "focus_results", "Results", show=False, id="picker.results"),
    ]

    def __init__(
        self,
        title: str,
        search: SearchFunction,
        *,
        multiple: bool = False,
        selected: Sequence[PickItem] = (),
        placeholder: str = "Type to search by title",
    ) -> None:
        super().__init__(classes="dialog picker")
        self.title_text = title
        self.search = search
        self.multiple = multiple
        self.placeholder = placeholder
        self.chosen: dict[str, PickItem] = {item.id: item for item in selected}
        self._timer: Timer | None = None
        self._items: dict[str, PickItem] = {}
        self._shown_query: str | None = None
        """The query the list answers (None until the first answer)."""
        self._pick_when_shown = False
        """Enter was pressed in the field before the list followed the query: pick its
        highlighted (first) match when the answer arrives."""

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="-picker"):
            # The title names a property (data): never markup.
            yield Label(self.title_text, id="dialog-title", markup=False)
            yield Input(placeholder=self.placeholder, id="picker-query")
            if self.multiple:
                yield SelectionList[str](id="picker-results")
            else:
                yield OptionList(id="picker-results")
            yield Static("", id="picker-status", markup=False)
            with Horizontal(id="dialog-buttons"):
                yield Button("Cancel", id="cancel")
                if self.multiple:
                    yield Button("Done", id="confirm", variant="primary")
        yield AppFooter()

    def on_mount(self) -> None:
        self.query_one("#picker-query", Input).focus()
        self.run_search("")

    @on(Input.Changed, "#picker-query")
    def _query_changed(self, event: Input.Changed) -> None:
        if self._timer is not None:
            self._timer.stop()
        self._timer = self.set_timer(DEBOUNCE_SECONDS, lambda: self._debounced(event.value))

    def _debounced(self, query: str) -> None:
        self._timer = None
        self.run_search(query)

    @on(Input.Submitted, "#picker-query")
    def _submit_query(self, event: Input.Submitted) -> None:
        """Enter in the field: a single pick takes the highlighted match (like fzf), waiting
        for the list to follow the query first; a multiple one searches now."""
        query = event.value.strip()
        pending = self._timer is not None
        if self._timer is not None:
            self._timer.stop()
            self._timer = None
        if not self.multiple:
            if not pending and query == self._shown_query:
                self.action_done()
                return
            self._pick_when_shown = True
        self.run_search(event.value)

    @work(exclusive=True, group="picker-search")
    async def run_search(self, query: str) -> None:
        status = self.query_one("#picker-status", Static)
        status.update("Searching…")
        try:
            items = list(await self.search(query.strip()))
        except AlloyError as error:
            self._pick_when_shown = False  # what Enter would have picked is not known
            status.update(f"{error.sentence} {error.remedy}")
            return
        self._show(items, query.strip())

    def _show(self, items: list[PickItem], query: str) -> None:
        status = self.query_one("#picker-status", Static)
        if self.multiple:
            results = self.query_one("#picker-results", SelectionList)
            results.clear_options()
            # Chosen items stay listed, so unlinking one never needs a search.
            shown = list(self.chosen.values()) + [i for i in items if i.id not in self.chosen]
            self._items = {i.id: i for i in shown}
            # Labels are page titles: a Text prompt is shown as is, a str one parsed as markup.
            results.add_options(
                [Selection(Text(i.label), i.id, i.id in self.chosen) for i in shown]
            )
            if shown:
                results.highlighted = 0  # Down then Space toggles the first one
        else:
            options = self.query_one("#picker-results", OptionList)
            options.clear_options()
            self._items = {i.id: i for i in items}
            options.add_options([Option(Text(i.label), id=i.id) for i in items])
            if items:
                options.highlighted = 0
        self._shown_query = query
        if self._pick_when_shown:
            self._pick_when_shown = False
            if items:
                self.action_done()
                return
        if not items:
            status.update(f"Nothing matches '{query}'." if query else "Nothing to pick from.")
        else:
            status.update(f"{len(items)} found" + (" · space toggles" if self.multiple else ""))

    @on(SelectionList.SelectedChanged, "#picker-results")
    def _toggled(self, event: SelectionList.SelectedChanged[str]) -> None:
        selected = set(event.selection_list.selected)
        for item_id, item in self._items.items():
            if item_id in selected:
                self.chosen[item_id] = item
            else:
                self.chosen.pop(item_id, None)

    @on(OptionList.OptionSelected, "#picker-results")
    def _picked(self, event: OptionList.OptionSelected) -> None:
        item = self._items.get(event.option.id or "")
        if item is not None:
            self.dismiss([item])

    def action_focus_results(self) -> None:
        self.query_one("#picker-results").focus()

    @on(Button.Pressed, "#confirm")
    def action_done(self) -> None:
        if self.multiple:
            self.dismiss(list(self.chosen.values()))
            return
        options = self.query_one("#picker-results", OptionList)
        if options.highlighted is not None:
            option = options.get_option_at_index(options.highlighted)
            item = self._items.get(option.id or "")
            if item is not None:
                self.dismiss([item])

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        self.dismiss(None)


PICK_PAGE_SIZE = 25


def _item(obj: Mapping[str, Any]) -> PickItem:
    icon = object_icon(obj)
    # A data source (2025-09-03 search) is titled like a database, not by a title property.
    title = database_title(obj) if obj.get("object") == "data_source" else object_title(obj)
    return PickItem(str(obj["id"]), f"{icon} {title}" if icon else title, str(obj.get("object")))


def search_workspace(notion: NotionAPI, kind: Literal["page", "database"]) -> SearchFunction:
    """Pages or databases of the workspace whose title contains the query (Notion's search).
    A 2025-09-03 search finds databases as their data sources (items of kind "data_source")."""

    async def search(query: str) -> list[PickItem]:
        found = await notion.search(query, filter_object=kind, page_size=PICK_PAGE_SIZE)
        return [_item(obj) for obj in found.results if not is_trashed(obj)]

    return search


def search_items(items: Sequence[PickItem]) -> SearchFunction:
    """A fixed list (a database's data sources), filtered by the query as the user types."""
    listed = list(items)

    async def search(query: str) -> list[PickItem]:
        wanted = query.casefold()
        return [item for item in listed if wanted in item.label.casefold()]

    return search


def search_related(notion: NotionAPI, prop: PropertySchema) -> SearchFunction:
    """The pages a relation property can link: rows of the data source (or database) its
    config names, by title; every page of the workspace only when the config names nothing.
    A pasted link or id is looked up, and refused when it is not one of those rows."""
    workspace = search_workspace(notion, "page")
    target = prop.config

    async def search(query: str) -> list[PickItem]:
        pasted = id_from_text(query) if query else None
        if pasted is not None:
            page, linkable = await notion.relation_target_page(target, pasted)
            if not linkable:
                raise ValidationError(
                    f"“{object_title(page)}” is not a page {prop.name} can link.",
                    remedy="Type part of a title to list the pages it can link.",
                    field=prop.name,
                )
            return [_item(page)]
        found = await notion.query_relation_target(target, query, page_size=PICK_PAGE_SIZE)
        if found is None:
            return list(await workspace(query))
        return [_item(obj) for obj in found.results if not is_trashed(obj)]

    return search
