"""The rich benchmark document: a page body as Notion returns it, with what real notes hold.

`rich_page(2000)` gives 2,000 blocks (nested ones counted) in the response form of
`get_blocks_recursive`: every block has its `object`, `id`, timestamps, editors, `has_children`,
and its children nested under `children`; every rich text item has its full annotations,
`plain_text` and `href`. The text mixes plain words with bold, italic, strikethrough, underline,
inline code, links, text and background colours, mentions (users, pages, databases, dates),
inline equations, and the punctuation prose holds (snake_case names, `*`, `#`, brackets, `&`,
`<`, `$`). Blocks: headings (some coloured, some toggleable), paragraphs, bulleted and numbered
lists nested two levels deep, to-dos, quotes (some with children), callouts, toggles, code blocks
in several languages, dividers and block equations.

Deterministic: the same count gives the same blocks (a seeded random.Random, fixed ids and
times), so the benchmark and the round-trip test read the same document.
"""

from __future__ import annotations

import random
import uuid
from typing import Any

WORDS = [
    "the",
    "release",
    "plan",
    "covers",
    "search",
    "paging",
    "offline",
    "drafts",
    "sync",
    "conflict",
    "review",
    "owner",
    "budget",
    "latency",
    "cache",
    "index",
    "query",
    "filter",
    "sort",
    "cursor",
    "rollout",
    "users",
    "notes",
    "meeting",
    "agenda",
    "decision",
    "follow-up",
    "risk",
    "estimate",
    "sprint",
    "backlog",
    "design",
    "api",
    "schema",
    "migration",
    "test",
    "coverage",
    "metrics",
    "dashboard",
    "alert",
    "retry",
    "timeout",
    "limit",
    "quota",
    "token",
    "session",
    "export",
    "import",
    "archive",
    "workspace",
    "database",
    "page",
    "block",
    "heading",
    "list",
    "toggle",
    "callout",
    "quote",
    "code",
    "link",
    "mention",
    "date",
    "colour",
]
"""Ordinary words the prose is drawn from."""

TRICKY = (
    "snake_case_name",
    "2 * 3",
    "50% of C++",
    "#42",
    "[draft]",
    "a & b",
    "x < y",
    "$5",
    "e.g.",
    "don't",
    "foo_bar()",
    "~approx",
    "path/to/file.py",
    "1. not a list",
    "<tag>",
    "a\\b",
)
"""Text that needs escaping in Markdown: real prose is full of it."""

USERS = (("Ada Lovelace", 1), ("Grace Hopper", 2), ("Linus Pauling", 3))
PAGES = (("Roadmap", 11), ("Release notes", 12), ("Incident review", 13))
DATABASES = (("Tasks", 21), ("Bugs", 22))
COLORS = ("red", "blue", "green", "orange", "purple", "gray")
BACKGROUNDS = ("yellow_background", "blue_background", "red_background", "gray_background")
LANGUAGES = ("python", "javascript", "bash", "sql", "json", "rust", "plain text")
CODE = {
    "python": "def total(rows):\n    return sum(r.points for r in rows if r.done)\n",
    "javascript": "const done = rows.filter((r) => r.done);\nconsole.log(`${done.length} done`);",
    "bash": 'set -euo pipefail\nfor f in *.md; do\n  wc -l "$f"\ndone',
    "sql": "SELECT status, count(*)\nFROM tasks\nWHERE due < date('now')\nGROUP BY status;",
    "json": '{\n  "page_size": 100,\n  "filter": {"property": "Status"}\n}',
    "rust": 'fn main() {\n    let xs = vec![1, 2, 3];\n    println!("{}", xs.len());\n}',
    "plain text": "Step 1: open the page\nStep 2: press e\n\nStep 3: save with Ctrl+S",
}
EMOJI = ("💡", "⚠️", "📌", "✅")
SEED = 20240501
_TIME = "2024-05-01T12:00:00.000Z"


def _id(n: int) -> str:
    return str(uuid.UUID(int=(0x5EED << 96) + n, version=4))


def _notes(**marks: Any) -> dict[str, Any]:
    notes: dict[str, Any] = {
        "bold": False,
        "italic": False,
        "strikethrough": False,
        "underline": False,
        "code": False,
        "color": "default",
    }
    notes.update(marks)
    return notes


