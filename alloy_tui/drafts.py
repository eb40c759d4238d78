"""The draft journal: unsaved page edits kept on disk (atomic, 0600) until the server has them."""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import re
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

DRAFT_VERSION: Final = 1
"""Written into every draft; a file with a later version is reported, never misread."""

_SUFFIX: Final = ".json"
_UNSAFE: Final = re.compile(r"[^A-Za-z0-9_-]+")
_KEPT: Final = ".kept-"


def _now() -> datetime:
    return datetime.now(UTC)


def _iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")


def _compact(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y%m%dT%H%M%SZ")


@dataclass(frozen=True)
class Draft:
    """One page's unsaved edit and the server version it started from.

    `properties` are request values by property name (what a save would send);
    `property_inputs` are the editors' raw values, so text that does not validate yet (a
    half-typed number or date) comes back exactly as typed. `base_properties` are the page's
    property values when the edit started: the conflict check and the "old value" column read
    them. `body_markdown` is None when the body was not edited.

    `kept` is empty for a page's live draft (the one its editor journals to). A kept copy
    (`kept` = when it was set aside) is an earlier version moved out of the editor's way, at a
    conflict's "reload" or when a new edit started over it: it is never overwritten, only
    opened (it then becomes the live draft) or discarded by the user."""

    page_id: str
    connection_id: str
    base_url: str
    title: str
    base_properties_hash: str
    base_body_hash: str | None = None
    base_markdown: str | None = None
    properties: dict[str, Any] = field(default_factory=dict)
    property_inputs: dict[str, Any] = field(default_factory=dict)
    base_properties: dict[str, Any] = field(default_factory=dict)
    body_markdown: str | None = None
    created: str = ""
    updated: str = ""
    version: int = DRAFT_VERSION
    kept: str = ""

    @property
    def key(self) -> str:
        """Unique per draft: one live draft per (connection, page), plus its kept copies."""
        base = f"{self.connection_id}:{self.page_id}"
        return f"{base}:kept-{self.kept}" if self.kept else base

    @property
    def body_changed(self) -> bool:
        return self.body_markdown is not None and self.body_markdown != (self.base_markdown or "")

    @property
    def changed_properties(self) -> list[str]:
        return sorted(set(self.properties) | set(self.property_inputs))

    @property
    def is_empty(self) -> bool:
        return not self.body_changed and not self.changed_properties

    def summary(self) -> str:
        """What changed, in a few words: 'body · Estimate, Priority'."""
        parts: list[str] = []
        if self.body_changed:
            parts.append("body")
        names = self.changed_properties
        if names:
            shown = ", ".join(names[:4])
            parts.append(shown + (f" +{len(names) - 4}" if len(names) > 4 else ""))
        return " · ".join(parts) or "no changes"

    def updated_at(self) -> datetime | None:
        try:
            moment = datetime.fromisoformat(self.updated.replace("Z", "+00:00"))
        except ValueError:
            return None
        return moment if moment.tzinfo else moment.replace(tzinfo=UTC)

    def to_json(self) -> str:
        return json.dumps(asdict(self), ensure_ascii=False, indent=2, sort_keys=True) + "\n"

    @classmethod
    def from_json(cls, text: str) -> Draft:
        """Parse a draft file; ValueError (with the reason) for anything that is not one."""
        data = json.loads(text)
        if not isinstance(data, dict):
            raise ValueError("not a JSON object")
        version = data.get("version")
        if not isinstance(version, int) or version > DRAFT_VERSION or version < 1:
            raise ValueError(f"unknown draft version {version!r}")
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        for name in ("page_id", "connection_id", "base_url", "title", "base_properties_hash"):
            if not isinstance(values.get(name), str):
                raise ValueError(f"{name} is missing or not text")
        for name in ("properties", "property_inputs", "base_properties"):
            if not isinstance(values.get(name, {}), dict):
                raise ValueError(f"{name} is not an object")
        for name in ("created", "updated", "kept"):
            if not isinstance(values.get(name, ""), str):
                raise ValueError(f"{name} is not text")
        for name in ("body_markdown", "base_markdown", "base_body_hash"):
            if values.get(name) is not None and not isinstance(values[name], str):
                raise ValueError(f"{name} is not text")
        return cls(**values)


@dataclass(frozen=True)
class CorruptDraft:
    """A file in the drafts folder that could not be read as a draft (kept, not deleted)."""

    path: Path
    reason: str


class DraftWriteError(OSError):
    """A draft could not be written or removed; `sentence` says why, `remedy` what to do.
    The previous draft file is left as it was."""

    def __init__(self, sentence: str, remedy: str, *, cause: OSError | None = None) -> None:
        super().__init__(cause.errno if cause else errno.EIO, sentence)
        self.sentence = sentence
        self.remedy = remedy

    def __str__(self) -> str:
        return self.sentence


def _write_error(error: OSError, folder: Path) -> DraftWriteError:
    if error.errno in (errno.ENOSPC, errno.EDQUOT):
        return DraftWriteError(
            f"The disk holding {folder} is full: your draft could not be saved.",
            "Free some space; your edit is still on screen, save it with Ctrl+S.",
            cause=error,
        )
    if error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return DraftWriteError(
            f"The drafts folder {folder} is read-only: your draft could not be saved.",
            "Make the folder writable; your edit is still on screen, save it with Ctrl+S.",
            cause=error,
        )
    reason = error.strerror or type(error).__name__
    return DraftWriteError(
        f"Your draft could not be written to {folder} ({reason}).",
        "Your edit is still on screen; save it with Ctrl+S.",
        cause=error,
    )


class DraftStore:
    """Drafts as one JSON file per (connection, page) in `directory` (created 0700).

    Every write is atomic (a 0600 temp file in the same folder, fsync, os.replace, fsync of the
    folder), so a crash leaves either the previous draft or the new one, never half of one."""

    def __init__(self, directory: Path, *, clock: Callable[[], datetime] = _now) -> None:
        self.directory = directory
        self.clock = clock
        self.problems: list[CorruptDraft] = []
        """Files the last `list()` could not read (left in place)."""

    def _stem(self, page_id: str, connection_id: str) -> str:
        page = _UNSAFE.sub("", page_id.replace("-", "").lower())[:32] or "page"
        digest = hashlib.sha256(f"{connection_id}\0{page_id}".encode()).hexdigest()[:8]
        connection = _UNSAFE.sub("_", connection_id)[:40]
        return f"{page}.{connection}.{digest}"

    def path_for(self, page_id: str, connection_id: str, kept: str = "") -> Path:
        """The live draft's file, or with `kept` the file of that kept copy."""
        stem = self._stem(page_id, connection_id)
        if kept:
            return self.directory / f"{stem}{_KEPT}{_UNSAFE.sub('_', kept)[:40]}{_SUFFIX}"
        return self.directory / f"{stem}{_SUFFIX}"

    # ---- writing -----------------------------------------------------------------------

    def save(self, draft: Draft) -> Draft:
        """Write `draft` (stamped with the time; `created` kept from the first save) and return
        what was written. DraftWriteError if the folder is read-only or full: the old file stays."""
        now = _iso(self.clock())
        stamped = replace(draft, created=draft.created or now, updated=now, version=DRAFT_VERSION)
        self._write(
            self.path_for(draft.page_id, draft.connection_id, draft.kept), stamped.to_json()
        )
        return stamped

    def set_aside(self, page_id: str, connection_id: str) -> Draft | None:
        """Move the page's live draft out of the way as a kept copy and return the copy (None
        if there was no draft, or one with nothing in it).

        The copy is written before the live file is removed: DraftWriteError leaves the live
        draft as it was, so the caller can refuse whatever would have replaced it. A live file
        that cannot be read is renamed as it is (still reported by `list`, never overwritten)."""
        live = self.path_for(page_id, connection_id)
        if not live.exists():
            return None
        draft = self.load(page_id, connection_id)
        stamp = _compact(self.clock())
        kept, counter = stamp, 1
        while self.path_for(page_id, connection_id, kept).exists():
            counter += 1
            kept = f"{stamp}-{counter}"
        target = self.path_for(page_id, connection_id, kept)
        if draft is None:
            try:
                os.rename(live, target)
            except FileNotFoundError:
                return None
            except OSError as error:
                raise _write_error(error, self.directory) from error
            _fsync_directory(self.directory)
            return None
        if draft.is_empty:
            return None
        # The copy keeps its timestamps: the list shows when that edit was made.
        copy = replace(draft, kept=kept)
        self._write(target, copy.to_json())
        self.discard(page_id, connection_id)
        return copy

    def _ensure_directory(self) -> None:
        try:
            self.directory.mkdir(parents=True, exist_ok=True, mode=0o700)
        except OSError as error:
            raise _write_error(error, self.directory) from error

    def _write(self, target: Path, text: str) -> None:
        self._ensure_directory()
        data = text.encode("utf-8")
        tmp = target.with_name(f".{target.name}.{os.getpid()}.tmp")
        try:
            # The mode is set at creation: the text never sits in a file others can read.
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
        except OSError as error:
            raise _write_error(error, self.directory) from error
        try:
            try:
                view = memoryview(data)
                while view:
                    written = os.write(fd, view)
                    view = view[written:]
                os.fsync(fd)
            finally:
                os.close(fd)
            os.replace(tmp, target)
        except OSError as error:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise _write_error(error, self.directory) from error
        _fsync_directory(self.directory)

    def discard(self, page_id: str, connection_id: str, kept: str = "") -> bool:
        """Remove a page's live draft (only once the server confirmed the save, or the user
        asked), or with `kept` that kept copy. True if there was one; DraftWriteError if it
        could not be removed."""
        target = self.path_for(page_id, connection_id, kept)
        try:
            target.unlink()
        except FileNotFoundError:
            return False
        except OSError as error:
            raise _write_error(error, self.directory) from error
        _fsync_directory(self.directory)
        return True

    # ---- reading -----------------------------------------------------------------------

    def load(self, page_id: str, connection_id: str, kept: str = "") -> Draft | None:
        """The page's live draft (or with `kept` that kept copy), or None if there is none or it
        cannot be read (then reported in `problems`)."""
        target = self.path_for(page_id, connection_id, kept)
        try:
            text = target.read_text(encoding="utf-8")
        except FileNotFoundError:
            return None
        except (OSError, UnicodeDecodeError) as error:
            self.problems.append(CorruptDraft(target, str(error)))
            return None
        try:
            draft = Draft.from_json(text)
        except (ValueError, TypeError) as error:
            self.problems.append(CorruptDraft(target, str(error)))
            return None
        if (draft.page_id, draft.connection_id, draft.kept) != (page_id, connection_id, kept):
            return None
        return draft

    def kept_copies(self, page_id: str, connection_id: str) -> list[Draft]:
        """The page's kept copies, newest first (unreadable ones reported in `problems`)."""
        pattern = f"{self._stem(page_id, connection_id)}{_KEPT}*{_SUFFIX}"
        try:
            paths = sorted(self.directory.glob(pattern))
        except OSError as error:
            self.problems.append(CorruptDraft(self.directory, str(error)))
            return []
        copies: list[Draft] = []
        for path in paths:
            try:
                draft = Draft.from_json(path.read_text(encoding="utf-8"))
            except (OSError, UnicodeDecodeError, ValueError, TypeError) as error:
                self.problems.append(CorruptDraft(path, str(error) or type(error).__name__))
                continue
            if draft.kept and (draft.page_id, draft.connection_id) == (page_id, connection_id):
                copies.append(draft)
        copies.sort(key=lambda d: (d.kept, d.updated), reverse=True)
        return copies

    def list(self) -> list[Draft]:
        """Every readable draft, newest first; unreadable files are reported in `problems`."""
        self.problems = []
        try:
            paths = sorted(self.directory.glob(f"*{_SUFFIX}"))
        except OSError as error:
            self.problems.append(CorruptDraft(self.directory, str(error)))
            return []
        drafts: list[Draft] = []
        for path in paths:
            if path.name.startswith("."):
                continue  # a temp file left by a crash mid-write: the real draft is intact
            try:
                drafts.append(Draft.from_json(path.read_text(encoding="utf-8")))
            except (OSError, UnicodeDecodeError, ValueError, TypeError) as error:
                self.problems.append(CorruptDraft(path, str(error) or type(error).__name__))
        drafts.sort(key=lambda d: (d.updated, d.created, d.page_id), reverse=True)
        return drafts

    def find(self, page_id: str, connection_id: str | None = None) -> Draft | None:
        """The live draft of a page, for a given connection or any."""
        if connection_id is not None:
            return self.load(page_id, connection_id)
        return next((d for d in self.list() if d.page_id == page_id and not d.kept), None)


def _fsync_directory(directory: Path) -> None:
    # Makes the rename durable; some platforms cannot open a directory, which is fine.
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


__all__ = [
    "DRAFT_VERSION",
    "CorruptDraft",
    "Draft",
    "DraftStore",
    "DraftWriteError",
]
