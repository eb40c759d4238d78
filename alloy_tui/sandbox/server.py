"""The sandbox's HTTP side: Alloy's endpoints in both dialects, OAuth consent, admin, uvicorn."""

from __future__ import annotations

import errno
import json
import logging
import secrets
import socket
import threading
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Final
from urllib.parse import parse_qs, urlencode, urlsplit

import platformdirs
import uvicorn
from starlette.applications import Starlette
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, RedirectResponse, Response
from starlette.routing import Route

from alloy_tui.sandbox import consent
from alloy_tui.sandbox.actions import ACTIONS, ActionSpec, NotionEngine, find_action
from alloy_tui.sandbox.credentials import (
    Credential,
    CredentialStore,
    FlowError,
    InvalidGrant,
    OAuthFlow,
)
from alloy_tui.sandbox.defaults import (
    API_VERSION,
    DEFAULT_API_KEY,
    DEFAULT_PORT,
    DEFAULT_USER_ID,
    NOTION_VERSION,
    SEED_CONNECTION_ID,
    SEED_WORKSPACE_NAME,
)
from alloy_tui.sandbox.faults import (
    FaultInjector,
    FaultMiddleware,
    notion_error,
    parse_faults,
    rules_from_json,
)
from alloy_tui.sandbox.limits import RateLimiter
from alloy_tui.sandbox.seed import seed_workspace
from alloy_tui.sandbox.store import Store

log = logging.getLogger(__name__)

CONNECTORS: Final[Mapping[str, Mapping[str, Any]]] = {
    "notion": {
        "id": "notion",
        "connectorId": "notion",
        "name": "Notion",
        "description": "Connected workspace for notes, docs, wikis and databases.",
        "category": "Productivity",
        "authenticationTypes": ["oauth2"],
        "credentialType": "notion-oauth2",
        "apiVersion": NOTION_VERSION,
    }
}
OAUTH_CLIENT_ID: Final = "5f0c4d9e-2b7a-4e31-9c8d-a1b2c3d4e5f6"
"""The sandbox integration's Notion client id, shown in the authorize URL."""
CONSENT_PATH: Final = "/v1/oauth/authorize"
MAX_BODY_BYTES: Final = 5 * 1024 * 1024
_ADMIN_PREFIX: Final = "/__sandbox"

# What the action catalog says about each action's inputs [assumed: Alloy's catalog lists the
# Notion operation's parameters; these mirror Notion's API reference].
_PAGINATION: Final = (("start_cursor", "string", False), ("page_size", "integer", False))
_ACTION_QUERY: Final[Mapping[str, tuple[tuple[str, str, bool], ...]]] = {
    "get-block-children": _PAGINATION,
    "get-users": _PAGINATION,
    "retrieve-a-comment": (("block_id", "string", True), *_PAGINATION),
}
_ACTION_BODY: Final[Mapping[str, tuple[str, ...]]] = {
    "post-search": ("query", "filter", "sort", "start_cursor", "page_size"),
    "post-page": ("parent", "properties", "children", "icon", "cover"),
    "patch-page": ("properties", "icon", "cover", "archived", "in_trash"),
    "post-database-query": ("filter", "sorts", "start_cursor", "page_size"),
    "patch-block-children": ("children", "after"),
    "update-a-block": ("<block type>", "archived", "in_trash"),
    "create-a-comment": ("parent", "discussion_id", "rich_text"),
}
_REQUIRED_BODY: Final[Mapping[str, tuple[str, ...]]] = {
    "post-page": ("parent", "properties"),
    "patch-block-children": ("children",),
    "create-a-comment": ("rich_text",),
}


@dataclass
class SandboxConfig:
    """Everything a sandbox needs; every field has the documented default."""

    data_path: Path | None = None
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    api_key: str = DEFAULT_API_KEY
    user_id: str = DEFAULT_USER_ID
    reset: bool = False
    pages: int = 0
    auto_consent: bool = False
    faults: str | None = None
    fault_seed: int = 0
    rate_limit: bool = True
    rate_per_second: float = 3.0
    rate_burst: int = 10
    clock: Callable[[], datetime] | None = None
    monotonic: Callable[[], float] | None = None
    """The rate limiter's clock; defaults to `clock` (as seconds) if given, else monotonic."""
    access_log: bool = False

    def resolved_data_path(self) -> Path:
        if self.data_path is not None:
            return Path(self.data_path)
        return platformdirs.user_data_path("alloy-tui") / "sandbox.sqlite3"


