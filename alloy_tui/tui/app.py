"""AlloyApp: the app shell (state, status, navigation, errors, OAuth worker) and make_app."""

from __future__ import annotations

import dataclasses
import time
from collections.abc import Callable, Iterable
from pathlib import Path, PurePath
from typing import TYPE_CHECKING, Any, ClassVar
from urllib.parse import urlsplit

from textual.app import App, SystemCommand
from textual.binding import Binding, BindingType
from textual.command import Provider
from textual.screen import ModalScreen, Screen
from textual.signal import Signal
from textual.worker import Worker, WorkerState

from alloy_tui.alloy.errors import AlloyError, ConnectionNotFoundError
from alloy_tui.config import ConfigError
from alloy_tui.notion.ids import id_from_text
from alloy_tui.startup import RELEASE_AFTER, release_gc
from alloy_tui.state import AppState, Clock, utc_now
from alloy_tui.tui.messages import (
    ChangeReason,
    ConnectFinished,
    ConnectionsChanged,
    ConnectProgress,
    ConnectUpdate,
)
from alloy_tui.tui.modals.confirm import ConfirmModal
from alloy_tui.tui.widgets.status_bar import StatusBar, StatusInfo

if TYPE_CHECKING:
    from textual.theme import Theme

    from alloy_tui.alloy.client import AlloyClient
    from alloy_tui.alloy.connect import ConnectEvent
    from alloy_tui.alloy.models import Connection
    from alloy_tui.alloy.requestlog import RequestEvent
    from alloy_tui.alloy.retry import WaitEvent
    from alloy_tui.config import Settings

_HERE = Path(__file__).parent
# Screens pushed from here import the app module, so they are imported where they are used.


def _alloy_commands() -> type[Provider]:
    from alloy_tui.tui.commands import AlloyCommands

    return AlloyCommands


def _css_paths() -> list[str | PurePath]:
    # pages.tcss belongs to the page screens; it is optional so the shell works without them.
    return [p for p in (_HERE / "app.tcss", _HERE / "pages.tcss") if p.exists()]


