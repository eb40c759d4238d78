"""Typed Alloy client errors (a sentence and a remedy each) and the answer-to-error mapping."""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Mapping
from typing import Any, Final

# --- [assumed] facts about the API -------------------------------------------------------------
# Neither the guide nor the official reference confirms these; keep them here so they are easy to
# change when a production account answers differently.
CREDENTIAL_NOT_FOUND_MESSAGE: Final = "credential not found"
"""The guide's `{"error":{"code":"INVALID_INPUT","message":"Credential not found"}}` (status 400
[assumed]); matched case-insensitively on the message, whatever the status."""
CREDENTIAL_NOT_FOUND_CODES: Final = frozenset(
    {"invalid_input", "not_found", "credential_not_found"}
)
ACTION_NOT_FOUND_MESSAGE: Final = "action not found"
"""Unknown action: 404 `{"error":{"code":"NOT_FOUND","message":"Action not found"}}` [assumed]."""
OAUTH_ERROR_CODES: Final = frozenset(
    {
        "invalid_grant",
        "invalid_client",
        "invalid_scope",
        "unauthorized_client",
        "unsupported_grant_type",
        "access_denied",
        "expired_token",
        "oauth_error",
    }
)
"""OAuth (RFC 6749) error codes, sent bare (`{"error":"invalid_grant"}`) or in an Alloy error
body (`{"error":{"code":"INVALID_GRANT"}}`) [assumed]."""
NOT_PROCESSED_STATUSES: Final = frozenset({429})
"""Statuses that prove the request was not processed, so even a create may be resent. 529
(service_overload) is treated like 429 for reads, but that a 529 was never processed is
[assumed] unproven, so writes and creates do not resend on it."""
# -----------------------------------------------------------------------------------------------

_NOTION_PROPERTY_PATTERNS: Final = (
    # Notion's and the sandbox's messages that name a property or a request path.
    re.compile(r"Could not find property with name or id: (?P<field>.+?)\.?$"),
    re.compile(r"body\.properties\.(?P<field>[^.\[\s]+)"),
    re.compile(r"^(?P<field>.+?) is not a property that exists"),
    re.compile(r"^(?P<field>.+?) is expected to be "),
    re.compile(r"[Rr]ead-only property:? [`\"']?(?P<field>[^`\"']+?)[`\"']?(?:\.|$| is)"),
    re.compile(r"property [`\"'](?P<field>[^`\"']+)[`\"']"),
    re.compile(r"\bbody\.(?P<field>[A-Za-z_][\w.\[\]]*?)(?:\.length)?(?= should| is|$|\s)"),
)


class AlloyError(Exception):
    """Base of every client error: `sentence` says what happened, `remedy` what to do."""

    default_sentence: str = "The Alloy request failed."
    default_remedy: str = "Try again; if it keeps failing, open the request log for details."

    def __init__(
        self,
        sentence: str | None = None,
        *,
        remedy: str | None = None,
        status: int | None = None,
        code: str | None = None,
        field: str | None = None,
        detail: str | None = None,
    ) -> None:
        self.sentence = sentence or self.default_sentence
        self.remedy = remedy or self.default_remedy
        self.status = status
        self.code = code
        self.field = field
        self.detail = detail
        super().__init__(self.sentence)

    def __str__(self) -> str:
        return self.sentence

    def __repr__(self) -> str:
        return (
            f"{type(self).__name__}({self.sentence!r}, status={self.status!r}, code={self.code!r})"
        )


class AuthError(AlloyError):
    default_sentence = "Alloy rejected the API key (401 Unauthorized)."
    default_remedy = "Check ALLOY_API_KEY and ALLOY_USER_ID (environment, .env or config.toml)."


class ForbiddenError(AlloyError):
    default_sentence = "Alloy refused the request (403 Forbidden)."
    default_remedy = "Check that ALLOY_USER_ID is the user the API key belongs to."


class ConnectionNotFoundError(AlloyError):
    default_sentence = "Alloy does not know this connection (Credential not found)."
    default_remedy = "Reconnect Notion (alloy-tui connect notion) or pick another connection."

    connection_id: str | None = None
    """The connection the failed call went through, when the client knows it."""
    connector: str | None = None
    """That connection's connector (notion, slack…), when the client knows it."""

    def about(self, connection_id: str, connector: str | None) -> None:
        """Name the connection Alloy did not know and, for the default remedy, the service to
        reconnect (a Slack call's error must not send the user to reconnect Notion)."""
        self.connection_id = connection_id
        if connector:
            self.connector = connector
            if self.remedy == self.default_remedy:
                self.remedy = (
                    f"Reconnect {connector.title()} (alloy-tui connect {connector}) or pick "
                    "another connection."
                )


