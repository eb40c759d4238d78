"""The request log's hot path: a body's secrets are found without walking it when its JSON
cannot hold one, and the request is redacted when first read, with every secret known."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from alloy_tui.alloy.requestlog import (
    REDACTED,
    SENSITIVE_HEADERS,
    SENSITIVE_KEYS,
    RequestLog,
    may_hold_secrets,
    secret_values,
)
from alloy_tui.alloy.secret import Secret

T0 = datetime(2025, 1, 1, tzinfo=UTC)
NAMES = sorted(SENSITIVE_KEYS | SENSITIVE_HEADERS)


def compact(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


def _cased(name: str) -> st.SearchStrategy[str]:
    """The name in any letter case (and the Kelvin sign for k, which lower-cases to k)."""

    def forms(c: str) -> list[str]:
        return sorted({c, c.upper()} | ({"\u212a"} if c == "k" else set()))

    return st.tuples(*[st.sampled_from(forms(c)) for c in name]).map("".join)


KEYS = st.one_of(
    st.sampled_from(NAMES).flatmap(_cased),
    st.sampled_from(["type", "text", "content", "code", "message", "url", "Name", "x"]),
    st.text(max_size=8),
)
URLS = st.builds(
    lambda name, value, sep: f"https://example.com/a?page=1{sep}{name}={value}",
    st.one_of(st.sampled_from(sorted(SENSITIVE_KEYS)).flatmap(_cased), st.just("tab")),
    st.text(alphabet="abcXYZ019%+", min_size=1, max_size=6),
    st.sampled_from(["&", "&x=1&"]),
)
LEAVES = st.one_of(st.none(), st.booleans(), st.integers(), st.text(max_size=12), URLS)
BODIES = st.recursive(
    LEAVES,
    lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(KEYS, inner, max_size=4)),
    max_leaves=20,
)


@settings(max_examples=400, suppress_health_check=[HealthCheck.too_slow])
@given(BODIES)
def test_the_scan_never_misses_a_secret_the_walk_finds(body: Any) -> None:
    if secret_values(body):
        assert may_hold_secrets(compact(body))


def test_the_scan_passes_ordinary_notion_bodies() -> None:
    blocks = [
        {
            "type": "code",
            "code": {"rich_text": [{"text": {"content": "x", "link": None}}], "language": "py"},
        },
        {"type": "paragraph", "paragraph": {"rich_text": [{"href": "https://e.com/?page=2"}]}},
    ]
    body = {"credentialId": "c", "requestBody": {"children": blocks}, "state": None}
    assert not secret_values(body)
    assert not may_hold_secrets(compact(body))
    assert may_hold_secrets(compact({"a": {"Access_Token": "t"}}))
    assert may_hold_secrets(compact({"u": "https://e.com/cb?x=1&CODE=abc"}))


def test_a_request_logged_as_json_is_redacted_when_read_with_later_secrets_too() -> None:
    log = RequestLog()
    log.add_secret(Secret("sk_the_key_itself"))
    text = compact({"code": "abc123", "note": "sk_the_key_itself and tok_later_0001"})
    record = log.start(
        "POST",
        "https://alloy.test/x",
        started_at=T0,
        request_json=text,
        request_headers={"Authorization": "Bearer sk_the_key_itself", "x-api-version": "1"},
    )
    log.add_secret("tok_later_0001")  # learnt after the call started (an answer's token)
    assert record.request_body == {"code": REDACTED, "note": f"{REDACTED} and {REDACTED}"}
    assert record.request_headers == {"Authorization": REDACTED, "x-api-version": "1"}


def test_a_secret_forgotten_since_the_call_is_still_hidden_in_its_record() -> None:
    log = RequestLog()
    log.add_secret("oauth-state-OLD-0001")
    record = log.start(
        "POST",
        "https://alloy.test/x",
        started_at=T0,
        request_json=compact({"note": "oauth-state-OLD-0001"}),
    )
    for n in range(100):  # only the last MAX_KNOWN_SECRETS values are kept
        log.add_secret(f"newer-secret-{n:04d}")
    assert record.request_body == {"note": REDACTED}
