"""Hostile input at the sandbox's HTTP layer: huge bodies are refused unread, and text that is
not Unicode (a lone surrogate) is a 4xx naming the field, never a 500."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from alloy_tui.sandbox.consent import CONSENT_PATH
from alloy_tui.sandbox.defaults import DEFAULT_API_KEY, DEFAULT_USER_ID, SEED_CONNECTION_ID
from alloy_tui.sandbox.server import SandboxServer

AUTH = {"Authorization": f"Bearer {DEFAULT_API_KEY}", "x-api-version": "2025-09"}
TOTAL = 50 * 1024 * 1024
PIECE = 64 * 1024


class Upload:
    """A 50 MB body streamed from a generator over a raw socket, counting what it yielded."""

    def __init__(self, server: SandboxServer, path: str, *, declare_length: bool) -> None:
        self.yielded = 0
        self.stop = threading.Event()
        self.sock = socket.create_connection(("127.0.0.1", server.port), timeout=60)
        framing = f"Content-Length: {TOTAL}" if declare_length else "Transfer-Encoding: chunked"
        head = (
            f"POST {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n"
            f"Authorization: Bearer {DEFAULT_API_KEY}\r\nContent-Type: application/json\r\n"
            f"{framing}\r\n\r\n"
        )
        self.sock.sendall(head.encode())
        self.chunked = not declare_length
        self.sender = threading.Thread(target=self._send, daemon=True)
        self.sender.start()

    def body(self) -> Iterator[bytes]:
        while self.yielded < TOTAL and not self.stop.is_set():
            self.yielded += PIECE
            yield b" " * PIECE

    def _send(self) -> None:
        try:
            for piece in self.body():
                frame = b"%x\r\n%s\r\n" % (len(piece), piece) if self.chunked else piece
                self.sock.sendall(frame)
        except OSError:
            pass  # the server stopped listening: that is the point

    def answer(self) -> tuple[int, bytes, int]:
        """(status, raw answer, bytes the generator had yielded when the answer came)."""
        received = b""
        while b"\r\n\r\n" not in received:
            data = self.sock.recv(65536)
            assert data, "the server closed the connection without an answer"
            received += data
        yielded = self.yielded
        self.stop.set()
        try:
            self.sock.settimeout(5)
            while data := self.sock.recv(65536):
                received += data
        except OSError:
            pass
        self.sock.close()
        self.sender.join(timeout=30)
        return int(received.split(b" ", 2)[1]), received, yielded


@pytest.mark.parametrize("declare_length", [True, False], ids=["content-length", "chunked"])
@pytest.mark.parametrize(
    "path", ["/connectors/notion/actions/post-search", CONSENT_PATH], ids=["execute", "consent"]
)
def test_a_50_mb_body_is_refused_before_it_is_read(
    sandbox: SandboxServer, path: str, declare_length: bool
) -> None:
    upload = Upload(sandbox, path, declare_length=declare_length)
    status, raw, yielded = upload.answer()
    assert status == 413, raw[:300]
    assert b"larger than" in raw
    # The answer came long before the body was sent: at most the limit plus socket buffers.
    assert yielded < TOTAL // 2, yielded
    if declare_length:  # refused on the header alone
        assert yielded < 16 * 1024 * 1024
    # And the server is none the worse for it.
    with httpx.Client(base_url=sandbox.base_url, headers=AUTH) as client:
        assert client.get("/connectors").status_code == 200


def raw_json(text: str) -> bytes:
    """JSON as a client may send it: `\\ud800` escapes stay as written."""
    return text.encode()


@pytest.mark.parametrize(
    ("route", "body", "field"),
    [
        (
            "/connectors/notion/actions/get-self",
            '{"credentialId": "\\ud800", "parameters": {}}',
            "credentialId",
        ),
        (
            "/connectors/notion/actions/get-self/execute",
            '{"credentialId": "ab\\udfffc"}',
            "credentialId",
        ),
        (
            "/connectors/notion/actions/retrieve-a-page/execute",
            f'{{"credentialId": "{SEED_CONNECTION_ID}", "pathParams": {{"page_id": "\\ud83d"}}}}',
            "pathParams.page_id",
        ),
        (
            "/connectors/notion/actions/get-page",
            f'{{"credentialId": "{SEED_CONNECTION_ID}", "parameters": {{"page_id": "\\ud83d"}}}}',
            "parameters.page_id",
        ),
        (
            "/connectors/notion/actions/get-self",
            '{"credentialId": "x", "userId": "\\ud800", "parameters": {}}',
            "userId",
        ),
        ("/connectors/notion/credentials/callback", '{"code": "\\ud800"}', "code"),
        (
            "/connectors/notion/credentials/callback",
            '{"code": "abc", "credentialId": "\\udc00"}',
            "credentialId",
        ),
        (
            "/connectors/notion/credentials",
            '{"authenticationType": "oauth2", "redirectUri": "http://127.0.0.1/\\ud800"}',
            "redirectUri",
        ),
        ("/__sandbox/oauth/approve", '{"state": "\\ud800"}', "state"),
        ("/__sandbox/oauth/approve", '{"oauthUrl": "http://x/\\ud800"}', "oauthUrl"),
    ],
)
def test_a_lone_surrogate_is_a_400_naming_the_field(
    sandbox: SandboxServer, route: str, body: str, field: str
) -> None:
    before = sandbox.sandbox.internal_errors
    with httpx.Client(base_url=sandbox.base_url, headers=AUTH) as client:
        response = client.post(
            route,
            content=raw_json(body),
            headers={"Content-Type": "application/json", "x-alloy-userid": DEFAULT_USER_ID},
        )
    assert response.status_code == 400, response.text
    message = response.json()["error"]["message"]
    assert message.startswith(field) and "Unicode" in message, message
    assert sandbox.sandbox.internal_errors == before


async def _asgi(app: Any, method: str, path: str) -> tuple[int, Any]:
    """Call the app with a path no HTTP server would decode to (uvicorn replaces bad UTF-8)."""
    sent: list[dict[str, Any]] = []
    scope = {
        "type": "http",
        "asgi": {"version": "3.0"},
        "http_version": "1.1",
        "method": method,
        "scheme": "http",
        "path": path,
        "raw_path": path.encode("utf-8", "surrogatepass"),
        "query_string": b"",
        "root_path": "",
        "headers": [
            (b"authorization", AUTH["Authorization"].encode()),
            (b"x-api-version", AUTH["x-api-version"].encode()),
            (b"host", b"x"),
        ],
        "client": ("127.0.0.1", 1),
        "server": ("127.0.0.1", 80),
    }

    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        sent.append(message)

    await app(scope, receive, send)
    body = b"".join(m.get("body", b"") for m in sent if m["type"] == "http.response.body")
    return sent[0]["status"], json.loads(body)


async def test_a_lone_surrogate_in_a_path_segment_is_a_400_naming_it(
    sandbox: SandboxServer,
) -> None:
    app = sandbox.app
    before = sandbox.sandbox.internal_errors
    status, body = await _asgi(app, "DELETE", f"/users/{DEFAULT_USER_ID}/credentials/\ud800")
    assert status == 400
    assert body["error"]["message"].startswith("The path segment {credential}")
    status, body = await _asgi(app, "GET", "/connectors/\udfff/actions")
    assert status == 400
    assert "{connector}" in body["error"]["message"]
    assert sandbox.sandbox.internal_errors == before