class PortInUseError(OSError):
    """The configured port is taken by another program."""


def _utc_now() -> datetime:
    return datetime.now(UTC)


class BadRequest(Exception):
    """A request the sandbox refuses with an Alloy-style 400 (or the given status)."""

    def __init__(self, message: str, code: str = "INVALID_INPUT", status: int = 400) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.status = status


def alloy_error(status: int, code: str, message: str) -> JSONResponse:
    """Alloy's own error body (as opposed to Notion's, which execute passes through)."""
    return JSONResponse({"error": {"code": code, "message": message}}, status_code=status)


class Sandbox:
    """The sandbox's state: the store, the engine, credentials, limiter and faults."""

    def __init__(self, config: SandboxConfig) -> None:
        self.config = config
        self.clock: Callable[[], datetime] = config.clock or _utc_now
        self.data_path = config.resolved_data_path()
        if str(self.data_path) != ":memory:":
            self.data_path.parent.mkdir(parents=True, exist_ok=True)
        self.store = Store(self.data_path)
        self.credentials = CredentialStore(self.store.conn, self.store.lock, self.clock)
        self.engine = NotionEngine(self.store, clock=self.clock)
        monotonic = config.monotonic
        if monotonic is None:
            monotonic = (lambda: self.clock().timestamp()) if config.clock else time.monotonic
        self.limiter: RateLimiter | None = (
            RateLimiter(
                rate_per_second=config.rate_per_second, burst=config.rate_burst, monotonic=monotonic
            )
            if config.rate_limit
            else None
        )
        self.faults = FaultInjector(seed=config.fault_seed)
        if config.faults:
            self.faults.replace(parse_faults(config.faults), config.fault_seed)
        self.internal_errors = 0
        if config.reset:
            self.reset()
        else:
            self.seed()

    def seed(self) -> None:
        seed_workspace(self.store, pages=self.config.pages, clock=self.clock)
        self.credentials.ensure_seed(self.config.user_id)

    def reset(self) -> None:
        """Drop everything (Notion data and connections) and seed again."""
        self.store.reset()
        self.credentials.reset()
        if self.limiter is not None:
            self.limiter.reset()
        self.seed()

    def close(self) -> None:
        self.store.close()


# Request helpers --------------------------------------------------------------------------


def _sandbox(request: Request) -> Sandbox:
    sandbox: Sandbox = request.app.state.sandbox
    return sandbox


def _check_key(request: Request) -> None:
    header = request.headers.get("authorization", "")
    scheme, _, token = header.partition(" ")
    expected = _sandbox(request).config.api_key
    if scheme.lower() != "bearer" or not secrets.compare_digest(
        token.strip().encode(), expected.encode()
    ):
        raise BadRequest(
            "Invalid API key. Send `Authorization: Bearer <your Alloy API key>`.",
            "UNAUTHORIZED",
            401,
        )


def _check_user(request: Request, *candidates: Any) -> str:
    """The caller's user id (header, body or path); 403 if it is not the sandbox's user."""
    own = _sandbox(request).config.user_id
    values = [request.headers.get("x-alloy-userid"), *candidates]
    for value in values:
        if value is None:
            continue
        if not isinstance(value, str):
            raise BadRequest("userId must be a string.")
        if value != own:
            raise BadRequest(
                f"User {value} is not accessible with this API key.", "FORBIDDEN", status=403
            )
    return own


async def _json_object(request: Request, *, required: bool = True) -> dict[str, Any]:
    raw = await request.body()
    if len(raw) > MAX_BODY_BYTES:
        raise BadRequest(
            f"Request body is larger than {MAX_BODY_BYTES // (1024 * 1024)} MB.",
            "PAYLOAD_TOO_LARGE",
            413,
        )
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
        raise BadRequest(f"Request body must be a JSON object, not {_json_type(value)}.")
    return value


def _json_type(value: Any) -> str:
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


def _required_string(body: Mapping[str, Any], key: str) -> str:
    value = body.get(key)
    if value is None or value == "":
        raise BadRequest(f"{key} is required.")
    if not isinstance(value, str):
        raise BadRequest(f"{key} must be a string, not {_json_type(value)}.")
    return value


