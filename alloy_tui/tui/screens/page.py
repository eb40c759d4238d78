"""PageScreen: draws one page's editing session (alloy_tui.editing) and drives it from workers.

The workflow (load, drafts, conflict checks, the plan, the save sequence, save-as-new) lives in
`PageSession`; this screen shows its state, reports every editor change to it, and asks the
user at the points where the workflow needs a decision (conflict, plan preview, discard)."""

from __future__ import annotations

import contextlib
import time
from collections.abc import Mapping
from typing import Any, ClassVar

from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.timer import Timer
from textual.widgets import Label, Markdown, Static

from alloy_tui.alloy.body_sync import PartialApplyError
from alloy_tui.alloy.errors import AlloyError, PageTooLargeError, ValidationError, describe
from alloy_tui.drafts import Draft, DraftStore, DraftWriteError
from alloy_tui.editing import (
    MY_VERSION,
    BodyPartlySaved,
    ChangedDuringReview,
    PageSession,
    PropertiesRejected,
    SaveCheck,
)
from alloy_tui.notion.ids import id_from_text
from alloy_tui.notion.markdown import NOTION_URL
from alloy_tui.notion.models import (
    database_title,
    is_trashed,
    object_icon,
    page_title,
    parent_of,
    relative_time,
)
from alloy_tui.tui.compositor import CroppedCompositor
from alloy_tui.tui.modals.confirm import ConfirmModal
from alloy_tui.tui.modals.conflict import ConflictModal
from alloy_tui.tui.modals.drafts import DraftsModal, draft_origin
from alloy_tui.tui.modals.picker import search_related
from alloy_tui.tui.modals.plan_preview import PlanPreviewModal
from alloy_tui.tui.screens import AlloyScreen, stop_loading
from alloy_tui.tui.widgets.body_editor import BodyEditor
from alloy_tui.tui.widgets.properties import PropertyField, PropertyForm, user_choices

EMPTY_BODY = "*This page has no content yet.*"
BODY_LABEL = "Body  (F2 or e to edit)"


_WRITES = frozenset({"save", "edit_body", "trash", "revert_all", "drafts"})
"""Actions a page in the trash does not offer (it is read-only until restored)."""


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


