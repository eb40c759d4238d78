"""The store's reads whose cost must not grow with the workspace: one window of a data source's
rows in a query's order (filtered, sorted and sliced in SQL) and a title search (through the
trigram index when the needle is long enough). Both return raw rows; `Store` decodes them."""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from alloy_tui.sandbox.store_indexes import ROW_SCOPE, ROWS_INDEX, SOURCE_KEY, ensure_sort_index


@dataclass(frozen=True)
class OrderTerm:
    """One ORDER BY key of a row query: an SQL expression over an `objects` row that is never
    NULL (literals inline, no parameters: an index must be able to hold it) and its direction."""

    expression: str
    descending: bool


@dataclass(frozen=True)
class RowFilter:
    """A WHERE condition over an `objects` row with its parameters ("" for none)."""

    condition: str = ""
    args: tuple[Any, ...] = ()


@dataclass(frozen=True)
class WindowRow:
    """A row of a window and its place in the order: the order's values, then created, id
    (what a cursor names to seek past it)."""

    row: sqlite3.Row
    place: list[Any]


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
    after: Sequence[Any] | None = None,
) -> list[WindowRow]:
    """Rows `offset` .. `offset + limit` of a data source's live rows that pass `where`, by
    `order`, then newest first (`first`: rows naming no source belong to it too, as they do to
    a database's first source); with `after` (a row's `place`), the `limit` rows that follow
    that place instead, found by a seek in the order's index rather than by counting.

    An order gets an index the first time it is asked for. The condition "0" (no row passes)
    is answered without a query."""
    if where.condition == "0":
        return []
    terms = [(term.expression, term.descending) for term in order]
    terms += [("created", True), ("id", False)]
    keys = [f"{term.expression} AS k{i}" for i, term in enumerate(order)]
    order_by = [f"k{i}{' DESC' if term.descending else ''}" for i, term in enumerate(order)]
    order_by += ["created DESC", "id"]
    # Named, not left to the planner: without statistics it may pick the parent index and sort
    # every row of the source. An order's index holds its first key (the rest sort within it).
    if order:
        first_term = f"{order[0].expression}{' DESC' if order[0].descending else ''}"
        index = ensure_sort_index(conn, [first_term, "created DESC", "id"])
    else:
        index = ROWS_INDEX
    # After a place: one arm per way of coming after it (equal on the first j keys, after it
    # on key j), each a seek in the index, so a long run of equal values is not walked.
    seeks = [("", [])] if after is None else _after(terms, after)
    sources: list[tuple[str, tuple[str, ...]]] = [(f"{SOURCE_KEY} = ?", (source_id,))]
    if first:
        sources.append((f"{SOURCE_KEY} IS NULL", ()))
    selects: list[str] = []
    args: list[Any] = []
    for source_condition, source_args in sources:
        for seek, seek_args in seeks:
            conditions = ["parent_id = ?", source_condition, ROW_SCOPE]
            if where.condition:
                conditions.append(f"({where.condition})")
            if seek:
                conditions.append(seek)
            selects.append(
                f"SELECT {', '.join(['*', *keys])} FROM objects INDEXED BY {index} "  # noqa: S608
                f"WHERE {' AND '.join(conditions)}"
            )
            args += [database_id, *source_args, *where.args, *seek_args]
    sql = f"{' UNION ALL '.join(selects)} ORDER BY {', '.join(order_by)} LIMIT ? OFFSET ?"
    rows = conn.execute(sql, (*args, limit, 0 if after is not None else offset)).fetchall()
    width = len(order)
    return [
        WindowRow(row, [*(row[f"k{i}"] for i in range(width)), row["created"], row["id"]])
        for row in rows
    ]


def _after(terms: Sequence[tuple[str, bool]], place: Sequence[Any]) -> list[tuple[str, list[Any]]]:
    """The rows after `place` in the order of `terms` (expressions never NULL, the last ones
    unique), as disjoint conditions: equal on the first j terms and after the place on term j."""
    out: list[tuple[str, list[Any]]] = []
    for j, (expression, descending) in enumerate(terms):
        equal = [f"{earlier} = ?" for earlier, _ in terms[:j]]
        condition = " AND ".join([*equal, f"{expression} {'<' if descending else '>'} ?"])
        out.append((condition, [*place[:j], place[j]]))
    return out


TRIGRAM = 3
"""The shortest needle the trigram index can look up; shorter ones scan titles by edit time."""

SPARSE_HITS = 2_000
"""A needle the index finds at most this often is answered from the index's hits; a commoner
one by walking titles newest first, which meets enough hits early."""

FIRST_LOOK = 64
"""How far every trigram is counted first: a trigram found nowhere (a search without hits)
shows up at this cost, however common the needle's other trigrams are."""


def _candidates(conn: sqlite3.Connection, needle: str) -> str | None:
    """The FTS5 query of the rarest trigram of `needle` (at least 3 characters) when the index
    holds it at most SPARSE_HITS times; None when every trigram is commoner than that.

    Trigrams are counted in two rounds, up to FIRST_LOOK + 1 and then (if none was that rare)
    up to SPARSE_HITS + 1, so the cost is bounded whatever the size of the workspace, and a
    trigram found nowhere answers a search that has no hits within the first round. (The index
    keeps no positions, detail=none: its hits hold the trigram, the LIKE that follows decides
    whether they hold the needle.)"""
    queries = [
        '"' + gram.replace('"', '""') + '"'
        for gram in dict.fromkeys(needle[i : i + TRIGRAM] for i in range(len(needle) - 2))
    ]
    for cap in (FIRST_LOOK, SPARSE_HITS):
        best: tuple[int, str] | None = None
        for query in queries:
            hits = conn.execute(
                "SELECT count(*) FROM (SELECT 1 FROM title_search WHERE title_search MATCH ? "
                "LIMIT ?)",
                (query, cap + 1),
            ).fetchone()[0]
            if best is None or hits < best[0]:
                best = (hits, query)
            if hits == 0:
                return query
        if best is not None and best[0] <= cap:
            return best[1]
    return None


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
