"""The draft journal: unsaved page edits kept on disk (atomic, 0600) until the server has them."""

from __future__ import annotations

import contextlib
import errno
import hashlib
import json
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import asdict, dataclass, field, fields, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

from alloy_tui.config import FileRefused, read_bounded
from alloy_tui.notion.values import same_value

DRAFT_VERSION: Final = 1
"""Written into every draft; a file with a later version is reported, never misread."""

DRAFT_MAX_BYTES: Final = 16 * 1024 * 1024
"""A draft file larger than this is not read (it is moved aside), and none is written."""
DRAFT_MAX_DEPTH: Final = 64
"""JSON nesting a draft may have; real ones stay under ten levels."""

_SUFFIX: Final = ".json"
_CORRUPT: Final = ".corrupt"
_UNSAFE: Final = re.compile(r"[^A-Za-z0-9_-]+")
_KEPT: Final = ".kept-"
# Read errors that mean "this file cannot be read by us", not "something is briefly wrong".
_UNREADABLE_ERRNOS: Final = frozenset({errno.EACCES, errno.EPERM, errno.ELOOP, errno.EISDIR})


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

    def matches_server(self, properties: Mapping[str, Any], body_markdown: str | None) -> bool:
        """True when everything this draft holds is already what the server has, so there is
        no unsaved work in it to offer back (a save would send nothing).

        `properties` is the page's current `properties` as the server returns them (response
        form: `{"Estimate": {"id": ..., "type": "number", "number": 8}, ...}`);
        `body_markdown` is the current body as Markdown, as the body editor would load it
        (None if it is not known).

        - The body matches when the draft did not edit it (`body_markdown` None), or when its
          text is exactly the server's; an edited body never matches an unknown one.
        - Each request value in `properties` must mean the same as the server's value of that
          property (the save path's comparison, `same_value`: '8' and 8.0 match, a title
          compares its text), or equal the server's value restricted to the request's keys.
        - A property typed but not valid yet (in `property_inputs` without a request value)
          never matches: the server cannot hold it.
        A value of an unexpected shape counts as not matching, so the draft is offered."""
        if self.body_markdown is not None and (
            body_markdown is None or self.body_markdown != body_markdown
        ):
            return False
        if any(name not in self.properties for name in self.property_inputs):
            return False
        return all(
            _same_property(request, properties.get(name))
            for name, request in self.properties.items()
        )

    @classmethod
    def from_json(cls, text: str) -> Draft:
        """Parse a draft file; ValueError (with the reason) for anything that is not one,
        including JSON too deeply nested to parse."""
        try:
            data = json.loads(text)
        except json.JSONDecodeError as error:
            raise ValueError(f"not valid JSON ({error})") from error
        except (RecursionError, MemoryError) as error:
            raise ValueError("not a draft: its JSON is nested too deeply to read") from error
        if not isinstance(data, dict):
            raise ValueError("not a JSON object")
        if _too_deep(data, DRAFT_MAX_DEPTH):
            raise ValueError(f"not a draft: nested more than {DRAFT_MAX_DEPTH} levels deep")
        version = data.get("version")
        if not isinstance(version, int) or isinstance(version, bool) or version < 1:
            raise ValueError(f"unknown draft version {version!r}")
        if version > DRAFT_VERSION:
            raise NewerDraftError(f"unknown draft version {version!r}, from a newer alloy-tui")
        known = {f.name for f in fields(cls)}
        values = {k: v for k, v in data.items() if k in known}
        for name in ("page_id", "connection_id", "base_url", "title", "base_properties_hash"):
            if not isinstance(values.get(name), str):
                raise ValueError(f"{name} is missing or not text")
        for name in ("properties", "property_inputs", "base_properties"):
            if not isinstance(values.get(name, {}), dict):
                raise ValueError(f"{name} is not an object")
        for name, request in values.get("properties", {}).items():
            if not isinstance(request, dict):
                raise ValueError(f"the value of the property {name!r} is not an object")
        for name in ("created", "updated", "kept"):
            if not isinstance(values.get(name, ""), str):
                raise ValueError(f"{name} is not text")
        for name in ("body_markdown", "base_markdown", "base_body_hash"):
            if values.get(name) is not None and not isinstance(values[name], str):
                raise ValueError(f"{name} is not text")
        return cls(**values)


