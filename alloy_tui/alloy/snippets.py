"""A logged call as code to paste (curl, Python httpx, TypeScript fetch), and the session's calls
exported as JSON Lines; the API key is an environment variable unless the real one is asked for."""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Mapping
from pathlib import Path
from typing import Any, Final, Literal

from alloy_tui.alloy.requestlog import (
    SENSITIVE_HEADERS,
    RequestLog,
    RequestRecord,
    redact,
    redact_url,
    to_curl,
)
from alloy_tui.alloy.secret import Secret

Language = Literal["curl", "httpx", "fetch"]
LANGUAGES: Final[Mapping[Language, str]] = {
    "curl": "curl",
    "httpx": "Python (httpx)",
    "fetch": "TypeScript (fetch)",
}
KEY_VARIABLE: Final = "ALLOY_API_KEY"
_MARK: Final = "\x00ALLOY_API_KEY\x00"
"""Stands for the real key until the very end (the key is put in by one expression)."""
_CURL_AUTH: Final = '"Authorization: Bearer $ALLOY_API_KEY"'
_SKIPPED_HEADERS: Final = frozenset({"user-agent", "content-length"})
"""Left out of the Python and TypeScript snippets: each library sends its own."""
_CUT_BODY: Final = re.compile(r"… \((\d+) more characters\)\Z")


def snippet(record: RequestRecord, language: Language, *, key: Secret | None = None) -> str:
    """The call as `language` code. The key is read from $ALLOY_API_KEY; with `key` (only when
    the user explicitly asked for it) the snippet holds the real key instead."""
    if language == "curl":
        text = to_curl(record)
        if key is None:
            return text
        return text.replace(_CURL_AUTH, f"'Authorization: Bearer {_MARK}'").replace(
            _MARK, _shell_single(key)
        )
    build = _httpx if language == "httpx" else _fetch
    text = build(record, real_key=key is not None)
    return text if key is None else text.replace(_MARK, _string_escape(key))


def _shell_single(key: Secret) -> str:
    """The key inside a single-quoted shell word."""
    return key.reveal().replace("'", "'\"'\"'")


def _string_escape(key: Secret) -> str:
    """The key inside a double-quoted Python or JavaScript string (JSON escapes are both's)."""
    return json.dumps(key.reveal())[1:-1]


def _headers(record: RequestRecord) -> dict[str, str]:
    return {
        name: str(redact(value))
        for name, value in record.request_headers.items()
        if name.lower() not in SENSITIVE_HEADERS and name.lower() not in _SKIPPED_HEADERS
    }


def _body(record: RequestRecord) -> tuple[Any, str | None]:
    """(the body, a note when the log kept only part of it)."""
    body = record.request_body
    if isinstance(body, str):
        cut = _CUT_BODY.search(body)
        if cut is None:
            return body, None
        return (
            body,
            f"the log kept only the first part of this body ({cut.group(1)} characters cut)",
        )
    return redact(body), None


def _py(value: Any, indent: int) -> str:
    """A JSON value as a Python literal (True/False/None, strings as JSON writes them)."""
    pad = " " * indent
    inner = " " * (indent + 4)
    if value is None or isinstance(value, bool):
        return {None: "None", True: "True", False: "False"}[value]
    if isinstance(value, int | float):
        return json.dumps(value)
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, Mapping):
        if not value:
            return "{}"
        items = [
            f"{inner}{json.dumps(str(k), ensure_ascii=False)}: {_py(v, indent + 4)},"
            for k, v in value.items()
        ]
        return "{\n" + "\n".join(items) + f"\n{pad}}}"
    if isinstance(value, list | tuple):
        if not value:
            return "[]"
        items = [f"{inner}{_py(v, indent + 4)}," for v in value]
        return "[\n" + "\n".join(items) + f"\n{pad}]"
    return json.dumps(str(value), ensure_ascii=False)


