"""The "Load test" database: N generated rows for measuring queries at scale
(`alloy-tui sandbox --database-rows N`, `SandboxConfig.database_rows`).

Its schema is Name (title), Status (select, 5 options), Points (number) and Due (date). Rows are
deterministic for a given N and clock: about one in eight has no Points, one in ten no Due, and a
quarter of the dates carry a time and a UTC offset, so sorts meet empty values and mixed forms.
All rows are written in one transaction with one executemany per table.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from alloy_tui.notion.richtext import fill, from_plain
from alloy_tui.sandbox.engine.common import exact_time
from alloy_tui.sandbox.seed import TITLE_TOPICS, TITLE_WORDS, person_id, seed_id
from alloy_tui.sandbox.store import Store, StoredObject

LOAD_TEST_TITLE = "Load test"
LOAD_TEST_ID = seed_id("database", "load-test")
STATUS_ID = "LTst"
POINTS_ID = "LTpt"
DUE_ID = "LTdu"
STATUS_NAMES = ("Backlog", "Todo", "In progress", "Review", "Done")
_COLORS = ("gray", "default", "blue", "purple", "green")
_OFFSETS = ("Z", "+02:00", "-05:00", "+05:30")


def _text(value: str) -> list[dict[str, Any]]:
    return [fill(item) for item in from_plain(value)]


_PLAIN = fill(from_plain("x")[0])


def _short_text(value: str) -> list[dict[str, Any]]:
    """`_text` of a title under Notion's 2,000-unit limit, without copying the defaults (the
    rows are serialised at once, so they may share the annotations)."""
    return [{**_PLAIN, "text": {"content": value, "link": None}, "plain_text": value}]


def status_option_id(name: str) -> str:
    return seed_id("option", f"load-test:Status:{name}")


def load_test_schema() -> dict[str, Any]:
    options = [
        {"id": status_option_id(name), "name": name, "color": color, "description": None}
        for name, color in zip(STATUS_NAMES, _COLORS, strict=True)
    ]
    return {
        "Name": {"id": "title", "name": "Name", "type": "title", "title": {}},
        "Status": {
            "id": STATUS_ID,
            "name": "Status",
            "type": "select",
            "select": {"options": options},
        },
        "Points": {
            "id": POINTS_ID,
            "name": "Points",
            "type": "number",
            "number": {"format": "number"},
        },
        "Due": {"id": DUE_ID, "name": "Due", "type": "date", "date": {}},
    }


def _due(rng: random.Random, today: datetime) -> dict[str, Any] | None:
    if rng.random() < 0.1:
        return None
    day = today + timedelta(days=rng.randint(-400, 400))
    if rng.random() < 0.75:
        start = day.date().isoformat()
    else:
        start = f"{day.date().isoformat()}T{rng.randint(0, 23):02d}:{rng.choice((0, 30)):02d}:00"
        start += ".000" + rng.choice(_OFFSETS) if rng.random() < 0.5 else rng.choice(_OFFSETS)
    return {"start": start, "end": None, "time_zone": None}


def load_test_objects(rows: int, now: datetime) -> list[StoredObject]:
    """The database and its `rows` rows, newest row last created."""
    author = person_id("maya")
    created = now - timedelta(seconds=rows + 60)
    database = StoredObject(
        id=LOAD_TEST_ID,
        object="database",
        parent_type="workspace",
        parent_id=None,
        title=LOAD_TEST_TITLE,
        created=exact_time(created),
        edited=exact_time(created),
        created_by=author,
        edited_by=author,
        in_trash=False,
        data={
            "title": _text(LOAD_TEST_TITLE),
            "description": _text(f"{rows:,} generated rows for measuring queries at scale."),
            "properties": load_test_schema(),
            "icon": {"type": "emoji", "emoji": "🏋️"},
            "cover": None,
            "is_inline": False,
            "unique_next": 1,
        },
    )
    rng = random.Random(rows)
    statuses = [status_option_id(name) for name in STATUS_NAMES]
    out = [database]
    for i in range(rows):
        title = (
            f"{TITLE_WORDS[rng.randrange(len(TITLE_WORDS))]} "
            f"{TITLE_TOPICS[rng.randrange(len(TITLE_TOPICS))]} row {i + 1}"
        )
        points = None if rng.random() < 0.125 else rng.randint(0, 13)
        values: dict[str, Any] = {
            "title": _short_text(title),
            STATUS_ID: statuses[rng.randrange(len(statuses))],
            POINTS_ID: points,
            DUE_ID: _due(rng, now),
        }
        stamp = exact_time(created + timedelta(seconds=i + 1))
        out.append(
            StoredObject(
                id=seed_id("page", f"load-test:{i}"),
                object="page",
                parent_type="database_id",
                parent_id=LOAD_TEST_ID,
                title=title,
                created=stamp,
                edited=stamp,
                created_by=author,
                edited_by=author,
                in_trash=False,
                data={"properties": values, "icon": None, "cover": None},
            )
        )
    return out


def seed_load_test(store: Store, rows: int, *, clock: Callable[[], datetime] | None = None) -> int:
    """Add the "Load test" database with `rows` rows unless the store has it; returns how many
    rows it added (0 when it was there already or `rows` is 0)."""
    if rows <= 0:
        return 0
    with store.transaction():
        if store.get_object(LOAD_TEST_ID) is not None:
            return 0
        now = (clock or (lambda: datetime.now(UTC)))()
        store.insert_objects(load_test_objects(rows, now))
        store.ensure_data_sources([LOAD_TEST_ID])
    return rows
