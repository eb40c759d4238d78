"""What `page export` remembers for `page import`'s conflict check: the exported body's hash.

One small JSON file per (Alloy, connection, page) in the state dir's `exports/` (0600, written
atomically). An import compares Notion's current body with it: if someone changed the page since
the export, nothing is written unless `--force`. A missing or unreadable record means no check."""

from __future__ import annotations

import hashlib
import json
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Final

from alloy_tui.config import atomic_write_text

_UNSAFE: Final = re.compile(r"[^A-Za-z0-9_-]")
MAX_RECORD_BYTES: Final = 64 * 1024


@dataclass(frozen=True)
class ExportRecord:
    body_hash: str
    exported_at: str


class ExportRecords:
    """The export records of one Alloy origin and connection."""

    def __init__(self, directory: Path, *, origin: str, connection_id: str) -> None:
        self.directory = directory
        self.origin = origin
        self.connection_id = connection_id

    def path_for(self, page_id: str) -> Path:
        digest = hashlib.sha256(
            f"{self.origin}\0{self.connection_id}\0{page_id}".encode()
        ).hexdigest()[:12]
        page = _UNSAFE.sub("", page_id.replace("-", ""))[:32] or "page"
        return self.directory / f"{page}.{digest}.json"

    def load(self, page_id: str) -> ExportRecord | None:
        """The last export of this page, or None (never exported here, or unreadable)."""
        path = self.path_for(page_id)
        try:
            if path.stat().st_size > MAX_RECORD_BYTES:
                return None
            data = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return None
        if not isinstance(data, dict) or data.get("page_id") != page_id:
            return None
        body_hash, when = data.get("body_hash"), data.get("exported_at")
        if not isinstance(body_hash, str) or not isinstance(when, str):
            return None
        return ExportRecord(body_hash, when)

    def save(self, page_id: str, body_hash: str) -> bool:
        """Remember the body just exported (or just imported); False if it could not be written
        (then the next import has no conflict check)."""
        record = {
            "page_id": page_id,
            "connection_id": self.connection_id,
            "origin": self.origin,
            "body_hash": body_hash,
            "exported_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        try:
            atomic_write_text(self.path_for(page_id), json.dumps(record, indent=2) + "\n")
        except OSError:
            return False
        return True


__all__ = ["ExportRecord", "ExportRecords"]
