"""Every text colour the app's stylesheets set reaches WCAG AA (4.5:1) against the background it
is drawn on, in every theme the app offers, with the colours each theme resolves to.

The stylesheets are parsed by Textual itself with each theme's variables, so `$text-muted`
(auto 60%) and `$accent 20%` are the colours the app would paint. The ANSI themes are left out:
their colours are the terminal's own palette, which no test can know."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from textual.color import Color
from textual.css.stylesheet import Stylesheet
from textual.theme import BUILTIN_THEMES, Theme
from textual.widgets import Label

from alloy_tui.sandbox.server import SandboxServer
from alloy_tui.tui.theme_colors import readable_variables
from alloy_tui.tui.widgets.body_editor import BodyEditor
from alloy_tui.tui.widgets.status_bar import StatusBar
from tests.tui.conftest import SIZE, build_app, settle

TUI = Path(__file__).parents[2] / "alloy_tui" / "tui"
AA = 4.5

SOURCES = [
    (TUI / "app.tcss").read_text(encoding="utf-8"),
    (TUI / "pages.tcss").read_text(encoding="utf-8"),
    StatusBar.DEFAULT_CSS,
    BodyEditor.DEFAULT_CSS,
]

# Selectors of widgets that sit inside a dialog (drawn on $surface, not $background).
IN_DIALOG = (
    "Modal",
    "#dialog",
    "#connect-",
    "#plan-",
    "#conflict-",
    "#draft",
    ".builder",
    "#picker",
    ".conflict",
    ".help",
    "#prompt",
)

# Drawn in the colour of what is under them on purpose: the X of an unticked item of a ticked
# list is hidden (a ticked one is marked instead).
HIDDEN = {
    ".property-field SelectionList > .selection-list--button, "
    ".property-field SelectionList > .selection-list--button-highlighted",
}


def offered_themes() -> list[str]:
    """Textual's themes (the palette's "Change theme" lists them all), but the ANSI ones."""
    return [name for name in sorted(BUILTIN_THEMES) if not name.startswith("ansi-")]


def luminance(color: Color) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(color.r) + 0.7152 * channel(color.g) + 0.0722 * channel(color.b)


def contrast(a: Color, b: Color) -> float:
    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def over(color: Color, base: Color) -> Color:
    """`color` as painted on `base` (a colour with alpha is blended)."""
    return base.blend(color.with_alpha(1.0), color.a) if color.a < 1 else color


@dataclass(frozen=True)
class Pair:
    selector: str
    text: Color
    background: Color

    @property
    def ratio(self) -> float:
        return contrast(self.text, self.background)


def variables(theme: Theme) -> dict[str, str]:
    """What AlloyApp.get_css_variables gives the stylesheets under `theme`."""
    base = {**theme.to_color_system().generate(), **theme.variables}
    return {**base, **readable_variables(base)}


def pairs(theme: Theme) -> list[Pair]:
    """Each rule that sets a text colour, with the background it is drawn on: its own, else
    an ancestor rule's (".a:focus" for ".a:focus .b"), else the status bar's panel, a dialog's
    surface or the screen's background."""
    values = variables(theme)
    stylesheet = Stylesheet(variables=values)
    for index, text in enumerate(SOURCES):
        stylesheet.add_source(text, read_from=(f"source{index}", ""))
    stylesheet.parse()
    screen = Color.parse(values["background"])
    surface = over(Color.parse(values["surface"]), screen)
    panel = over(Color.parse(values["panel"]), screen)
    own_backgrounds = {
        rule.selectors: rule.styles.background
        for rule in stylesheet.rules
        if "background" in rule.styles.get_rules()
    }
    found = []
    for rule in stylesheet.rules:
        styles = rule.styles
        if "color" not in styles.get_rules() or rule.selectors in HIDDEN:
            continue
        selector = rule.selectors
        if "StatusBar" in selector:
            base = panel
        elif any(mark in selector for mark in IN_DIALOG):
            base = surface
        else:
            base = screen
        ancestor = next(
            (bg for sel, bg in own_backgrounds.items() if selector.startswith(sel + " ")), None
        )
        if ancestor is not None:
            base = over(ancestor, base)
        own = own_backgrounds.get(selector)
        background = over(own, base) if own is not None else base
        color = styles.color
        if styles.auto_color:
            color = background.get_contrast_text(color.a)
        found.append(Pair(selector, over(color, background), background))
    return found


def test_contrast_is_computed_as_wcag_says() -> None:
    assert contrast(Color(0, 0, 0), Color(255, 255, 255)) == pytest.approx(21.0)
    assert contrast(Color(119, 119, 119), Color(255, 255, 255)) == pytest.approx(4.48, abs=0.01)


def test_the_theme_colours_alone_would_fail_in_the_light_theme() -> None:
    # What the issue measured: the badge's light grey on orange, about 1.5:1, and orange
    # titles on grey; the $alloy-* colours exist for that.
    values = variables(BUILTIN_THEMES["textual-light"])
    background, warning = Color.parse(values["background"]), Color.parse(values["warning"])
    assert contrast(background, warning) < 2
    assert contrast(Color.parse(values["alloy-accent"]), background) >= AA
    badge = Color.parse(values["alloy-badge"])
    assert contrast(Color.parse(values["alloy-on-warning"]), badge) >= AA


@pytest.mark.parametrize("theme_name", offered_themes())
def test_every_text_colour_reaches_aa(theme_name: str) -> None:
    found = pairs(BUILTIN_THEMES[theme_name])
    assert any(p.selector.startswith("StatusBar > #status-env.-sandbox") for p in found)
    assert any(p.selector == ".screen-title" for p in found)
    failing = [
        f"{p.selector}: {p.text.hex} on {p.background.hex} = {p.ratio:.2f}"
        for p in found
        if p.ratio < AA
    ]
    assert failing == []


async def test_the_running_app_paints_the_badge_and_titles_readably_in_light(
    sandbox: SandboxServer,
) -> None:
    app = build_app(sandbox, theme="textual-light")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert app.theme == "textual-light"
        badge = app.screen.query_one("#status-env", Label)
        assert badge.has_class("-sandbox")
        assert contrast(badge.styles.color, badge.styles.background) >= AA
        title = app.screen.query_one(".screen-title", Label)
        painted = over(title.styles.color, Color.parse(app.get_css_variables()["background"]))
        assert contrast(painted, Color.parse(app.get_css_variables()["background"])) >= AA
