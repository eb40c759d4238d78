"""What keeps the sandbox flat at scale: the trigram title index (same hits as a scan, kept up
to date by every write, built for older data files), the row sort keys, and the "Load test"
database (`--database-rows`)."""

from __future__ import annotations

import random
import sqlite3
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from alloy_tui.sandbox import cli, store_rows
from alloy_tui.sandbox.actions import NotionEngine
from alloy_tui.sandbox.engine.common import DEFAULT_BOT_ID, exact_time
from alloy_tui.sandbox.engine.context import Call
from alloy_tui.sandbox.engine.row_query import query_window
from alloy_tui.sandbox.runtime import Sandbox, SandboxConfig
from alloy_tui.sandbox.seed import seed_workspace
from alloy_tui.sandbox.seed_load import (
    DUE_ID,
    LOAD_TEST_ID,
    STATUS_NAMES,
    seed_load_test,
)
from alloy_tui.sandbox.store import Store, StoredObject, title_key

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
ALPHABET = "abcab %_\"'\\éÉßẞ検索😀-"


def _object(i: int, title: str, rng: random.Random) -> StoredObject:
    stamp = exact_time(NOW - timedelta(minutes=rng.randint(0, 500)))
    return StoredObject(
        id=f"00000000-0000-4000-9000-{i:012d}",
        object=rng.choice(("page", "page", "database")),
        parent_type="workspace",
        parent_id=None,
        title=title,
        created=stamp,
        edited=stamp,
        created_by=DEFAULT_BOT_ID,
        edited_by=DEFAULT_BOT_ID,
        in_trash=rng.random() < 0.1,
        data={"properties": {}, "icon": None, "cover": None},
    )


@pytest.fixture(scope="module")
def titled() -> Iterator[tuple[Store, list[StoredObject]]]:
    store = Store(":memory:")
    rng = random.Random(11)
    objects = [
        _object(i, "".join(rng.choice(ALPHABET) for _ in range(rng.randint(0, 14))), rng)
        for i in range(400)
    ]
    with store.transaction():
        store.insert_objects(objects)
    yield store, objects
    store.close()


def _reference(
    objects: list[StoredObject], kinds: tuple[str, ...], needle: str, descending: bool
) -> list[str]:
    hits = [
        o for o in objects if not o.in_trash and o.object in kinds and needle in title_key(o.title)
    ]
    hits.sort(key=lambda o: o.id)
    hits.sort(key=lambda o: o.edited, reverse=descending)
    return [o.id for o in hits]


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    needle=st.text(alphabet=ALPHABET, max_size=6),
    kinds=st.sampled_from((("page",), ("page", "database"), ("database",))),
    descending=st.booleans(),
    dense=st.booleans(),
)
def test_search_finds_exactly_the_titles_a_scan_finds(
    titled: tuple[Store, list[StoredObject]],
    needle: str,
    kinds: tuple[str, ...],
    descending: bool,
    dense: bool,
) -> None:
    store, objects = titled
    needle = needle.casefold()  # as post-search passes it
    # `dense`: as if every trigram were common, so the titles are walked by edit time instead.
    original = store_rows._candidates
    if dense:
        store_rows._candidates = lambda conn, needle: None
    try:
        found = store.search_objects(
            kinds=kinds, needle=needle, descending=descending, limit=1000, offset=0
        )
    finally:
        store_rows._candidates = original
    assert [o.id for o in found] == _reference(objects, kinds, needle, descending)


def test_the_index_answers_a_rare_needle_and_a_missing_one(
    titled: tuple[Store, list[StoredObject]],
) -> None:
    store, _objects = titled
    statements: list[str] = []
    store.conn.set_trace_callback(statements.append)
    try:
        assert (
            store.search_objects(
                kinds=("page",), needle="zzzz", descending=True, limit=10, offset=0
            )
            == []
        )
    finally:
        store.conn.set_trace_callback(None)
    # A trigram found nowhere: one count, then a lookup of no rowids (no walk of the titles).
    assert any("title_search MATCH" in s for s in statements)
    assert any("NOT INDEXED" in s for s in statements)


def test_a_missing_needle_of_common_trigrams_costs_only_the_first_look() -> None:
    """Every trigram of "alpha betz" but the last is in 300 titles: the first round (each
    counted up to FIRST_LOOK + 1) finds the one no title has, and nothing is counted further."""
    store = Store(":memory:")
    rng = random.Random(3)
    with store.transaction():
        store.insert_objects([_object(i, f"Alpha beta {i}", rng) for i in range(300)])
    statements: list[str] = []
    store.conn.set_trace_callback(statements.append)
    try:
        found = store.search_objects(
            kinds=("page",), needle="alpha betz", descending=True, limit=100, offset=0
        )
    finally:
        store.conn.set_trace_callback(None)
        store.close()
    assert found == []
    counts = [s for s in statements if "SELECT count(*)" in s]
    assert counts and all(f"LIMIT {store_rows.FIRST_LOOK + 1})" in s for s in counts), counts
    assert not any(f"LIMIT {store_rows.SPARSE_HITS + 1})" in s for s in statements)


def _engine(store: Store) -> NotionEngine:
    return NotionEngine(store, clock=lambda: NOW)


