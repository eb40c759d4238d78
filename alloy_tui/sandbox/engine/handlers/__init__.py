"""The actions, one module per Notion object; each handler is `(call, request) -> JSON`."""
