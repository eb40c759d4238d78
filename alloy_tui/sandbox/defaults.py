"""The sandbox's fixed, documented defaults: paste them as ALLOY_* variables."""

DEFAULT_PORT = 8787
DEFAULT_API_KEY = "sk_sandbox_alloy_tui_local_0000000000000000"
"""The sandbox's API key. Not a secret: the sandbox only listens on 127.0.0.1."""
DEFAULT_USER_ID = "64f0a1b2c3d4e5f601234567"
"""The sandbox's Alloy user id (a 24-hex ObjectId, like Alloy's)."""
SEED_CONNECTION_ID = "65a1b2c3d4e5f60718293a4b"
"""A Notion connection that exists from the first start, so the app works before any OAuth."""
SEED_WORKSPACE_NAME = "Acme Sandbox"
NOTION_VERSIONS = ("2022-06-28", "2025-09-03")
"""The Notion API versions the sandbox speaks (`Notion-Version`)."""
DEFAULT_NOTION_VERSION = "2025-09-03"
"""What a new Notion integration gets; `--notion-version` changes the sandbox's default."""
API_VERSION = "2025-09"
