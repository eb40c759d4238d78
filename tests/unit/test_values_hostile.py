"""notion/values.py against hostile input: whatever is typed, pasted or left in an editor,
parse_value returns plain JSON that encodes as UTF-8, or raises PropertyValueError naming the
property. Never another exception, never NaN or infinity, never a lone surrogate."""

from __future__ import annotations

import itertools
import json
import math
import sys
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from alloy_tui.notion import richtext
from alloy_tui.notion.models import PropertySchema
from alloy_tui.notion.properties import WRITABLE_TYPES
from alloy_tui.notion.richtext import (
    MAX_TEXT_UTF16,
    UnpairedSurrogateError,
    check_unicode,
    plain_text,
    split_utf16,
    surrogate_index,
    utf16_len,
)
from alloy_tui.notion.values import NUMBER_HINT, PropertyValueError, parse_value

UID = "1c2b3a4d-5e6f-4a8b-9c0d-1e2f3a4b5c6d"
OPTIONS = [{"name": "Todo"}, {"name": "Done"}, {"name": "👨‍👩‍👧"}]


def schema(kind: str, name: str = "Field") -> PropertySchema:
    return PropertySchema(name=name, id="f", type=kind, config={"options": OPTIONS})


def call(kind: str, raw: Any, name: str = "Field") -> dict[str, Any] | PropertyValueError:
    """parse_value's value, or the PropertyValueError it raised. A failure is reported in
    ASCII, outside the except block: a report holding a lone surrogate (even in a chained
    exception) cannot be sent back by a pytest-xdist worker."""
    unexpected = ""
    try:
        return parse_value(schema(kind, name), raw)
    except PropertyValueError as caught:
        error = caught
    except Exception as caught:  # the very thing under test
        unexpected = f"parse_value raised {type(caught).__name__}: {str(caught)!a}"
    assert not unexpected, unexpected
    message = str(error)
    assert surrogate_index(message) is None, ascii(message)  # an error is always printable
    assert error.field == name
    return error


def field_error(kind: str, raw: Any, name: str = "Field") -> PropertyValueError:
    result = call(kind, raw, name)
    assert isinstance(result, PropertyValueError), ascii(result)
    return result


def assert_plain_json(kind: str, out: dict[str, Any]) -> None:
    assert list(out) == [kind]
    try:
        encoded = json.dumps(out, allow_nan=False, ensure_ascii=False).encode("utf-8")
    except ValueError as error:  # NaN or infinity; UnicodeEncodeError for a lone surrogate
        raise AssertionError(
            f"not plain JSON: {ascii(out)[:300]} ({type(error).__name__})"
        ) from None
    assert json.loads(encoded.decode("utf-8")) == out


def parse_or_field_error(kind: str, raw: Any) -> dict[str, Any] | None:
    """parse_value's answer, checked: plain JSON, or None for a PropertyValueError."""
    result = call(kind, raw)
    if isinstance(result, PropertyValueError):
        return None
    assert_plain_json(kind, result)
    return result


# Text as a terminal or clipboard can hand it over: any code point, lone surrogates included.
HOSTILE_TEXT = st.text(alphabet=st.one_of(st.characters(), st.characters(categories=["Cs"])))
NUMBERISH = st.text(alphabet="0123456789.eE+-_, \t\uff11\u0663infINFtyNaA", max_size=30)
DATEISH = st.text(alphabet="0123456789-: T+Z→>.to\u200b\u0660", max_size=45)


# --------------------------------------------------------------------------- numbers