def _connector(request: Request) -> str:
    connector: str = request.path_params["connector"]
    if connector not in CONNECTORS:
        raise BadRequest(f"Connector not found: {connector}", "NOT_FOUND", 404)
    return connector


def _credential(sandbox: Sandbox, credential_id: str, connector: str | None = None) -> Credential:
    credential = sandbox.credentials.get(credential_id)
    if credential is None or (connector is not None and credential.connector_id != connector):
        # Exactly the guide's wording: its error handling matches on this message.
        raise BadRequest("Credential not found")
    return credential


Handler = Callable[[Request], Awaitable[Response]]


def alloy_endpoint(handler: Handler) -> Handler:
    """Authenticate, and turn BadRequest into Alloy's error body."""

    async def endpoint(request: Request) -> Response:
        try:
            _check_key(request)
            return await handler(request)
        except BadRequest as exc:
            return alloy_error(exc.status, exc.code, exc.message)

    endpoint.__name__ = handler.__name__
    endpoint.__doc__ = handler.__doc__
    return endpoint


# Connectors and the action catalog --------------------------------------------------------


@alloy_endpoint
async def list_connectors(request: Request) -> Response:
    items = [{**connector, "actionCount": len(ACTIONS)} for connector in CONNECTORS.values()]
    return JSONResponse({"connectors": items, "data": items})


def _action_summary(spec: ActionSpec) -> dict[str, Any]:
    return {
        "id": spec.id,
        "aliases": list(spec.aliases),
        "displayName": spec.display_name,
        "description": spec.description,
        "httpMethod": spec.http_method,
        "path": spec.path,
    }


def _action_detail(spec: ActionSpec) -> dict[str, Any]:
    parameters = [
        {"name": name, "in": "path", "required": True, "type": "string"}
        for name in spec.path_params
    ]
    parameters += [
        {"name": name, "in": "query", "required": required, "type": kind}
        for name, kind, required in _ACTION_QUERY.get(spec.id, ())
    ]
    request_body: dict[str, Any] | None = None
    if spec.http_method in ("POST", "PATCH"):
        request_body = {
            "contentType": "application/json",
            "required": bool(_REQUIRED_BODY.get(spec.id)),
            "fields": list(_ACTION_BODY.get(spec.id, ())),
            "requiredFields": list(_REQUIRED_BODY.get(spec.id, ())),
        }
    return {**_action_summary(spec), "parameters": parameters, "requestBody": request_body}


@alloy_endpoint
async def list_actions(request: Request) -> Response:
    _connector(request)
    items = [_action_summary(spec) for spec in ACTIONS]
    return JSONResponse({"actions": items, "data": items})


@alloy_endpoint
async def get_action(request: Request) -> Response:
    _connector(request)
    spec = find_action(request.path_params["action"])
    if spec is None:
        raise BadRequest("Action not found", "NOT_FOUND", 404)
    return JSONResponse({"action": _action_detail(spec)})


# Credentials ------------------------------------------------------------------------------


@alloy_endpoint
async def list_credentials_guide(request: Request) -> Response:
    """GET /credentials: the guide's bare array."""
    sandbox = _sandbox(request)
    user = _check_user(request)
    items = await run_in_threadpool(sandbox.credentials.list, user)
    return JSONResponse([item.to_json() for item in items])


@alloy_endpoint
async def list_connector_credentials(request: Request) -> Response:
    """GET /connectors/{c}/credentials: the official {"credentials": [...]}."""
    sandbox = _sandbox(request)
    connector = _connector(request)
    user = _check_user(request)
    items = await run_in_threadpool(sandbox.credentials.list, user, connector)
    return JSONResponse({"credentials": [item.to_json() for item in items]})


@alloy_endpoint
async def list_user_credentials(request: Request) -> Response:
    """GET /credentials/users/{userId}: the official {"data": [...]}."""
    sandbox = _sandbox(request)
    user = _check_user(request, request.path_params["user"])
    items = await run_in_threadpool(sandbox.credentials.list, user)
    return JSONResponse({"data": [item.to_json() for item in items]})


