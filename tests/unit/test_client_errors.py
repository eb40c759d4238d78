"""error_from_response: every error class, its sentence and remedy, in both dialects."""

from __future__ import annotations

from typing import Any

import pytest

from alloy_tui.alloy import errors as E
from alloy_tui.alloy.errors import error_from_response, field_from_message

BASE = "https://alloy.test"


def notion(status: int, code: str, message: str = "") -> dict[str, Any]:
    return {"object": "error", "status": status, "code": code, "message": message}


def alloy(code: str, message: str) -> dict[str, Any]:
    return {"error": {"code": code, "message": message}}


CASES: list[tuple[str, int, Any, type[E.AlloyError], str, str]] = [
    # (id, status, body, class, words in the sentence, words in the remedy)
    ("bad-key", 401, alloy("UNAUTHORIZED", "Invalid API key"), E.AuthError, BASE, "ALLOY_API_KEY"),
    ("notion-401", 401, notion(401, "unauthorized", "API token is invalid."), E.AuthError,
     "Notion rejected", "Reconnect"),
    ("forbidden", 403, alloy("FORBIDDEN", "User mismatch"), E.ForbiddenError, "403",
     "ALLOY_USER_ID"),
    ("restricted", 403, notion(403, "restricted_resource", "No access."), E.NotSharedError,
     "no access", "Share the page"),
    ("credential-400", 400, alloy("INVALID_INPUT", "Credential not found"),
     E.ConnectionNotFoundError, "Credential not found", "Reconnect"),
    ("credential-404", 404, alloy("NOT_FOUND", "Credential not found"),
     E.ConnectionNotFoundError, "connection", "pick another connection"),
    ("object-not-found", 404, notion(404, "object_not_found", "Could not find page with ID: x."),
     E.NotSharedError, "Could not find page", "Share the page"),
    ("action-not-found", 404, alloy("NOT_FOUND", "Action not found"), E.ActionNotFoundError,
     "action", "action catalog"),
    ("route-404", 404, alloy("NOT_FOUND", "No route"), E.NotFoundError, "No route",
     "ALLOY_BASE_URL"),
    ("validation", 400, notion(400, "validation_error", "Priority is not a property that exists."),
     E.ValidationError, "Priority is not a property", "Fix the value"),
    ("invalid-json", 400, notion(400, "invalid_json", "Error parsing JSON body."),
     E.ValidationError, "not valid JSON", "Fix"),
    ("invalid-request", 400, notion(400, "invalid_request", "Unsupported request."),
     E.ValidationError, "Unsupported request", "Fix"),
    ("conflict", 409, notion(409, "conflict_error", "Conflict occurred while saving."),
     E.ConflictError, "conflict", "Reload"),
    ("rate-limited", 429, notion(429, "rate_limited", "Slow down."), E.RateLimitedError,
     "rate limiting", "Wait"),
    ("overloaded", 529, notion(529, "service_overload", "Busy."), E.RateLimitedError,
     "overloaded", "Wait"),
    ("server", 500, notion(500, "internal_server_error", "Oops."), E.ServerError, "500",
     "Try again"),
    ("unavailable", 503, notion(503, "service_unavailable", ""), E.ServerError, "503", "status"),
    ("invalid-grant-alloy", 400, alloy("INVALID_GRANT", "Code already used"), E.OAuthError,
     "invalid_grant", "a code works only once"),
    ("invalid-grant-bare", 400, {"error": "invalid_grant", "error_description": "expired"},
     E.OAuthError, "expired", "connect notion"),
    ("teapot", 418, "I'm a teapot", E.RequestRejectedError, "teapot", "request log"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("status", "body", "cls", "sentence", "remedy"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_every_error_maps_with_its_sentence_and_remedy(
    status: int, body: Any, cls: type[E.AlloyError], sentence: str, remedy: str
) -> None:
    error = error_from_response(status, body, {}, BASE)
    assert type(error) is cls
    assert sentence.lower() in error.sentence.lower()
    assert remedy.lower() in error.remedy.lower()
    assert str(error) == error.sentence
    assert error.status == status
    assert error.sentence.endswith((".", "…"))


def test_error_bodies_may_arrive_as_bytes_or_text() -> None:
    raw = b'{"object":"error","status":404,"code":"object_not_found","message":"gone"}'
    assert isinstance(error_from_response(404, raw), E.NotSharedError)
    assert isinstance(error_from_response(404, raw.decode()), E.NotSharedError)
    assert error_from_response(404, raw).code == "object_not_found"


def test_rate_limited_reads_retry_after_seconds_from_headers() -> None:
    error = error_from_response(429, notion(429, "rate_limited"), {"Retry-After": "7"})
    assert isinstance(error, E.RateLimitedError)
    assert error.retry_after == 7.0
    assert error_from_response(429, {}, {"Retry-After": "abc"}).retry_after is None  # type: ignore[attr-defined]


def test_html_error_page_is_summarised_not_dumped() -> None:
    body = "<html>" + "x" * 5000 + "</html>"
    error = error_from_response(418, body)
    assert len(error.sentence) < 400


@pytest.mark.parametrize(
    ("message", "field"),
    [
        ("Could not find property with name or id: Estimate", "Estimate"),
        ("Priority is not a property that exists.", "Priority"),
        ("Due is expected to be date.", "Due"),
        (
            "body failed validation: body.properties.Status.status.name should be a string",
            "Status",
        ),
        (
            "body failed validation: body.children[0].paragraph.rich_text[0].text.content.length "
            "should be ≤ `2000`, instead was `2004`.",
            "children[0].paragraph.rich_text[0].text.content",
        ),
        ("Cannot update read-only property: Created", "Created"),
        ("Something else entirely", None),
        (None, None),
    ],
)
def test_field_is_parsed_from_validation_messages(message: str | None, field: str | None) -> None:
    assert field_from_message(message) == field


def test_validation_error_carries_the_field() -> None:
    body = notion(400, "validation_error", "Could not find property with name or id: Size")
    error = error_from_response(400, body)
    assert isinstance(error, E.ValidationError)
    assert error.field == "Size"
    assert error.detail == "Could not find property with name or id: Size"


def test_every_class_has_its_own_default_sentence_and_remedy() -> None:
    classes = [
        cls for cls in vars(E).values() if isinstance(cls, type) and issubclass(cls, E.AlloyError)
    ]
    assert len(classes) >= 14
    for cls in classes:
        error = cls()
        assert error.sentence and error.remedy
        assert isinstance(error, E.AlloyError)
