"""End to end: what typing into a page's title paints in a real terminal (tmux), key by key,
is the frame a full repaint draws. The page screen repaints only what a key changed
(tui/compositor.py); a cell it failed to paint would differ here."""

from __future__ import annotations

import pytest

from tests.e2e.test_tmux import COLUMNS, Tmux, tmux  # noqa: F401 (the fixture)

pytestmark = pytest.mark.e2e

TYPED = " and some words typed into the title, one key at a time, past the field's width"


def test_typing_into_the_title_paints_what_a_full_repaint_draws(tmux: Tmux) -> None:  # noqa: F811
    tmux.wait_for(lambda s: "Acme Sandbox" in s and "●" in s, "the seed connection listed")
    tmux.keys("s")
    tmux.wait_for(lambda s: "results" in s and "Last edited" in s, "the search results")
    tmux.type("revamp")
    tmux.wait_for(lambda s: "1 result for “revamp”" in s, "the final results")
    tmux.keys("Down")
    tmux.keys("Enter")
    tmux.wait_for(lambda s: "Faster search over 10k pages" in s, "the page editor")
    # Loaded: the related pages' titles are in, no request is left (the status bar's line
    # stays as it is from here on).
    tmux.wait_for(
        lambda s: "Edit body" in s and "Review status bar #3" in s and "request" not in s,
        "the page loaded",
    )
    tmux.keys("Enter")  # the page opens on its first field, the title: edit it
    tmux.wait_for(lambda s: "Done" in s, "the title's editor")
    for character in TYPED:
        tmux.type(character)
    # The Input scrolls sideways once the text is wider than the field: its end shows.
    typed = tmux.wait_for(
        lambda s: "past the field's width" in s and "unsaved changes" in s, "every key typed"
    )
    # A resize makes Textual draw the whole screen again; back at the same size, it is the
    # frame a full repaint gives.
    tmux.run("resize-window", "-t", "app", "-x", str(COLUMNS + 7))
    tmux.wait_for(lambda s: s != typed, "the wider frame")
    tmux.run("resize-window", "-t", "app", "-x", str(COLUMNS))
    repainted = tmux.wait_for(lambda s: s == typed, "the full repaint", timeout=10)
    assert repainted == typed