def _text(content: str, link: str | None = None, **marks: Any) -> dict[str, Any]:
    return {
        "type": "text",
        "text": {"content": content, "link": {"url": link} if link else None},
        "annotations": _notes(**marks),
        "plain_text": content,
        "href": link,
    }


def _mention(rng: random.Random) -> dict[str, Any]:
    kind = rng.choice(("user", "page", "database", "date"))
    if kind == "user":
        name, n = rng.choice(USERS)
        target: dict[str, Any] = {"object": "user", "id": _id(n)}
        shown, href = f"@{name}", None
    elif kind in ("page", "database"):
        name, n = rng.choice(PAGES if kind == "page" else DATABASES)
        target = {"id": _id(n)}
        shown, href = name, f"https://www.notion.so/{_id(n).replace('-', '')}"
    else:
        day = rng.randrange(1, 28)
        end = f"2024-06-{day + 1:02d}" if rng.random() < 0.3 else None
        target = {"start": f"2024-06-{day:02d}", "end": end, "time_zone": None}
        shown = f"June {day}, 2024" + (f" → June {day + 1}, 2024" if end else "")
        href = None
    return {
        "type": "mention",
        "mention": {"type": kind, kind: target},
        "annotations": _notes(),
        "plain_text": shown,
        "href": href,
    }


def _words(rng: random.Random, low: int, high: int) -> str:
    words = [rng.choice(WORDS) for _ in range(rng.randint(low, high))]
    if rng.random() < 0.4:
        words.insert(rng.randrange(len(words) + 1), rng.choice(TRICKY))
    return " ".join(words)


_STYLES = ("link", "code", "italic", "strike", "bold", "colour", "background", "underline",
           "mention", "equation", "bold_italic", "link_bold")  # fmt: skip


def _styled(rng: random.Random, style: str) -> dict[str, Any]:
    words = _words(rng, 1, 4)
    if style == "link":
        return _text(words, f"https://example.com/docs/{rng.choice(WORDS)}?page={rng.randrange(9)}")
    if style == "link_bold":
        return _text(words, f"https://example.org/{rng.choice(WORDS)}", bold=True)
    if style == "code":
        return _text(rng.choice(("get_blocks()", "--pages", "x[0]", "a*b", "`tick`", "NULL")),
                     code=True)  # fmt: skip
    if style == "italic":
        return _text(words, italic=True)
    if style == "strike":
        return _text(words, strikethrough=True)
    if style == "bold":
        return _text(words, bold=True)
    if style == "bold_italic":
        return _text(words, bold=True, italic=True)
    if style == "colour":
        return _text(words, color=rng.choice(COLORS))
    if style == "background":
        return _text(words, color=rng.choice(BACKGROUNDS))
    if style == "underline":
        return _text(words, underline=True)
    if style == "mention":
        return _mention(rng)
    expression = rng.choice(("x^2 + y^2", "\\frac{a}{b}", "O(n \\log n)", "E = mc^2"))
    return {
        "type": "equation",
        "equation": {"expression": expression},
        "annotations": _notes(),
        "plain_text": expression,
        "href": None,
    }


def rich_text(rng: random.Random) -> list[dict[str, Any]]:
    """Prose with two to four styled runs between plain ones (at least one link, code span,
    italic or strikethrough run in every block)."""
    items = [_text(_words(rng, 2, 8).capitalize() + " ")]
    first = rng.choice(("link", "code", "italic", "strike"))
    for index in range(rng.randint(2, 4)):
        items.append(_styled(rng, first if index == 0 else rng.choice(_STYLES)))
        items.append(_text(" " + _words(rng, 1, 6) + rng.choice((" ", ", ", "; ", ". "))))
    items[-1] = _text(items[-1]["plain_text"].rstrip(" ,;.") + rng.choice((".", "!", "?", ":")))
    return items


