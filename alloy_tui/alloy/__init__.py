"""The async Alloy client: endpoints, retries, rate limit, errors, request log, OAuth listener."""

from alloy_tui.alloy.httpx_cli import defer as _defer_httpx_cli

_defer_httpx_cli()  # before any module here imports httpx (alloy/httpx_cli.py)
