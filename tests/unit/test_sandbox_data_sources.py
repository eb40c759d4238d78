"""Data sources (Notion-Version 2025-09-03) next to 2022-06-28, on one seeded store."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from alloy_tui.sandbox.engine.core import NotionEngine
from alloy_tui.sandbox.seed import seed_id, seed_workspace
from alloy_tui.sandbox.store import Store, first_data_source_id

V2022 = "2022-06-28"
V2025 = "2025-09-03"
TASKS = seed_id("database", "tasks")
CONTACTS = seed_id("database", "contacts")
ROADMAP = seed_id("database", "roadmap")
FEATURES = seed_id("data_source", "roadmap:features")
BUGS = seed_id("data_source", "roadmap:bugs")


class Engine:
    def __init__(self, store: Store) -> None:
        self.store = store
        self.engine = NotionEngine(store)

    def call(
        self,
        action: str,
        version: str,
        *,
        path: dict[str, str] | None = None,
        body: Any = None,
        query: dict[str, Any] | None = None,
    ) -> tuple[int, Any]:
        return self.engine.execute(
            action,
            path_params=path or {},
            body=body,
            query=query or {},
            notion_version=version,
        )

    def ok(self, action: str, version: str, **kwargs: Any) -> Any:
        status, body = self.call(action, version, **kwargs)
        assert status == 200, body
        return body

    def error(self, action: str, version: str, **kwargs: Any) -> dict[str, Any]:
        status, body = self.call(action, version, **kwargs)
        assert status == 400, body
        assert body["code"] == "validation_error"
        message: dict[str, Any] = body
        return message


@pytest.fixture
def sb() -> Engine:
    store = Store(":memory:")
    seed_workspace(store)
    return Engine(store)


def _title(text: str) -> dict[str, Any]:
    return {"title": [{"text": {"content": text}}]}


def test_a_database_per_version(sb: Engine) -> None:
    old = sb.ok("retrieve-a-database", V2022, path={"database_id": TASKS})
    new = sb.ok("retrieve-a-database", V2025, path={"database_id": TASKS})
    assert "properties" in old and "data_sources" not in old
    assert "properties" not in new
    assert new["data_sources"] == [{"id": first_data_source_id(TASKS), "name": "Tasks"}]
    assert {k: v for k, v in old.items() if k != "properties"} == {
        k: v for k, v in new.items() if k != "data_sources"
    }
    source = sb.ok(
        "retrieve-a-data-source", V2025, path={"data_source_id": new["data_sources"][0]["id"]}
    )
    assert source["object"] == "data_source"
    # The same schema, but a 2025-09-03 relation names its data source next to its database.
    relation = source["properties"]["Project"]["relation"]
    related = relation.pop("data_source_id")
    assert related == first_data_source_id(relation["database_id"])
    assert source["properties"] == old["properties"]
    assert source["parent"] == {"type": "database_id", "database_id": TASKS}
    assert source["database_parent"] == old["parent"]


def test_the_engine_answers_2022_when_no_version_is_named(sb: Engine) -> None:
    status, body = sb.engine.execute(
        "retrieve-a-database", path_params={"database_id": TASKS}, body=None, query={}
    )
    assert status == 200 and "properties" in body
    status, body = sb.engine.execute(
        "get-self", path_params={}, body=None, query={}, notion_version="2024-01-01"
    )
    assert status == 400


def test_rows_have_data_source_parents_in_2025(sb: Engine) -> None:
    source_id = first_data_source_id(TASKS)
    rows = sb.ok(
        "query-data-source", V2025, path={"data_source_id": source_id}, body={"page_size": 2}
    )
    assert rows["type"] == "page_or_data_source"
    row = rows["results"][0]
    assert row["parent"] == {
        "type": "data_source_id",
        "data_source_id": source_id,
        "database_id": TASKS,
    }
    old = sb.ok("retrieve-a-page", V2022, path={"page_id": row["id"]})
    assert old["parent"] == {"type": "database_id", "database_id": TASKS}
    assert old["properties"] == row["properties"]


def test_query_data_source_filters_sorts_and_pages_like_the_database_query(sb: Engine) -> None:
    body = {
        "filter": {"property": "Status", "status": {"equals": "Done"}},
        "sorts": [{"property": "Estimate", "direction": "descending"}],
        "page_size": 5,
    }
    old = sb.ok("post-database-query", V2022, path={"database_id": TASKS}, body=body)
    new = sb.ok(
        "query-data-source", V2025, body=body, path={"data_source_id": first_data_source_id(TASKS)}
    )
    assert [r["id"] for r in old["results"]] == [r["id"] for r in new["results"]]
    assert old["next_cursor"] == new["next_cursor"]
    assert old["has_more"] and new["has_more"]


def test_the_roadmap_has_two_data_sources_with_their_own_rows(sb: Engine) -> None:
    database = sb.ok("retrieve-a-database", V2025, path={"database_id": ROADMAP})
    assert database["data_sources"] == [
        {"id": FEATURES, "name": "Features"},
        {"id": BUGS, "name": "Bugs"},
    ]
    features = sb.ok("query-data-source", V2025, path={"data_source_id": FEATURES})["results"]
    bugs = sb.ok("query-data-source", V2025, path={"data_source_id": BUGS})["results"]
    assert len(features) == 4 and len(bugs) == 3
    assert {"Feature", "Stage", "Votes"} <= set(features[0]["properties"])
    assert {"Bug", "Severity", "Fixed"} <= set(bugs[0]["properties"])
    assert {r["parent"]["data_source_id"] for r in bugs} == {BUGS}
    filtered = sb.ok(
        "query-data-source",
        V2025,
        path={"data_source_id": BUGS},
        body={"filter": {"property": "Fixed", "checkbox": {"equals": True}}},
    )
    assert [r["properties"]["Bug"]["title"][0]["plain_text"] for r in filtered["results"]] == [
        "Crash when a page has no title"
    ]
    # A property of the other source is unknown here.
    sb.error(
        "query-data-source",
        V2025,
        path={"data_source_id": BUGS},
        body={"filter": {"property": "Votes", "number": {"equals": 1}}},
    )


@pytest.mark.parametrize("version", [V2022, V2025])
def test_a_database_level_call_on_a_multi_source_database_is_refused(
    sb: Engine, version: str
) -> None:
    error = sb.error("post-database-query", version, path={"database_id": ROADMAP})
    assert "multiple data sources" in error["message"]
    error = sb.error(
        "post-page",
        version,
        body={"parent": {"database_id": ROADMAP}, "properties": {"Feature": _title("X")}},
    )
    assert "multiple data sources" in error["message"]


def test_post_page_in_a_data_source_and_still_in_a_single_source_database(sb: Engine) -> None:
    made = sb.ok(
        "post-page",
        V2025,
        body={
            "parent": {"type": "data_source_id", "data_source_id": BUGS},
            "properties": {"Bug": _title("Login loops"), "Severity": {"select": {"name": "High"}}},
        },
    )
    assert made["parent"] == {
        "type": "data_source_id",
        "data_source_id": BUGS,
        "database_id": ROADMAP,
    }
    bugs = sb.ok("query-data-source", V2025, path={"data_source_id": BUGS})["results"]
    features = sb.ok("query-data-source", V2025, path={"data_source_id": FEATURES})["results"]
    assert made["id"] in {r["id"] for r in bugs}
    assert made["id"] not in {r["id"] for r in features}
    # 2022-06-28's parent for the same row: its database.
    assert sb.ok("retrieve-a-page", V2022, path={"page_id": made["id"]})["parent"] == {
        "type": "database_id",
        "database_id": ROADMAP,
    }
    for version in (V2022, V2025):
        row = sb.ok(
            "post-page",
            version,
            body={
                "parent": {"database_id": CONTACTS},
                "properties": {"Name": _title("New contact")},
            },
        )
        assert row["parent"]["database_id"] == CONTACTS
    sb.error("post-page", V2025, body={"parent": {"data_source_id": "not-an-id"}})
    status, missing = sb.call(
        "post-page", V2025, body={"parent": {"data_source_id": TASKS}, "properties": {}}
    )
    assert status == 404 and missing["code"] == "object_not_found"


def test_a_relation_to_one_source_of_a_multi_source_database_takes_only_its_rows(
    sb: Engine,
) -> None:
    """The seeded Features.Fixes relation points at the Bugs source of Roadmap."""
    features = sb.ok("retrieve-a-data-source", V2025, path={"data_source_id": FEATURES})
    fixes = features["properties"]["Fixes"]["relation"]
    assert fixes["data_source_id"] == BUGS and fixes["database_id"] == ROADMAP
    bug, feature = seed_id("page", "roadmap:bug:0"), seed_id("page", "roadmap:feature:1")
    row = sb.ok(
        "post-page",
        V2025,
        body={
            "parent": {"type": "data_source_id", "data_source_id": FEATURES},
            "properties": {"Feature": _title("Links a bug"), "Fixes": {"relation": [{"id": bug}]}},
        },
    )
    assert [link["id"] for link in row["properties"]["Fixes"]["relation"]] == [bug]
    error = sb.error(
        "patch-page",
        V2025,
        path={"page_id": row["id"]},
        body={"properties": {"Fixes": {"relation": [{"id": feature}]}}},
    )
    assert f"should be a page of data source {BUGS}" in error["message"]


def test_update_a_data_source_renames_adds_and_removes(sb: Engine) -> None:
    source_id = first_data_source_id(CONTACTS)
    updated = sb.ok(
        "update-a-data-source",
        V2025,
        path={"data_source_id": source_id},
        body={
            "title": [{"text": {"content": "People we know"}}],
            "properties": {
                "Company": {"name": "Organisation"},
                "Segment": {
                    "multi_select": {
                        "options": [
                            {"name": "Customer"},
                            {"name": "Partner"},
                            {"name": "Prospect"},
                            {"name": "Investor", "color": "purple"},
                        ]
                    }
                },
                "Score": {"number": {"format": "percent"}},
                "Newsletter": None,
            },
        },
    )
    props = updated["properties"]
    assert "Organisation" in props and "Company" not in props and "Newsletter" not in props
    assert props["Score"]["type"] == "number" and props["Score"]["number"] == {"format": "percent"}
    names = [o["name"] for o in props["Segment"]["multi_select"]["options"]]
    assert names == ["Customer", "Partner", "Prospect", "Investor"]
    database = sb.ok("retrieve-a-database", V2025, path={"database_id": CONTACTS})
    assert database["data_sources"] == [{"id": source_id, "name": "People we know"}]
    # 2022-06-28 sees the same schema on the database; rows answer with it.
    old = sb.ok("retrieve-a-database", V2022, path={"database_id": CONTACTS})
    assert old["properties"] == props
    rows = sb.ok("post-database-query", V2022, path={"database_id": CONTACTS})["results"]
    assert set(rows[0]["properties"]) == set(props)
    row = sb.ok(
        "patch-page",
        V2022,
        path={"page_id": rows[0]["id"]},
        body={"properties": {"Segment": {"multi_select": [{"name": "Investor"}]}}},
    )
    assert row["properties"]["Segment"]["multi_select"][0]["color"] == "purple"
    sb.error(
        "update-a-data-source",
        V2025,
        path={"data_source_id": source_id},
        body={"properties": {"Nope": {"name": "X"}}},
    )


def test_create_a_data_source_makes_the_database_multi_source(sb: Engine) -> None:
    made = sb.ok(
        "create-a-data-source",
        V2025,
        body={
            "parent": {"type": "database_id", "database_id": CONTACTS},
            "title": [{"text": {"content": "Leads"}}],
            "properties": {
                "Lead": {"title": {}},
                "Stage": {"select": {"options": [{"name": "New"}]}},
            },
        },
    )
    assert made["object"] == "data_source" and made["title"][0]["plain_text"] == "Leads"
    sources = sb.ok("retrieve-a-database", V2025, path={"database_id": CONTACTS})["data_sources"]
    assert [s["name"] for s in sources] == ["Contacts", "Leads"]
    assert sb.ok("query-data-source", V2025, path={"data_source_id": made["id"]})["results"] == []
    sb.error("post-database-query", V2022, path={"database_id": CONTACTS})
    sb.error(
        "create-a-data-source",
        V2025,
        body={"parent": {"database_id": CONTACTS}, "properties": {"Text": {"rich_text": {}}}},
    )


def test_list_data_source_templates_is_an_empty_list(sb: Engine) -> None:
    answer = sb.ok("list-data-source-templates", V2025, path={"data_source_id": FEATURES})
    assert answer["results"] == [] and answer["templates"] == []
    assert answer["has_more"] is False and answer["next_cursor"] is None
    status, _ = sb.call("list-data-source-templates", V2025, path={"data_source_id": TASKS})
    assert status == 404


def test_search_returns_data_sources_in_2025_and_databases_in_2022(sb: Engine) -> None:
    body = {"filter": {"property": "object", "value": "data_source"}}
    sources = sb.ok("post-search", V2025, body=body)["results"]
    assert {s["id"] for s in sources} == {
        first_data_source_id(TASKS),
        first_data_source_id(CONTACTS),
        first_data_source_id(seed_id("database", "projects")),
        FEATURES,
        BUGS,
    }
    assert {s["object"] for s in sources} == {"data_source"}
    everything = sb.ok("post-search", V2025, body={"page_size": 100})["results"]
    assert "database" not in {item["object"] for item in everything}
    assert sb.ok("post-search", V2025, body={"query": "bugs"})["results"][0]["id"] == BUGS
    sb.error("post-search", V2025, body={"filter": {"property": "object", "value": "database"}})
    sb.error("post-search", V2022, body=body)
    old = sb.ok("post-search", V2022, body={"page_size": 100})["results"]
    assert "data_source" not in {item["object"] for item in old}


def test_a_data_file_made_before_data_sources_still_opens(tmp_path: Path) -> None:
    path = tmp_path / "old.sqlite3"
    store = Store(path)
    seed_workspace(store)
    # Undo the migration as a file from before data sources looks: schema on the database.
    with store.transaction() as conn:
        for db_id in (TASKS, CONTACTS):
            source = conn.execute(
                "SELECT data FROM objects WHERE id = ?", (first_data_source_id(db_id),)
            ).fetchone()
            schema = json.loads(source[0])
            row = conn.execute("SELECT data FROM objects WHERE id = ?", (db_id,)).fetchone()
            data = {
                **json.loads(row[0]),
                "properties": schema["properties"],
                "unique_next": schema["unique_next"],
            }
            conn.execute("UPDATE objects SET data = ? WHERE id = ?", (json.dumps(data), db_id))
            conn.execute("DELETE FROM objects WHERE id = ?", (first_data_source_id(db_id),))
    store.close()
    reopened = Engine(Store(path))
    for version in (V2022, V2025):
        rows = reopened.ok("post-database-query", version, path={"database_id": TASKS})
        assert rows["results"]
    sources = reopened.ok("retrieve-a-database", V2025, path={"database_id": CONTACTS})
    assert sources["data_sources"] == [{"id": first_data_source_id(CONTACTS), "name": "Contacts"}]
    made = reopened.ok(
        "post-page",
        V2022,
        body={
            "parent": {"database_id": TASKS},
            "properties": {"Name": _title("After the upgrade")},
        },
    )
    assert made["properties"]["ID"]["unique_id"]["number"] > 100


@pytest.mark.parametrize("version", [V2022, V2025])
def test_get_user_by_id(sb: Engine, version: str) -> None:
    everyone = sb.ok("get-users", version)["results"]
    assert sb.ok("get-user", version, path={"user_id": everyone[0]["id"]}) == everyone[0]
    status, missing = sb.call("get-user", version, path={"user_id": TASKS})
    assert status == 404 and missing["code"] == "object_not_found"
    sb.error("get-user", version, path={"user_id": "nobody"})


@pytest.mark.parametrize("version", [V2022, V2025])
def test_retrieve_a_page_with_filter_properties(sb: Engine, version: str) -> None:
    source_id = first_data_source_id(TASKS)
    row_id = sb.ok(
        "query-data-source", V2025, path={"data_source_id": source_id}, body={"page_size": 1}
    )["results"][0]["id"]
    full = sb.ok("retrieve-a-page", version, path={"page_id": row_id})
    status_id = full["properties"]["Status"]["id"]
    one = sb.ok(
        "retrieve-a-page", version, path={"page_id": row_id}, query={"filter_properties": status_id}
    )
    assert one["properties"] == {"Status": full["properties"]["Status"]}
    two = sb.ok(
        "retrieve-a-page",
        version,
        path={"page_id": row_id},
        query={"filter_properties": ["title", status_id]},
    )
    assert set(two["properties"]) == {"Name", "Status"}
    none = sb.ok(
        "retrieve-a-page", version, path={"page_id": row_id}, query={"filter_properties": []}
    )
    assert none["properties"] == {}
    sb.error("retrieve-a-page", version, path={"page_id": row_id}, query={"filter_properties": 3})