class TestNumbers:
    def test_a_5000_digit_number_is_a_field_error_that_names_the_digit_limit(self) -> None:
        error = field_error("number", "9" * 5000, "Estimate")
        assert error.message.startswith(NUMBER_HINT)
        assert "5,000 digits" in error.message
        assert "at most 308" in error.message
        assert len(error.message) < 200  # the typed text is not repeated in full

    def test_the_message_says_what_to_type(self) -> None:
        error = field_error("number", "1e999", "Estimate")
        assert str(error) == (
            "Estimate: type a number like 3 or 2.5; '1e999' is too large "
            "(Notion keeps up to about 1.8e308)"
        )

    @pytest.mark.parametrize(
        ("text", "why"),
        [
            ("1e999", "too large"),
            ("-1e999", "too large"),
            ("1" * 400 + "e-50", "too large"),
            ("9" * 309, "309 digits before the decimal point"),
            ("Infinity", "no infinity or NaN"),
            ("-inf", "no infinity or NaN"),
            ("+inf", "no infinity or NaN"),
            ("NaN", "no infinity or NaN"),
            ("nan", "no infinity or NaN"),
            ("1_000", "has an underscore: write 1000 without separators"),
            ("1,000", "has a comma"),
            ("1 000", "has a space"),
            ("\uff11\uff12\uff13", "use the digits 0-9"),  # full-width
            ("\u0661\u0662\u0663", "use the digits 0-9"),  # Arabic-Indic
            ("1e-400", "too small: Notion would keep it as 0"),
            ("0x10", "is not a number"),
            ("1e", "is not a number"),
            ("", None),
        ],
    )
    def test_hostile_numbers_are_field_errors(self, text: str, why: str | None) -> None:
        if why is None:
            assert parse_value(schema("number"), text) == {"number": None}
            return
        error = field_error("number", text, "Estimate")
        assert error.message.startswith(NUMBER_HINT + "; ")
        assert why in error.message

    @pytest.mark.parametrize(
        ("text", "number"),
        [
            (" 12 ", 12),
            ("\t-2.5\n", -2.5),
            ("\u3000 7 \u00a0", 7),
            ("+.5", 0.5),
            ("5.", 5.0),
            ("007", 7),
            ("0" * 5000 + "1", 1),  # leading zeros are not digits that count
            ("9" * 308, float("9" * 308)),
            ("1.7976931348623157e308", sys.float_info.max),
            ("12345678901234567890", 12345678901234567890.0),  # the double Notion keeps
            ("5e-324", 5e-324),
        ],
    )
    def test_numbers_that_fit_a_double_are_kept(self, text: str, number: float) -> None:
        out = parse_value(schema("number"), text)
        assert out == {"number": number}
        assert_plain_json("number", out)

    def test_small_integers_stay_ints_and_large_ones_become_the_double(self) -> None:
        assert type(parse_value(schema("number"), "9007199254740991")["number"]) is int
        assert type(parse_value(schema("number"), "9007199254740993")["number"]) is float

    @pytest.mark.parametrize(
        ("raw", "number"),
        [(None, None), (3, 3), (2.5, 2.5), (2**60, float(2**60))],
    )
    def test_numbers_already_numbers(self, raw: Any, number: Any) -> None:
        assert parse_value(schema("number"), raw) == {"number": number}

    @pytest.mark.parametrize(
        "raw", [math.inf, -math.inf, math.nan, 10**400, True, [1], {"n": 1}, b"1"]
    )
    def test_odd_number_values_are_field_errors(self, raw: Any) -> None:
        assert field_error("number", raw).message.startswith(NUMBER_HINT)

    @given(st.floats())
    def test_every_float_as_typed_is_kept_exactly_or_refused(self, number: float) -> None:
        out = parse_or_field_error("number", repr(number))
        if math.isfinite(number):
            assert out is not None
            assert out["number"] == number
        else:
            assert out is None

    @given(NUMBERISH)
    def test_number_like_text_is_finite_or_a_field_error(self, text: str) -> None:
        out = parse_or_field_error("number", text)
        if out is not None and out["number"] is not None:
            assert math.isfinite(out["number"])


# --------------------------------------------------------------------------- surrogates


SURROGATE_CASES: list[tuple[str, Any]] = [
    ("title", "Launch \ud800 plan"),
    ("rich_text", "\udc80"),
    ("rich_text", "x" * 2500 + "\udfff"),  # past the first 2,000-unit item
    ("rich_text", "\ud83d\ude00"),  # a pair spelled as two code points is not text either
    ("url", "https://example.com/\ud800"),
    ("email", "ada\ud800@example.com"),
    ("phone_number", "+1 555 \udc00"),
    ("select", "High\ud800"),
    ("status", "\ud800"),
    ("multi_select", ["ok", "b\udfff"]),
    ("multi_select", "\ud800"),
    ("date", "2024-05-01\ud800"),
    ("number", "1\ud800"),
    ("files", "https://x.y/a.png https://x.y/\ud800.png"),
    ("files", ["https://x.y/\ud800.png"]),
    ("people", [UID, "\ud800"]),
    ("relation", ["\udc00"]),
]


