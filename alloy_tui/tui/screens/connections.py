"""The Connections screen (the first one): list, pick, connect, delete Alloy connections."""

from __future__ import annotations

from datetime import datetime
from typing import TYPE_CHECKING, ClassVar

from rich.text import Text
from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import DataTable, Label, Static

from alloy_tui.alloy.errors import AlloyError
from alloy_tui.alloy.health import RATE_LIMITED, REVOKED, UNREACHABLE, VALID
from alloy_tui.notion.models import relative_time
from alloy_tui.startup import release_gc
from alloy_tui.state import CONNECTABLE, NOTION_CONNECTOR
from alloy_tui.tui.messages import ConnectionsChanged
from alloy_tui.tui.modals.confirm import ConfirmModal
from alloy_tui.tui.screens import AlloyScreen, stop_loading

if TYPE_CHECKING:
    from alloy_tui.alloy.health import Health
    from alloy_tui.alloy.models import Connection
    from alloy_tui.tui.modals.picker import PickItem

ACTIVE_MARK = "●"
LOADING_DELAY = 0.15
"""Seconds the list may take before the table shows its loading indicator."""


class ConnectionsScreen(AlloyScreen[None]):
    """Every Notion connection of the Alloy user; the active one is marked."""

    TITLE = "Connections"
    HELP = """\
A **connection** is one Notion workspace connected to your Alloy user through OAuth.
Everything the app reads or writes goes through the **active** connection (marked ●).

- **Enter** makes the highlighted connection active and saves it in the config file,
  so the next start uses it too.
- **c** connects a new workspace: the app shows the OAuth link (press **y** to copy it),
  opens a browser where there is one, and waits for Notion to send you back.
- **C** connects another connector (Notion or Slack): pick it, then the same flow. Slack
  connections are listed here too, for the action explorer (**a**).
- **Health** is each connection checked with one cheap call (Notion: the bot user, Slack:
  auth.test) when the list loads and on **r**: valid, revoked, unreachable or rate limited,
  and when it last worked. **Enter** on a revoked one offers to reconnect it in place.
- **d** deletes the highlighted connection in Alloy (it asks first).
- **/** or **s** searches the active workspace.
- **a** opens the action explorer: any connector's actions, run through a connection.
- **j**/**k** move down and up, **g**/**G** to the first and the last connection.
- **q** quits (from any other screen it goes back one screen); **?** or **F1** shows this help.
"""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("enter", "pick", "Use", id="connections.pick", tooltip="Make it the active one"),
        Binding("c", "app.connect", "Connect", id="connections.connect", tooltip="Connect Notion"),
        Binding(
            "C",
            "connect_other",
            "Connect…",
            show=False,
            id="connections.connect_other",
            tooltip="Connect Notion or Slack",
        ),
        Binding("d", "delete", "Delete", id="connections.delete", tooltip="Delete the connection"),
        Binding("r", "refresh", "Refresh", id="connections.refresh", tooltip="List them again"),
        Binding("slash,s", "app.search", "Search", id="connections.search", tooltip="Search pages"),
        Binding(
            "a",
            "app.explorer",
            "Actions",
            show=False,
            id="connections.explorer",
            tooltip="Action explorer: run any connector's actions",
        ),
        Binding("j", "cursor_down", "Down", show=False, id="connections.down", tooltip="Next one"),
        Binding("k", "cursor_up", "Up", show=False, id="connections.up", tooltip="Previous one"),
        Binding("g", "cursor_first", "First", show=False, id="connections.first", tooltip="First"),
        Binding("G", "cursor_last", "Last", show=False, id="connections.last", tooltip="Last"),
    ]

    checking = False
    """A health check is running (rows not checked yet say so)."""

    def compose_body(self) -> ComposeResult:
        yield Label("Connections", classes="screen-title")
        yield Static(
            "Enter: use the highlighted connection · c: connect Notion · d: delete",
            id="connections-hint",
            classes="screen-hint",
        )
        yield Static("", id="connections-error", classes="error-state hidden", markup=False)
        yield Static(
            "No Notion connection yet. Press c to connect a Notion workspace.",
            id="connections-empty",
            classes="empty-state hidden",
        )
        table: DataTable[Text] = DataTable(
            id="connections-table", cursor_type="row", zebra_stripes=True
        )
        table.add_column("", key="active", width=1)
        table.add_column("Name", key="name", width=24)
        table.add_column("Connector", key="connector", width=9)
        table.add_column("Workspace", key="workspace", width=14)
        table.add_column("Created", key="created", width=12)
        table.add_column("Health · last worked", key="health", width=20)
        table.add_column("Id", key="id", width=24)
        yield table

    @property
    def table(self) -> DataTable[Text]:
        return self.query_one("#connections-table", DataTable)

    def _table_if_shown(self) -> DataTable[Text] | None:
        """The table, or None once the screen is being taken down (the app quit while a
        call ran: its answer has nothing to show)."""
        return next(self.query("#connections-table").results(DataTable), None)

    def on_mount(self) -> None:
        self.app.connections_signal.subscribe(self, self._connections_changed)
        self.table.focus()
        self.load()

    @work(exclusive=True, group="connections")
    async def load(self) -> None:
        table = self.table
        # The loading indicator only when the answer takes a moment (at launch it is usually
        # in already): shown and hidden within a frame, it only moved the focus away and back.
        indicator = self.set_timer(LOADING_DELAY, lambda: setattr(table, "loading", True))
        try:
            await self.app.state.refresh_connections()
        except AlloyError as error:
            # Shown in place, above the (empty) table; a notification would only repeat it.
            self._show_error(f"{error.sentence} {error.remedy}")
            release_gc()
            return
        finally:
            indicator.stop()
            stop_loading(table)
        self._show_error(None)
        # The rows are drawn once, already saying "checking…"; the health calls wait until
        # that frame is painted (the list is what the user waits for at launch), and run in
        # this worker: the list is final once both are done.
        self.checking = True
        self.app.connections_changed("listed")
        await self.wait_for_refresh()
        release_gc()  # the launch is over (startup.py)
        await self._check_health()

    @work(exclusive=True, group="connections-health")
    async def check_health(self) -> None:
        await self._check_health()

    async def _check_health(self) -> None:
        """Each connection's health; the rows show it when every answer is in."""
        if not self.checking:
            self.checking = True
            self.render_rows()
        try:
            await self.app.state.check_health()
        finally:
            self.checking = False
        self.render_rows()
        table = self._table_if_shown()
        if self.focused is None and table is not None:  # the loading indicator took the focus
            self.set_focus(table)  # now, not a turn later: the first key must reach it

    def _show_error(self, text: str | None) -> None:
        error = self.query_one("#connections-error", Static)
        error.update(text or "")
        error.set_class(not text, "hidden")

    def _connections_changed(self, change: ConnectionsChanged) -> None:
        # A new connection is the active one: put the cursor on it, so that the next key
        # (d, Enter) acts on what the user just connected, not on the row it left.
        self.render_rows(follow_active=change.reason == "connected")
        if change.reason == "connected":
            self.check_health()  # the new connection's health, and the others' again

    def render_rows(self, *, follow_active: bool = False) -> None:
        """Redraw the table from AppState, keeping the cursor on the same connection (or
        moving it to the active one with `follow_active`)."""
        state = self.app.state
        table = self._table_if_shown()
        if table is None:
            return
        highlighted = None if follow_active else self.highlighted_id()
        active = state.active_connection
        now = state.now()
        table.clear()
        for connection in state.all_connections:
            is_active = active is not None and connection.id == active.id
            health = health_cell(
                state.health.get(connection.id),
                state.last_worked.get(connection.id),
                now,
                checking=self.checking,
            )
            table.add_row(*connection_cells(connection, is_active, now, health), key=connection.id)
        self.query_one("#connections-empty").set_class(bool(state.all_connections), "hidden")
        target = highlighted or (active.id if active else None)
        # A just-deleted connection has no row: the cursor then stays where it was.
        if target is not None and target in table.rows:
            table.move_cursor(row=table.get_row_index(target), animate=False)

    def highlighted_id(self) -> str | None:
        table = self.table
        if table.row_count == 0:
            return None
        try:
            row_key, _ = table.coordinate_to_cell_key(table.cursor_coordinate)
        except KeyError:
            return None
        return row_key.value

    @on(DataTable.RowSelected, "#connections-table")
    def _row_selected(self, event: DataTable.RowSelected) -> None:
        event.stop()
        self.action_pick()

    def action_pick(self) -> None:
        connection_id = self.highlighted_id()
        if connection_id is None:
            return
        state = self.app.state
        connection = state.connection(connection_id)
        health = state.health.get(connection_id)
        if connection is not None and health is not None and health.state == REVOKED:
            self.offer_reconnect(connection, health.detail)
            return
        if connection is not None and connection.connector_id != NOTION_CONNECTOR:
            self.notify(
                f"{connection.name} is a {connection.connector_id} connection: the pages use "
                "a Notion one. Run its actions from the action explorer (a).",
                markup=False,
            )
            return
        self.app.switch_connection(connection_id)

    def offer_reconnect(self, connection: Connection, why: str) -> None:
        """Reconnect a revoked connection in place: the same connector's OAuth flow, then
        the old connection is deleted (the new one is active if the old one was)."""

        def answered(confirmed: bool | None) -> None:
            if confirmed:
                self.app.action_connect(connection.connector_id, connection.id)

        self.app.push_screen(
            ConfirmModal(
                "Reconnect this connection?",
                f"“{connection.name}” ({connection.id}) no longer works: {why} Reconnecting "
                "runs the sign-in again and replaces it with the new connection.",
                confirm="Reconnect",
                cancel="Keep",
            ),
            answered,
        )

    def action_connect_other(self) -> None:
        """Pick a connector, then connect it."""
        from alloy_tui.tui.modals.picker import PickerModal, PickItem  # not needed at launch

        async def connectors(query: str) -> list[PickItem]:
            needle = query.strip().casefold()
            return [
                PickItem(connector, name)
                for connector, name in CONNECTABLE
                if needle in name.casefold() or needle in connector
            ]

        def picked(items: list[PickItem] | None) -> None:
            if items:
                self.app.action_connect(items[0].id)

        self.app.push_screen(
            PickerModal(
                "Connect which service?", connectors, placeholder="Type to filter the services"
            ),
            picked,
        )

    def action_refresh(self) -> None:
        self.load()  # and checks each connection's health again

    def action_cursor_down(self) -> None:
        self.table.action_cursor_down()

    def action_cursor_up(self) -> None:
        self.table.action_cursor_up()

    def action_cursor_first(self) -> None:
        self.table.move_cursor(row=0, animate=False)

    def action_cursor_last(self) -> None:
        self.table.move_cursor(row=max(self.table.row_count - 1, 0), animate=False)

    def action_delete(self) -> None:
        connection_id = self.highlighted_id()
        connection = self.app.state.connection(connection_id) if connection_id else None
        if connection is None:
            return

        def answered(confirmed: bool | None) -> None:
            if confirmed:
                self.delete(connection.id, connection.name)

        self.app.push_screen(
            ConfirmModal(
                "Delete this connection?",
                f"“{connection.name}” ({connection.id}) will be deleted in Alloy. "
                "The app can no longer reach that workspace until you connect it again.",
                confirm="Delete",
                cancel="Keep",
                danger=True,
            ),
            answered,
        )

    @work(exclusive=True, group="connections")
    async def delete(self, connection_id: str, name: str) -> None:
        try:
            await self.app.state.delete_connection(connection_id)
        except AlloyError as error:
            self.app.report_error(error, where="Delete connection")
            return
        self.app.connections_changed("deleted")
        self.notify(f"Deleted the connection {name}.", markup=False)


