"""Known secret values (the key, OAuth codes and states, tokens) are hidden wherever they appear:
in errors built from a server's words, in the request log, in copy-as-curl; and request bodies
are standard JSON or a typed error before anything is sent."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from alloy_tui.alloy.client import ActionKind, AlloyClient
from alloy_tui.alloy.connect import connect_service
from alloy_tui.alloy.errors import (
    AlloyError,
    OAuthError,
    RequestRejectedError,
    UnsendableBodyError,
    ValidationError,
    describe,
)
from alloy_tui.alloy.oauth_listener import CallbackResult
from alloy_tui.alloy.requestlog import (
    REDACTED,
    RequestLog,
    RequestRecord,
    redact,
    secret_values,
    to_curl,
)
from alloy_tui.alloy.secret import Secret
from tests.unit.test_client_core import CRED, KEY, Recorder, make_client, ok

CODE = "oauth-code-QWERTY-0123456789"
STATE = "state-ZXCVBN-9876543210"
TOKEN = "ntn_access_TOKEN_abc123def456"


def everything_shown(client: AlloyClient, error: BaseException | None = None) -> str:
    """All the text a user can see: the error, and every log record with its curl command."""
    parts = [describe(error), repr(error)] if error is not None else []
    if isinstance(error, AlloyError):
        parts += [str(error.detail), str(error.code), str(error.field)]
    for record in client.log.records():
        parts += [
            repr(record),
            record.url,
            str(record.error),
            json.dumps(record.request_body),
            json.dumps(record.response_body),
            to_curl(record),
        ]
    return "\n".join(parts)


# --- field names -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "key",
    ["password", "client_secret", "id_token", "clientSecret", "accessToken", "refreshToken"],
)
def test_more_secret_field_names_are_redacted(key: str) -> None:
    out = redact({"outer": {key: "hunter2-secret", "keep": "shown"}})
    assert out == {"outer": {key: REDACTED, "keep": "shown"}}


def test_a_cookies_field_is_hidden_whatever_its_shape() -> None:
    assert redact({"cookies": {"sid": "abc"}, "keep": 1}) == {"cookies": REDACTED, "keep": 1}


def test_secret_values_finds_values_by_name_in_bodies_and_urls() -> None:
    body = {
        "code": CODE,
        "nested": [{"client_secret": "cs_0123456789"}, {"Authorization": "Bearer tok_XYZW"}],
        "oauthUrl": f"https://api.notion.com/v1/oauth/authorize?client_id=c&state={STATE}",
        "error": {"code": "INVALID_INPUT", "message": "an error code is no secret"},
        "block": {"type": "code", "code": {"rich_text": []}},
        "annotations": {"code": True},
    }
    found = secret_values(body)
    assert CODE in found and "cs_0123456789" in found and STATE in found
    assert "tok_XYZW" in found
    assert "INVALID_INPUT" not in found and "c" not in found


# --- the log's registry ------------------------------------------------------------------------


def test_the_log_scrubs_registered_values_from_free_text() -> None:
    log = RequestLog()
    log.add_secret(CODE)
    log.add_secret("abc")  # too short to be a secret: ordinary words must survive
    assert log.redact(f"bad code {CODE}, sorry (abc)") == f"bad code {REDACTED}, sorry (abc)"


def test_a_value_inside_a_longer_one_does_not_leave_the_longer_ones_rest() -> None:
    log = RequestLog()
    log.add_secret("PARTpart")
    log.add_secret("xxPARTpartyy_token_tail")
    assert log.redact("got xxPARTpartyy_token_tail") == f"got {REDACTED}"


def test_a_record_made_after_a_value_is_registered_never_shows_it() -> None:
    log = RequestLog()
    log.remember_secrets({"access_token": TOKEN})
    record = log.start(
        "POST",
        "https://alloy.test/x",
        started_at=datetime(2025, 1, 1, tzinfo=UTC),
        request_body={"note": f"uses {TOKEN}"},
        request_headers={"x-note": TOKEN},
    )
    log.finish(
        record,
        status=401,
        latency_ms=1,
        attempts=1,
        waited_s=0,
        response_raw=f'{{"message": "invalid token {TOKEN}"}}'.encode(),
        error=f"invalid token {TOKEN}",
    )
    shown = repr(record) + to_curl(record) + json.dumps(record.response_body) + str(record.error)
    assert TOKEN not in shown
    assert isinstance(record, RequestRecord) and record.error == f"invalid token {REDACTED}"


# --- the client: errors built from a server's words --------------------------------------------


async def test_an_echoed_oauth_code_is_hidden_in_the_error_and_the_log() -> None:
    answer = ok(
        {"error": "invalid_grant", "error_description": f"bad code {CODE} was already used"},
        400,
    )
    client = make_client(Recorder(answer))
    with pytest.raises(OAuthError) as caught:
        await client.exchange_code("notion", CODE, CRED)
    shown = everything_shown(client, caught.value)
    assert CODE not in shown
    assert f"bad code {REDACTED} was already used" in caught.value.sentence


async def test_a_long_echoed_code_is_hidden_whole_even_where_the_sentence_is_cut() -> None:
    # The sentence is cut to 300 characters: a code cut in two would no longer match.
    long_code = "LONGCODE" + "k" * 60 + "END"
    message = "x" * 270 + f" code {long_code} is bad"
    client = make_client(
        Recorder(ok({"error": "invalid_grant", "error_description": message}, 400))
    )
    with pytest.raises(OAuthError) as caught:
        await client.exchange_code("notion", long_code)
    assert "LONGCODE" not in everything_shown(client, caught.value)


async def test_a_token_seen_in_the_flow_is_hidden_when_a_later_error_echoes_it() -> None:
    rec = Recorder(
        ok({"connectionId": CRED, "access_token": TOKEN, "id_token": "idt_0123456789"}),
        ok(
            {
                "object": "error",
                "status": 401,
                "code": "unauthorized",
                "message": f"API token is invalid: {TOKEN} (id idt_0123456789)",
            },
            401,
        ),
    )
    client = make_client(rec)
    assert await client.exchange_code("notion", CODE) == CRED
    with pytest.raises(AlloyError) as caught:
        await client.execute("notion", "get-self", connection_id=CRED, kind=ActionKind.READ)
    shown = everything_shown(client, caught.value)
    assert TOKEN not in shown and "idt_0123456789" not in shown
    assert REDACTED in caught.value.sentence


async def test_an_unsuccessful_execute_answer_hides_the_key_it_echoes() -> None:
    # `{"success": false}` with a 200 is mapped outside the request path: it is scrubbed too.
    body = {"success": False, "error": {"code": "INVALID_INPUT", "message": f"bad key {KEY}"}}
    client = make_client(Recorder(ok(body)))
    with pytest.raises(AlloyError) as caught:
        await client.execute("notion", "get-self", connection_id=CRED, kind=ActionKind.READ)
    assert KEY not in everything_shown(client, caught.value)
    assert REDACTED in caught.value.sentence


async def test_a_client_secret_sent_in_a_request_is_hidden_when_echoed() -> None:
    echoed = ok(
        {"error": {"code": "BAD", "message": "client_secret cs_live_0123456789 denied"}}, 418
    )
    client = make_client(Recorder(echoed))
    with pytest.raises(RequestRejectedError) as caught:
        await client.execute(
            "notion",
            "post-search",
            connection_id=CRED,
            kind=ActionKind.READ,
            body={"client_secret": "cs_live_0123456789"},
        )
    assert "cs_live_0123456789" not in everything_shown(client, caught.value)


# --- the connect flow --------------------------------------------------------------------------


class FakeListener:
    """The OAuth listener, with the browser already back with `result`."""

    def __init__(self, result: CallbackResult) -> None:
        self.result = result
        self.closed = False

    async def start(self) -> str:
        return "http://127.0.0.1:9/oauth/callback"

    async def wait(self) -> CallbackResult:
        return self.result

    def seconds_left(self) -> float:
        return 100.0

    async def close(self) -> None:
        self.closed = True


async def test_the_connect_flow_hides_an_echoed_state_and_code() -> None:
    def handler(request: httpx.Request) -> httpx.Response:
        if request.method == "GET":
            return ok({"credentials": []})
        if request.url.path.endswith("/callback"):
            message = f"state {STATE} does not match the code {CODE}"
            return ok({"error": {"code": "OAUTH_ERROR", "message": message}}, 400)
        return ok(
            # Alloy's URL need not carry the state the browser comes back with.
            {"oauthUrl": "https://notion.test/authorize?client_id=c", "credentialId": CRED}
        )

    client = make_client(Recorder(handler))
    listener = FakeListener(CallbackResult(code=CODE, state=STATE))
    with pytest.raises(OAuthError) as caught:
        await connect_service(
            client,
            "notion",
            "http://127.0.0.1:0/oauth/callback",
            open_browser=None,
            listener=listener,  # type: ignore[arg-type]
        )
    assert listener.closed
    shown = everything_shown(client, caught.value)
    assert STATE not in shown and CODE not in shown
    assert caught.value.sentence.count(REDACTED) == 2


# --- request bodies are standard JSON ----------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "named"),
    [(float("inf"), "inf"), (float("-inf"), "-inf"), (float("nan"), "nan")],
)
async def test_a_non_finite_number_is_a_typed_error_before_sending(
    value: float, named: str
) -> None:
    rec = Recorder(ok({"object": "page", "id": "p"}))
    client = make_client(rec)
    with pytest.raises(UnsendableBodyError) as caught:
        await client.execute(
            "notion",
            "patch-page",
            connection_id=CRED,
            kind=ActionKind.WRITE,
            body={"properties": {"Score": {"number": value}}},
        )
    assert isinstance(caught.value, ValidationError)
    assert rec.requests == []  # nothing was sent
    sentence = caught.value.sentence
    assert f"the number {named}" in sentence
    assert "requestBody.properties.Score.number" in sentence
    assert "nothing was sent" in sentence


@pytest.mark.parametrize(
    ("body", "named"),
    [
        ({"title": "bad \ud800 text"}, "not valid Unicode"),
        ({"tags": {1, 2}}, "a value of type set"),
    ],
)
async def test_other_unsendable_bodies_are_typed_errors_too(
    body: Mapping[str, Any], named: str
) -> None:
    rec = Recorder(ok({"object": "page", "id": "p"}))
    with pytest.raises(UnsendableBodyError, match=named):
        await make_client(rec).execute(
            "notion", "patch-page", connection_id=CRED, kind=ActionKind.WRITE, body=body
        )
    assert rec.requests == []


async def test_the_key_is_still_scrubbed_with_a_secret_object() -> None:
    log = RequestLog()
    log.add_secret(Secret(KEY))
    log.add_secret(KEY)  # the same value as a plain string is not kept twice
    assert log.redact(f"k={KEY}") == f"k={REDACTED}"
