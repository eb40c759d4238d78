"""The `alloy-tui` command: global settings flags, `sandbox`, `connect`, and the shell commands
(`connections`, `search`, `page`, `db`, `actions`, `call`: alloy_tui/commands/)."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import sys
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Final

from alloy_tui import __version__
from alloy_tui.alloy.errors import AlloyError
from alloy_tui.commands import parsers
from alloy_tui.commands.common import CommandError, exit_code_for
from alloy_tui.commands.output import safe as _safe
from alloy_tui.config import ConfigError, Settings, load_settings, save_active_connection
from alloy_tui.startup import hold_gc, release_gc

if TYPE_CHECKING:
    from alloy_tui.alloy.client import AlloyClient, ClientOptions
    from alloy_tui.alloy.connect import ConnectEvent
    from alloy_tui.sandbox.server import SandboxServer

EXIT_OK: Final = 0
EXIT_ERROR: Final = 1
EXIT_USAGE: Final = 2
EXIT_INTERRUPTED: Final = 130

# Global option -> settings field; each takes a value.
_VALUE_OPTIONS: Final = {
    "--base-url": "base_url",
    "--api-key": "api_key",
    "--user-id": "user_id",
    "--connection": "connection_id",
    "--redirect-uri": "redirect_uri",
    "--notion-version": "notion_version",
}
_GLOBAL_WITH_VALUE: Final = frozenset({*_VALUE_OPTIONS, "--env-file"})

NO_API_KEY: Final = (
    "No Alloy API key is configured: set ALLOY_API_KEY in the environment, in a .env file in "
    "this folder (or one given with --env-file), or as api_key in {config}; "
    "or try `alloy-tui --sandbox`."
)
NO_USER_ID: Final = (
    "No Alloy user id is configured: set ALLOY_USER_ID in the environment, in a .env file, or "
    "as user_id in {config}; or try `alloy-tui --sandbox`."
)


class _UsageError(Exception):
    """A problem with how alloy-tui was started: exit 2 with one sentence."""


def _add_global_options(parser: argparse.ArgumentParser, *, in_subcommand: bool) -> None:
    # In subcommands the defaults are SUPPRESS, so a flag given before the subcommand is not
    # overwritten by the subcommand's default.
    default: Any = argparse.SUPPRESS if in_subcommand else None
    group = parser.add_argument_group("settings (override environment, .env and config.toml)")
    group.add_argument(
        "--env-file", metavar="PATH", default=default, help="read this .env file instead of ./.env"
    )
    group.add_argument("--base-url", metavar="URL", default=default, help="ALLOY_BASE_URL")
    group.add_argument("--api-key", metavar="KEY", default=default, help="ALLOY_API_KEY")
    group.add_argument("--user-id", metavar="ID", default=default, help="ALLOY_USER_ID")
    group.add_argument("--connection", metavar="ID", default=default, help="CONNECTION_ID")
    group.add_argument("--redirect-uri", metavar="URI", default=default, help="OAUTH_REDIRECT_URI")
    group.add_argument(
        "--notion-version",
        metavar="VERSION",
        default=default,
        help="the Notion-Version sent: 2022-06-28 (default) or 2025-09-03",
    )
    group.add_argument(
        "--sandbox",
        action="store_true",
        default=default if in_subcommand else False,
        help="start a local sandbox in the background and use it",
    )


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="alloy-tui",
        description="A terminal client for the Alloy Connectivity API (Notion), "
        "with a local sandbox.",
    )
    parser.add_argument("--version", action="version", version=f"alloy-tui {__version__}")
    _add_global_options(parser, in_subcommand=False)
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    commands.add_parser(
        "sandbox",
        help="serve the sandbox (a local Alloy emulator); see `alloy-tui sandbox --help`",
        add_help=False,
    )

    connect = commands.add_parser(
        "connect", help="connect a service through OAuth in the browser (e.g. notion)"
    )
    connect.add_argument("connector", help="the connector to connect, e.g. notion")
    connect.add_argument(
        "--no-browser", action="store_true", help="only print the URL; do not open a browser"
    )
    connect.add_argument(
        "--timeout",
        type=_positive_seconds,
        default=300.0,
        metavar="SECONDS",
        help="how long to wait for the browser (default 300)",
    )
    _add_global_options(connect, in_subcommand=True)

    connections = commands.add_parser("connections", help="list the connections")
    connections.add_argument("--json", action="store_true", help="print a JSON array")
    connections.add_argument(
        "--connector", default=None, help="only this connector's connections (e.g. notion)"
    )
    parsers.add_connection_options(connections)
    _add_global_options(connections, in_subcommand=True)
    parsers.add_commands(commands, lambda sub: _add_global_options(sub, in_subcommand=True))
    return parser


def _positive_seconds(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a number of seconds: {text!r}") from None
    if not 0 < value <= 86400:
        raise argparse.ArgumentTypeError("the timeout must be between 0 and 86400 seconds")
    return value


def _command_index(args: Sequence[str]) -> int | None:
    """Where the subcommand is, skipping global options and their values."""
    skip = False
    for index, arg in enumerate(args):
        if skip:
            skip = False
            continue
        if arg == "--":
            return index + 1 if index + 1 < len(args) else None
        if arg in _GLOBAL_WITH_VALUE:
            skip = True
            continue
        if not arg.startswith("-"):
            return index
    return None


def main(argv: Sequence[str] | None = None) -> int:
    """Run `alloy-tui`; returns the exit code (0 ok, 1 error, 2 usage/config, 130 Ctrl-C)."""
    args = list(sys.argv[1:] if argv is None else argv)
    try:
        index = _command_index(args)
        if index is not None and args[index] == "sandbox":
            release_gc()  # held by the launch for the UI only (startup.py)
            # The sandbox has its own options; hand it everything after its name.
            from alloy_tui.sandbox.cli import main as sandbox_main

            return sandbox_main(args[index + 1 :])
        parser = build_parser()
        try:
            namespace = parser.parse_args(args)
        except SystemExit as exit_:  # --help, --version, or a usage error already printed
            return exit_.code if isinstance(exit_.code, int) else EXIT_USAGE
        if namespace.command is not None:
            release_gc()  # held by the launch for the UI only (startup.py)
        return _run(parser, namespace)
    except KeyboardInterrupt:
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader went away (`alloy-tui connections | head -1`): stop quietly, and point
        # stdout at devnull so the interpreter's final flush does not complain either.
        with contextlib.suppress(OSError, ValueError):
            devnull = os.open(os.devnull, os.O_WRONLY)
            os.dup2(devnull, sys.stdout.fileno())
        return EXIT_ERROR


def _run(parser: argparse.ArgumentParser, ns: argparse.Namespace) -> int:
    err = sys.stderr
    try:
        settings = _settings_from(ns)
    except ConfigError as error:
        _print_error(error.sentence, error.remedy)
        return EXIT_USAGE
    for warning in settings.warnings:
        print(f"warning: {warning}", file=err)

    server: SandboxServer | None = None
    try:
        if ns.command is None:
            return _no_command(parser, settings, sandbox=bool(ns.sandbox))
        if ns.sandbox:
            server, settings = start_sandbox(settings)
        if ns.command == "connect":
            return _with_client(
                settings,
                lambda client: _connect(
                    client,
                    settings,
                    ns.connector,
                    open_browser=not ns.no_browser,
                    deadline=ns.timeout,
                ),
            )
        if ns.command == "connections" or ns.command in parsers.COMMANDS:
            from alloy_tui.commands.dispatch import run

            return _with_client(settings, lambda client: run(ns, settings, client))
        parser.error(f"unknown command {ns.command}")
    except _UsageError as error:
        print(f"error: {error}", file=err)
        return EXIT_USAGE
    except CommandError as error:
        _print_error(error.sentence, error.remedy)
        return EXIT_USAGE
    except ConfigError as error:  # the config file turned unreadable when it was saved to
        _print_error(error.sentence, error.remedy)
        return EXIT_USAGE
    except AlloyError as error:
        _print_error(error.sentence, error.remedy)
        return exit_code_for(error)
    finally:
        if server is not None:
            server.stop()
    return EXIT_USAGE  # parser.error exits; kept for the type checker


def _print_error(sentence: str, remedy: str) -> None:
    print(f"error: {sentence}", file=sys.stderr)
    if remedy:
        print(remedy, file=sys.stderr)


def _settings_from(ns: argparse.Namespace) -> Settings:
    # argparse names each option after its flag (--connection -> ns.connection).
    flags = {
        field: getattr(ns, option[2:].replace("-", "_"), None)
        for option, field in _VALUE_OPTIONS.items()
    }
    env_file = getattr(ns, "env_file", None)
    return load_settings(flags=flags, env_file=Path(env_file) if env_file else None)


def start_sandbox(settings: Settings) -> tuple[SandboxServer, Settings]:
    """Start a sandbox in a background thread on a free port (data in the data dir) and point
    the settings at it: its URL, key and user, and its connection unless one was chosen."""
    from alloy_tui.sandbox.server import SandboxConfig, SandboxServer
    from alloy_tui.sandboxed import sandbox_settings

    server = SandboxServer(SandboxConfig(data_path=settings.data_dir / "sandbox.sqlite3", port=0))
    try:
        server.start()
    except OSError as error:
        raise _UsageError(f"the sandbox could not start: {error.strerror or error}") from error
    return server, sandbox_settings(server, settings)


def _no_command(parser: argparse.ArgumentParser, settings: Settings, *, sandbox: bool) -> int:
    """`alloy-tui` alone: the terminal UI, against the configured Alloy or a private sandbox."""
    hold_gc()  # until the first list is painted, if the launch did not already (startup.py)
    from alloy_tui.tui.app import run_tui

    if sandbox:
        server, settings = start_sandbox(settings)
        try:
            return run_tui(settings, sandbox=server)
        finally:
            server.stop()
    _require_credentials(settings)
    return run_tui(settings)


def _require_credentials(settings: Settings) -> None:
    if not settings.api_key:
        raise _UsageError(NO_API_KEY.format(config=settings.config_path))
    if not settings.user_id:
        raise _UsageError(NO_USER_ID.format(config=settings.config_path))


def client_options() -> ClientOptions:
    """The client's timeouts and retry limits for CLI commands (the defaults)."""
    from alloy_tui.alloy.client import ClientOptions

    return ClientOptions()