def _httpx(record: RequestRecord, *, real_key: bool) -> str:
    body, note = _body(record)
    auth = f'"Bearer {_MARK}"' if real_key else f'"Bearer " + os.environ["{KEY_VARIABLE}"]'
    header_lines = [f'        "Authorization": {auth},'] + [
        f"        {json.dumps(name)}: {json.dumps(value, ensure_ascii=False)},"
        for name, value in _headers(record).items()
    ]
    lines = [] if real_key else ["import os", ""]
    lines += ["import httpx", ""]
    if note:
        lines.append(f"# Note: {note}.")
    lines += [
        "response = httpx.request(",
        f"    {json.dumps(record.method)},",
        f"    {json.dumps(redact_url(record.url), ensure_ascii=False)},",
        "    headers={",
        *header_lines,
        "    },",
    ]
    if body is not None:
        if isinstance(body, str):
            lines.append(f"    content={json.dumps(body, ensure_ascii=False)}.encode(),")
        else:
            lines.append(f"    json={_py(body, 4)},")
    lines += [
        "    timeout=60,",
        ")",
        "print(response.status_code)",
        "print(response.text)",
    ]
    return "\n".join(lines) + "\n"


def _fetch(record: RequestRecord, *, real_key: bool) -> str:
    body, note = _body(record)
    auth = f'"Bearer {_MARK}"' if real_key else f"`Bearer ${{process.env.{KEY_VARIABLE}}}`"
    header_lines = [f"    Authorization: {auth},"] + [
        f"    {json.dumps(name)}: {json.dumps(value, ensure_ascii=False)},"
        for name, value in _headers(record).items()
    ]
    lines: list[str] = []
    if note:
        lines.append(f"// Note: {note}.")
    url = json.dumps(redact_url(record.url), ensure_ascii=False)
    lines += [
        f"const response = await fetch({url}, {{",
        f"  method: {json.dumps(record.method)},",
        "  headers: {",
        *header_lines,
        "  },",
    ]
    if body is not None:
        if isinstance(body, str):
            lines.append(f"  body: {json.dumps(body, ensure_ascii=False)},")
        else:
            text = json.dumps(body, indent=2, ensure_ascii=False).replace("\n", "\n  ")
            lines.append(f"  body: JSON.stringify({text}),")
    lines += [
        "});",
        "console.log(response.status);",
        "console.log(await response.text());",
    ]
    return "\n".join(lines) + "\n"


# --- export -------------------------------------------------------------------------------------


def export_entry(record: RequestRecord, log: RequestLog) -> dict[str, Any]:
    """One exported call: everything the inspector shows, redacted (once more, with every secret
    the log knows now)."""
    entry = {
        "id": record.id,
        "started_at": record.started_at.isoformat(),
        "method": record.method,
        "url": record.url,
        "connector": record.connector,
        "action": record.action,
        "connection_id": record.connection_id,
        "status": record.status,
        "latency_ms": None if record.latency_ms is None else round(record.latency_ms, 1),
        "attempts": record.attempts,
        "waited_s": round(record.waited_s, 3),
        "error": record.error,
        "finished": record.finished,
        "request": {"headers": record.request_headers, "body": record.request_body},
        "response": {"body": record.response_body if record.finished else None},
    }
    redacted: dict[str, Any] = log.redact(entry)
    return redacted


def export_jsonl(records: Iterable[RequestRecord], log: RequestLog, path: Path) -> int:
    """Write the calls as JSON Lines to `path` (a new file, 0600: bodies are workspace data);
    returns how many. FileExistsError if it exists, OSError if it cannot be written."""
    lines = [
        json.dumps(export_entry(record, log), ensure_ascii=False, separators=(",", ":"))
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
        .replace("\x85", "\\u0085")  # readers that split on any line break keep one a line
        for record in records
    ]
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="utf-8") as file:
        file.write("".join(line + "\n" for line in lines))
    return len(lines)


__all__ = ["KEY_VARIABLE", "LANGUAGES", "Language", "export_entry", "export_jsonl", "snippet"]
