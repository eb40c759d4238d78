"""Database queries through the engine: every filter condition of every type, and/or, sorts."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from alloy_tui.notion.filters import CONDITIONS
from alloy_tui.sandbox.actions import DEFAULT_BOT_ID, NotionEngine, exact_time
from alloy_tui.sandbox.query import evaluate_formula, formula_result, parse_formula
from alloy_tui.sandbox.seed import person_id, seed_workspace
from alloy_tui.sandbox.store import Store

DB_ID = "0f0f0f0f-1111-4222-8333-444455556666"
ALT_BOT = "99999999-8888-4777-8666-555544443333"
MAYA = person_id("maya")
KENJI = person_id("kenji")


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2024, 2, 1, 9, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now


def _opt(name: str, color: str) -> dict[str, Any]:
    return {"id": f"opt-{name}", "name": name, "color": color, "description": None}


SCHEMA: dict[str, Any] = {
    "Name": {"id": "title", "name": "Name", "type": "title", "title": {}},
    "Notes": {"id": "nts", "name": "Notes", "type": "rich_text", "rich_text": {}},
    "Link": {"id": "lnk", "name": "Link", "type": "url", "url": {}},
    "Email": {"id": "eml", "name": "Email", "type": "email", "email": {}},
    "Phone": {"id": "phn", "name": "Phone", "type": "phone_number", "phone_number": {}},
    "Count": {"id": "cnt", "name": "Count", "type": "number", "number": {"format": "number"}},
    "ID": {"id": "uid", "name": "ID", "type": "unique_id", "unique_id": {"prefix": "T"}},
    "Done": {"id": "don", "name": "Done", "type": "checkbox", "checkbox": {}},
    "Color": {
        "id": "col",
        "name": "Color",
        "type": "select",
        "select": {"options": [_opt("Red", "red"), _opt("Blue", "blue")]},
    },
    "Stage": {
        "id": "stg",
        "name": "Stage",
        "type": "status",
        "status": {
            "options": [
                _opt("Not started", "default"),
                _opt("In progress", "blue"),
                _opt("Done", "green"),
            ],
            "groups": [
                {"id": "g1", "name": "To-do", "color": "gray", "option_ids": ["opt-Not started"]},
                {"id": "g2", "name": "Doing", "color": "blue", "option_ids": ["opt-In progress"]},
                {"id": "g3", "name": "Complete", "color": "green", "option_ids": ["opt-Done"]},
            ],
        },
    },
    "Tags": {
        "id": "tgs",
        "name": "Tags",
        "type": "multi_select",
        "multi_select": {"options": [_opt("x", "gray"), _opt("y", "blue"), _opt("z", "red")]},
    },
    "When": {"id": "whn", "name": "When", "type": "date", "date": {}},
    "Created": {"id": "crt", "name": "Created", "type": "created_time", "created_time": {}},
    "Edited": {"id": "edt", "name": "Edited", "type": "last_edited_time", "last_edited_time": {}},
    "Owner": {"id": "own", "name": "Owner", "type": "people", "people": {}},
    "Related": {
        "id": "rel",
        "name": "Related",
        "type": "relation",
        "relation": {"database_id": DB_ID, "type": "single_property", "single_property": {}},
    },
    "Creator": {"id": "cby", "name": "Creator", "type": "created_by", "created_by": {}},
    "Editor": {"id": "eby", "name": "Editor", "type": "last_edited_by", "last_edited_by": {}},
    "Files": {"id": "fls", "name": "Files", "type": "files", "files": {}},
    "Double": {
        "id": "dbl",
        "name": "Double",
        "type": "formula",
        "formula": {"expression": 'prop("Count") * 2'},
    },
    "Shout": {
        "id": "sht",
        "name": "Shout",
        "type": "formula",
        "formula": {"expression": 'upper(prop("Name"))'},
    },
    "Positive": {
        "id": "pos",
        "name": "Positive",
        "type": "formula",
        "formula": {"expression": 'prop("Count") > 0'},
    },
    "Next day": {
        "id": "nxd",
        "name": "Next day",
        "type": "formula",
        "formula": {"expression": 'dateAdd(prop("When"), 1, "days")'},
    },
    "Related count": {
        "id": "rlc",
        "name": "Related count",
        "type": "rollup",
        "rollup": {
            "relation_property_name": "Related",
            "relation_property_id": "rel",
            "rollup_property_name": "Name",
            "rollup_property_id": "title",
            "function": "count",
        },
    },
    "Related sum": {
        "id": "rls",
        "name": "Related sum",
        "type": "rollup",
        "rollup": {
            "relation_property_name": "Related",
            "relation_property_id": "rel",
            "rollup_property_name": "Count",
            "rollup_property_id": "cnt",
            "function": "sum",
        },
    },
    "Related names": {
        "id": "rln",
        "name": "Related names",
        "type": "rollup",
        "rollup": {
            "relation_property_name": "Related",
            "relation_property_id": "rel",
            "rollup_property_name": "Name",
            "rollup_property_id": "title",
            "function": "show_original",
        },
    },
}


def _text(value: str) -> dict[str, Any]:
    return {"rich_text": [{"text": {"content": value}}]} if value else {"rich_text": []}


class Fixture:
    def __init__(self) -> None:
        self.clock = Clock()
        self.store = Store(":memory:")
        seed_workspace(self.store, clock=self.clock)
        stamp = exact_time(self.clock.now)
        data: dict[str, Any] = {
            "title": [],
            "description": [],
            "properties": SCHEMA,
            "icon": None,
            "cover": None,
            "is_inline": False,
            "unique_next": 1,
        }
        self.store.conn.execute(
            "INSERT INTO objects (id, object, parent_type, parent_id, title, title_key, created, "
            "edited, created_by, edited_by, in_trash, data) "
            "VALUES (?, 'database', 'workspace', NULL, 'Query fixture', 'query fixture', "
            "?, ?, ?, ?, 0, ?)",
            (DB_ID, stamp, stamp, DEFAULT_BOT_ID, DEFAULT_BOT_ID, json.dumps(data)),
        )
        self.engine = NotionEngine(self.store, clock=self.clock)
        self.ids: dict[str, str] = {}
        self._create(
            "A",
            {
                "Name": {"title": [{"text": {"content": "Alpha"}}]},
                "Notes": _text("hello world"),
                "Link": {"url": "https://a.example"},
                "Email": {"email": "a@x.io"},
                "Phone": {"phone_number": "+1 555 0100"},
                "Count": {"number": 5},
                "Done": {"checkbox": True},
                "Color": {"select": {"name": "Red"}},
                "Stage": {"status": {"name": "Done"}},
                "Tags": {"multi_select": [{"name": "x"}, {"name": "y"}]},
                "When": {"date": {"start": "2024-01-10"}},
                "Owner": {"people": [{"id": MAYA}]},
                "Files": {
                    "files": [{"name": "a.pdf", "external": {"url": "https://f.example/a.pdf"}}]
                },
            },
        )
        self._create("B", {"Name": {"title": [{"text": {"content": "Beta"}}]}})
        self.clock.now = datetime(2024, 3, 4, 9, 0, tzinfo=UTC)
        self._create(
            "C",
            {
                "Name": {"title": [{"text": {"content": "Gamma ray"}}]},
                "Notes": _text("Hello there"),
                "Link": {"url": "https://c.example/x"},
                "Email": {"email": "c@y.io"},
                "Phone": {"phone_number": "+44 20"},
                "Count": {"number": -2.5},
                "Done": {"checkbox": False},
                "Color": {"select": {"name": "Blue"}},
                "Stage": {"status": {"name": "In progress"}},
                "Tags": {"multi_select": [{"name": "y"}]},
                "When": {"date": {"start": "2024-03-01T10:00:00.000Z"}},
                "Owner": {"people": [{"id": KENJI}]},
            },
            bot=ALT_BOT,
        )
        self._create(
            "D",
            {
                "Name": {"title": [{"text": {"content": "Delta"}}]},
                "Notes": _text("world"),
                "Count": {"number": 0},
                "Done": {"checkbox": True},
                "Color": {"select": {"name": "Red"}},
                "Stage": {"status": {"name": "Done"}},
                "Tags": {"multi_select": [{"name": "z"}]},
                "When": {"date": {"start": "2024-03-09"}},
                "Owner": {"people": [{"id": MAYA}, {"id": KENJI}]},
            },
            bot=ALT_BOT,
        )
        self.clock.now = datetime(2024, 3, 5, 12, 0, tzinfo=UTC)
        self._patch("A", {"Related": {"relation": [{"id": self.ids["B"]}]}})
        self._patch("C", {"Related": {"relation": [{"id": self.ids["A"]}, {"id": self.ids["B"]}]}})

    def _create(self, key: str, props: dict[str, Any], bot: str | None = None) -> None:
        status, page = self.engine.execute(
            "post-page",
            path_params={},
            body={"parent": {"database_id": DB_ID}, "properties": props},
            query={},
            bot_user_id=bot,
        )
        assert status == 200, page
        self.ids[key] = page["id"]

    def _patch(self, key: str, props: dict[str, Any]) -> None:
        status, page = self.engine.execute(
            "patch-page",
            path_params={"page_id": self.ids[key]},
            body={"properties": props},
            query={},
            bot_user_id=ALT_BOT,
        )
        assert status == 200, page

    def query(self, body: dict[str, Any]) -> tuple[int, Any]:
        return self.engine.execute(
            "post-database-query", path_params={"database_id": DB_ID}, body=body, query={}
        )

    def names(self, body: dict[str, Any]) -> list[str]:
        status, result = self.query(body)
        assert status == 200, result
        by_id = {v: k for k, v in self.ids.items()}
        return [by_id[page["id"]] for page in result["results"]]

    def resolve(self, operand: Any) -> Any:
        if isinstance(operand, str) and operand.startswith("@") and operand[1:] in self.ids:
            return self.ids[operand[1:]]
        return operand


@pytest.fixture
def fx() -> Fixture:
    return Fixture()


PROPERTY_FOR_TYPE = {
    "title": "Name",
    "rich_text": "Notes",
    "url": "Link",
    "email": "Email",
    "phone_number": "Phone",
    "number": "Count",
    "unique_id": "ID",
    "checkbox": "Done",
    "select": "Color",
    "status": "Stage",
    "multi_select": "Tags",
    "date": "When",
    "created_time": "Created",
    "last_edited_time": "Edited",
    "people": "Owner",
    "relation": "Related",
    "created_by": "Creator",
    "last_edited_by": "Editor",
    "files": "Files",
}

# (type, condition, operand, expected rows). Rows: A Alpha, B Beta (mostly empty),
# C Gamma ray, D Delta. "Today" is Tuesday 2024-03-05; A and B were created 2024-02-01,
# C and D on 2024-03-04 by ALT_BOT; A and C were last edited 2024-03-05 by ALT_BOT.
CASES: list[tuple[str, str, Any, str]] = [
    ("title", "equals", "alpha", "A"),
    ("title", "does_not_equal", "Alpha", "BCD"),
    ("title", "contains", "TA", "BD"),
    ("title", "does_not_contain", "ta", "AC"),
    ("title", "starts_with", "g", "C"),
    ("title", "ends_with", "RAY", "C"),
    ("title", "is_empty", True, ""),
    ("title", "is_not_empty", True, "ABCD"),
    ("rich_text", "equals", "world", "D"),
    ("rich_text", "does_not_equal", "world", "ABC"),
    ("rich_text", "contains", "hello", "AC"),
    ("rich_text", "does_not_contain", "world", "BC"),
    ("rich_text", "starts_with", "hello", "AC"),
    ("rich_text", "ends_with", "there", "C"),
    ("rich_text", "is_empty", True, "B"),
    ("rich_text", "is_not_empty", True, "ACD"),
    ("url", "equals", "https://a.example", "A"),
    ("url", "does_not_equal", "https://a.example", "BCD"),
    ("url", "contains", "c.example", "C"),
    ("url", "does_not_contain", "c.example", "ABD"),
    ("url", "starts_with", "https://", "AC"),
    ("url", "ends_with", "/x", "C"),
    ("url", "is_empty", True, "BD"),
    ("url", "is_not_empty", True, "AC"),
    ("email", "equals", "c@y.io", "C"),
    ("email", "does_not_equal", "c@y.io", "ABD"),
    ("email", "contains", "@", "AC"),
    ("email", "does_not_contain", "x.io", "BCD"),
    ("email", "starts_with", "a@", "A"),
    ("email", "ends_with", "x.io", "A"),
    ("email", "is_empty", True, "BD"),
    ("email", "is_not_empty", True, "AC"),
    ("phone_number", "equals", "+44 20", "C"),
    ("phone_number", "does_not_equal", "+44 20", "ABD"),
    ("phone_number", "contains", "555", "A"),
    ("phone_number", "does_not_contain", "555", "BCD"),
    ("phone_number", "starts_with", "+44", "C"),
    ("phone_number", "ends_with", "0100", "A"),
    ("phone_number", "is_empty", True, "BD"),
    ("phone_number", "is_not_empty", True, "AC"),
    ("number", "equals", 5, "A"),
    ("number", "does_not_equal", 5, "BCD"),
    ("number", "greater_than", 0, "A"),
    ("number", "less_than", 0, "C"),
    ("number", "greater_than_or_equal_to", 0, "AD"),
    ("number", "less_than_or_equal_to", 0, "CD"),
    ("number", "is_empty", True, "B"),
    ("number", "is_not_empty", True, "ACD"),
    ("unique_id", "equals", 2, "B"),
    ("unique_id", "does_not_equal", 2, "ACD"),
    ("unique_id", "greater_than", 2, "CD"),
    ("unique_id", "less_than", 2, "A"),
    ("unique_id", "greater_than_or_equal_to", 3, "CD"),
    ("unique_id", "less_than_or_equal_to", 1, "A"),
    ("checkbox", "equals", True, "AD"),
    ("checkbox", "does_not_equal", True, "BC"),
    ("select", "equals", "Red", "AD"),
    ("select", "does_not_equal", "Red", "BC"),
    ("select", "is_empty", True, "B"),
    ("select", "is_not_empty", True, "ACD"),
    ("status", "equals", "Done", "AD"),
    ("status", "does_not_equal", "Done", "BC"),
    ("status", "is_empty", True, ""),
    ("status", "is_not_empty", True, "ABCD"),
    ("multi_select", "contains", "y", "AC"),
    ("multi_select", "does_not_contain", "y", "BD"),
    ("multi_select", "is_empty", True, "B"),
    ("multi_select", "is_not_empty", True, "ACD"),
    ("date", "equals", "2024-03-01", "C"),
    ("date", "before", "2024-03-01", "A"),
    ("date", "after", "2024-03-01", "D"),
    ("date", "on_or_before", "2024-03-01", "AC"),
    ("date", "on_or_after", "2024-03-01", "CD"),
    ("date", "past_week", {}, "C"),
    ("date", "past_month", {}, "C"),
    ("date", "past_year", {}, "AC"),
    ("date", "this_week", {}, "D"),
    ("date", "next_week", {}, "D"),
    ("date", "next_month", {}, "D"),
    ("date", "next_year", {}, "D"),
    ("date", "is_empty", True, "B"),
    ("date", "is_not_empty", True, "ACD"),
    ("created_time", "equals", "2024-02-01", "AB"),
    ("created_time", "before", "2024-03-01", "AB"),
    ("created_time", "after", "2024-03-01", "CD"),
    ("created_time", "on_or_before", "2024-02-01", "AB"),
    ("created_time", "on_or_after", "2024-03-04", "CD"),
    ("created_time", "past_week", {}, "CD"),
    ("created_time", "past_month", {}, "CD"),
    ("created_time", "past_year", {}, "ABCD"),
    ("created_time", "this_week", {}, "CD"),
    ("created_time", "next_week", {}, ""),
    ("created_time", "next_month", {}, ""),
    ("created_time", "next_year", {}, ""),
    ("created_time", "is_empty", True, ""),
    ("created_time", "is_not_empty", True, "ABCD"),
    ("last_edited_time", "equals", "2024-03-05", "AC"),
    ("last_edited_time", "before", "2024-03-05", "BD"),
    ("last_edited_time", "after", "2024-03-04", "AC"),
    ("last_edited_time", "on_or_before", "2024-03-04", "BD"),
    ("last_edited_time", "on_or_after", "2024-03-04", "ACD"),
    ("last_edited_time", "past_week", {}, "ACD"),
    ("last_edited_time", "past_month", {}, "ACD"),
    ("last_edited_time", "past_year", {}, "ABCD"),
    ("last_edited_time", "this_week", {}, "ACD"),
    ("last_edited_time", "next_week", {}, "AC"),
    ("last_edited_time", "next_month", {}, "AC"),
    ("last_edited_time", "next_year", {}, "AC"),
    ("last_edited_time", "is_empty", True, ""),
    ("last_edited_time", "is_not_empty", True, "ABCD"),
    ("people", "contains", MAYA, "AD"),
    ("people", "does_not_contain", MAYA, "BC"),
    ("people", "is_empty", True, "B"),
    ("people", "is_not_empty", True, "ACD"),
    ("relation", "contains", "@B", "AC"),
    ("relation", "does_not_contain", "@B", "BD"),
    ("relation", "is_empty", True, "BD"),
    ("relation", "is_not_empty", True, "AC"),
    ("created_by", "contains", ALT_BOT, "CD"),
    ("created_by", "does_not_contain", ALT_BOT, "AB"),
    ("created_by", "is_empty", True, ""),
    ("created_by", "is_not_empty", True, "ABCD"),
    ("last_edited_by", "contains", ALT_BOT, "ACD"),
    ("last_edited_by", "does_not_contain", ALT_BOT.replace("-", ""), "B"),
    ("last_edited_by", "is_empty", True, ""),
    ("last_edited_by", "is_not_empty", True, "ABCD"),
    ("files", "is_empty", True, "BCD"),
    ("files", "is_not_empty", True, "A"),
]


def test_cases_cover_every_condition_of_every_type() -> None:
    covered = {(kind, condition) for kind, condition, _operand, _rows in CASES}
    expected = {(kind, condition) for kind, table in CONDITIONS.items() for condition in table}
    assert expected - covered == set()


@pytest.mark.parametrize(("kind", "condition", "operand", "rows"), CASES)
def test_property_condition(
    fx: Fixture, kind: str, condition: str, operand: Any, rows: str
) -> None:
    body = {"filter": {"property": PROPERTY_FOR_TYPE[kind], kind: {condition: fx.resolve(operand)}}}
    assert sorted(fx.names(body)) == sorted(rows)


def test_property_filter_accepts_the_property_id(fx: Fixture) -> None:
    assert sorted(fx.names({"filter": {"property": "cnt", "number": {"equals": 5}}})) == ["A"]


def test_rich_text_condition_on_a_title_property(fx: Fixture) -> None:
    assert fx.names({"filter": {"property": "Name", "rich_text": {"equals": "Beta"}}}) == ["B"]


def test_date_condition_with_a_time_compares_instants(fx: Fixture) -> None:
    body = {"filter": {"property": "When", "date": {"before": "2024-03-01T12:00:00Z"}}}
    assert sorted(fx.names(body)) == ["A", "C"]


@pytest.mark.parametrize(
    ("kind", "condition", "rows"),
    [("created_time", "past_week", "CD"), ("last_edited_time", "on_or_after", "ACD")],
)
def test_timestamp_filters(fx: Fixture, kind: str, condition: str, rows: str) -> None:
    operand: Any = {} if condition == "past_week" else "2024-03-04"
    body = {"filter": {"timestamp": kind, kind: {condition: operand}}}
    assert sorted(fx.names(body)) == sorted(rows)


@pytest.mark.parametrize(
    ("spec", "rows"),
    [
        ({"number": {"greater_than": 0}}, "A"),
        ({"string": {"contains": "GAMMA"}}, "C"),
        ({"checkbox": {"equals": True}}, "A"),
        ({"date": {"on_or_after": "2024-03-02"}}, "CD"),
    ],
)
def test_formula_filters(fx: Fixture, spec: dict[str, Any], rows: str) -> None:
    prop = {"number": "Double", "string": "Shout", "checkbox": "Positive", "date": "Next day"}[
        next(iter(spec))
    ]
    assert sorted(fx.names({"filter": {"property": prop, "formula": spec}})) == sorted(rows)


def test_rollup_filters(fx: Fixture) -> None:
    count = {"property": "Related count", "rollup": {"number": {"greater_than": 1}}}
    assert fx.names({"filter": count}) == ["C"]
    total = {"property": "Related sum", "rollup": {"number": {"equals": 5}}}
    assert fx.names({"filter": total}) == ["C"]
    any_beta = {
        "property": "Related names",
        "rollup": {"any": {"rich_text": {"contains": "beta"}}},
    }
    assert sorted(fx.names({"filter": any_beta})) == ["A", "C"]
    none_beta = {"property": "Related names", "rollup": {"none": {"title": {"equals": "Beta"}}}}
    assert sorted(fx.names({"filter": none_beta})) == ["B", "D"]


def test_computed_values_in_rows(fx: Fixture) -> None:
    status, result = fx.query({"filter": {"property": "Name", "title": {"equals": "Gamma ray"}}})
    assert status == 200
    props = result["results"][0]["properties"]
    assert props["Double"]["formula"] == {"type": "number", "number": -5}
    assert props["Shout"]["formula"] == {"type": "string", "string": "GAMMA RAY"}
    assert props["Positive"]["formula"] == {"type": "boolean", "boolean": False}
    assert props["Next day"]["formula"]["date"]["start"] == "2024-03-02T10:00:00.000Z"
    assert props["Related count"]["rollup"] == {"type": "number", "number": 2, "function": "count"}
    assert props["Related sum"]["rollup"]["number"] == 5
    assert props["ID"]["unique_id"] == {"prefix": "T", "number": 3}
    assert props["Creator"]["created_by"]["id"] == ALT_BOT
    assert props["Created"]["created_time"] == "2024-03-04T09:00:00.000Z"


def test_and_or_compounds(fx: Fixture) -> None:
    both = {
        "and": [
            {"property": "Color", "select": {"equals": "Red"}},
            {"property": "Count", "number": {"greater_than": 0}},
        ]
    }
    assert fx.names({"filter": both}) == ["A"]
    either = {
        "or": [
            {"property": "Name", "title": {"equals": "Beta"}},
            {"property": "Count", "number": {"less_than": 0}},
        ]
    }
    assert sorted(fx.names({"filter": either})) == ["B", "C"]


def test_compounds_nest_two_levels_but_not_three(fx: Fixture) -> None:
    two = {
        "or": [
            {
                "and": [
                    {"property": "Done", "checkbox": {"equals": True}},
                    {"property": "Color", "select": {"equals": "Red"}},
                ]
            },
            {"property": "Name", "title": {"equals": "Beta"}},
        ]
    }
    assert sorted(fx.names({"filter": two})) == ["A", "B", "D"]
    three = {"or": [{"and": [{"or": [{"property": "Done", "checkbox": {"equals": True}}]}]}]}
    status, error = fx.query({"filter": three})
    assert status == 400
    assert error["code"] == "validation_error"
    assert "nested" in error["message"]


@pytest.mark.parametrize(
    ("filter_json", "needle"),
    [
        (
            {"property": "Nope", "title": {"equals": "x"}},
            "Could not find property with name or id: Nope",
        ),
        ({"property": "Count", "number": {"contains": 1}}, "contains is not a valid condition"),
        ({"property": "Count", "number": {"equals": "5"}}, "should be a number"),
        ({"property": "Count", "number": {"is_empty": False}}, "should be `true`"),
        ({"property": "When", "date": {"past_week": {"x": 1}}}, "empty object"),
        ({"property": "When", "date": {"before": "yesterday"}}, "ISO 8601"),
        ({"property": "Owner", "people": {"contains": "maya"}}, "valid uuid"),
        ({"property": "Done", "checkbox": {"equals": "yes"}}, "a boolean"),
        ({"property": "Count", "select": {"equals": "x"}}, "body.filter.number should be defined"),
        ({"property": "Count", "number": {"equals": 1, "less_than": 2}}, "exactly one condition"),
        ({"and": {"property": "Count"}}, "body.filter.and should be an array"),
        ({"timestamp": "created_time", "created_time": {"nope": {}}}, "not a valid condition"),
        ({"timestamp": "edited"}, "body.filter.timestamp"),
        ("Count > 1", "body.filter should be an object"),
        ({"nothing": True}, "a property filter"),
    ],
)
def test_invalid_filters_are_400(fx: Fixture, filter_json: Any, needle: str) -> None:
    status, error = fx.query({"filter": filter_json})
    assert status == 400
    assert error["object"] == "error"
    assert error["code"] == "validation_error"
    assert needle in error["message"]


def test_sort_by_number_puts_empty_values_last(fx: Fixture) -> None:
    up = fx.names({"sorts": [{"property": "Count", "direction": "ascending"}]})
    assert up == ["C", "D", "A", "B"]
    down = fx.names({"sorts": [{"property": "Count", "direction": "descending"}]})
    assert down == ["A", "D", "C", "B"]


def test_sorts_apply_in_order(fx: Fixture) -> None:
    body = {
        "sorts": [
            {"property": "Color", "direction": "ascending"},
            {"property": "Name", "direction": "descending"},
        ]
    }
    assert fx.names(body) == ["D", "A", "C", "B"]  # Red (option order) before Blue, then empty


def test_sort_by_timestamp_and_unique_id(fx: Fixture) -> None:
    assert fx.names({"sorts": [{"property": "ID", "direction": "descending"}]}) == list("DCBA")
    by_created = fx.names({"sorts": [{"timestamp": "created_time", "direction": "descending"}]})
    assert set(by_created[:2]) == {"C", "D"}


def test_default_order_is_newest_first(fx: Fixture) -> None:
    order = fx.names({})
    assert set(order[:2]) == {"C", "D"}  # created at the same instant: tie broken by id
    assert set(order[2:]) == {"A", "B"}


@pytest.mark.parametrize(
    ("sorts", "needle"),
    [
        ([{"property": "Nope", "direction": "ascending"}], "Could not find sort property"),
        ([{"property": "Count", "direction": "up"}], "body.sorts[0].direction"),
        ({"property": "Count"}, "body.sorts should be an array"),
        ([{"timestamp": "created"}], "body.sorts[0].timestamp"),
    ],
)
def test_invalid_sorts_are_400(fx: Fixture, sorts: Any, needle: str) -> None:
    status, error = fx.query({"sorts": sorts})
    assert status == 400
    assert needle in error["message"]


def test_query_pagination_walks_every_row_once(fx: Fixture) -> None:
    seen: list[str] = []
    cursor: str | None = None
    while True:
        body: dict[str, Any] = {"page_size": 3}
        if cursor:
            body["start_cursor"] = cursor
        status, result = fx.query(body)
        assert status == 200
        seen += [page["id"] for page in result["results"]]
        assert "data" not in result
        if not result["has_more"]:
            assert result["next_cursor"] is None
            break
        cursor = result["next_cursor"]
    assert sorted(seen) == sorted(fx.ids.values())


def test_trashed_rows_are_not_returned(fx: Fixture) -> None:
    status, _page = fx.engine.execute(
        "patch-page",
        path_params={"page_id": fx.ids["B"]},
        body={"in_trash": True},
        query={},
    )
    assert status == 200
    assert "B" not in fx.names({})


# --- the formula language on its own ---------------------------------------------------------

NOW = datetime(2024, 3, 5, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("expression", "expected"),
    [
        ("1 + 2 * 3", 7),
        ("(1 + 2) * 3", 9),
        ('"a" + "b"', "ab"),
        ('concat("x", 1, true)', "x1true"),
        ("10 / 4", 2.5),
        ("2 ^ 3 ^ 2", 512),
        ("-3 + 1", -2),
        ("7 % 4", 3),
        ('if(1 > 2, "yes", "no")', "no"),
        ("1 > 2 ? 1 : 2", 2),
        ("true and not false", True),
        ("false or 1 == 1", True),
        ('length("日本語")', 3),
        ('lower("ABC")', "abc"),
        ('"abc".upper()', "ABC"),
        ("round(2.345, 2)", 2.35),
        ("round(2.5)", 3),
        ("floor(2.7) + ceil(2.1)", 5),
        ("abs(-4)", 4),
        ("max(1, 5, 3) - min(4, 2)", 3),
        ('toNumber("42") + 1', 43),
        ('format(3) + "x"', "3x"),
        ('contains("hello", "ell")', True),
        ('empty("")', True),
        ('dateBetween(dateAdd(now(), 3, "days"), now(), "days")', 3),
        ('join(prop("Tags"), "/")', "a/b"),
        ("1 / 0", None),
    ],
)
def test_formula_language(expression: str, expected: Any) -> None:
    values = {"Tags": ["a", "b"]}
    assert evaluate_formula(expression, values.__getitem__, NOW) == expected


def test_formula_results_have_notion_shapes() -> None:
    assert formula_result(True) == {"type": "boolean", "boolean": True}
    assert formula_result(2.0) == {"type": "number", "number": 2}
    assert formula_result("x") == {"type": "string", "string": "x"}
    assert formula_result(None) == {"type": "string", "string": None}
    assert formula_result(NOW)["date"]["start"] == "2024-03-05T12:00:00.000Z"


@pytest.mark.parametrize("expression", ["1 +", "prop(", "foo(1)", '"open', "1 2", "@"])
def test_bad_formulas_fail_cleanly(expression: str) -> None:
    from alloy_tui.sandbox.query import FormulaError

    with pytest.raises(FormulaError):
        evaluate_formula(expression, lambda name: None, NOW)
    if expression == "1 2":
        with pytest.raises(FormulaError):
            parse_formula(expression)
