"""The Notion actions Alloy's catalog lists: official ids, guide aliases, methods and paths."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ActionSpec:
    """One Notion action as Alloy's catalog describes it."""

    id: str
    aliases: tuple[str, ...]
    display_name: str
    description: str
    http_method: str
    path: str
    path_params: tuple[str, ...]


ACTIONS: tuple[ActionSpec, ...] = (
    ActionSpec(
        "post-search",
        (),
        "Search",
        "Search pages and databases shared with the integration by title.",
        "POST",
        "/v1/search",
        (),
    ),
    ActionSpec(
        "retrieve-a-page",
        ("get-page",),
        "Retrieve a page",
        "Retrieve a page's properties (not its content); `filter_properties` (property ids)"
        " limits them.",
        "GET",
        "/v1/pages/{page_id}",
        ("page_id",),
    ),
    ActionSpec(
        "post-page",
        (),
        "Create a page",
        "Create a page under a page, a database or the workspace.",
        "POST",
        "/v1/pages",
        (),
    ),
    ActionSpec(
        "patch-page",
        (),
        "Update page properties",
        "Update a page's properties, icon or cover, or move it to or from the trash.",
        "PATCH",
        "/v1/pages/{page_id}",
        ("page_id",),
    ),
    ActionSpec(
        "retrieve-a-database",
        ("get-database",),
        "Retrieve a database",
        "Retrieve a database's title and property schema.",
        "GET",
        "/v1/databases/{database_id}",
        ("database_id",),
    ),
    ActionSpec(
        "post-database-query",
        ("query-database",),
        "Query a database",
        "List a database's pages, filtered and sorted.",
        "POST",
        "/v1/databases/{database_id}/query",
        ("database_id",),
    ),
    ActionSpec(
        "retrieve-a-data-source",
        (),
        "Retrieve a data source",
        "Retrieve a data source's title and property schema (Notion-Version 2025-09-03).",
        "GET",
        "/v1/data_sources/{data_source_id}",
        ("data_source_id",),
    ),
    ActionSpec(
        "query-data-source",
        (),
        "Query a data source",
        "List a data source's pages, filtered and sorted (Notion-Version 2025-09-03).",
        "POST",
        "/v1/data_sources/{data_source_id}/query",
        ("data_source_id",),
    ),
    ActionSpec(
        "update-a-data-source",
        (),
        "Update a data source",
        "Change a data source's title, description or property schema (2025-09-03).",
        "PATCH",
        "/v1/data_sources/{data_source_id}",
        ("data_source_id",),
    ),
    ActionSpec(
        "create-a-data-source",
        (),
        "Create a data source",
        "Add a data source with its own schema to a database (Notion-Version 2025-09-03).",
        "POST",
        "/v1/data_sources",
        (),
    ),
    ActionSpec(
        "list-data-source-templates",
        (),
        "List data source templates",
        "List the page templates of a data source (Notion-Version 2025-09-03).",
        "GET",
        "/v1/data_sources/{data_source_id}/templates",
        ("data_source_id",),
    ),
    ActionSpec(
        "get-block-children",
        (),
        "Retrieve block children",
        "List the first-level children of a block or page.",
        "GET",
        "/v1/blocks/{block_id}/children",
        ("block_id",),
    ),
    ActionSpec(
        "patch-block-children",
        (),
        "Append block children",
        "Append blocks to a block or page, optionally after a given child.",
        "PATCH",
        "/v1/blocks/{block_id}/children",
        ("block_id",),
    ),
    ActionSpec(
        "retrieve-a-block",
        (),
        "Retrieve a block",
        "Retrieve one block.",
        "GET",
        "/v1/blocks/{block_id}",
        ("block_id",),
    ),
    ActionSpec(
        "update-a-block",
        (),
        "Update a block",
        "Update a block's content, or move it to or from the trash.",
        "PATCH",
        "/v1/blocks/{block_id}",
        ("block_id",),
    ),
    ActionSpec(
        "delete-a-block",
        (),
        "Delete a block",
        "Move a block (or a page) to the trash.",
        "DELETE",
        "/v1/blocks/{block_id}",
        ("block_id",),
    ),
    ActionSpec(
        "get-users",
        (),
        "List all users",
        "List the workspace's people and bots.",
        "GET",
        "/v1/users",
        (),
    ),
    ActionSpec(
        "get-user",
        (),
        "Retrieve a user",
        "Retrieve one person or bot of the workspace by id.",
        "GET",
        "/v1/users/{user_id}",
        ("user_id",),
    ),
    ActionSpec(
        "get-self",
        (),
        "Retrieve your token's bot user",
        "Retrieve the bot user of the connection.",
        "GET",
        "/v1/users/me",
        (),
    ),
    ActionSpec(
        "retrieve-a-comment",
        (),
        "Retrieve comments",
        "List the open comments on a page or block (query parameter block_id).",
        "GET",
        "/v1/comments",
        (),
    ),
    ActionSpec(
        "create-a-comment",
        (),
        "Create a comment",
        "Comment on a page, or reply in an existing discussion.",
        "POST",
        "/v1/comments",
        (),
    ),
)

_BY_ID: dict[str, ActionSpec] = {
    name: spec for spec in ACTIONS for name in (spec.id, *spec.aliases)
}


def find_action(action_id: str) -> ActionSpec | None:
    """The action for an official id or a guide alias, or None."""
    return _BY_ID.get(action_id)
