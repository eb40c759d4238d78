"""The developer guide's TypeScript examples, unchanged, run against a real sandbox."""

from __future__ import annotations

import errno
import hashlib
import os
import queue
import re
import shutil
import socket
import subprocess
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO

import httpx
import pytest

from alloy_tui.sandbox.defaults import DEFAULT_API_KEY, DEFAULT_USER_ID
from alloy_tui.sandbox.server import SandboxServer

pytestmark = [pytest.mark.e2e, pytest.mark.timeout(600)]

TS_DIR = Path(__file__).parent / "ts"
GUIDE_PORT = 3000  # connect-notion.ts hard-codes server.listen(3000)
LOCK_MARKER = ".alloy-tui-lock.sha256"


def _lock_hash() -> str:
    digest = hashlib.sha256()
    for name in ("package.json", "package-lock.json"):
        digest.update((TS_DIR / name).read_bytes())
    return digest.hexdigest()


def _npm_ci() -> None:
    """`npm ci` once per lock file: a marker in node_modules records the lock's hash."""
    marker = TS_DIR / "node_modules" / LOCK_MARKER
    wanted = _lock_hash()
    if marker.is_file() and marker.read_text().strip() == wanted:
        return
    subprocess.run(
        ["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"],
        cwd=TS_DIR,
        check=True,
        timeout=300,
        capture_output=True,
    )
    marker.write_text(wanted)