def _search(engine: NotionEngine, query: str) -> list[str]:
    status, answer = engine.execute("post-search", path_params={}, body={"query": query}, query={})
    assert status == 200, answer
    return [item["id"] for item in answer["results"]]


def test_the_title_index_follows_renames_trash_and_reset() -> None:
    store = Store(":memory:")
    seed_workspace(store, clock=lambda: NOW)
    engine = _engine(store)
    status, page = engine.execute(
        "post-page",
        path_params={},
        body={
            "parent": {"type": "workspace", "workspace": True},
            "properties": {"title": {"title": [{"text": {"content": "Quokka census"}}]}},
        },
        query={},
    )
    assert status == 200, page
    assert _search(engine, "quokka") == [page["id"]]
    status, _ = engine.execute(
        "patch-page",
        path_params={"page_id": page["id"]},
        body={"properties": {"title": {"title": [{"text": {"content": "Wombat census"}}]}}},
        query={},
    )
    assert status == 200
    assert _search(engine, "quokka") == []
    assert _search(engine, "wombat") == [page["id"]]
    engine.execute(
        "patch-page", path_params={"page_id": page["id"]}, body={"in_trash": True}, query={}
    )
    assert _search(engine, "wombat") == []
    store.reset()
    matched = store.conn.execute(
        "SELECT count(*) FROM title_search WHERE title_search MATCH '\"wom\"'"
    ).fetchone()[0]
    assert matched == 0
    store.close()


def _make_old(path: Path) -> None:
    """A data file as the sandbox wrote it before the title index and the row keys."""
    conn = sqlite3.connect(path)
    conn.executescript(
        """
        DROP TRIGGER objects_title_insert;
        DROP TRIGGER objects_title_delete;
        DROP TRIGGER objects_title_update;
        DROP TABLE title_search;
        DROP INDEX objects_rows;
        DROP INDEX objects_sources;
        ALTER TABLE objects DROP COLUMN keys;
        """
    )
    conn.close()


def _load_test_window(store: Store, body: dict[str, Any], *, sql: bool) -> list[str]:
    with store.transaction():
        call = Call(store, NOW, DEFAULT_BOT_ID)
        database = call.database(LOAD_TEST_ID)
        page = query_window(call, call.first_source(database), body, offset=0, size=50, sql=sql)
    return [row.id for row in page.rows]


def test_an_older_data_file_gets_its_index_and_keys_on_open(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    store = Store(path)
    seed_workspace(store, clock=lambda: NOW)
    seed_load_test(store, 60, clock=lambda: NOW)
    store.close()
    _make_old(path)

    store = Store(path)
    try:
        assert _search(_engine(store), "handbook")  # found through the rebuilt index
        keyed = store.conn.execute(
            "SELECT count(*) FROM objects "
            "WHERE parent_id = ? AND json_extract(keys, ?) IS NOT NULL",
            (LOAD_TEST_ID, f'$."{DUE_ID}"'),
        ).fetchone()[0]
        assert keyed > 40
        body = {"sorts": [{"property": "Due", "direction": "ascending"}]}
        assert _load_test_window(store, body, sql=True) == _load_test_window(store, body, sql=False)
    finally:
        store.close()


def test_the_load_test_database_has_its_rows_and_schema() -> None:
    store = Store(":memory:")
    try:
        assert seed_load_test(store, 250, clock=lambda: NOW) == 250
        assert seed_load_test(store, 250, clock=lambda: NOW) == 0  # already there
        engine = _engine(store)
        status, database = engine.execute(
            "retrieve-a-database", path_params={"database_id": LOAD_TEST_ID}, body={}, query={}
        )
        assert status == 200, database
        assert database["title"][0]["plain_text"] == "Load test"
        schema = database["properties"]
        assert {name: prop["type"] for name, prop in schema.items()} == {
            "Name": "title",
            "Status": "select",
            "Points": "number",
            "Due": "date",
        }
        assert [o["name"] for o in schema["Status"]["select"]["options"]] == list(STATUS_NAMES)
        seen = 0
        cursor = None
        while True:
            body: dict[str, Any] = {"page_size": 100}
            if cursor:
                body["start_cursor"] = cursor
            status, page = engine.execute(
                "post-database-query",
                path_params={"database_id": LOAD_TEST_ID},
                body=body,
                query={},
            )
            assert status == 200, page
            seen += len(page["results"])
            cursor = page["next_cursor"]
            if not page["has_more"]:
                break
        assert seen == 250
    finally:
        store.close()


def test_the_sandbox_config_and_cli_seed_the_load_test(tmp_path: Path) -> None:
    assert cli.build_parser().parse_args(["--database-rows", "1000"]).database_rows == 1000
    with pytest.raises(SystemExit):
        cli.build_parser().parse_args(["--database-rows", "-1"])
    sandbox = Sandbox(
        SandboxConfig(data_path=tmp_path / "s.sqlite3", database_rows=30, rate_limit=False)
    )
    try:
        status, answer = sandbox.engine.execute(
            "post-database-query",
            path_params={"database_id": LOAD_TEST_ID},
            body={"filter": {"property": "Status", "select": {"equals": "Done"}}},
            query={},
        )
        assert status == 200, answer
        assert answer["results"]
        assert all(
            row["properties"]["Status"]["select"]["name"] == "Done" for row in answer["results"]
        )
    finally:
        sandbox.close()
