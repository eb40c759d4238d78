"""Text colours that stay readable in every theme: `$alloy-accent`, `$alloy-warning`,
`$alloy-error`, `$alloy-success`, `$alloy-status-muted` (the status bar's text), and
`$alloy-badge` with `$alloy-on-warning` (the SANDBOX badge).

A theme's accent or warning is made for backgrounds and borders: Textual's light theme draws
its orange at 1.5:1 on its own grey. Each `$alloy-*` colour is the theme's colour moved toward
black (on a light theme) or white (on a dark one) just far enough to reach WCAG AA (4.5:1)
against every background the app draws text on: the screen, a dialog's surface, the status
bar's panel, a highlighted field and a ticked item."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

from textual.color import BLACK, WHITE, Color

TARGET = 4.6
"""A little over WCAG AA's 4.5:1, so rounding to 8-bit channels never lands below it."""

SEMANTIC = ("accent", "warning", "error", "success")


def luminance(color: Color) -> float:
    """WCAG relative luminance."""

    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(color.r) + 0.7152 * channel(color.g) + 0.0722 * channel(color.b)


def contrast(a: Color, b: Color) -> float:
    """WCAG contrast ratio, 1 to 21."""
    light, dark = sorted((luminance(a), luminance(b)), reverse=True)
    return (light + 0.05) / (dark + 0.05)


def over(color: Color, base: Color) -> Color:
    """`color` as painted on `base` (a colour with alpha is blended onto it)."""
    return base.blend(color.with_alpha(1.0), color.a) if color.a < 1 else color


def readable(color: Color, backgrounds: Iterable[Color], target: float = TARGET) -> Color:
    """`color`, moved toward black or white (whichever the backgrounds are farther from) in
    small steps until it reaches `target` against each of `backgrounds`."""
    grounds = list(backgrounds)
    mean = sum(luminance(b) for b in grounds) / len(grounds)
    # Black and white contrast equally with a luminance of about 0.179: above it, go darker.
    pole = BLACK if mean > 0.179 else WHITE
    for step in range(51):
        candidate = color.blend(pole, step / 50)
        if all(contrast(candidate, b) >= target for b in grounds):
            return candidate
    return pole


def text_backgrounds(variables: Mapping[str, str]) -> list[Color]:
    """Every background the app's stylesheets put text on, as painted."""
    screen = Color.parse(variables["background"])
    surface = over(Color.parse(variables["surface"]), screen)
    grounds = [
        screen,
        surface,
        over(Color.parse(variables["panel"]), screen),
        over(Color.parse(variables["boost"]), surface),
        over(Color.parse(variables["accent"]).with_alpha(0.2), screen),  # a highlighted field
    ]
    if "success-muted" in variables:
        grounds.append(over(Color.parse(variables["success-muted"]), screen))  # a ticked item
    return grounds


def readable_variables(variables: Mapping[str, str]) -> dict[str, str]:
    """The `$alloy-*` variables for a theme's resolved variables."""
    grounds = text_backgrounds(variables)
    out = {
        f"alloy-{name}": readable(Color.parse(variables[name]), grounds).hex
        for name in SEMANTIC
        if name in variables
    }
    # The status bar's quiet text: Textual's $text-muted (60% of the contrasting colour) as
    # painted on the panel, made readable where a theme's panel is too close to it.
    panel = grounds[2]
    muted = over(panel.get_contrast_text(0.6), panel)
    out["alloy-status-muted"] = readable(muted, [panel]).hex
    # The SANDBOX badge's text: the theme's background where it reads on the warning colour
    # (the dark themes), else black or white, whichever reads better.
    badge = Color.parse(variables["warning"])
    screen = grounds[0]
    on_badge = (
        screen
        if contrast(screen, badge) >= TARGET
        else max((BLACK, WHITE), key=lambda c: contrast(c, badge))
    )
    out["alloy-on-warning"] = on_badge.hex
    # The SANDBOX badge: the theme's warning, darkened or lightened until its text reads.
    out["alloy-badge"] = readable(badge, [on_badge]).hex
    return out


__all__ = ["contrast", "luminance", "readable", "readable_variables", "text_backgrounds"]