class AlloyApp(App[None]):
    """The application. Screens read `self.app.state` (AppState) and call the navigation methods
    below; UI-wide values reach widgets through `status_signal`, `connections_signal` and
    `connect_signal`."""

    TITLE = "alloy-tui"
    CSS_PATH = _css_paths()
    COMMANDS = App.COMMANDS | {_alloy_commands}
    # Every screen gets a size class: an 80x24 terminal gets compact dialogs (app.tcss).
    HORIZONTAL_BREAKPOINTS = [
        (0, "-narrow"),
        (100, "-wide"),
    ]
    VERTICAL_BREAKPOINTS = [(0, "-short"), (32, "-tall")]
    BINDINGS: ClassVar[list[BindingType]] = [
        # Priority, so F1 and ? also answer inside dialogs (a modal hides the app's other
        # bindings); a focused text field still types its ? (Textual leaves out a binding
        # whose key the focused widget consumes).
        Binding(
            "f1,question_mark",
            "help",
            "Help",
            id="app.help",
            tooltip="Help and keys for this screen",
            priority=True,
        ),
        # Not priority: inside a text field q is a letter, and a dialog keeps its own keys.
        Binding(
            "q",
            "back",
            "Back",
            show=False,
            id="app.back",
            tooltip="Back one screen (quits from the Connections screen)",
        ),
        Binding(
            "ctrl+q",
            "quit",
            "Quit",
            show=False,
            id="app.quit",
            tooltip="Quit (asks first if something is not saved)",
            priority=True,
        ),
        Binding(
            "ctrl+p",
            "command_palette",
            "palette",  # as Textual's own: the footer's right edge shows it
            show=False,
            id="app.palette",
            tooltip="Command palette: search, new page, connections, theme…",
            priority=True,
        ),
        Binding(
            "ctrl+t",
            "toggle_theme",
            "Theme",
            show=False,
            id="app.toggle_theme",
            tooltip="Switch between the light and the dark theme",
        ),
        Binding(
            "ctrl+l",
            "requests",
            "Requests",
            show=False,
            id="app.requests",
            tooltip="Every Alloy call the app made (request inspector)",
        ),
    ]

    def __init__(self, state: AppState, *, sandbox: object | None = None) -> None:
        super().__init__()
        self._drafts_offered = False
        self.state = state
        self.sandbox = sandbox
        self.status = StatusInfo(
            environment=_environment_label(state),
            sandbox=state.sandbox,
            user=state.settings.user_id or "",
        )
        self.status_signal: Signal[StatusInfo] = Signal(self, "status")
        self.connections_signal: Signal[ConnectionsChanged] = Signal(self, "connections")
        self.connect_signal: Signal[ConnectUpdate] = Signal(self, "connect")
        theme = state.settings.theme
        if theme and theme in self.available_themes:
            self.theme = theme

    def get_css_variables(self) -> dict[str, str]:
        """The theme's variables and the app's `$alloy-*` text colours, readable (4.5:1) on
        this theme's backgrounds (tui/theme_colors.py)."""
        from alloy_tui.tui.theme_colors import readable_variables

        variables = super().get_css_variables()
        variables.update(readable_variables(variables))
        self.theme_variables = variables
        return variables

    # ---- lifecycle -----------------------------------------------------------------

    def get_default_screen(self) -> Screen[Any]:
        from alloy_tui.tui.screens.connections import ConnectionsScreen

        return ConnectionsScreen()

    def on_load(self) -> None:
        # The server lists the connections while the first screen is being built.
        self.state.prefetch_connections()
        # The Connections screen lets the collector run once its list is painted; this is for
        # a launch that never gets there (startup.py).
        self.set_timer(RELEASE_AFTER, release_gc)

    def on_mount(self) -> None:
        if self.state.settings.keymap:
            self.set_keymap(dict(self.state.settings.keymap))
            # Off the UI thread: the check imports every screen (~0.4 s cold), which the
            # first frame must not wait for.
            self.run_worker(
                self._report_keymap_problems, thread=True, group="keymap", exit_on_error=False
            )
        self.state.log.subscribe(self._on_request)
        theme = self.state.settings.theme
        if theme and theme not in self.available_themes:
            self.notify(
                f"The theme {theme!r} from the config file does not exist; using the default.",
                severity="warning",
                markup=False,
            )
        for warning in self.state.settings.warnings:
            # Warnings quote the config file and the environment: show them as written.
            self.notify(warning, severity="warning", markup=False)
        self.connections_signal.subscribe(self, self._offer_drafts_at_start)
        self._saved_theme = self.theme
        self.theme_changed_signal.subscribe(self, self._save_theme)

    def _save_theme(self, theme: Theme) -> None:
        """Ctrl+T or the palette's theme list: remember the choice for the next start."""
        if theme.name == self._saved_theme:
            return
        try:
            self.state.save_theme(theme.name)
        except (OSError, ConfigError) as error:
            self.report_error(error, where="Saving the theme")
            return
        self._saved_theme = theme.name

    def _report_keymap_problems(self) -> None:
        """A `[keys]` remap that names no binding, or takes a key something else on the same
        screen answers to, is said once at start (the remap silently losing is worse)."""
        from alloy_tui.tui.keymap import keymap_problems

        problems = keymap_problems(type(self), self.state.settings.keymap)
        if problems:
            self.call_from_thread(
                self.notify,
                "\n".join(problems),
                title="Key remaps in config.toml",
                severity="warning",
                timeout=30,
                markup=False,
            )

    def _offer_drafts_at_start(self, change: ConnectionsChanged) -> None:
        """Once the connections are first listed, offer back the drafts a crash or quit left."""
        if change.reason != "listed" or self._drafts_offered:
            return
        self._drafts_offered = True
        if not self.state.may_have_drafts():
            return
        from alloy_tui.tui.modals.drafts import offer_drafts

        offer_drafts(self)

    async def on_unmount(self) -> None:
        self.state.log.unsubscribe(self._on_request)
        await self.state.aclose()

    # ---- status ----------------------------------------------------------------------

    def update_status(self, **changes: Any) -> None:
        self.status = dataclasses.replace(self.status, **changes)
        self.status_signal.publish(self.status)

    def refresh_status(self) -> None:
        """Re-read the active connection (and whether the server is a sandbox) into the
        status bar."""
        active = self.state.active_connection
        self.update_status(
            connection=active.name if active else "",
            environment=_environment_label(self.state),
            sandbox=self.state.sandbox,
        )

    def _on_request(self, event: RequestEvent) -> None:
        """Request log subscriber: count requests in flight, remember the last latency."""
        record = event.record
        if event.kind == "started":
            self.update_status(in_flight=self.state.log.in_flight)
            return
        self.update_status(
            in_flight=self.state.log.in_flight,
            last_latency_ms=record.latency_ms,
            last_failed=not record.ok,
            wait_until=None,
            wait_reason="",
        )

    def on_client_wait(self, event: WaitEvent) -> None:
        """The client is about to wait (rate limit, retry backoff): show the countdown."""
        reasons = {
            "rate_limited": "rate limited",
            "limiter": "pacing requests",
            "overloaded": "Notion overloaded",
            "cannot_reach": "cannot reach Alloy",
            "server_error": "server error",
        }
        self.update_status(
            wait_until=time.monotonic() + event.seconds,
            wait_reason=reasons.get(event.reason, event.reason.replace("_", " ")),
        )

    # ---- connections -----------------------------------------------------------------

    def connections_changed(self, reason: ChangeReason) -> None:
        active = self.state.active_connection
        self.refresh_status()
        self.connections_signal.publish(ConnectionsChanged(active.id if active else None, reason))

    def switch_connection(self, connection_id: str) -> bool:
        """Make a connection active (saved in the config file) and tell every screen.

        An open page with unsaved edits belongs to the current workspace: then this asks
        first, closes the edited pages if the user discards them, and switches; it returns
        whether the switch happened right away."""
        active = self.state.active_connection
        if active is None or active.id != connection_id:
            unsaved = self.unsaved_screens()
            if unsaved:
                lowest = self.screen_stack.index(unsaved[0])

                def answered(discard: bool | None) -> None:
                    if discard:
                        self.close_screens_above(lowest - 1)
                        self._switch_connection(connection_id)

                self.push_screen(
                    ConfirmModal(
                        "Switch connection?",
                        f"{_unsaved_names(unsaved)} belong to the current workspace: their "
                        "unsaved changes (drafts included) will be lost. Choose Stay and press "
                        "Ctrl+S on the page to keep them.",
                        confirm="Discard and switch",
                        cancel="Stay",
                        danger=True,
                    ),
                    answered,
                )
                return False
        return self._switch_connection(connection_id)

    def _switch_connection(self, connection_id: str) -> bool:
        try:
            connection = self.state.set_active(connection_id)
        except KeyError:
            self.notify("That connection is no longer listed.", severity="error")
            return False
        except OSError as error:
            self.report_error(error, where="Saving the active connection")
            return False
        self.connections_changed("picked")
        pinned = self.state.connection_pinned_by()
        if pinned is None:
            self.update_status(connection_note="")
            self.notify(f"Active connection: {connection.name}", timeout=3, markup=False)
            return True
        # The pick is saved, but the environment chooses again at the next start: say so.
        self.update_status(connection_note=f"until you quit ({pinned} pins another at start)")
        self.notify(
            f"Active connection: {connection.name}, until you quit. {pinned} chooses the "
            "connection at each start, so the next start uses that one again. Remove it to "
            "keep this pick (it is saved in config.toml).",
            severity="warning",
            timeout=10,
            markup=False,
        )
        return True

    def start_connect(
        self, connector: str = "notion", *, replacing: str | None = None
    ) -> Worker[Connection]:
        """Run the OAuth flow in the app-level "oauth" worker (it outlives any screen);
        progress and the result are published on `connect_signal`."""

        def on_event(event: ConnectEvent) -> None:
            self.connect_signal.publish(ConnectProgress(event))

        return self.run_worker(
            self.state.connect(on_event, connector, replacing=replacing),
            name="connect",
            group="oauth",
            exclusive=True,
            exit_on_error=False,
        )

    def cancel_connect(self) -> None:
        self.workers.cancel_group(self, "oauth")

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        worker = event.worker
        if worker.group != "oauth":
            return
        if event.state == WorkerState.SUCCESS:
            connection: Connection | None = worker.result
            if connection is None:
                return
            self.connections_changed("connected")
            self.connect_signal.publish(ConnectFinished(connection))
            active = self.state.active_connection
            now_active = active is not None and active.id == connection.id
            note = " (now the active connection)" if now_active else ""
            self.notify(f"Connected: {connection.name}{note}", markup=False)
        elif event.state == WorkerState.ERROR:
            error = worker.error
            sentence, remedy = _sentence_and_remedy(error, self.state.log.redact)
            self.connect_signal.publish(ConnectFinished(None, sentence, remedy))
        elif event.state == WorkerState.CANCELLED:
            self.connect_signal.publish(ConnectFinished(None, cancelled=True))

    # ---- navigation ------------------------------------------------------------------

    def action_connections(self) -> None:
        """Back to the connections screen (the bottom of the stack), asking first if that
        closes a page with unsaved edits."""
        self.leave_screens_above(0)

    def action_search(self) -> None:
        """To the search screen: the open one if any (query kept), else a new one. Closing
        the screens above it asks first if one of them holds unsaved edits."""
        from alloy_tui.tui.screens.search import SearchScreen

        stack = self.screen_stack
        for index in range(len(stack) - 1, -1, -1):
            if isinstance(stack[index], SearchScreen):
                self.leave_screens_above(index)
                return
        self.push_screen(SearchScreen())

    def unsaved_screens(self) -> list[Screen[Any]]:
        """The screens on the stack holding edits that closing them would lose (bottom first):
        pages with unsaved changes, new-page forms with typed input."""
        from alloy_tui.tui.screens.create import CreatePageScreen
        from alloy_tui.tui.screens.page import PageScreen

        return [
            screen
            for screen in self.screen_stack
            if isinstance(screen, PageScreen | CreatePageScreen) and screen.dirty
        ]

    def leave_screens_above(self, index: int, then: Callable[[], object] | None = None) -> None:
        """Close every screen above `screen_stack[index]`, then run `then`. Jumps (command
        palette, the revoked-connection dialog) skip each screen's own Esc, so the question it
        would ask is asked here: discard the unsaved edits, or stay where they are."""
        above = self.screen_stack[index + 1 :]
        unsaved = [screen for screen in self.unsaved_screens() if screen in above]
        if not unsaved:
            self.close_screens_above(index)
            if then is not None:
                then()
            return

        def answered(discard: bool | None) -> None:
            # The dialog may have outlived a screen below it (closed meanwhile): then go
            # only as far down as the stack still reaches.
            if discard:
                self.close_screens_above(min(index, len(self.screen_stack) - 1))
                if then is not None:
                    then()

        self.push_screen(
            ConfirmModal(
                "Discard unsaved changes?",
                f"{_unsaved_names(unsaved)} will be lost, drafts included. "
                "Choose Stay and press Ctrl+S on the page to keep them.",
                confirm="Discard",
                cancel="Stay",
                danger=True,
            ),
            answered,
        )

    def close_screens_above(self, index: int) -> None:
        """Pop every screen above `screen_stack[index]` without asking. An edited page is
        closed the way its own "Discard" does it: its draft is removed, not left behind to be
        offered again at the next start."""
        from alloy_tui.tui.screens.page import PageScreen

        while len(self.screen_stack) > max(index, 0) + 1:
            top = self.screen
            if isinstance(top, PageScreen) and top.dirty:
                top.discard_and_close()  # the draft goes too, as with the page's own Discard
            else:
                self.pop_screen()

    def running_work(self) -> list[str]:
        """What quitting now would cut short, one phrase per kind of work in flight (the
        worker groups in `QUIT_INTERRUPTS`), in the order they started."""
        running: list[str] = []
        for worker in self.workers:
            what = QUIT_INTERRUPTS.get(worker.group)
            if what and not worker.is_finished and what not in running:
                running.append(what)
        return running

    async def action_quit(self) -> None:
        """Ctrl+Q: quit at once, unless a screen holds unsaved edits or work is in flight (a
        connect waiting for the browser, a save, rows loading); then say what and ask (a page's
        draft is written first, so it is offered back at the next start whatever the answer)."""
        from alloy_tui.tui.screens.page import PageScreen

        unsaved = self.unsaved_screens()
        running = self.running_work()
        if not unsaved and not running:
            self.exit()
            return
        if isinstance(self.screen, ConfirmModal) and self.screen.id == "quit-confirm":
            return  # already asking
        pages = [screen for screen in unsaved if isinstance(screen, PageScreen)]
        for page in pages:
            page.flush_draft()
        forms = len(unsaved) - len(pages)
        parts = [
            f"{_unsaved_names(unsaved)} are not saved in Notion." if unsaved else "",
            "They stay as drafts on disk and are offered back when you start alloy-tui again."
            if pages
            else "",
            "What is typed in the new-page form is lost." if forms else "",
            f"Still running: {'; '.join(running)}. Quitting stops it where it is."
            if running
            else "",
        ]

        def answered(quit_now: bool | None) -> None:
            if quit_now:
                self.exit()

        modal = ConfirmModal(
            "Quit with unsaved changes?" if unsaved else "Quit while work is running?",
            " ".join(part for part in parts if part),
            confirm="Quit anyway" if running else "Quit",
            cancel="Stay",
            danger=bool(forms),
        )
        modal.id = "quit-confirm"
        self.push_screen(modal, answered)

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        """Textual's palette commands, with its Screenshot replaced by one that says where the
        file went, or why it could not be written (alloy_tui.tui.screenshot)."""
        from alloy_tui.tui.screenshot import TITLE, screenshot_command

        for command in super().get_system_commands(screen):
            yield screenshot_command(self) if command.title == TITLE else command

    def action_connect(self, connector: str = "notion", replacing: str = "") -> None:
        from alloy_tui.tui.modals.connect import ConnectModal

        self.push_screen(ConnectModal(connector=connector, replacing=replacing or None))

    def open_page(self, page_id: str) -> None:
        from alloy_tui.tui.screens.page import PageScreen

        self.push_screen(PageScreen(page_id))

    def open_database(self, database_id: str, *, data_source_id: str | None = None) -> None:
        """Show a database as a table; `data_source_id` opens that source of it directly."""
        from alloy_tui.tui.screens.database import DatabaseScreen

        self.push_screen(DatabaseScreen(database_id, data_source_id=data_source_id))

    def new_page(self, parent: dict[str, Any] | None = None) -> None:
        from alloy_tui.tui.screens.create import CreatePageScreen

        self.push_screen(CreatePageScreen(parent))

    def open_by_text(self, text: str) -> None:
        """Open a pasted id or notion.so URL: ask Notion whether it is a page or a database."""
        object_id = id_from_text(text)
        if object_id is None:
            self.notify(
                "That is not a Notion id or a notion.so link.\n"
                "Paste a page or database link (Share → Copy link) or its 32-character id.",
                title="Open",
                severity="error",
            )
            return
        self.run_worker(self._open_object(object_id), group="open", exclusive=True)

    async def _open_object(self, object_id: str) -> None:
        try:
            notion = self.state.notion
            try:
                await notion.get_page(object_id)
            except AlloyError as page_error:
                try:
                    await notion.get_database(object_id)
                except AlloyError:
                    raise page_error from None
                self.open_database(object_id)
                return
            self.open_page(object_id)
        except AlloyError as error:
            self.report_error(error, where="Open")

    def action_open_by_text(self) -> None:
        from alloy_tui.tui.modals.confirm import PromptModal

        def opened(text: str | None) -> None:
            if text:
                self.open_by_text(text)

        self.push_screen(
            PromptModal(
                "Open a page or database",
                "Paste a notion.so link or an id.",
                placeholder="https://www.notion.so/…",
            ),
            opened,
        )

    def action_new_page(self) -> None:
        self.new_page(None)

    def open_requests(self) -> None:
        """Show the request inspector (unless it is already the screen on top)."""
        from alloy_tui.tui.screens.requests import RequestsScreen

        if not isinstance(self.screen, RequestsScreen):
            self.push_screen(RequestsScreen())

    def action_explorer(self) -> None:
        """Open the action explorer: any connector's actions, run through a connection."""
        from alloy_tui.tui.screens.explorer import ExplorerScreen

        if not isinstance(self.screen, ExplorerScreen):
            self.push_screen(ExplorerScreen())

    def action_requests(self) -> None:
        """ctrl+l: open the request inspector, or close it when it is on top."""
        from alloy_tui.tui.screens.requests import RequestsScreen

        if isinstance(self.screen, RequestsScreen):
            self.screen.dismiss()
        else:
            self.open_requests()

    def on_status_bar_activity_pressed(self, _event: StatusBar.ActivityPressed) -> None:
        self.open_requests()

    def action_toggle_theme(self) -> None:
        self.theme = "textual-light" if self.current_theme.dark else "textual-dark"

    def action_help(self) -> None:
        from alloy_tui.tui.modals.help import HelpModal, key_groups

        screen = self.screen
        if isinstance(screen, HelpModal):
            screen.dismiss(None)  # F1 again closes it
            return
        title = (
            screen.title
            or getattr(screen, "title_text", None)
            or type(screen).__name__.removesuffix("Screen").removesuffix("Modal")
            or "alloy-tui"
        )
        # The chain Textual answers keys from (keymap applied, keys a text field takes left
        # out), not `active_bindings`, which keeps one binding per key: a table's own Enter
        # would hide the screen's "Enter: use".
        chain = [(node, [b for _, b in bindings]) for node, bindings in screen._modal_binding_chain]
        groups = key_groups(chain, self.get_key_display, title)
        help_text = screen.HELP or (
            "The keys this dialog answers to are below; **Esc** closes it."
            if isinstance(screen, ModalScreen)
            else "The keys this screen answers to are below."
        )
        self.push_screen(HelpModal(title, help_text, groups))

    async def action_back(self) -> None:
        """q: what the screen's Esc does (back one screen, asking first if that loses edits);
        on the first screen, quit."""
        screen = self.screen
        if len(self.screen_stack) <= 1:
            await self.action_quit()
        elif hasattr(screen, "action_back"):
            await self.run_action("back", screen)
        else:
            self.pop_screen()

    # ---- errors ----------------------------------------------------------------------

    def report_error(self, error: BaseException, *, where: str | None = None) -> None:
        """Show an error the way HOUSE_STYLE says: a revoked connection asks what to do; a
        known (Alloy) error is a notification with its remedy; anything else is a short modal."""
        from alloy_tui.tui.modals.error import ErrorModal, RevokedConnectionModal

        if isinstance(error, ConnectionNotFoundError):
            # The connection the call went through (a Slack one from the explorer), else the
            # active one.
            known = error.connection_id
            failed = self.state.connection(known) if known else self.state.active_connection
            connector = error.connector or (failed.connector_id if failed else "notion")

            def chosen(choice: str | None) -> None:
                if choice == "reconnect":
                    self.action_connections()
                    self.action_connect(connector)
                elif choice == "connections":
                    self.action_connections()

            self.push_screen(
                RevokedConnectionModal(
                    error.sentence, error.remedy, failed.name if failed else None, connector
                ),
                chosen,
            )
            return
        sentence, remedy = _sentence_and_remedy(error, self.state.log.redact)
        if isinstance(error, AlloyError) or hasattr(error, "remedy"):
            self.notify(
                f"{sentence}\n{remedy}" if remedy else sentence,
                title=where or "Error",
                severity="error",
                timeout=10,
                # Notion's messages quote titles, property names and values.
                markup=False,
            )
            return
        self.log.error(f"unexpected error in {where or 'the app'}: {type(error).__name__}")
        self.push_screen(
            ErrorModal(f"Something went wrong{f' · {where}' if where else ''}", sentence, remedy)
        )