@alloy_endpoint
async def delete_credential(request: Request) -> Response:
    sandbox = _sandbox(request)
    _check_user(request, request.path_params["user"])
    deleted = await run_in_threadpool(sandbox.credentials.delete, request.path_params["credential"])
    if not deleted:
        raise BadRequest("Credential not found", "NOT_FOUND", 404)
    return JSONResponse({"success": True})


@alloy_endpoint
async def start_oauth(request: Request) -> Response:
    """POST /connectors/{c}/credentials: start OAuth, answer the consent page's URL."""
    sandbox = _sandbox(request)
    connector = _connector(request)
    body = await _json_object(request)
    user = _check_user(request, body.get("userId"))
    if body.get("connectorId") is not None and body.get("connectorId") != connector:
        raise BadRequest("connectorId in the body does not match the connector in the path.")
    authentication = body.get("authenticationType", "oauth2")
    if authentication != "oauth2":
        raise BadRequest(f'authenticationType must be "oauth2" for {connector}.')
    redirect_uri = _required_string(body, "redirectUri")
    if not consent.valid_redirect_uri(redirect_uri):
        raise BadRequest("redirectUri must be an absolute http(s) URL without a fragment.")
    flow = await run_in_threadpool(sandbox.credentials.start_flow, user, connector, redirect_uri)
    query = urlencode(
        {
            "client_id": OAUTH_CLIENT_ID,
            "redirect_uri": redirect_uri,
            "response_type": "code",
            "owner": "user",
            "state": flow.state,
        }
    )
    base = str(request.base_url).rstrip("/")
    return JSONResponse(
        {"oauthUrl": f"{base}{CONSENT_PATH}?{query}", "credentialId": flow.credential_id}
    )


@alloy_endpoint
async def oauth_callback(request: Request) -> Response:
    """POST /connectors/{c}/credentials/callback: the guide's single-use code exchange."""
    sandbox = _sandbox(request)
    connector = _connector(request)
    body = await _json_object(request)
    _check_user(request, body.get("userId"))
    code = _required_string(body, "code")
    credential_id = body.get("credentialId")
    if credential_id is not None and not isinstance(credential_id, str):
        raise BadRequest("credentialId must be a string.")
    try:
        credential = await run_in_threadpool(sandbox.credentials.exchange, code, credential_id)
    except InvalidGrant as exc:
        return alloy_error(400, "INVALID_GRANT", f"invalid_grant: {exc}")
    if credential.connector_id != connector:
        raise BadRequest("Credential not found")
    return JSONResponse(
        {
            "connectionId": credential.id,
            "credentialId": credential.id,
            "workspaceName": credential.workspace_name,
            "botId": credential.bot_user_id,
        }
    )


# Actions ----------------------------------------------------------------------------------


def _without_none(values: Mapping[str, Any]) -> dict[str, Any]:
    # The guide sends `query: undefined`, which JSON drops, and sometimes explicit nulls.
    return {key: value for key, value in values.items() if value is not None}


def _object_field(body: Mapping[str, Any], key: str) -> dict[str, Any] | None:
    value = body.get(key)
    if value is None:
        return None
    if not isinstance(value, dict):
        raise BadRequest(f"{key} must be an object, not {_json_type(value)}.")
    return value


def _split_request(
    spec: ActionSpec, body: Mapping[str, Any]
) -> tuple[dict[str, str], Any, dict[str, Any]]:
    """Map either dialect to (path params, Notion body, Notion query)."""
    reads = spec.http_method in ("GET", "DELETE")
    official = any(key in body for key in ("requestBody", "queryParameters", "pathParams"))
    path_source: dict[str, Any]
    notion_body: Any
    if official:
        path_source = dict(_object_field(body, "pathParams") or {})
        query = _without_none(_object_field(body, "queryParameters") or {})
        _object_field(body, "additionalHeaders")
        notion_body = body.get("requestBody")
        fallbacks: list[dict[str, Any]] = [query]
        if isinstance(notion_body, dict):
            notion_body = dict(notion_body)
            fallbacks.append(notion_body)
        for name in spec.path_params:
            for source in fallbacks:
                if name not in path_source and name in source:
                    path_source[name] = source.pop(name)
        if notion_body is None:
            notion_body = {}
        where = "pathParams"
    else:
        parameters = dict(_object_field(body, "parameters") or {})
        path_source = {
            name: parameters.pop(name) for name in spec.path_params if name in parameters
        }
        rest = _without_none(parameters)
        notion_body, query = ({}, rest) if reads else (rest, {})
        where = "parameters"
    path_params: dict[str, str] = {}
    for name in spec.path_params:
        value = path_source.get(name)
        if value is None or value == "":
            raise BadRequest(f"{where}.{name} is required for action {spec.id}.")
        if not isinstance(value, str):
            raise BadRequest(f"{where}.{name} must be a string, not {_json_type(value)}.")
        path_params[name] = value
    return path_params, notion_body, query


