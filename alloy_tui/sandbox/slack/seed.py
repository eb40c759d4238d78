"""The seeded Slack workspace: a team, five people, six channels (one archived) and their
messages; #general holds more than two pages of history (250 messages at the default limit of
100). Deterministic for a given clock; written once, when the Slack tables are empty."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Final

from alloy_tui.sandbox.slack.store import SlackStore

TEAM_ID: Final = "T05ACMESBX"
TEAM_NAME: Final = "Acme Sandbox"
TEAM_DOMAIN: Final = "acme-sandbox"
GENERAL_ID: Final = "C05GENERAL"
GENERAL_MESSAGES: Final = 250

_PEOPLE: Final = (
    ("U05MAYA001", "maya", "Maya Chen", "maya@acme.example", "Engineering lead", True),
    ("U05OMAR002", "omar", "Omar Haddad", "omar@acme.example", "Designer", False),
    ("U05LENA003", "lena", "Lena Fischer", "lena@acme.example", "Product manager", False),
    ("U05KENJ004", "kenji", "Kenji Sato", "kenji@acme.example", "Support", False),
    ("U05ZOE0005", "zoe", "Zoë Ndiaye", "zoe@acme.example", "Marketing", False),
)
_CHANNELS: Final = (
    (GENERAL_ID, "general", "Company-wide announcements and work-based matters.", False, True),
    ("C05RANDOM1", "random", "Non-work banter and water-cooler conversation.", False, False),
    ("C05ENGINE2", "engineering", "Builds, reviews and incidents.", False, False),
    ("C05DESIGN3", "design", "Mock-ups and critiques.", False, False),
    ("C05SUPPRT4", "support", "Customer questions that need a second pair of eyes.", False, False),
    ("C05LAUNCH5", "launch-2024", "The 2024 launch (done).", True, False),
)
_LINES: Final = (
    "Morning all! Stand-up in 10.",
    "The release notes draft is in the handbook.",
    "Can someone review my pull request?",
    "Lunch order closes at noon 🍜",
    "Deploy finished, all green.",
    "Reminder: retro on Friday.",
    "Customer asked about CSV export again.",
    "Nice work on the onboarding flow!",
)


def ts_of(moment: datetime, sequence: int = 0) -> str:
    """Slack's message timestamp: epoch seconds, a dot, six digits (unique per channel)."""
    return f"{int(moment.timestamp()):010d}.{sequence % 1_000_000:06d}"


def _user(uid: str, handle: str, real: str, email: str, title: str, admin: bool) -> dict[str, Any]:
    return {
        "id": uid,
        "team_id": TEAM_ID,
        "name": handle,
        "deleted": False,
        "real_name": real,
        "tz": "Europe/Berlin",
        "tz_label": "Central European Time",
        "tz_offset": 3600,
        "profile": {
            "title": title,
            "real_name": real,
            "display_name": handle,
            "email": email,
            "status_text": "",
            "status_emoji": "",
            "team": TEAM_ID,
        },
        "is_admin": admin,
        "is_owner": admin,
        "is_bot": False,
        "is_app_user": False,
        "updated": 1700000000,
    }


def _channel(
    cid: str, name: str, purpose: str, archived: bool, general: bool, created: int
) -> dict[str, Any]:
    return {
        "id": cid,
        "name": name,
        "is_channel": True,
        "is_group": False,
        "is_im": False,
        "is_private": False,
        "is_archived": archived,
        "is_general": general,
        "is_member": True,
        "created": created,
        "creator": _PEOPLE[0][0],
        "name_normalized": name,
        "topic": {"value": "", "creator": "", "last_set": 0},
        "purpose": {"value": purpose, "creator": _PEOPLE[0][0], "last_set": created},
        "num_members": len(_PEOPLE),
    }


def seed_slack(store: SlackStore, now: datetime) -> bool:
    """Write the workspace unless it is there; True when it was written."""
    with store.transaction():
        if not store.is_empty():
            return False
        start = now - timedelta(days=30)
        store.insert_users(_user(*person) for person in _PEOPLE)
        created = int(start.timestamp())
        store.insert_channels(_channel(*spec, created) for spec in _CHANNELS)
        for index, (cid, *_rest) in enumerate(_CHANNELS):
            count = GENERAL_MESSAGES if cid == GENERAL_ID else 3 + index
            messages = []
            for number in range(count):
                author = _PEOPLE[(number + index) % len(_PEOPLE)][0]
                moment = start + timedelta(minutes=7 * number + index)
                messages.append(
                    {
                        "type": "message",
                        "user": author,
                        "text": f"{_LINES[number % len(_LINES)]} (#{number + 1})",
                        "ts": ts_of(moment, number),
                        "team": TEAM_ID,
                    }
                )
            store.insert_messages(cid, messages)
    return True