QUIT_INTERRUPTS: dict[str, str] = {
    "oauth": "a connect waiting for the browser's sign-in",
    "sandbox-approve": "a connect waiting for the browser's sign-in",
    "page-save": "a page change being sent to Notion (save, trash or restore)",
    "page-create": "a new page being created in Notion",
    "db-more": "the database's rows loading",
    "requests-replay": "a request being replayed",
    "explorer-run": "an action running in the explorer",
}
"""The worker groups whose work Ctrl+Q would cut short, and how the quit question names it.
Groups that only read for display (search, page loads) are left out: quitting loses nothing."""


def _unsaved_names(screens: list[Screen[Any]]) -> str:
    """“Roadmap” and “Notes”, as the subject of a sentence ("The changes to … will be lost")."""
    names = [f"“{screen.title}”" if screen.title else "the new page" for screen in screens]
    listed = names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]
    return f"The unsaved changes to {listed}"


def _sentence_and_remedy(
    error: BaseException | None, scrub: Callable[[str], str]
) -> tuple[str, str]:
    """The user-facing sentence and remedy of any exception, with the API key masked by `scrub`
    (the request log's redaction, which never holds the revealed key in a variable)."""
    sentence = getattr(error, "sentence", None)
    remedy = getattr(error, "remedy", None)
    if not isinstance(sentence, str):
        detail = str(error).strip().splitlines()[0][:200] if error and str(error).strip() else ""
        name = type(error).__name__ if error is not None else "Error"
        sentence = f"{name}: {detail}" if detail else f"An unexpected {name} happened."
        remedy = "Try again; if it happens again, please report it with the steps that led here."
    remedy = remedy if isinstance(remedy, str) else ""
    return scrub(sentence), scrub(remedy)