@alloy_endpoint
async def execute_action(request: Request) -> Response:
    """Both dialects: POST .../actions/{a} {credentialId, parameters} and .../execute."""
    sandbox = _sandbox(request)
    connector = _connector(request)
    body = await _json_object(request)
    _check_user(request, body.get("userId"))
    credential_id = _required_string(body, "credentialId")
    credential = await run_in_threadpool(_credential, sandbox, credential_id, connector)
    spec = find_action(request.path_params["action"])
    if spec is None:
        raise BadRequest("Action not found", "NOT_FOUND", 404)
    path_params, notion_body, query = _split_request(spec, body)
    if sandbox.limiter is not None:
        retry_after = sandbox.limiter.acquire(credential.id)
        if retry_after is not None:
            return JSONResponse(
                notion_error(429), status_code=429, headers={"Retry-After": str(retry_after)}
            )
    status, result = await run_in_threadpool(
        lambda: sandbox.engine.execute(
            spec.id,
            path_params=path_params,
            body=notion_body,
            query=query,
            bot_user_id=credential.bot_user_id,
        )
    )
    return JSONResponse(result, status_code=status)


# The consent page -------------------------------------------------------------------------


def _top_level_pages(sandbox: Sandbox) -> list[consent.PageChoice]:
    status, result = sandbox.engine.execute(
        "post-search",
        path_params={},
        body={"filter": {"property": "object", "value": "page"}, "page_size": 100},
        query={},
    )
    if status != 200 or not isinstance(result, dict):
        return []
    pages = []
    for page in result.get("results", []):
        if not isinstance(page, dict) or page.get("parent", {}).get("type") != "workspace":
            continue
        title = ""
        for value in page.get("properties", {}).values():
            if isinstance(value, dict) and value.get("type") == "title":
                title = "".join(item.get("plain_text", "") for item in value.get("title", []))
        icon = page.get("icon") or {}
        emoji = icon.get("emoji", "\N{PAGE FACING UP}") if isinstance(icon, dict) else ""
        pages.append(consent.PageChoice(id=str(page.get("id", "")), title=title, icon=emoji))
    return sorted(pages, key=lambda page: page.title.casefold())


def _decide(sandbox: Sandbox, flow: OAuthFlow, allow: bool) -> Response:
    if allow:
        _, code = sandbox.credentials.allow(flow)
        target = consent.with_query(flow.redirect_uri, {"code": code, "state": flow.state})
    else:
        sandbox.credentials.deny(flow)
        target = consent.with_query(
            flow.redirect_uri, {"error": "access_denied", "state": flow.state}
        )
    return RedirectResponse(target, status_code=302, headers={"Cache-Control": "no-store"})


def _consent_get(sandbox: Sandbox, params: Mapping[str, str], action: str) -> Response:
    try:
        flow = sandbox.credentials.pending_flow(params.get("state", ""))
    except FlowError as exc:
        return consent.html_response(consent.render_problem(str(exc)), 400)
    if params.get("client_id") != OAUTH_CLIENT_ID:
        return consent.html_response(consent.render_problem("The client_id is not valid."), 400)
    if params.get("redirect_uri") != flow.redirect_uri:
        message = "The redirect_uri does not match the one the connection was started with."
        return consent.html_response(consent.render_problem(message), 400)
    if params.get("response_type") != "code":
        return consent.html_response(consent.render_problem("response_type must be code."), 400)
    if sandbox.config.auto_consent:
        try:
            return _decide(sandbox, flow, allow=True)
        except FlowError as exc:
            return consent.html_response(consent.render_problem(str(exc)), 400)
    page = consent.render_consent(
        action=action,
        state=flow.state,
        csrf=flow.csrf,
        workspace_name=SEED_WORKSPACE_NAME,
        pages=_top_level_pages(sandbox),
    )
    return consent.html_response(page)


