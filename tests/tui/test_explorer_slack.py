"""The action explorer with Slack: the connection choice offers only the picked connector's
connections, and a Slack action runs through a Slack connection and shows Slack's answer."""

from __future__ import annotations

from collections.abc import Callable

from textual.widgets import Select, Static

from alloy_tui.sandbox.defaults import SEED_CONNECTION_ID
from alloy_tui.sandbox.server import SandboxServer
from tests.tui.conftest import SIZE, build_app, wait_until
from tests.tui.slack_helpers import slack_connection
from tests.tui.test_explorer import field, open_explorer, option_ids, pick, run


def choices(select: Select[str]) -> list[str]:
    return [value for _label, value in select._options if isinstance(value, str)]


async def test_slack_action_runs_through_the_slack_connection(
    sandbox_factory: Callable[..., SandboxServer],
) -> None:
    server = sandbox_factory(rate_limit=False, auto_consent=True)
    slack = slack_connection(server)
    app = build_app(server)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_explorer(app, pilot)
        assert {"notion", "slack"} <= set(option_ids(screen))
        select = screen.query_one("#explorer-connection", Select)
        # Notion first: only Notion's connections are offered.
        await pick(pilot, screen, "notion")
        await wait_until(pilot, lambda: screen.actions and select.value == SEED_CONNECTION_ID)
        assert choices(select) == [SEED_CONNECTION_ID]
        # Back to the connectors, then Slack: only the Slack connection, chosen.
        await pilot.press("escape")
        await wait_until(pilot, lambda: screen.connector is None)
        await pick(pilot, screen, "slack")
        await wait_until(
            pilot, lambda: bool(screen.actions) and select.value == slack and not select.disabled
        )
        assert choices(select) == [slack]
        assert "conversations_list" in option_ids(screen)
        await pick(pilot, screen, "conversations_list")
        await wait_until(
            pilot, lambda: screen.action is not None and screen.action.id == "conversations_list"
        )
        await pilot.pause()
        answer = await run(pilot, screen)
        record = app.state.log.records()[-1]
        assert record.action == "conversations_list" and record.connector == "slack"
        assert record.connection_id == slack and record.status == 200
        assert isinstance(answer, dict) and answer["ok"] is True
        names = [c["name"] for c in answer["channels"]]
        assert names and '"channels": [' in screen.answer_text()
        assert all(f'"name": "{name}"' in screen.answer_text() for name in names[:3])
        head = str(screen.query_one("#explorer-answer-head", Static).render())
        assert f"200 · call #{record.id}" in head
        assert not screen.query_one("#explorer-answer-head").has_class("-error")
        # Slack's refusal (HTTP 200, ok false) is shown, and said in the heading.
        await pilot.press("escape")
        await pick(pilot, screen, "conversations_history")
        await wait_until(
            pilot,
            lambda: screen.action is not None and screen.action.id == "conversations_history",
        )
        await pilot.pause()
        field(screen, "channel").value = "C0NOWHERE"
        refused = await run(pilot, screen)
        assert refused == {"ok": False, "error": "channel_not_found"}
        assert '"error": "channel_not_found"' in screen.answer_text()
        record = app.state.log.records()[-1]
        head_widget = screen.query_one("#explorer-answer-head", Static)
        head = str(head_widget.render())
        assert f"200 · refused: channel_not_found · call #{record.id}" in head
        assert head_widget.has_class("-error")
        # Another connector: the Slack connection is gone at once, before Notion's are listed
        # (nothing awaited in between, so no worker has run yet).
        screen.open_connector(next(c for c in screen.connectors if c.id == "notion"))
        assert choices(select) == [] and select.disabled
        await wait_until(pilot, lambda: select.value == SEED_CONNECTION_ID)
        assert choices(select) == [SEED_CONNECTION_ID] and not select.disabled
