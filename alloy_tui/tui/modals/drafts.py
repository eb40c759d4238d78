"""DraftsModal: unsaved edits left by a crash or a quit, offered back (open, compare, discard)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Button, Label, OptionList, Static
from textual.widgets.option_list import Option

from alloy_tui.drafts import Draft, DraftStore, DraftWriteError
from alloy_tui.editing import input_text
from alloy_tui.notion.models import relative_time
from alloy_tui.notion.values import display
from alloy_tui.tui.modals.confirm import ConfirmModal
from alloy_tui.tui.modals.conflict import diff_text, unified_diff
from alloy_tui.tui.widgets.footer import AppFooter

if TYPE_CHECKING:
    from alloy_tui.tui.app import AlloyApp


def compare_text(draft: Draft) -> Text:
    """The draft against the version it started from: changed properties, then a body diff."""
    out = Text()
    names = draft.changed_properties
    if names:
        out.append("Properties: before → draft\n", style="bold")
        for name in names:
            before = draft.base_properties.get(name)
            old = display(before) if isinstance(before, dict) else ""
            new = input_text(draft.property_inputs.get(name, draft.properties.get(name)))
            out.append(f"  {name}: ", style="bold")
            out.append(old or "(empty)", style="red")
            out.append("  →  ")
            out.append(new or "(empty)", style="green")
            out.append("\n")
    if draft.body_changed:
        if names:
            out.append("\n")
        out.append("Body: before (-) vs draft (+)\n", style="bold")
        lines = unified_diff(
            draft.base_markdown or "",
            draft.body_markdown or "",
            before_name="before",
            after_name="draft",
        )
        out.append_text(diff_text(lines))
    if not names and not draft.body_changed:
        out.append("This draft holds no change.")
    return out


class DraftCompareModal(ModalScreen[None]):
    """A draft against the version it started from, read-only."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q", "close", "Close", id="draft_compare.close", tooltip="Close"),
    ]

    def __init__(self, draft: Draft) -> None:
        super().__init__(classes="dialog")
        self.draft = draft

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="-drafts"):
            what = "Kept copy of" if self.draft.kept else "Draft of"
            yield Label(f"{what} “{self.draft.title}”", id="dialog-title", markup=False)
            with VerticalScroll(id="draft-compare"):
                yield Static(compare_text(self.draft), id="draft-diff")
            with Horizontal(id="dialog-buttons"):
                yield Button("Close", id="close", variant="primary")
        yield AppFooter()  # the dialog's own keys, over the page's

    def on_mount(self) -> None:
        self.query_one("#draft-compare").focus()

    @on(Button.Pressed, "#close")
    def action_close(self) -> None:
        self.dismiss(None)


