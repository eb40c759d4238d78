"""The sandbox's Notion engine, by concern.

- `catalog`: the actions Alloy's catalog lists (ids, guide aliases, methods, paths).
- `table`: the action table, action id (or alias) -> handler.
- `core`: `NotionEngine.execute`, one transaction per action, errors returned as Notion's.
- `context`: one action's call: clock, actor, API version, store access and per-call caches.
- `handlers/`: the actions, by Notion object (pages, databases, blocks, users, comments, search).
- `validate`: request input checks (ids, paging, rich text, icons, blocks, JSON sanity).
- `writes`: property writes (schema-driven input, select options, two-way relations).
- `values`: property values in response form, formulas and rollups included.
- `row_query`: a data source's rows through a query: in SQL when `sql_plan` has an exact SQL
  form of its filter and sorts (keyset cursors), else by `filters` and `sorts` in Python.
- `render`: Notion's objects as JSON, per Notion API version.
- `errors`, `common`: Notion's errors; time stamps, cursors, urls and fixed ids.
"""
