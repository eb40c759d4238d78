"""The store's reads whose cost must not grow with the workspace: one window of a data source's
rows in a query's order (filtered, sorted and sliced in SQL) and a title search (through the
trigram index when the needle is long enough). Both return raw rows; `Store` decodes them."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from alloy_tui.sandbox.store_indexes import ROW_SCOPE, ROWS_INDEX, SOURCE_KEY, ensure_sort_index

TRIGRAM = 3
"""The shortest needle the trigram index can look up; shorter ones scan titles by edit time."""

SPARSE_HITS = 2_000
"""A needle the index finds at most this often is answered from the index's hits; a commoner
one by walking titles newest first, which meets enough hits early."""


@dataclass(frozen=True)
class OrderTerm:
    """One ORDER BY key of a row query: an SQL expression over an `objects` row (literals
    inline, no parameters: an index must be able to hold it), its direction, and whether it can
    be NULL (an empty value, which sorts last in either direction)."""

    expression: str
    descending: bool
    nullable: bool = True


@dataclass(frozen=True)
class RowFilter:
    """A WHERE condition over an `objects` row with its parameters ("" for none)."""

    condition: str = ""
    args: tuple[Any, ...] = ()


def source_window(
    conn: sqlite3.Connection,
    *,
    database_id: str,
    source_id: str,
    first: bool,
    where: RowFilter,
    order: Sequence[OrderTerm],
    limit: int,
    offset: int,
) -> list[sqlite3.Row]:
    """Rows `offset` .. `offset + limit` of a data source's live rows that pass `where`, by
    `order`, then newest first (`first`: rows naming no source belong to it too, as they do to
    a database's first source). An order gets an index the first time it is asked for.
    The condition "0" (no row passes) is answered without a query."""
    if where.condition == "0":
        return []
    keys: list[str] = []
    order_by: list[str] = []
    first_terms: list[str] = []  # the first key's, which its index holds
    for i, term in enumerate(order):
        terms: list[str] = []
        if term.nullable and not term.descending:  # NULL sorts first ascending: move it last
            keys.append(f"({term.expression}) IS NULL AS n{i}")
            order_by.append(f"n{i}")
            terms.append(f"({term.expression}) IS NULL")
        direction = " DESC" if term.descending else ""
        keys.append(f"{term.expression} AS k{i}")
        order_by.append(f"k{i}{direction}")
        terms.append(f"{term.expression}{direction}")
        first_terms = first_terms or terms
    order_by += ["created DESC", "id"]
    # Named, not left to the planner: without statistics it may pick the parent index and sort
    # every row of the source.
    index = ensure_sort_index(conn, [*first_terms, "created DESC", "id"]) if order else ROWS_INDEX
    table = f"objects INDEXED BY {index}"
    arms: list[tuple[str, tuple[str, ...]]] = [(f"{SOURCE_KEY} = ?", (source_id,))]
    if first:
        arms.append((f"{SOURCE_KEY} IS NULL", ()))
    selects: list[str] = []
    args: list[Any] = []
    for source_condition, source_args in arms:
        conditions = ["parent_id = ?", source_condition, ROW_SCOPE]
        if where.condition:
            conditions.append(f"({where.condition})")
        selects.append(
            f"SELECT {', '.join(['*', *keys])} FROM {table} "  # noqa: S608 - the planner's SQL
            f"WHERE {' AND '.join(conditions)}"
        )
        args += [database_id, *source_args, *where.args]
    sql = f"{' UNION ALL '.join(selects)} ORDER BY {', '.join(order_by)} LIMIT ? OFFSET ?"
    return conn.execute(sql, (*args, limit, offset)).fetchall()


def _candidates(conn: sqlite3.Connection, needle: str) -> str | None:
    """The FTS5 query of the rarest trigram of `needle` (at least 3 characters) when the index
    holds it at most SPARSE_HITS times; None when every trigram is commoner than that.

    Each trigram is counted only up to SPARSE_HITS + 1, so the cost is bounded whatever the
    size of the workspace; a trigram found nowhere answers a search that has no hits at once.
    (The index keeps no positions, detail=none: its hits hold the trigram, the LIKE that
    follows decides whether they hold the needle.)"""
    best: tuple[int, str] | None = None
    for gram in dict.fromkeys(needle[i : i + TRIGRAM] for i in range(len(needle) - 2)):
        query = '"' + gram.replace('"', '""') + '"'
        hits = conn.execute(
            "SELECT count(*) FROM (SELECT 1 FROM title_search WHERE title_search MATCH ? LIMIT ?)",
            (query, SPARSE_HITS + 1),
        ).fetchone()[0]
        if best is None or hits < best[0]:
            best = (hits, query)
        if hits == 0:
            break
    return best[1] if best is not None and best[0] <= SPARSE_HITS else None


def search(
    conn: sqlite3.Connection,
    *,
    kinds: Sequence[str],
    needle: str,
    descending: bool,
    limit: int,
    offset: int,
) -> list[sqlite3.Row]:
    """Untrashed objects of these kinds whose title key contains `needle`, by edit time: the
    titles the trigram index names when the needle is rare enough, else every title newest
    first (a common needle meets its hits early)."""
    marks = ",".join("?" * len(kinds))
    # Several kinds: walk the edit-time index and test the kind (an IN on the index's first
    # column would read every row and sort them).
    kind_term = f"object IN ({marks})" if len(kinds) == 1 else f"+object IN ({marks})"
    where = ["in_trash = 0", kind_term]
    args: list[Any] = list(kinds)
    table = "objects"
    if needle:
        query = _candidates(conn, needle) if len(needle) >= TRIGRAM else None
        if query is not None:
            # Read the index's hits by rowid, not the whole edit-time index in order.
            table = "objects NOT INDEXED"
            where.append("rowid IN (SELECT rowid FROM title_search WHERE title_search MATCH ?)")
            args.append(query)
        escaped = needle.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        where.append("title_key LIKE ? ESCAPE '\\'")
        args.append(f"%{escaped}%")
    order = "DESC" if descending else "ASC"
    return conn.execute(
        f"SELECT * FROM {table} WHERE {' AND '.join(where)} "  # noqa: S608 - fixed fragments
        f"ORDER BY edited {order}, id LIMIT ? OFFSET ?",
        (*args, limit, offset),
    ).fetchall()
