"""The connect dialog: the OAuth link, a countdown, and a browserless sandbox approval."""

from __future__ import annotations

import contextlib
import math
import threading
import time
import webbrowser
from collections.abc import Callable
from typing import ClassVar

from textual import getters, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.widgets import Button, Label, Static

from alloy_tui.alloy.connect import ConnectEvent, browser_available
from alloy_tui.alloy.sandbox_admin import SandboxApprovalError
from alloy_tui.state import CONNECTABLE
from alloy_tui.tui.app import AlloyApp
from alloy_tui.tui.messages import ConnectFinished, ConnectProgress, ConnectUpdate
from alloy_tui.tui.widgets.footer import AppFooter


class ConnectModal(ModalScreen[bool]):
    """Connect a Notion workspace. Dismisses True once connected, False when cancelled/closed.

    The flow itself runs in the app's "oauth" worker, so it is not tied to this dialog; closing
    the dialog with Esc cancels it (the listener closes and its port is freed)."""

    app = getters.app(AlloyApp)

    TITLE = "Connect Notion"
    HELP = """\
Connecting a workspace goes through Notion's OAuth consent: Alloy gives a link, you allow
access in a browser, and Notion sends the browser back to a listener on 127.0.0.1 that only
this attempt knows. The new connection then becomes the active one.

- **y** copies the link (OSC 52: works over SSH in most terminals); **o** opens a browser.
- **a** (sandbox only) approves on the sandbox's consent page without a browser.
- The countdown is how long the listener waits; **Esc** stops waiting and closes it.
- After a failure, **r** starts over.
"""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel", id="connect.cancel", tooltip="Stop waiting"),
        Binding("y", "copy_url", "Copy link", id="connect.copy", tooltip="Copy (OSC 52)"),
        Binding("o", "open_url", "Open browser", id="connect.open", tooltip="Open the link"),
        Binding("r", "retry", "Try again", id="connect.retry", tooltip="Start over"),
        Binding(
            "a",
            "approve",
            "Approve in sandbox",
            id="connect.approve",
            tooltip="Allow on the sandbox's consent page, without a browser",
        ),
    ]

    def __init__(
        self,
        *,
        start: bool = True,
        clock: Callable[[], float] = time.monotonic,
        connector: str = "notion",
        replacing: str | None = None,
        open_browser: Callable[[str], bool] | None = None,
    ) -> None:
        super().__init__(classes="dialog")
        self.open_browser = open_browser or _open_in_new_window
        """Opens the link; False (or an exception) when no browser could be started."""
        self.start = start
        self.connector = connector
        self.service = dict(CONNECTABLE).get(connector, connector)
        """The connector's name in the dialog's sentences."""
        self.replacing = replacing
        """A revoked connection this one reconnects in place (deleted once connected)."""
        self.clock = clock
        """Seconds for the countdown (a test freezes it: a snapshot must not depend on load)."""
        self.url: str | None = None
        self.deadline: float | None = None
        self.finished: ConnectFinished | None = None
        self.approving = False
        self._ticker: Timer | None = None

    @property
    def sandbox(self) -> bool:
        """Whether the app talks to the sandbox (then it can approve without a browser)."""
        return self.app.state.sandbox

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label(f"Connect {self.service}", id="dialog-title")
            # Status and remedy show Alloy's messages and the connection's name: never markup.
            yield Static(
                "Asking Alloy for an authorization link…", id="connect-status", markup=False
            )
            yield Static("", id="connect-url", classes="hidden", markup=False)
            yield Static("", id="connect-countdown")
            yield Static(
                f"Allow access in the browser; this dialog closes by itself when {self.service} "
                "sends you back. y copies the link, o opens it, Esc cancels."
                + (
                    " No browser here? Press a to approve on the sandbox's consent page."
                    if self.sandbox
                    else ""
                ),
                id="dialog-remedy",
                markup=False,
            )
            with Horizontal(id="dialog-buttons"):
                yield Button("Cancel", id="cancel")
                yield Button("Copy link", id="copy", disabled=True)
                if self.sandbox:
                    yield Button("Approve in sandbox", id="approve", disabled=True)
                yield Button("Open browser", id="open", variant="primary", disabled=True)
        yield AppFooter()

    def on_mount(self) -> None:
        if self.sandbox:
            # Room for the fourth button; the shared dialog style fits three.
            self.query_one("#dialog").styles.width = 86
        self.app.connect_signal.subscribe(self, self.on_connect_update)
        self._ticker = self.set_interval(1.0, self._tick, pause=True)
        if self.start:
            self.app.start_connect(self.connector, replacing=self.replacing)

    def on_connect_update(self, update: ConnectUpdate) -> None:
        if isinstance(update, ConnectProgress):
            self.show_event(update.event)
        else:
            self.show_finished(update)

    def show_event(self, event: ConnectEvent) -> None:
        """Show one step of the flow (also used by snapshot tests with a fixed event)."""
        status = self.query_one("#connect-status", Static)
        if event.url:
            self.url = event.url
            url = self.query_one("#connect-url", Static)
            url.update(event.url)
            url.remove_class("hidden")
            for button in self.query("#copy, #open, #approve").results(Button):
                button.disabled = False
        if event.seconds_left is not None:
            self.deadline = self.clock() + event.seconds_left
            if self._ticker is not None:
                self._ticker.resume()
        status.update(event.message or _DEFAULT_MESSAGES.get(event.kind, ""))
        self._tick()

    def show_finished(self, finished: ConnectFinished) -> None:
        if not self.is_attached or self.finished is not None:
            return
        self.finished = finished
        self.deadline = None
        if self._ticker is not None:
            self._ticker.pause()
        self._tick()
        if finished.cancelled:
            self.dismiss(False)
            return
        if finished.connection is not None:
            self.dismiss(True)
            return
        status = self.query_one("#connect-status", Static)
        status.update(finished.sentence or "Connecting failed.")
        status.add_class("-error")
        self.query_one("#dialog-remedy", Static).update(
            f"{finished.remedy or ''} Press r to try again, Esc to close.".strip()
        )
        self.query_one("#cancel", Button).label = "Close"
        self.refresh_bindings()

    def _tick(self) -> None:
        countdown = self.query_one("#connect-countdown", Static)
        if self.deadline is None:
            countdown.update("")
            return
        left = max(0, math.ceil(self.deadline - self.clock()))
        minutes, seconds = divmod(left, 60)
        countdown.update(f"Waiting for {self.service}… {minutes}:{seconds:02d} left")

    @on(Button.Pressed, "#copy")
    def action_copy_url(self) -> None:
        if self.url:
            self.app.copy_to_clipboard(self.url)
            self.notify("Copied the link to the clipboard.", timeout=3)

    @on(Button.Pressed, "#open")
    def action_open_url(self) -> None:
        """o: open the link in a browser, off the event loop (a launcher may take a while).
        When none can be opened here, the dialog says so and what to do instead."""
        if not self.url:
            return
        if not browser_available():
            self.show_no_browser("there is no display here and BROWSER is not set")
            return
        threading.Thread(
            target=self._open_in_thread, args=(self.url,), name="alloy-tui-browser", daemon=True
        ).start()

    def _open_in_thread(self, url: str) -> None:
        reason = "no browser answered (Python's webbrowser module found none to run)"
        try:
            opened = self.open_browser(url)
        except (OSError, webbrowser.Error) as error:
            opened = False
            reason = f"starting it failed: {error}"
        if not opened:
            with contextlib.suppress(RuntimeError):  # the app closed meanwhile
                self.app.call_from_thread(self.show_no_browser, reason)

    def show_no_browser(self, reason: str) -> None:
        if not self.is_attached or self.finished is not None:
            return
        self.query_one("#dialog-remedy", Static).update(
            f"No browser could be opened: {reason}. Press y to copy the link, then open it in "
            "a browser on any computer; this dialog keeps waiting and closes by itself once "
            f"you allow access.{' Or press a to approve in the sandbox.' if self.sandbox else ''}"
        )

    @on(Button.Pressed, "#approve")
    def action_approve(self) -> None:
        """Play the browser's part against the sandbox: press Allow, go back to the listener."""
        if not self.sandbox or self.url is None or self.approving or self.finished is not None:
            return
        self.approving = True
        self.approve(self.url)

    @work(exclusive=True, group="sandbox-approve", exit_on_error=False)
    async def approve(self, url: str) -> None:
        status = self.query_one("#connect-status", Static)
        status.remove_class("-error")
        status.update("Approving in the sandbox…")
        try:
            await self.app.state.approve_in_sandbox(url)
        except SandboxApprovalError as error:
            self.approving = False
            if self.finished is None and self.is_attached:
                status.update(f"{error.sentence} {error.remedy}")
                status.add_class("-error")
            return
        if self.finished is None and self.is_attached:
            status.update("Approved in the sandbox; finishing the connection…")

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """The footer offers only what works now: retry after a failure, approve in a sandbox."""
        if action == "retry":
            return self.failed
        if action == "approve":
            return self.sandbox
        return True

    @property
    def failed(self) -> bool:
        return self.finished is not None and self.finished.connection is None

    def action_retry(self) -> None:
        if self.failed:
            self.finished = None
            status = self.query_one("#connect-status", Static)
            status.remove_class("-error")
            status.update("Asking Alloy for an authorization link…")
            self.query_one("#cancel", Button).label = "Cancel"
            self.approving = False
            self.app.start_connect(self.connector, replacing=self.replacing)
            self.refresh_bindings()

    @on(Button.Pressed, "#cancel")
    def action_cancel(self) -> None:
        if self.finished is None and self.start:
            # Cancelling the worker closes the listener, which frees its port.
            self.app.cancel_connect()
        self.dismiss(False)


_DEFAULT_MESSAGES = {
    "url": "Open the link to allow access to a Notion workspace.",
    "waiting": "Waiting for Notion to send you back…",
    "exchanging": "Finishing the connection…",
    "listing": "Looking up the new connection…",
    "done": "Connected.",
}


def _open_in_new_window(url: str) -> bool:
    return webbrowser.open(url, new=2)
