"""The OAuth consent page's routes: show it, and answer Allow or Cancel with a redirect."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from typing import Final
from urllib.parse import parse_qs

from starlette.concurrency import run_in_threadpool
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import Route

from alloy_tui.sandbox import consent
from alloy_tui.sandbox.consent import CONSENT_PATH, OAUTH_CLIENT_ID
from alloy_tui.sandbox.credentials import FlowError, OAuthFlow
from alloy_tui.sandbox.defaults import SEED_WORKSPACE_NAME
from alloy_tui.sandbox.http import BadRequest, read_body, sandbox_of
from alloy_tui.sandbox.runtime import Sandbox
from alloy_tui.sandbox.slack import catalog as slack_catalog

MAX_FORM_BYTES: Final = 64 * 1024
"""The consent form holds a state, a token and page ids: far below this."""


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
    if flow.connector_id == slack_catalog.CONNECTOR_ID:
        page = consent.render_consent(
            action=action,
            state=flow.state,
            csrf=flow.csrf,
            workspace_name=SEED_WORKSPACE_NAME,
            pages=None,
            service="Slack",
            capabilities=slack_catalog.CONSENT_SCOPES,
        )
    else:
        page = consent.render_consent(
            action=action,
            state=flow.state,
            csrf=flow.csrf,
            workspace_name=SEED_WORKSPACE_NAME,
            pages=_top_level_pages(sandbox),
        )
    return consent.html_response(page)


async def consent_page(request: Request) -> Response:
    sandbox = sandbox_of(request)
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
    sandbox = sandbox_of(request)
    try:
        raw = await read_body(request, MAX_FORM_BYTES, "The form")
    except BadRequest as exc:
        response = consent.html_response(consent.render_problem(exc.message), exc.status)
        if exc.status == 413:  # the rest of the form is left unread
            response.headers["Connection"] = "close"
        return response
    try:
        form = parse_qs(raw.decode("utf-8"), keep_blank_values=True, max_num_fields=1000)
    except ValueError:
        return consent.html_response(consent.render_problem("The form could not be read."), 400)
    return await run_in_threadpool(_consent_post, sandbox, form)


ROUTES = [
    Route(CONSENT_PATH, consent_page, methods=["GET"]),
    Route(CONSENT_PATH, consent_submit, methods=["POST"]),
]
