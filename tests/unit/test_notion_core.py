"""Notion's pure rules: ids, UTF-16 lengths and splitting, rich text forms, filter tables."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from alloy_tui.notion import filters, ids, properties, richtext

UUID = "1c2b3a4d-5e6f-4a8b-9c0d-1e2f3a4b5c6d"


class TestIds:
    def test_dashless_and_upper_case_normalise(self) -> None:
        assert ids.normalize_id(UUID.replace("-", "").upper()) == UUID

    @pytest.mark.parametrize("bad", ["", "xyz", UUID[:-1], UUID + "0", "g" * 32])
    def test_rejects_non_ids(self, bad: str) -> None:
        with pytest.raises(ValueError):
            ids.normalize_id(bad)
        assert not ids.is_notion_id(bad)

    def test_id_from_notion_url(self) -> None:
        url = f"https://www.notion.so/acme/Roadmap-Q3-{ids.compact_id(UUID)}?pvs=4"
        assert ids.id_from_text(url) == UUID
        assert ids.id_from_text(f"  {UUID}  ") == UUID
        assert ids.id_from_text("no id here") is None

    def test_object_id(self) -> None:
        assert ids.is_object_id("64f0a1b2c3d4e5f601234567")
        assert not ids.is_object_id("64F0A1B2C3D4E5F60123456")


class TestUtf16:
    def test_lengths(self) -> None:
        assert richtext.utf16_len("abc") == 3
        assert richtext.utf16_len("😀") == 2
        assert richtext.utf16_len("日本語") == 3

    def test_1999_ascii_plus_emoji_splits_before_the_emoji(self) -> None:
        text = "a" * 1999 + "😀"
        chunks = richtext.split_utf16(text)
        assert chunks == ["a" * 1999, "😀"]

    def test_4001_characters_split_into_three(self) -> None:
        chunks = richtext.split_utf16("x" * 4001)
        assert [len(c) for c in chunks] == [2000, 2000, 1]

    def test_zwj_sequence_kept_whole_when_possible(self) -> None:
        family = "👩\u200d👩\u200d👧"
        chunks = richtext.split_utf16("a" * 1995 + family)
        assert chunks == ["a" * 1995, family]

    def test_combining_mark_stays_with_its_base(self) -> None:
        chunks = richtext.split_utf16("a" * 1999 + "e\u0301", limit=2000)
        assert chunks == ["a" * 1999, "e\u0301"]

    @given(st.text(min_size=0, max_size=3000), st.integers(min_value=2, max_value=50))
    def test_split_rejoins_and_respects_limit(self, text: str, limit: int) -> None:
        chunks = richtext.split_utf16(text, limit)
        assert "".join(chunks) == text
        assert all(richtext.utf16_len(c) <= limit for c in chunks)
        assert all(c for c in chunks) or chunks == [""]
        for c in chunks:
            # never a lone surrogate: every chunk encodes as UTF-16 cleanly
            c.encode("utf-16-le")


class TestRichText:
    def test_fill_makes_every_field(self) -> None:
        full = richtext.fill({"text": {"content": "hi"}})
        assert full == {
            "type": "text",
            "text": {"content": "hi", "link": None},
            "annotations": richtext.DEFAULT_ANNOTATIONS,
            "plain_text": "hi",
            "href": None,
        }

    def test_fill_link_sets_href(self) -> None:
        full = richtext.fill(richtext.text_item("site", link="https://example.com"))
        assert full["href"] == "https://example.com"
        assert full["text"]["link"] == {"url": "https://example.com"}

    def test_fill_equation(self) -> None:
        full = richtext.fill({"type": "equation", "equation": {"expression": "e=mc^2"}})
        assert full["plain_text"] == "e=mc^2"

    def test_from_plain_splits_and_plain_text_joins(self) -> None:
        text = "漢" * 2500
        items = richtext.from_plain(text)
        assert len(items) == 2
        assert richtext.plain_text(items) == text
        assert richtext.from_plain("") == []


class TestTables:
    def test_every_writable_and_read_only_type_has_filter_conditions_or_is_exempt(self) -> None:
        exempt = {"formula", "rollup"}  # filtered through their result type
        for t in properties.ALL_TYPES - exempt:
            assert filters.conditions_for(t), t

    def test_operands(self) -> None:
        assert filters.operand_for("number", "greater_than") == "number"
        assert filters.operand_for("date", "past_week") == "empty_object"
        assert filters.operand_for("checkbox", "contains") is None
        assert "starts_with" in filters.conditions_for("email")

    def test_writable_and_read_only_do_not_overlap(self) -> None:
        assert not properties.WRITABLE_TYPES & properties.READ_ONLY_TYPES
        assert properties.empty_value("multi_select") == []
        assert properties.empty_value("checkbox") is False
