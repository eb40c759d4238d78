"""The SQL path of database queries against the Python path, on random filters and sorts over
rows full of edge values (empty values, unknown option ids, dates in several ISO forms and
offsets, equal instants, two data sources), so the two cannot drift apart."""

from __future__ import annotations

import random
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from alloy_tui.sandbox.engine.common import (
    DEFAULT_BOT_ID,
    cursor_place,
    decode_cursor,
    encode_cursor,
    exact_time,
)
from alloy_tui.sandbox.engine.context import Call
from alloy_tui.sandbox.engine.row_query import query_window
from alloy_tui.sandbox.engine.sql_plan import plan
from alloy_tui.sandbox.seed import seed_id
from alloy_tui.sandbox.seed_load import LOAD_TEST_ID, seed_load_test
from alloy_tui.sandbox.store import Store, StoredObject
from alloy_tui.sandbox.store_indexes import ROW_SCOPE, SOURCE_KEY

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
DB = seed_id("database", "sql-query-test")
SECOND = seed_id("data_source", "sql-query-test:second")


def _options(names: list[str], key: str) -> list[dict[str, Any]]:
    return [
        {"id": f"{key}-{i}", "name": name, "color": "default", "description": None}
        for i, name in enumerate(names)
    ]


# "Red" twice (two options of one name), an option id with a quote in it.
COLOR_OPTIONS = [*_options(["Red", "Green", "Red", "Blue"], "c"), {"id": "c'q", "name": "Quote"}]
STAGE_OPTIONS = _options(["Not started", "In progress", "Done"], "s")
SCHEMA: dict[str, Any] = {
    "Name": {"id": "title", "name": "Name", "type": "title", "title": {}},
    "Color": {
        "id": "colr",
        "name": "Color",
        "type": "select",
        "select": {"options": COLOR_OPTIONS},
    },
    "Stage": {
        "id": "stge",
        "name": "Stage",
        "type": "status",
        "status": {"options": STAGE_OPTIONS},
    },
    "Points": {"id": "pnts", "name": "Points", "type": "number", "number": {"format": "number"}},
    "Done": {"id": "done", "name": "Done", "type": "checkbox", "checkbox": {}},
    "Due": {"id": "due!", "name": "Due", "type": "date", "date": {}},
}
DATES = [
    None,
    {"start": "2024-03-01", "end": None, "time_zone": None},
    {"start": "2024-03-01T00:00:00Z", "end": None, "time_zone": None},
    {"start": "2024-03-01T02:00:00+02:00", "end": None, "time_zone": None},  # the same instant
    {"start": "2024-02-29T23:30:00-01:00", "end": None, "time_zone": None},
    {"start": "2024-03-01T00:00:00.000001+00:00", "end": None, "time_zone": None},
    {"start": "2023-12-31T23:59:59.5", "end": None, "time_zone": None},  # naive: UTC
    {"start": "", "end": None, "time_zone": None},
    {"start": "2025-01-15", "end": "2025-01-20", "time_zone": None},
]


