"""`[keys]` remaps checked at start: a clash with another binding of the same screen or with a
text field's own keys, or an unknown id, is reported once, naming both; the README's example is
clean."""

from __future__ import annotations

import re
import tomllib
from pathlib import Path

from textual.message import Message
from textual.notifications import Notify

from alloy_tui.sandbox.server import SandboxServer
from alloy_tui.tui.app import AlloyApp
from alloy_tui.tui.keymap import find_clashes, keymap_problems, unknown_ids
from tests.tui.conftest import SIZE, build_app, settle

README = Path(__file__).parents[2] / "README.md"


def _readme_keys() -> dict[str, str]:
    blocks = re.findall(r"```toml\n(.*?)```", README.read_text(encoding="utf-8"), re.DOTALL)
    tables = [tomllib.loads(block).get("keys") for block in blocks]
    (keys,) = [table for table in tables if table]
    return dict(keys)


def test_the_readme_remap_example_is_clean() -> None:
    keys = _readme_keys()
    assert keys
    assert keymap_problems(AlloyApp, keys) == []


def test_a_remap_onto_a_text_fields_delete_word_names_both() -> None:
    (clash,) = find_clashes(AlloyApp, {"page.save": "ctrl+w"})
    assert clash.binding_id == "page.save" and clash.key == "ctrl+w"
    assert "text field" in clash.other and "word" in clash.other
    assert clash.where == ("the Page screen",)


def test_an_app_key_shadowed_by_a_screen_binding_names_both() -> None:
    (clash,) = find_clashes(AlloyApp, {"app.requests": "f2"})
    assert "page.edit_body" in clash.other
    assert clash.where == ("the Page screen",)


def test_a_remap_onto_a_key_of_the_same_screen_is_a_clash() -> None:
    clashes = find_clashes(AlloyApp, {"connections.refresh": "d"})
    assert [c.other for c in clashes] == ['"connections.delete" (Delete)']


def test_moving_a_binding_off_a_key_frees_it_for_another() -> None:
    # r was connections.refresh's: once refresh moves to F5, d can take r's place.
    assert find_clashes(AlloyApp, {"connections.refresh": "f5", "connections.delete": "r"}) == []


def test_an_unknown_id_is_named() -> None:
    assert unknown_ids(AlloyApp, {"page.sav": "ctrl+s", "page.save": "f9"}) == ["page.sav"]


async def test_clashes_are_reported_once_at_start(sandbox: SandboxServer) -> None:
    seen: list[Notify] = []

    def hook(message: Message) -> None:
        if isinstance(message, Notify):
            seen.append(message)

    app = build_app(sandbox, keymap={"page.save": "ctrl+w", "app.requests": "f2"})
    async with app.run_test(size=SIZE, message_hook=hook) as pilot:
        await settle(pilot)
    reports = [m.notification for m in seen if m.notification.title == "Key remaps in config.toml"]
    assert len(reports) == 1
    text = reports[0].message
    assert '"page.save" = "ctrl+w"' in text and "Delete left to start of word" in text
    assert '"app.requests" = "f2"' in text and '"page.edit_body"' in text