async def consent_page(request: Request) -> Response:
    sandbox = _sandbox(request)
    params = dict(request.query_params)
    return await run_in_threadpool(_consent_get, sandbox, params, CONSENT_PATH)


def _consent_post(sandbox: Sandbox, form: Mapping[str, list[str]]) -> Response:
    def field(name: str) -> str:
        values = form.get(name, [])
        return values[0] if len(values) == 1 else ""

    try:
        flow = sandbox.credentials.pending_flow(field("state"))
        if not secrets.compare_digest(field("csrf").encode(), flow.csrf.encode()):
            return consent.html_response(
                consent.render_problem("The form has expired. Reload the page and try again."),
                403,
            )
        decision = field("decision")
        if decision not in ("allow", "cancel"):
            return consent.html_response(consent.render_problem("Choose Allow or Cancel."), 400)
        return _decide(sandbox, flow, allow=decision == "allow")
    except FlowError as exc:
        return consent.html_response(consent.render_problem(str(exc)), 400)


async def consent_submit(request: Request) -> Response:
    sandbox = _sandbox(request)
    raw = await request.body()
    if len(raw) > 64 * 1024:
        return consent.html_response(consent.render_problem("The form is too large."), 413)
    try:
        form = parse_qs(raw.decode("utf-8"), keep_blank_values=True, max_num_fields=1000)
    except ValueError:
        return consent.html_response(consent.render_problem("The form could not be read."), 400)
    return await run_in_threadpool(_consent_post, sandbox, form)


# Admin ------------------------------------------------------------------------------------


@alloy_endpoint
async def faults_get(request: Request) -> Response:
    return JSONResponse(_sandbox(request).faults.snapshot())


@alloy_endpoint
async def faults_set(request: Request) -> Response:
    sandbox = _sandbox(request)
    body = await _json_object(request)
    seed = body.get("seed", sandbox.faults.seed)
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise BadRequest("seed must be a whole number.")
    try:
        rules = rules_from_json(body.get("rules"))
    except ValueError as exc:
        raise BadRequest(str(exc)) from None
    sandbox.faults.replace(rules, seed)
    return JSONResponse(sandbox.faults.snapshot())


@alloy_endpoint
async def faults_clear(request: Request) -> Response:
    sandbox = _sandbox(request)
    sandbox.faults.clear()
    return JSONResponse(sandbox.faults.snapshot())


def _approve(sandbox: Sandbox, body: Mapping[str, Any]) -> Response:
    """Press Allow for a pending flow, found by its consent link or its state."""
    url, state = body.get("oauthUrl"), body.get("state")
    if url is not None and state is not None:
        raise BadRequest("Send oauthUrl or state, not both.")
    params: dict[str, str] = {}
    if url is not None:
        if not isinstance(url, str) or not url:
            raise BadRequest("oauthUrl must be the consent link start_oauth answered.")
        parts = urlsplit(url)
        if parts.path != CONSENT_PATH:
            raise BadRequest(f"oauthUrl is not the sandbox's consent page ({CONSENT_PATH}).")
        params = {key: values[0] for key, values in parse_qs(parts.query).items()}
        state = params.get("state")
        if not state:
            raise BadRequest("oauthUrl has no state parameter.")
    elif state is None or state == "":
        raise BadRequest("oauthUrl or state is required.")
    elif not isinstance(state, str):
        raise BadRequest(f"state must be a string, not {_json_type(state)}.")
    try:
        flow = sandbox.credentials.pending_flow(state)
        if url is not None:
            if params.get("client_id") != OAUTH_CLIENT_ID:
                raise BadRequest("The link's client_id is not valid.")
            if params.get("redirect_uri") != flow.redirect_uri:
                raise BadRequest(
                    "The link's redirect_uri does not match the one the connection was started"
                    " with."
                )
            if params.get("response_type") != "code":
                raise BadRequest("The link's response_type must be code.")
        if flow.user_id != sandbox.config.user_id:
            raise BadRequest(
                f"User {flow.user_id} is not accessible with this API key.", "FORBIDDEN", 403
            )
        credential, code = sandbox.credentials.allow(flow)
    except FlowError as exc:
        # Unknown, already answered or expired: the consent page's own sentence.
        raise BadRequest(str(exc), "INVALID_STATE") from None
    target = consent.with_query(flow.redirect_uri, {"code": code, "state": flow.state})
    return JSONResponse(
        {"redirectUrl": target, "state": flow.state, "connectionId": credential.id},
        headers={"Cache-Control": "no-store"},
    )


