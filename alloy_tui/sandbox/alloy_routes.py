"""Alloy's endpoints, both dialects: connectors and actions, credentials, OAuth, execute."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any
from urllib.parse import urlencode

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from alloy_tui.sandbox import consent
from alloy_tui.sandbox.actions import ACTIONS, ActionSpec, find_action
from alloy_tui.sandbox.catalog import (
    CONNECTORS,
    CREDENTIALS_METADATA,
    GUIDE_LIST_KEY,
    NOTION_VERSION_HEADER,
    action_detail,
    action_summary,
    connector_detail,
)
from alloy_tui.sandbox.consent import CONSENT_PATH, OAUTH_CLIENT_ID
from alloy_tui.sandbox.credentials import InvalidGrant
from alloy_tui.sandbox.defaults import NOTION_VERSIONS
from alloy_tui.sandbox.faults import notion_error
from alloy_tui.sandbox.http import (
    BadRequest,
    alloy_endpoint,
    alloy_error,
    check_user,
    connector_of,
    credential_of,
    json_object,
    json_type,
    official_endpoint,
    required_string,
    sandbox_of,
    string_field,
    text,
)
from alloy_tui.sandbox.runtime import Sandbox
from alloy_tui.sandbox.slack import catalog as slack_catalog

SLACK = slack_catalog.CONNECTOR_ID


def _action_count(connector: str) -> int:
    return len(slack_catalog.ACTIONS) if connector == SLACK else len(ACTIONS)


@official_endpoint
async def list_connectors(request: Request) -> Response:
    items = [
        {**connector, "actionCount": _action_count(connector_id)}
        for connector_id, connector in CONNECTORS.items()
    ]
    return JSONResponse({"connectors": items, "data": items})


@official_endpoint
async def get_connector(request: Request) -> Response:
    connector = connector_of(request)
    return JSONResponse(connector_detail(CONNECTORS[connector], _action_count(connector)))


@official_endpoint
async def credentials_metadata(request: Request) -> Response:
    connector = connector_of(request)
    if connector == SLACK:
        return JSONResponse(dict(slack_catalog.CREDENTIALS_METADATA))
    return JSONResponse(dict(CREDENTIALS_METADATA))


@official_endpoint
async def list_actions(request: Request) -> Response:
    if connector_of(request) == SLACK:
        items = [slack_catalog.action_summary(action) for action in slack_catalog.ACTIONS]
    else:
        items = [action_summary(spec) for spec in ACTIONS]
    return JSONResponse({"actions": items, "data": items})


@official_endpoint
async def get_action(request: Request) -> Response:
    if connector_of(request) == SLACK:
        action = slack_catalog.find_action(request.path_params["action"])
        if action is None:
            raise BadRequest("Action not found", "NOT_FOUND", 404)
        return JSONResponse({"action": slack_catalog.action_detail(action)})
    spec = find_action(request.path_params["action"])
    if spec is None:
        raise BadRequest("Action not found", "NOT_FOUND", 404)
    return JSONResponse({"action": action_detail(spec)})


# Credentials ------------------------------------------------------------------------------


@alloy_endpoint
async def list_credentials_guide(request: Request) -> Response:
    """GET /credentials: the guide's bare array."""
    sandbox = sandbox_of(request)
    user = check_user(request)
    items = await run_in_threadpool(sandbox.credentials.list, user)
    return JSONResponse([item.to_json() for item in items])


@official_endpoint
async def list_connector_credentials(request: Request) -> Response:
    """GET /connectors/{c}/credentials: the official {"credentials": [...]}."""
    sandbox = sandbox_of(request)
    connector = connector_of(request)
    user = check_user(request)
    items = await run_in_threadpool(sandbox.credentials.list, user, connector)
    return JSONResponse({"credentials": [item.to_json() for item in items]})


@official_endpoint
async def list_user_credentials(request: Request) -> Response:
    """GET /credentials/users/{userId}: the official {"data": [...]}."""
    sandbox = sandbox_of(request)
    user = check_user(request, request.path_params["user"])
    items = await run_in_threadpool(sandbox.credentials.list, user)
    return JSONResponse({"data": [item.to_json() for item in items]})


@official_endpoint
async def delete_credential(request: Request) -> Response:
    sandbox = sandbox_of(request)
    user = check_user(request, request.path_params["user"])
    credential_id = request.path_params["credential"]
    deleted = await run_in_threadpool(sandbox.credentials.delete, credential_id, user)
    if not deleted:
        raise BadRequest("Credential not found", "NOT_FOUND", 404)
    return JSONResponse({"success": True})