class _Builder:
    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.count = 0

    def block(self, kind: str, body: dict[str, Any], children: list[dict[str, Any]] | None = None
              ) -> dict[str, Any]:  # fmt: skip
        self.count += 1
        out: dict[str, Any] = {
            "object": "block",
            "id": _id(1000 + self.count),
            "parent": {"type": "page_id", "page_id": _id(100)},
            "created_time": _TIME,
            "last_edited_time": _TIME,
            "created_by": {"object": "user", "id": _id(1)},
            "last_edited_by": {"object": "user", "id": _id(2)},
            "has_children": bool(children),
            "archived": False,
            "in_trash": False,
            "type": kind,
            kind: body,
        }
        if children:
            out["children"] = children
        return out

    def text(self, kind: str, color: str = "default", **extra: Any) -> dict[str, Any]:
        body = {"rich_text": rich_text(self.rng), **extra, "color": color}
        return self.block(kind, body)

    def colour(self) -> str:
        return self.rng.choice(COLORS + BACKGROUNDS) if self.rng.random() < 0.15 else "default"

    def list_item(self, kind: str, depth: int) -> dict[str, Any]:
        extra = {"checked": self.rng.random() < 0.5} if kind == "to_do" else {}
        item = self.text(kind, self.colour(), **extra)
        if depth < 2 and self.rng.random() < 0.45:
            child_kind = self.rng.choice(("bulleted_list_item", "numbered_list_item", kind))
            children = [
                self.list_item(child_kind, depth + 1) for _ in range(self.rng.randint(1, 3))
            ]
            item["children"] = children
            item["has_children"] = True
        return item

    def unit(self) -> list[dict[str, Any]]:
        """The next few blocks of the page (a section's worth of one kind)."""
        rng = self.rng
        kind = rng.choices(
            ("heading", "paragraph", "list", "quote", "code", "callout", "toggle", "divider",
             "equation"),
            weights=(8, 30, 30, 7, 7, 5, 5, 4, 4),
        )[0]  # fmt: skip
        if kind == "heading":
            level = rng.choice((1, 2, 2, 3, 3))
            toggleable = rng.random() < 0.1
            heading = self.text(f"heading_{level}", self.colour(), is_toggleable=toggleable)
            if toggleable:
                heading["children"] = [self.text("paragraph")]
                heading["has_children"] = True
            return [heading]
        if kind == "paragraph":
            return [self.text("paragraph", self.colour())]
        if kind == "list":
            list_kind = rng.choice(("bulleted_list_item", "numbered_list_item", "to_do"))
            return [self.list_item(list_kind, 0) for _ in range(rng.randint(2, 5))]
        if kind == "quote":
            quote = self.text("quote", self.colour())
            if rng.random() < 0.3:
                quote["children"] = [
                    self.text("paragraph"),
                    self.list_item("bulleted_list_item", 1),
                ]
                quote["has_children"] = True
            return [quote]
        if kind == "code":
            language = rng.choice(LANGUAGES)
            caption = [_text(f"{language} example")] if rng.random() < 0.3 else []
            body = {"caption": caption, "rich_text": [_text(CODE[language])], "language": language}
            return [self.block("code", body)]
        if kind == "callout":
            icon = {"type": "emoji", "emoji": rng.choice(EMOJI)}
            return [self.text("callout", self.colour(), icon=icon)]
        if kind == "toggle":
            toggle = self.text("toggle")
            toggle["children"] = [self.text("paragraph"), self.list_item("to_do", 1)]
            toggle["has_children"] = True
            return [toggle]
        if kind == "divider":
            return [self.block("divider", {})]
        expression = rng.choice(("\\sum_{i=1}^{n} i = \\frac{n(n+1)}{2}", "a^2 + b^2 = c^2"))
        return [self.block("equation", {"expression": expression})]


def count_blocks(blocks: list[dict[str, Any]]) -> int:
    """Blocks with their nested children."""
    return sum(1 + count_blocks(block.get("children") or []) for block in blocks)


def rich_page(count: int = 2000, seed: int = SEED) -> list[dict[str, Any]]:
    """`count` blocks (nested ones included) of the rich document, top-level list."""
    builder = _Builder(random.Random(seed))
    page: list[dict[str, Any]] = []
    while True:
        before = builder.count
        unit = builder.unit()
        if builder.count > count:
            builder.count = before
            break
        page.extend(unit)
        if builder.count == count:
            return page
    while builder.count < count:  # fill the rest with paragraphs
        page.append(builder.text("paragraph"))
    return page
