"""Notion's rules as pure data in, data out: ids, rich text, properties, blocks, filters."""