@alloy_endpoint
async def start_oauth(request: Request) -> Response:
    """POST /connectors/{c}/credentials: start OAuth, answer the consent page's URL."""
    sandbox = sandbox_of(request)
    connector = connector_of(request)
    body = await json_object(request)
    user = check_user(request, body.get("userId"))
    if body.get("connectorId") is not None and body.get("connectorId") != connector:
        raise BadRequest("connectorId in the body does not match the connector in the path.")
    authentication = body.get("authenticationType", "oauth2")
    if authentication != "oauth2":
        raise BadRequest(f'authenticationType must be "oauth2" for {connector}.')
    redirect_uri = required_string(body, "redirectUri")
    if not consent.valid_redirect_uri(redirect_uri):
        raise BadRequest("redirectUri must be an absolute http(s) URL without a fragment.")
    flow = await run_in_threadpool(sandbox.credentials.start_flow, user, connector, redirect_uri)
    params = {
        "client_id": OAUTH_CLIENT_ID,
        "redirect_uri": redirect_uri,
        "response_type": "code",
        "owner": "user",
        "state": flow.state,
    }
    if connector == SLACK:  # Slack's authorize link names the scopes asked for
        params["scope"] = ",".join(scope for scope, _ in slack_catalog.CONSENT_SCOPES)
    query = urlencode(params)
    base = str(request.base_url).rstrip("/")
    return JSONResponse(
        {"oauthUrl": f"{base}{CONSENT_PATH}?{query}", "credentialId": flow.credential_id}
    )


@alloy_endpoint
async def oauth_callback(request: Request) -> Response:
    """POST /connectors/{c}/credentials/callback: the guide's single-use code exchange."""
    sandbox = sandbox_of(request)
    connector = connector_of(request)
    body = await json_object(request)
    user = check_user(request, body.get("userId"))
    code = required_string(body, "code")
    credential_id = string_field(body, "credentialId")
    try:
        credential = await run_in_threadpool(
            sandbox.credentials.exchange, code, credential_id, user
        )
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
        raise BadRequest(f"{key} must be an object, not {json_type(value)}.")
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
            raise BadRequest(f"{where}.{name} must be a string, not {json_type(value)}.")
        path_params[name] = text(value, f"{where}.{name}")
    return path_params, notion_body, query


def notion_version(sandbox: Sandbox, body: Mapping[str, Any]) -> str:
    """The call's Notion version: `Notion-Version` in the official `additionalHeaders`, else
    the sandbox's default; one Notion does not know is Notion's 400 naming the header."""
    headers = _object_field(body, "additionalHeaders") or {}
    wanted = NOTION_VERSION_HEADER.lower()
    version: Any = next(
        (value for name, value in headers.items() if name.lower() == wanted),
        sandbox.config.notion_version,
    )
    if not isinstance(version, str) or version not in NOTION_VERSIONS:
        known = ", ".join(NOTION_VERSIONS)
        shown = version if isinstance(version, str) else json_type(version)
        raise NotionRefusal(
            400,
            "invalid_request_header",
            f"additionalHeaders.{NOTION_VERSION_HEADER} {shown!r} is not a Notion API version"
            f" the sandbox speaks ({known}).",
        )
    return version


class NotionRefusal(Exception):
    """A request Notion itself would refuse before running it: answered in Notion's shape."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.body = {"object": "error", "status": status, "code": code, "message": message}
        self.status = status


async def _execute(request: Request, shape: Callable[[Any], Any]) -> Response:
    """Run the action for either dialect's request; `shape` turns Notion's 200 answer into
    the dialect's (errors are Notion's, passed through with Notion's status)."""
    sandbox = sandbox_of(request)
    connector = connector_of(request)
    body = await json_object(request)
    user = check_user(request, body.get("userId"))
    credential_id = required_string(body, "credentialId")
    credential = await run_in_threadpool(credential_of, sandbox, credential_id, user, connector)
    if connector == SLACK:
        return await _execute_slack(sandbox, credential.id, body, shape, request)
    spec = find_action(request.path_params["action"])
    if spec is None:
        raise BadRequest("Action not found", "NOT_FOUND", 404)
    path_params, notion_body, query = _split_request(spec, body)
    try:
        version = notion_version(sandbox, body)
    except NotionRefusal as refusal:
        return JSONResponse(refusal.body, status_code=refusal.status)
    request.state.notion_version = version
    if sandbox.limiter is not None:
        retry_after = sandbox.limiter.acquire(credential.id)
        if retry_after is not None:
            return JSONResponse(
                notion_error(429), status_code=429, headers={"Retry-After": str(retry_after)}
            )
    status, result = await run_in_threadpool(
        lambda: sandbox.execute(
            spec.id,
            path_params=path_params,
            body=notion_body,
            query=query,
            bot_user_id=credential.bot_user_id,
            notion_version=version,
        )
    )
    return JSONResponse(shape(result) if status == 200 else result, status_code=status)


