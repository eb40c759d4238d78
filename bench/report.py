"""The one shape every benchmark reports a verdict in: a ratio against a baseline from the same run.

A benchmark prints each figure through `emit(Ratio(...))`; `python -m bench` collects them and
ends with a table of every ratio and its verdict. A run fails only when a ratio misses its goal,
never on an absolute time (the machine is shared and noisy: milliseconds are printed, not judged).

    from bench.report import Ratio, emit, exit_code

    ratios = [emit(Ratio("title typing", "1,000 keys into a page's title", "a bare Input",
                         app_ms / bare_ms, goal=1.5))]
    return exit_code(ratios)

`goal=None` reports a ratio without judging it; `at_least=True` when bigger is better (a share
of a budget: achieved rate / 3 req/s >= 0.9).
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

RESULTS: list[Ratio] = []
"""Every ratio emitted in this process, in order (`python -m bench` reads it)."""


@dataclass(frozen=True)
class Ratio:
    name: str
    """What is measured: "launch -> connections listed"."""
    input: str
    """What it was measured on: "500 retrieve-a-page calls over httpx.MockTransport"."""
    baseline: str
    """What it is divided by, measured in the same run: "bare httpx.AsyncClient"."""
    value: float
    goal: float | None = None
    at_least: bool = False
    """True when the value must reach the goal from below (a share), not stay under it."""

    @property
    def met(self) -> bool | None:
        """None when there is no goal (reported only)."""
        if self.goal is None:
            return None
        return self.value >= self.goal if self.at_least else self.value <= self.goal

    @property
    def verdict(self) -> str:
        return {None: "reported", True: "met", False: "MISSED"}[self.met]

    @property
    def goal_text(self) -> str:
        if self.goal is None:
            return "-"
        return f"{'>=' if self.at_least else '<='} {self.goal:g}"

    def line(self) -> str:
        return (
            f"RATIO {self.name}: {self.value:.2f} ({self.goal_text}) {self.verdict}"
            f"\n      input: {self.input}; baseline: {self.baseline}"
        )


def emit(ratio: Ratio) -> Ratio:
    """Print the ratio with its input and baseline, and record it for the summary."""
    print(ratio.line(), flush=True)
    RESULTS.append(ratio)
    return ratio


def exit_code(ratios: Iterable[Ratio]) -> int:
    """1 when some ratio misses its goal, else 0."""
    return 1 if any(r.met is False for r in ratios) else 0


def table(rows: Iterable[tuple[str, Ratio]]) -> str:
    """A plain-text table of (benchmark, ratio) rows, one line each."""
    header = ("benchmark", "ratio", "value", "goal", "verdict", "input, baseline")
    lines = [
        (bench, r.name, f"{r.value:.2f}", r.goal_text, r.verdict, f"{r.input}; vs {r.baseline}")
        for bench, r in rows
    ]
    widths = [max(len(c) for c in column) for column in zip(header, *lines, strict=True)]
    widths[-1] = 0  # prose: not padded
    return "\n".join(
        "  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
        for row in (header, *lines)
    )
