"""The sandbox's OAuth consent page (Notion's look, or Slack's scopes for a Slack connection):
HTML rendering and redirect URLs."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from html import escape
from typing import Final
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from starlette.responses import HTMLResponse

OAUTH_CLIENT_ID: Final = "5f0c4d9e-2b7a-4e31-9c8d-a1b2c3d4e5f6"
"""The sandbox integration's Notion client id, shown in the authorize URL."""
CONSENT_PATH: Final = "/v1/oauth/authorize"
INTEGRATION_NAME: Final = "Alloy TUI Sandbox"
CAPABILITIES: Final = (
    ("Read content", "View pages and databases you select, and their comments."),
    ("Update content", "Edit the pages and databases you select."),
    ("Insert content", "Create new pages and blocks in the pages you select."),
    ("Read user information including email addresses", "See the people in your workspace."),
)
SECURITY_HEADERS: Final = {
    "Cache-Control": "no-store",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    # Inline styles only; no scripts, images or frames. form-action is left open on purpose:
    # Allow redirects to the app's loopback listener, which browsers check against it.
    "Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'",
}


@dataclass(frozen=True)
class PageChoice:
    """A top-level page offered in the page picker."""

    id: str
    title: str
    icon: str


_STYLE: Final = """
body{margin:0;background:#f7f6f3;color:#37352f;font:14px/1.5 -apple-system,BlinkMacSystemFont,
"Segoe UI",Helvetica,"Apple Color Emoji",Arial,sans-serif}
.card{max-width:440px;margin:48px auto;background:#fff;border-radius:8px;padding:32px;
box-shadow:rgba(15,15,15,.05) 0 0 0 1px,rgba(15,15,15,.1) 0 3px 6px,rgba(15,15,15,.2) 0 9px 24px}
.logo{width:40px;height:40px;border-radius:6px;background:#37352f;color:#fff;font-weight:700;
font-size:22px;display:flex;align-items:center;justify-content:center;margin:0 auto 16px}
h1{font-size:18px;text-align:center;margin:0 0 4px}
.sub{text-align:center;color:rgba(55,53,47,.65);margin:0 0 24px}
h2{font-size:12px;text-transform:uppercase;letter-spacing:.04em;color:rgba(55,53,47,.65);
margin:20px 0 8px}
ul{list-style:none;padding:0;margin:0}
.cap li{padding:6px 0;border-bottom:1px solid rgba(55,53,47,.09)}
.cap small{display:block;color:rgba(55,53,47,.65)}
.pages{max-height:220px;overflow:auto;border:1px solid rgba(55,53,47,.16);border-radius:4px}
.pages label{display:flex;gap:8px;padding:6px 10px;cursor:pointer}
.pages label:hover{background:rgba(55,53,47,.08)}
.buttons{display:flex;gap:8px;justify-content:flex-end;margin-top:24px}
button{font:inherit;border-radius:4px;padding:6px 14px;cursor:pointer;border:1px solid
rgba(55,53,47,.16);background:#fff;color:#37352f}
button.allow{background:#2383e2;border-color:#2383e2;color:#fff;font-weight:500}
.empty{padding:8px 10px;color:rgba(55,53,47,.65)}
"""


def _document(title: str, body: str) -> str:
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head>"
        f'<body><main class="card">{body}</main></body></html>'
    )


def render_consent(
    *,
    action: str,
    state: str,
    csrf: str,
    workspace_name: str,
    pages: Sequence[PageChoice] | None,
    service: str = "Notion",
    capabilities: Sequence[tuple[str, str]] = CAPABILITIES,
) -> str:
    """The consent page; every value from outside is escaped. `pages` None: no page picker
    (Slack grants scopes on the whole workspace)."""
    allowed = "".join(
        f"<li>{escape(name)}<small>{escape(detail)}</small></li>" for name, detail in capabilities
    )
    picker_section = ""
    if pages is not None:
        picker = "".join(
            f'<li><label><input type="checkbox" name="pages" value="{escape(page.id)}" checked>'
            f"<span>{escape(page.icon)}</span><span>{escape(page.title or 'Untitled')}</span>"
            "</label></li>"
            for page in pages
        )
        picker = picker or '<li class="empty">No pages in this workspace yet.</li>'
        picker_section = f'<h2>Select pages to share</h2><ul class="pages">{picker}</ul>'
    body = (
        '<div class="logo">A</div>'
        f"<h1>{escape(INTEGRATION_NAME)} would like to access {escape(workspace_name)}</h1>"
        f'<p class="sub">{escape(service)} \N{MIDDLE DOT} sandbox</p>'
        f'<form method="post" action="{escape(action)}">'
        f'<input type="hidden" name="state" value="{escape(state)}">'
        f'<input type="hidden" name="csrf" value="{escape(csrf)}">'
        f'<h2>This integration will be able to</h2><ul class="cap">{allowed}</ul>'
        f"{picker_section}"
        '<div class="buttons">'
        '<button type="submit" name="decision" value="cancel">Cancel</button>'
        '<button type="submit" name="decision" value="allow" class="allow">Allow access</button>'
        "</div></form>"
    )
    return _document(f"{INTEGRATION_NAME} \N{EN DASH} {service}", body)


def render_problem(message: str) -> str:
    """A fixed-layout error page; the message is one of the sandbox's own sentences."""
    body = (
        '<div class="logo">A</div><h1>Cannot continue</h1>'
        f'<p class="sub">{escape(message)}</p>'
        '<p class="sub">Go back to your application and start the connection again.</p>'
    )
    return _document("Authorization problem \N{EN DASH} Notion", body)


def html_response(content: str, status_code: int = 200) -> HTMLResponse:
    return HTMLResponse(content, status_code=status_code, headers=dict(SECURITY_HEADERS))


def with_query(uri: str, params: Mapping[str, str]) -> str:
    """`uri` with `params` added to whatever query it already has."""
    parts = urlsplit(uri)
    query = [*parse_qsl(parts.query, keep_blank_values=True), *params.items()]
    return urlunsplit((parts.scheme, parts.netloc, parts.path, urlencode(query), parts.fragment))


def valid_redirect_uri(uri: str) -> bool:
    """An absolute http(s) URL with a host and no fragment (RFC 6749 section 3.1.2)."""
    try:
        parts = urlsplit(uri)
        port = parts.port  # raises for a malformed port
    except ValueError:
        return False
    del port
    return (
        parts.scheme in ("http", "https")
        and bool(parts.hostname)
        and not parts.fragment
        and not any(ch.isspace() or ord(ch) < 32 for ch in uri)
    )
