"""Hostile files on disk: draft files and config/.env files that are corrupt, huge, deeply
nested, not UTF-8, symlinks, FIFOs or devices never crash, hang or exhaust memory.

Cases that would block (a FIFO) or read forever (/dev/zero) without the guards run in a child
process with a memory cap and a timeout, so a regression fails the test instead of the run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from alloy_tui.config import (
    CONFIG_MAX_BYTES,
    ConfigError,
    FileRefused,
    load_settings,
    read_bounded,
    read_config_file,
    save_config_values,
)
from alloy_tui.drafts import DRAFT_MAX_BYTES, Draft, DraftStore
from alloy_tui.sandbox.server import SandboxServer
from tests.tui.conftest import SIZE, build_app, wait_until
from tests.tui.pages_helpers import started

PAGE = "1c2b3a4d-5e6f-4a8b-9c0d-1e2f3a4b5c6d"
CONNECTION = "conn-123"
REPO = Path(__file__).resolve().parents[2]
DEEP_JSON = '{"version":1,"x":' + "[" * 100_000
DEEP_TOML = "a = " + "[" * 100_000


def good_draft(**changes: Any) -> Draft:
    values: dict[str, Any] = {
        "page_id": PAGE,
        "connection_id": CONNECTION,
        "base_url": "sandbox",
        "title": "Plan",
        "base_properties_hash": "p" * 64,
        "body_markdown": "Hello\n",
    }
    values.update(changes)
    return Draft(**values)


def run_isolated(code: str, *args: str, cwd: Path = REPO) -> Any:
    """Run `code` in a fresh interpreter capped at 1 GB of address space and 60 s (with this
    process's environment, so the isolated XDG folders)."""
    prelude = "import resource\nresource.setrlimit(resource.RLIMIT_AS, (1 << 30, 1 << 30))\n"
    return subprocess.run(
        [sys.executable, "-c", prelude + textwrap.dedent(code), *args],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=cwd,
        check=False,
    )


# ---- the bounded reader -----------------------------------------------------------------


def test_read_bounded_reads_a_small_regular_file(tmp_path: Path) -> None:
    path = tmp_path / "f"
    path.write_bytes(b"12345")
    assert read_bounded(path, 5) == b"12345"
    with pytest.raises(FileRefused, match="more than the 4 bytes limit"):
        read_bounded(path, 4)
    with pytest.raises(FileNotFoundError):
        read_bounded(tmp_path / "missing", 5)


def test_read_bounded_refuses_fifos_devices_folders_and_unwanted_symlinks(
    tmp_path: Path,
) -> None:
    fifo = tmp_path / "fifo"
    os.mkfifo(fifo)
    zero = tmp_path / "zero"
    zero.symlink_to("/dev/zero")
    link = tmp_path / "link"
    (tmp_path / "target").write_text("ok")
    link.symlink_to(tmp_path / "target")
    with pytest.raises(FileRefused, match="named pipe"):
        read_bounded(fifo, 10)
    with pytest.raises(FileRefused, match="device"):
        read_bounded(zero, 10)
    with pytest.raises(FileRefused, match="folder"):
        read_bounded(tmp_path, 10)
    with pytest.raises(FileRefused, match="symbolic link"):
        read_bounded(link, 10, follow_symlinks=False)
    assert read_bounded(link, 10) == b"ok"  # followed when allowed (dotfile managers)


# ---- drafts -----------------------------------------------------------------------------


def _deep(path: Path) -> None:
    path.write_text(DEEP_JSON, encoding="utf-8")


def _invalid_utf8(path: Path) -> None:
    path.write_bytes(good_draft().to_json().encode().replace(b"Plan", b"Pl\xff\xfe"))


def _binary(path: Path) -> None:
    path.write_bytes(bytes(range(256)) * 64)


def _not_an_object(path: Path) -> None:
    path.write_text("[1, 2, 3]", encoding="utf-8")


def _wrong_types(path: Path) -> None:
    data = json.loads(good_draft().to_json())
    data["page_id"] = 5
    path.write_text(json.dumps(data), encoding="utf-8")


def _property_not_an_object(path: Path) -> None:
    data = json.loads(good_draft().to_json())
    data["properties"] = {"Estimate": [8]}
    path.write_text(json.dumps(data), encoding="utf-8")


def _nested_500(path: Path) -> None:
    # Valid JSON the parser takes, but deep enough to break writing it back (asdict recurses).
    data = json.loads(good_draft().to_json())
    data["properties"] = {"Notes": {"rich_text": json.loads("[" * 500 + "]" * 500)}}
    path.write_text(json.dumps(data), encoding="utf-8")


def _over_the_cap(path: Path) -> None:
    # A valid draft padded with whitespace past the cap: refused for its size alone.
    text = good_draft().to_json()
    path.write_text(text + " " * (DRAFT_MAX_BYTES + 1 - len(text)), encoding="utf-8")


def _symlink_to_a_draft(path: Path) -> None:
    elsewhere = path.parent.parent / "elsewhere.json"
    elsewhere.write_text(good_draft().to_json(), encoding="utf-8")
    path.symlink_to(elsewhere)


SAFE_KINDS: dict[str, Callable[[Path], None]] = {
    "deep nesting": _deep,
    "invalid UTF-8": _invalid_utf8,
    "binary garbage": _binary,
    "not an object": _not_an_object,
    "wrong types": _wrong_types,
    "a property value that is not an object": _property_not_an_object,
    "nested 500 levels": _nested_500,
    "over the size cap": _over_the_cap,
    "a symlink": _symlink_to_a_draft,
}
REASONS = {
    "deep nesting": "nested too deeply",
    "invalid UTF-8": "not UTF-8",
    "binary garbage": "not UTF-8",
    "not an object": "not a JSON object",
    "wrong types": "page_id",
    "a property value that is not an object": "Estimate",
    "nested 500 levels": "more than 64 levels",
    "over the size cap": "the 16 MB limit",
    "a symlink": "symbolic link",
}


def _bad_path(store: DraftStore, method: str) -> Path:
    """Where a bad file is seen by `method`: the live draft's name, or a kept copy's."""
    return store.path_for(PAGE, CONNECTION, "20250101T000000Z" if method == "kept" else "")


def _call(store: DraftStore, method: str) -> object:
    if method == "list":
        return store.list()
    if method == "load":
        return store.load(PAGE, CONNECTION)
    return store.kept_copies(PAGE, CONNECTION)


@pytest.mark.parametrize("method", ["list", "load", "kept"])
@pytest.mark.parametrize("kind", list(SAFE_KINDS))
def test_an_unreadable_draft_is_moved_aside_and_reported_once(
    tmp_path: Path, kind: str, method: str
) -> None:
    store = DraftStore(tmp_path / "drafts")
    store.directory.mkdir()
    bad = _bad_path(store, method)
    SAFE_KINDS[kind](bad)
    before = os.lstat(bad)
    assert _call(store, method) in ([], None)
    [problem] = store.problems
    corrupt = bad.with_name(bad.name + ".corrupt")
    assert problem.path == bad and problem.moved_to == corrupt
    assert REASONS[kind] in problem.reason
    assert str(bad) in problem.sentence and "moved aside to" in problem.sentence
    # Moved, not deleted or changed: the same inode under the new name.
    assert not os.path.lexists(bad)
    assert os.lstat(corrupt).st_ino == before.st_ino
    # Reported once: the next look finds nothing to report.
    store.problems = []
    assert _call(store, method) in ([], None)
    assert store.problems == []


def test_a_second_corrupt_file_of_the_same_name_gets_a_counter(tmp_path: Path) -> None:
    store = DraftStore(tmp_path / "drafts")
    store.directory.mkdir()
    live = store.path_for(PAGE, CONNECTION)
    live.write_text("{first", encoding="utf-8")
    store.list()
    live.write_text("{second", encoding="utf-8")
    store.list()
    assert (live.parent / f"{live.name}.corrupt").read_text(encoding="utf-8") == "{first"
    assert (live.parent / f"{live.name}.2.corrupt").read_text(encoding="utf-8") == "{second"
    assert "moved aside to " + f"{live.name}.2.corrupt" in store.problems[0].sentence


def test_a_corrupt_file_that_cannot_be_moved_is_reported_and_left(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    store = DraftStore(tmp_path / "drafts")
    store.directory.mkdir()
    live = store.path_for(PAGE, CONNECTION)
    live.write_text(DEEP_JSON, encoding="utf-8")

    def refuse(*_args: object) -> None:
        raise PermissionError(13, "Permission denied")

    monkeypatch.setattr(os, "rename", refuse)
    assert store.list() == []
    [problem] = store.problems
    assert problem.moved_to is None and "could not be moved aside" in problem.sentence
    assert live.read_text(encoding="utf-8") == DEEP_JSON


def test_a_valid_draft_next_to_corrupt_ones_is_still_listed(tmp_path: Path) -> None:
    store = DraftStore(tmp_path / "drafts")
    saved = store.save(good_draft())
    _deep(store.directory / "deep.json")
    assert store.list() == [saved]
    assert [p.path.name for p in store.problems] == ["deep.json"]


DRAFT_CHILD = """
import json, sys
from pathlib import Path
from alloy_tui.drafts import DraftStore
store = DraftStore(Path(sys.argv[1]))
method, page, connection = sys.argv[2:5]
if method == "list":
    found = [d.key for d in store.list()]
elif method == "load":
    found = store.load(page, connection)
else:
    found = [d.key for d in store.kept_copies(page, connection)]
print(json.dumps({
    "found": found,
    "problems": [[str(p.path), str(p.moved_to), p.reason] for p in store.problems],
}))
"""


@pytest.mark.parametrize("method", ["list", "load", "kept"])
@pytest.mark.parametrize("kind", ["symlink to /dev/zero", "FIFO", "symlink to a FIFO"])
def test_a_draft_that_is_a_device_or_a_fifo_is_never_read(
    tmp_path: Path, kind: str, method: str
) -> None:
    store = DraftStore(tmp_path / "drafts")
    store.directory.mkdir()
    bad = _bad_path(store, method)
    if kind == "symlink to /dev/zero":
        bad.symlink_to("/dev/zero")
    elif kind == "FIFO":
        os.mkfifo(bad)
    else:
        os.mkfifo(tmp_path / "fifo")
        bad.symlink_to(tmp_path / "fifo")
    result = run_isolated(DRAFT_CHILD, str(store.directory), method, PAGE, CONNECTION)
    assert result.returncode == 0, result.stderr
    report = json.loads(result.stdout)
    assert report["found"] in ([], None)
    [[path, moved_to, reason]] = report["problems"]
    assert path == str(bad) and moved_to == f"{bad}.corrupt"
    assert ("symbolic link" if "symlink" in kind else "named pipe") in reason
    assert os.path.lexists(moved_to) and not os.path.lexists(bad)


async def test_the_app_starts_with_a_corrupt_draft_and_reports_it_once(
    sandbox: SandboxServer,
) -> None:
    folder = load_settings(use_cwd_env=False).state_dir / "drafts"
    folder.mkdir(parents=True)
    deep = folder / "deadbeef.conn.12345678.json"
    deep.write_text(DEEP_JSON, encoding="utf-8")
    garbled = folder / "garbled.json"
    garbled.write_bytes(b'{"version": 1, "title": "\xff"}')

    def messages(app: Any) -> list[str]:
        return [str(n.message) for n in app._notifications]

    app = build_app(sandbox)
    async with app.run_test(size=SIZE) as pilot:
        await started(pilot)
        await wait_until(pilot, lambda: any(deep.name in m for m in messages(app)))
        [said] = [m for m in messages(app) if deep.name in m]
        assert "nested too deeply" in said and f"moved aside to {deep.name}.corrupt" in said
        assert any(garbled.name in m and "not UTF-8" in m for m in messages(app))
        assert app.is_running
    assert (folder / f"{deep.name}.corrupt").read_text(encoding="utf-8") == DEEP_JSON
    assert (folder / f"{garbled.name}.corrupt").exists()
    assert not deep.exists() and not garbled.exists()

    again = build_app(sandbox)
    async with again.run_test(size=SIZE) as pilot:
        await started(pilot)
        await wait_until(pilot, lambda: again._drafts_offered)
        await pilot.pause()
        assert not any(".json" in m for m in messages(again))


# ---- config.toml and .env ----------------------------------------------------------------


def _sparse(path: Path, size: int) -> None:
    with path.open("wb") as handle:
        handle.truncate(size)


CONFIG_KINDS: dict[str, tuple[Callable[[Path], object], str]] = {
    "deep nesting": (lambda p: p.write_text(DEEP_TOML, encoding="utf-8"), "nested too deeply"),
    "a huge integer": (lambda p: p.write_text("a = 1" + "0" * 5000), "not valid TOML"),
    "invalid UTF-8": (lambda p: p.write_bytes(b'api_key = "\xff\xfe"\n'), "not UTF-8"),
    "binary garbage": (lambda p: p.write_bytes(bytes(range(256)) * 16), "not UTF-8"),
    "control characters": (lambda p: p.write_bytes(bytes(range(32)) * 16), "not valid TOML"),
    "2 MB": (lambda p: _sparse(p, 2 * CONFIG_MAX_BYTES), "more than the 1 MB limit"),
}


@pytest.mark.parametrize("kind", list(CONFIG_KINDS))
def test_a_hostile_config_file_is_one_config_error(tmp_path: Path, kind: str) -> None:
    make, said = CONFIG_KINDS[kind]
    path = tmp_path / "config.toml"
    make(path)
    before = path.stat()
    with pytest.raises(ConfigError) as caught:
        read_config_file(path)
    assert str(path) in caught.value.sentence and said in caught.value.sentence
    assert caught.value.remedy
    with pytest.raises(ConfigError):
        save_config_values({"connection_id": "x"}, path)
    # The user's file is never moved or rewritten.
    after = path.stat()
    assert (after.st_ino, after.st_size, after.st_mtime_ns) == (
        before.st_ino,
        before.st_size,
        before.st_mtime_ns,
    )


ENV_KINDS: dict[str, tuple[Callable[[Path], object], str]] = {
    "invalid UTF-8": (lambda p: p.write_bytes(b"ALLOY_API_KEY=\xff\n"), "not UTF-8"),
    "2 MB": (lambda p: _sparse(p, 2 * CONFIG_MAX_BYTES), "more than the 1 MB limit"),
    "FIFO": (lambda p: os.mkfifo(p), "named pipe"),
    "symlink to /dev/zero": (lambda p: p.symlink_to("/dev/zero"), "device"),
}


@pytest.mark.parametrize("kind", list(ENV_KINDS))
def test_a_hostile_explicit_env_file_is_one_config_error(tmp_path: Path, kind: str) -> None:
    make, said = ENV_KINDS[kind]
    path = tmp_path / "my.env"
    make(path)
    with pytest.raises(ConfigError) as caught:
        load_settings(env={}, env_file=path, config_path=tmp_path / "none.toml")
    assert str(path) in caught.value.sentence and said in caught.value.sentence


CLI_CHILD = """
import sys
from alloy_tui.cli import main
raise SystemExit(main(sys.argv[1:]))
"""


def _hostile(kind: str, path: Path) -> None:
    if kind == "deep nesting":
        path.write_text(DEEP_TOML, encoding="utf-8")
    elif kind == "binary garbage":
        path.write_bytes(bytes(range(256)) * 16)
    elif kind == "invalid UTF-8":
        path.write_bytes(b'api_key = "\xff"\n')
    elif kind == "symlink to /dev/zero":
        path.symlink_to("/dev/zero")
    elif kind == "FIFO":
        os.mkfifo(path)
    else:
        _sparse(path, 200 * 1024 * 1024)


HOSTILE_CLI = [
    ("deep nesting", "nested too deeply"),
    ("binary garbage", "not UTF-8"),
    ("invalid UTF-8", "not UTF-8"),
    ("symlink to /dev/zero", "is a device, not a regular file"),
    ("FIFO", "is a named pipe (FIFO), not a regular file"),
    ("200 MB", "is 200 MB, more than the 1 MB limit"),
]


@pytest.mark.parametrize(
    ("which", "kind", "said"),
    [("config.toml", *case) for case in HOSTILE_CLI]
    # Nesting means nothing in a .env file.
    + [("--env-file", *case) for case in HOSTILE_CLI if case[0] != "deep nesting"],
)
def test_the_cli_refuses_a_hostile_settings_file_with_one_sentence(
    tmp_path: Path, isolated_dirs: dict[str, Path], kind: str, said: str, which: str
) -> None:
    config = isolated_dirs["config"] / "alloy-tui" / "config.toml"
    config.parent.mkdir(parents=True)
    args = ["connections"]
    if which == "config.toml":
        bad, label = config, "config file"
    else:
        bad, label = tmp_path / "hostile.env", "env file"
        args += ["--env-file", str(bad)]
    _hostile(kind, bad)
    work = tmp_path / "cwd"  # an empty folder: no stray ./.env
    work.mkdir()
    result = run_isolated(CLI_CHILD, *args, cwd=work)
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr
    first = result.stderr.splitlines()[0]
    assert first.startswith(f"error: The {label} {bad} ")
    assert said in first
    assert result.stdout == ""
    if which == "config.toml":
        assert os.path.lexists(config)  # the user's file is left where it is