class TestSurrogates:
    @pytest.mark.parametrize(("kind", "raw"), SURROGATE_CASES)
    def test_a_lone_surrogate_is_a_field_error(self, kind: str, raw: Any) -> None:
        error = field_error(kind, raw, "Notes")
        assert "contains a broken character (an unpaired surrogate)" in error.message
        assert error.message.endswith("; retype it")

    def test_the_message_says_where(self) -> None:
        error = field_error("title", "abc\ud800")
        assert "at character 4" in error.message

    def test_check_unicode_raises_a_value_error_subclass(self) -> None:
        assert check_unicode("👨‍👩‍👧 ok") == "👨‍👩‍👧 ok"
        assert surrogate_index("ab\udc80") == 2
        assert surrogate_index("ab") is None
        with pytest.raises(UnpairedSurrogateError) as caught:
            check_unicode("ab\ud800")
        assert isinstance(caught.value, ValueError)
        assert caught.value.index == 2

    def test_split_never_raises_and_never_cuts_a_spelled_out_pair(self) -> None:
        assert split_utf16("a\ud83d\ude00", 2) == ["a", "\ud83d\ude00"]
        assert split_utf16("\ud800" * 5, 2) == ["\ud800\ud800", "\ud800\ud800", "\ud800"]
        assert utf16_len("\ud800") == 1

    @given(HOSTILE_TEXT, st.integers(min_value=2, max_value=40))
    def test_split_of_any_code_points_rejoins_and_respects_the_limit(
        self, text: str, limit: int
    ) -> None:
        chunks = split_utf16(text, limit)
        assert "".join(chunks) == text
        assert all(utf16_len(c) <= limit for c in chunks)
        for before, after in itertools.pairwise(chunks):
            assert not ("\ud800" <= before[-1] <= "\udbff" and "\udc00" <= after[0] <= "\udfff")


# --------------------------------------------------------------------------- round trips

TRICKY = [
    "👨‍👩‍👧",  # ZWJ family
    "🏳️‍🌈",  # flag with a variation selector and ZWJ
    "🇯🇵 👍🏽",  # regional indicators, a skin tone
    "🏴\U000e0067\U000e0062\U000e0073\U000e0063\U000e0074\U000e007f",  # tag sequence
    "e\u0301 n\u0303 (not NFC)",  # combining marks stay decomposed
    "Ż̤͔ͧ̑̓ä͖̭̈̇lͮ̒ͫǫ̗͚̀",
    "שלום עולם",  # RTL
    "مرحبا بالعالم",
    "a\u200db\u200cc\u200bd",  # ZWJ, ZWNJ, zero-width space
    "\u200fRTL mark\u202eoverride\u202c",
    "\ufeffBOM inside",
    "tab\tnew\nline",
]


class TestRoundTrips:
    @pytest.mark.parametrize("text", TRICKY)
    @pytest.mark.parametrize("kind", ["title", "rich_text"])
    def test_text_round_trips_byte_for_byte(self, kind: str, text: str) -> None:
        out = parse_value(schema(kind), text)
        assert_plain_json(kind, out)
        assert plain_text(out[kind]).encode("utf-8") == text.encode("utf-8")

    @pytest.mark.parametrize("text", [t for t in TRICKY if "\n" not in t and "\t" not in t])
    def test_option_names_round_trip_byte_for_byte(self, text: str) -> None:
        assert parse_value(schema("select"), text) == {"select": {"name": text}}
        assert parse_value(schema("multi_select"), [text]) == {"multi_select": [{"name": text}]}

    def test_long_zwj_text_splits_into_items_that_join_to_the_same_bytes(self) -> None:
        text = "👨‍👩‍👧 שלום e\u0301 " * 300
        items = parse_value(schema("rich_text"), text)["rich_text"]
        assert len(items) > 1
        contents = [item["text"]["content"] for item in items]
        assert all(utf16_len(c) <= MAX_TEXT_UTF16 for c in contents)
        assert "".join(contents).encode("utf-8") == text.encode("utf-8")
        for content in contents:
            content.encode("utf-8")

    def test_unicode_url_and_email_round_trip(self) -> None:
        url = "https://例え.jp/パス?q=👨‍👩‍👧"
        assert parse_value(schema("url"), url) == {"url": url}
        assert parse_value(schema("email"), "josé@exämple.org") == {"email": "josé@exämple.org"}

    @given(st.text())
    def test_any_clean_text_round_trips(self, text: str) -> None:
        out = parse_value(schema("rich_text"), text)
        assert_plain_json("rich_text", out)
        assert plain_text(out["rich_text"]) == text


# --------------------------------------------------------------------------- dates and others


