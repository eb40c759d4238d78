"""The status bar on every screen: environment, user, connection, requests, rate-limit wait."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass
from typing import Final, Protocol, TypeGuard

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.message import Message
from textual.signal import Signal
from textual.timer import Timer
from textual.widgets import Label

SPINNER: Final = "⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏"
"""Frames of the in-flight spinner (one per SPINNER_SECONDS)."""
SPINNER_SECONDS: Final = 0.1


@dataclass(frozen=True)
class StatusInfo:
    """What the status bar shows; the app publishes a new one whenever something changes."""

    environment: str = ""
    sandbox: bool = False
    user: str = ""
    connection: str = ""
    in_flight: int = 0
    last_latency_ms: float | None = None
    last_failed: bool = False
    wait_until: float | None = None
    """time.monotonic() when a rate-limit or retry wait ends; None when nothing waits."""
    wait_reason: str = ""
    connection_note: str = ""
    """Why the active connection will not stick (the environment pins another at start)."""


class StatusSource(Protocol):
    """What the status bar needs from the app (AlloyApp provides it)."""

    status: StatusInfo
    status_signal: Signal[StatusInfo]


class StatusBar(Horizontal):
    """One line: SANDBOX badge or host · user · connection · requests · wait countdown.

    The activity and the countdown are clickable: they post `ActivityPressed`, which the app
    answers by opening the request inspector."""

    class ActivityPressed(Message):
        """The user clicked the request activity or the rate-limit countdown."""

    DEFAULT_CSS = """
    StatusBar {
        dock: top;
        height: 1;
        background: $panel;
        color: $alloy-status-muted;
    }
    StatusBar > Label { padding: 0 1; height: 1; }
    StatusBar > #status-env { text-style: bold; color: $text; }
    StatusBar > #status-env.-sandbox { background: $alloy-badge; color: $alloy-on-warning; }
    StatusBar > #status-connection { color: $text; }
    StatusBar > #status-connection.-none { color: $alloy-error; }
    StatusBar > #status-wait { color: $alloy-warning; text-style: bold; }
    StatusBar > #status-activity.-failed { color: $alloy-error; text-style: bold; }
    StatusBar > .status-spacer { width: 1fr; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._info = StatusInfo()
        self._shown: StatusInfo | None = None
        """What the labels show now (None before the first `show`)."""
        self._activity_shown = Text()
        self._ticker: Timer | None = None
        self._spinner: Timer | None = None
        self._frame = 0

    def compose(self) -> ComposeResult:
        # The environment (a host from the config), the user id and the connection's name are
        # data, never markup.
        yield Label(id="status-env", markup=False)
        yield Label(id="status-user", markup=False)
        yield Label(id="status-connection", markup=False)
        yield Label(classes="status-spacer")
        yield Label(id="status-wait", markup=False)
        yield Label(id="status-activity")

    def on_click(self, event: events.Click) -> None:
        if event.widget is not None and event.widget.id in ("status-activity", "status-wait"):
            event.stop()
            self.post_message(self.ActivityPressed())

    def on_mount(self) -> None:
        source = self.app
        if _is_status_source(source):
            self.show(source.status)
            source.status_signal.subscribe(self, self.show)
        for label in ("#status-activity", "#status-wait"):
            self.query_one(label, Label).tooltip = "Every Alloy call: click or press ctrl+l"
        # Each timer ticks only while there is something to animate.
        self._ticker = self.set_interval(0.5, self._tick, pause=True)
        self._spinner = self.set_interval(SPINNER_SECONDS, self._spin, pause=True)

    def show(self, info: StatusInfo) -> None:
        # Every request's start and end publishes a new StatusInfo: only the labels whose text
        # changed are updated (each update lays the bar out again).
        before = self._shown
        self._info = self._shown = info
        if before is None or (before.environment, before.sandbox) != (
            info.environment,
            info.sandbox,
        ):
            env = self.query_one("#status-env", Label)
            env.update(info.environment)
            env.set_class(info.sandbox, "-sandbox")
        if before is None or before.user != info.user:
            self.query_one("#status-user", Label).update(f"user {info.user}" if info.user else "")
        if before is None or (before.connection, before.connection_note) != (
            info.connection,
            info.connection_note,
        ):
            connection = self.query_one("#status-connection", Label)
            name = info.connection or "no connection"
            note = info.connection_note
            connection.update(f"{name} · {note}" if note else name)
            connection.set_class(not info.connection, "-none")
        activity = self.query_one("#status-activity", Label)
        text = self._activity(info)
        if before is None or text != self._activity_shown:
            self._activity_shown = text
            activity.update(text)
        # The theme's readable error colour (app.tcss contrast), not Rich's fixed red.
        activity.set_class(info.last_failed and not info.in_flight, "-failed")
        self._tick()
        if self._ticker is not None:
            if info.wait_until is None:
                self._ticker.pause()
            else:
                self._ticker.resume()
        if self._spinner is not None:
            if info.in_flight:
                self._spinner.resume()
            else:
                self._spinner.pause()
                self._frame = 0

    def _spin(self) -> None:
        self._frame = (self._frame + 1) % len(SPINNER)
        self._activity_shown = self._activity(self._info)
        self.query_one("#status-activity", Label).update(self._activity_shown)

    def _activity(self, info: StatusInfo) -> Text:
        if info.in_flight:
            count = info.in_flight
            return Text(f"{SPINNER[self._frame]} {count} request{'s' if count > 1 else ''}")
        if info.last_latency_ms is None:
            return Text("idle")
        return Text(f"last {info.last_latency_ms:.0f} ms")

    def _tick(self) -> None:
        label = self.query_one("#status-wait", Label)
        until = self._info.wait_until
        if until is None:
            label.update("")
            return
        label.update(wait_text(self._info.wait_reason, until - time.monotonic()))


def wait_text(reason: str, seconds_left: float) -> str:
    """'rate limited · retrying in 3 s' (the pacing limiter sends, it does not retry)."""
    reason = reason or "waiting"
    left = max(0, math.ceil(seconds_left))
    verb = "sending" if reason.startswith("pacing") else "retrying"
    return f"{reason} · {verb} now…" if left == 0 else f"{reason} · {verb} in {left} s"


def _is_status_source(obj: object) -> TypeGuard[StatusSource]:
    return isinstance(getattr(obj, "status", None), StatusInfo) and isinstance(
        getattr(obj, "status_signal", None), Signal
    )
