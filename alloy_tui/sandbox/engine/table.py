"""The action table: every action id Alloy's catalog lists (guide aliases included) -> handler."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any

from alloy_tui.sandbox.engine.catalog import ACTIONS
from alloy_tui.sandbox.engine.context import Call, Request
from alloy_tui.sandbox.engine.handlers import (
    blocks,
    comments,
    data_sources,
    databases,
    pages,
    search,
    users,
)

Handler = Callable[[Call, Request], Any]

ACTION_TABLE: Mapping[str, Handler] = {
    "post-search": search.post_search,
    "retrieve-a-page": pages.retrieve_a_page,
    "get-page": pages.retrieve_a_page,  # guide alias
    "retrieve-a-page-property": pages.retrieve_a_page_property,
    "post-page": pages.post_page,
    "patch-page": pages.patch_page,
    "retrieve-a-database": databases.retrieve_a_database,
    "get-database": databases.retrieve_a_database,  # guide alias
    "post-database-query": databases.post_database_query,
    "query-database": databases.post_database_query,  # guide alias
    "retrieve-a-data-source": data_sources.retrieve_a_data_source,
    "query-data-source": data_sources.query_data_source,
    "update-a-data-source": data_sources.update_a_data_source,
    "create-a-data-source": data_sources.create_a_data_source,
    "list-data-source-templates": data_sources.list_data_source_templates,
    "get-block-children": blocks.get_block_children,
    "patch-block-children": blocks.patch_block_children,
    "retrieve-a-block": blocks.retrieve_a_block,
    "update-a-block": blocks.update_a_block,
    "delete-a-block": blocks.delete_a_block,
    "get-users": users.get_users,
    "get-user": users.get_user,
    "get-self": users.get_self,
    "retrieve-a-comment": comments.retrieve_a_comment,
    "create-a-comment": comments.create_a_comment,
}

_CATALOG_NAMES = {name for spec in ACTIONS for name in (spec.id, *spec.aliases)}
if set(ACTION_TABLE) != _CATALOG_NAMES:  # pragma: no cover - a programming error, caught on import
    raise RuntimeError(
        f"action table and catalog disagree: {sorted(set(ACTION_TABLE) ^ _CATALOG_NAMES)}"
    )
