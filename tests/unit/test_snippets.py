"""Snippets (curl, httpx, fetch) and the JSON Lines export: valid code, and no secret in any of
them unless the real key is asked for."""

from __future__ import annotations

import ast
import json
import shutil
import stat
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest

from alloy_tui.alloy.requestlog import REDACTED, RequestLog, RequestRecord
from alloy_tui.alloy.secret import Secret
from alloy_tui.alloy.snippets import export_jsonl, snippet

KEY = "sk_sandbox_alloy_tui_local_0000000000000000"
CODE = "oauthcode-7f3a9c2e1b4d"
T0 = datetime(2025, 1, 1, tzinfo=UTC)
URL = "http://127.0.0.1:8787/connectors/notion/actions/post-search/execute"
NODE = shutil.which("node")


def _log() -> RequestLog:
    log = RequestLog()
    log.add_secret(Secret(KEY))
    return log


def _record(log: RequestLog, body: Any, *, url: str = URL, answer: Any = None) -> RequestRecord:
    record = log.start(
        "POST",
        url,
        started_at=T0,
        connector="notion",
        action="post-search",
        connection_id="65a1b2c3d4e5f60718293a4b",
        request_json=json.dumps(body, separators=(",", ":")),
        request_headers={
            "Accept": "application/json",
            "User-Agent": "alloy-tui/0",
            "x-api-version": "2025-09",
            "Content-Type": "application/json",
        },
    )
    log.finish(
        record,
        status=200,
        latency_ms=12.5,
        attempts=1,
        waited_s=0.0,
        response_raw=json.dumps(answer or {"ok": True}).encode(),
    )
    return record


def _secret_log() -> tuple[RequestLog, RequestRecord]:
    """A call whose body quotes the key and an OAuth code (by name and inside text)."""
    log = _log()
    log.add_secret(CODE)
    body = {
        "credentialId": "65a1b2c3d4e5f60718293a4b",
        "requestBody": {
            "query": f"key {KEY} and code {CODE}",
            "code": CODE,
            "filter": None,
            "flags": [True, False, 1.5, 'ü \u2028 "quoted" \\ back'],
        },
    }
    return log, _record(log, body, url=f"{URL}?code={CODE}", answer={"echo": KEY})


@pytest.mark.parametrize("language", ["curl", "httpx", "fetch"])
def test_no_secret_in_a_snippet_unless_asked(language: Any) -> None:
    record = _secret_log()[1]
    text = snippet(record, language)
    assert KEY not in text and CODE not in text
    assert REDACTED in text
    with_key = snippet(record, language, key=Secret(KEY))
    assert with_key.count(KEY) == 1  # the key, once, in the Authorization header
    assert CODE not in with_key  # other secrets stay hidden even then
    assert "ALLOY_API_KEY" not in with_key


def test_the_httpx_snippet_is_python_that_sends_the_call(monkeypatch: pytest.MonkeyPatch) -> None:
    record = _secret_log()[1]
    text = snippet(record, "httpx")
    ast.parse(text)
    assert 'os.environ["ALLOY_API_KEY"]' in text
    sent: list[httpx.Request] = []

    def handler(request: httpx.Request) -> httpx.Response:
        sent.append(request)
        return httpx.Response(200, json={"ok": True})

    def request(*args: Any, timeout: float, **kwargs: Any) -> httpx.Response:
        with httpx.Client(transport=httpx.MockTransport(handler), timeout=timeout) as client:
            return client.request(*args, **kwargs)

    printed: list[str] = []
    namespace: dict[str, Any] = {"print": lambda *a: printed.append(" ".join(map(str, a)))}
    monkeypatch.setattr(httpx, "request", request)
    monkeypatch.setenv("ALLOY_API_KEY", "sk_from_env")
    exec(compile(text, "<snippet>", "exec"), namespace)
    (request_sent,) = sent
    assert request_sent.method == "POST"
    assert request_sent.headers["authorization"] == "Bearer sk_from_env"
    assert request_sent.headers["x-api-version"] == "2025-09"
    assert request_sent.url.params["code"] == REDACTED
    assert json.loads(request_sent.content) == record.request_body
    assert printed[0] == "200"


def test_the_httpx_snippet_with_the_key_needs_no_environment() -> None:
    record = _secret_log()[1]
    text = snippet(record, "httpx", key=Secret(KEY))
    tree = ast.parse(text)
    assert "import os" not in text
    assert f'"Bearer {KEY}"' in text
    assert any(isinstance(node, ast.Call) for node in ast.walk(tree))


@pytest.mark.skipif(NODE is None, reason="node is not installed")
@pytest.mark.parametrize("with_key", [False, True])
def test_the_fetch_snippet_is_valid_javascript(tmp_path: Path, with_key: bool) -> None:
    record = _secret_log()[1]
    text = snippet(record, "fetch", key=Secret(KEY) if with_key else None)
    assert ("process.env.ALLOY_API_KEY" in text) is not with_key
    source = tmp_path / "snippet.mjs"  # a module: top-level await is allowed
    source.write_text(text, encoding="utf-8")
    assert NODE is not None
    checked = subprocess.run(
        [NODE, "--check", str(source)], capture_output=True, text=True, timeout=60
    )
    assert checked.returncode == 0, checked.stderr


def test_a_key_with_quotes_stays_inside_its_string() -> None:
    log = _log()
    record = _record(log, {"requestBody": {}})
    odd = Secret("sk_'quote\"back\\slash")
    python = snippet(record, "httpx", key=odd)
    ast.parse(python)
    assert "sk_'quote\\\"back\\\\slash" in python
    curl = snippet(record, "curl", key=odd)
    assert "'Authorization: Bearer sk_'\"'\"'quote\"back\\slash'" in curl


def test_a_body_cut_in_the_log_is_said_in_the_snippet() -> None:
    log = RequestLog(body_cap=50)
    record = _record(log, {"requestBody": {"query": "x" * 200}})
    assert isinstance(record.request_body, str)
    text = snippet(record, "httpx")
    ast.parse(text)
    assert "# Note: the log kept only the first part of this body" in text
    assert "content=" in text
    assert "// Note: the log kept only" in snippet(record, "fetch")


def test_the_export_is_redacted_json_lines(tmp_path: Path) -> None:
    log, record = _secret_log()
    second = _record(log, {"requestBody": {"query": "plain"}})
    path = tmp_path / "deeper" / "calls.jsonl"
    assert export_jsonl(log.records(), log, path) == 2
    text = path.read_text(encoding="utf-8")
    assert KEY not in text and CODE not in text
    lines = [json.loads(line) for line in text.splitlines()]
    assert [entry["id"] for entry in lines] == [record.id, second.id]
    first = lines[0]
    assert first["action"] == "post-search" and first["status"] == 200
    assert first["request"]["body"]["requestBody"]["code"] == REDACTED
    assert first["response"]["body"] == {"echo": REDACTED}
    assert first["started_at"] == T0.isoformat()
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    # Never over an existing file.
    with pytest.raises(FileExistsError):
        export_jsonl(log.records(), log, path)
