"""`alloy-tui sandbox`: serve the sandbox standalone until Ctrl-C."""

from __future__ import annotations

import argparse
import signal
import sqlite3
import sys
import threading
from collections.abc import Sequence
from pathlib import Path
from types import FrameType
from typing import TextIO

from alloy_tui.sandbox.defaults import (
    DEFAULT_API_KEY,
    DEFAULT_NOTION_VERSION,
    DEFAULT_PORT,
    DEFAULT_USER_ID,
    NOTION_VERSIONS,
    SEED_CONNECTION_ID,
)
from alloy_tui.sandbox.faults import parse_faults
from alloy_tui.sandbox.server import PortInUseError, SandboxConfig, SandboxServer

PROG = "alloy-tui sandbox"


def _non_negative(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a whole number, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, got {value}")
    return value


def _port(text: str) -> int:
    value = _non_negative(text)
    if value > 65535:
        raise argparse.ArgumentTypeError(f"a port is at most 65535, got {value}")
    return value


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description=(
            "Serve a local emulator of the Alloy Connectivity API with a seeded Notion "
            "workspace. Point any Alloy client at it with ALLOY_BASE_URL."
        ),
    )
    parser.add_argument(
        "--port",
        type=_port,
        default=DEFAULT_PORT,
        help=f"port on 127.0.0.1 (default {DEFAULT_PORT}; 0 picks a free one and prints it)",
    )
    parser.add_argument(
        "--data",
        type=Path,
        metavar="FILE",
        help="SQLite file holding the workspace (default: sandbox.sqlite3 in the user data dir)",
    )
    parser.add_argument(
        "--reset", action="store_true", help="drop all data and connections, then seed again"
    )
    parser.add_argument(
        "--pages",
        type=_non_negative,
        default=0,
        metavar="N",
        help="seed N extra generated pages (for benchmarks; only when seeding)",
    )
    parser.add_argument(
        "--database-rows",
        type=_non_negative,
        default=0,
        metavar="N",
        help='add a "Load test" database of N generated rows (Name, Status, Points, Due) if '
        "the workspace has none yet (for benchmarks)",
    )
    parser.add_argument("--api-key", default=DEFAULT_API_KEY, help="the API key clients send")
    parser.add_argument("--user-id", default=DEFAULT_USER_ID, help="the Alloy user id")
    parser.add_argument(
        "--auto-consent",
        action="store_true",
        help="answer the OAuth consent page with Allow at once (for scripts)",
    )
    parser.add_argument(
        "--faults",
        metavar="SPEC",
        help='inject faults, e.g. "latency:ms=200;status:status=503,count=3"',
    )
    parser.add_argument(
        "--fault-seed", type=int, default=0, metavar="N", help="seed for probabilistic faults"
    )
    parser.add_argument(
        "--no-rate-limit",
        action="store_true",
        help="do not rate-limit connections (Notion allows about 3 requests per second)",
    )
    parser.add_argument(
        "--notion-version",
        choices=NOTION_VERSIONS,
        default=DEFAULT_NOTION_VERSION,
        help="the Notion-Version of execute calls that do not send one in additionalHeaders"
        f" (default {DEFAULT_NOTION_VERSION})",
    )
    parser.add_argument("--access-log", action="store_true", help="print a line per request")
    return parser


def banner(server: SandboxServer, data_path: Path) -> str:
    config = server.config
    return "\n".join(
        [
            f"{PROG} listening on {server.base_url}  (data: {data_path})",
            f"  export ALLOY_BASE_URL={server.base_url}",
            f"  export ALLOY_API_KEY={config.api_key}",
            f"  export ALLOY_USER_ID={config.user_id}",
            f"  export CONNECTION_ID={SEED_CONNECTION_ID}",
            "Press Ctrl-C to stop.",
        ]
    )


def main(argv: Sequence[str] | None = None, *, out: TextIO | None = None) -> int:
    out = out or sys.stdout
    args = build_parser().parse_args(argv)
    if args.faults:
        try:
            parse_faults(args.faults)
        except ValueError as exc:
            print(f"{PROG}: invalid --faults: {exc}", file=sys.stderr)
            return 2
    config = SandboxConfig(
        data_path=args.data,
        port=args.port,
        api_key=args.api_key,
        user_id=args.user_id,
        reset=args.reset,
        pages=args.pages,
        database_rows=args.database_rows,
        auto_consent=args.auto_consent,
        faults=args.faults,
        fault_seed=args.fault_seed,
        rate_limit=not args.no_rate_limit,
        access_log=args.access_log,
        notion_version=args.notion_version,
    )
    server = SandboxServer(config)
    try:
        server.start()
    except PortInUseError:
        print(
            f"{PROG}: port {args.port} is already in use; stop the program using it or pick "
            "another with --port (0 chooses a free one).",
            file=sys.stderr,
        )
        return 2
    except (OSError, sqlite3.Error) as exc:
        print(f"{PROG}: cannot start: {exc}", file=sys.stderr)
        return 2
    print(banner(server, config.resolved_data_path()), file=out, flush=True)

    stop = threading.Event()

    def request_stop(signum: int, frame: FrameType | None) -> None:
        stop.set()

    if threading.current_thread() is threading.main_thread():
        signal.signal(signal.SIGINT, request_stop)
        signal.signal(signal.SIGTERM, request_stop)
    try:
        # Wake up now and then to notice a server thread that died on its own.
        while not stop.wait(0.5) and server.is_serving:
            pass
    except KeyboardInterrupt:
        pass
    finally:
        server.stop()
    print(f"{PROG} stopped.", file=out, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
