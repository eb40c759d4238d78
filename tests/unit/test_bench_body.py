"""bench/bench_body.py: without node or npm the peers are skipped with a reason (exit 0 for
them); a peer that fails to run gives no ratio; each sample counts the smaller of its wall and
CPU times."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from bench import bench_body, report


def test_without_node_the_peers_are_skipped(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: None)
    assert bench_body.install_peers(tmp_path) == "node is not installed"


def test_without_npm_a_missing_peer_cannot_be_installed(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setattr(shutil, "which", lambda name: "/bin/node" if name == "node" else None)
    why = bench_body.install_peers(tmp_path)
    assert why is not None and why.startswith("npm is not installed")


def test_installed_peers_need_no_npm(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    for package in ("notion-to-md", "@tryfabric/martian"):
        (tmp_path / "node_modules" / package).mkdir(parents=True)
        (tmp_path / "node_modules" / package / "package.json").write_text("{}")
    monkeypatch.setattr(shutil, "which", lambda name: "/bin/node" if name == "node" else None)
    assert bench_body.install_peers(tmp_path) is None


def test_a_failed_peer_gives_no_ratio(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(report, "RESULTS", [])
    peers = {"notion-to-md": {"error": "Error: boom"}, "martian": [[40.0, 30.0], [50.0, 31.0]]}
    ours = {"to_markdown": 10.0, "to_blocks": 3.0}
    ratios = bench_body._peer_ratios(peers, ours, "doc")
    out = capsys.readouterr().out
    assert "notion-to-md did not run: {'error': 'Error: boom'}; that ratio is skipped" in out
    assert [r.name for r in ratios] == ["Markdown -> blocks, martian / alloy-tui (times faster)"]
    assert ratios[0].value == pytest.approx(30.5 / 3.0)  # the smaller of wall and CPU
    assert ratios[0].met is True


def test_the_markdown_ratio_misses_above_twice_the_peer(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(report, "RESULTS", [])
    peers = {"notion-to-md": [[10.0, 14.0]], "martian": {"error": "x"}}  # GC threads: CPU > wall
    (ratio,) = bench_body._peer_ratios(peers, {"to_markdown": 25.0, "to_blocks": 1.0}, "doc")
    assert ratio.value == pytest.approx(2.5) and ratio.met is False
    assert report.exit_code([ratio]) == 1
