"""Each dialog shows its own keys in its footer (over the screen's), the confirming key too."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from textual.app import App
from textual.widgets import Footer
from textual.widgets._footer import FooterKey

from alloy_tui.sandbox.server import SandboxServer
from tests.tui.conftest import FIXED_NOW, SIZE, build_app, settle, wait_until
from tests.tui.dialog_samples import dialogs

EXPECTED = {
    "confirm": {"y": "Discard", "escape": "Stay"},
    "conflict": {"escape": "Back", "o": "Overwrite", "r": "Reload", "n": "Save as new page"},
    "drafts": {"escape": "Later", "o": "Open", "c": "Compare", "d": "Discard"},
    "draft_compare": {"escape": "Close"},
    "plan_preview": {"escape": "Cancel", "a": "Apply"},
    "error": {"escape": "Close"},
    "revoked": {"escape": "Close", "c": "Reconnect", "p": "Pick another"},
}


def _footer_keys(app: App[Any]) -> dict[str, str]:
    footers = app.screen.query(Footer)
    if not footers:
        return {}  # not composed yet
    return {key.key: key.description for key in footers.first().query(FooterKey)}


@pytest.mark.parametrize("name", sorted(EXPECTED))
async def test_a_dialog_footer_shows_the_dialogs_keys(
    sandbox: SandboxServer, tmp_path: Path, name: str
) -> None:
    app = build_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.push_screen(dialogs(tmp_path, FIXED_NOW)[name]())
        await wait_until(pilot, lambda: _footer_keys(app) == EXPECTED[name])
        footer = app.screen.query_one(Footer)
        assert footer.region.bottom == SIZE[1]  # over the screen's footer, not under it