class NotSharedError(AlloyError):
    default_sentence = "Notion cannot find this page or database for the connection."
    default_remedy = (
        "Share the page with the integration in Notion (••• → Connections), or check the id."
    )


class ValidationError(AlloyError):
    default_sentence = "The request was rejected as invalid."
    default_remedy = "Fix the value named in the message and try again."


class UnsendableBodyError(ValidationError):
    """A request body that is not standard JSON (NaN, Infinity, a lone surrogate, a set...);
    raised before anything is sent."""

    default_sentence = "The request body cannot be sent as JSON; nothing was sent."
    default_remedy = "Fix the value named in the message (JSON has no NaN or Infinity) and retry."


class ConflictError(AlloyError):
    default_sentence = "Notion reported a conflict: the object changed while saving."
    default_remedy = "Reload it and apply your change again."


class RateLimitedError(AlloyError):
    default_sentence = "Notion is rate limiting this connection."
    default_remedy = "Wait a minute and try again."

    def __init__(self, sentence: str | None = None, *, retry_after: float | None = None, **kw: Any):
        super().__init__(sentence, **kw)
        self.retry_after = retry_after


class ServerError(AlloyError):
    default_sentence = "Alloy or Notion had a server error."
    default_remedy = "Try again in a moment; if it persists, check Alloy's status page."


class CannotReachError(AlloyError):
    default_sentence = "Cannot reach Alloy."
    default_remedy = "Check the network and ALLOY_BASE_URL."


class TimedOutError(CannotReachError):
    default_sentence = "Alloy did not answer in time."
    default_remedy = "Try again; if it keeps happening, check the network and ALLOY_BASE_URL."


class ProtocolError(AlloyError):
    default_sentence = "Alloy sent an answer this client cannot read."
    default_remedy = (
        "Check ALLOY_BASE_URL points at the Alloy API; open the request log for details."
    )


class OAuthError(AlloyError):
    default_sentence = "The OAuth exchange failed."
    default_remedy = (
        "Start the connection again (alloy-tui connect notion); a code works only once."
    )


class NotFoundError(AlloyError):
    default_sentence = "Alloy does not know this resource (404 Not Found)."
    default_remedy = "Check ALLOY_BASE_URL and the connector id."


class ActionNotFoundError(NotFoundError):
    default_sentence = "Alloy does not know this action."
    default_remedy = "Check the action id against the connector's action catalog."


class RequestRejectedError(AlloyError):
    default_sentence = "Alloy rejected the request."
    default_remedy = "Open the request log for the details of the answer."


class PageTooLargeError(AlloyError):
    default_sentence = "This page has too many blocks to load."
    default_remedy = "Open a smaller sub-page, or edit this one in Notion."


def describe(error: BaseException) -> str:
    """What a screen shows for an error: its sentence, then its remedy on the next line."""
    sentence = getattr(error, "sentence", None) or str(error)
    remedy = getattr(error, "remedy", None)
    return f"{sentence}\n{remedy}" if remedy else str(sentence)


def parse_body(body: bytes | str | Any) -> Any:
    """Best-effort JSON decoding of an error body; anything unreadable is returned as text."""
    if isinstance(body, bytes):
        body = body.decode("utf-8", errors="replace")
    if isinstance(body, str):
        try:
            return json.loads(body)
        except (ValueError, RecursionError):
            return body
    return body


def _error_fields(body: Any) -> tuple[str | None, str | None, bool]:
    """(code, message, is_notion) from a Notion, Alloy, OAuth or bare error body."""
    if not isinstance(body, Mapping):
        return None, None, False
    if isinstance(body.get("result"), Mapping) and "error" not in body:
        body = body["result"]
    if body.get("object") == "error":
        return _str(body.get("code")), _str(body.get("message")), True
    error = body.get("error")
    if isinstance(error, Mapping):
        message = _str(error.get("message")) or _str(error.get("error_description"))
        return _str(error.get("code")) or _str(error.get("type")), message, False
    if isinstance(error, str):
        message = _str(body.get("error_description")) or _str(body.get("message"))
        return error, message, False
    return _str(body.get("code")), _str(body.get("message")), False