@alloy_endpoint
async def oauth_approve(request: Request) -> Response:
    """POST /__sandbox/oauth/approve {"oauthUrl": ...} or {"state": ...}: what pressing Allow
    on the consent page does, for tests and browserless machines; only the sandbox's own key.

    Answers where Allow would redirect (`redirectUrl`, with the code and the state); the caller
    follows it to its OAuth listener, as a browser would, and the flow completes as usual."""
    sandbox = _sandbox(request)
    body = await _json_object(request)
    _check_user(request, body.get("userId"))
    return await run_in_threadpool(_approve, sandbox, body)


@alloy_endpoint
async def admin_reset(request: Request) -> Response:
    sandbox = _sandbox(request)
    await run_in_threadpool(sandbox.reset)
    return JSONResponse({"success": True, "connectionId": SEED_CONNECTION_ID})


async def health(request: Request) -> Response:
    return JSONResponse({"status": "ok", "apiVersion": API_VERSION})


# The application ---------------------------------------------------------------------------


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, HTTPException)
    if exc.status_code == 405:
        return alloy_error(405, "METHOD_NOT_ALLOWED", f"{request.method} is not allowed here.")
    if exc.status_code == 404:
        return alloy_error(404, "NOT_FOUND", f"No endpoint at {request.url.path}.")
    return alloy_error(exc.status_code, "HTTP_ERROR", str(exc.detail))


async def _internal_error(request: Request, exc: Exception) -> Response:
    # The last line of defence: bad input must never get here (the tests check the counter).
    _sandbox(request).internal_errors += 1
    log.error("sandbox: unexpected error on %s %s", request.method, request.url.path, exc_info=exc)
    return JSONResponse(notion_error(500), status_code=500)


def _action_ids(path: str) -> tuple[str, ...]:
    """The action id in an execute path, plus its official id when it is an alias."""
    parts = path.split("/")
    # ["", "connectors", c, "actions", a] or [..., "execute"]
    if len(parts) in (5, 6) and parts[1] == "connectors" and parts[3] == "actions":
        action = parts[4]
        spec = find_action(action)
        return (action, spec.id) if spec is not None and spec.id != action else (action,)
    return ()


def _fault_applies(path: str) -> bool:
    return not (path.startswith(_ADMIN_PREFIX) or path.startswith("/v1/oauth"))


def create_app(config: SandboxConfig) -> Starlette:
    """Open (and seed) the store and build the ASGI app; `app.state.sandbox` holds the state."""
    sandbox = Sandbox(config)
    routes = [
        Route("/connectors", list_connectors, methods=["GET"]),
        Route("/connectors/{connector}/actions", list_actions, methods=["GET"]),
        Route("/connectors/{connector}/actions/{action}", get_action, methods=["GET"]),
        Route("/connectors/{connector}/actions/{action}", execute_action, methods=["POST"]),
        Route("/connectors/{connector}/actions/{action}/execute", execute_action, methods=["POST"]),
        Route("/connectors/{connector}/credentials", list_connector_credentials, methods=["GET"]),
        Route("/connectors/{connector}/credentials", start_oauth, methods=["POST"]),
        Route("/connectors/{connector}/credentials/callback", oauth_callback, methods=["POST"]),
        Route("/credentials", list_credentials_guide, methods=["GET"]),
        Route("/credentials/users/{user}", list_user_credentials, methods=["GET"]),
        Route("/users/{user}/credentials/{credential}", delete_credential, methods=["DELETE"]),
        Route(CONSENT_PATH, consent_page, methods=["GET"]),
        Route(CONSENT_PATH, consent_submit, methods=["POST"]),
        Route(f"{_ADMIN_PREFIX}/faults", faults_get, methods=["GET"]),
        Route(f"{_ADMIN_PREFIX}/faults", faults_set, methods=["POST"]),
        Route(f"{_ADMIN_PREFIX}/faults", faults_clear, methods=["DELETE"]),
        Route(f"{_ADMIN_PREFIX}/reset", admin_reset, methods=["POST"]),
        Route(f"{_ADMIN_PREFIX}/oauth/approve", oauth_approve, methods=["POST"]),
        Route(f"{_ADMIN_PREFIX}/health", health, methods=["GET"]),
    ]
    app = Starlette(
        routes=routes,
        middleware=[
            Middleware(
                FaultMiddleware,
                injector=sandbox.faults,
                applies=_fault_applies,
                action_ids=_action_ids,
            )
        ],
        exception_handlers={HTTPException: _http_error, Exception: _internal_error},
    )
    app.state.sandbox = sandbox
    return app


