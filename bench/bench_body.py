"""Page body speed on the rich 2,000-block document (bench/richdoc.py), against the npm peers.

Measured in one run on the same blocks and the same Markdown:
- blocks -> Markdown (alloy-tui) vs `notion-to-md` (`blocksToMarkdown` + `toMarkdownString`):
  goal <= 2x its time;
- Markdown -> blocks (alloy-tui, nothing cached) vs `@tryfabric/martian` (`markdownToBlocks`):
  goal >= 5x faster;
- reported against a json.dumps + json.loads of the blocks (no goal): Markdown -> blocks after a
  one-line edit (as on save) and the plan for one changed line (bodyplan.plan_body).

The peers are installed with npm into a cache folder (~/.cache/alloy-tui-bench/node, or under
$XDG_CACHE_HOME) and timed in-process by bench/peers.js after a warm-up, so node's start-up is not
counted. Without node or npm, or when the install fails, the run says so and skips those ratios.
Each figure is the median (p50) of the repeats; alloy-tui's figures pool the samples taken before
and after the peers ran. Each sample counts the smaller of its wall time and its CPU time
(Python's process_time, node's process.cpuUsage): on the shared 2-core machine the wall time of
two processes measured a minute apart mostly measures the other load, which CPU time leaves out,
while node's CPU time also counts its garbage collector's parallel threads, which wall time
leaves out; both are printed. The round trip on the document must be lossless, or the run fails.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from bench.report import Ratio, emit, exit_code
from bench.richdoc import count_blocks, rich_page

BLOCKS = 2000
PEERS = {"notion-to-md": "notion-to-md@3", "martian": "@tryfabric/martian@1"}
"""Peer -> the npm spec installed (major version pinned)."""
_PACKAGE_DIRS = {"notion-to-md": "notion-to-md", "martian": "@tryfabric/martian"}
TO_MARKDOWN_GOAL = 2.0
TO_BLOCKS_GOAL = 5.0


Sample = tuple[float, float]
"""(wall ms, CPU ms) of one run; judged: the smaller of the two (see above)."""


def samples_ms(run: Callable[[], Any], repeat: int) -> list[Sample]:
    times = []
    for _ in range(repeat):
        cpu = time.process_time()
        started = time.perf_counter()
        run()
        wall = (time.perf_counter() - started) * 1000
        times.append((wall, (time.process_time() - cpu) * 1000))
    return times


def p50(samples: list[Sample]) -> tuple[float, float, float]:
    """The medians of the wall times, of the CPU times and of the judged times."""
    return (
        statistics.median(w for w, _ in samples),
        statistics.median(c for _, c in samples),
        statistics.median(min(w, c) for w, c in samples),
    )


def cache_dir() -> Path:
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "alloy-tui-bench" / "node"


def install_peers(folder: Path) -> str | None:
    """Install the peers into `folder` unless they are there; None, or why they cannot run."""
    if shutil.which("node") is None:
        return "node is not installed"
    missing = [
        spec
        for name, spec in PEERS.items()
        if not (folder / "node_modules" / _PACKAGE_DIRS[name] / "package.json").is_file()
    ]
    if not missing:
        return None
    npm = shutil.which("npm")
    if npm is None:
        return "npm is not installed (needed once, to install the peers)"
    folder.mkdir(parents=True, exist_ok=True)
    print(f"installing {', '.join(missing)} into {folder} ...", flush=True)
    try:
        done = subprocess.run(
            [npm, "install", "--prefix", str(folder), "--no-audit", "--no-fund", *missing],
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as error:
        return f"npm install failed: {error}"
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-3:]
        return f"npm install failed (exit {done.returncode}): {' / '.join(tail)}"
    return None


def run_peers(
    folder: Path, blocks: list[dict[str, Any]], md: str, repeat: int, peer_repeat: int
) -> dict[str, Any]:
    """bench/peers.js's answer: per peer a list of milliseconds, or {"error": ...}."""
    script = Path(__file__).with_name("peers.js")
    with tempfile.TemporaryDirectory(prefix="bench-body-") as tmp:
        data = Path(tmp) / "input.json"
        data.write_text(
            json.dumps(
                {
                    "blocks": blocks,
                    "markdown": md,
                    "repeat": {"notion-to-md": repeat, "martian": peer_repeat},
                    # Until V8 has optimised the code (a notion-to-md run costs ~15 ms).
                    "warmup": {"notion-to-md": 20, "martian": 3},
                    "modules": str(folder / "node_modules"),
                }
            ),
            encoding="utf-8",
        )
        done = subprocess.run(
            ["node", str(script), str(data)],
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
    if done.returncode != 0:
        raise RuntimeError(f"node {script.name} failed: {done.stderr.strip()[-500:]}")
    answer: dict[str, Any] = json.loads(done.stdout)
    return answer


def main() -> int:
    parser = argparse.ArgumentParser(prog="bench_body")
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    args = parser.parse_args(sys.argv[1:])
    repeat = 3 if args.quick else 9
    peer_repeat = 3 if args.quick else 5  # martian takes over a second a run

    from alloy_tui.notion import markdown
    from alloy_tui.notion.bodyplan import plan_body
    from alloy_tui.notion.markdown import blocks_to_markdown, canonical_blocks, markdown_to_blocks

    blocks = rich_page(BLOCKS)
    md = blocks_to_markdown(blocks)
    back = markdown_to_blocks(md)
    lossless = back == canonical_blocks(blocks) and blocks_to_markdown(back) == md
    lines = md.split("\n")
    middle = next(i for i in range(len(lines) // 2, len(lines)) if lines[i][:1].isalpha())
    edited = "\n".join([*lines[:middle], lines[middle] + " changed", *lines[middle + 1 :]])
    assert edited != md

    def to_blocks_cold() -> None:
        markdown.clear_cache()
        markdown_to_blocks(md)

    warm_times: list[Sample] = []

    def to_blocks_warm() -> None:
        markdown.clear_cache()
        markdown_to_blocks(md)  # the editor opened this text
        warm_times.extend(samples_ms(lambda: markdown_to_blocks(edited), 1))

    def plan() -> None:
        result = plan_body(blocks, edited)
        assert len(result.operations) == 1, result.summary()

    def ours() -> dict[str, list[Sample]]:
        out = {
            "json": samples_ms(lambda: json.loads(json.dumps(blocks)), repeat),
            "to_markdown": samples_ms(lambda: blocks_to_markdown(blocks), repeat),
            "to_blocks": samples_ms(to_blocks_cold, repeat),
        }
        samples_ms(to_blocks_warm, repeat)
        out["warm"] = warm_times[-repeat:]
        markdown.clear_cache()
        markdown_to_blocks(md)  # as in the editor: the text was parsed when it was opened
        out["plan"] = samples_ms(plan, repeat)
        return out

    first = ours()
    folder = cache_dir()
    why = install_peers(folder)
    peers: dict[str, Any] = {}
    if why is None:
        try:
            peers = run_peers(folder, blocks, md, repeat, peer_repeat)
        except (OSError, RuntimeError, ValueError, subprocess.TimeoutExpired) as error:
            why = f"the peers did not run: {error}"
    second = ours()
    figures = {key: p50(first[key] + second[key]) for key in first}
    judged = {key: value[2] for key, value in figures.items()}

    nested = count_blocks(blocks)
    what = (
        f"the rich document: {nested:,} blocks ({len(blocks):,} top-level), "
        f"{len(md):,} characters of Markdown"
    )
    print(f"{what}; p50 of {2 * repeat} runs (peers: {repeat} and {peer_repeat} after warm-up)")
    print("each figure: the smaller of wall and CPU time (see bench_body's docstring), then both")
    print(f"  lossless round trip (blocks -> Markdown -> blocks, and back): {lossless}")
    for key, label in (
        ("json", "json.dumps+loads of the blocks"),
        ("to_markdown", "blocks -> Markdown"),
        ("to_blocks", "Markdown -> blocks (nothing cached)"),
        ("warm", "Markdown -> blocks after a one-line edit"),
        ("plan", "plan for one changed line"),
    ):
        print(_figure(label, figures[key]))
    ratios = [
        emit(Ratio("Markdown -> blocks after a one-line edit", what, "json.dumps+loads of the "
                   "blocks", judged["warm"] / judged["json"])),
        emit(Ratio("plan for one changed line", what, "json.dumps+loads of the blocks",
                   judged["plan"] / judged["json"])),
    ]  # fmt: skip
    if why is not None:
        print(f"  peers skipped: {why}; the ratios against notion-to-md and martian are not run")
    else:
        ratios += _peer_ratios(peers, judged, what)
    if not lossless:
        print("FAIL: the round trip on the rich document is not lossless")
        return 1
    return exit_code(ratios)


def _figure(label: str, figure: tuple[float, float, float]) -> str:
    wall, cpu, judged = figure
    return f"  {label:42s} {judged:7.1f} ms  (wall {wall:.1f}, CPU {cpu:.1f})"


def _peer_ratios(peers: dict[str, Any], ours: dict[str, float], what: str) -> list[Ratio]:
    ratios: list[Ratio] = []
    n2m, martian = peers.get("notion-to-md"), peers.get("martian")
    if isinstance(n2m, list):
        theirs = p50([(wall, used) for wall, used in n2m])
        print(_figure("notion-to-md, blocks -> Markdown", theirs))
        ratios.append(
            emit(Ratio("blocks -> Markdown, alloy-tui / notion-to-md", what,
                       "notion-to-md blocksToMarkdown + toMarkdownString, same blocks",
                       ours["to_markdown"] / theirs[2], TO_MARKDOWN_GOAL))
        )  # fmt: skip
    else:
        print(f"  notion-to-md did not run: {n2m}; that ratio is skipped")
    if isinstance(martian, list):
        theirs = p50([(wall, used) for wall, used in martian])
        print(_figure("martian, Markdown -> blocks", theirs))
        ratios.append(
            emit(Ratio("Markdown -> blocks, martian / alloy-tui (times faster)", what,
                       "@tryfabric/martian markdownToBlocks, same Markdown",
                       theirs[2] / ours["to_blocks"], TO_BLOCKS_GOAL, at_least=True))
        )  # fmt: skip
    else:
        print(f"  martian did not run: {martian}; that ratio is skipped")
    return ratios


if __name__ == "__main__":
    raise SystemExit(main())