def _str(value: Any) -> str | None:
    return value if isinstance(value, str) and value else None


def field_from_message(message: str | None) -> str | None:
    """The property name or request path a validation message names, if any."""
    if not message:
        return None
    for pattern in _NOTION_PROPERTY_PATTERNS:
        found = pattern.search(message)
        if found:
            return found.group("field").strip().strip("`\"'")
    return None


def _header(headers: Mapping[str, str] | None, name: str) -> str | None:
    if headers is None:
        return None
    for key, value in headers.items():
        if key.lower() == name:
            return value
    return None


def _clip(text: str, limit: int = 300) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _say(prefix: str, message: str | None) -> str:
    """`prefix: message.` with exactly one final full stop."""
    text = f"{prefix}: {_clip(message)}" if message else prefix
    return text if text.endswith((".", "!", "?", "…")) else text + "."


def error_from_response(
    status: int,
    body: Any,
    headers: Mapping[str, str] | None = None,
    base_url: str = "",
    *,
    retry_after: float | None = None,
    scrub: Callable[[str], str] | None = None,
) -> AlloyError:
    """Map an error answer (any dialect) to the typed error the user sees.

    `retry_after` is the already-parsed Retry-After; without it the header is read as seconds.
    `scrub` hides secrets in the server's words before they are cut to length, so a secret the
    server echoes is hidden whole (a cut one would no longer match).
    """
    body = parse_body(body)
    code, message, is_notion = _error_fields(body)
    if scrub is not None:
        code = scrub(code) if code is not None else None
        message = scrub(message) if message is not None else None
        if isinstance(body, str):
            body = scrub(body)
    lcode = (code or "").lower()
    lmessage = (message or "").lower()
    where = f"Alloy at {base_url}" if base_url else "Alloy"
    kw: dict[str, Any] = {"status": status, "code": code, "detail": message}

    if CREDENTIAL_NOT_FOUND_MESSAGE in lmessage and (
        not lcode or lcode in CREDENTIAL_NOT_FOUND_CODES
    ):
        return ConnectionNotFoundError(**kw)
    if lcode in OAUTH_ERROR_CODES:
        return OAuthError(_say(f"The OAuth exchange failed ({lcode})", message), **kw)
    if status == 401:
        if is_notion:
            return AuthError(
                _say("Notion rejected the connection's token", message),
                remedy="Reconnect Notion (alloy-tui connect notion); the access may be revoked.",
                **kw,
            )
        return AuthError(_say(f"{where} rejected the API key (401 Unauthorized)", None), **kw)
    if status == 403:
        if is_notion or lcode == "restricted_resource":
            return NotSharedError(
                _say("The integration has no access to this object", message), **kw
            )
        return ForbiddenError(_say(f"{where} refused the request (403 Forbidden)", message), **kw)
    if status == 404:
        if is_notion or lcode == "object_not_found":
            return NotSharedError(_say("Notion cannot find this object", message), **kw)
        if ACTION_NOT_FOUND_MESSAGE in lmessage:
            return ActionNotFoundError(**kw)
        return NotFoundError(
            _say(f"{where} does not know this resource (404 Not Found)", message), **kw
        )
    if status == 409:
        return ConflictError(_say(ConflictError.default_sentence.rstrip("."), message), **kw)
    if status in (429, 529):
        if retry_after is None:
            retry_after = _seconds(_header(headers, "retry-after"))
        reason = "overloaded" if status == 529 else "rate limiting this connection"
        return RateLimitedError(f"Notion is {reason} ({status}).", retry_after=retry_after, **kw)
    if status >= 500:
        return ServerError(_say(f"Alloy or Notion had a server error ({status})", message), **kw)
    if status in (400, 413, 422):
        if lcode == "invalid_json":
            sentence = _say("The request body was not valid JSON", message)
        else:
            sentence = _say("Rejected as invalid", message)
        return ValidationError(sentence, field=field_from_message(message), **kw)
    if not message and isinstance(body, str) and body.strip():
        message = body
    return RequestRejectedError(_say(f"{where} rejected the request ({status})", message), **kw)


def _seconds(value: str | None) -> float | None:
    try:
        seconds = float(value) if value is not None else None
    except ValueError:
        return None
    return seconds if seconds is not None and seconds >= 0 else None
