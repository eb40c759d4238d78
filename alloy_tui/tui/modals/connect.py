"""The connect dialog: the OAuth link, a countdown, and a browserless sandbox approval."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from html.parser import HTMLParser
from typing import ClassVar, Final
from urllib.parse import parse_qs, urlencode, urljoin, urlsplit

import httpx
from textual import getters, on, work
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.timer import Timer
from textual.widgets import Button, Footer, Label, Static

from alloy_tui.alloy.connect import ConnectEvent
from alloy_tui.tui.app import AlloyApp
from alloy_tui.tui.messages import ConnectFinished, ConnectProgress, ConnectUpdate


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

    def __init__(self, *, start: bool = True) -> None:
        super().__init__(classes="dialog")
        self.start = start
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
            yield Label("Connect Notion", id="dialog-title")
            # Status and remedy show Alloy's messages and the connection's name: never markup.
            yield Static(
                "Asking Alloy for an authorization link…", id="connect-status", markup=False
            )
            yield Static("", id="connect-url", classes="hidden", markup=False)
            yield Static("", id="connect-countdown")
            yield Static(
                "Allow access in the browser; this dialog closes by itself when Notion "
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
        yield Footer()

    def on_mount(self) -> None:
        if self.sandbox:
            # Room for the fourth button; the shared dialog style fits three.
            self.query_one("#dialog").styles.width = 86
        self.app.connect_signal.subscribe(self, self.on_connect_update)
        self._ticker = self.set_interval(1.0, self._tick, pause=True)
        if self.start:
            self.app.start_connect()

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
            self.deadline = time.monotonic() + event.seconds_left
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
        left = max(0, math.ceil(self.deadline - time.monotonic()))
        minutes, seconds = divmod(left, 60)
        countdown.update(f"Waiting for Notion… {minutes}:{seconds:02d} left")

    @on(Button.Pressed, "#copy")
    def action_copy_url(self) -> None:
        if self.url:
            self.app.copy_to_clipboard(self.url)
            self.notify("Copied the link to the clipboard.", timeout=3)

    @on(Button.Pressed, "#open")
    def action_open_url(self) -> None:
        if self.url:
            self.app.open_url(self.url)

    @on(Button.Pressed, "#approve")
    def action_approve(self) -> None:
        """Play the browser's part against the sandbox: open the consent page, press Allow."""
        if not self.sandbox or self.url is None or self.approving or self.finished is not None:
            return
        self.approving = True
        self.approve(self.url)

    @work(exclusive=True, group="sandbox-approve", exit_on_error=False)
    async def approve(self, url: str) -> None:
        status = self.query_one("#connect-status", Static)
        status.remove_class("-error")
        status.update("Approving on the sandbox's consent page…")
        try:
            await approve_in_sandbox(
                self.app.state.client.http, url, self.app.state.client.base_url
            )
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
            self.app.start_connect()
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


# ---- approving in the sandbox (the browser's part, for machines without one) ---------------

APPROVE_TIMEOUT: Final = 10.0


class SandboxApprovalError(Exception):
    """Approving on the sandbox's consent page failed; says what happened and what to do."""

    def __init__(
        self, sentence: str, remedy: str = "Press a to try again, or open the link."
    ) -> None:
        super().__init__(sentence)
        self.sentence = sentence
        self.remedy = remedy


@dataclass
class ConsentForm:
    """What a browser would submit from the consent page when the user presses Allow."""

    action: str = ""
    fields: list[tuple[str, str]] = field(default_factory=list)
    allow: tuple[str, str] | None = None
    problem: str = ""
    """The page's own explanation when it shows an error instead of a form."""


