"""Copied snippets run as they are against the sandbox: the Python (httpx) one in a fresh
interpreter, the TypeScript (fetch) one in node, the key taken from ALLOY_API_KEY."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from alloy_tui.alloy.client import AlloyClient, ClientOptions, make_http
from alloy_tui.alloy.requestlog import RequestRecord
from alloy_tui.alloy.retry import ActionKind
from alloy_tui.alloy.snippets import snippet
from alloy_tui.sandbox.defaults import DEFAULT_API_KEY, SEED_CONNECTION_ID
from alloy_tui.sandbox.server import SandboxServer
from alloy_tui.sandboxed import sandbox_settings

NODE = shutil.which("node")


async def _logged_search(sandbox: SandboxServer) -> RequestRecord:
    settings = sandbox_settings(sandbox)
    async with AlloyClient(
        make_http(),
        base_url=settings.base_url,
        api_key=settings.api_key,
        user_id=settings.user_id,
        options=ClientOptions(rate_limit=False),
    ) as client:
        await client.execute(
            "notion",
            "post-search",
            connection_id=SEED_CONNECTION_ID,
            kind=ActionKind.READ,
            body={"filter": {"property": "object", "value": "page"}, "page_size": 2},
            headers={"Notion-Version": "2022-06-28"},
        )
        return client.log.records()[-1]


def _run(command: list[str], tmp_path: Path) -> list[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("ALLOY_")}
    env["ALLOY_API_KEY"] = DEFAULT_API_KEY
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=60, env=env, cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    return done.stdout.splitlines()


def _answered(lines: list[str]) -> None:
    status, body = lines[0], json.loads("\n".join(lines[1:]))
    assert status == "200"
    assert body["success"] is True
    results = body["result"]["results"]
    assert len(results) == 2 and {r["object"] for r in results} == {"page"}


async def test_the_httpx_snippet_runs(sandbox: SandboxServer, tmp_path: Path) -> None:
    record = await _logged_search(sandbox)
    text = snippet(record, "httpx")
    assert DEFAULT_API_KEY not in text
    source = tmp_path / "snippet.py"
    source.write_text(text, encoding="utf-8")
    _answered(_run([sys.executable, str(source)], tmp_path))


@pytest.mark.skipif(NODE is None, reason="node is not installed")
async def test_the_fetch_snippet_runs(sandbox: SandboxServer, tmp_path: Path) -> None:
    record = await _logged_search(sandbox)
    text = snippet(record, "fetch")
    assert DEFAULT_API_KEY not in text
    source = tmp_path / "snippet.mjs"
    source.write_text(text, encoding="utf-8")
    assert NODE is not None
    _answered(_run([NODE, str(source)], tmp_path))
