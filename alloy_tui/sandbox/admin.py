"""The sandbox's own admin endpoints (faults, reset, pressing Allow, health): its key only."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final
from urllib.parse import parse_qs, urlsplit

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from alloy_tui.sandbox import consent
from alloy_tui.sandbox.consent import CONSENT_PATH, OAUTH_CLIENT_ID
from alloy_tui.sandbox.credentials import FlowError
from alloy_tui.sandbox.defaults import API_VERSION, SEED_CONNECTION_ID
from alloy_tui.sandbox.faults import rules_from_json
from alloy_tui.sandbox.http import (
    BadRequest,
    alloy_endpoint,
    check_user,
    json_object,
    json_type,
    sandbox_of,
    text,
)
from alloy_tui.sandbox.runtime import Sandbox

ADMIN_PREFIX: Final = "/__sandbox"


@alloy_endpoint
async def faults_get(request: Request) -> Response:
    return JSONResponse(sandbox_of(request).faults.snapshot())


@alloy_endpoint
async def faults_set(request: Request) -> Response:
    sandbox = sandbox_of(request)
    body = await json_object(request)
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
    sandbox = sandbox_of(request)
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
        text(url, "oauthUrl")
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
        raise BadRequest(f"state must be a string, not {json_type(state)}.")
    else:
        text(state, "state")
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
    sandbox = sandbox_of(request)
    body = await json_object(request)
    check_user(request, body.get("userId"))
    return await run_in_threadpool(_approve, sandbox, body)


@alloy_endpoint
async def admin_reset(request: Request) -> Response:
    sandbox = sandbox_of(request)
    await run_in_threadpool(sandbox.reset)
    return JSONResponse({"success": True, "connectionId": SEED_CONNECTION_ID})


async def health(request: Request) -> Response:
    # "sandbox": true is how a client tells a sandbox from Alloy (whose /__sandbox/health is a
    # 404): its picks then go to [sandbox] in config.toml, never over the real account's.
    return JSONResponse({"status": "ok", "apiVersion": API_VERSION, "sandbox": True})


ROUTES = [
    Route(f"{ADMIN_PREFIX}/faults", faults_get, methods=["GET"]),
    Route(f"{ADMIN_PREFIX}/faults", faults_set, methods=["POST"]),
    Route(f"{ADMIN_PREFIX}/faults", faults_clear, methods=["DELETE"]),
    Route(f"{ADMIN_PREFIX}/reset", admin_reset, methods=["POST"]),
    Route(f"{ADMIN_PREFIX}/oauth/approve", oauth_approve, methods=["POST"]),
    Route(f"{ADMIN_PREFIX}/health", health, methods=["GET"]),
]
