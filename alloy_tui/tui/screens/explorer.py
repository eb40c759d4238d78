"""ExplorerScreen: browse any connector's actions, fill an action's form and JSON body, run it
through a connection of that connector and read the answer (the call lands in Requests)."""

from __future__ import annotations

from typing import Any, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import Button, Input, Label, OptionList, Select, Static
from textual.widgets.option_list import Option

from alloy_tui.alloy.actions import (
    ActionInfo,
    ConnectorInfo,
    InputProblem,
    action_kind,
    answer_lines,
    body_template,
    connector_headers,
    fold,
    parse_action,
    parse_connector,
    prepare_call,
)
from alloy_tui.alloy.errors import AlloyError
from alloy_tui.tui.screens import AlloyScreen, stop_loading
from alloy_tui.tui.widgets.json_editor import JsonArea, JsonEditor

MAX_ANSWER_LINES = 200
"""Lines of an answer shown at first; ctrl+o (or the button) shows the rest."""
BACK_ID = "\x00back"
"""The option that leads from a connector's actions back to the connectors."""


class ExplorerScreen(AlloyScreen[None]):
    """Connectors → actions → an action's form → its answer."""

    TITLE = "Action explorer"
    CSS_PATH = "explorer.tcss"
    HELP = """\
Every connector Alloy offers and every action of each, run through one of your connections.

- The list on the left shows the **connectors**; **Enter** opens one's **actions**, and
  **Enter** on an action shows its details and its form. Type in the filter above the list
  to narrow it. **Esc** goes back a level (from the form to the list, from the actions to
  the connectors, then out).
- The form has a field for each path, query and header parameter (**\\*** marks the
  required ones) and a JSON editor for the body, started from the body schema's required
  fields. **Tab** moves between them.
- **ctrl+r** (or the Run button) checks everything first: a field that does not fit its
  type, or a body that is not JSON (its line and column are named, the cursor put there)
  or misses a required field, is said under it and nothing is sent or lost.
- The answer is shown highlighted below the form, its first lines when it is long:
  **ctrl+o** shows all of it. Every call appears in **Requests** (**ctrl+l**), where it can be
  copied as code or replayed.
"""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "back", "Back", id="explorer.back", tooltip="Back one level"),
        Binding("ctrl+r", "run", "Run", id="explorer.run", tooltip="Run the action"),
        Binding(
            "ctrl+o", "show_all", "Whole answer", id="explorer.all", tooltip="Show all the answer"
        ),
        Binding("slash", "filter", "Filter", id="explorer.filter", tooltip="Filter the list"),
    ]

    def __init__(self, connector_id: str | None = None) -> None:
        super().__init__()
        self.start_connector = connector_id
        self.connectors: list[ConnectorInfo] = []
        self.actions: list[ActionInfo] = []
        self.connector: ConnectorInfo | None = None
        """The connector whose actions the list shows (None: the list shows connectors)."""
        self.action: ActionInfo | None = None
        """The action whose form is shown."""
        self.details: dict[tuple[str, str], ActionInfo] = {}
        self.answer: Any = None
        self.answer_left_out = 0
        self.last_call_id: int | None = None

    def compose_body(self) -> ComposeResult:
        yield Label("Action explorer", classes="screen-title")
        yield Static(
            "Enter: open · ctrl+r: run · Esc: back · ctrl+l: requests",
            id="explorer-hint",
            classes="screen-hint",
            markup=False,
        )
        with Horizontal(id="explorer-main"):
            with Vertical(id="explorer-browse"):
                yield Input(placeholder="Filter…", id="explorer-filter")
                yield Static("Connectors", id="explorer-where", markup=False)
                yield OptionList(id="explorer-list", markup=False)
            with VerticalScroll(id="explorer-detail"):
                yield Static(
                    "Pick a connector, then an action.", id="explorer-action", markup=False
                )
                with Horizontal(id="explorer-connection-row", classes="explorer-row hidden"):
                    yield Label("connection", classes="explorer-label")
                    yield Select[str]([], id="explorer-connection", prompt="No connection")
                yield Vertical(id="explorer-form")
                yield Label("Body (JSON)", id="explorer-body-label", classes="hidden")
                yield JsonEditor("{}", id="explorer-body", classes="hidden")
                yield Static("", id="explorer-problems", classes="hidden", markup=False)
                yield Button("Run  ctrl+r", id="explorer-run", classes="hidden", variant="primary")
                yield Static("", id="explorer-answer-head", classes="hidden", markup=False)
                yield JsonArea(
                    "",
                    id="explorer-answer",
                    read_only=True,
                    soft_wrap=False,
                    classes="hidden",
                )
                yield Button("Show all", id="explorer-show-all", classes="hidden")

    def on_mount(self) -> None:
        self.query_one("#explorer-detail").border_title = "Action"
        self.options.focus()
        self.load_connectors()

    @property
    def options(self) -> OptionList:
        return self.query_one("#explorer-list", OptionList)

    @property
    def body_editor(self) -> JsonEditor:
        return self.query_one("#explorer-body", JsonEditor)

    # ---- the list ---------------------------------------------------------------------

    @work(exclusive=True, group="explorer-catalog")
    async def load_connectors(self) -> None:
        self.options.loading = True
        try:
            items = await self.app.state.client.list_connectors()
        except AlloyError as error:
            self._say(f"{error.sentence} {error.remedy}", error=True)
            return
        finally:
            stop_loading(self.options)
        found = (parse_connector(item) for item in items)
        self.connectors = [c for c in found if c is not None]
        self.show_connectors()
        wanted = self.start_connector
        self.start_connector = None
        match = next((c for c in self.connectors if c.id == wanted), None)
        if match is not None:
            self.open_connector(match)

    def show_connectors(self) -> None:
        self.connector = None
        self.actions = []
        self._fill_list()

    def _fill_list(self) -> None:
        needle = self.query_one("#explorer-filter", Input).value.strip().lower()
        options: list[Option] = []
        where = self.query_one("#explorer-where", Static)
        if self.connector is None:
            shown = [c for c in self.connectors if _matches(needle, c.id, c.name)]
            options = [Option(_connector_label(c), id=c.id) for c in shown]
            where.update(f"Connectors ({len(shown)} of {len(self.connectors)})")
        else:
            shown_actions = [
                a for a in self.actions if _matches(needle, a.id, a.name, a.path, a.method)
            ]
            options = [Option("← All connectors", id=BACK_ID)]
            options += [Option(_action_label(a), id=a.id) for a in shown_actions]
            where.update(
                f"{self.connector.name}: {len(shown_actions)} of {len(self.actions)} actions"
            )
        self.options.set_options(options)
        if options:
            self.options.highlighted = 1 if self.connector is not None and len(options) > 1 else 0

    @on(Input.Changed, "#explorer-filter")
    def _filter_changed(self, event: Input.Changed) -> None:
        event.stop()
        self._fill_list()

    @on(Input.Submitted, "#explorer-filter")
    def _filter_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.options.focus()

    @on(OptionList.OptionSelected, "#explorer-list")
    def _option_selected(self, event: OptionList.OptionSelected) -> None:
        event.stop()
        option_id = event.option.id
        if option_id == BACK_ID:
            self._back_to_connectors()
        elif self.connector is None:
            connector = next((c for c in self.connectors if c.id == option_id), None)
            if connector is not None:
                self.open_connector(connector)
        else:
            action = next((a for a in self.actions if a.id == option_id), None)
            if action is not None:
                self.open_action(action)

    def open_connector(self, connector: ConnectorInfo) -> None:
        self.connector = connector
        self.actions = []
        self.query_one("#explorer-filter", Input).value = ""
        self._fill_list()
        # The last connector's connections go at once: a run never goes through one of them.
        select = self.query_one("#explorer-connection", Select)
        select.set_options([])
        select.disabled = True
        self.load_actions(connector)
        self.load_connections(connector)

    def _back_to_connectors(self) -> None:
        self.query_one("#explorer-filter", Input).value = ""
        self.show_connectors()
        self.options.focus()

    @work(exclusive=True, group="explorer-catalog")
    async def load_actions(self, connector: ConnectorInfo) -> None:
        self.options.loading = True
        try:
            items = await self.app.state.client.list_actions(connector.id)
        except AlloyError as error:
            self._say(f"{error.sentence} {error.remedy}", error=True)
            return
        finally:
            stop_loading(self.options)
        if self.connector is not connector:
            return
        found = (parse_action(item) for item in items)
        self.actions = sorted((a for a in found if a is not None), key=lambda a: a.id)
        self._fill_list()

    @work(exclusive=True, group="explorer-connections")
    async def load_connections(self, connector: ConnectorInfo) -> None:
        select = self.query_one("#explorer-connection", Select)
        try:
            connections = await self.app.state.client.list_connections(connector.id)
        except AlloyError as error:
            self.notify(
                f"{error.sentence}\n{error.remedy}",
                title="Connections",
                severity="error",
                markup=False,
            )
            connections = []
        if self.connector is not connector:
            return
        select.set_options(
            (Text(f"{c.name} · {c.id}"), c.id) for c in connections
        )  # names are data: never markup
        active = self.app.state.active_connection
        ids = [c.id for c in connections]
        if active is not None and active.id in ids:
            select.value = active.id
        elif ids:
            select.value = ids[0]
        select.disabled = not ids

    # ---- the action -------------------------------------------------------------------

    def open_action(self, action: ActionInfo) -> None:
        connector = self.connector
        if connector is None:
            return
        known = self.details.get((connector.id, action.id))
        if known is not None:
            self.show_action(known)
        else:
            self.load_action(connector, action)

    @work(exclusive=True, group="explorer-action")
    async def load_action(self, connector: ConnectorInfo, summary: ActionInfo) -> None:
        detail = self.query_one("#explorer-detail")
        detail.loading = True
        try:
            item = await self.app.state.client.get_action(connector.id, summary.id)
        except AlloyError as error:
            self._say(f"{error.sentence} {error.remedy}", error=True)
            return
        finally:
            stop_loading(detail)
        action = parse_action(item) or summary
        if not action.method and summary.method:  # details without the summary's fields
            action = summary
        self.details[(connector.id, action.id)] = action
        if self.connector is connector:
            self.show_action(action)

    def show_action(self, action: ActionInfo) -> None:
        """The action's details, its form (one field per parameter) and its body editor."""
        self.action = action
        head = Text()
        head.append(f"{action.method or '?'} ", style="bold")
        head.append(action.path or action.id)
        head.append(f"\n{action.name}", style="bold")
        if action.name != action.id:
            head.append(f" ({action.id})", style="dim")
        if action.description:
            head.append(f"\n{action.description}", style="dim")
        self.query_one("#explorer-action", Static).update(head)
        self.query_one("#explorer-detail").border_title = action.id
        form = self.query_one("#explorer-form", Vertical)
        form.remove_children()
        rows: list[Horizontal] = []
        for index, parameter in enumerate(action.parameters):
            mark = " *" if parameter.required else ""
            label = Label(f"{parameter.name}{mark}", classes="explorer-label", markup=False)
            label.tooltip = f"{parameter.location} parameter · {parameter.hint}"
            hint = f"{parameter.location} · {parameter.hint}"
            if parameter.description:
                hint = f"{hint} · {parameter.description}"
            default = "" if parameter.default is None else str(parameter.default)
            field = Input(
                default,
                placeholder=hint,
                id=f"param-{index}",
                classes="explorer-param",
                disabled=not parameter.sendable,
            )
            field.tooltip = parameter.description or hint
            rows.append(Horizontal(label, field, classes="explorer-row"))
        form.mount_all(rows)
        body = action.takes_body
        self.query_one("#explorer-body-label").set_class(not body, "hidden")
        editor = self.body_editor
        editor.set_class(not body, "hidden")
        editor.load(body_template(action.body_schema) if body else "")
        for widget_id in ("#explorer-connection-row", "#explorer-run"):
            self.query_one(widget_id).remove_class("hidden")
        self._show_problems([])
        self._clear_answer()
        self.call_after_refresh(self._focus_form)

    def _focus_form(self) -> None:
        fields = [f for f in self.query(".explorer-param").results(Input) if not f.disabled]
        if fields:
            fields[0].focus()
        elif self.action is not None and self.action.takes_body:
            self.body_editor.focus_text()
        else:
            self.query_one("#explorer-run", Button).focus()

    def form_values(self) -> dict[str, str]:
        action = self.action
        if action is None:
            return {}
        values: dict[str, str] = {}
        for index, parameter in enumerate(action.parameters):
            values[parameter.name] = self.query_one(f"#param-{index}", Input).value
        return values

    def _show_problems(self, problems: list[InputProblem]) -> None:
        action = self.action
        names = {p.field for p in problems}
        if action is not None:
            for index, parameter in enumerate(action.parameters):
                fields = self.query(f"#param-{index}").results(Input)
                for field in fields:
                    field.set_class(parameter.name in names, "-invalid")
        body = [p for p in problems if p.field is None or str(p.field).startswith("body")]
        self.body_editor.show_problem(body[0] if body else None)
        others = [p.sentence for p in problems if p not in body]
        shown = self.query_one("#explorer-problems", Static)
        shown.update("\n".join(others))
        shown.set_class(not others, "hidden")

    # ---- running ------------------------------------------------------------------------

    def action_run(self) -> None:
        action, connector = self.action, self.connector
        if action is None or connector is None:
            self.notify("Pick an action first (Enter on one in the list).", severity="warning")
            return
        body_text = self.body_editor.text if action.takes_body else None
        call, problems = prepare_call(action, self.form_values(), body_text)
        self._show_problems(problems)
        if call is None:
            first = problems[0]
            target = next(
                (
                    self.query_one(f"#param-{i}", Input)
                    for i, p in enumerate(action.parameters)
                    if p.name == first.field
                ),
                None,
            )
            if target is not None:
                target.focus()
            elif action.takes_body:
                self.body_editor.focus_text()
            return
        connection_id = self.query_one("#explorer-connection", Select).value
        if not isinstance(connection_id, str):
            self._say(
                f"No connection of {connector.name} to run it through. Connect one on the "
                "Connections screen (c), then come back.",
                error=True,
            )
            return
        headers = {
            **connector_headers(connector.id, action.id, self.app.state.settings.notion_version),
            **call.headers,
        }
        self.run_call(
            connector.id,
            action,
            connection_id,
            path_params=call.path_params,
            query=call.query,
            body=call.body,
            headers=headers,
        )

    @work(exclusive=True, group="explorer-run")
    async def run_call(
        self,
        connector_id: str,
        action: ActionInfo,
        connection_id: str,
        *,
        path_params: dict[str, str],
        query: dict[str, Any],
        body: Any,
        headers: dict[str, str],
    ) -> None:
        run = self.query_one("#explorer-run", Button)
        run.disabled = True
        self._answer_head("Running…")
        log = self.app.state.log
        try:
            answer = await self.app.state.client.execute(
                connector_id,
                action.id,
                connection_id=connection_id,
                kind=action_kind(connector_id, action),
                path_params=path_params or None,
                body=body,
                query=query or None,
                headers=headers or None,
            )
        except AlloyError as error:
            self._clear_answer()
            self._say(f"{error.sentence} {error.remedy}".strip(), error=True)
            return
        finally:
            if run.is_attached:
                run.disabled = False
        record = next((r for r in reversed(log.records()) if r.action == action.id), None)
        self.last_call_id = record.id if record is not None else None
        self.show_answer(answer, record.status if record is not None else None)

    def show_answer(self, answer: Any, status: int | None, *, whole: bool = False) -> None:
        self.answer = answer
        lines = answer_lines(answer)
        text, left_out = fold(lines, len(lines) if whole else MAX_ANSWER_LINES)
        self.answer_left_out = left_out
        area = self.query_one("#explorer-answer", JsonArea)
        area.load_text(self.app.state.log.redact(text))
        area.remove_class("hidden")
        parts = [f"{status or 'OK'}"]
        refused = _refusal(answer)
        if refused:
            parts.append(f"refused: {refused}")
        if self.last_call_id is not None:
            parts.append(f"call #{self.last_call_id} (ctrl+l: Requests)")
        parts.append(f"{len(lines)} line{'s' if len(lines) != 1 else ''}")
        if left_out:
            parts.append(f"the first {MAX_ANSWER_LINES} shown")
        self._answer_head("Answer · " + " · ".join(parts), error=bool(refused))
        more = self.query_one("#explorer-show-all", Button)
        more.label = f"Show all ({left_out} more lines)  ctrl+o"
        more.set_class(not left_out, "hidden")
        self.call_after_refresh(self._scroll_to_answer)

    def _scroll_to_answer(self) -> None:
        """The answer's heading at the top of the pane (once the answer is laid out)."""
        self.query_one("#explorer-detail", VerticalScroll).scroll_to_widget(
            self.query_one("#explorer-answer-head"), top=True, animate=False
        )

    def action_show_all(self) -> None:
        if self.answer is None or not self.answer_left_out:
            return
        record = self.app.state.log.get(self.last_call_id) if self.last_call_id else None
        self.show_answer(self.answer, record.status if record else None, whole=True)

    @on(Button.Pressed, "#explorer-run")
    def _run_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_run()

    @on(Button.Pressed, "#explorer-show-all")
    def _show_all_pressed(self, event: Button.Pressed) -> None:
        event.stop()
        self.action_show_all()

    def _answer_head(self, text: str, *, error: bool = False) -> None:
        head = self.query_one("#explorer-answer-head", Static)
        head.update(text)
        head.set_class(error, "-error")
        head.remove_class("hidden")

    def _clear_answer(self) -> None:
        self.answer = None
        self.answer_left_out = 0
        self.query_one("#explorer-answer", JsonArea).add_class("hidden")
        self.query_one("#explorer-show-all").add_class("hidden")
        self.query_one("#explorer-answer-head").add_class("hidden")

    def _say(self, text: str, *, error: bool = False) -> None:
        """A sentence where the answer goes (a failed call, a list that did not load)."""
        self._answer_head(self.app.state.log.redact(text), error=error)

    def answer_text(self) -> str:
        """The answer as shown (what a test sees)."""
        return self.query_one("#explorer-answer", JsonArea).text

    # ---- keys ---------------------------------------------------------------------------

    def action_filter(self) -> None:
        self.query_one("#explorer-filter", Input).focus()

    def action_back(self) -> None:
        """Esc: from the form to the list, from a connector's actions to the connectors, out."""
        focused = self.focused
        detail = self.query_one("#explorer-detail")
        if focused is not None and (focused is detail or detail in focused.ancestors):
            self.options.focus()
        elif focused is self.query_one("#explorer-filter", Input) and focused.value:
            focused.value = ""
            self.options.focus()
        elif self.connector is not None:
            self._back_to_connectors()
        else:
            self.dismiss()


def _refusal(answer: Any) -> str | None:
    """The error code of a refusal answered with HTTP 200 (Slack's `{"ok": false, "error"}`)."""
    if isinstance(answer, dict) and answer.get("ok") is False:
        return str(answer.get("error") or "unknown_error")
    return None


def _matches(needle: str, *texts: str) -> bool:
    return not needle or any(needle in text.lower() for text in texts)


def _connector_label(connector: ConnectorInfo) -> Text:
    label = Text(connector.name, no_wrap=True, overflow="ellipsis")
    if connector.name != connector.id:
        label.append(f"  {connector.id}", style="dim")
    return label


def _action_label(action: ActionInfo) -> Text:
    label = Text(no_wrap=True, overflow="ellipsis")
    label.append(f"{action.method or '?':<6} ", style="bold")
    label.append(action.id)
    return label