HEALTH_STYLES = {
    VALID: "green",
    REVOKED: "bold red",
    UNREACHABLE: "yellow",
    RATE_LIMITED: "yellow",
}


def health_cell(
    health: Health | None, last_worked: datetime | None, now: datetime, *, checking: bool = False
) -> Text:
    """The state, and when the connection last worked unless it works now."""
    if health is None:
        return Text("checking…" if checking else "", style="dim")
    text = Text(health.state, style=HEALTH_STYLES.get(health.state, ""))
    if health.state != VALID:
        worked = relative_time(last_worked, now) if last_worked else "never"
        text.append(f" · {worked}", style="dim")
    return text


def connection_cells(
    connection: Connection, active: bool, now: datetime, health: Text | None = None
) -> tuple[Text, ...]:
    """One row of the table. Every cell is a Text: DataTable parses a str cell as Rich markup,
    and names come from Alloy and Notion ("[/x]" would raise, "[bold]" would vanish)."""
    style = "bold" if active else ""
    return (
        Text(ACTIVE_MARK, style="bold green") if active else Text(""),
        Text(connection.name, style=style),
        Text(connection.connector_id),
        Text(connection.workspace_name or ""),
        Text(relative_time(connection.created_at, now)),
        health if health is not None else Text(""),
        Text(connection.id),
    )