def _same_property(request: Any, server: Any) -> bool:
    """A draft's request value ({<type>: value}) against the server's value of the property."""
    if not isinstance(request, Mapping) or len(request) != 1:
        return False
    current = server if isinstance(server, Mapping) else {}
    if all(key in current and current[key] == value for key, value in request.items()):
        return True
    kind = next(iter(request))
    try:
        return same_value(str(kind), current.get(kind), request[kind])
    except Exception:  # a value of a shape the comparison does not know: offer the draft
        return False


def _too_deep(value: Any, limit: int) -> bool:
    """True when lists and objects nest more than `limit` levels (checked without recursion)."""
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > limit:
            return True
        if isinstance(item, dict):
            stack.extend((child, depth + 1) for child in item.values())
        elif isinstance(item, list):
            stack.extend((child, depth + 1) for child in item)
    return False


class NewerDraftError(ValueError):
    """A draft written by a newer alloy-tui: not misread, not moved; that version reads it."""


class _Unreadable(Exception):
    """A draft file that is not a draft this version can read; `corrupt` False for one that
    is only newer than this version (left in place for that version)."""

    def __init__(self, reason: str, *, corrupt: bool = True) -> None:
        super().__init__(reason)
        self.reason = reason
        self.corrupt = corrupt


def _read_draft(path: Path) -> Draft:
    """The draft in `path`, read safely: a regular file (no symlink, FIFO or device), at most
    DRAFT_MAX_BYTES, UTF-8 JSON of the right shape. FileNotFoundError if it is gone;
    _Unreadable for anything else; other OSErrors (a transient I/O problem) as they come."""
    try:
        data = read_bounded(path, DRAFT_MAX_BYTES, follow_symlinks=False)
    except FileRefused as error:
        raise _Unreadable(f"it {error.reason}") from error
    except FileNotFoundError:
        raise
    except OSError as error:
        if error.errno in _UNREADABLE_ERRNOS:
            raise _Unreadable(error.strerror or type(error).__name__) from error
        raise
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as error:
        raise _Unreadable("it is not UTF-8 text") from error
    try:
        return Draft.from_json(text)
    except NewerDraftError as error:
        raise _Unreadable(str(error), corrupt=False) from error
    except (ValueError, TypeError) as error:
        raise _Unreadable(str(error) or type(error).__name__) from error


@dataclass(frozen=True)
class CorruptDraft:
    """A file in the drafts folder that could not be read as a draft. It is never deleted:
    `moved_to` is where it was moved aside (`<name>.corrupt`), so it is reported only once;
    None when it was left in place (a draft of a newer version, or the move failed)."""

    path: Path
    reason: str
    moved_to: Path | None = None
    move_error: str = ""

    @property
    def sentence(self) -> str:
        """One sentence for the user: which file, why, and where it is now."""
        said = f"The draft file {self.path} could not be read ({self.reason})"
        if self.moved_to is not None:
            return f"{said}; it was moved aside to {self.moved_to.name} and nothing was lost."
        if self.move_error:
            return f"{said}, and it could not be moved aside ({self.move_error})."
        return f"{said}; it was left as it is."


class DraftWriteError(OSError):
    """A draft could not be written or removed; `sentence` says why, `remedy` what to do.
    The previous draft file is left as it was."""

    def __init__(self, sentence: str, remedy: str, *, cause: OSError | None = None) -> None:
        super().__init__(cause.errno if cause else errno.EIO, sentence)
        self.sentence = sentence
        self.remedy = remedy

    def __str__(self) -> str:
        return self.sentence


