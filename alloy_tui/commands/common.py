"""What every shell command shares: exit codes, the error-to-code mapping, ids and the context."""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Final

from alloy_tui.alloy.errors import (
    AlloyError,
    AuthError,
    CannotReachError,
    ConnectionNotFoundError,
    ForbiddenError,
    NotFoundError,
    NotSharedError,
    OAuthError,
    RateLimitedError,
)
from alloy_tui.config import ConfigError
from alloy_tui.notion.ids import id_from_text

if TYPE_CHECKING:
    from alloy_tui.alloy.client import AlloyClient
    from alloy_tui.alloy.notion_api import NotionAPI
    from alloy_tui.commands.output import Output, Progress
    from alloy_tui.config import Settings

EXIT_OK: Final = 0
EXIT_ERROR: Final = 1
EXIT_CONFIG: Final = 2
EXIT_AUTH: Final = 3
EXIT_NOT_FOUND: Final = 4
EXIT_RATE_LIMITED: Final = 5
EXIT_NETWORK: Final = 6
EXIT_INTERRUPTED: Final = 130

MAX_INPUT_BYTES: Final = 20 * 1024 * 1024
"""A Markdown or JSON file given to a command is refused above this size."""


class CommandError(Exception):
    """A command used wrongly (a bad id, a missing file, an ambiguous choice): one sentence and
    what to do; exits 2, like any configuration problem. Nothing was sent."""

    def __init__(self, sentence: str, remedy: str = "") -> None:
        super().__init__(sentence)
        self.sentence = sentence
        self.remedy = remedy


def exit_code_for(error: BaseException) -> int:
    """The exit code that says what failed: configuration 2, authentication 3, not found 4,
    rate limited 5, network 6, anything else 1 (README, "Scripting")."""
    cause = getattr(error, "cause", None)  # a partly applied body plan: what stopped it
    if isinstance(cause, AlloyError):
        error = cause
    if isinstance(error, ConfigError | CommandError):
        return EXIT_CONFIG
    if isinstance(error, AuthError | ForbiddenError | ConnectionNotFoundError | OAuthError):
        return EXIT_AUTH
    if isinstance(error, NotFoundError | NotSharedError):
        return EXIT_NOT_FOUND
    if isinstance(error, RateLimitedError):
        return EXIT_RATE_LIMITED
    if isinstance(error, CannotReachError):
        return EXIT_NETWORK
    if isinstance(error, KeyboardInterrupt):
        return EXIT_INTERRUPTED
    return EXIT_ERROR


NO_CONNECTION: Final = "No connection is chosen: Notion commands run through one connection."
NO_CONNECTION_REMEDY: Final = (
    "Pass --connection ID, set CONNECTION_ID, or pick one in the app "
    "(`alloy-tui connections` lists them)."
)


def notion_id_arg(text: str, what: str = "page") -> str:
    """A Notion id (dashed or not) or a notion.so URL, as the dashed id; else CommandError."""
    found = id_from_text(text)
    if found is None:
        raise CommandError(
            f"{text!r} is not a Notion {what} id or URL.",
            f"Pass the {what}'s 32-character id (dashes optional) or its notion.so URL.",
        )
    return found


def read_text_file(path_text: str, what: str = "file") -> str:
    """A UTF-8 text file given on the command line ("-" is stdin); CommandError otherwise."""
    if path_text == "-":
        return sys.stdin.read()
    path = Path(path_text)
    try:
        if path.stat().st_size > MAX_INPUT_BYTES:
            raise CommandError(
                f"The {what} {path} is larger than {MAX_INPUT_BYTES // (1024 * 1024)} MB.",
                "Split it, or give a smaller file.",
            )
        return path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise CommandError(f"There is no {what} {path}.", "Check the path.") from None
    except IsADirectoryError:
        raise CommandError(f"{path} is a folder, not a {what}.", "Give a file.") from None
    except UnicodeDecodeError:
        raise CommandError(
            f"The {what} {path} is not UTF-8 text.", "Save it as UTF-8 and try again."
        ) from None
    except OSError as error:
        raise CommandError(
            f"The {what} {path} cannot be read: {error.strerror or error}.", "Check the path."
        ) from None


@dataclass
class Context:
    """What a running command uses: the settings, one client, stdout and the progress line."""

    settings: Settings
    client: AlloyClient
    out: Output
    progress: Progress

    def connection_id(self) -> str:
        if not self.settings.connection_id:
            raise CommandError(NO_CONNECTION, NO_CONNECTION_REMEDY)
        return self.settings.connection_id

    def notion(self) -> NotionAPI:
        from alloy_tui.alloy.notion_api import NotionAPI

        return NotionAPI(
            self.client, self.connection_id(), notion_version=self.settings.notion_version
        )


__all__ = [
    "EXIT_AUTH",
    "EXIT_CONFIG",
    "EXIT_ERROR",
    "EXIT_INTERRUPTED",
    "EXIT_NETWORK",
    "EXIT_NOT_FOUND",
    "EXIT_OK",
    "EXIT_RATE_LIMITED",
    "CommandError",
    "Context",
    "exit_code_for",
    "notion_id_arg",
    "read_text_file",
]
