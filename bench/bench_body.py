"""Page body speed on a 2,000-block page: blocks -> Markdown, Markdown -> blocks (cold: nothing
cached; warm: after a one-line edit, as on save), and the plan for one changed line. Target:
under 50 ms each (median). Baseline in the same run: json.dumps + json.loads of the blocks."""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
import uuid
from collections.abc import Callable
from typing import Any

TARGET_MS = 50.0
BLOCKS = 2000


def _text(content: str, **annotations: Any) -> dict[str, Any]:
    notes = {
        "bold": False,
        "italic": False,
        "strikethrough": False,
        "underline": False,
        "code": False,
        "color": "default",
        **annotations,
    }
    return {
        "type": "text",
        "text": {"content": content, "link": None},
        "annotations": notes,
        "plain_text": content,
        "href": None,
    }


def page(count: int = BLOCKS) -> list[dict[str, Any]]:
    """A page shaped like real notes: headings, prose with some bold, lists, to-dos, code."""
    blocks: list[dict[str, Any]] = []
    for n in range(count):
        kind = ("heading_2", "paragraph", "paragraph", "bulleted_list_item", "bulleted_list_item",
                "to_do", "paragraph", "quote", "code", "numbered_list_item")[n % 10]  # fmt: skip
        rich = [_text(f"Block {n}: some ordinary words about the project, ")]
        if n % 3 == 0:
            rich += [_text("an important part", bold=True), _text(" and the rest.")]
        body: dict[str, Any] = {"rich_text": rich, "color": "default"}
        if kind == "to_do":
            body["checked"] = n % 2 == 0
        elif kind == "heading_2":
            body["is_toggleable"] = False
        elif kind == "code":
            body = {"rich_text": [_text(f"x = {n}\nprint(x)")], "language": "python", "caption": []}
        blocks.append(
            {
                "object": "block",
                "id": str(uuid.UUID(int=n + 1)),
                "type": kind,
                "has_children": False,
                kind: body,
            }
        )
    return blocks


def median_ms(run: Callable[[], Any], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        run()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times)


def main() -> int:
    parser = argparse.ArgumentParser(prog="bench_body")
    parser.add_argument("--quick", action="store_true", help="fewer repetitions")
    args = parser.parse_args(sys.argv[1:])
    repeat = 3 if args.quick else 9

    from alloy_tui.notion import markdown
    from alloy_tui.notion.bodyplan import plan_body
    from alloy_tui.notion.markdown import blocks_to_markdown, markdown_to_blocks

    blocks = page()
    md = blocks_to_markdown(blocks)
    edited = md.replace("Block 1001: some", "Block 1001: changed")
    assert edited != md

    def cold() -> None:
        markdown._CHUNK_CACHE.clear()
        markdown_to_blocks(md)

    def warm() -> None:
        markdown._CHUNK_CACHE.clear()
        markdown_to_blocks(md)  # the editor opened this text
        started = time.perf_counter()
        markdown_to_blocks(edited)
        warm_times.append((time.perf_counter() - started) * 1000)

    def plan() -> None:
        result = plan_body(blocks, edited)
        assert len(result.operations) == 1, result.summary()

    warm_times: list[float] = []
    baseline = median_ms(lambda: json.loads(json.dumps(blocks)), repeat)
    figures = {
        "blocks -> Markdown": median_ms(lambda: blocks_to_markdown(blocks), repeat),
        "Markdown -> blocks (cold)": median_ms(cold, repeat),
    }
    median_ms(warm, repeat)
    figures["Markdown -> blocks (after a one-line edit)"] = statistics.median(warm_times)
    markdown._CHUNK_CACHE.clear()
    markdown_to_blocks(md)  # as in the editor: the text was parsed when it was opened
    figures["plan, one changed line"] = median_ms(plan, repeat)

    print(f"{BLOCKS}-block page, {len(md):,} characters of Markdown; median of {repeat} runs")
    print(f"  baseline json.dumps+loads of the blocks: {baseline:7.1f} ms")
    failed = 0
    for name, value in figures.items():
        ok = value < TARGET_MS
        failed += not ok
        ratio = value / baseline if baseline else float("inf")
        verdict = "PASS" if ok else "FAIL"
        print(f"  {name:45s} {value:7.1f} ms  ({ratio:4.1f}x baseline)  {verdict}")
    print(f"target: under {TARGET_MS:.0f} ms each -> {'PASS' if not failed else 'FAIL'}")
    return 1 if failed else 0


if __name__ == "__main__":
    raise SystemExit(main())
