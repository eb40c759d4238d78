"""The palette's Screenshot: an SVG of the screen in the user's Downloads folder, with the path
said on success and the reason (and the path it meant) on failure.

Textual's own command says only "Failed to save screenshot": its DeliveryFailed event carries
neither the path nor a sentence, so the app replaces that command with this one."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from platformdirs import user_downloads_path
from textual._files import generate_datetime_filename
from textual.app import App, SystemCommand

TITLE = "Screenshot"


def screenshot_command(app: App[Any]) -> SystemCommand:
    return SystemCommand(
        TITLE,
        f"Save an SVG of the current screen in {user_downloads_path()}",
        # After a moment, so the palette has closed and the shot shows the screen under it.
        lambda: app.set_timer(0.1, lambda: save_screenshot(app)),
    )


def save_screenshot(app: App[Any], directory: Path | None = None) -> Path | None:
    """Write the screen as SVG into `directory` (the Downloads folder by default) and say where;
    on failure say why and where it was meant to go. Returns the file written, or None."""
    folder = user_downloads_path() if directory is None else directory
    path = folder / generate_datetime_filename(app.title, ".svg")
    svg = app.export_screenshot()
    try:
        path.write_text(svg, encoding="utf-8")
    except OSError as error:
        reason = error.strerror or str(error) or type(error).__name__
        app.notify(
            f"Could not save the screenshot to {path}: {reason}. {_remedy(error, folder)}",
            title=TITLE,
            severity="error",
            timeout=10,
            markup=False,
        )
        return None
    app.notify(f"Saved the screenshot to {path}", title=TITLE, markup=False)
    return path


def _remedy(error: OSError, folder: Path) -> str:
    if isinstance(error, FileNotFoundError | NotADirectoryError):
        return (
            f"Create the folder {folder}, or point XDG_DOWNLOAD_DIR in "
            "~/.config/user-dirs.dirs at one that exists, then try again."
        )
    if isinstance(error, PermissionError):
        return f"Make {folder} writable for you, or point XDG_DOWNLOAD_DIR elsewhere, then retry."
    return "Free some space or pick another XDG_DOWNLOAD_DIR, then try again."
