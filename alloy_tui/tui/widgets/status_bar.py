"""The status bar on every screen: environment, user, connection, requests, rate-limit wait."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Protocol, TypeGuard

from rich.text import Text
from textual.app import ComposeResult
from textual.containers import Horizontal
from textual.signal import Signal
from textual.timer import Timer
from textual.widgets import Label


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


class StatusSource(Protocol):
    """What the status bar needs from the app (AlloyApp provides it)."""

    status: StatusInfo
    status_signal: Signal[StatusInfo]


class StatusBar(Horizontal):
    """One line: SANDBOX badge or host · user · connection · requests · wait countdown."""

    DEFAULT_CSS = """
    StatusBar {
        dock: top;
        height: 1;
        background: $panel;
        color: $text-muted;
    }
    StatusBar > Label { padding: 0 1; height: 1; }
    StatusBar > #status-env { text-style: bold; color: $text; }
    StatusBar > #status-env.-sandbox { background: $warning; color: $background; }
    StatusBar > #status-connection { color: $text; }
    StatusBar > #status-connection.-none { color: $error; }
    StatusBar > #status-wait { color: $warning; text-style: bold; }
    StatusBar > .status-spacer { width: 1fr; }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self._info = StatusInfo()
        self._ticker: Timer | None = None

    def compose(self) -> ComposeResult:
        yield Label(id="status-env")
        yield Label(id="status-user")
        yield Label(id="status-connection")
        yield Label(classes="status-spacer")
        yield Label(id="status-wait")
        yield Label(id="status-activity")

    def on_mount(self) -> None:
        source = self.app
        if _is_status_source(source):
            self.show(source.status)
            source.status_signal.subscribe(self, self.show)
        # Ticks only while a wait is counting down.
        self._ticker = self.set_interval(0.5, self._tick, pause=True)

    def show(self, info: StatusInfo) -> None:
        self._info = info
        env = self.query_one("#status-env", Label)
        env.update(info.environment)
        env.set_class(info.sandbox, "-sandbox")
        self.query_one("#status-user", Label).update(f"user {info.user}" if info.user else "")
        connection = self.query_one("#status-connection", Label)
        connection.update(info.connection or "no connection")
        connection.set_class(not info.connection, "-none")
        self.query_one("#status-activity", Label).update(self._activity(info))
        self._tick()
        if self._ticker is not None:
            if info.wait_until is None:
                self._ticker.pause()
            else:
                self._ticker.resume()

    def _activity(self, info: StatusInfo) -> Text:
        if info.in_flight:
            return Text(f"⟳ {info.in_flight} request{'s' if info.in_flight > 1 else ''}")
        if info.last_latency_ms is None:
            return Text("idle")
        style = "bold red" if info.last_failed else ""
        return Text(f"last {info.last_latency_ms:.0f} ms", style=style)

    def _tick(self) -> None:
        label = self.query_one("#status-wait", Label)
        until = self._info.wait_until
        if until is None:
            label.update("")
            return
        left = max(0.0, until - time.monotonic())
        reason = self._info.wait_reason or "waiting"
        label.update(f"{reason}: retry in {left:.0f} s")


def _is_status_source(obj: object) -> TypeGuard[StatusSource]:
    return isinstance(getattr(obj, "status", None), StatusInfo) and isinstance(
        getattr(obj, "status_signal", None), Signal
    )