class PageScreen(AlloyScreen[None]):
    """Open one page: every property by type (read-only ones marked), the body below."""

    HELP: ClassVar[str] = """\
## Page

The page's title and properties, each with an editor that fits its type, and the page's
body below them, shown as Markdown.

- The page opens on its **fields, not inside them**: letters are commands until you edit.
  **j/k** (or **↑/↓**, **Tab**) move between fields; **Enter**, **i** or a click edits the
  highlighted field, **Esc** leaves it (the value stays). Enter on a checkbox ticks it.
- **Ctrl+Z** or **u** undoes the field's last change; **x** puts back Notion's value;
  **X** reverts the whole page (asks first).
- **e** edits the body as Markdown; **Esc** goes back to the view and keeps your edit.
  Lines like `⟦image: … · id⟧` stand for blocks Markdown cannot show: they stay on the
  page even if you delete the line.
- A changed field is marked **●**; the title shows **● unsaved changes** until you save.
- **Ctrl+S** saves: it first checks that nobody changed the page since you opened it, then
  shows what the body change will do (updates, inserts, deletes) before sending anything,
  and checks again at the moment it applies. If the page changed meanwhile you choose:
  overwrite, reload, or save as a new page.
- Every unsaved edit is kept as a draft on disk while you type, and offered back after a
  crash or a quit; **d** shows this page's drafts (open, compare, discard).
- **Reload** after a conflict keeps your version as a separate *kept copy* of the draft:
  new edits never replace it; open it with **d** (what the editor holds is then kept aside).
- Read-only properties (formulas, rollups, created/edited, IDs) are dimmed and marked.
- Relations: press Enter on the field and search the related database; people: tick users.
- Selects offer *New option…* at the end of their list; in a multi-select, **+** adds one.
- Dates: `2024-05-01`, `2024-05-01 14:30`, a range `2024-05-01 → 2024-05-03`.
- **o** opens the page in the browser, **Ctrl+D** moves it to the trash (asks first).
- A page in the trash opens read-only, marked; **u** (or the palette's *Restore*) takes it
  out of the trash.
- **Esc** goes back; with unsaved changes it asks first. **Ctrl+Q** asks too.
"""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save", id="page.save", tooltip="Review and save your changes"),
        Binding("escape", "back", "Back", id="page.back", tooltip="Back (asks if unsaved)"),
        Binding("e,f2", "edit_body", "Edit body", id="page.edit_body", tooltip="Edit the body"),
        Binding("d", "drafts", "Draft", id="page.drafts", tooltip="This page's saved draft"),
        Binding("o", "open_browser", "Open in browser", id="page.open", tooltip="Open in Notion"),
        # priority: a focused Input would otherwise take ctrl+d as "delete right".
        Binding(
            "ctrl+d", "trash", "Trash", id="page.trash", tooltip="Move to the trash", priority=True
        ),
        Binding(
            "delete",
            "trash",
            "Trash",
            show=False,
            id="page.trash_delete",
            tooltip="Move to the trash",
        ),
        Binding("ctrl+r", "reload", "Reload", id="page.reload", tooltip="Load the page again"),
        # Only while the page is in the trash (check_action); its fields are then read-only,
        # so no field's own u (undo) comes first.
        Binding("u", "restore", "Restore", id="page.restore", tooltip="Take it out of the trash"),
        Binding(
            "X",
            "revert_all",
            "Revert all",
            show=False,
            id="page.revert_all",
            tooltip="Put back Notion's version of every field and the body",
        ),
        Binding("j,down", "next_field", "Next", show=False, id="page.next", tooltip="Next field"),
        Binding(
            "k,up",
            "previous_field",
            "Previous",
            show=False,
            id="page.previous",
            tooltip="Previous field",
        ),
    ]

    DRAFT_DEBOUNCE: ClassVar[float] = 0.5
    """Seconds of quiet typing before the draft is written."""

    def __init__(self, page_id: str, *, draft: Draft | None = None) -> None:
        super().__init__()
        # A key typed into a field repaints that field's row, not every widget of the form.
        self._compositor = CroppedCompositor()
        self.page_id = page_id
        self.session: PageSession | None = None
        self.saving = False
        self.editing = False
        self._save_stage = "saving…"
        self.title = "Page"
        self._body_failed = False
        self._edit_when_loaded = False
        self._pending_draft = draft
        self._form: PropertyForm | None = None
        self._editing_field: PropertyField | None = None
        self._draft_timer: Timer | None = None
        self._draft_due: float | None = None
        """When the debounced draft is to be written (None: nothing pending)."""
        self._draft_warning_shown = False
        self._leaving = False
        self._marker = ""

    # ---- what tests and the app read ---------------------------------------------------

    @property
    def connection_id(self) -> str | None:
        return self.session.connection_id if self.session else None

    @property
    def page(self) -> dict[str, Any] | None:
        return self.session.page if self.session else None

    @property
    def draft(self) -> Draft | None:
        return self.session.draft if self.session else None

    @property
    def body_loaded(self) -> bool:
        return self.session is not None and self.session.body_loaded

    @property
    def body_base_hash(self) -> str | None:
        return self.session.body_base_hash if self.session else None

    @property
    def body_dirty(self) -> bool:
        return self.session is not None and self.session.body_dirty

    @property
    def dirty(self) -> bool:
        return self.session is not None and self.session.dirty

    @property
    def form(self) -> PropertyForm | None:
        return self._form

    @property
    def body_editor(self) -> BodyEditor:
        return self.query_one("#page-body-editor", BodyEditor)

    @property
    def drafts(self) -> DraftStore:
        return self.app.state.drafts

    # ---- layout ----------------------------------------------------------------------

    def compose_body(self) -> ComposeResult:
        with Horizontal(id="page-header", classes="screen-title-row"):
            yield Label("", id="page-title", classes="screen-title", markup=False)
            yield Label("", id="page-dirty", classes="dirty-marker")
        yield Static("", id="page-meta", classes="screen-hint", markup=False)
        yield Static("", id="page-error", classes="error-state hidden", markup=False)
        yield Static("", id="page-trashed", classes="hidden", markup=False)
        yield Static("", id="page-draft-warning", classes="error-state hidden", markup=False)
        with VerticalScroll(id="page-scroll"):
            # The form is mounted here, before the body's label, once the page is read.
            yield Label(BODY_LABEL, id="page-body-label", classes="section-label")
            yield Markdown("", id="page-body", open_links=False)
        yield BodyEditor(id="page-body-editor")

    def on_mount(self) -> None:
        state = self.app.state
        active = state.active_connection
        self.session = PageSession(
            state.notion,
            state.drafts,
            self.page_id,
            connection_id=active.id if active else None,
            origin=draft_origin(self.app),
        )
        self.session.on_draft_error = self._set_draft_error
        self.body_editor.display = False
        # The frame shows at once: the title a search row already gave, and what is happening.
        known = state.known_title("page", self.page_id)
        if known:
            self.title = known
        self._update("#page-title", known or "Page")
        self._update("#page-meta", "Loading the page…")
        self.load_page()

    def on_unmount(self) -> None:
        # Quitting mid-debounce must not lose the last keystrokes: the session holds them.
        if self._draft_due is not None and not self._leaving:
            self._stop_draft_timer()
            if self.session is not None:
                self.session.journal()

    # ---- loading ---------------------------------------------------------------------

    @work(exclusive=True, group="page-load")
    async def load_page(self) -> None:
        session = self.session
        assert session is not None
        slot = self.query_one("#page-scroll")
        slot.loading = True
        try:
            await session.load()
        except AlloyError as error:
            self._update("#page-meta", "The page could not be loaded (Ctrl+R tries again).")
            self._show_error(error)
            self.app.report_error(error, where="Open page")
            return
        finally:
            stop_loading(slot)
        if not slot.is_attached:
            return  # the screen closed while the page was read
        await self._mount_form()
        self._fill_header()
        self._show_trashed()
        # The body first: with the client's pacing, its reads then go before the titles'.
        self.load_body()
        self.load_people()
        self.load_relation_titles()

    async def _mount_form(self) -> None:
        session = self.session
        assert session is not None and session.page is not None
        # Straight in the scroll, no wrapper: each container around the title is one more
        # widget to render at every key typed into it.
        scroll = self.query_one("#page-scroll")
        await scroll.query_children(PropertyForm).remove()
        self._editing_field = None
        self._form = PropertyForm(
            session.schema, session.page.get("properties") or {}, view_mode=True
        )
        await scroll.mount(self._form, before="#page-body-label")
        if self._form.fields and not self.editing:
            self._form.fields[0].focus()

    def _fill_header(self) -> None:
        page = self.page or {}
        icon = object_icon(page)
        title = page_title(page)
        self.title = title
        self._update("#page-title", f"{icon} {title}" if icon else title)
        where = "Workspace"
        database = self.session.database if self.session else None
        if database is not None:
            where = f"in {database_title(database)}"
        elif parent_of(page).kind == "page_id":
            parent = page.get("parent") or {}
            known = self.app.state.cached_parent_label(parent)
            where = f"in {known}" if known else "in a page"
            if known is None:
                self._resolve_parent(parent)
        edited = relative_time(page.get("last_edited_time"), self.app.state.now())
        parts = [
            where,
            f"edited {edited}" if edited else "",
            "in trash" if is_trashed(page) else "",
        ]
        self._update("#page-meta", " · ".join(p for p in parts if p))
        self._refresh_dirty()

    @work(exclusive=True, group="page-parent")
    async def _resolve_parent(self, parent: Mapping[str, Any]) -> None:
        """Name the parent page in the header (one read, then cached for every screen)."""
        try:
            await self.app.state.parent_label(parent)
        except AlloyError:
            return  # "in a page" stays: the header is no place for this error
        self._fill_header()

    def _update(self, selector: str, text: str) -> Static | None:
        """Set a label's text; None (nothing done) when the screen is being torn down (a
        worker outliving it as the app quits)."""
        found = next(self.query(selector).results(Static), None)
        if found is not None:
            found.update(text)
        return found

    def _show_error(self, error: BaseException | str | None) -> None:
        banner = next(self.query("#page-error").results(Static), None)
        if banner is None:
            return
        if isinstance(error, str):
            banner.update(error)
        else:
            banner.update(describe(error) if error else "")
        banner.set_class(error is None, "hidden")

    @work(exclusive=True, group="page-users")
    async def load_people(self) -> None:
        form = self.form
        if form is None:
            return
        wanted = {"people", "created_by", "last_edited_by"}
        if not any(f.schema.type in wanted for f in form.fields):
            return
        try:
            users = await self.app.state.users()
        except AlloyError as error:
            self.notify(
                f"Could not list the workspace's users: {error.sentence}",
                severity="warning",
                markup=False,
            )
            return
        form.set_users(user_choices(users))

    @work(exclusive=True, group="page-relations")
    async def load_relation_titles(self) -> None:
        form = self.form
        if form is None:
            return
        state = self.app.state
        for field in form.fields:
            if field.schema.type != "relation" or not field.relation_ids:
                continue
            try:
                names = await state.page_titles(
                    field.relation_ids,
                    database_id=field.schema.related_database_id,
                    data_source_id=field.schema.related_data_source_id,
                )
            except AlloyError as error:
                self.notify(
                    f"Linked page titles: {error.sentence}", severity="warning", markup=False
                )
                continue
            field.set_names(names)

    @work(exclusive=True, group="page-body")
    async def load_body(self) -> None:
        session = self.session
        assert session is not None
        body = self.query_one("#page-body", Markdown)
        body.loading = True
        try:
            markdown = await session.load_body()
        except PageTooLargeError as error:
            self._body_failed = True
            await body.update(f"*{error.sentence}* {error.remedy}")
            await self._loaded()
            return
        except AlloyError as error:
            self._body_failed = True
            await body.update(f"*The body could not be loaded: {error.sentence}*")
            await self._loaded()
            return
        finally:
            stop_loading(body)
        if not body.is_attached:
            return  # the screen closed while the body was read
        self.body_editor.load(markdown)
        await self._show_body_view()
        await self._loaded()
        if self._edit_when_loaded:
            self._edit_when_loaded = False
            self.action_edit_body()

    async def _show_body_view(self) -> None:
        # The widgets are held before the await: the app may be closing meanwhile (a worker
        # outliving its screen), and updating a removed widget is harmless where a query fails.
        bodies = self.query("#page-body").results(Markdown)
        labels = self.query("#page-body-label").results(Label)
        body, label = next(bodies, None), next(labels, None)
        if body is None or label is None:
            return
        editor = self.body_editor
        text = editor.text if editor.loaded else ""
        label.update(
            "Body  ● edited, not saved  (F2 or e to edit)" if self.body_dirty else BODY_LABEL
        )
        await body.update(text or EMPTY_BODY)

    async def _loaded(self) -> None:
        """Page and body are in: apply the draft we were opened with, or offer this page's."""
        draft, self._pending_draft = self._pending_draft, None
        if draft is not None:
            await self.apply_draft(draft)
            return
        assert self.session is not None
        existing = self.session.stored_draft()
        if existing is not None:
            self._offer_draft(
                [existing],
                "You have an unsaved draft of this page",
                "It was kept from an earlier session. Open it to continue; if you edit without "
                "opening it, it is kept as a separate copy (press d on the page to find it).",
            )

    # ---- drafts ----------------------------------------------------------------------

    def _offer_draft(self, drafts: list[Draft], title: str, message: str) -> None:
        def chosen(picked: Draft | None) -> None:
            if picked is not None:
                self.run_worker(self.apply_draft(picked), group="page-draft")

        self.app.push_screen(
            DraftsModal(drafts, self.drafts, self.app.state.now(), title=title, message=message),
            chosen,
        )

    def action_drafts(self) -> None:
        connection_id = self.connection_id
        if connection_id is None:
            return
        self.flush_draft()
        live = self.drafts.load(self.page_id, connection_id)
        found = [live] if live is not None else []
        found += self.drafts.kept_copies(self.page_id, connection_id)
        found = [d for d in found if not d.is_empty]
        if not found:
            self.notify("This page has no saved draft.", timeout=3)
            return
        message = "Your unsaved edit, kept on disk until Notion has it."
        if any(d.kept for d in found):
            message = (
                "Unsaved edits of this page, kept on disk until Notion has them. A “kept copy” "
                "is an earlier version set aside (at a reload after a conflict, or when a new "
                "edit started over it): opening it puts it in the editor, and sets aside what "
                "the editor holds now."
            )
        self._offer_draft(
            found,
            "Draft of this page" if len(found) == 1 else "Drafts of this page",
            message,
        )

    async def apply_draft(self, draft: Draft) -> None:
        """Put a draft's edits over the server version now shown; the edit's base stays the
        draft's, so a save still detects what changed on the server meanwhile.

        A kept copy becomes the live draft: whatever the editor holds (and the live draft on
        disk) is set aside first, and the copy's file goes once its content is journaled."""
        session = self.session
        assert session is not None
        if draft.kept:
            unsaved = session.dirty
            written = self.flush_draft()
            if (unsaved and not written) or not session.set_aside_live_draft():
                self.notify(
                    "The kept copy was not opened: what the editor holds could not be set "
                    "aside first. Both are unchanged.",
                    severity="error",
                    timeout=10,
                )
                return
            self._revert_edits_outside(draft)
        form = self.form
        if form is not None and any(f.schema.type == "people" for f in form.fields):
            # Without the users, people stay ids; set_value reports what it cannot show.
            with contextlib.suppress(AlloyError):
                form.set_users(user_choices(await self.app.state.users()))
        restored = session.restore(draft)
        missing = list(restored.missing)
        for name, value in restored.inputs.items():
            field = form.field(name) if form is not None else None
            if field is None or not field.set_value(value):
                missing.append(name)
                session.revert([name])
        if restored.body is not None:
            self.body_editor.set_text(restored.body)
        if missing and not draft.kept:
            # The whole draft stays on disk as a kept copy: what could not be shown is not lost.
            session.set_aside_live_draft()
        if draft.kept:
            session.journaled = False  # the live file was set aside: nothing to replace
            if self.flush_draft() and not missing and self.connection_id is not None:
                # Journaled as the live draft now: the copy is no longer needed.
                with contextlib.suppress(DraftWriteError):
                    self.drafts.discard(self.page_id, self.connection_id, draft.kept)
        await self._show_body_view()
        self._refresh_dirty()
        if missing:
            self.notify(
                "Some of the draft could not be restored here: " + ", ".join(missing) + ".\n"
                "The whole draft is kept as a copy; press d to compare it.",
                severity="warning",
                timeout=10,
                markup=False,
            )
        else:
            self.notify(f"Draft restored: {draft.summary()}.", timeout=4, markup=False)

    def _revert_edits_outside(self, draft: Draft) -> None:
        """Back to the shown server version for what `draft` does not set: opening a kept copy
        shows exactly that copy (what the editor held was set aside just before)."""
        form = self.form
        if form is not None:
            for field in form.fields:
                if field.changed and field.schema.name not in draft.property_inputs:
                    field.set_value(field.original)
        editor = self.body_editor
        if draft.body_markdown is None and editor.loaded and editor.dirty:
            editor.set_text(editor.base)

    def _schedule_draft(self) -> None:
        # Runs at every key: it only moves a deadline. One ticker (paused while nothing is
        # pending) writes the draft once the typing has been quiet for DRAFT_DEBOUNCE.
        self._draft_due = time.monotonic() + self.DRAFT_DEBOUNCE
        if self._draft_timer is None:
            self._draft_timer = self.set_interval(self.DRAFT_DEBOUNCE / 4, self._draft_tick)
        else:
            self._draft_timer.resume()

    def _draft_tick(self) -> None:
        if self._draft_due is None:
            if self._draft_timer is not None:
                self._draft_timer.pause()
        elif time.monotonic() >= self._draft_due:
            self.flush_draft()

    def _stop_draft_timer(self) -> None:
        self._draft_due = None
        if self._draft_timer is not None:
            self._draft_timer.pause()

    def flush_draft(self) -> bool:
        """Write the draft now (the debounce calls this); True if a draft file was written."""
        self._stop_draft_timer()
        return self.session is not None and self.session.journal()

    def _set_draft_error(self, error: DraftWriteError | None) -> None:
        if error is not None and not self._draft_warning_shown:
            # Once per streak of failures: editing goes on, the user knows the draft is stale.
            self.notify(
                f"{error.sentence}\n{error.remedy}", title="Draft", severity="warning", markup=False
            )
        self._draft_warning_shown = error is not None
        found = self.query("#page-draft-warning")
        if not found:
            return  # the screen is closing
        warning = found.first(Static)
        warning.update(f"⚠ Draft not saved to disk: {error.sentence}" if error else "")
        warning.set_class(error is None, "hidden")

    # ---- body editing ----------------------------------------------------------------

    @property
    def trashed(self) -> bool:
        """Whether the page is in Notion's trash (then it is read-only here)."""
        return self.page is not None and is_trashed(self.page)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "restore":
            return self.trashed
        if self.trashed and action in _WRITES:
            return False  # read-only in the trash: restore first
        # In the editor, "Edit body" is moot (hidden); Esc there means "back to the view".
        return not (action == "edit_body" and self.editing)

    def _show_trashed(self) -> None:
        """A trashed page: its fields cannot be edited, a banner says why and how to restore."""
        trashed = self.trashed
        self.set_class(trashed, "-trashed")
        if self._form is not None:
            self._form.disabled = trashed
        if trashed:
            self.set_focus(None)  # nothing to edit; the screen's keys (u, o, Esc) answer
        banner = self._update(
            "#page-trashed",
            "In the trash: read-only. Press u (or “Restore from the trash” in the palette) "
            "to take it out.",
        )
        if banner is not None:
            banner.set_class(not trashed, "hidden")
        self.refresh_bindings()

    def action_restore(self) -> None:
        if self.trashed:
            self.restore()

    @work(exclusive=True, group="page-save")
    async def restore(self) -> None:
        try:
            await self.app.state.notion.restore_page(self.page_id)
        except AlloyError as error:
            self.app.report_error(error, where="Restore from the trash")
            return
        self.notify(
            f"Restored “{page_title(self.page or {})}” from the trash.", timeout=4, markup=False
        )
        self.load_page()

    def action_edit_body(self) -> None:
        if self.editing:
            return
        if not self.body_loaded:
            if self._body_failed:
                self.notify("The body could not be loaded, so it cannot be edited.")
            else:
                self._edit_when_loaded = True
                self.notify("Loading the body; the editor opens when it is here.", timeout=3)
            return
        if self.trashed:
            self.notify("This page is in the trash: press u to restore it, then edit.")
            return
        self.editing = True
        self.query_one("#page-scroll").display = False
        editor = self.body_editor
        editor.display = True
        editor.focus_text()
        self.refresh_bindings()
        self._refresh_dirty()

    async def leave_edit_mode(self) -> None:
        """Back to the view; the edit stays (shown in the view, marked unsaved)."""
        self.editing = False
        self.body_editor.display = False
        self.query_one("#page-scroll").display = True
        await self._show_body_view()
        self.query_one("#page-body").focus()
        self.query_one("#page-body-label").scroll_visible(top=True, animate=False)
        self.refresh_bindings()
        self._refresh_dirty()

    @on(BodyEditor.Done)
    async def _body_done(self, event: BodyEditor.Done) -> None:
        event.stop()
        if self.editing:
            await self.leave_edit_mode()

    @on(BodyEditor.Changed)
    def _body_changed(self, event: BodyEditor.Changed) -> None:
        session = self.session
        if session is None or not session.body_loaded:
            return
        session.set_body(event.editor.text)
        self._refresh_dirty()
        if session.page is not None:
            self._schedule_draft()

    # ---- fields ----------------------------------------------------------------------

    @on(PropertyField.Changed)
    def _field_changed(self, event: PropertyField.Changed) -> None:
        session = self.session
        if session is None:
            return
        field = event.field
        session.set_input(field.schema.name, field.value)
        self._refresh_dirty()
        self._schedule_draft()

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        """Leaving a field's editor (Tab, a click elsewhere) ends its editing."""
        focused = self.focused
        owner = (
            next(
                (node for node in (focused, *focused.ancestors) if isinstance(node, PropertyField)),
                None,
            )
            if focused is not None
            else None
        )
        current = self._editing_field
        if current is not None and current is not owner:
            current.stop_editing()
        self._editing_field = owner if owner is not None and owner is not focused else None

    def _refresh_dirty(self) -> None:
        """The header's unsaved marker (drawn only when its text changes: this runs per key)."""
        if self.saving:
            text = self._save_stage
        elif self.dirty:
            assert self.session is not None
            count = len(self.session.inputs)
            parts = [_plural(count, "property", "properties")] if count else []
            if self.body_dirty:
                parts.append("body")
            text = f"● unsaved changes ({', '.join(parts)})"
        else:
            text = ""
        if text != self._marker:
            marker = self._update("#page-dirty", text)
            if marker is None:
                return
            self._marker = text
            marker.set_class(self.dirty, "-dirty")
        sub_title = "● unsaved" if self.dirty else ""
        if self.sub_title != sub_title:
            self.sub_title = sub_title

    def action_revert_all(self) -> None:
        if not self.dirty:
            self.notify("Nothing to revert: the page is as Notion has it.", timeout=3)
            return

        def answered(confirmed: bool | None) -> None:
            if confirmed:
                self.revert_all()

        self.app.push_screen(
            ConfirmModal(
                "Revert every change?",
                f"{self._unsaved_what()} of “{page_title(self.page or {})}” go back to Notion's "
                "version. Each field's change can still be undone with Ctrl+Z; the body's "
                "cannot.",
                confirm="Revert",
                cancel="Keep editing",
                danger=True,
            ),
            answered,
        )

    def revert_all(self) -> None:
        form = self.form
        if form is not None:
            for field in form.fields:
                if field.changed:
                    field.set_value(field.original)
        editor = self.body_editor
        if editor.loaded and editor.dirty:
            editor.set_text(editor.base)
        if self.session is not None:
            self.session.revert(body=True)
        self._refresh_dirty()
        self._schedule_draft()

    # ---- save ------------------------------------------------------------------------

    def action_save(self) -> None:
        form, session = self.form, self.session
        if form is None or session is None or self.saving:
            return
        changes, errors = session.collect()
        if errors:
            first = form.show_errors(errors)
            if first is not None:
                if self.editing:
                    self.run_worker(self.leave_edit_mode(), group="page-mode")
                first.focus_editor()
                first.scroll_visible()
            count = len(errors)
            self.notify(
                f"{count} field{'s' if count > 1 else ''} need{'s' if count == 1 else ''} "
                "fixing before saving.",
                severity="error",
            )
            return
        form.show_errors({})
        broken = session.body_error()
        if broken is not None:
            self._show_error(broken)
            self.notify(broken, title="Not saved", severity="error", markup=False)
            return
        body = session.body_text
        if not changes and body is None:
            self.notify("Nothing to save: nothing has changed.", timeout=3)
            return
        self.save(changes, body)

    @work(exclusive=True, group="page-save")
    async def save(self, changes: dict[str, dict[str, Any]], body: str | None = None) -> None:
        """Check for conflicts, preview the body plan, check again, then write."""
        self.flush_draft()  # the edit is on disk before anything is sent
        self.saving = True
        self._set_stage("checking for changes in Notion…")
        area = self.body_editor.text_area
        area.read_only = True
        try:
            await self._save(changes, body)
        finally:
            area.read_only = False
            self.saving = False
            self._refresh_dirty()

    async def _save(self, changes: dict[str, dict[str, Any]], body: str | None) -> None:
        session = self.session
        assert session is not None
        try:
            check = await session.check(changes, body)
        except AlloyError as error:
            self._show_error(error)
            self.app.report_error(error, where="Save")
            return
        while True:
            reviewed = False
            if check.conflict is not None:
                self._set_stage("changed in Notion meanwhile")
                choice = await self.app.push_screen_wait(ConflictModal(check.conflict))
                if choice is None:
                    self.notify("Not saved. Your edit is still here (and in its draft).", timeout=4)
                    return
                if choice == "reload":
                    await self.reload_from_server(check.server_page, check.server_blocks)
                    return
                if choice == "new_page":
                    await self.save_as_new_page(body)
                    return
                # "overwrite": your edit goes onto the server's version you just saw.
                check = session.overwrite(check)
                reviewed = True
            if check.plan is not None and not check.plan.is_empty:
                self._set_stage("review the changes…")
                apply = await self.app.push_screen_wait(PlanPreviewModal(check.plan, list(changes)))
                if not apply:
                    self.notify("Not saved. Your edit is still here.", timeout=3)
                    return
                reviewed = True
            self._set_stage("saving…")
            try:
                saved = await session.apply(check, recheck=reviewed)
            except ChangedDuringReview as changed:
                # A second writer saved while the dialog was open: nothing was written.
                self.notify(
                    "The page changed in Notion while you reviewed the save. Nothing was "
                    "written; compare again.",
                    severity="warning",
                    timeout=6,
                )
                check = changed.check
                continue
            except PropertiesRejected as rejected:
                self._save_failed(rejected.error, changes)
                return
            except BodyPartlySaved as partial:
                await self._body_partly_saved(partial.error)
                return
            except AlloyError as error:
                self._show_error(error)
                self.app.report_error(error, where="Save")
                return
            break
        await self._show_saved(check, saved.body_reread_error)
        message = f"Saved {', '.join(saved.names)}."
        if saved.still_unsaved:
            message += " What you changed during the save is not saved yet (its draft is kept)."
        if saved.draft_error is not None:
            message += f" The old draft could not be removed: {saved.draft_error.sentence}"
        self.notify(
            message,
            title="Saved",
            timeout=5 if saved.still_unsaved or saved.draft_error else 3,
            markup=False,
        )

    async def _show_saved(self, check: SaveCheck, reread_error: AlloyError | None) -> None:
        """The session holds the saved version: the fields and the body show it."""
        session = self.session
        assert session is not None
        form = self.form
        if check.changes and form is not None:
            form.commit(session.server_properties)
        if check.body is not None:
            if reread_error is not None:
                self.notify(
                    f"Saved; the body could not be re-read: {reread_error.sentence}",
                    markup=False,
                )
            self.body_editor.load(session.body_server_markdown)
            await self._show_body_view()
        self._show_error(None)
        self._fill_header()

    def _set_stage(self, text: str) -> None:
        self._save_stage = text
        self._refresh_dirty()

    async def _body_partly_saved(self, error: PartialApplyError) -> None:
        """Some operations were applied: the server's blocks became the new base (a retry
        plans only what is left); the editor keeps the text and the draft keeps the rest."""
        session = self.session
        assert session is not None
        self.body_editor.load(session.body_server_markdown, keep_edit=True)
        lines = [f"The body was only partly saved. {error.sentence}", *error.report()]
        lines.append("Your text is still here and in its draft; press Ctrl+S to send the rest.")
        self._show_error("\n".join(lines))
        self.notify(
            f"{len(error.applied)} change(s) applied, {len(error.not_applied) + 1} not applied.",
            title="Partly saved",
            severity="error",
            timeout=10,
        )
        await self._show_body_view()

    async def reload_from_server(
        self, page: dict[str, Any], blocks: list[dict[str, Any]] | None
    ) -> None:
        """Show the server's version; the edit is set aside as a kept copy of the draft first
        (d opens, compares or discards it), so new edits never journal over it."""
        session = self.session
        assert session is not None
        self._leaving = False
        unsaved = session.dirty
        written = self.flush_draft()  # also stops the debounce: the edit is on disk now
        if (unsaved and not written) or not session.set_aside_live_draft():
            self.notify(
                "Not reloaded: your edit could not be kept as a draft on disk, so it stays on "
                "screen. Free the drafts folder, or save it as a new page.",
                title="Reload",
                severity="error",
                timeout=10,
            )
            return
        session.draft = None
        try:
            if blocks is None:
                blocks = await session.notion.get_blocks_recursive(self.page_id)
        except AlloyError as error:
            self.app.report_error(error, where="Reload")
            blocks = None
        session.show_server_page(page, session.database)
        await self._mount_form()
        if blocks is not None:
            self.body_editor.load(session.set_body_base(blocks))
        self._stop_draft_timer()  # the reload's own change events are not edits
        await self._show_body_view()
        self._fill_header()
        self.load_people()
        self.load_relation_titles()
        self.notify(
            "Showing Notion's version. Your version is kept as a separate draft copy that new "
            "edits never replace: press d to open, compare or discard it.",
            title="Reloaded",
            timeout=8,
        )

    async def save_as_new_page(self, body: str | None) -> None:
        """A copy next to the page with your title + " (my version)", your properties and
        body; the original page is left as the server has it."""
        session = self.session
        assert session is not None
        try:
            new_id = await session.save_as_new_page(body)
        except (PartialApplyError, AlloyError) as error:
            self.notify(
                f"The new page could not be fully written: {getattr(error, 'sentence', error)}\n"
                "Your draft is kept.",
                severity="error",
                timeout=10,
                markup=False,
            )
            return
        self._leaving = True
        self._stop_draft_timer()
        typed = session.inputs.get(session.title_property)
        title = typed.strip() if isinstance(typed, str) and typed.strip() else session.title
        self.notify(
            f"Saved as a new page: “{title}{MY_VERSION}”.", title="Saved", timeout=5, markup=False
        )
        self.dismiss()
        self.app.open_page(new_id)

    def _save_failed(self, error: ValidationError, changes: Mapping[str, Any]) -> None:
        """Put a validation error under the field it names; the edits stay in the form."""
        form = self.form
        field: PropertyField | None = None
        if form is not None and error.field:
            name = error.field.removeprefix("properties.").split(".")[0].split("[")[0]
            field = form.field(name) or form.field(error.field)
        if field is None and form is not None and len(changes) == 1:
            field = form.field(next(iter(changes)))
        if field is not None:
            field.set_error(error.sentence)
            field.focus_editor()
            field.scroll_visible()
            self.notify(
                f"{field.schema.name}: {error.sentence}",
                title="Not saved",
                severity="error",
                timeout=8,
                markup=False,
            )
        else:
            self._show_error(error)
            self.app.report_error(error, where="Save")

    # ---- relations -------------------------------------------------------------------

    @on(PropertyField.RelationRequested)
    def _pick_relation(self, event: PropertyField.RelationRequested) -> None:
        event.field.pick_relation(search_related(self.app.state.notion, event.field.schema))

    # ---- navigation and actions ------------------------------------------------------

    def _unsaved_what(self) -> str:
        count = len(self.session.inputs) if self.session else 0
        what = [_plural(count, "changed property", "changed properties")] if count else []
        if self.body_dirty:
            what.append("your body edit")
        text = " and ".join(what)
        return text[:1].upper() + text[1:]

    def action_back(self) -> None:
        if self.editing:
            self.run_worker(self.leave_edit_mode(), group="page-mode")
            return
        if not self.dirty:
            self._leave()
            return

        def answered(discard: bool | None) -> None:
            if discard:
                self.discard_and_close()

        self.app.push_screen(
            ConfirmModal(
                "Discard unsaved changes?",
                f"{self._unsaved_what()} of “{page_title(self.page or {})}” will be lost, "
                "draft included. Press Ctrl+S to keep them.",
                confirm="Discard",
                cancel="Stay",
                danger=True,
            ),
            answered,
        )

    def discard_and_close(self) -> None:
        """Drop the unsaved edits and their draft, then close the page (what "Discard" does):
        nothing is left on disk to be offered again at the next start."""
        if self.session is not None:
            try:
                self.session.discard_draft()
            except DraftWriteError as error:
                self.notify(f"{error.sentence}\n{error.remedy}", severity="warning", markup=False)
        self._leave()

    def _leave(self) -> None:
        self._leaving = True
        self._stop_draft_timer()
        self.dismiss()

    def action_open_browser(self) -> None:
        url = (self.page or {}).get("url")
        if url:
            self.app.open_url(str(url))
            self.notify(f"Opening {url}", timeout=3, markup=False)

    def action_reload(self) -> None:
        if self.dirty:
            self.notify("Save or undo your changes before reloading.", severity="warning")
            return
        self._body_failed = False
        if self.session is not None:
            self.session.body_loaded = False
        self.load_page()

    def action_trash(self) -> None:
        if self.page is None:
            return

        def answered(confirmed: bool | None) -> None:
            if confirmed:
                self.trash()

        self.app.push_screen(
            ConfirmModal(
                "Move to trash?",
                f"“{page_title(self.page)}” will be moved to Notion's trash. "
                "You can restore it from Notion's trash for 30 days.",
                confirm="Move to trash",
                danger=True,
            ),
            answered,
        )

    @work(exclusive=True, group="page-save")
    async def trash(self) -> None:
        assert self.session is not None
        try:
            await self.session.trash()
        except AlloyError as error:
            self.app.report_error(error, where="Move to trash")
            return
        self.notify(f"Moved “{page_title(self.page or {})}” to the trash.", timeout=4, markup=False)
        self._leave()

    def _move(self, step: int) -> None:
        form = self.form
        if form is None or self.editing or not form.fields:
            return
        fields = form.fields
        focused = self.focused
        index = next(
            (
                i
                for i, f in enumerate(fields)
                if focused is not None and (f is focused or f in focused.ancestors)
            ),
            -1 if step > 0 else 0,
        )
        target = fields[(index + step) % len(fields)]
        target.focus()
        target.scroll_visible()

    def action_next_field(self) -> None:
        self._move(1)

    def action_previous_field(self) -> None:
        self._move(-1)

    @on(Markdown.LinkClicked)
    def _link(self, event: Markdown.LinkClicked) -> None:
        """Links to Notion pages open in the app; other links in the browser."""
        href = event.href
        if href.startswith(NOTION_URL):
            object_id = id_from_text(href)
            if object_id is not None:
                self.app.open_by_text(object_id)
                return
        self.app.open_url(href)


__all__ = ["EMPTY_BODY", "MY_VERSION", "PageScreen"]