class _ConsentParser(HTMLParser):
    """Reads the first POST form: hidden fields, checked boxes (the shared pages) and the
    submit button whose value or label is Allow; or the problem page's sentence."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.form = ConsentForm()
        self._in_form = False
        self._done = False
        self._button: tuple[str, str] | None = None
        self._button_text: list[str] = []
        self._in_problem = False

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        if tag == "form" and not self._done and values.get("method", "get").lower() == "post":
            self._in_form = True
            self.form.action = values.get("action", "")
        elif tag == "input" and self._in_form:
            kind = values.get("type", "text").lower()
            name = values.get("name", "")
            if not name:
                return
            if kind == "hidden" or (kind == "checkbox" and "checked" in values):
                self.form.fields.append((name, values.get("value", "on")))
        elif tag == "button" and self._in_form:
            self._button = (values.get("name", ""), values.get("value", ""))
            self._button_text = []
        elif tag == "p" and "sub" in values.get("class", "").split() and not self.form.problem:
            self._in_problem = True

    def handle_data(self, data: str) -> None:
        if self._button is not None:
            self._button_text.append(data)
        if self._in_problem:
            self.form.problem += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "button" and self._button is not None:
            name, value = self._button
            label = "".join(self._button_text).strip().lower()
            if self.form.allow is None and (value.lower() == "allow" or label.startswith("allow")):
                self.form.allow = (name, value)
            self._button = None
        elif tag == "form" and self._in_form:
            self._in_form = False
            self._done = True
        elif tag == "p":
            self._in_problem = False


def parse_consent_page(html: str) -> ConsentForm:
    parser = _ConsentParser()
    parser.feed(html)
    parser.close()
    return parser.form


def _same_place(url: str, base: str) -> bool:
    a, b = urlsplit(url), urlsplit(base)
    return (a.scheme, a.hostname, a.port) == (b.scheme, b.hostname, b.port)


def _location(answer: httpx.Response, url: str) -> str | None:
    if answer.is_redirect and answer.headers.get("location"):
        return urljoin(url, answer.headers["location"])
    return None


def _problem(answer: httpx.Response) -> str:
    problem = parse_consent_page(answer.text).problem.strip()
    return problem or f"The sandbox's consent page answered HTTP {answer.status_code}."


async def approve_in_sandbox(http: httpx.AsyncClient, oauth_url: str, sandbox_url: str) -> None:
    """Do what a browser does with the OAuth link: open the sandbox's consent page, submit
    Allow (with its CSRF token and every page it offers), and follow the redirect to the app's
    loopback listener, which then finishes the flow as usual.

    Only a link on the sandbox itself is followed, and only a redirect to the listener the
    link names; `http` sends no credentials (the API key is added per API call, not here).
    Raises SandboxApprovalError."""
    if not _same_place(oauth_url, sandbox_url):
        raise SandboxApprovalError(
            "The authorization link is not on the sandbox, so it cannot be approved here.",
            "Open the link in a browser instead (y copies it).",
        )
    redirect_uri = (parse_qs(urlsplit(oauth_url).query).get("redirect_uri") or [""])[0]
    if not redirect_uri:
        raise SandboxApprovalError("The authorization link names no redirect URI.")
    try:
        answer = await http.get(oauth_url, timeout=APPROVE_TIMEOUT)
        target = _location(answer, oauth_url)  # an auto-consent sandbox redirects at once
        if target is None:
            if answer.status_code != 200:
                raise SandboxApprovalError(_problem(answer))
            form = parse_consent_page(answer.text)
            if form.allow is None:
                raise SandboxApprovalError(
                    form.problem.strip() or "The sandbox's consent page has no Allow button."
                )
            action = urljoin(oauth_url, form.action or oauth_url)
            if not _same_place(action, sandbox_url):
                raise SandboxApprovalError("The consent form posts outside the sandbox.")
            fields = [*form.fields, form.allow] if form.allow[0] else form.fields
            answer = await http.post(
                action,
                content=urlencode(fields).encode(),
                headers={"Content-Type": "application/x-www-form-urlencoded"},
                timeout=APPROVE_TIMEOUT,
            )
            target = _location(answer, action)
            if target is None:
                raise SandboxApprovalError(_problem(answer))
        expected = urlsplit(redirect_uri)
        landed = urlsplit(target)
        if not _same_place(target, redirect_uri) or landed.path != expected.path:
            raise SandboxApprovalError("The sandbox sent the approval somewhere unexpected.")
        # The listener's answer is a page for the browser; the flow itself learns the result.
        back = await http.get(target, timeout=APPROVE_TIMEOUT)
    except httpx.HTTPError as error:
        raise SandboxApprovalError(
            f"Could not reach the sandbox or the app's listener ({type(error).__name__})."
        ) from None
    if back.status_code >= 400:
        raise SandboxApprovalError(
            f"The app's OAuth listener refused the approval (HTTP {back.status_code}).",
            "Press r to start over.",
        )
