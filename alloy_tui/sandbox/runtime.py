"""The sandbox's configuration and state: store, engine, credentials, limiter and faults."""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import platformdirs

from alloy_tui.sandbox.actions import NotionEngine
from alloy_tui.sandbox.credentials import CredentialStore
from alloy_tui.sandbox.defaults import (
    DEFAULT_API_KEY,
    DEFAULT_NOTION_VERSION,
    DEFAULT_PORT,
    DEFAULT_USER_ID,
    NOTION_VERSIONS,
)
from alloy_tui.sandbox.faults import FaultInjector, parse_faults
from alloy_tui.sandbox.limits import RateLimiter
from alloy_tui.sandbox.seed import seed_workspace
from alloy_tui.sandbox.seed_load import seed_load_test
from alloy_tui.sandbox.slack import SlackSandbox, SlackStore
from alloy_tui.sandbox.store import Store


@dataclass
class SandboxConfig:
    """Everything a sandbox needs; every field has the documented default."""

    data_path: Path | None = None
    host: str = "127.0.0.1"
    port: int = DEFAULT_PORT
    api_key: str = DEFAULT_API_KEY
    user_id: str = DEFAULT_USER_ID
    reset: bool = False
    pages: int = 0
    database_rows: int = 0
    """Rows of the generated "Load test" database (0: none); added once, when it is missing."""
    auto_consent: bool = False
    faults: str | None = None
    fault_seed: int = 0
    rate_limit: bool = True
    rate_per_second: float = 3.0
    rate_burst: int = 10
    clock: Callable[[], datetime] | None = None
    monotonic: Callable[[], float] | None = None
    """The rate limiter's clock; defaults to `clock` (as seconds) if given, else monotonic."""
    access_log: bool = False
    notion_version: str = DEFAULT_NOTION_VERSION
    """The Notion-Version of an execute call that does not send one in `additionalHeaders`."""

    def resolved_data_path(self) -> Path:
        if self.data_path is not None:
            return Path(self.data_path)
        return platformdirs.user_data_path("alloy-tui") / "sandbox.sqlite3"


def _utc_now() -> datetime:
    return datetime.now(UTC)


class Sandbox:
    """The sandbox's state: the store, the engine, credentials, limiter and faults."""

    def __init__(self, config: SandboxConfig) -> None:
        if config.notion_version not in NOTION_VERSIONS:
            known = ", ".join(NOTION_VERSIONS)
            raise ValueError(f"notion_version must be one of {known}, not {config.notion_version}")
        self.config = config
        self.clock: Callable[[], datetime] = config.clock or _utc_now
        self.data_path = config.resolved_data_path()
        if str(self.data_path) != ":memory:":
            self.data_path.parent.mkdir(parents=True, exist_ok=True)
        self.store = Store(self.data_path)
        self.credentials = CredentialStore(self.store.conn, self.store.lock, self.clock)
        self.engine = NotionEngine(self.store, clock=self.clock)
        monotonic = config.monotonic
        if monotonic is None:
            monotonic = (lambda: self.clock().timestamp()) if config.clock else time.monotonic
        self.limiter: RateLimiter | None = (
            RateLimiter(
                rate_per_second=config.rate_per_second, burst=config.rate_burst, monotonic=monotonic
            )
            if config.rate_limit
            else None
        )
        self.slack = SlackSandbox(
            SlackStore(self.store.conn, self.store.lock),
            clock=self.clock,
            monotonic=monotonic,
            rate_limit=config.rate_limit,
        )
        self.faults = FaultInjector(seed=config.fault_seed)
        if config.faults:
            self.faults.replace(parse_faults(config.faults), config.fault_seed)
        self.internal_errors = 0
        if config.reset:
            self.reset()
        else:
            self.seed()

    def execute(
        self,
        action_id: str,
        *,
        path_params: Mapping[str, Any],
        body: Any,
        query: Mapping[str, Any],
        bot_user_id: str | None,
        notion_version: str,
    ) -> tuple[int, Any]:
        """One Notion action for a connection, answered in the call's Notion version."""
        return self.engine.execute(
            action_id,
            path_params=path_params,
            body=body,
            query=query,
            bot_user_id=bot_user_id,
            notion_version=notion_version,
        )

    def seed(self) -> None:
        seed_workspace(self.store, pages=self.config.pages, clock=self.clock)
        seed_load_test(self.store, self.config.database_rows, clock=self.clock)
        self.credentials.ensure_seed(self.config.user_id)
        self.slack.seed()

    def reset(self) -> None:
        """Drop everything (Notion data and connections) and seed again."""
        self.store.reset()
        self.credentials.reset()
        self.slack.reset()
        if self.limiter is not None:
            self.limiter.reset()
        self.seed()

    def close(self) -> None:
        self.store.close()
