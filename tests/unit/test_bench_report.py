"""bench/report.py: a ratio's verdict and the summary table `make bench` ends with."""

from __future__ import annotations

import pytest

from bench import report
from bench.report import Ratio


def test_verdicts_follow_the_goal_and_its_direction() -> None:
    assert Ratio("a", "in", "base", 1.19, 1.2).verdict == "met"
    assert Ratio("a", "in", "base", 1.21, 1.2).verdict == "MISSED"
    assert Ratio("share", "in", "3 req/s", 0.95, 0.9, at_least=True).verdict == "met"
    assert Ratio("share", "in", "3 req/s", 0.85, 0.9, at_least=True).verdict == "MISSED"
    assert Ratio("info", "in", "base", 9.0).met is None


def test_exit_code_is_one_only_for_a_missed_ratio() -> None:
    met, missed, info = (Ratio("m", "i", "b", 1.0, 2.0), Ratio("x", "i", "b", 3.0, 2.0),
                         Ratio("r", "i", "b", 50.0))  # fmt: skip
    assert report.exit_code([met, info]) == 0
    assert report.exit_code([met, missed, info]) == 1


def test_emit_prints_input_and_baseline_and_records(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(report, "RESULTS", [])
    ratio = report.emit(Ratio("launch", "7 fresh processes", "import textual.app", 1.8, 2.0))
    out = capsys.readouterr().out
    assert "launch: 1.80 (<= 2) met" in out
    assert "7 fresh processes" in out and "import textual.app" in out
    assert len(report.RESULTS) == 1 and report.RESULTS[0] is ratio
    table = report.table([("bench_tui_startup", ratio)]).splitlines()
    assert table[0].split()[:5] == ["benchmark", "ratio", "value", "goal", "verdict"]
    assert table[1].startswith("bench_tui_startup  launch")
    assert "7 fresh processes; vs import textual.app" in table[1]
