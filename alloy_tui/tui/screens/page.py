"""PageScreen: a page's properties and body, edited, journaled as a draft, and saved safely.

A save never overwrites blindly: the server's current version of what is written is compared
(by content hash) with the version the edit started from; a difference opens the conflict
dialog. Body changes are shown as a plan before anything is sent. The draft file is removed only
once the server confirmed the save."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from typing import Any, ClassVar

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.timer import Timer
from textual.widgets import Checkbox, Input, Label, Markdown, Select, SelectionList, Static

from alloy_tui.alloy.body_sync import PartialApplyError, apply_plan
from alloy_tui.alloy.errors import AlloyError, PageTooLargeError, ValidationError, describe
from alloy_tui.drafts import Draft, DraftStore, DraftWriteError
from alloy_tui.notion.bodyplan import BodyPlan, plan_body
from alloy_tui.notion.hashing import blocks_hash, properties_hash
from alloy_tui.notion.ids import id_from_text
from alloy_tui.notion.markdown import NOTION_URL, blocks_to_markdown
from alloy_tui.notion.models import (
    PropertySchema,
    database_title,
    is_trashed,
    object_icon,
    page_title,
    parent_of,
    relative_time,
    schema_from_database,
    schema_from_page,
)
from alloy_tui.notion.richtext import from_plain
from alloy_tui.notion.values import PropertyValueError, display
from alloy_tui.tui.modals.confirm import ConfirmModal
from alloy_tui.tui.modals.conflict import Conflict, ConflictModal, PropertyConflict
from alloy_tui.tui.modals.drafts import DraftsModal, draft_origin, input_text
from alloy_tui.tui.modals.picker import PickerModal, PickItem, search_database, search_workspace
from alloy_tui.tui.modals.plan_preview import PlanPreviewModal
from alloy_tui.tui.screens import AlloyScreen
from alloy_tui.tui.widgets.body_editor import PLACEHOLDER_LINE, BodyEditor
from alloy_tui.tui.widgets.properties import PropertyField, PropertyForm, user_choices

EMPTY_BODY = "*This page has no content yet.*"
MY_VERSION = " (my version)"


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"


def set_field_input(field: PropertyField, value: Any) -> bool:
    """Put an editor value (as PropertyField.value gives it) back into a field; False if the
    field cannot show it (read-only, or an option that no longer exists)."""
    if field.schema.read_only:
        return False
    if field.schema.type == "relation":
        field.set_relation([str(v) for v in value] if isinstance(value, list) else [])
        return True
    editor = field.editor
    try:
        if isinstance(editor, Checkbox):
            editor.value = bool(value)
        elif isinstance(editor, Select):
            editor.value = str(value) if value else Select.NULL
        elif isinstance(editor, SelectionList):
            wanted = {str(v) for v in value} if isinstance(value, list) else set()
            editor.deselect_all()
            known = {str(editor.get_option_at_index(i).value) for i in range(editor.option_count)}
            for item in wanted & known:
                editor.select(item)
            return wanted <= known
        elif isinstance(editor, Input):
            editor.value = "" if value is None else str(value)
        else:
            return False
    except Exception:  # an option the schema no longer has: Textual refuses the value
        return False
    return True


class PageScreen(AlloyScreen[None]):
    """Open one page: every property by type (read-only ones marked), the body below."""

    HELP: ClassVar[str] = """\
## Page

The page's title and properties, each with an editor that fits its type, and the page's
body below them, shown as Markdown.

- **Tab / Shift+Tab** (or **↑/↓**, **j/k** outside a text box) move between fields.
- **e** edits the body as Markdown; **Esc** goes back to the view and keeps your edit.
  Lines like `⟦image: … · id⟧` stand for blocks Markdown cannot show: they stay on the
  page even if you delete the line.
- A changed field is marked **●**; the title shows **● unsaved changes** until you save.
- **Ctrl+S** saves: it first checks that nobody changed the page since you opened it, then
  shows what the body change will do (updates, inserts, deletes) before sending anything.
  If the page changed meanwhile you choose: overwrite, reload, or save as a new page.
- Every unsaved edit is kept as a draft on disk while you type, and offered back after a
  crash or a quit; **d** shows this page's drafts (open, compare, discard).
- **Reload** after a conflict keeps your version as a separate *kept copy* of the draft:
  new edits never replace it; open it with **d** (what the editor holds is then kept aside).
