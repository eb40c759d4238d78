"""The palette's Screenshot says where the SVG went, or why it could not be written and where
it was meant to go (Textual's own command says only "Failed to save screenshot")."""

from __future__ import annotations

from pathlib import Path

from textual.command import CommandPalette
from textual.message import Message
from textual.notifications import Notification, Notify

from alloy_tui.sandbox.server import SandboxServer
from tests.tui.conftest import SIZE, build_app, settle, wait_until


def _downloads_in(config_home: Path, folder: Path) -> None:
    """Point the user's Downloads folder (XDG user-dirs, as platformdirs reads it) at `folder`."""
    (config_home / "user-dirs.dirs").write_text(f'XDG_DOWNLOAD_DIR="{folder}"\n')


async def _screenshot_from_palette(sandbox: SandboxServer) -> list[Notification]:
    seen: list[Notification] = []

    def hook(message: Message) -> None:
        if isinstance(message, Notify) and message.notification.title == "Screenshot":
            seen.append(message.notification)

    app = build_app(sandbox)
    async with app.run_test(size=SIZE, message_hook=hook) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await wait_until(pilot, lambda: isinstance(app.screen, CommandPalette))
        await pilot.press(*"screenshot")
        await pilot.pause()
        await pilot.press("enter")
        await wait_until(pilot, lambda: seen)
        await settle(pilot)
    return seen


async def test_screenshot_says_where_it_saved(
    sandbox: SandboxServer, isolated_dirs: dict[str, Path], tmp_path: Path
) -> None:
    shots = tmp_path / "shots"
    shots.mkdir()
    _downloads_in(isolated_dirs["config"], shots)
    (notice,) = await _screenshot_from_palette(sandbox)
    (written,) = shots.glob("*.svg")
    assert notice.severity == "information"
    assert notice.message == f"Saved the screenshot to {written}"
    assert written.read_text(encoding="utf-8").startswith("<svg")


async def test_screenshot_failure_says_why_and_where(
    sandbox: SandboxServer, isolated_dirs: dict[str, Path], tmp_path: Path
) -> None:
    missing = tmp_path / "no-such-folder"
    _downloads_in(isolated_dirs["config"], missing)
    (notice,) = await _screenshot_from_palette(sandbox)
    assert notice.severity == "error"
    assert notice.message.startswith(f"Could not save the screenshot to {missing}/")
    assert ".svg: No such file or directory. Create the folder " in notice.message
    assert not missing.exists()
