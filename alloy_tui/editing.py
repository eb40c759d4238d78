"""The page editing session: load → edit → check → plan → apply → re-read, drafts included.

No Textual here: the page screen draws what a `PageSession` holds and drives it from workers;
tests drive it directly. Two versions of the page matter and are kept apart:

- the *server* version is what the editors show as "unchanged" (the last load or save);
- the *base* is the version an edit started from (the server version, or a restored draft's):
  before anything is written, the server's current version is compared with the base by content
  hash, and again at the moment of applying, against the version the user reviewed.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from alloy_tui.alloy.body_sync import PartialApplyError, apply_plan
from alloy_tui.alloy.errors import AlloyError, ValidationError
from alloy_tui.alloy.notion_api import NotionAPI
from alloy_tui.drafts import Draft, DraftStore, DraftWriteError
from alloy_tui.notion.bodyplan import BodyPlan, plan_body
from alloy_tui.notion.hashing import blocks_hash, properties_hash
from alloy_tui.notion.markdown import blocks_to_markdown
from alloy_tui.notion.models import (
    PropertySchema,
    page_title,
    parent_of,
    schema_from_database,
    schema_from_page,
)
from alloy_tui.notion.richtext import from_plain, surrogate_index
from alloy_tui.notion.values import (
    PropertyValueError,
    diff_properties,
    display,
    editor_value,
    empty_editor_value,
    parse_value,
)

MY_VERSION = " (my version)"
LIST_TYPES = frozenset({"people", "relation", "multi_select"})


def input_text(value: Any) -> str:
    """An editor value (text, flag or list of names/ids) as one line."""
    if isinstance(value, bool):
        return "☑" if value else "☐"
    if isinstance(value, list):
        return ", ".join(str(v) for v in value)
    return "" if value is None else str(value)


def input_differs(kind: str, now: Any, before: Any) -> bool:
    """Whether an editor value differs from the one shown for the server's (spaces around
    text and the order of a list do not count)."""
    if kind in LIST_TYPES:
        return sorted(map(str, now or [])) != sorted(map(str, before or []))
    if isinstance(now, str) and isinstance(before, str):
        return now.strip() != before.strip()
    return bool(now != before)


def _is_placeholder(line: str) -> bool:
    stripped = line.lstrip()
    return stripped.startswith("⟦") or (stripped.startswith("<!--") and "notion:" in stripped)


# ---- what a save meets -------------------------------------------------------------------


@dataclass(frozen=True)
class PropertyConflict:
    name: str
    server: str
    yours: str


@dataclass(frozen=True)
class Conflict:
    """What the server changed since the edit started, in what the save would write."""

    title: str
    server_markdown: str | None = None
    your_markdown: str | None = None
    properties: Sequence[PropertyConflict] = field(default_factory=tuple)

    @property
    def body(self) -> bool:
        return self.server_markdown is not None and self.your_markdown is not None


@dataclass(frozen=True)
class SaveCheck:
    """The server's version read before a save, what conflicts with the edit, and the body plan
    computed against exactly that version (the one the user reviews)."""

    changes: dict[str, dict[str, Any]]
    body: str | None
    server_page: dict[str, Any]
    server_blocks: list[dict[str, Any]] | None
    conflict: Conflict | None
    plan: BodyPlan | None

    @property
    def names(self) -> list[str]:
        return list(self.changes) + (["body"] if self.body is not None else [])


@dataclass(frozen=True)
class Saved:
    """The server confirmed the save."""

    names: list[str]
    body_reread_error: AlloyError | None = None
    still_unsaved: bool = False
    """Something was edited during the save: its draft is kept."""
    draft_error: DraftWriteError | None = None
    """Saved, but the old draft could not be removed."""


class ChangedDuringReview(Exception):
    """The server changed between the check the user reviewed and the moment of applying:
    nothing was written; `check` is a fresh check against the newer version."""

    def __init__(self, check: SaveCheck) -> None:
        super().__init__("the page changed in Notion while you reviewed the save")
        self.check = check


class PropertiesRejected(Exception):
    """Notion refused the properties (a validation error): nothing was written."""

    def __init__(self, error: ValidationError, field_name: str | None) -> None:
        super().__init__(error.sentence)
        self.error = error
        self.field_name = field_name


class BodyPartlySaved(Exception):
    """Some body operations were applied: the server's blocks are the new base (a retry plans
    only what is left); the edit and its draft stay."""

    def __init__(self, error: PartialApplyError) -> None:
        super().__init__(error.sentence)
        self.error = error


@dataclass(frozen=True)
class Restored:
    """A draft put over the server version: the inputs to show, and what could not be shown."""

    inputs: dict[str, Any]
    body: str | None
    missing: list[str]


# ---- the session ----------------------------------------------------------------------


class PageSession:
    """One page being read and edited through one connection.

    The screen reports every editor change with `set_input` / `set_body` (cheap: a dict write),
    so the edit, its dirty state and its draft never depend on widgets; the draft journal is
    written by `journal()` (debounced by the caller)."""

    def __init__(
        self,
        notion: NotionAPI,
        drafts: DraftStore,
        page_id: str,
        *,
        connection_id: str | None,
        origin: str,
    ) -> None:
        self.notion = notion
        self.drafts = drafts
        self.page_id = page_id
        self.connection_id = connection_id
        self.origin = origin
        self.page: dict[str, Any] | None = None
        self.database: dict[str, Any] | None = None
        self.schema: list[PropertySchema] = []
        self.server_properties: dict[str, Any] = {}
        self.base_properties: dict[str, Any] = {}
        self.inputs: dict[str, Any] = {}
        """Editor values of the properties that differ from the server's, by name."""
        self.body_loaded = False
        self.body_server_markdown = ""
        self.body_base_hash: str | None = None
        self.body_base_markdown = ""
        """The body the edit started from (compared when there is no hash)."""
        self.body_text: str | None = None
        """The body as edited; None while it equals the server's."""
        self.draft: Draft | None = None
        self.journaled = False
        """The live draft file on disk is this session's (so it may replace it)."""
        self.draft_error: DraftWriteError | None = None
        self.on_draft_error: Callable[[DraftWriteError | None], None] | None = None

    # ---- loading -------------------------------------------------------------------

    async def load(self) -> dict[str, Any]:
        """Read the page (and its database or data source, for the schema); AlloyError on
        failure."""
        page = await self.notion.get_page(self.page_id)
        self.show_server_page(page, await self._schema_holder(page))
        return page

    async def _schema_holder(self, page: Mapping[str, Any]) -> dict[str, Any] | None:
        """What holds a row's schema: its data source (2025-09-03) or its database (2022-06-28);
        None outside a database."""
        parent = parent_of(page)
        if parent.kind == "data_source_id" and parent.id:
            return await self.notion.get_data_source(parent.id)
        if parent.kind != "database_id" or not parent.id:
            return None
        database = await self.notion.get_database(parent.id)
        schema = database.get("properties")
        if isinstance(schema, Mapping) and set(page.get("properties") or {}) <= set(schema):
            return database
        # No schema on the database (2025-09-03), or another schema than the row's: the row is
        # in a data source other than the one 2022-06-28 shows for a multi-source database.
        source_id = await self.notion.page_data_source(self.page_id)
        return await self.notion.get_data_source(source_id) if source_id else database

    def show_server_page(self, page: dict[str, Any], database: dict[str, Any] | None) -> None:
        """The server's version becomes what the editors show, and the base of a new edit."""
        self.page, self.database = page, database
        self.server_properties = dict(page.get("properties") or {})
        self.base_properties = dict(self.server_properties)
        self.schema = schema_from_database(database) if database else schema_from_page(page)
        self.inputs = {}

    async def load_body(self) -> str:
        """Read the body; its Markdown becomes the server version and the base."""
        blocks = await self.notion.get_blocks_recursive(self.page_id)
        return self.set_body_base(blocks)

    def set_body_base(self, blocks: list[dict[str, Any]], *, keep_edit: bool = False) -> str:
        markdown = blocks_to_markdown(blocks)
        self.body_base_hash = blocks_hash(blocks)
        self.body_base_markdown = markdown
        self.body_server_markdown = markdown
        self.body_loaded = True
        if not keep_edit or self.body_text == markdown:
            self.body_text = None
        return markdown

    @property
    def title(self) -> str:
        return page_title(self.page or {})

    @property
    def title_property(self) -> str:
        return next((s.name for s in self.schema if s.type == "title"), "title")

    def schema_of(self, name: str) -> PropertySchema | None:
        return next((s for s in self.schema if s.name == name), None)

    def server_input(self, name: str) -> Any:
        """The editor value of the server's version of a property."""
        schema = self.schema_of(name)
        kind = schema.type if schema else None
        value = self.server_properties.get(name)
        if value:
            return editor_value(value, kind)
        return empty_editor_value(kind or "")

    # ---- editing -------------------------------------------------------------------

    def set_input(self, name: str, value: Any) -> bool:
        """An editor's value changed; True if it now differs from the server's."""
        schema = self.schema_of(name)
        if schema is None or schema.read_only:
            return False
        if input_differs(schema.type, value, self.server_input(name)):
            self.inputs[name] = value
            return True
        self.inputs.pop(name, None)
        return False

    def set_body(self, text: str) -> bool:
        """The body editor's text changed; True if it differs from the server's."""
        if not self.body_loaded:
            return False
        self.body_text = None if text == self.body_server_markdown else text
        return self.body_text is not None

    @property
    def changed_names(self) -> list[str]:
        return [s.name for s in self.schema if s.name in self.inputs]

    @property
    def body_dirty(self) -> bool:
        return self.body_text is not None

    @property
    def dirty(self) -> bool:
        return bool(self.inputs) or self.body_dirty

    def collect(self) -> tuple[dict[str, dict[str, Any]], dict[str, str]]:
        """(changed properties as request values, errors by property name)."""
        edits: dict[str, dict[str, Any]] = {}
        errors: dict[str, str] = {}
        for name in self.changed_names:
            schema = self.schema_of(name)
            assert schema is not None
            try:
                edits[name] = parse_value(
                    schema, self.inputs[name], original=self.server_properties.get(name)
                )
            except PropertyValueError as error:
                errors[name] = error.message
        return diff_properties(self.server_properties, edits), errors

    def body_error(self) -> str | None:
        """Why the edited body cannot be sent (a broken character pasted in), or None."""
        if self.body_text is None:
            return None
        index = surrogate_index(self.body_text)
        if index is None:
            return None
        line = self.body_text.count("\n", 0, index) + 1
        return (
            f"The body contains a broken character (an unpaired surrogate) on line {line}; "
            "retype that line, then save."
        )

    # ---- saving --------------------------------------------------------------------

    async def check(self, changes: dict[str, dict[str, Any]], body: str | None) -> SaveCheck:
        """Read the server's current version of what the save writes, find conflicts with the
        base, and plan the body against that version. Nothing is written."""
        server_page = await self.notion.get_page(self.page_id)
        server_blocks = (
            await self.notion.get_blocks_recursive(self.page_id) if body is not None else None
        )
        conflict = self._conflict(server_page, server_blocks, changes, body)
        plan = None
        if body is not None and server_blocks is not None:
            plan = plan_body(server_blocks, body)
        return SaveCheck(changes, body, server_page, server_blocks, conflict, plan)

    def _conflict(
        self,
        server_page: Mapping[str, Any],
        server_blocks: list[dict[str, Any]] | None,
        changes: Mapping[str, Any],
        body: str | None,
    ) -> Conflict | None:
        props: list[PropertyConflict] = []
        base = {"properties": self.base_properties}
        for name in changes:
            if properties_hash(server_page, [name]) == properties_hash(base, [name]):
                continue
            server_value = (server_page.get("properties") or {}).get(name)
            props.append(
                PropertyConflict(
                    name,
                    display(server_value) if isinstance(server_value, dict) else "",
                    input_text(self.inputs.get(name, "")),
                )
            )
        server_md: str | None = None
        if body is not None and server_blocks is not None:
            if self.body_base_hash is not None:
                changed = blocks_hash(server_blocks) != self.body_base_hash
            else:  # no hash to compare (an old draft): compare what the edit started from
                changed = blocks_to_markdown(server_blocks) != self.body_base_markdown
            if changed:
                server_md = blocks_to_markdown(server_blocks)
        if not props and server_md is None:
            return None
        return Conflict(
            title=page_title(self.page or server_page),
            server_markdown=server_md,
            your_markdown=body if server_md is not None else None,
            properties=tuple(props),
        )

    def overwrite(self, check: SaveCheck) -> SaveCheck:
        """The user chose to overwrite: the reviewed server version becomes the base."""
        server_props = check.server_page.get("properties") or {}
        for name in check.changes:
            self.base_properties[name] = server_props.get(name)
        if check.server_blocks is not None:
            self.body_base_hash = blocks_hash(check.server_blocks)
        return SaveCheck(
            check.changes, check.body, check.server_page, check.server_blocks, None, check.plan
        )

    async def recheck(self, check: SaveCheck) -> None:
        """At the moment of applying: the server must still hold the version the user
        reviewed; otherwise ChangedDuringReview with a fresh check (nothing written)."""
        page = await self.notion.get_page(self.page_id)
        blocks = (
            await self.notion.get_blocks_recursive(self.page_id)
            if check.server_blocks is not None
            else None
        )
        names = list(check.changes)
        props_moved = names and properties_hash(page, names) != properties_hash(
            check.server_page, names
        )
        body_moved = (
            blocks is not None
            and check.server_blocks is not None
            and blocks_hash(blocks) != blocks_hash(check.server_blocks)
        )
        if props_moved or body_moved:
            conflict = self._conflict(page, blocks, check.changes, check.body)
            if conflict is None:  # it moved, but back to the base: still show it
                conflict = Conflict(title=self.title, properties=())
            plan = plan_body(blocks, check.body) if blocks is not None and check.body else None
            raise ChangedDuringReview(
                SaveCheck(check.changes, check.body, page, blocks, conflict, plan)
            )

    async def apply(self, check: SaveCheck, *, recheck: bool = True) -> Saved:
        """Write a conflict-free check: re-check (the user may have spent minutes in a
        dialog since `check` was read), properties, then the body plan, then re-read the
        body. Raises ChangedDuringReview, PropertiesRejected, BodyPartlySaved or AlloyError;
        on any of them the edit and its draft stay. `recheck=False` only right after check."""
        self.journal()  # the edit is on disk before anything is sent
        if recheck:
            await self.recheck(check)
        if check.changes:
            try:
                page = await self.notion.update_page(self.page_id, properties=check.changes)
            except ValidationError as error:
                raise PropertiesRejected(error, error.field) from error
            self._properties_saved(page, check.changes)
        reread_error: AlloyError | None = None
        if check.body is not None:
            if check.plan is not None and not check.plan.is_empty:
                try:
                    await apply_plan(self.notion, self.page_id, check.plan)
                except PartialApplyError as error:
                    await self._reread_after_partial()
                    raise BodyPartlySaved(error) from error
            edited_during_save = self.body_text if self.body_text != check.body else None
            try:
                blocks = await self.notion.get_blocks_recursive(self.page_id)
            except AlloyError as error:
                reread_error = error  # saved, not re-read: the saved text is the new base
                self.body_server_markdown = self.body_base_markdown = check.body
                self.body_base_hash = None
            else:
                self.set_body_base(blocks)
            self.body_text = None
            if edited_during_save is not None:
                self.set_body(edited_during_save)
        still_unsaved, draft_error = self._after_save()
        return Saved(check.names, reread_error, still_unsaved, draft_error)

    def _properties_saved(self, page: dict[str, Any], changes: Mapping[str, Any]) -> None:
        self.page = page
        properties = page.get("properties") or {}
        self.server_properties = dict(properties)
        for name in changes:
            self.base_properties[name] = properties.get(name)
        # What was typed during the save stays an edit only if it still differs.
        for name, value in list(self.inputs.items()):
            self.set_input(name, value)
        self.journal()

    async def _reread_after_partial(self) -> None:
        text = self.body_text
        with contextlib.suppress(AlloyError):
            blocks = await self.notion.get_blocks_recursive(self.page_id)
            self.set_body_base(blocks, keep_edit=True)
        if text is not None:
            self.set_body(text)
        self.journal()

    def _after_save(self) -> tuple[bool, DraftWriteError | None]:
        """The server confirmed: the draft goes, unless something was edited during the save
        (then the draft journals what is still unsaved)."""
        if self.dirty:
            self.journal()
            return True, None
        try:
            self.discard_draft()
        except DraftWriteError as error:
            return False, error
        return False, None

    async def save_as_new_page(self, body: str | None) -> str:
        """Create a copy next to the page with your title + " (my version)", your properties
        (database rows) and your body; the original is left as the server has it. Returns the
        new page's id; the draft is discarded once the copy has its body."""
        page = self.page or {}
        title_name = self.title_property
        title = page_title(page)
        typed = self.inputs.get(title_name)
        if isinstance(typed, str) and typed.strip():
            title = typed.strip()
        properties: dict[str, Any] = {}
        if self.database is not None:
            for schema in self.schema:
                if schema.read_only or schema.type == "title":
                    continue
                value = self.inputs.get(schema.name, self.server_input(schema.name))
                try:
                    properties[schema.name] = parse_value(
                        schema, value, original=self.server_properties.get(schema.name)
                    )
                except PropertyValueError:
                    continue
        properties = diff_properties({}, properties)
        properties[title_name] = {"title": from_plain(title + MY_VERSION)}
        parent = parent_of(page)
        if parent.kind not in ("page_id", "database_id", "data_source_id", "workspace"):
            parent = parent_of({})  # a page inside a block: Notion creates pages under pages
        markdown = body if body is not None else (self.body_text or self.body_server_markdown)
        # Placeholders stand for blocks of the original page; the copy cannot reference them.
        markdown = "\n".join(line for line in markdown.split("\n") if not _is_placeholder(line))
        created = await self.notion.create_page(parent.to_request(), properties)
        new_id = str(created["id"])
        plan = plan_body([], markdown)
        if not plan.is_empty:
            await apply_plan(self.notion, new_id, plan)
        with contextlib.suppress(DraftWriteError):
            self.discard_draft()
        return new_id

    async def trash(self) -> None:
        await self.notion.trash_page(self.page_id)
        with contextlib.suppress(DraftWriteError):
            self.discard_draft()

    # ---- drafts --------------------------------------------------------------------

    def build_draft(self) -> Draft | None:
        """The current edit as a draft, or None before the page is loaded."""
        if self.page is None or self.connection_id is None:
            return None
        requests: dict[str, Any] = {}
        for name, value in self.inputs.items():
            schema = self.schema_of(name)
            if schema is None:
                continue
            # Not valid yet: kept as typed in property_inputs, validated again on save.
            with contextlib.suppress(PropertyValueError):
                requests[name] = parse_value(
                    schema, value, original=self.server_properties.get(name)
                )
        return Draft(
            page_id=self.page_id,
            connection_id=self.connection_id,
            base_url=self.origin,
            title=self.title,
            base_properties_hash=properties_hash({"properties": self.base_properties}),
            base_body_hash=self.body_base_hash,
            base_markdown=self.body_server_markdown if self.body_loaded else None,
            properties=requests,
            property_inputs=dict(self.inputs),
            base_properties={name: self.base_properties.get(name) for name in self.inputs},
            body_markdown=self.body_text,
            created=self.draft.created if self.draft else "",
        )

    def journal(self) -> bool:
        """Write the draft now; True if a draft file was written. An edit that went back to the
        server's version removes the draft this session wrote."""
        draft = self.build_draft()
        if draft is None:
            return False
        if not draft.is_empty and not self.journaled and not self.set_aside_live_draft():
            # A live draft this session did not write (left by an earlier one, or set aside
            # by a reload) could not be kept aside: it is not overwritten.
            return False
        try:
            if draft.is_empty:
                if self.journaled:
                    self.discard_draft()
                self._set_draft_error(None)
                return False
            self.draft = self.drafts.save(draft)
        except DraftWriteError as error:
            self._set_draft_error(error)
            return False
        self.journaled = True
        self._set_draft_error(None)
        return True

    def _set_draft_error(self, error: DraftWriteError | None) -> None:
        self.draft_error = error
        if self.on_draft_error is not None:
            self.on_draft_error(error)

    def set_aside_live_draft(self) -> bool:
        """Keep the page's live draft as a separate copy before something else replaces it;
        False if it could not be kept (the caller must not replace it)."""
        if self.connection_id is None:
            return True
        try:
            kept = self.drafts.set_aside(self.page_id, self.connection_id)
        except DraftWriteError as error:
            self._set_draft_error(error)
            return False
        self.journaled = False
        if kept is not None:
            self.draft = None
        return True

    def discard_draft(self) -> None:
        """Remove the live draft (DraftWriteError if it could not be removed)."""
        self.journaled = False
        self.draft = None
        if self.connection_id is not None:
            self.drafts.discard(self.page_id, self.connection_id)

    def stored_draft(self) -> Draft | None:
        """This page's live draft on disk, unless it holds nothing or only what the server
        already has (then it is removed: a save whose draft could not be removed)."""
        if self.connection_id is None:
            return None
        existing = self.drafts.load(self.page_id, self.connection_id)
        if existing is None or existing.is_empty:
            return None
        body = self.body_server_markdown if self.body_loaded else None
        if existing.matches_server(self.server_properties, body):
            with contextlib.suppress(DraftWriteError):
                self.drafts.discard(self.page_id, self.connection_id)
            return None
        return existing

    def restore(self, draft: Draft) -> Restored:
        """Put a draft's edits over the server version now shown. The edit's base stays the
        draft's (each property's and the body's), so a save still meets what changed on the
        server since the draft was written."""
        missing: list[str] = []
        inputs: dict[str, Any] = {}
        for name, value in draft.property_inputs.items():
            schema = self.schema_of(name)
            if schema is None or schema.read_only:
                missing.append(name)
                continue
            inputs[name] = value
            self.set_input(name, value)
            self.base_properties[name] = draft.base_properties.get(
                name, self.base_properties.get(name)
            )
        body: str | None = None
        if draft.body_markdown is not None:
            if self.body_loaded:
                body = draft.body_markdown
                self.set_body(body)
                if draft.base_body_hash is not None:
                    self.body_base_hash = draft.base_body_hash
                elif draft.base_markdown is not None:
                    self.body_base_hash = None
                    self.body_base_markdown = draft.base_markdown
            else:
                missing.append("body")
        self.draft = draft
        self.journaled = not draft.kept
        return Restored(inputs, body, missing)

    def revert(self, names: Sequence[str] | None = None, *, body: bool = False) -> None:
        """Forget the edits of `names` (all when None) and, with `body`, the body edit: the
        server's version shows again. The base goes back to the server's too."""
        for name in list(self.inputs) if names is None else names:
            self.inputs.pop(name, None)
            self.base_properties[name] = self.server_properties.get(name)
        if body:
            self.body_text = None