- Read-only properties (formulas, rollups, created/edited, IDs) are dimmed and marked.
- Relations: press *Link pages…* and search the related database; people: tick users.
- Selects offer *New option…* at the end of their list; in a multi-select, **+** adds one.
- Dates: `2024-05-01`, `2024-05-01 14:30`, a range `2024-05-01 → 2024-05-03`.
- **o** opens the page in the browser, **Ctrl+D** moves it to the trash (asks first).
- **Esc** goes back; with unsaved changes it asks first.
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
        self.page_id = page_id
        self.page: dict[str, Any] | None = None
        self.database: dict[str, Any] | None = None
        self.schema: list[PropertySchema] = []
        self.saving = False
        self._save_stage = "saving…"
        self.title = "Page"
        # The version the edit started from: the conflict check compares the server with it.
        self.base_properties: dict[str, Any] = {}
        self.body_base_hash: str | None = None
        self.body_loaded = False
        self._body_failed = False
        self._edit_when_loaded = False
        self.editing = False
        # Drafts: the one to apply once loaded, the one on disk, and the journal's state.
        self._pending_draft = draft
        self.draft: Draft | None = None
        self.connection_id: str | None = None
        self._journaled = False
        self._draft_timer: Timer | None = None
        self._latest_draft: Draft | None = None
        self._draft_error: DraftWriteError | None = None
        self._leaving = False

    # ---- layout ----------------------------------------------------------------------

    def compose_body(self) -> ComposeResult:
        with Horizontal(id="page-header", classes="screen-title-row"):
            yield Label("", id="page-title", classes="screen-title", markup=False)
            yield Label("", id="page-dirty", classes="dirty-marker")
        yield Static("", id="page-meta", classes="screen-hint", markup=False)
        yield Static("", id="page-error", classes="error-state hidden", markup=False)
        yield Static("", id="page-draft-warning", classes="error-state hidden", markup=False)
        with VerticalScroll(id="page-scroll"):
            yield Vertical(id="page-form-slot")
            yield Label("Body  (F2 or e to edit)", id="page-body-label", classes="section-label")
            yield Markdown("", id="page-body", open_links=False)
        yield BodyEditor(id="page-body-editor")

    def on_mount(self) -> None:
        active = self.app.state.active_connection
        self.connection_id = active.id if active else None
        self.body_editor.display = False
        self.load_page()

    def on_unmount(self) -> None:
        # Quitting mid-debounce must not lose the last keystrokes; the widgets are gone by
        # now, so the draft built at the last change is written.
        if self._draft_timer is not None and not self._leaving:
            self._draft_timer.stop()
            self._draft_timer = None
            if self._latest_draft is not None:
                self._write_draft(self._latest_draft)

    @property
    def body_editor(self) -> BodyEditor:
        return self.query_one("#page-body-editor", BodyEditor)

    @property
    def drafts(self) -> DraftStore:
        return self.app.state.drafts

    # ---- loading ---------------------------------------------------------------------

    @property
    def form(self) -> PropertyForm | None:
        found = self.query(PropertyForm)
        return found.first() if found else None

    @work(exclusive=True, group="page-load")
    async def load_page(self) -> None:
        slot = self.query_one("#page-scroll")
        slot.loading = True
        try:
            notion = self.app.state.notion
            page = await notion.get_page(self.page_id)
            parent = parent_of(page)
            database: dict[str, Any] | None = None
            if parent.kind == "database_id" and parent.id:
                database = await notion.get_database(parent.id)
        except AlloyError as error:
            self._show_error(error)
            self.app.report_error(error, where="Open page")
            return
        finally:
            slot.loading = False
        await self._show_page(page, database)
        # The body first: with the client's pacing, its reads then go before the titles'.
        self.load_body()
        self.load_people()
        self.load_relation_titles()

    async def _show_page(self, page: dict[str, Any], database: dict[str, Any] | None) -> None:
        self.page, self.database = page, database
        self.base_properties = dict(page.get("properties") or {})
        self.schema = schema_from_database(database) if database else schema_from_page(page)
        await self._mount_form(page)
        self._fill_header()

    async def _mount_form(self, page: Mapping[str, Any]) -> None:
        slot = self.query_one("#page-form-slot")
        await slot.remove_children()
        await slot.mount(PropertyForm(self.schema, page.get("properties") or {}))
        form = self.form
        if form is not None and form.fields and not self.editing:
            form.fields[0].focus_editor()

    def _fill_header(self) -> None:
        page = self.page or {}
        icon = object_icon(page)
        title = page_title(page)
        self.title = title
        self.query_one("#page-title", Label).update(f"{icon} {title}" if icon else title)
        where = "Workspace"
        if self.database is not None:
            where = f"in {database_title(self.database)}"
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
        self.query_one("#page-meta", Static).update(" · ".join(p for p in parts if p))
        self._refresh_dirty()

    @work(exclusive=True, group="page-parent")
    async def _resolve_parent(self, parent: Mapping[str, Any]) -> None:
        """Name the parent page in the header (one read, then cached for every screen)."""
        try:
            await self.app.state.parent_label(parent)
        except AlloyError:
            return  # "in a page" stays: the header is no place for this error
        self._fill_header()

    def _show_error(self, error: BaseException | str | None) -> None:
        banner = self.query_one("#page-error", Static)
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
                    field.relation_ids, database_id=field.schema.related_database_id
                )
            except AlloyError as error:
                self.notify(
                    f"Linked page titles: {error.sentence}", severity="warning", markup=False
                )
                continue
            field.set_names(names)

    @work(exclusive=True, group="page-body")
    async def load_body(self) -> None:
        body = self.query_one("#page-body", Markdown)
        body.loading = True
        try:
            blocks = await self.app.state.notion.get_blocks_recursive(self.page_id)
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
            body.loading = False
        self._set_body_base(blocks)
        await self._show_body_view()
        await self._loaded()
        if self._edit_when_loaded:
            self._edit_when_loaded = False
            self.action_edit_body()

    def _set_body_base(self, blocks: list[dict[str, Any]], *, keep_edit: bool = False) -> None:
        """The server's blocks become the base of the body edit."""
        self.body_base_hash = blocks_hash(blocks)
        self.body_loaded = True
        self.body_editor.load(blocks_to_markdown(blocks), keep_edit=keep_edit)

    async def _show_body_view(self) -> None:
        editor = self.body_editor
        text = editor.text if editor.loaded else ""
        await self.query_one("#page-body", Markdown).update(text or EMPTY_BODY)
        label = "Body  (F2 or e to edit)"
        if editor.dirty:
            label = "Body  ● edited, not saved  (F2 or e to edit)"
        self.query_one("#page-body-label", Label).update(label)

    async def _loaded(self) -> None:
        """Page and body are in: apply the draft we were opened with, or offer this page's."""
        draft, self._pending_draft = self._pending_draft, None
        if draft is not None:
            await self.apply_draft(draft)
            return
        if self.connection_id is None:
            return
        existing = self.drafts.load(self.page_id, self.connection_id)
        if existing is not None and not existing.is_empty:
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
        if self.connection_id is None:
            return
        self.flush_draft()
        live = self.drafts.load(self.page_id, self.connection_id)
        found = [live] if live is not None else []
        found += self.drafts.kept_copies(self.page_id, self.connection_id)
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

    def _set_aside_live_draft(self) -> bool:
        """Keep the page's live draft as a separate copy before something else replaces it;
        False (and a warning) if it could not be kept, so the caller must not replace it."""
        if self.connection_id is None:
            return True
        try:
            kept = self.drafts.set_aside(self.page_id, self.connection_id)
        except DraftWriteError as error:
            self._set_draft_error(error)
            return False
        self._journaled = False
        if kept is not None:
            self.draft = None
        return True

    async def apply_draft(self, draft: Draft) -> None:
        """Put a draft's edits over the server version now shown; the edit's base stays the
        draft's, so a save still detects what changed on the server meanwhile.

        A kept copy becomes the live draft: whatever the editor holds (and the live draft on
        disk) is set aside first, and the copy's file goes once its content is journaled."""
        if draft.kept:
            # What the editor holds goes to the live draft first, then aside with it.
            current = self.build_draft()
            unsaved = current is not None and not current.is_empty
            written = self.flush_draft()
            if (unsaved and not written) or not self._set_aside_live_draft():
                self.notify(
                    "The kept copy was not opened: what the editor holds could not be set "
                    "aside first. Both are unchanged.",
                    severity="error",
                    timeout=10,
                )
                return
            self._revert_edits_outside(draft)
        form = self.form
        missing: list[str] = []
        if form is not None and draft.property_inputs:
            if any(f.schema.type == "people" for f in form.fields):
                # Without the users, people stay ids; set_field_input reports what it cannot show.
                with contextlib.suppress(AlloyError):
                    form.set_users(user_choices(await self.app.state.users()))
            for name, value in draft.property_inputs.items():
                field = form.field(name)
                if field is None or not set_field_input(field, value):
                    missing.append(name)
        for name, value in draft.base_properties.items():
            self.base_properties[name] = value
        if draft.body_markdown is not None:
            if self.body_loaded:
                self.body_editor.set_text(draft.body_markdown)
                if draft.base_body_hash is not None:
                    self.body_base_hash = draft.base_body_hash
            else:
                missing.append("body")
        self.draft = draft
        self._journaled = True
        if draft.kept:
            self._journaled = False  # the live file was set aside: nothing to replace
            if self.flush_draft() and not missing and self.connection_id is not None:
                # Journaled as the live draft now: the copy is no longer needed.
                with contextlib.suppress(DraftWriteError):
                    self.drafts.discard(self.page_id, self.connection_id, draft.kept)
        await self._show_body_view()
        self._refresh_dirty()
        if missing:
            self.notify(
                "Some of the draft could not be restored here: " + ", ".join(missing) + ".\n"
                "The draft file is kept; press d to compare it.",
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
            for field in form.changed_fields:
                if field.schema.name not in draft.property_inputs:
                    set_field_input(field, field.original)
        editor = self.body_editor
        if draft.body_markdown is None and editor.loaded and editor.dirty:
            editor.set_text(editor.base)

    def build_draft(self) -> Draft | None:
        """The current edit as a draft, or None before the page is loaded."""
        if self.page is None or self.connection_id is None:
            return None
        form = self.form
        inputs: dict[str, Any] = {}
        requests: dict[str, Any] = {}
        if form is not None:
            for field in form.changed_fields:
                inputs[field.schema.name] = field.value
                # Not valid yet: kept as typed in property_inputs, validated again on save.
                with contextlib.suppress(PropertyValueError):
                    requests[field.schema.name] = field.request_value()
        editor = self.body_editor
        body = editor.text if editor.dirty else None
        base = {"properties": self.base_properties}
        return Draft(
            page_id=self.page_id,
            connection_id=self.connection_id,
            base_url=draft_origin(self.app),
            title=page_title(self.page),
            base_properties_hash=properties_hash(base),
            base_body_hash=self.body_base_hash,
            base_markdown=editor.base if editor.loaded else None,
            properties=requests,
            property_inputs=inputs,
            base_properties={name: self.base_properties.get(name) for name in inputs},
            body_markdown=body,
            created=self.draft.created if self.draft else "",
        )

    def _schedule_draft(self) -> None:
        self._latest_draft = self.build_draft()
        if self._draft_timer is not None:
            self._draft_timer.stop()
        self._draft_timer = self.set_timer(self.DRAFT_DEBOUNCE, self.flush_draft)

    def flush_draft(self) -> bool:
        """Write the draft now (the debounce calls this); True if a draft file was written.
        An edit that went back to the server's version removes the draft this screen wrote."""
        if self._draft_timer is not None:
            self._draft_timer.stop()
            self._draft_timer = None
        draft = self.build_draft()
        if draft is None:
            return False
        return self._write_draft(draft)

    def _write_draft(self, draft: Draft) -> bool:
        if not draft.is_empty and not self._journaled and not self._set_aside_live_draft():
            # A live draft this screen did not write (left by an earlier session, or set
            # aside by a reload) could not be kept aside: it is not overwritten.
            return False
        try:
            if draft.is_empty:
                if self._journaled and self.connection_id is not None:
                    self.drafts.discard(self.page_id, self.connection_id)
                    self._journaled = False
                    self.draft = None
                self._set_draft_error(None)
                return False
            self.draft = self.drafts.save(draft)
        except DraftWriteError as error:
            self._set_draft_error(error)
            return False
        self._journaled = True
        self._set_draft_error(None)
        return True

    def _set_draft_error(self, error: DraftWriteError | None) -> None:
        if error is not None and self._draft_error is None:
            # Once per streak of failures: editing goes on, the user knows the draft is stale.
            self.notify(
                f"{error.sentence}\n{error.remedy}", title="Draft", severity="warning", markup=False
            )
        self._draft_error = error
        found = self.query("#page-draft-warning")
        if not found:
            return  # the screen is closing
        warning = found.first(Static)
        warning.update(f"⚠ Draft not saved to disk: {error.sentence}" if error else "")
        warning.set_class(error is None, "hidden")

    def _discard_draft(self) -> None:
        if self.connection_id is None:
            return
        try:
            self.drafts.discard(self.page_id, self.connection_id)
        except DraftWriteError as error:
            self.notify(f"{error.sentence}\n{error.remedy}", severity="warning", markup=False)
        self._journaled = False
        self.draft = None

    # ---- body editing ----------------------------------------------------------------

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # In the editor, "Edit body" is moot (hidden); Esc there means "back to the view".
        return not (action == "edit_body" and self.editing)

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
        if self.page is not None and is_trashed(self.page):
            self.notify("This page is in the trash; restore it in Notion to edit it.")
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
        self._refresh_dirty()
        if self.page is not None and self.body_loaded:
            self._schedule_draft()

    # ---- dirty state -----------------------------------------------------------------

    @property
    def body_dirty(self) -> bool:
        return self.body_loaded and self.body_editor.dirty

    @property
    def dirty(self) -> bool:
        form = self.form
        return (form is not None and form.dirty) or self.body_dirty

    def _refresh_dirty(self) -> None:
        marker = self.query_one("#page-dirty", Label)
        if self.saving:
            marker.update(self._save_stage)
        elif self.dirty:
            count = len(self.form.changed_fields) if self.form else 0
            parts = [_plural(count, "property", "properties")] if count else []
            if self.body_dirty:
                parts.append("body")
            marker.update(f"● unsaved changes ({', '.join(parts)})")
        else:
            marker.update("")
        marker.set_class(self.dirty, "-dirty")
        self.sub_title = "● unsaved" if self.dirty else ""
        self.title = page_title(self.page or {})

    @on(PropertyForm.Changed)
    def _form_changed(self, event: PropertyForm.Changed) -> None:
        self._refresh_dirty()
        self._schedule_draft()

    # ---- save ------------------------------------------------------------------------

    def action_save(self) -> None:
        form = self.form
        if form is None or self.saving:
            return
        changes, errors = form.collect()
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
        body = self.body_editor.text if self.body_dirty else None
        if not changes and body is None:
            self.notify("Nothing to save: nothing has changed.", timeout=3)
            return
        self.save(changes, body)

    @work(exclusive=True, group="page-save")
    async def save(self, changes: dict[str, dict[str, Any]], body: str | None = None) -> None:
        """Check for conflicts, preview the body plan, then write properties and body."""
        if self._draft_timer is not None or not self._journaled:
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
        notion = self.app.state.notion
        try:
            server_page = await notion.get_page(self.page_id)
            server_blocks = (
                await notion.get_blocks_recursive(self.page_id) if body is not None else None
            )
        except AlloyError as error:
            self._show_error(error)
            self.app.report_error(error, where="Save")
            return
        conflict = self.find_conflict(server_page, server_blocks, changes, body)
        if conflict is not None:
            self._set_stage("changed in Notion meanwhile")
            choice = await self.app.push_screen_wait(ConflictModal(conflict))
            if choice is None:
                self.notify("Not saved. Your edit is still here (and in its draft).", timeout=4)
                return
            if choice == "reload":
                await self.reload_from_server(server_page, server_blocks)
                return
            if choice == "new_page":
                await self.save_as_new_page(body)
                return
            # "overwrite": your edit goes onto the server's current version (planned against it).
        plan: BodyPlan | None = None
        if body is not None and server_blocks is not None:
            plan = plan_body(server_blocks, body)
            if not plan.is_empty:
                self._set_stage("review the changes…")
                apply = await self.app.push_screen_wait(PlanPreviewModal(plan, list(changes)))
                if not apply:
                    self.notify("Not saved. Your edit is still here.", timeout=3)
                    return
        self._set_stage("saving…")
        if changes and not await self._save_properties(changes):
            return
        if plan is not None and not plan.is_empty:
            try:
                await apply_plan(notion, self.page_id, plan)
            except PartialApplyError as error:
                await self._body_partly_saved(error)
                return
            except AlloyError as error:
                self._show_error(error)
                self.app.report_error(error, where="Save body")
                self.flush_draft()
                return
        if body is not None:
            try:
                blocks = await notion.get_blocks_recursive(self.page_id)
            except AlloyError as error:
                # Saved, but not re-read: keep the text, take it as the new base.
                self.notify(f"Saved; the body could not be re-read: {error.sentence}", markup=False)
                self.body_editor.load(body)
            else:
                self._set_body_base(blocks)
            await self._show_body_view()
        self._show_error(None)
        still_unsaved = self._saved_keep_the_rest()
        self._refresh_dirty()
        saved = list(changes) + (["body"] if body is not None else [])
        message = f"Saved {', '.join(saved)}."
        if still_unsaved:
            message += " What you changed during the save is not saved yet (its draft is kept)."
        self.notify(message, title="Saved", timeout=5 if still_unsaved else 3, markup=False)

    def _saved_keep_the_rest(self) -> bool:
        """The server confirmed the save: the draft goes, unless something was edited during
        the save (the form stays editable); then it journals what is still unsaved. True in
        that case."""
        draft = self.build_draft()
        if draft is not None and not draft.is_empty:
            self.flush_draft()
            return True
        self._discard_draft()
        return False

    def _set_stage(self, text: str) -> None:
        self._save_stage = text
        self._refresh_dirty()

    async def _save_properties(self, changes: dict[str, dict[str, Any]]) -> bool:
        try:
            page = await self.app.state.notion.update_page(self.page_id, properties=changes)
        except ValidationError as error:
            self._save_failed(error, changes)
            return False
        except AlloyError as error:
            self._show_error(error)
            self.app.report_error(error, where="Save")
            return False
        self._show_error(None)
        self.page = page
        properties = page.get("properties") or {}
        for name in changes:
            if name in properties:
                self.base_properties[name] = properties[name]
        form = self.form
        if form is not None:
            form.commit(properties)
        self._fill_header()
        self.flush_draft()  # what is left to save (the body) stays journaled
        return True

    async def _body_partly_saved(self, error: PartialApplyError) -> None:
        """Some operations were applied: the server's blocks become the new base (so a retry
        plans only what is left), the editor keeps the text and the draft keeps the rest."""
        try:
            blocks = await self.app.state.notion.get_blocks_recursive(self.page_id)
        except AlloyError:
            blocks = None
        if blocks is not None:
            self._set_body_base(blocks, keep_edit=True)
        self.flush_draft()
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

    def find_conflict(
        self,
        server_page: Mapping[str, Any],
        server_blocks: list[dict[str, Any]] | None,
        changes: Mapping[str, Any],
        body: str | None,
    ) -> Conflict | None:
        """What the server changed, since the edit started, in what this save would write."""
        props: list[PropertyConflict] = []
        base = {"properties": self.base_properties}
        form = self.form
        for name in changes:
            if properties_hash(server_page, [name]) == properties_hash(base, [name]):
                continue
            server_value = (server_page.get("properties") or {}).get(name)
            field = form.field(name) if form is not None else None
            yours = input_text(field.value) if field is not None else ""
            props.append(
                PropertyConflict(
                    name, display(server_value) if isinstance(server_value, dict) else "", yours
                )
            )
        server_md: str | None = None
        if (
            body is not None
            and server_blocks is not None
            and self.body_base_hash is not None
            and blocks_hash(server_blocks) != self.body_base_hash
        ):
            server_md = blocks_to_markdown(server_blocks)
        if not props and server_md is None:
            return None
        return Conflict(
            title=page_title(self.page or server_page),
            server_markdown=server_md,
            your_markdown=body if server_md is not None else None,
            properties=tuple(props),
        )

    async def reload_from_server(
        self, page: dict[str, Any], blocks: list[dict[str, Any]] | None
    ) -> None:
        """Show the server's version; the edit is set aside as a kept copy of the draft first
        (d opens, compares or discards it), so new edits never journal over it."""
        self._leaving = False
        current = self.build_draft()
        unsaved = current is not None and not current.is_empty
        written = self.flush_draft()  # also stops the debounce: the edit is on disk now
        if (unsaved and not written) or not self._set_aside_live_draft():
            self.notify(
                "Not reloaded: your edit could not be kept as a draft on disk, so it stays on "
                "screen. Free the drafts folder, or save it as a new page.",
                title="Reload",
                severity="error",
                timeout=10,
            )
            return
        self.draft = None
        try:
            if blocks is None:
                blocks = await self.app.state.notion.get_blocks_recursive(self.page_id)
        except AlloyError as error:
            self.app.report_error(error, where="Reload")
            blocks = None
        await self._show_page(page, self.database)
        if blocks is not None:
            self._set_body_base(blocks)
        if self._draft_timer is not None:  # the reload's own change events are not edits
            self._draft_timer.stop()
            self._draft_timer = None
        await self._show_body_view()
        self.load_people()
        self.load_relation_titles()
        self.notify(
            "Showing Notion's version. Your version is kept as a separate draft copy that new "
            "edits never replace: press d to open, compare or discard it.",
            title="Reloaded",
            timeout=8,
        )

    async def save_as_new_page(self, body: str | None) -> None:
        """Create a copy next to the page with your title + " (my version)", your properties
        (database rows) and your body; the original page is left as the server has it."""
        page = self.page or {}
        notion = self.app.state.notion
        form = self.form
        title_name = next((s.name for s in self.schema if s.type == "title"), "title")
        title = page_title(page)
        properties: dict[str, Any] = {}
        if form is not None:
            title_field = form.field(title_name)
            if title_field is not None and str(title_field.value).strip():
                title = str(title_field.value).strip()
            if self.database is not None:
                for field in form.fields:
                    if field.schema.read_only or field.schema.type == "title":
                        continue
                    try:
                        properties[field.schema.name] = field.request_value()
                    except PropertyValueError:
                        continue
        properties[title_name] = {"title": from_plain(title + MY_VERSION)}
        parent = parent_of(page)
        if parent.kind not in ("page_id", "database_id", "workspace"):
            parent = parent_of({})  # a page inside a block: Notion creates pages under pages
        markdown = body if body is not None else self.body_editor.text
        # Placeholders stand for blocks of the original page; the copy cannot reference them.
        markdown = "\n".join(
            line for line in markdown.split("\n") if not PLACEHOLDER_LINE.match(line)
        )
        try:
            created = await notion.create_page(parent.to_request(), properties)
        except AlloyError as error:
            self.app.report_error(error, where="Save as new page")
            return
        new_id = str(created["id"])
        plan = plan_body([], markdown)
        if not plan.is_empty:
            try:
                await apply_plan(notion, new_id, plan)
            except (PartialApplyError, AlloyError) as error:
                self.notify(
                    f"The new page was created but its body was only partly written: "
                    f"{getattr(error, 'sentence', error)}\nYour draft is kept.",
                    severity="error",
                    timeout=10,
                    markup=False,
                )
                return
        self._discard_draft()
        self._leaving = True
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
        field = event.field
        notion = self.app.state.notion
        related = field.schema.related_database_id
        search = search_database(notion, related) if related else search_workspace(notion, "page")
        selected = [PickItem(i, field._names.get(i, i[:8])) for i in field.relation_ids]

        def picked(items: list[PickItem] | None) -> None:
            if items is not None:
                field.set_relation([i.id for i in items], {i.id: i.label for i in items})

        self.app.push_screen(
            PickerModal(
                f"Link pages · {field.schema.name}", search, multiple=True, selected=selected
            ),
            picked,
        )

    # ---- navigation and actions ------------------------------------------------------

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

        count = len(self.form.changed_fields) if self.form else 0
        what = [_plural(count, "changed property", "changed properties")] if count else []
        if self.body_dirty:
            what.append("your body edit")
        self.app.push_screen(
            ConfirmModal(
                "Discard unsaved changes?",
                f"{' and '.join(what)} of “{page_title(self.page or {})}” will be lost, "
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
        self._discard_draft()
        self._leave()

    def _leave(self) -> None:
        self._leaving = True
        if self._draft_timer is not None:
            self._draft_timer.stop()
            self._draft_timer = None
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
        self.body_loaded = False
        self._body_failed = False
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
        try:
            await self.app.state.notion.trash_page(self.page_id)
        except AlloyError as error:
            self.app.report_error(error, where="Move to trash")
            return
        self.notify(f"Moved “{page_title(self.page or {})}” to the trash.", timeout=4, markup=False)
        self.discard_and_close()

    def _move(self, step: int) -> None:
        form = self.form
        if form is None or self.editing:
            return
        fields = [f for f in form.fields if not f.schema.read_only]
        if not fields:
            return
        focused = self.focused
        index = next(
            (i for i, f in enumerate(fields) if focused is not None and f in focused.ancestors),
            -1 if step > 0 else 0,
        )
        target = fields[(index + step) % len(fields)]
        target.focus_editor()
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


__all__ = ["EMPTY_BODY", "MY_VERSION", "PageScreen", "set_field_input"]
