"""What every Alloy endpoint of the sandbox shares: the API key, the user, JSON bodies, errors."""

from __future__ import annotations

import json
import secrets
from collections.abc import Awaitable, Callable, Mapping
from typing import Any, Final

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from alloy_tui.notion.richtext import surrogate_index
from alloy_tui.sandbox.catalog import API_VERSIONS, CONNECTORS
from alloy_tui.sandbox.credentials import Credential
from alloy_tui.sandbox.runtime import Sandbox

MAX_BODY_BYTES: Final = 5 * 1024 * 1024
"""The largest JSON body an Alloy endpoint reads; anything longer is refused unread (413)."""


class BadRequest(Exception):
    """A request the sandbox refuses with an Alloy-style 400 (or the given status)."""

    def __init__(self, message: str, code: str = "INVALID_INPUT", status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.status = status


def alloy_error(
    status: int, code: str, message: str, headers: Mapping[str, str] | None = None
) -> JSONResponse:
    """Alloy's own error body (as opposed to Notion's, which execute passes through)."""
    # A message that quotes the request can never make the answer itself unencodable.
    message = message.encode("utf-8", "backslashreplace").decode("utf-8")
    return JSONResponse(
        {"error": {"code": code, "message": message}}, status_code=status, headers=headers
    )


def too_large(what: str, limit: int) -> BadRequest:
    size = f"{limit // (1024 * 1024)} MB" if limit >= 1024 * 1024 else f"{limit // 1024} KB"
    return BadRequest(f"{what} is larger than {size}.", "PAYLOAD_TOO_LARGE", 413)


def text(value: str, field: str) -> str:
    """`value`, or a 400 naming `field` if it is not Unicode text."""
    if surrogate_index(value) is not None:  # JSON "\\ud800" is not Unicode text
        raise BadRequest(f"{field} is not valid Unicode text (it holds a lone surrogate).")
    return value


async def read_body(request: Request, limit: int, what: str = "Request body") -> bytes:
    """The body, read only up to `limit` bytes: a longer one is refused (413) without being
    read further, whatever Content-Length says or does not say."""
    declared = request.headers.get("content-length")
    if declared is not None:
        if not declared.strip().isdigit():
            raise BadRequest("Content-Length is not a whole number.")
        if int(declared) > limit:
            raise too_large(what, limit)
    received = bytearray()
    async for chunk in request.stream():
        received += chunk
        if len(received) > limit:
            raise too_large(what, limit)
    return bytes(received)


def sandbox_of(request: Request) -> Sandbox:
    sandbox: Sandbox = request.app.state.sandbox
    return sandbox


def check_key(request: Request) -> None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    expected = sandbox_of(request).config.api_key
    if scheme.lower() != "bearer" or not secrets.compare_digest(
        token.strip().encode(), expected.encode()
    ):
        raise BadRequest(
            "Invalid API key. Send `Authorization: Bearer <your Alloy API key>`.",
            "UNAUTHORIZED",
            401,
        )


def check_user(request: Request, *candidates: Any) -> str:
    """The caller's user id (header, body or path); 403 if it is not the sandbox's user."""
    own = sandbox_of(request).config.user_id
    values = [request.headers.get("x-alloy-userid"), *candidates]
    for value in values:
        if value is None:
            continue
        if not isinstance(value, str):
            raise BadRequest("userId must be a string.")
        text(value, "userId")
        if value != own:
            raise BadRequest(
                f"User {value} is not accessible with this API key.", "FORBIDDEN", status=403
            )
    return own


async def json_object(request: Request, *, required: bool = True) -> dict[str, Any]:
    raw = await read_body(request, MAX_BODY_BYTES)
    if not raw.strip():
        if required:
            raise BadRequest("Request body is required (a JSON object).")
        return {}
    try:
        value = json.loads(raw)
    except RecursionError:
        raise BadRequest("Request body is nested too deeply.", "INVALID_JSON") from None
    except ValueError as exc:
        raise BadRequest(f"Request body is not valid JSON: {exc}", "INVALID_JSON") from None
    if not isinstance(value, dict):
        raise BadRequest(f"Request body must be a JSON object, not {json_type(value)}.")
    return value


def json_type(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "a boolean"
    if isinstance(value, int | float):
        return "a number"
    if isinstance(value, str):
        return "a string"
    if isinstance(value, list):
        return "an array"
    return "an object"


def required_string(body: Mapping[str, Any], key: str) -> str:
    value = body.get(key)
    if value is None or value == "":
        raise BadRequest(f"{key} is required.")
    return string_field(body, key) or ""


def string_field(body: Mapping[str, Any], key: str) -> str | None:
    """An optional string field of the body: None if absent, 400 naming it if not text."""
    value = body.get(key)
    if value is None:
        return None
    if not isinstance(value, str):
        raise BadRequest(f"{key} must be a string, not {json_type(value)}.")
    return text(value, key)


def connector_of(request: Request) -> str:
    connector: str = request.path_params["connector"]
    if connector not in CONNECTORS:
        raise BadRequest(f"Connector not found: {connector}", "NOT_FOUND", 404)
    return connector


def credential_of(sandbox: Sandbox, credential_id: str, user: str, connector: str) -> Credential:
    """The user's connection to `connector`; anything else is answered like an unknown id."""
    credential = sandbox.credentials.get_for_user(credential_id, user)
    if credential is None or credential.connector_id != connector:
        # Exactly the guide's wording: its error handling matches on this message.
        raise BadRequest("Credential not found")
    return credential


Handler = Callable[[Request], Awaitable[Response]]


def check_api_version(request: Request) -> None:
    """The official dialect's `x-api-version` header: present and a version Alloy serves."""
    version = request.headers.get("x-api-version")
    supported = ", ".join(sorted(API_VERSIONS))
    if not version:
        raise BadRequest(f"The x-api-version header is required (x-api-version: {supported}).")
    if version not in API_VERSIONS:
        raise BadRequest(f"The x-api-version header must be one of: {supported}.")


def alloy_endpoint(handler: Handler, *, official: bool = False) -> Handler:
    """Authenticate (and for the official dialect check `x-api-version`), and turn BadRequest
    into Alloy's error body."""

    async def endpoint(request: Request) -> Response:
        try:
            check_key(request)
            if official:
                check_api_version(request)
            for name, value in request.path_params.items():
                if isinstance(value, str):
                    text(value, f"The path segment {{{name}}}")
            return await handler(request)
        except BadRequest as exc:
            # A 413 leaves the rest of the body unread: the connection cannot be reused.
            headers = {"Connection": "close"} if exc.status == 413 else None
            return alloy_error(exc.status, exc.code, exc.message, headers)

    endpoint.__name__ = handler.__name__
    endpoint.__doc__ = handler.__doc__
    return endpoint


def official_endpoint(handler: Handler) -> Handler:
    """An endpoint of the official reference only: `x-api-version` is required."""
    return alloy_endpoint(handler, official=True)
