"""The request log: one redaction everywhere, ring buffer, subscribers, copy as curl."""

from __future__ import annotations

import json
import shlex
from datetime import UTC, datetime
from typing import Any

import pytest

from alloy_tui.alloy.requestlog import (
    REDACTED,
    RequestEvent,
    RequestLog,
    cap_body,
    redact,
    redact_url,
    to_curl,
)
from alloy_tui.alloy.secret import Secret

T0 = datetime(2025, 1, 1, tzinfo=UTC)


@pytest.mark.parametrize(
    "key",
    [
        "token",
        "code",
        "state",
        "access_token",
        "refresh_token",
        "client_secret",
        "api_key",
        "apiKey",
        "APIKEY",
        "Access_Token",
    ],
)
def test_sensitive_keys_are_redacted_in_nested_bodies(key: str) -> None:
    body = {"outer": [{"inner": {key: "s3cret", "keep": "visible"}}]}
    out = redact(body)
    assert out["outer"][0]["inner"][key] == REDACTED
    assert out["outer"][0]["inner"]["keep"] == "visible"
    assert "s3cret" not in json.dumps(out)
    assert body["outer"][0]["inner"][key] == "s3cret"  # the original is untouched


@pytest.mark.parametrize("header", ["Authorization", "cookie", "Set-Cookie", "Proxy-Authorization"])
def test_sensitive_headers_are_redacted(header: str) -> None:
    assert redact({header: "Bearer abc", "x-api-version": "2025-09"}) == {
        header: REDACTED,
        "x-api-version": "2025-09",
    }


def test_urls_lose_their_secret_query_parameters() -> None:
    url = "http://127.0.0.1:3000/oauth/callback?code=abc123&state=xyz&keep=1&Token=t"
    out = redact_url(url)
    assert "abc123" not in out and "xyz" not in out and "=t" not in out
    assert "keep=1" in out
    assert out.startswith("http://127.0.0.1:3000/oauth/callback?")
    assert redact(url) == out
    assert "hunter2" not in redact_url("https://user:hunter2@host/x")


@pytest.mark.parametrize(
    "text",
    [
        "Authorization: Bearer sk_live_abcdef",
        "authorization: Basic dXNlcjpzZWNyZXQ=",
        'sent {"code": "sk_live_abcdef", "userId": "u"}',
        "redirected to /cb?code=sk_live_abcdef&state=1",
        "curl -H 'Authorization: Bearer sk_live_abcdef'",
        "refresh_token=sk_live_abcdef",
    ],
)
def test_secrets_in_free_text_are_redacted(text: str) -> None:
    out = redact(text)
    assert "sk_live_abcdef" not in out
    assert "dXNlcjpzZWNyZXQ=" not in out
    assert REDACTED in out


def test_a_known_secret_is_scrubbed_anywhere() -> None:
    assert redact({"message": "key sk_ABC leaked"}, ("sk_ABC",)) == {
        "message": f"key {REDACTED} leaked"
    }


def test_notion_code_blocks_and_error_codes_survive() -> None:
    block = {"type": "code", "code": {"rich_text": [{"text": {"content": "print(1)"}}]}}
    assert redact(block) == block
    error = {"object": "error", "status": 400, "code": "validation_error", "message": "m"}
    assert redact(error) == error
    assert redact({"error": {"code": "INVALID_INPUT", "message": "Credential not found"}})["error"][
        "code"
    ] == ("INVALID_INPUT")
    assert redact({"code": "oauth-code", "userId": "u"})["code"] == REDACTED
    assert redact({"code": None}) == {"code": None}


def test_cap_body_truncates_large_bodies() -> None:
    small = {"a": 1}
    assert cap_body(small, 100) == small
    big = {"text": "x" * 1000}
    capped = cap_body(big, 100)
    assert isinstance(capped, str)
    assert capped.startswith('{"text": "xxx')
    assert "more characters" in capped
    assert len(capped) < 200


def start(log: RequestLog, **kw: Any) -> Any:
    kw.setdefault("started_at", T0)
    return log.start("POST", "https://alloy.test/connectors/notion/actions/x/execute", **kw)


def test_ring_buffer_keeps_the_last_records() -> None:
    log = RequestLog(maxlen=3)
    records = [start(log) for _ in range(5)]
    assert [r.id for r in log.records()] == [r.id for r in records[-3:]]
    assert len(log) == 3
    assert log.get(records[0].id) is None
    assert log.get(records[-1].id) is records[-1]


def test_subscribers_see_starts_and_finishes_and_can_leave() -> None:
    log = RequestLog()
    seen: list[tuple[str, int, int]] = []

    def listener(event: RequestEvent) -> None:
        seen.append((event.kind, event.record.id, log.in_flight))

    unsubscribe = log.subscribe(listener)
    record = start(log)
    assert log.in_flight == 1
    log.finish(record, status=200, latency_ms=12.5, attempts=1, waited_s=0.0, response_body={})
    log.finish(record, status=200, latency_ms=12.5, attempts=1, waited_s=0.0)  # idempotent
    assert seen == [("started", record.id, 1), ("finished", record.id, 0)]
    assert record.ok and record.latency_ms == 12.5
    unsubscribe()
    start(log)
    assert len(seen) == 2