class TestDates:
    @pytest.mark.parametrize(
        ("text", "why"),
        [
            ("2024-13-45", "not a valid date"),
            ("2024-02-30", "not a valid date"),
            ("0000-01-01", "not a valid date (years 0001-9999"),
            ("9999999-01-01", "not a date"),
            ("\uff12\uff10\uff12\uff14-05-01", "not a date"),
            ("2024-05-01 \u0660\u0669:\u0660\u0665", "not a date"),
            ("2024-05-01 09:05 +\u0660\u0662:\u0660\u0660", "not a date"),
            ("2024-05-01 09:05 +15:00", "not a time zone offset"),
            ("a" + " " * 10000 + "b", "not a date"),  # long text is refused before the search
            ("2024-05-01 → 2024-05-02" + " " * 200, None),
        ],
    )
    def test_hostile_dates_are_field_errors(self, text: str, why: str | None) -> None:
        if why is None:
            assert parse_value(schema("date"), text)["date"]["end"] == "2024-05-02"
            return
        assert why in field_error("date", text, "Due").message

    def test_the_edges_of_the_calendar(self) -> None:
        out = parse_value(schema("date"), "0001-01-01 00:00 +14:00 → 9999-12-31 23:59 -14:00")
        assert out["date"]["start"] == "0001-01-01T00:00:00+14:00"
        assert out["date"]["end"] == "9999-12-31T23:59:00-14:00"

    @given(DATEISH)
    def test_date_like_text_is_plain_json_or_a_field_error(self, text: str) -> None:
        parse_or_field_error("date", text)


class TestOddEditorValues:
    @pytest.mark.parametrize(
        ("kind", "raw"),
        [
            ("title", 5),
            ("title", ["a"]),
            ("rich_text", b"bytes"),
            ("select", 3),
            ("status", ["Todo"]),
            ("date", 20240501),
            ("url", 5),
            ("email", {"a": "b"}),
            ("multi_select", ["a", None]),
            ("multi_select", [1]),
            ("multi_select", 5),
            ("multi_select", {"a": 1}),
            ("people", 5),
            ("people", [None]),
            ("relation", [3]),
            ("files", 5),
            ("files", [None]),
            ("checkbox", [1]),
            ("checkbox", 1.5),
        ],
    )
    def test_odd_types_are_field_errors(self, kind: str, raw: Any) -> None:
        field_error(kind, raw)

    @pytest.mark.parametrize(
        ("kind", "empty"),
        [
            ("title", []),
            ("number", None),
            ("select", None),
            ("multi_select", []),
            ("date", None),
            ("url", None),
            ("people", []),
            ("relation", []),
            ("files", []),
            ("checkbox", False),
        ],
    )
    def test_none_is_empty(self, kind: str, empty: Any) -> None:
        assert parse_value(schema(kind), None) == {kind: empty}

    @pytest.mark.parametrize(
        ("kind", "raw", "why"),
        [
            ("url", "https://x.y/" + "a" * 2000, "at most 2,000 characters"),
            ("email", "a" * 200 + "@x.io", "at most 200 characters"),
            ("phone_number", "5" * 201, "at most 200 characters"),
            ("files", "https://x.y/" + "a" * 2000, "at most 2,000 characters"),
            ("title", "x" * 200_001, "at most 200,000 characters"),
            ("title", "😀" * 100_001, "an emoji counts as 2"),
            ("multi_select", [str(i) for i in range(101)], "at most 100 options"),
        ],
    )
    def test_notion_size_limits_are_field_errors(self, kind: str, raw: Any, why: str) -> None:
        assert why in field_error(kind, raw).message

    def test_odd_file_objects_in_the_original_are_skipped_not_fatal(self) -> None:
        hosted = {"name": "a.pdf", "type": "file", "file": {"url": "https://s3/a.pdf"}}
        broken = {"name": "b", "type": "external", "external": "not an object"}
        original = {"type": "files", "files": [5, broken, hosted]}
        out = parse_value(schema("files"), "https://s3/a.pdf", original=original)
        assert out == {"files": [hosted]}


# --------------------------------------------------------------------------- the property


ODD_VALUES = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(),
    st.floats(),
    HOSTILE_TEXT,
    st.binary(max_size=5),
    st.lists(st.one_of(HOSTILE_TEXT, st.integers(), st.none()), max_size=5),
    st.dictionaries(st.text(max_size=3), st.text(max_size=3), max_size=2),
)


@pytest.mark.parametrize("kind", sorted(WRITABLE_TYPES))
@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(text=st.text())
def test_any_text_gives_plain_json_or_a_field_error(kind: str, text: str) -> None:
    parse_or_field_error(kind, text)


@pytest.mark.parametrize("kind", sorted(WRITABLE_TYPES))
@settings(max_examples=150, suppress_health_check=[HealthCheck.too_slow])
@given(raw=ODD_VALUES)
def test_any_editor_value_gives_plain_json_or_a_field_error(kind: str, raw: Any) -> None:
    out = parse_or_field_error(kind, raw)
    if out is not None:
        # A lone surrogate never gets through (a checkbox reads any text as unticked: what it
        # sends holds none of the text).
        sent = json.dumps(out, ensure_ascii=False)
        assert richtext.surrogate_index(sent) is None, (kind, raw, out)