@pytest.fixture(scope="module")
def compiled() -> Path:
    if shutil.which("node") is None or shutil.which("npm") is None:
        pytest.skip("node and npm are needed to run the guide's TypeScript examples")
    _npm_ci()
    result = subprocess.run(
        ["node", "node_modules/typescript/bin/tsc", "-p", "."],
        cwd=TS_DIR,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert result.returncode == 0, f"tsc failed:\n{result.stdout}\n{result.stderr}"
    dist = TS_DIR / "dist"
    assert (dist / "connect-notion.js").is_file()
    return dist


def _port_free(port: int) -> bool:
    # Node listens on all interfaces (IPv6 dual-stack when available); check what it will bind.
    for family, host in ((socket.AF_INET6, "::"), (socket.AF_INET, "0.0.0.0")):
        try:
            with socket.socket(family, socket.SOCK_STREAM) as probe:
                # libuv sets SO_REUSEADDR too: a TIME_WAIT left by an earlier run is no conflict.
                probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
                probe.bind((host, port))
            return True
        except OSError as exc:
            if family == socket.AF_INET6 and exc.errno != errno.EADDRINUSE:  # no IPv6 here
                continue
            return False
    return False


class NodeProcess:
    """A node script with its output read line by line, so waits are bounded."""

    def __init__(self, script: Path, env: dict[str, str], cwd: Path) -> None:
        self.process = subprocess.Popen(
            ["node", str(script)],
            cwd=cwd,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            text=True,
        )
        self.lines: queue.Queue[str | None] = queue.Queue()
        self.output: list[str] = []
        assert self.process.stdout is not None
        threading.Thread(target=self._pump, args=(self.process.stdout,), daemon=True).start()

    def _pump(self, stream: IO[str]) -> None:
        for line in stream:
            self.lines.put(line.rstrip("\n"))
        self.lines.put(None)

    def wait_for(self, pattern: str, timeout: float = 30) -> re.Match[str]:
        while True:
            try:
                line = self.lines.get(timeout=timeout)
            except queue.Empty:
                raise AssertionError(
                    f"no line matching {pattern!r} within {timeout}s; output so far:\n"
                    + "\n".join(self.output)
                ) from None
            if line is None:
                raise AssertionError(
                    f"process ended without printing {pattern!r}:\n" + "\n".join(self.output)
                )
            self.output.append(line)
            match = re.search(pattern, line)
            if match:
                return match

    def finish(self, timeout: float = 30) -> tuple[int, str]:
        code = self.process.wait(timeout=timeout)
        while (line := self.lines.get(timeout=timeout)) is not None:
            self.output.append(line)
        return code, "\n".join(self.output)

    def kill(self) -> None:
        if self.process.poll() is None:
            self.process.kill()
            self.process.wait(timeout=10)


@pytest.fixture
def run_node(
    compiled: Path, tmp_path: Path
) -> Iterator[Callable[[str, dict[str, str]], NodeProcess]]:
    started: list[NodeProcess] = []

    def run(script: str, env: dict[str, str]) -> NodeProcess:
        # cwd is an empty folder so dotenv finds no stray .env file.
        base = {key: value for key, value in os.environ.items() if not key.startswith("ALLOY_")}
        process = NodeProcess(compiled / script, {**base, **env}, tmp_path)
        started.append(process)
        return process

    try:
        yield run
    finally:
        for process in started:
            process.kill()


def test_guide_examples_run_unchanged_against_the_sandbox(
    run_node: Callable[[str, dict[str, str]], NodeProcess],
    sandbox_factory: Callable[..., SandboxServer],
) -> None:
    if not _port_free(GUIDE_PORT):
        pytest.skip(f"port {GUIDE_PORT} is busy; the guide's connect-notion.ts needs it")
    server = sandbox_factory(auto_consent=True, rate_limit=False)
    env = {
        "ALLOY_BASE_URL": server.base_url,
        "ALLOY_API_KEY": DEFAULT_API_KEY,
        "ALLOY_USER_ID": DEFAULT_USER_ID,
    }

    # 1. connect-notion: start OAuth, wait for the callback, exchange the code.
    connect = run_node("connect-notion.js", env)
    oauth_url = connect.wait_for(r"Open this URL in your browser: (\S+)").group(1)
    connect.wait_for(r"Waiting for OAuth callback")
    consent = httpx.get(oauth_url, timeout=30)
    assert consent.status_code == 302
    callback = consent.headers["location"]
    assert callback.startswith("http://localhost:3000/oauth/callback?code=")
    landing = httpx.get(callback, headers={"Connection": "close"}, timeout=30)
    assert landing.status_code == 200 and "Success!" in landing.text
    connection_id = connect.wait_for(r"^Connection ID: ([0-9a-f]{24})$").group(1)
    connect.wait_for(rf"^Add this to your \.env file: CONNECTION_ID={connection_id}$")
    code, output = connect.finish()  # server.close() lets node exit on its own
    assert code == 0, output
    listed = httpx.get(
        f"{server.base_url}/credentials", headers={"Authorization": f"Bearer {DEFAULT_API_KEY}"}
    ).json()
    assert listed[0]["id"] == connection_id

    # 2. list-connections: the new connection is the recommended one (newest first).
    listing = run_node("list-connections.js", env)
    code, output = listing.finish()
    assert code == 0, output
    assert f"Found {len(listed)} connection(s)" in output
    assert f"  ID: {connection_id}" in output
    assert "  Connector: notion" in output
    assert output.rstrip().endswith(f"Recommended: CONNECTION_ID={connection_id}")

    # 3. example: search, create, update through the new connection.
    example = run_node("example.js", {**env, "CONNECTION_ID": connection_id})
    code, output = example.finish()
    assert code == 0, output
    assert "Searching for pages..." in output
    # The guide reads `.length` of the list body; that prints "undefined" against Alloy's
    # documented {"data": [...]} too: kept verbatim.
    assert re.search(r"^Found \S+ pages$", output, re.M)
    created = re.search(r"^Page created: ([0-9a-f-]{36})$", output, re.M)
    assert created, output
    page_id = created.group(1)
    assert re.search(
        rf"^URL: https://www\.notion\.so/\S+-{page_id.replace('-', '')}$", output, re.M
    )
    assert f"Page updated: {page_id}" in output
    page = httpx.post(
        f"{server.base_url}/connectors/notion/actions/retrieve-a-page/execute",
        headers={"Authorization": f"Bearer {DEFAULT_API_KEY}", "x-api-version": "2025-09"},
        json={"credentialId": connection_id, "pathParams": {"page_id": page_id}},
    ).json()["result"]
    title = "".join(item["plain_text"] for item in page["properties"]["title"]["title"])
    assert title == "Updated: Hello from Alloy API!"