def test_records_are_redacted_when_made() -> None:
    log = RequestLog()
    log.add_secret(Secret("sk_the_key_itself"))
    record = log.start(
        "POST",
        "https://alloy.test/cb?code=abc",
        started_at=T0,
        request_body={"code": "abc", "userId": "u", "note": "sk_the_key_itself"},
        request_headers={"Authorization": "Bearer sk_the_key_itself", "x-api-version": "1"},
    )
    log.finish(
        record,
        status=400,
        latency_ms=1,
        attempts=1,
        waited_s=0,
        response_body={"access_token": "tok"},
        error="failed with sk_the_key_itself",
    )
    # repr(record) and the curl command never show the answer (it is kept out of the repr, and
    # curl sends only the request): the answer's own JSON is what must be checked for `tok`.
    answer = json.dumps(record.response_body)
    assert answer == json.dumps({"access_token": REDACTED})
    dumped = repr(record) + to_curl(record) + answer
    for secret in ("abc", "sk_the_key_itself", "tok"):
        assert f"={secret}" not in dumped and f"'{secret}'" not in dumped
        assert f'"{secret}"' not in dumped
    assert "sk_the_key_itself" not in dumped
    assert record.request_body["userId"] == "u"
    assert record.error == f"failed with {REDACTED}"


def test_raw_answers_are_redacted_when_read() -> None:
    # The client hands the log raw bytes: the token must be hidden in the decoded answer.
    log = RequestLog()
    record = start(log)
    raw = b'{"access_token": "tok_RAWANSWER_1234", "note": "ok"}'
    log.finish(record, status=200, latency_ms=1, attempts=1, waited_s=0, response_raw=raw)
    assert record.response_body == {"access_token": REDACTED, "note": "ok"}
    assert "tok_RAWANSWER_1234" not in json.dumps(record.response_body)


def test_to_curl_is_pasteable_and_uses_the_environment_key() -> None:
    log = RequestLog()
    record = start(
        log,
        request_body={"credentialId": "c", "requestBody": {"query": "it's"}},
        request_headers={"x-api-version": "2025-09", "Authorization": "Bearer x"},
    )
    command = to_curl(record)
    words = shlex.split(command)
    assert words[:4] == [
        "curl",
        "-X",
        "POST",
        "https://alloy.test/connectors/notion/actions/x/execute",
    ]
    assert "Authorization: Bearer $ALLOY_API_KEY" in words
    assert "x-api-version: 2025-09" in words
    assert json.loads(words[words.index("--data-raw") + 1]) == {
        "credentialId": "c",
        "requestBody": {"query": "it's"},
    }
    assert words.count("-H") == 2  # the real Authorization header is not repeated


def test_log_body_cap_applies() -> None:
    log = RequestLog(body_cap=50)
    record = start(log, request_body={"x": "y" * 500})
    assert isinstance(record.request_body, str) and len(record.request_body) < 120


def _crash_report(error: BaseException) -> str:
    """The text Textual's crash screen would show: a Rich traceback with every frame's locals
    (from the frame below the test's own, which holds the key on purpose)."""
    import io

    from rich.console import Console
    from rich.traceback import Traceback

    assert error.__traceback__ is not None
    out = io.StringIO()
    Console(file=out, width=240, color_system=None).print(
        Traceback.from_exception(type(error), error, error.__traceback__.tb_next, show_locals=True)
    )
    return out.getvalue()


def test_a_crash_inside_the_log_never_shows_the_key_in_any_frames_locals(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from alloy_tui.alloy import requestlog
    from alloy_tui.alloy.secret import Secret

    key = "sk_live_FRAMELOCALS_" + "Q" * 20
    log = requestlog.RequestLog()
    log.add_secret(Secret(key))

    def broken_cap(value: object, cap: int = 0) -> object:
        raise RuntimeError("cap failed")

    monkeypatch.setattr(requestlog, "cap_body", broken_cap)
    with pytest.raises(RuntimeError) as caught:
        # As the client calls it: the key is never in the arguments (httpx adds the header).
        log.start(
            "POST",
            "https://alloy.example/connectors/notion/actions/post-search/execute",
            started_at=datetime(2025, 1, 1, tzinfo=UTC),
            request_body={"requestBody": {"query": "roadmap"}},
            request_headers={"x-api-version": "2025-09"},
        )
    report = _crash_report(caught.value)
    assert "secrets" in report  # the frame's locals are in the report...
    assert key not in report  # ...but never the key


def test_a_failing_subscriber_does_not_fail_the_call() -> None:
    from alloy_tui.alloy.requestlog import RequestLog

    log = RequestLog()
    seen: list[str] = []

    def broken(event: object) -> None:
        raise ValueError("inspector bug")

    log.subscribe(broken)
    log.subscribe(lambda event: seen.append(event.kind))
    record = log.start("GET", "https://alloy.example/", started_at=datetime(2025, 1, 1, tzinfo=UTC))
    log.finish(record, status=200, latency_ms=1.0, attempts=1, waited_s=0.0)
    assert seen == ["started", "finished"]
    assert record.finished and log.in_flight == 0