def _environment_label(state: AppState) -> str:
    if state.sandbox:
        return "SANDBOX"
    return urlsplit(state.client.base_url).netloc or state.client.base_url


def make_app(
    settings: Settings,
    *,
    client: AlloyClient | None = None,
    sandbox: object | None = None,
    clock: Clock = utc_now,
) -> AlloyApp:
    """The one factory for the app (CLI, tests, screenshots, benchmarks).

    Without `client`, builds the one httpx.AsyncClient and the AlloyClient from `settings`."""
    if client is None:
        from alloy_tui.alloy.client import AlloyClient, make_http

        client = AlloyClient(
            make_http(),
            base_url=settings.base_url,
            api_key=settings.api_key,
            user_id=settings.user_id,
        )
    # Started with a sandbox it knows one; otherwise the server is asked (AppState.sandbox).
    known = True if settings.sandbox or sandbox is not None else None
    state = AppState(settings, client, clock=clock, sandbox=known)
    app = AlloyApp(state, sandbox=sandbox)
    if client.on_wait is None:
        client.on_wait = app.on_client_wait
    return app


def run_tui(settings: Settings, sandbox: object | None = None) -> int:
    """Run the app until the user quits; returns the exit code. The caller owns `sandbox`
    (starts it before, stops it after)."""
    app = make_app(settings, sandbox=sandbox)
    app.run()
    return app.return_code or 0


__all__ = ["AlloyApp", "make_app", "run_tui"]
