"""The Notion actions Alloy's catalog lists: official ids, guide aliases, methods and paths.

The block below holds the engine's [assumed] facts about Notion for the actions listed here:
what Notion's reference and its OpenAPI file (2025-09-03) do not settle.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Final

# --- [assumed] facts about Notion ---------------------------------------------------------------
PROPERTY_NOT_FOUND: Final = "{property_id} is not a property that exists."
"""retrieve-a-page-property for a property id (or name) the page lacks: a 400 validation_error
with this message (what Notion answers, as SDK users report it: "h%3A%7BD is not a property that
exists."; the OpenAPI file documents only the 400 error shape) [assumed: the same answer for a
page outside any data source, whose only property is `title`]."""
PROPERTY_ITEM_NEXT_URL: Final = "https://api.notion.com/v1/pages/{page_id}/properties/{property_id}"
"""A paginated property item's `property_item.next_url` while `has_more`: this url with
`start_cursor` (and `page_size` when one was asked for) as the query [assumed: Notion's example
shows the url cut short]; null on the last page."""
# retrieve-a-page-property, rollups: an aggregating rollup lists the rollup's relation
# (`{type: "relation", relation: {id}}` each) and gives its value in `property_item.rollup` on
# every page [assumed: Notion gives the value so far while `has_more`, the final one after]; a
# show_original rollup lists the rolled-up values flattened (one rich-text segment, person or
# relation per item) with `property_item.rollup` `{type: "array", array: [], function}`
# [assumed].
# retrieve-a-page-property, lookup: the path's `property_id` is matched against the page's
# property ids (both URL-decoded: ids like `%3AUPp` travel encoded or not), then against
# property names (the JS SDK documents names as accepted) [assumed: an id wins over a name].
# Relation configs of a 2025-09-03 schema name the related database's first data source as
# `data_source_id` [assumed for a database with several: the sandbox's relations point at
# databases].


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
    text_params: tuple[str, ...] = ()
    """The path parameters that are free strings (a property id), not Notion object ids."""


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
        "retrieve-a-page-property",
        (),
        "Retrieve a page property item",
        "Retrieve one property of a page by id or name; titles, rich text, relations, people"
        " and rollups come as a paginated list of property items (start_cursor, page_size).",
        "GET",
        "/v1/pages/{page_id}/properties/{property_id}",
        ("page_id", "property_id"),
        ("property_id",),
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
