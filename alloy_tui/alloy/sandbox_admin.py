"""The sandbox's admin side, seen from the client: approve an OAuth link without a browser.

The sandbox offers `POST /__sandbox/oauth/approve` for its own key: it does what pressing Allow
on its consent page does and answers where Allow would redirect. This module calls it through
the Alloy client (so the call is authenticated, logged and scrubbed like any other) and then
plays the browser's last part: it follows that redirect to the app's loopback listener, which
finishes the flow as usual. No Textual here; the connect dialog reaches it through AppState.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Final
from urllib.parse import parse_qs, urlsplit

import httpx

from alloy_tui.alloy.errors import AlloyError
from alloy_tui.alloy.retry import ActionKind

if TYPE_CHECKING:
    from alloy_tui.alloy.client import AlloyClient

APPROVE_PATH: Final = "/__sandbox/oauth/approve"
APPROVE_TIMEOUT: Final = 10.0
"""How long following the redirect to the app's own listener may take."""


class SandboxApprovalError(AlloyError):
    """Approving in the sandbox failed; says what happened and what to do."""

    default_sentence = "Approving in the sandbox failed."
    default_remedy = "Press a to try again, or open the link."


def same_place(url: str, base: str) -> bool:
    """Whether two URLs share scheme, host and port."""
    a, b = urlsplit(url), urlsplit(base)
    return (a.scheme, a.hostname, a.port) == (b.scheme, b.hostname, b.port)


async def approve_in_sandbox(client: AlloyClient, oauth_url: str) -> None:
    """Approve `oauth_url` (the sandbox's consent link) as if the user pressed Allow, then
    follow the answer's redirect to the loopback listener the link names.

    Only a link on the client's own base URL is approved, and only a redirect to the listener
    the link names is followed; the follow-up request to the listener sends no credentials.
    Raises SandboxApprovalError."""
    if not same_place(oauth_url, client.base_url):
        raise SandboxApprovalError(
            "The authorization link is not on the sandbox, so it cannot be approved here.",
            remedy="Open the link in a browser instead (y copies it).",
        )
    redirect_uri = (parse_qs(urlsplit(oauth_url).query).get("redirect_uri") or [""])[0]
    if not redirect_uri:
        raise SandboxApprovalError("The authorization link names no redirect URI.")
    try:
        # A single-use approval: never resent (a lost answer would have spent the flow).
        answer = await client._call(  # the one request path: auth, request log, error mapping
            "POST",
            APPROVE_PATH,
            kind=ActionKind.CREATE,
            body={"oauthUrl": oauth_url},
            user_scoped=True,
            action="sandbox-approve",
            retry=False,
        )
    except AlloyError as error:
        reason = error.detail or error.sentence
        raise SandboxApprovalError(
            f"The sandbox did not approve the link: {reason.rstrip('.')}."
        ) from None
    target = answer.get("redirectUrl") if isinstance(answer, Mapping) else None
    if not isinstance(target, str) or not target:
        raise SandboxApprovalError("The sandbox's approval names no redirect URL.")
    expected = urlsplit(redirect_uri)
    if not same_place(target, redirect_uri) or urlsplit(target).path != expected.path:
        raise SandboxApprovalError("The sandbox sent the approval somewhere unexpected.")
    try:
        # The listener's answer is a page for the browser; the flow itself learns the result.
        back = await client.http.get(target, timeout=APPROVE_TIMEOUT)
    except httpx.HTTPError as error:
        raise SandboxApprovalError(
            f"Could not reach the app's OAuth listener ({type(error).__name__})."
        ) from None
    if back.status_code >= 400:
        raise SandboxApprovalError(
            f"The app's OAuth listener refused the approval (HTTP {back.status_code}).",
            remedy="Press r to start over.",
        )


__all__ = ["APPROVE_PATH", "SandboxApprovalError", "approve_in_sandbox", "same_place"]
