"""The draft journal: atomic 0600 files, newest first, corrupt files reported, full or read-only."""

from __future__ import annotations

import errno
import json
import os
import stat
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from alloy_tui import drafts as drafts_module
from alloy_tui.drafts import DRAFT_VERSION, Draft, DraftStore, DraftWriteError, NewerDraftError

PAGE = "1c2b3a4d-5e6f-4a8b-9c0d-1e2f3a4b5c6d"
OTHER_PAGE = "2d3c4b5a-6f7e-4b9c-8d1e-2f3a4b5c6d7e"
CONNECTION = "conn-123"


class Clock:
    def __init__(self) -> None:
        self.now = datetime(2025, 3, 14, 12, 0, tzinfo=UTC)

    def __call__(self) -> datetime:
        return self.now

    def tick(self, seconds: int = 60) -> None:
        self.now += timedelta(seconds=seconds)


def make_draft(page_id: str = PAGE, **changes: object) -> Draft:
    values: dict[str, object] = {
        "page_id": page_id,
        "connection_id": CONNECTION,
        "base_url": "sandbox",
        "title": "Plan 🚀 计划",
        "base_properties_hash": "p" * 64,
        "base_body_hash": "b" * 64,
        "base_markdown": "Hello\n",
        "body_markdown": "Hello, world 👩‍👩‍👧\n",
        "properties": {"Estimate": {"number": 8}},
        "property_inputs": {"Estimate": "8", "Due": "2025-04-0"},
        "base_properties": {"Estimate": {"type": "number", "number": 5}},
    }
    values.update(changes)
    return Draft(**values)  # type: ignore[arg-type]


@pytest.fixture
def clock() -> Clock:
    return Clock()


@pytest.fixture
def store(tmp_path: Path, clock: Clock) -> DraftStore:
    return DraftStore(tmp_path / "state" / "drafts", clock=clock)


def test_save_creates_a_0700_folder_and_a_0600_file_that_loads_back_identical(
    store: DraftStore,
) -> None:
    saved = store.save(make_draft())
    path = store.path_for(PAGE, CONNECTION)
    assert stat.S_IMODE(store.directory.stat().st_mode) == 0o700
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert saved.created == saved.updated == "2025-03-14T12:00:00Z"
    assert saved.version == DRAFT_VERSION
    loaded = store.load(PAGE, CONNECTION)
    assert loaded == saved
    assert loaded is not None
    assert loaded.body_markdown == "Hello, world 👩‍👩‍👧\n"
    assert loaded.property_inputs["Due"] == "2025-04-0"  # invalid input kept as typed
    # No temp file is left behind.
    assert [p.name for p in store.directory.iterdir()] == [path.name]


def test_saving_again_keeps_created_and_moves_updated(store: DraftStore, clock: Clock) -> None:
    first = store.save(make_draft())
    clock.tick(90)
    second = store.save(make_draft(body_markdown="Changed\n", created=first.created))
    assert second.created == "2025-03-14T12:00:00Z"
    assert second.updated == "2025-03-14T12:01:30Z"
    assert store.load(PAGE, CONNECTION) == second


def test_list_is_newest_first_and_reports_corrupt_files_without_crashing(
    store: DraftStore, clock: Clock
) -> None:
    store.save(make_draft(PAGE, title="Older"))
    clock.tick()
    store.save(make_draft(OTHER_PAGE, title="Newer"))
    (store.directory / "broken.json").write_text("{not json", encoding="utf-8")
    (store.directory / "future.json").write_text(
        '{"version": 99, "page_id": "x"}', encoding="utf-8"
    )
    (store.directory / "list.json").write_text("[1, 2]", encoding="utf-8")
    (store.directory / ".tmpfile.json").write_text("partial", encoding="utf-8")
    drafts = store.list()
    assert [d.title for d in drafts] == ["Newer", "Older"]
    assert sorted(p.path.name for p in store.problems) == [
        "broken.json",
        "future.json",
        "list.json",
    ]
    future = next(p for p in store.problems if p.path.name == "future.json")
    assert "version 99" in future.reason
    # Never deleted: a corrupt file is moved aside (so it is reported once), a draft of a
    # newer version is left for that version.
    broken = next(p for p in store.problems if p.path.name == "broken.json")
    assert broken.moved_to == store.directory / "broken.json.corrupt"
    assert broken.moved_to.read_text(encoding="utf-8") == "{not json"
    assert "moved aside to broken.json.corrupt" in broken.sentence
    assert future.moved_to is None and (store.directory / "future.json").exists()
    assert "left as it is" in future.sentence
    assert [d.title for d in store.list()] == ["Newer", "Older"]
    assert [p.path.name for p in store.problems] == ["future.json"]


