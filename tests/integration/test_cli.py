"""The `alloy-tui` command in-process against real sandboxes: output, exit codes, saved config."""

from __future__ import annotations

import asyncio
import functools
import json
import logging
import socket
import subprocess
import sys
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

import httpx
import pytest

from alloy_tui import cli
from alloy_tui.alloy.client import ClientOptions
from alloy_tui.config import save_active_connection
from alloy_tui.sandbox.defaults import SEED_CONNECTION_ID

if TYPE_CHECKING:
    from alloy_tui.config import Settings
    from alloy_tui.sandbox.server import SandboxServer


@pytest.fixture
def use_sandbox(sandbox: SandboxServer, monkeypatch: pytest.MonkeyPatch) -> SandboxServer:
    """Point the environment at the shared sandbox, as a user pasting its exports would."""
    monkeypatch.setenv("ALLOY_BASE_URL", sandbox.base_url)
    monkeypatch.setenv("ALLOY_API_KEY", sandbox.config.api_key)
    monkeypatch.setenv("ALLOY_USER_ID", sandbox.config.user_id)
    return sandbox


@pytest.fixture(autouse=True)
def quiet_cwd(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Run every command from an empty folder, so no stray .env is read."""
    work = tmp_path / "cwd"
    work.mkdir()
    monkeypatch.chdir(work)
    return work


def config_file(isolated_dirs: dict[str, Path]) -> Path:
    return isolated_dirs["config"] / "alloy-tui" / "config.toml"


def scripted_browser(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Replace the real browser: follow the OAuth URL (auto-consent) back to the listener."""
    opened: list[str] = []

    def open_browser(url: str) -> bool:
        async def visit() -> None:
            async with httpx.AsyncClient(timeout=10) as http:
                await http.get(url, follow_redirects=True)

        opened.append(url)
        asyncio.get_running_loop().create_task(visit())
        return True

    monkeypatch.setattr("alloy_tui.alloy.connect.default_open_browser", open_browser)
    return opened


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def test_connections_json(
    use_sandbox: SandboxServer, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CONNECTION_ID", SEED_CONNECTION_ID)
    assert cli.main(["connections", "--json"]) == 0
    captured = capsys.readouterr()
    rows = json.loads(captured.out)
    assert isinstance(rows, list) and rows
    seed = next(row for row in rows if row["id"] == SEED_CONNECTION_ID)
    assert seed["active"] is True and seed["connector_id"] == "notion"
    assert seed["workspace_name"] and seed["name"] and seed["created_at"]
    assert sum(row["active"] for row in rows) == 1
    assert captured.err == ""


def test_connections_table_marks_the_active_one(
    use_sandbox: SandboxServer, capsys: pytest.CaptureFixture[str]
) -> None:
    assert cli.main(["--connection", SEED_CONNECTION_ID, "connections"]) == 0
    lines = capsys.readouterr().out.splitlines()
    assert lines[0].split() == ["ID", "NAME", "CONNECTOR", "CREATED", "WORKSPACE"]
    seed_line = next(line for line in lines if SEED_CONNECTION_ID in line)
    assert seed_line.startswith("*")
    assert "notion" in seed_line


def test_global_flags_work_after_the_subcommand(
    sandbox: SandboxServer, capsys: pytest.CaptureFixture[str]
) -> None:
    code = cli.main(
        [
            "connections",
            "--json",
            "--base-url",
            sandbox.base_url,
            "--api-key",
            sandbox.config.api_key,
            "--user-id",
            sandbox.config.user_id,
        ]
    )
    assert code == 0
    assert any(row["id"] == SEED_CONNECTION_ID for row in json.loads(capsys.readouterr().out))


def test_env_file_flag(
    sandbox: SandboxServer, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    env_file = tmp_path / "alloy.env"
    env_file.write_text(
        f"ALLOY_BASE_URL={sandbox.base_url}\nALLOY_API_KEY={sandbox.config.api_key}\n"
        f"ALLOY_USER_ID={sandbox.config.user_id}\nCONNECTION_ID={SEED_CONNECTION_ID}\n"
    )
    assert cli.main(["--env-file", str(env_file), "connections", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [row["id"] for row in rows if row["active"]] == [SEED_CONNECTION_ID]


def test_connect_notion_against_a_separate_sandbox_saves_under_sandbox(
    sandbox_factory: Callable[..., SandboxServer],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    isolated_dirs: dict[str, Path],
    caplog: pytest.LogCaptureFixture,
) -> None:
    server = sandbox_factory(auto_consent=True, rate_limit=False)
    monkeypatch.setenv("ALLOY_BASE_URL", server.base_url)
    monkeypatch.setenv("ALLOY_API_KEY", server.config.api_key)
    monkeypatch.setenv("ALLOY_USER_ID", server.config.user_id)
    opened = scripted_browser(monkeypatch)

    assert cli.main(["connect", "notion", "--timeout", "30"]) == 0
    out = capsys.readouterr().out
    assert opened and opened[0] in out
    saved = tomllib.loads(config_file(isolated_dirs).read_text())
    # The server says it is a sandbox (started apart, not by --sandbox): the real account's
    # connection_id is never written.
    assert "connection_id" not in saved
    new_id = saved["sandbox"]["connection_id"]
    assert new_id != SEED_CONNECTION_ID
    last = out.strip().splitlines()[-1]
    assert last.startswith("Connected: ")
    assert last.endswith(
        f"({new_id}) — saved as the sandbox's active connection ([sandbox]) in "
        f"{config_file(isolated_dirs)}"
    )
    assert "Waiting for the browser" in out
    # Closing the listener under an open browser connection reports nothing on the way out.
    assert not [r for r in caplog.records if r.levelno >= logging.ERROR], caplog.text

    # The new connection is listed; the shell commands read the real account's connection_id
    # (they do not ask the server whether it is a sandbox), so it is picked with --connection.
    assert cli.main(["connections", "--json", "--connection", new_id]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [row["id"] for row in rows if row["active"]] == [new_id]


def test_connect_timeout_is_one_clear_error(
    use_sandbox: SandboxServer, capsys: pytest.CaptureFixture[str], isolated_dirs: dict[str, Path]
) -> None:
    assert cli.main(["connect", "notion", "--no-browser", "--timeout", "0.2"]) == 1
    captured = capsys.readouterr()
    assert "Open this URL in a browser" in captured.out
    assert captured.err.startswith("error: The browser sign-in did not finish in time.\n")
    assert "Traceback" not in captured.err
    assert not config_file(isolated_dirs).exists()


def test_a_busy_redirect_port_is_reported_at_once(
    use_sandbox: SandboxServer, capsys: pytest.CaptureFixture[str]
) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        code = cli.main(
            ["connect", "notion", "--no-browser", "--redirect-uri", f"http://localhost:{port}/cb"]
        )
    assert code == 1
    err = capsys.readouterr().err
    assert err.startswith(f"error: port {port} is in use\n") and "OAUTH_REDIRECT_URI" in err


def test_no_api_key_exits_2_with_one_sentence(
    capsys: pytest.CaptureFixture[str], isolated_dirs: dict[str, Path]
) -> None:
    assert cli.main(["connections"]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and err.startswith("error: No Alloy API key")
    assert "ALLOY_API_KEY" in err and "alloy-tui --sandbox" in err
    assert str(config_file(isolated_dirs)) in err


def test_no_user_id_exits_2(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ALLOY_API_KEY", "sk_something")
    assert cli.main(["connections"]) == 2
    assert "ALLOY_USER_ID" in capsys.readouterr().err


def test_a_rejected_key_is_error_and_remedy_exit_3(
    sandbox: SandboxServer, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    key = "sk_wrong_key_that_must_not_be_printed"
    monkeypatch.setenv("ALLOY_BASE_URL", sandbox.base_url)
    monkeypatch.setenv("ALLOY_USER_ID", sandbox.config.user_id)
    assert cli.main(["connections", "--api-key", key]) == 3  # authentication
    err = capsys.readouterr().err
    lines = err.splitlines()
    assert lines[0].startswith("error: ") and len(lines) == 2
    assert "ALLOY_API_KEY" in lines[1]
    assert key not in err and "Traceback" not in err


def test_an_unreachable_base_url_is_error_exit_6(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ALLOY_API_KEY", "sk_whatever")
    monkeypatch.setenv("ALLOY_USER_ID", "64f0a1b2c3d4e5f601234567")
    # One attempt: the retry backoff is the client's business, tested there.
    monkeypatch.setattr(cli, "client_options", lambda: ClientOptions(max_attempts=1))
    url = f"http://127.0.0.1:{free_port()}"
    assert cli.main(["connections", "--base-url", url]) == 6  # network
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "Traceback" not in err


def test_a_bad_setting_exits_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["connections", "--base-url", "ftp://nowhere"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ALLOY_BASE_URL (from flag)")


def test_a_broken_config_file_exits_2_naming_it(
    capsys: pytest.CaptureFixture[str], isolated_dirs: dict[str, Path]
) -> None:
    path = config_file(isolated_dirs)
    path.parent.mkdir(parents=True)
    path.write_text("api_key = 'unterminated\n")
    assert cli.main(["connections"]) == 2
    err = capsys.readouterr().err
    assert str(path) in err and "line 1" in err


@pytest.mark.parametrize(
    ("content", "said"),
    [
        ("a = " + "[" * 100_000, "nested too deeply"),
        ("a = 1" + "0" * 5000, "not valid TOML"),
        (b"\x89PNG\r\n\x1a\n\x00\xff binary", "not UTF-8"),
    ],
    ids=["deep nesting", "huge integer", "binary"],
)
def test_a_hostile_config_file_exits_2_with_one_sentence(
    capsys: pytest.CaptureFixture[str],
    isolated_dirs: dict[str, Path],
    content: str | bytes,
    said: str,
) -> None:
    path = config_file(isolated_dirs)
    path.parent.mkdir(parents=True)
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    assert cli.main(["connections"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: The config file {path} ") and said in err
    assert "Traceback" not in err and len(err.splitlines()) == 2  # the sentence, the remedy
    assert path.exists()  # the user's file is never moved aside


def test_a_config_file_that_cannot_be_saved_to_exits_2_with_one_sentence(
    sandbox_factory: Callable[..., SandboxServer],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    isolated_dirs: dict[str, Path],
) -> None:
    server = sandbox_factory(auto_consent=True, rate_limit=False)
    monkeypatch.setenv("ALLOY_BASE_URL", server.base_url)
    monkeypatch.setenv("ALLOY_API_KEY", server.config.api_key)
    monkeypatch.setenv("ALLOY_USER_ID", server.config.user_id)
    scripted_browser(monkeypatch)
    path = config_file(isolated_dirs)
    real_save = save_active_connection

    def corrupted_meanwhile(connection_id: str, settings: Settings) -> Path:
        # The file turned hostile while the browser was open.
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("a = " + "[" * 100_000, encoding="utf-8")
        return real_save(connection_id, settings)

    monkeypatch.setattr(cli, "save_active_connection", corrupted_meanwhile)
    assert cli.main(["connect", "notion", "--timeout", "30"]) == 2
    err = capsys.readouterr().err
    assert err.startswith(f"error: The config file {path} ") and "Traceback" not in err


def test_sandbox_flag_runs_against_a_background_sandbox(
    capsys: pytest.CaptureFixture[str], isolated_dirs: dict[str, Path]
) -> None:
    assert cli.main(["--sandbox", "connections", "--json"]) == 0
    rows = json.loads(capsys.readouterr().out)
    assert [row["id"] for row in rows if row["active"]] == [SEED_CONNECTION_ID]
    # Its data lives in the (isolated) data dir.
    assert (isolated_dirs["data"] / "alloy-tui" / "sandbox.sqlite3").exists()


def test_sandbox_connect_saves_apart_from_the_real_connection(
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
    isolated_dirs: dict[str, Path],
) -> None:
    path = config_file(isolated_dirs)
    path.parent.mkdir(parents=True)
    path.write_text('connection_id = "real-account-connection"\n')
    # The CLI's own --sandbox start-up, with a consent page that clicks Allow by itself.
    from alloy_tui.sandbox import server as server_module

    monkeypatch.setattr(
        server_module,
        "SandboxConfig",
        functools.partial(server_module.SandboxConfig, auto_consent=True),
    )
    scripted_browser(monkeypatch)
    assert cli.main(["--sandbox", "connect", "notion"]) == 0
    saved = tomllib.loads(path.read_text())
    assert saved["connection_id"] == "real-account-connection"
    assert saved["sandbox"]["connection_id"] != SEED_CONNECTION_ID
    assert "saved as the sandbox's active connection" in capsys.readouterr().out


def test_sandbox_subcommand_is_delegated(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[list[str]] = []

    def fake_main(argv: list[str]) -> int:
        seen.append(list(argv))
        return 7

    monkeypatch.setattr("alloy_tui.sandbox.cli.main", fake_main)
    assert cli.main(["sandbox", "--port", "0", "--reset"]) == 7
    assert cli.main(["--env-file", "x.env", "sandbox", "--help"]) == 7
    assert seen == [["--port", "0", "--reset"], ["--help"]]


def test_no_command_without_a_key_exits_2_with_one_sentence(
    capsys: pytest.CaptureFixture[str],
) -> None:
    assert cli.main([]) == 2
    err = capsys.readouterr().err
    assert "ALLOY_API_KEY" in err
    assert "alloy-tui --sandbox" in err
    assert "Traceback" not in err


def test_no_command_with_a_key_runs_the_tui(monkeypatch: pytest.MonkeyPatch) -> None:
    seen: list[tuple[Settings, SandboxServer | None]] = []

    def fake_run_tui(settings: Settings, sandbox: SandboxServer | None = None) -> int:
        seen.append((settings, sandbox))
        return 0

    monkeypatch.setattr("alloy_tui.tui.app.run_tui", fake_run_tui)
    assert cli.main(["--api-key", "k" * 20, "--user-id", "64f0a1b2c3d4e5f601234567"]) == 0
    [(settings, sandbox)] = seen
    assert sandbox is None
    assert settings.api_key.reveal() == "k" * 20


def test_sandbox_flag_without_command_runs_the_tui_on_a_private_sandbox(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    from alloy_tui.sandbox.defaults import DEFAULT_API_KEY, SEED_CONNECTION_ID

    seen: list[tuple[Settings, SandboxServer | None, bool]] = []

    def fake_run_tui(settings: Settings, sandbox: SandboxServer | None = None) -> int:
        seen.append((settings, sandbox, bool(getattr(sandbox, "is_serving", False))))
        return 0

    monkeypatch.setattr("alloy_tui.tui.app.run_tui", fake_run_tui)
    assert cli.main(["--sandbox"]) == 0
    [(settings, sandbox, serving)] = seen
    assert serving, "the sandbox runs while the TUI does"
    assert sandbox is not None
    assert not sandbox.is_serving, "and stops after it"
    assert settings.base_url == sandbox.base_url
    assert settings.api_key.reveal() == DEFAULT_API_KEY
    assert settings.connection_id == SEED_CONNECTION_ID
    assert settings.sandbox


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    assert cli.main(["connect"]) == 2
    assert cli.main(["connect", "notion", "--timeout", "-1"]) == 2
    assert cli.main(["frobnicate"]) == 2
    assert "usage:" in capsys.readouterr().err
    assert cli.main(["--help"]) == 0


def test_ctrl_c_exits_130_quietly(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def interrupted(*args: object) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr(cli, "_run", interrupted)
    assert cli.main(["connections"]) == 130
    captured = capsys.readouterr()
    assert captured.err == "" and captured.out == ""


def test_python_dash_m_works() -> None:
    result = subprocess.run(
        [sys.executable, "-m", "alloy_tui", "--version"],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=Path(cli.__file__).parents[1],
        check=False,
    )
    assert result.returncode == 0
    assert result.stdout.startswith("alloy-tui ")


def test_a_closed_pipe_ends_quietly(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def reader_went_away(*args: object) -> int:
        raise BrokenPipeError

    monkeypatch.setattr(cli, "_run", reader_went_away)
    assert cli.main(["connections"]) == 1
    assert capsys.readouterr().err == ""