# Serving ------------------------------------------------------------------------------------


class _Server(uvicorn.Server):
    """uvicorn.Server that signals an Event once it is serving."""

    def __init__(self, config: uvicorn.Config, ready: threading.Event) -> None:
        super().__init__(config)
        self._ready = ready

    async def startup(self, sockets: list[socket.socket] | None = None) -> None:
        await super().startup(sockets=sockets)
        self._ready.set()


def _bind(host: str, port: int) -> socket.socket:
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    # proto=IPPROTO_TCP matters: asyncio only sets TCP_NODELAY on accepted sockets whose proto
    # says TCP, and without it every response waits ~40 ms on Nagle plus delayed ACKs.
    sock = socket.socket(family, socket.SOCK_STREAM, socket.IPPROTO_TCP)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind((host, port))
        sock.listen(128)
    except OSError as exc:
        sock.close()
        if exc.errno == errno.EADDRINUSE:
            raise PortInUseError(exc.errno, f"port {port} on {host} is already in use") from exc
        raise
    sock.set_inheritable(True)
    return sock


class SandboxServer:
    """A sandbox served by uvicorn in a background thread; a context manager."""

    def __init__(self, config: SandboxConfig) -> None:
        self.config = config
        self.port = config.port
        self.app: Starlette | None = None
        self._server: _Server | None = None
        self._thread: threading.Thread | None = None

    @property
    def base_url(self) -> str:
        host = f"[{self.config.host}]" if ":" in self.config.host else self.config.host
        return f"http://{host}:{self.port}"

    @property
    def sandbox(self) -> Sandbox:
        if self.app is None:
            raise RuntimeError("the sandbox server is not started")
        sandbox: Sandbox = self.app.state.sandbox
        return sandbox

    def start(self) -> None:
        """Bind, open the store, and return once uvicorn is serving. PortInUseError if busy."""
        if self._thread is not None:
            raise RuntimeError("the sandbox server is already started")
        sock = _bind(self.config.host, self.config.port)
        try:
            self.port = sock.getsockname()[1]
            self.app = create_app(self.config)
        except BaseException:
            sock.close()
            raise
        uv_config = uvicorn.Config(
            self.app,
            log_level="info" if self.config.access_log else "warning",
            access_log=self.config.access_log,
            # The library use leaves the process's logging alone; the CLI asks for uvicorn's.
            log_config=uvicorn.config.LOGGING_CONFIG if self.config.access_log else None,
            lifespan="off",
            timeout_graceful_shutdown=2,
        )
        ready = threading.Event()
        self._server = server = _Server(uv_config, ready)

        def serve() -> None:
            try:
                server.run(sockets=[sock])
            finally:
                ready.set()  # never leave start() waiting on a server that died
                sock.close()

        self._thread = threading.Thread(target=serve, name="alloy-sandbox", daemon=True)
        self._thread.start()
        if not ready.wait(timeout=30) or not server.started:
            self.stop()
            raise RuntimeError("the sandbox server did not start")

    def stop(self) -> None:
        server, thread = self._server, self._thread
        if server is not None and thread is not None:
            server.should_exit = True
            thread.join(timeout=10)
            if thread.is_alive():
                server.force_exit = True
                thread.join(timeout=5)
        if self.app is not None:
            self.sandbox.close()
        self._server = self._thread = None
        self.app = None

    @property
    def is_serving(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def __enter__(self) -> SandboxServer:
        self.start()
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()


__all__ = [
    "CONSENT_PATH",
    "OAUTH_CLIENT_ID",
    "PortInUseError",
    "Sandbox",
    "SandboxConfig",
    "SandboxServer",
    "create_app",
]
