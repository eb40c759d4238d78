"""The sandbox's Notion engine, as other modules import it.

The engine itself lives in `alloy_tui.sandbox.engine` (see its package docstring for the layout):
the catalog and action table, handlers by Notion object, rendering per API version, input
validation, and SQL only in `alloy_tui.sandbox.store`. This module keeps the names the server,
the seed, the benchmarks and the tests have always imported from here.
"""

from __future__ import annotations

from alloy_tui.sandbox.engine.catalog import ACTIONS, ActionSpec, find_action
from alloy_tui.sandbox.engine.common import (
    DEFAULT_BOT_ID,
    NAMESPACE,
    decode_cursor,
    encode_cursor,
    exact_time,
    page_url,
    shown_time,
)
from alloy_tui.sandbox.engine.core import NotionEngine
from alloy_tui.sandbox.engine.errors import NotionError, invalid, not_found, validation
from alloy_tui.sandbox.engine.render import bot_user, with_guide_data
from alloy_tui.sandbox.engine.table import ACTION_TABLE
from alloy_tui.sandbox.engine.validate import (
    MAX_CHILD_DEPTH,
    MAX_REQUEST_BLOCKS,
    MAX_REQUEST_BYTES,
    NewBlock,
)
from alloy_tui.sandbox.store import StoredObject, title_key

__all__ = [
    "ACTIONS",
    "ACTION_TABLE",
    "DEFAULT_BOT_ID",
    "MAX_CHILD_DEPTH",
    "MAX_REQUEST_BLOCKS",
    "MAX_REQUEST_BYTES",
    "NAMESPACE",
    "ActionSpec",
    "NewBlock",
    "NotionEngine",
    "NotionError",
    "StoredObject",
    "bot_user",
    "decode_cursor",
    "encode_cursor",
    "exact_time",
    "find_action",
    "invalid",
    "not_found",
    "page_url",
    "shown_time",
    "title_key",
    "validation",
    "with_guide_data",
]