def _row(i: int, rng: random.Random, created: datetime) -> StoredObject:
    values: dict[str, Any] = {"title": [{"type": "text", "plain_text": f"Row {i}"}]}
    if rng.random() < 0.85:
        values["colr"] = rng.choice([*(o["id"] for o in COLOR_OPTIONS), "gone-option"])
    if rng.random() < 0.8:
        values["stge"] = rng.choice([o["id"] for o in STAGE_OPTIONS])
    if rng.random() < 0.8:
        values["pnts"] = rng.choice([0, 1, 2, 2.5, 3, -1, 10, 1.0])
    if rng.random() < 0.7:
        values["done"] = rng.random() < 0.5
    values["due!"] = rng.choice(DATES)
    data: dict[str, Any] = {"properties": values, "icon": None, "cover": None}
    if i % 3 == 1:
        data["data_source_id"] = SECOND
    elif i % 3 == 2:
        data["data_source_id"] = seed_id("data_source", "sql-query-test:first")
    # Every fourth row shares its creation time with the one before (ties break by id).
    stamp = exact_time(created + timedelta(minutes=i - i % 4 // 3))
    edited = exact_time(created + timedelta(minutes=rng.randint(0, 50)))
    return StoredObject(
        id=f"00000000-0000-4000-8000-{i:012d}",
        object="page",
        parent_type="database_id",
        parent_id=DB,
        title=f"Row {i}",
        created=stamp,
        edited=edited,
        created_by=DEFAULT_BOT_ID,
        edited_by=DEFAULT_BOT_ID,
        in_trash=i % 17 == 0,
        data=data,
    )


def _source(source_id: str, minutes: int) -> StoredObject:
    stamp = exact_time(NOW - timedelta(days=10) + timedelta(minutes=minutes))
    return StoredObject(
        id=source_id,
        object="data_source",
        parent_type="database_id",
        parent_id=DB,
        title="Source",
        created=stamp,
        edited=stamp,
        created_by=DEFAULT_BOT_ID,
        edited_by=DEFAULT_BOT_ID,
        in_trash=False,
        data={"title": [], "description": [], "properties": SCHEMA, "unique_next": 1},
    )


@pytest.fixture(scope="module")
def store() -> Iterator[Store]:
    store = Store(":memory:")
    rng = random.Random(5)
    database = StoredObject(
        id=DB,
        object="database",
        parent_type="workspace",
        parent_id=None,
        title="SQL query test",
        created=exact_time(NOW - timedelta(days=20)),
        edited=exact_time(NOW - timedelta(days=20)),
        created_by=DEFAULT_BOT_ID,
        edited_by=DEFAULT_BOT_ID,
        in_trash=False,
        data={"title": [], "description": [], "icon": None, "cover": None, "is_inline": False},
    )
    with store.transaction():
        store.insert_objects(
            [
                database,
                _source(seed_id("data_source", "sql-query-test:first"), 0),
                _source(SECOND, 1),
                *(_row(i, rng, NOW - timedelta(days=5)) for i in range(160)),
            ]
        )
    seed_load_test(store, 120, clock=lambda: NOW)
    yield store
    store.close()


def _window(
    store: Store, source_id: str, body: dict[str, Any], offset: int, size: int, *, sql: bool
) -> tuple[list[str], bool]:
    with store.transaction():
        call = Call(store, NOW, DEFAULT_BOT_ID)
        source = call.data_source(source_id)
        page = query_window(call, source, body, offset=offset, size=size, sql=sql)
    return [row.id for row in page.rows], page.has_more


def _walk(store: Store, source_id: str, body: dict[str, Any], size: int) -> list[str]:
    """Every row of a query, page after page through the cursors it answers (as a client
    does: the offset is the one the cursor holds)."""
    ids: list[str] = []
    offset, cursor = 0, None
    while True:
        with store.transaction():
            call = Call(store, NOW, DEFAULT_BOT_ID)
            source = call.data_source(source_id)
            page = query_window(call, source, body, offset=offset, size=size, cursor=cursor)
        ids += [row.id for row in page.rows]
        if not page.has_more:
            return ids
        assert page.next_cursor is not None  # the SQL path names its place
        cursor = page.next_cursor
        offset = decode_cursor(cursor)


# --- random queries of the shapes SQL answers ---------------------------------------------------

_OPTION_CONDITIONS = ("equals", "does_not_equal", "is_empty", "is_not_empty")
_NUMBER_CONDITIONS = (
    "equals",
    "does_not_equal",
    "greater_than",
    "less_than",
    "greater_than_or_equal_to",
    "less_than_or_equal_to",
    "is_empty",
    "is_not_empty",
)


def _key(name: str) -> st.SearchStrategy[str]:
    """A property named by name or by id (Notion takes either)."""
    return st.sampled_from([name, str(SCHEMA[name]["id"])])


@st.composite
def _option_filter(draw: st.DrawFn, name: str, kind: str, names: list[str]) -> dict[str, Any]:
    condition = draw(st.sampled_from(_OPTION_CONDITIONS))
    operand: Any = True if condition.startswith("is_") else draw(st.sampled_from(names))
    return {"property": draw(_key(name)), kind: {condition: operand}}


@st.composite
def _number_filter(draw: st.DrawFn) -> dict[str, Any]:
    condition = draw(st.sampled_from(_NUMBER_CONDITIONS))
    operand: Any = (
        True if condition.startswith("is_") else draw(st.sampled_from([0, 1, 2, 2.5, 11]))
    )
    return {"property": draw(_key("Points")), "number": {condition: operand}}


@st.composite
def _checkbox_filter(draw: st.DrawFn) -> dict[str, Any]:
    condition = draw(st.sampled_from(("equals", "does_not_equal")))
    return {"property": draw(_key("Done")), "checkbox": {condition: draw(st.booleans())}}


_LEAF = st.one_of(
    _option_filter("Color", "select", ["Red", "Green", "Blue", "Quote", "Purple"]),
    _option_filter("Stage", "status", ["Not started", "Done", "Nope"]),
    _number_filter(),
    _checkbox_filter(),
)


def _compound(items: st.SearchStrategy[dict[str, Any]]) -> st.SearchStrategy[dict[str, Any]]:
    return st.builds(
        lambda key, parts: {key: parts},
        st.sampled_from(("and", "or")),
        st.lists(items, min_size=0, max_size=3),
    )


# Notion nests and/or two levels deep at most.
_FILTER = st.one_of(_LEAF, _compound(st.one_of(_LEAF, _compound(_LEAF))))


@st.composite
def _sort(draw: st.DrawFn) -> dict[str, Any]:
    out: dict[str, Any]
    if draw(st.booleans()) and draw(st.booleans()):
        out = {"timestamp": draw(st.sampled_from(("created_time", "last_edited_time")))}
    else:
        out = {
            "property": draw(st.sampled_from(["Due", "due!", "Points", "Color", "Stage", "Done"]))
        }
    direction = draw(st.sampled_from((None, "ascending", "descending")))
    if direction is not None:
        out["direction"] = direction
    return out


_BODY = st.fixed_dictionaries(
    {},
    optional={"filter": _FILTER, "sorts": st.lists(_sort(), min_size=0, max_size=3)},
)


@settings(max_examples=250, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    body=_BODY,
    first=st.booleans(),
    offset=st.sampled_from((0, 0, 1, 7, 40, 150)),
    size=st.sampled_from((1, 5, 30, 100)),
)
def test_sql_and_python_answer_the_same_rows_in_the_same_order(
    store: Store, body: dict[str, Any], first: bool, offset: int, size: int
) -> None:
    assert plan(body.get("filter"), body.get("sorts"), SCHEMA) is not None, body
    source = seed_id("data_source", "sql-query-test:first") if first else SECOND
    by_sql = _window(store, source, body, offset, size, sql=True)
    by_python = _window(store, source, body, offset, size, sql=False)
    assert by_sql == by_python


@settings(max_examples=120, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(body=_BODY, first=st.booleans(), size=st.sampled_from((3, 7, 25, 100)))
def test_keyset_cursors_walk_the_same_rows_as_python(
    store: Store, body: dict[str, Any], first: bool, size: int
) -> None:
    source = seed_id("data_source", "sql-query-test:first") if first else SECOND
    everything, _more = _window(store, source, body, 0, 1000, sql=False)
    assert _walk(store, source, body, size) == everything


def test_a_keyset_cursor_seeks_past_its_row_not_by_its_offset(store: Store) -> None:
    """The place in the cursor decides where the next page starts: the same place with an
    offset of 0 still answers the second page."""
    source = seed_id("data_source", "sql-query-test:first")
    body = {
        "filter": {"property": "Points", "number": {"is_not_empty": True}},
        "sorts": [{"property": "Due", "direction": "ascending"}],
    }
    with store.transaction():
        call = Call(store, NOW, DEFAULT_BOT_ID)
        first = query_window(call, call.data_source(source), body, offset=0, size=10)
        assert first.next_cursor is not None
        place = cursor_place(first.next_cursor)
        assert place is not None
        second = query_window(
            call,
            call.data_source(source),
            body,
            offset=0,
            size=10,
            cursor=encode_cursor(0, place),
        )
    assert [row.id for row in second.rows] == _window(store, source, body, 10, 10, sql=False)[0]


def test_a_cursor_of_another_query_counts_by_its_offset(store: Store) -> None:
    source = seed_id("data_source", "sql-query-test:first")
    by_due = {"sorts": [{"property": "Due", "direction": "descending"}]}
    by_points = {"sorts": [{"property": "Points", "direction": "ascending"}]}
    with store.transaction():
        call = Call(store, NOW, DEFAULT_BOT_ID)
        page = query_window(call, call.data_source(source), by_due, offset=0, size=10)
        assert page.next_cursor is not None
        other = query_window(
            call, call.data_source(source), by_points, offset=10, size=10, cursor=page.next_cursor
        )
    assert [row.id for row in other.rows] == _window(store, source, by_points, 10, 10, sql=False)[0]
    assert decode_cursor(encode_cursor(7)) == 7


def test_the_comparison_sees_rows_and_ties(store: Store) -> None:
    """The data above is not trivial: both sources have rows, and dates written in different
    forms land on the same instant."""
    for source in (seed_id("data_source", "sql-query-test:first"), SECOND):
        ids, _more = _window(store, source, {}, 0, 100, sql=True)
        assert len(ids) > 40
    keys = [
        row[0]
        for row in store.conn.execute(
            "SELECT json_extract(keys, '$.\"due!\"') FROM objects WHERE parent_id = ?", (DB,)
        )
    ]
    assert keys.count("2024-03-01T00:00:00.000000+00:00") > 20  # three forms of one instant
    assert None in keys


@pytest.mark.parametrize(
    "body",
    [
        {"sorts": [{"property": "Due", "direction": "descending"}]},
        {
            "filter": {"property": "Status", "select": {"equals": "Review"}},
            "sorts": [{"property": "Due", "direction": "descending"}],
        },
        {"filter": {"property": "Points", "number": {"greater_than": 5}}},
        {"sorts": [{"property": "Points", "direction": "ascending"}]},
        {},
    ],
)
def test_load_test_queries_match_python(store: Store, body: dict[str, Any]) -> None:
    source = _load_test_source(store)
    for offset in (0, 37, 110):
        assert _window(store, source, body, offset, 20, sql=True) == _window(
            store, source, body, offset, 20, sql=False
        )


def _load_test_source(store: Store) -> str:
    return str(
        store.conn.execute(
            "SELECT id FROM objects WHERE object = 'data_source' AND parent_id = ?",
            (LOAD_TEST_ID,),
        ).fetchone()[0]
    )


# --- what SQL leaves to Python ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("filter_json", "sorts"),
    [
        ({"property": "Name", "title": {"contains": "a"}}, None),
        ({"property": "Due", "date": {"after": "2024-01-01"}}, None),
        ({"timestamp": "created_time", "created_time": {"past_week": {}}}, None),
        (
            {
                "and": [
                    {"property": "Points", "number": {"equals": 1}},
                    {"property": "Name", "title": {"is_empty": True}},
                ]
            },
            None,
        ),
        (None, [{"property": "Name", "direction": "ascending"}]),
        (None, [{"property": "Points"}, {"property": "Name"}]),
    ],
)
def test_shapes_without_an_exact_sql_form_stay_in_python(filter_json: Any, sorts: Any) -> None:
    assert plan(filter_json, sorts, SCHEMA) is None


def test_a_retyped_property_stays_in_python() -> None:
    sorts = [{"property": "Points", "direction": "ascending"}]
    assert plan(None, sorts, SCHEMA) is not None
    assert plan(None, sorts, SCHEMA, retyped=["pnts"]) is None


def test_a_property_id_no_json_path_can_name_stays_in_python() -> None:
    schema = {**SCHEMA, "Odd": {"id": 'a"b', "name": "Odd", "type": "number", "number": {}}}
    assert plan(None, [{"property": "Odd"}], schema) is None


# --- the goal shapes use an index, never a sort of every row ---------------------------------


@pytest.mark.parametrize(
    "body",
    [
        {},
        {
            "filter": {"property": "Status", "select": {"equals": "Review"}},
            "sorts": [{"property": "Due", "direction": "descending"}],
        },
    ],
)
def test_goal_queries_read_an_index_in_order(store: Store, body: dict[str, Any]) -> None:
    statements: list[str] = []
    store.conn.set_trace_callback(statements.append)
    try:
        _window(store, _load_test_source(store), body, 400, 100, sql=True)
    finally:
        store.conn.set_trace_callback(None)
    query = next(s for s in statements if s.startswith("SELECT *") and SOURCE_KEY in s)
    assert ROW_SCOPE in query
    plan_rows = store.conn.execute(
        "EXPLAIN QUERY PLAN " + query.replace("LIMIT 101 OFFSET 400", "LIMIT 1")
    ).fetchall()
    details = " | ".join(str(row[3]) for row in plan_rows)
    assert "USING INDEX" in details
    assert "TEMP B-TREE" not in details, details
