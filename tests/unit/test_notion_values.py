"""notion/values.py: display, editor form, validated request values and the save diff."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from alloy_tui.notion import values
from alloy_tui.notion.models import PropertySchema
from alloy_tui.notion.richtext import fill
from alloy_tui.notion.values import PropertyValueError, parse_value

UID = "1c2b3a4d-5e6f-4a8b-9c0d-1e2f3a4b5c6d"
UID2 = "2c2b3a4d-5e6f-4a8b-9c0d-1e2f3a4b5c6d"


def prop(kind: str, name: str = "Field", **config: Any) -> PropertySchema:
    return PropertySchema(name=name, id=name.lower(), type=kind, config=config)


def val(kind: str, raw: Any) -> dict[str, Any]:
    return {"id": "x", "type": kind, kind: raw}


class TestDisplay:
    @pytest.mark.parametrize(
        ("value", "text"),
        [
            (val("title", [fill({"text": {"content": "Hi\nthere"}})]), "Hi there"),
            (val("number", 3.0), "3"),
            (val("number", 2.5), "2.5"),
            (val("number", None), ""),
            (val("select", {"name": "High"}), "High"),
            (val("status", None), ""),
            (val("multi_select", [{"name": "a"}, {"name": "b"}]), "a, b"),
            (val("date", {"start": "2024-05-01", "end": "2024-05-03"}), "2024-05-01 → 2024-05-03"),
            (val("date", {"start": "2024-05-01T14:30:00.000Z"}), "2024-05-01 14:30 UTC"),
            (val("date", {"start": "2024-05-01T14:30:00+02:00"}), "2024-05-01 14:30+02:00"),
            (val("checkbox", True), values.CHECKED),
            (val("checkbox", False), values.UNCHECKED),
            (val("url", "https://a.b"), "https://a.b"),
            (val("email", None), ""),
            (val("people", [{"id": UID, "name": "Ada"}]), "Ada"),
            (val("relation", [{"id": UID}, {"id": UID2}]), "2 pages"),
            (val("relation", [{"id": UID}]), "1 page"),
            (
                val("files", [{"name": "spec.pdf", "type": "external", "external": {"url": "u"}}]),
                "spec.pdf",
            ),
            (val("formula", {"type": "number", "number": 42}), "42"),
            (val("formula", {"type": "string", "string": "ok"}), "ok"),
            (val("formula", {"type": "boolean", "boolean": True}), values.CHECKED),
            (val("rollup", {"type": "number", "number": 7}), "7"),
            (
                val("rollup", {"type": "array", "array": [val("number", 1), val("number", 2)]}),
                "1, 2",
            ),
            (val("created_time", "2024-01-02T03:04:00.000Z"), "2024-01-02 03:04 UTC"),
            (val("created_by", {"object": "user", "id": UID, "name": "Bot"}), "Bot"),
            (val("unique_id", {"prefix": "TASK", "number": 12}), "TASK-12"),
            (val("unique_id", {"prefix": None, "number": 12}), "12"),
            (val("verification", {}), ""),
            (None, ""),
        ],
    )
    def test_every_type(self, value: dict[str, Any] | None, text: str) -> None:
        assert values.display(value) == text

    def test_names_resolve_people_and_relations(self) -> None:
        names = {UID: "Roadmap", UID2: "Launch"}
        assert values.display(val("relation", [{"id": UID}, {"id": UID2}]), names=names) == (
            "Roadmap, Launch"
        )
        assert values.display(val("people", [{"id": UID}]), names=names) == "Roadmap"


class TestEditorValue:
    def test_forms(self) -> None:
        assert values.editor_value(val("number", 4.0)) == "4"
        assert values.editor_value(val("checkbox", True)) is True
        assert values.editor_value(val("multi_select", [{"name": "a"}])) == ["a"]
        assert values.editor_value(val("people", [{"id": UID}])) == [UID]
        assert values.editor_value(val("select", None)) == ""
        files = [{"name": "a", "type": "external", "external": {"url": "https://x/a"}}]
        assert values.editor_value(val("files", files)) == "https://x/a"
        assert values.empty_editor_value("multi_select") == []
        assert values.empty_editor_value("checkbox") is False
        assert values.empty_editor_value("date") == ""

    @pytest.mark.parametrize(
        "raw",
        [
            {"start": "2024-05-01", "end": None},
            {"start": "2024-05-01", "end": "2024-05-09"},
            {"start": "2024-05-01T14:30:00.000+00:00", "end": None},
            {"start": "2024-05-01T14:30:00.000-05:00", "end": "2024-05-01T16:00:00.000-05:00"},
        ],
    )
    def test_date_round_trips_without_a_change(self, raw: dict[str, Any]) -> None:
        original = val("date", raw)
        edited = parse_value(prop("date"), values.editor_value(original), original=original)
        assert values.diff_properties({"Field": original}, {"Field": edited}) == {}


class TestParse:
    def test_number(self) -> None:
        estimate = prop("number", "Estimate")
        assert parse_value(estimate, "42") == {"number": 42}
        assert parse_value(estimate, " -2.5 ") == {"number": -2.5}
        assert parse_value(estimate, "1e3") == {"number": 1000.0}
        assert parse_value(estimate, "") == {"number": None}
        with pytest.raises(PropertyValueError) as caught:
            parse_value(estimate, "abc")
        assert str(caught.value) == "Estimate: type a number like 3 or 2.5; 'abc' is not a number"
        assert caught.value.field == "Estimate"
        for bad in ("1,5", "nan", "inf", "1.2.3", "--1"):
            with pytest.raises(PropertyValueError):
                parse_value(estimate, bad)

    def test_text_is_split_at_the_utf16_limit(self) -> None:
        text = "é" * 1999 + "😀"
        out = parse_value(prop("rich_text"), text)["rich_text"]
        assert [item["text"]["content"] for item in out] == ["é" * 1999, "😀"]
        assert parse_value(prop("title"), "") == {"title": []}

    def test_checkbox(self) -> None:
        assert parse_value(prop("checkbox"), True) == {"checkbox": True}
        assert parse_value(prop("checkbox"), "no") == {"checkbox": False}

    def test_select_may_create_an_option_but_status_may_not(self) -> None:
        priority = prop("select", "Priority", options=[{"name": "High"}])
        assert parse_value(priority, "Brand new") == {"select": {"name": "Brand new"}}
        assert parse_value(priority, "") == {"select": None}
        with pytest.raises(PropertyValueError, match="commas"):
            parse_value(priority, "a,b")
        status = prop("status", "Status", options=[{"name": "Todo"}, {"name": "Done"}])
        assert parse_value(status, "Done") == {"status": {"name": "Done"}}
        with pytest.raises(PropertyValueError) as caught:
            parse_value(status, "Shipped")
        assert "'Shipped' is not an option (choose one of: Todo, Done)" in str(caught.value)
        with pytest.raises(PropertyValueError, match="choose an option"):
            parse_value(status, "")

    def test_multi_select_dedupes(self) -> None:
        tags = prop("multi_select", "Tags")
        assert parse_value(tags, ["a", "b", "a", " "]) == {
            "multi_select": [{"name": "a"}, {"name": "b"}]
        }

    @pytest.mark.parametrize(
        ("text", "expected"),
        [
            ("2024-05-01", {"start": "2024-05-01", "end": None}),
            ("2024-05-01 9:05", {"start": "2024-05-01T09:05:00", "end": None}),
            ("2024-05-01T09:05Z", {"start": "2024-05-01T09:05:00+00:00", "end": None}),
            ("2024-05-01 09:05 +0200", {"start": "2024-05-01T09:05:00+02:00", "end": None}),
            ("2024-05-01 → 2024-05-04", {"start": "2024-05-01", "end": "2024-05-04"}),
            ("2024-05-01 -> 2024-05-04", {"start": "2024-05-01", "end": "2024-05-04"}),
            ("2024-05-01 to 2024-05-04", {"start": "2024-05-01", "end": "2024-05-04"}),
        ],
    )
    def test_dates(self, text: str, expected: dict[str, Any]) -> None:
        assert parse_value(prop("date", "Due"), text) == {"date": expected}

    @pytest.mark.parametrize(
        ("text", "message"),
        [
            ("tomorrow", "'tomorrow' is not a date"),
            ("2024-02-30", "'2024-02-30' is not a valid date"),
            ("2024-05-01 25:00", "invalid time"),
            ("2024-05-04 → 2024-05-01", "the end is before the start"),
            ("2024-05-01 → 2024-05-02 10:00", "both have a time"),
        ],
    )
    def test_bad_dates_name_the_field(self, text: str, message: str) -> None:
        with pytest.raises(PropertyValueError) as caught:
            parse_value(prop("date", "Due"), text)
        assert caught.value.field == "Due"
        assert message in caught.value.message

    def test_date_keeps_the_original_time_zone(self) -> None:
        original = val("date", {"start": "2024-05-01T09:00:00.000", "time_zone": "Europe/Paris"})
        out = parse_value(prop("date"), "2024-05-01 10:00", original=original)
        assert out == {
            "date": {"start": "2024-05-01T10:00:00", "end": None, "time_zone": "Europe/Paris"}
        }

    def test_url_email_phone(self) -> None:
        assert parse_value(prop("url"), " https://x.y ") == {"url": "https://x.y"}
        assert parse_value(prop("email"), "") == {"email": None}
        assert parse_value(prop("email"), "ada@example.com") == {"email": "ada@example.com"}
        assert parse_value(prop("phone_number"), "+1 (555) 010-9999") == {
            "phone_number": "+1 (555) 010-9999"
        }
        for kind, bad in (("url", "a b"), ("email", "ada@"), ("phone_number", "call me")):
            with pytest.raises(PropertyValueError):
                parse_value(prop(kind), bad)

    def test_people_and_relations_take_ids(self) -> None:
        dashless = UID.replace("-", "")
        assert parse_value(prop("people"), [dashless, UID]) == {"people": [{"id": UID}]}
        assert parse_value(prop("relation"), [UID2]) == {"relation": [{"id": UID2}]}
        with pytest.raises(PropertyValueError, match="'bob' is not a user id"):
            parse_value(prop("people"), ["bob"])

    def test_files_are_external_urls_and_known_ones_are_kept(self) -> None:
        hosted = {"name": "a.pdf", "type": "file", "file": {"url": "https://s3/a.pdf"}}
        original = val("files", [hosted])
        out = parse_value(prop("files"), "https://s3/a.pdf https://x.y/b.png", original=original)
        assert out == {
            "files": [
                hosted,
                {"name": "b.png", "type": "external", "external": {"url": "https://x.y/b.png"}},
            ]
        }
        with pytest.raises(PropertyValueError, match="not a web address"):
            parse_value(prop("files"), "ftp://x")

    @pytest.mark.parametrize("kind", ["formula", "rollup", "created_time", "unique_id"])
    def test_read_only_types_refuse(self, kind: str) -> None:
        with pytest.raises(PropertyValueError, match="read-only"):
            parse_value(prop(kind), "x")


class TestDiff:
    def test_only_changed_properties(self) -> None:
        original = {
            "Name": val("title", [fill({"text": {"content": "A"}, "annotations": {"bold": True}})]),
            "Estimate": val("number", 3),
            "Done": val("checkbox", False),
            "Tags": val("multi_select", [{"name": "x", "id": "1", "color": "red"}]),
            "Owner": val("people", [{"object": "user", "id": UID}]),
            "Due": val("date", {"start": "2024-05-01T10:00:00.000Z", "end": None}),
        }
        edited = {
            "Name": parse_value(prop("title"), "A"),
            "Estimate": parse_value(prop("number"), "3.0"),
            "Done": parse_value(prop("checkbox"), True),
            "Tags": parse_value(prop("multi_select"), ["x"]),
            "Owner": parse_value(prop("people"), [UID.replace("-", "")]),
            "Due": parse_value(prop("date"), "2024-05-01 10:00 UTC"),
        }
        assert values.diff_properties(original, edited) == {"Done": {"checkbox": True}}

    def test_new_page_sends_only_non_empty(self) -> None:
        edited = {
            "Name": parse_value(prop("title"), "New"),
            "Estimate": parse_value(prop("number"), ""),
            "Done": parse_value(prop("checkbox"), False),
            "Tags": parse_value(prop("multi_select"), []),
        }
        assert list(values.diff_properties({}, edited)) == ["Name"]

    @given(st.integers(min_value=-(10**12), max_value=10**12))
    def test_number_editor_round_trip_is_unchanged(self, number: int) -> None:
        original = val("number", number)
        edited = parse_value(prop("number"), values.editor_value(original))
        assert values.diff_properties({"n": original}, {"n": edited}) == {}

    @given(st.floats(allow_nan=False, allow_infinity=False, width=64))
    def test_float_editor_round_trip_is_unchanged(self, number: float) -> None:
        original = val("number", number)
        edited = parse_value(prop("number"), values.editor_value(original))
        assert values.same_value("number", number, edited["number"])


@pytest.mark.parametrize(
    ("number", "number_format", "shown"),
    [
        (30000, None, "30000"),
        (30000, "number", "30000"),
        (1234567, "number_with_commas", "1,234,567"),
        (1234.5, "number_with_commas", "1,234.5"),
        (0.25, "percent", "25%"),
        (0.125, "percent", "12.5%"),
        (30000, "dollar", "$30,000.00"),
        (-12.5, "euro", "-€12.50"),
        (99.999, "pound", "£100.00"),
        (7, "yen", "¥7.00"),
        (7, "a_format_from_the_future", "7"),
        (None, "dollar", ""),
    ],
)
def test_numbers_show_in_their_database_format(
    number: object, number_format: str | None, shown: str
) -> None:
    from alloy_tui.notion.values import display, number_text

    assert number_text(number, number_format) == shown
    value = {"type": "number", "number": number}
    assert display(value, number_format=number_format) == shown
