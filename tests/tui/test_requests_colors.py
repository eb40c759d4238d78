"""The Requests screen's status column is drawn in the theme's readable colours: each status
class reaches 4.5:1 on the table's background in every theme the app offers (a Rich "green" or
"yellow" on a light theme's grey did not)."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from rich.style import Style
from textual.color import Color

from alloy_tui.alloy.requestlog import RequestRecord
from alloy_tui.sandbox.server import SandboxServer
from alloy_tui.tui.screens.requests import RequestsScreen, status_text
from alloy_tui.tui.theme_colors import contrast, text_backgrounds
from tests.tui.conftest import SIZE, build_app, expect_screen, settle
from tests.tui.test_theme_contrast import offered_themes

STATUSES = (200, 302, 404, 429, 500, None)


def _record(status: int | None) -> RequestRecord:
    return RequestRecord(
        1, datetime.now(UTC), "POST", "http://x/execute", status=status, finished=True
    )


@pytest.mark.parametrize("theme", offered_themes())
async def test_every_status_reads_in_every_theme(sandbox: SandboxServer, theme: str) -> None:
    app = build_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        app.theme = theme
        app.action_requests()
        await settle(pilot)
        screen = expect_screen(app, RequestsScreen)
        variables = app.get_css_variables()
        grounds = text_backgrounds(variables)[:3]  # screen, surface, panel: the table's rows
        for status in STATUSES:
            text = status_text(_record(status), screen.status_colors)
            style = text.style if isinstance(text.style, Style) else Style.parse(text.style)
            assert style.color is not None and style.color.triplet is not None, status
            color = Color(*style.color.triplet)
            worst = min(contrast(color, ground) for ground in grounds)
            assert worst >= 4.5, f"{theme}: status {status} in {color.hex} reads {worst:.2f}:1"