def _with_client(settings: Settings, command: Callable[[AlloyClient], Any]) -> int:
    _require_credentials(settings)

    async def run() -> int:
        from alloy_tui.alloy.client import AlloyClient, make_http

        options = client_options()
        client = AlloyClient(
            make_http(options),
            base_url=settings.base_url,
            api_key=settings.api_key,
            user_id=settings.user_id,
            options=options,
        )
        async with client:
            result: int = await command(client)
            return result

    return asyncio.run(run())


async def _connect(
    client: AlloyClient,
    settings: Settings,
    connector: str,
    *,
    open_browser: bool,
    deadline: float,
) -> int:
    from alloy_tui.alloy.connect import connect_service, default_open_browser, server_is_sandbox

    out = sys.stdout
    interactive = out.isatty()
    shown_waiting = False

    def on_event(event: ConnectEvent) -> None:
        nonlocal shown_waiting
        if event.kind == "url":
            print(f"To connect {_safe(connector)}, sign in at:", file=out)
            print(f"  {_safe(event.url)}", file=out)
            print(_safe(event.message), file=out)
        elif event.kind == "waiting":
            line = f"Waiting for the browser: {_clock(event.seconds_left)} left (Ctrl-C to cancel)"
            if interactive:
                print(f"\r{line}\x1b[K", end="", file=out, flush=True)
            elif not shown_waiting:
                print(line, file=out, flush=True)
            shown_waiting = True
        elif event.kind in ("exchanging", "listing"):
            if interactive and shown_waiting:
                print("\r\x1b[K", end="", file=out)
            print(event.message, file=out, flush=True)

    try:
        connection = await connect_service(
            client,
            connector,
            settings.redirect_uri,
            on_event=on_event,
            open_browser=default_open_browser if open_browser else None,
            deadline=deadline,
        )
    finally:
        if interactive and shown_waiting:
            print("\r\x1b[K", end="", file=out, flush=True)
    if connector != "notion":
        # The active connection is the one the app's pages and the Notion commands use: a
        # connection of another connector is picked per call with --connection.
        print(
            f"Connected: {_safe(connection.name)} ({_safe(connection.id)}) — use it with "
            f"--connection {_safe(connection.id)} (the active connection is unchanged)",
            file=out,
        )
        return EXIT_OK
    # A sandbox's connection never replaces the real account's, however the sandbox was
    # started: the server says whether it is one.
    sandbox = settings.sandbox or await server_is_sandbox(client)
    path = save_active_connection(
        connection.id, settings.with_overrides(sandbox=True) if sandbox else settings
    )
    where = "the sandbox's active connection ([sandbox])" if sandbox else "the active connection"
    print(
        f"Connected: {_safe(connection.name)} ({_safe(connection.id)}) "
        f"— saved as {where} in {path}",
        file=out,
    )
    return EXIT_OK


def _clock(seconds: float | None) -> str:
    whole = max(0, round(seconds or 0))
    return f"{whole // 60}:{whole % 60:02d}"


__all__ = ["build_parser", "main", "start_sandbox"]