def _slack_arguments(action: slack_catalog.SlackAction, body: Mapping[str, Any]) -> dict[str, Any]:
    """A Slack method's arguments from either dialect: the official `queryParameters` and
    `requestBody` (Slack reads arguments from either), or the guide's `parameters`."""
    official = any(key in body for key in ("requestBody", "queryParameters", "pathParams"))
    if not official:
        return _without_none(_object_field(body, "parameters") or {})
    arguments = _without_none(_object_field(body, "queryParameters") or {})
    request_body = body.get("requestBody")
    if request_body is not None and not isinstance(request_body, dict):
        raise BadRequest(
            f"requestBody must be an object for action {action.id}, not {json_type(request_body)}."
        )
    arguments.update(_without_none(request_body or {}))
    return arguments


async def _execute_slack(
    sandbox: Sandbox,
    credential_id: str,
    body: Mapping[str, Any],
    shape: Callable[[Any], Any],
    request: Request,
) -> Response:
    """One Slack method: Slack's answer (refusals included: Slack says `ok: false` with a 200)
    in the dialect's envelope; a rate limit is Slack's 429 with its Retry-After."""
    action = slack_catalog.find_action(request.path_params["action"])
    if action is None:
        raise BadRequest("Action not found", "NOT_FOUND", 404)
    arguments = _slack_arguments(action, body)
    answer = await run_in_threadpool(sandbox.slack.execute, action, arguments, credential_id)
    content = shape(answer.body) if answer.status == 200 else answer.body
    return JSONResponse(content, status_code=answer.status, headers=answer.headers)


def _official_answer(result: Any) -> Any:
    """Alloy's documented envelope around exactly what Notion answers [official]."""
    if isinstance(result, dict) and result.get("object") == "list":
        # Notion's list object has no `data`: an engine that adds it for the guide is undone.
        result = {key: value for key, value in result.items() if key != GUIDE_LIST_KEY}
    return {"success": True, "result": result}


def _guide_answer(result: Any) -> Any:
    """What the guide's examples read: single objects bare, lists also under `data`."""
    if isinstance(result, dict) and result.get("object") == "list":
        return {**result, GUIDE_LIST_KEY: result.get("results", [])}
    return result


@official_endpoint
async def execute_official(request: Request) -> Response:
    """POST .../actions/{a}/execute {credentialId, requestBody, queryParameters, pathParams,
    additionalHeaders}: `{"success": true, "result": <Notion's answer>}`."""
    return await _execute(request, _official_answer)


@alloy_endpoint
async def execute_guide(request: Request) -> Response:
    """POST .../actions/{a} {credentialId, parameters}: the guide's bare answers."""
    return await _execute(request, _guide_answer)


# The consent page -------------------------------------------------------------------------


ROUTES = [
    Route("/connectors", list_connectors, methods=["GET"]),
    Route("/connectors/{connector}", get_connector, methods=["GET"]),
    Route("/connectors/{connector}/actions", list_actions, methods=["GET"]),
    Route("/connectors/{connector}/actions/{action}", get_action, methods=["GET"]),
    Route("/connectors/{connector}/actions/{action}", execute_guide, methods=["POST"]),
    Route("/connectors/{connector}/actions/{action}/execute", execute_official, methods=["POST"]),
    Route("/connectors/{connector}/credentials", list_connector_credentials, methods=["GET"]),
    Route("/connectors/{connector}/credentials", start_oauth, methods=["POST"]),
    Route("/connectors/{connector}/credentials/metadata", credentials_metadata, methods=["GET"]),
    Route("/connectors/{connector}/credentials/callback", oauth_callback, methods=["POST"]),
    Route("/credentials", list_credentials_guide, methods=["GET"]),
    Route("/credentials/users/{user}", list_user_credentials, methods=["GET"]),
    Route("/users/{user}/credentials/{credential}", delete_credential, methods=["DELETE"]),
]