def _remove_error(error: OSError, folder: Path, target: Path) -> DraftWriteError:
    if error.errno in (errno.EACCES, errno.EPERM, errno.EROFS):
        return DraftWriteError(
            f"The drafts folder {folder} is read-only: the draft {target.name} could not be "
            "removed.",
            "Make the folder writable; until then the draft stays on disk and is offered again.",
            cause=error,
        )
    reason = error.strerror or type(error).__name__
    return DraftWriteError(
        f"The draft {target} could not be removed ({reason}).",
        "It stays on disk and is offered again; you can delete it by hand.",
        cause=error,
    )


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
        data = text.encode("utf-8")
        if len(data) > DRAFT_MAX_BYTES:
            # Never written: the reader would refuse it at the next start.
            raise DraftWriteError(
                f"This draft is larger than {DRAFT_MAX_BYTES // (1024 * 1024)} MB, too large "
                f"to keep in {self.directory}.",
                "Your edit is still on screen; save it with Ctrl+S.",
            )
        self._ensure_directory()
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
            raise _remove_error(error, self.directory, target) from error
        _fsync_directory(self.directory)
        return True

    # ---- reading -----------------------------------------------------------------------

    def _read(self, path: Path) -> Draft | None:
        """The draft in `path`; None if it is gone or cannot be read. An unreadable file is
        reported in `problems` and, unless it is only of a newer version, moved aside."""
        try:
            return _read_draft(path)
        except FileNotFoundError:
            return None
        except _Unreadable as error:
            if error.corrupt:
                self.problems.append(self._move_aside(path, error.reason))
            else:
                self.problems.append(CorruptDraft(path, error.reason))
        except OSError as error:
            self.problems.append(CorruptDraft(path, error.strerror or type(error).__name__))
        return None

    def _move_aside(self, path: Path, reason: str) -> CorruptDraft:
        """Rename an unreadable draft file to `<name>.corrupt` (`<name>.2.corrupt`, ... if
        taken): kept for the user, out of the way of every later start."""
        target = path.with_name(path.name + _CORRUPT)
        counter = 1
        while os.path.lexists(target):
            counter += 1
            target = path.with_name(f"{path.name}.{counter}{_CORRUPT}")
        try:
            os.rename(path, target)
        except FileNotFoundError:
            return CorruptDraft(path, reason, move_error="it was removed meanwhile")
        except OSError as error:
            return CorruptDraft(path, reason, move_error=error.strerror or type(error).__name__)
        _fsync_directory(self.directory)
        return CorruptDraft(path, reason, moved_to=target)

    def load(self, page_id: str, connection_id: str, kept: str = "") -> Draft | None:
        """The page's live draft (or with `kept` that kept copy), or None if there is none or it
        cannot be read (then reported in `problems` and moved aside)."""
        draft = self._read(self.path_for(page_id, connection_id, kept))
        if draft is None:
            return None
        if (draft.page_id, draft.connection_id, draft.kept) != (page_id, connection_id, kept):
            return None
        return draft

    def kept_copies(self, page_id: str, connection_id: str) -> list[Draft]:
        """The page's kept copies, newest first (unreadable ones reported in `problems` and
        moved aside)."""
        pattern = f"{self._stem(page_id, connection_id)}{_KEPT}*{_SUFFIX}"
        try:
            paths = sorted(self.directory.glob(pattern))
        except OSError as error:
            self.problems.append(CorruptDraft(self.directory, str(error)))
            return []
        copies: list[Draft] = []
        for path in paths:
            draft = self._read(path)
            if draft is None:
                continue
            if draft.kept and (draft.page_id, draft.connection_id) == (page_id, connection_id):
                copies.append(draft)
        copies.sort(key=lambda d: (d.kept, d.updated), reverse=True)
        return copies

    def list(self) -> list[Draft]:
        """Every readable draft, newest first. Unreadable files are reported in `problems`
        and moved aside to `<name>.corrupt` (never deleted), so each is reported once; a
        draft of a newer version is reported and left in place."""
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
            draft = self._read(path)
            if draft is not None:
                drafts.append(draft)
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
    "DRAFT_MAX_BYTES",
    "DRAFT_VERSION",
    "CorruptDraft",
    "Draft",
    "DraftStore",
    "DraftWriteError",
    "NewerDraftError",
]
