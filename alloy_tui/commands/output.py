"""What a shell command writes: text, tables and JSON on stdout (no secret), progress on stderr."""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Callable, Mapping, Sequence
from typing import Any, Final, TextIO

from alloy_tui.alloy.requestlog import REDACTED, scrub_known
from alloy_tui.alloy.retry import WaitEvent
from alloy_tui.alloy.secret import Secret

_BIDI_CONTROLS: Final = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")
_WAIT_REASONS: Final = {
    "rate_limited": "Rate limited",
    "overloaded": "Notion is overloaded",
    "server_error": "Server error",
    "cannot_reach": "Cannot reach Alloy",
    "limiter": "Pacing requests",
}


def safe(text: object) -> str:
    """Server-provided text with control characters (ANSI escapes, CR, bidi overrides) made
    harmless before it reaches the terminal."""
    return "".join(
        "?" if unicodedata.category(ch) == "Cc" or ch in _BIDI_CONTROLS else ch for ch in str(text)
    )


def _is_terminal(stream: TextIO) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):  # a closed or fake stream
        return False


class Output:
    """stdout for a command. Every write passes through `scrub`, which hides the known secrets
    (the API key), so no page that quotes the key, no answer that echoes it, reaches stdout."""

    def __init__(
        self,
        stream: TextIO,
        secrets: Sequence[Secret] = (),
        *,
        redact: Callable[[str], str] | None = None,
    ) -> None:
        self.stream = stream
        self._secrets: tuple[Secret, ...] = tuple(secret for secret in secrets if secret)
        self._redact = redact

    def scrub(self, text: str) -> str:
        text = scrub_known(text, self._secrets)
        return self._redact(text) if self._redact is not None else text

    def scrub_value(self, value: Any) -> Any:
        """`value` (JSON) with the known secrets hidden in every string, before it is written
        in a form that may escape them (JSON escapes, Markdown's backslashes)."""
        if isinstance(value, str):
            return scrub_known(value, self._secrets)
        if isinstance(value, Mapping):
            return {key: self.scrub_value(item) for key, item in value.items()}
        if isinstance(value, list | tuple):
            return [self.scrub_value(item) for item in value]
        return value

    def write(self, text: str) -> None:
        self.stream.write(self.scrub(text))

    def line(self, text: str = "") -> None:
        self.write(text + "\n")

    def json(self, value: Any) -> None:
        """Indented JSON (UTF-8 as is; JSON escapes every control character)."""
        self.line(json.dumps(self.scrub_value(value), indent=2, ensure_ascii=False))

    def json_line(self, value: Any) -> None:
        """One compact JSON object a line, flushed at once (JSON Lines, streamed)."""
        self.line(json.dumps(self.scrub_value(value), ensure_ascii=False, separators=(",", ":")))
        self.stream.flush()

    def table(self, header: Sequence[str], rows: Sequence[Sequence[object]]) -> None:
        """Columns padded to their widest cell; cells made safe for the terminal."""
        cells = [list(header)] + [[safe(cell) for cell in row] for row in rows]
        widths = [max(len(row[i]) for row in cells) for i in range(len(header))]
        for row in cells:
            self.line("  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip())


class Progress:
    """One self-overwriting status line on stderr while long work runs, only when stderr is a
    terminal: nothing at all when it is a file or a pipe."""

    def __init__(self, stream: TextIO) -> None:
        self.stream = stream
        self.enabled = _is_terminal(stream)
        self._shown = False

    def show(self, text: str) -> None:
        if not self.enabled:
            return
        self.stream.write(f"\r{safe(text)}\x1b[K")
        self.stream.flush()
        self._shown = True

    def clear(self) -> None:
        if self._shown:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self._shown = False

    def on_wait(self, event: WaitEvent) -> None:
        """The client's wait hook: a retry or pacing wait, as a line the user can read."""
        if event.seconds >= 0.5:
            reason = _WAIT_REASONS.get(event.reason, "Waiting")
            self.show(f"{reason}: waiting {event.seconds:.0f} s (Ctrl-C to stop)")


__all__ = ["REDACTED", "Output", "Progress", "safe"]