def test_list_of_a_missing_folder_is_empty(tmp_path: Path) -> None:
    store = DraftStore(tmp_path / "nowhere")
    assert store.list() == []
    assert store.problems == []


def test_discard_removes_only_that_draft(store: DraftStore) -> None:
    store.save(make_draft(PAGE))
    store.save(make_draft(OTHER_PAGE))
    assert store.discard(PAGE, CONNECTION) is True
    assert store.load(PAGE, CONNECTION) is None
    assert store.load(OTHER_PAGE, CONNECTION) is not None
    assert store.discard(PAGE, CONNECTION) is False


def test_drafts_are_per_connection(store: DraftStore) -> None:
    store.save(make_draft(connection_id="a"))
    store.save(make_draft(connection_id="b/../weird", body_markdown="B\n"))
    a, b = store.load(PAGE, "a"), store.load(PAGE, "b/../weird")
    assert a is not None and b is not None
    assert b.body_markdown == "B\n"
    assert store.path_for(PAGE, "b/../weird").parent == store.directory


def make_read_only(directory: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """chmod 0500; as root (which ignores it) also refuse creating files there, as EROFS."""
    directory.chmod(0o500)
    if os.geteuid() != 0:
        return
    real_open = os.open

    def refusing_open(path: object, flags: int, *args: object, **kwargs: object) -> int:
        if flags & os.O_CREAT and Path(str(path)).parent == directory:
            raise OSError(errno.EROFS, "Read-only file system", str(path))
        return real_open(path, flags, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(os, "open", refusing_open)


def test_read_only_folder_raises_and_keeps_the_old_draft(
    store: DraftStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    store.save(make_draft(body_markdown="old text\n"))
    make_read_only(store.directory, monkeypatch)
    try:
        with pytest.raises(DraftWriteError) as raised:
            store.save(make_draft(body_markdown="new text\n"))
        assert "read-only" in raised.value.sentence
        assert raised.value.remedy
    finally:
        monkeypatch.undo()
        store.directory.chmod(0o700)
    kept = store.load(PAGE, CONNECTION)
    assert kept is not None and kept.body_markdown == "old text\n"


@pytest.mark.parametrize("call", ["write", "fsync"])
def test_full_disk_raises_and_keeps_the_old_draft(
    store: DraftStore, monkeypatch: pytest.MonkeyPatch, call: str
) -> None:
    store.save(make_draft(body_markdown="old text\n"))

    def full(*_args: object) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, call, full)
    with pytest.raises(DraftWriteError) as raised:
        store.save(make_draft(body_markdown="new text\n"))
    monkeypatch.undo()
    assert "full" in raised.value.sentence
    kept = store.load(PAGE, CONNECTION)
    assert kept is not None and kept.body_markdown == "old text\n"
    assert [p.name for p in store.directory.iterdir()] == [store.path_for(PAGE, CONNECTION).name]


def test_summary_and_emptiness() -> None:
    draft = make_draft()
    assert draft.body_changed
    assert draft.changed_properties == ["Due", "Estimate"]
    assert draft.summary() == "body · Due, Estimate"
    same = make_draft(body_markdown="Hello\n", properties={}, property_inputs={})
    assert same.is_empty
    assert same.summary() == "no changes"


def test_from_json_rejects_wrong_shapes() -> None:
    good = make_draft().to_json()
    assert Draft.from_json(good) == make_draft()
    with pytest.raises(ValueError, match="page_id"):
        Draft.from_json('{"version": 1}')
    data = json.loads(good)
    data["properties"] = [1]
    with pytest.raises(ValueError, match="properties"):
        Draft.from_json(json.dumps(data))


def test_set_aside_keeps_the_live_draft_as_a_distinct_copy(store: DraftStore, clock: Clock) -> None:
    original = store.save(make_draft(body_markdown="mine\n"))
    clock.tick()
    kept = store.set_aside(PAGE, CONNECTION)
    assert kept is not None and kept.kept == "20250314T120100Z"
    assert kept.body_markdown == "mine\n"
    assert (kept.created, kept.updated) == (original.created, original.updated)
    assert store.load(PAGE, CONNECTION) is None  # the live slot is free ...
    store.save(make_draft(body_markdown="new edit\n"))  # ... and a new edit never touches it
    assert store.kept_copies(PAGE, CONNECTION) == [kept]
    assert store.load(PAGE, CONNECTION, kept.kept) == kept
    path = store.path_for(PAGE, CONNECTION, kept.kept)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    # A second set-aside in the same second gets its own name.
    second = store.set_aside(PAGE, CONNECTION)
    assert second is not None and second.kept == "20250314T120100Z-2"
    assert [d.body_markdown for d in store.kept_copies(PAGE, CONNECTION)] == [
        "new edit\n",
        "mine\n",
    ]
    assert len({d.key for d in store.list()}) == 2
    assert store.find(PAGE) is None  # find() is about the live draft only
    assert store.kept_copies(OTHER_PAGE, CONNECTION) == []
    assert store.discard(PAGE, CONNECTION, kept.kept)
    assert [d.kept for d in store.kept_copies(PAGE, CONNECTION)] == [second.kept]


def test_set_aside_without_a_draft_does_nothing(store: DraftStore) -> None:
    assert store.set_aside(PAGE, CONNECTION) is None
    store.save(make_draft(body_markdown=None, properties={}, property_inputs={}))
    assert store.set_aside(PAGE, CONNECTION) is None  # nothing typed in it to keep
    assert store.kept_copies(PAGE, CONNECTION) == []


def test_set_aside_moves_an_unreadable_draft_instead_of_losing_it(store: DraftStore) -> None:
    store.save(make_draft())
    live = store.path_for(PAGE, CONNECTION)
    live.write_text("{half a draft", encoding="utf-8")
    assert store.set_aside(PAGE, CONNECTION) is None
    assert not live.exists()
    [moved] = list(store.directory.iterdir())
    assert moved.name == live.name + ".corrupt"
    assert moved.read_text(encoding="utf-8") == "{half a draft"
    assert [p.moved_to for p in store.problems] == [moved]
    assert store.list() == [] and store.problems == []  # reported once


def test_set_aside_on_a_full_disk_leaves_the_live_draft(
    store: DraftStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    store.save(make_draft(body_markdown="mine\n"))

    def full(*_args: object) -> int:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(os, "write", full)
    with pytest.raises(DraftWriteError):
        store.set_aside(PAGE, CONNECTION)
    monkeypatch.undo()
    live = store.load(PAGE, CONNECTION)
    assert live is not None and live.body_markdown == "mine\n"
    assert store.kept_copies(PAGE, CONNECTION) == []


def test_a_kept_copy_round_trips_through_json() -> None:
    draft = make_draft(kept="20250314T120000Z")
    assert Draft.from_json(draft.to_json()) == draft
    assert draft.key.endswith(":kept-20250314T120000Z")
    with pytest.raises(ValueError, match="kept"):
        Draft.from_json(json.dumps({**json.loads(draft.to_json()), "kept": 3}))


def test_discard_in_a_read_only_folder_says_the_draft_was_not_removed(
    store: DraftStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    store.save(make_draft())
    path = store.path_for(PAGE, CONNECTION)
    store.directory.chmod(0o500)
    if os.geteuid() == 0:  # root ignores the mode: refuse the unlink as a read-only mount would

        def refusing_unlink(target: object, *args: object, **kwargs: object) -> None:
            raise OSError(errno.EROFS, "Read-only file system", str(target))

        monkeypatch.setattr(os, "unlink", refusing_unlink)
    try:
        with pytest.raises(DraftWriteError) as raised:
            store.discard(PAGE, CONNECTION)
    finally:
        monkeypatch.undo()
        store.directory.chmod(0o700)
    sentence = raised.value.sentence
    assert "read-only" in sentence and "could not be removed" in sentence
    assert path.name in sentence and "saved" not in sentence
    assert raised.value.remedy
    assert store.load(PAGE, CONNECTION) is not None  # still there, offered again


def test_a_draft_over_the_size_cap_is_never_written(
    store: DraftStore, monkeypatch: pytest.MonkeyPatch
) -> None:
    store.save(make_draft(body_markdown="old text\n"))
    monkeypatch.setattr(drafts_module, "DRAFT_MAX_BYTES", 2048)
    with pytest.raises(DraftWriteError, match="larger than"):
        store.save(make_draft(body_markdown="x" * 4096))
    monkeypatch.undo()
    kept = store.load(PAGE, CONNECTION)
    assert kept is not None and kept.body_markdown == "old text\n"


def test_from_json_refuses_a_boolean_version_and_names_a_newer_one() -> None:
    data = json.loads(make_draft().to_json())
    with pytest.raises(ValueError, match="version True"):
        Draft.from_json(json.dumps({**data, "version": True}))
    with pytest.raises(NewerDraftError, match="newer"):
        Draft.from_json(json.dumps({**data, "version": DRAFT_VERSION + 1}))


# ---- matches_server: is the draft's content already what the server holds? ----------------

SERVER_PROPERTIES = {
    "Name": {
        "id": "title",
        "type": "title",
        "title": [
            {
                "type": "text",
                "text": {"content": "Plan 🚀", "link": None},
                "annotations": {"bold": True},
                "plain_text": "Plan 🚀",
            }
        ],
    },
    "Estimate": {"id": "e", "type": "number", "number": 8},
    "Done": {"id": "d", "type": "checkbox", "checkbox": True},
    "Status": {"id": "s", "type": "status", "status": {"id": "1", "name": "Done"}},
}
SERVER_BODY = "Hello, world 👩‍👩‍👧\n"


def server_draft(**changes: object) -> Draft:
    values: dict[str, object] = {
        "properties": {
            "Estimate": {"number": 8},
            "Done": {"checkbox": True},
            "Name": {"title": [{"text": {"content": "Plan 🚀"}}]},
            "Status": {"status": {"name": "Done"}},
        },
        "property_inputs": {"Estimate": "8", "Done": True, "Name": "Plan 🚀", "Status": "Done"},
        "body_markdown": SERVER_BODY,
    }
    values.update(changes)
    return make_draft(PAGE, **values)


def test_a_draft_equal_to_the_server_matches_it() -> None:
    assert server_draft().matches_server(SERVER_PROPERTIES, SERVER_BODY)
    # Only what the draft edited is compared: other properties and an untouched body do not
    # matter, and a draft with nothing in it has nothing the server lacks.
    assert server_draft(body_markdown=None).matches_server(SERVER_PROPERTIES, "other\n")
    assert server_draft(body_markdown=None).matches_server(SERVER_PROPERTIES, None)
    empty = make_draft(properties={}, property_inputs={}, body_markdown=None)
    assert empty.matches_server({}, None)


@pytest.mark.parametrize(
    "changes",
    [
        {"body_markdown": SERVER_BODY + "more\n"},
        {"body_markdown": SERVER_BODY.rstrip("\n")},
        {"properties": {"Estimate": {"number": 9}}, "property_inputs": {"Estimate": "9"}},
        {"properties": {"Done": {"checkbox": False}}, "property_inputs": {"Done": False}},
        {"properties": {"Name": {"title": [{"text": {"content": "Plan"}}]}}},
        {"properties": {"Status": {"status": {"name": "Doing"}}}},
        # Typed but not valid yet: the server cannot hold it.
        {"properties": {}, "property_inputs": {"Estimate": "8,5"}},
        # A property the page no longer has.
        {"properties": {"Gone": {"number": 1}}, "property_inputs": {"Gone": "1"}},
        # Shapes the comparison does not know are offered, not guessed at.
        {"properties": {"Estimate": {"number": "eight"}}, "property_inputs": {}},
        {"properties": {"Estimate": {}}, "property_inputs": {}},
        {"properties": {"Estimate": {"number": 8, "extra": 1}}, "property_inputs": {}},
    ],
)
def test_a_draft_with_anything_the_server_lacks_does_not_match(changes: dict[str, object]) -> None:
    assert not server_draft(**changes).matches_server(SERVER_PROPERTIES, SERVER_BODY)


def test_an_edited_body_never_matches_an_unknown_one() -> None:
    assert not server_draft().matches_server(SERVER_PROPERTIES, None)


def test_matches_server_compares_values_as_the_save_does() -> None:
    # '8' typed as 8.0, a date written with another offset: the same value to Notion.
    server = {
        "Estimate": {"type": "number", "number": 8},
        "Due": {"type": "date", "date": {"start": "2025-04-01T10:00:00.000+00:00", "end": None}},
    }
    draft = make_draft(
        properties={"Estimate": {"number": 8.0}, "Due": {"date": {"start": "2025-04-01T10:00Z"}}},
        property_inputs={},
        body_markdown=None,
    )
    assert draft.matches_server(server, None)
    # The server's value restricted to the request's keys is enough on its own.
    assert make_draft(
        properties={"Custom": {"weird": [1, {"a": 2}]}}, property_inputs={}, body_markdown=None
    ).matches_server({"Custom": {"type": "weird", "weird": [1, {"a": 2}], "id": "x"}}, None)