class DraftsModal(ModalScreen[Draft | None]):
    """Unsaved drafts, newest first; dismisses the draft to open, or None (they stay on disk)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "later", "Later", id="drafts.later", tooltip="Keep the drafts for later"),
        Binding("o", "open", "Open", id="drafts.open", tooltip="Open the page with the draft"),
        Binding("c", "compare", "Compare", id="drafts.compare", tooltip="What the draft changes"),
        Binding("d", "discard", "Discard", id="drafts.discard", tooltip="Delete the draft"),
    ]

    def __init__(
        self,
        drafts: Sequence[Draft],
        store: DraftStore,
        now: datetime,
        *,
        title: str = "Unsaved drafts from an earlier session",
        message: str = (
            "These edits were never saved to Notion. Open one to continue where you left off."
        ),
    ) -> None:
        super().__init__(classes="dialog")
        self.drafts = list(drafts)
        self.store = store
        self.now = now
        self.title_text = title
        self.message = message

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog", classes="-drafts"):
            yield Label(self.title_text, id="dialog-title", markup=False)
            yield Static(self.message, id="dialog-message", markup=False)
            yield OptionList(*self._options(), id="drafts-list")
            with Horizontal(id="dialog-buttons"):
                yield Button("Discard…", id="discard", variant="error")
                yield Button("Compare", id="compare")
                yield Button("Later", id="later")
                yield Button("Open", id="open", variant="primary")
        yield AppFooter()

    def _options(self) -> list[Option]:
        options = []
        for draft in self.drafts:
            line = Text()
            line.append(draft.title or "Untitled", style="bold")
            if draft.kept:
                line.append("  ·  kept copy", style="yellow")
            line.append(f"  ·  {relative_time(draft.updated_at(), self.now)}", style="dim")
            line.append(f"  ·  {draft.summary()}")
            options.append(Option(line, id=draft.key))
        return options

    def on_mount(self) -> None:
        listing = self.query_one("#drafts-list", OptionList)
        listing.highlighted = 0 if self.drafts else None
        listing.focus()

    @property
    def selected(self) -> Draft | None:
        index = self.query_one("#drafts-list", OptionList).highlighted
        if index is None or not 0 <= index < len(self.drafts):
            return None
        return self.drafts[index]

    @on(OptionList.OptionSelected, "#drafts-list")
    @on(Button.Pressed, "#open")
    def action_open(self) -> None:
        draft = self.selected
        if draft is not None:
            self.dismiss(draft)

    @on(Button.Pressed, "#compare")
    def action_compare(self) -> None:
        draft = self.selected
        if draft is not None:
            self.app.push_screen(DraftCompareModal(draft))

    @on(Button.Pressed, "#later")
    def action_later(self) -> None:
        self.dismiss(None)

    @on(Button.Pressed, "#discard")
    def action_discard(self) -> None:
        draft = self.selected
        if draft is None:
            return

        def answered(confirmed: bool | None) -> None:
            if confirmed:
                self._discard(draft)

        self.app.push_screen(
            ConfirmModal(
                "Discard this draft?",
                f"Your unsaved edit of “{draft.title}” ({draft.summary()}"
                f"{', a kept copy' if draft.kept else ''}) will be deleted. "
                "This cannot be undone.",
                confirm="Discard",
                cancel="Keep",
                danger=True,
            ),
            answered,
        )

    def _discard(self, draft: Draft) -> None:
        try:
            self.store.discard(draft.page_id, draft.connection_id, draft.kept)
        except DraftWriteError as error:
            self.notify(f"{error.sentence}\n{error.remedy}", severity="error", markup=False)
            return
        index = self.drafts.index(draft)
        self.drafts.remove(draft)
        if not self.drafts:
            self.dismiss(None)
            return
        listing = self.query_one("#drafts-list", OptionList)
        listing.remove_option_at_index(index)
        listing.highlighted = min(index, len(self.drafts) - 1)
        self.notify(f"Discarded the draft of “{draft.title}”.", timeout=3, markup=False)


def draft_origin(app: AlloyApp) -> str:
    """Which Alloy a draft belongs to: its base URL, or "sandbox" (whose port changes per run)."""
    return "sandbox" if app.state.sandbox else app.state.client.base_url


def offer_drafts(app: AlloyApp) -> None:
    """At start: offer the drafts of this Alloy left by a crash or a quit; report unreadable
    draft files (moved aside to <name>.corrupt by the store, so each is reported once)."""
    store = app.state.drafts
    origin = draft_origin(app)
    drafts = [d for d in store.list() if d.base_url == origin and not d.is_empty]
    for problem in store.problems:
        app.notify(
            problem.sentence,
            title="Drafts",
            severity="warning",
            timeout=10,
            markup=False,
        )
    if not drafts:
        return

    def chosen(draft: Draft | None) -> None:
        if draft is not None:
            open_draft(app, draft)

    app.push_screen(DraftsModal(drafts, store, app.state.now()), chosen)


def open_draft(app: AlloyApp, draft: Draft) -> bool:
    """Open the draft's page with the draft applied over the server's current version; True
    if the page was opened.

    A draft of another connection needs a switch first. When the switch does not happen right
    away (it failed, or it asks about unsaved edits elsewhere) the page is not opened: it
    would land in the wrong workspace, or under a question the user has not answered. The
    draft stays on disk, offered again at the next start."""
    active = app.state.active_connection
    if active is None or active.id != draft.connection_id:
        if app.state.connection(draft.connection_id) is None:
            app.notify(
                "The connection this draft was made with is no longer listed; the draft is "
                "kept on disk.",
                title="Drafts",
                severity="error",
            )
            return False
        if not app.switch_connection(draft.connection_id):
            return False
    from alloy_tui.tui.screens.page import PageScreen

    app.push_screen(PageScreen(draft.page_id, draft=draft))
    return True
