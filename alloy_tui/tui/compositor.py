"""A compositor whose partial updates render only the widgets (and rows) they repaint.

Textual 8.2.8's `Compositor._get_renders` picks the widgets to render for a partial update by
their *clip* (the viewport of their container), not by where they are: a key typed into a
field of a form re-renders every field of that form, the form, its scroll container, the
status bar, the footer and every other child of the screen, each over its whole height (from
the styles cache, but a widget's render still costs its background, filters and a pass over
every line). On the page screen that was 18 widgets a key where a bare Input's app renders 2.

`CroppedCompositor` renders a widget only when the part of it that shows (its region within
its clip) overlaps the update's crop, only the rows of it the crop spans, and no widget behind
one that covers the whole crop (typing into a field repaints that field alone). The frame is
the same: a chop (a piece of a line between two widget edges) outside the crop is never
written by a partial update (`ChopsUpdate` writes only the updated spans), the rows left out
are not painted at all, and a chop shows the frontmost widget's strip only, whatever is behind
it (Textual blends a widget's background with its ancestors' when it renders, not here)."""

from __future__ import annotations

from collections.abc import Iterable

from textual._compositor import Compositor
from textual.geometry import Region
from textual.strip import Strip


class CroppedCompositor(Compositor):
    """Textual's compositor, rendering only what an update shows."""

    def _get_renders(
        self, crop: Region | None = None
    ) -> Iterable[tuple[Region, Region, list[Strip]]]:
        if crop is None:
            yield from super()._get_renders(crop)
            return
        overlaps = crop.overlaps
        top, bottom = crop.y, crop.bottom
        # Front to back, as Textual's: the first strip written to a chop wins.
        for widget, (region, clip) in self.visible_widgets.items():
            shown = region.intersection(clip)
            if not overlaps(shown):
                continue
            # The crop's rows, at the shown part's full width: the strips then start and end
            # on the widget's own edges, which are the cuts `_render_chops` divides them at.
            y1, y2 = max(shown.y, top), min(shown.bottom, bottom)
            rows = Region(shown.x, y1, shown.width, y2 - y1)
            strips = widget.render_lines(
                Region(rows.x - region.x, rows.y - region.y, rows.width, rows.height)
            )
            yield region, rows, strips
            if rows.contains_region(crop):
                # Everything behind is hidden in the crop: a chop shows its frontmost strip.
                return


__all__ = ["CroppedCompositor"]
