"""The sandbox's seeded workspace: a small software team's Notion, deterministic and realistic."""

from __future__ import annotations

import hashlib
import random
import uuid
from collections.abc import Callable, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any

from alloy_tui.notion.richtext import fill, from_plain, plain_text
from alloy_tui.sandbox.defaults import SEED_WORKSPACE_NAME
from alloy_tui.sandbox.engine.common import DEFAULT_BOT_ID, NAMESPACE, exact_time
from alloy_tui.sandbox.engine.render import bot_user
from alloy_tui.sandbox.store import (
    Store,
    StoredBlock,
    StoredComment,
    StoredObject,
    StoredUser,
)

SEEDED_KEY = "notion.seeded"

Block = tuple[str, dict[str, Any], list["Block"]]
"""A seed block: (type, content, children)."""


def seed_id(kind: str, key: str) -> str:
    """A fixed id for a seeded object, so every seeded sandbox has the same ids."""
    return str(uuid.uuid5(NAMESPACE, f"{kind}:{key}"))


def _prop_id(database_key: str, name: str) -> str:
    """Short property ids like Notion's (the title property's id is always `title`)."""
    digest = hashlib.sha1(f"{database_key}:{name}".encode(), usedforsecurity=False).hexdigest()
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
    number = int(digest[:12], 16)
    chars = []
    for _ in range(4):
        number, index = divmod(number, len(alphabet))
        chars.append(alphabet[index])
    return "".join(chars)


# --- rich text and block builders ------------------------------------------------------------


def rt(text: str, *, link: str | None = None, **annotations: Any) -> dict[str, Any]:
    item: dict[str, Any] = {"type": "text", "text": {"content": text, "link": None}}
    if link:
        item["text"]["link"] = {"url": link}
    if annotations:
        item["annotations"] = annotations
    return fill(item)


def text(value: str) -> list[dict[str, Any]]:
    """Plain text split at Notion's 2000 UTF-16 unit limit, in response form."""
    return [fill(item) for item in from_plain(value)]


def block(kind: str, *items: dict[str, Any], children: Sequence[Block] = (), **extra: Any) -> Block:
    content: dict[str, Any] = {"rich_text": list(items), "color": extra.pop("color", "default")}
    content.update(extra)
    return (kind, content, list(children))


def p(*items: dict[str, Any] | str, children: Sequence[Block] = ()) -> Block:
    rich = [rt(i) if isinstance(i, str) else i for i in items]
    return block("paragraph", *rich, children=children)


def h(level: int, title: str, *, toggleable: bool = False) -> Block:
    return block(f"heading_{level}", rt(title), is_toggleable=toggleable)


def bullet(title: str, *children: Block) -> Block:
    return block("bulleted_list_item", rt(title), children=children)


def number(title: str, *children: Block) -> Block:
    return block("numbered_list_item", rt(title), children=children)


def todo(title: str, checked: bool, *children: Block) -> Block:
    return block("to_do", rt(title), checked=checked, children=children)


def callout(emoji: str, *items: dict[str, Any], color: str = "gray_background") -> Block:
    return block("callout", *items, icon={"type": "emoji", "emoji": emoji}, color=color)


def code(language: str, source: str, caption: str = "") -> Block:
    return block("code", *text(source), language=language, caption=text(caption))


def other(kind: str, content: dict[str, Any], *children: Block) -> Block:
    return (kind, content, list(children))


DIVIDER: Block = ("divider", {}, [])


# --- the workspace ---------------------------------------------------------------------------

PEOPLE = (
    ("maya", "Maya Patel", "maya.patel@acme.dev"),
    ("kenji", "渡辺 健二 (Kenji Watanabe)", "kenji@acme.dev"),
    ("lina", "لينا حداد", "lina.haddad@acme.dev"),
    ("oleg", "Олег Смирнов", "oleg@acme.dev"),
    ("zoe", "Zoe\u0308 Fontaine", "zoe@acme.dev"),
    ("wei", "李伟", "li.wei@acme.dev"),
)
CI_BOT_ID = seed_id("user", "bot:ci")


def person_id(key: str) -> str:
    return seed_id("user", key)


class _Builder:
    """Collects rows for every table, then writes them in one transaction."""

    def __init__(self, now: datetime) -> None:
        self.now = now
        self.objects: list[StoredObject] = []
        self.blocks: list[StoredBlock] = []
        self.users: list[StoredUser] = []
        self.comments: list[StoredComment] = []
        self.positions: dict[str, int] = {}
        self.block_counter = 0

    def at(self, minutes_ago: float) -> str:
        return exact_time(self.now - timedelta(minutes=minutes_ago))

    def _next_position(self, parent: str) -> int:
        self.positions[parent] = self.positions.get(parent, 0) + 1
        return self.positions[parent]

    def add_blocks(
        self,
        parent_type: str,
        parent_id: str,
        blocks: Sequence[Block],
        when: str,
        author: str,
    ) -> None:
        for kind, content, children in blocks:
            self.block_counter += 1
            block_id = seed_id("block", f"{parent_id}:{self.block_counter}")
            self.blocks.append(
                StoredBlock(
                    id=block_id,
                    parent_type=parent_type,
                    parent_id=parent_id,
                    position=float(self._next_position(parent_id)),
                    type=kind,
                    content=content,
                    created=when,
                    edited=when,
                    created_by=author,
                    edited_by=author,
                    in_trash=False,
                )
            )
            if children:
                self.add_blocks("block_id", block_id, children, when, author)

    def add_object(
        self,
        object_id: str,
        kind: str,
        parent: tuple[str, str | None],
        title: str,
        data: dict[str, Any],
        *,
        created: float,
        edited: float,
        author: str,
        editor: str | None = None,
        trashed: bool = False,
    ) -> None:
        created_at, edited_at = self.at(created), self.at(edited)
        self.objects.append(
            StoredObject(
                id=object_id,
                object=kind,
                parent_type=parent[0],
                parent_id=parent[1],
                title=title,
                created=created_at,
                edited=edited_at,
                created_by=author,
                edited_by=editor or author,
                in_trash=trashed,
                data=data,
            )
        )
        if parent[0] == "page_id" and parent[1] is not None:
            block_type = "child_database" if kind == "database" else "child_page"
            self.blocks.append(
                StoredBlock(
                    id=object_id,
                    parent_type="page_id",
                    parent_id=parent[1],
                    position=float(self._next_position(parent[1])),
                    type=block_type,
                    content={"title": title},
                    created=created_at,
                    edited=edited_at,
                    created_by=author,
                    edited_by=editor or author,
                    in_trash=trashed,
                )
            )

    def page(
        self,
        key: str,
        title: str,
        parent: tuple[str, str | None],
        *,
        icon: str | None = None,
        body: Sequence[Block] = (),
        created: float = 60 * 24 * 30,
        edited: float = 60 * 24,
        author: str | None = None,
        trashed: bool = False,
        cover: str | None = None,
    ) -> str:
        page_id = seed_id("page", key)
        author = author or person_id("maya")
        data = {
            "properties": {"title": text(title)},
            "icon": {"type": "emoji", "emoji": icon} if icon else None,
            "cover": {"type": "external", "external": {"url": cover}} if cover else None,
        }
        self.add_object(
            page_id,
            "page",
            parent,
            title,
            data,
            created=created,
            edited=edited,
            author=author,
            trashed=trashed,
        )
        self.add_blocks("page_id", page_id, body, self.at(edited), author)
        return page_id


def _option(database: str, prop: str, name: str, color: str) -> dict[str, Any]:
    return {
        "id": seed_id("option", f"{database}:{prop}:{name}"),
        "name": name,
        "color": color,
        "description": None,
    }


def _schema(database: str, props: Sequence[tuple[str, str, dict[str, Any]]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for name, kind, config in props:
        prop_id = "title" if kind == "title" else _prop_id(database, name)
        out[name] = {"id": prop_id, "name": name, "type": kind, kind: config}
    return out


def _options(database: str, prop: str, pairs: Sequence[tuple[str, str]]) -> list[dict[str, Any]]:
    return [_option(database, prop, name, color) for name, color in pairs]


def _status_config(database: str) -> dict[str, Any]:
    options = _options(
        database,
        "Status",
        [
            ("Not started", "default"),
            ("In progress", "blue"),
            ("Blocked", "red"),
            ("Done", "green"),
        ],
    )
    ids = [o["id"] for o in options]
    return {
        "options": options,
        "groups": [
            {
                "id": seed_id("group", f"{database}:todo"),
                "name": "To-do",
                "color": "gray",
                "option_ids": ids[:1],
            },
            {
                "id": seed_id("group", f"{database}:progress"),
                "name": "In progress",
                "color": "blue",
                "option_ids": ids[1:3],
            },
            {
                "id": seed_id("group", f"{database}:complete"),
                "name": "Complete",
                "color": "green",
                "option_ids": ids[3:],
            },
        ],
    }


PROJECTS = (
    ("Sandbox emulator", "Ship the local Alloy sandbox", "kenji", 42000, "Build"),
    ("Terminal client 1.0", "Keyboard-first Notion client", "maya", 65000, "Build"),
    ("Search revamp 🔎", "Faster search over 10k pages", "wei", 30000, "Discovery"),
    ("OAuth hardening", "Consent page, state checks, redaction", "lina", 18000, "Review"),
    ("Docs & onboarding", "Guides, examples, screenshots", "zoe", 12000, "Build"),
    ("Infra migration", "Move CI to the new runners", "oleg", 25000, "Done"),
)

TASK_VERBS = (
    "Fix",
    "Write",
    "Review",
    "Design",
    "Ship",
    "Refactor",
    "Document",
    "Investigate",
    "Migrate",
    "Test",
)
TASK_OBJECTS = (
    "login flow",
    "rate limiter",
    "search index",
    "OAuth callback",
    "billing page",
    "CI pipeline",
    "onboarding email",
    "API docs",
    "dark mode",
    "CSV export",
    "retry policy",
    "conflict dialog",
    "draft journal",
    "block editor",
    "status bar",
    "検索 UI",
    "工作流程",
    "тесты API",
)
TAGS = (
    ("backend", "blue"),
    ("frontend", "purple"),
    ("infra", "gray"),
    ("docs", "green"),
    ("bug", "red"),
    ("design", "pink"),
    ("🚀 launch", "orange"),
)
TASK_COUNT = 300


def _databases(b: _Builder, engineering: str, sales: str) -> None:
    people = [person_id(key) for key, _name, _email in PEOPLE]
    projects_db = seed_id("database", "projects")
    tasks_db = seed_id("database", "tasks")
    contacts_db = seed_id("database", "contacts")

    task_link = _prop_id("tasks", "Project")
    project_tasks = _prop_id("projects", "Tasks")
    projects_schema = _schema(
        "projects",
        [
            ("Name", "title", {}),
            ("Summary", "rich_text", {}),
            ("Lead", "people", {}),
            ("Budget", "number", {"format": "dollar"}),
            ("Timeline", "date", {}),
            (
                "Phase",
                "select",
                {
                    "options": _options(
                        "projects",
                        "Phase",
                        [
                            ("Discovery", "purple"),
                            ("Build", "blue"),
                            ("Review", "yellow"),
                            ("Done", "green"),
                        ],
                    )
                },
            ),
            ("Website", "url", {}),
            ("Attachments", "files", {}),
            (
                "Tasks",
                "relation",
                {
                    "database_id": tasks_db,
                    "type": "dual_property",
                    "dual_property": {
                        "synced_property_name": "Project",
                        "synced_property_id": task_link,
                    },
                },
            ),
            (
                "Task count",
                "rollup",
                {
                    "relation_property_name": "Tasks",
                    "relation_property_id": project_tasks,
                    "rollup_property_name": "Name",
                    "rollup_property_id": "title",
                    "function": "count",
                },
            ),
            (
                "Total estimate",
                "rollup",
                {
                    "relation_property_name": "Tasks",
                    "relation_property_id": project_tasks,
                    "rollup_property_name": "Estimate",
                    "rollup_property_id": _prop_id("tasks", "Estimate"),
                    "function": "sum",
                },
            ),
            (
                "Points per task",
                "formula",
                {
                    "expression": 'if(prop("Task count") > 0, '
                    'round(prop("Total estimate") / prop("Task count"), 1), 0)'
                },
            ),
            ("Created", "created_time", {}),
            ("Owner", "created_by", {}),
        ],
    )
    tasks_schema = _schema(
        "tasks",
        [
            ("Name", "title", {}),
            ("Status", "status", _status_config("tasks")),
            ("Assignee", "people", {}),
            ("Due", "date", {}),
            (
                "Priority",
                "select",
                {
                    "options": _options(
                        "tasks",
                        "Priority",
                        [("P0", "red"), ("P1", "orange"), ("P2", "yellow"), ("P3", "gray")],
                    )
                },
            ),
            ("Tags", "multi_select", {"options": _options("tasks", "Tags", TAGS)}),
            ("Estimate", "number", {"format": "number"}),
            (
                "Project",
                "relation",
                {
                    "database_id": projects_db,
                    "type": "dual_property",
                    "dual_property": {
                        "synced_property_name": "Tasks",
                        "synced_property_id": project_tasks,
                    },
                },
            ),
            ("Needs review", "checkbox", {}),
            ("Spec", "url", {}),
            ("ID", "unique_id", {"prefix": "TASK"}),
            (
                "Overdue",
                "formula",
                {
                    "expression": 'prop("Status") != "Done" and not empty(prop("Due")) '
                    'and prop("Due") < now()'
                },
            ),
            (
                "Label",
                "formula",
                {"expression": 'concat("TASK-", format(prop("ID")), " · ", prop("Name"))'},
            ),
            ("Created", "created_time", {}),
            ("Created by", "created_by", {}),
            ("Last edited", "last_edited_time", {}),
            ("Last edited by", "last_edited_by", {}),
        ],
    )
    contacts_schema = _schema(
        "contacts",
        [
            ("Name", "title", {}),
            ("Company", "rich_text", {}),
            ("Email", "email", {}),
            ("Phone", "phone_number", {}),
            ("Website", "url", {}),
            ("Last contacted", "date", {}),
            ("Newsletter", "checkbox", {}),
            (
                "Segment",
                "multi_select",
                {
                    "options": _options(
                        "contacts",
                        "Segment",
                        [("Customer", "green"), ("Partner", "blue"), ("Prospect", "yellow")],
                    )
                },
            ),
            ("Win probability", "number", {"format": "percent"}),
            ("Account owner", "people", {}),
        ],
    )

    def database(
        db_id: str,
        key: str,
        title: str,
        schema: dict[str, Any],
        parent: str,
        icon: str,
        description: str,
        unique_next: int = 1,
    ) -> None:
        data = {
            "title": text(title),
            "description": text(description),
            "properties": schema,
            "icon": {"type": "emoji", "emoji": icon},
            "cover": None,
            "is_inline": False,
            "unique_next": unique_next,
        }
        b.add_object(
            db_id,
            "database",
            ("page_id", parent),
            title,
            data,
            created=60 * 24 * 60,
            edited=60 * 24 * 2,
            author=person_id("maya"),
        )

    database(
        projects_db,
        "projects",
        "Projects",
        projects_schema,
        engineering,
        "🗂️",
        "Everything the team is building this quarter.",
    )
    database(
        tasks_db,
        "tasks",
        "Tasks",
        tasks_schema,
        engineering,
        "✅",
        "The team's task tracker: status, owner, due date, estimate.",
        unique_next=TASK_COUNT + 1,
    )
    database(
        contacts_db,
        "contacts",
        "Contacts",
        contacts_schema,
        sales,
        "📇",
        "Customers, partners and prospects.",
    )

    def pid(schema: dict[str, Any], name: str) -> str:
        return str(schema[name]["id"])

    def option_id(schema: dict[str, Any], prop: str, name: str) -> str:
        config = schema[prop][schema[prop]["type"]]
        return next(str(o["id"]) for o in config["options"] if o["name"] == name)

    rng = random.Random(20240601)  # fixed: the seed is the same on every machine
    project_ids = [seed_id("page", f"project:{i}") for i in range(len(PROJECTS))]
    project_tasks_lists: dict[str, list[str]] = {pid_: [] for pid_ in project_ids}
    today = b.now.astimezone(UTC).date()

    for i in range(TASK_COUNT):
        task_id = seed_id("page", f"task:{i}")
        name = f"{TASK_VERBS[i % len(TASK_VERBS)]} {TASK_OBJECTS[(i * 7) % len(TASK_OBJECTS)]}"
        if i % 37 == 0:
            name += " 👩🏽‍💻"
        status = ("Not started", "In progress", "Blocked", "Done")[rng.randrange(4)]
        project = project_ids[i % len(project_ids)]
        project_tasks_lists[project].append(task_id)
        due: dict[str, Any] | None = None
        if i % 5 != 4:
            day = today + timedelta(days=rng.randint(-30, 60))
            if i % 3 == 0:
                due = {"start": f"{day.isoformat()}T15:00:00.000+00:00", "end": None}
            else:
                due = {"start": day.isoformat(), "end": None}
            due["time_zone"] = None
        tags = sorted(rng.sample(range(len(TAGS)), rng.randint(0, 3)))
        props: dict[str, Any] = {
            "title": text(f"{name} #{i + 1}"),
            pid(tasks_schema, "Status"): option_id(tasks_schema, "Status", status),
            pid(tasks_schema, "Assignee"): [people[i % len(people)]] if i % 6 else [],
            pid(tasks_schema, "Due"): due,
            pid(tasks_schema, "Priority"): option_id(
                tasks_schema, "Priority", ("P0", "P1", "P2", "P3")[rng.randrange(4)]
            )
            if i % 4
            else None,
            pid(tasks_schema, "Tags"): [option_id(tasks_schema, "Tags", TAGS[t][0]) for t in tags],
            pid(tasks_schema, "Estimate"): (1, 2, 3, 5, 8)[rng.randrange(5)] if i % 7 else None,
            pid(tasks_schema, "Project"): [project],
            pid(tasks_schema, "Needs review"): i % 3 == 1,
            pid(tasks_schema, "Spec"): f"https://github.com/acme/alloy-tui/issues/{100 + i}"
            if i % 4 == 1
            else None,
        }
        created = 60 * 24 * 45 - i * 131
        b.add_object(
            task_id,
            "page",
            ("database_id", tasks_db),
            plain_text(props["title"]),
            {"properties": props, "icon": None, "cover": None, "unique": i + 1},
            created=created,
            edited=max(5.0, created - 60 * rng.randint(1, 200)),
            author=people[(i + 1) % len(people)],
            editor=people[(i + 2) % len(people)],
        )

    for i, (title, summary, lead, budget, phase) in enumerate(PROJECTS):
        start = today - timedelta(days=40 - i * 9)
        props = {
            "title": text(title),
            pid(projects_schema, "Summary"): text(summary),
            pid(projects_schema, "Lead"): [person_id(lead)],
            pid(projects_schema, "Budget"): budget,
            pid(projects_schema, "Timeline"): {
                "start": start.isoformat(),
                "end": (start + timedelta(days=75)).isoformat(),
                "time_zone": None,
            },
            pid(projects_schema, "Phase"): option_id(projects_schema, "Phase", phase),
            pid(projects_schema, "Website"): f"https://acme.dev/projects/{i + 1}",
            pid(projects_schema, "Attachments"): [
                {
                    "name": "brief.pdf",
                    "type": "external",
                    "external": {"url": f"https://files.acme.dev/projects/{i + 1}/brief.pdf"},
                }
            ]
            if i % 2 == 0
            else [],
            pid(projects_schema, "Tasks"): project_tasks_lists[project_ids[i]],
        }
        b.add_object(
            project_ids[i],
            "page",
            ("database_id", projects_db),
            title,
            {"properties": props, "icon": {"type": "emoji", "emoji": "📦"}, "cover": None},
            created=60 * 24 * 50 - i * 60,
            edited=60 * 3 + i * 17,
            author=person_id(lead),
        )

    contacts = (
        ("Ada Okafor", "Globex", "ada@globex.example", "+1 415 555 0101", "America/Los_Angeles"),
        ("Tomás Ruiz", "Initech", "tomas@initech.example", "+34 91 555 0102", "Europe/Madrid"),
        ("佐藤 花子", "Umbrella KK", "hanako@umbrella.example", "+81 3 5555 0103", "Asia/Tokyo"),
        ("Nadia Benali", "Stark Industries", "nadia@stark.example", "+212 5 5555 0104", None),
        ("Дмитрий Орлов", "Wayne Enterprises", "d.orlov@wayne.example", "+7 495 555 0105", None),
        ("Grace Kim", "Hooli", "grace@hooli.example", "+1 650 555 0106", "America/New_York"),
        ("王芳", "Soylent", "wang.fang@soylent.example", "+86 10 5555 0107", "Asia/Shanghai"),
        ("Omar Al-Sayed", "Cyberdyne", "omar@cyberdyne.example", "+971 4 555 0108", "Asia/Dubai"),
    )
    for i, (name, company, email, phone, zone) in enumerate(contacts):
        met = today - timedelta(days=3 + i * 11)
        contacted: dict[str, Any] = (
            {"start": f"{met.isoformat()}T10:30:00.000", "end": None, "time_zone": zone}
            if zone
            else {"start": met.isoformat(), "end": None, "time_zone": None}
        )
        props = {
            "title": text(name),
            pid(contacts_schema, "Company"): text(company),
            pid(contacts_schema, "Email"): email,
            pid(contacts_schema, "Phone"): phone,
            pid(contacts_schema, "Website"): f"https://{company.split()[0].lower()}.example",
            pid(contacts_schema, "Last contacted"): contacted,
            pid(contacts_schema, "Newsletter"): i % 2 == 0,
            pid(contacts_schema, "Segment"): [
                option_id(contacts_schema, "Segment", ("Customer", "Partner", "Prospect")[i % 3])
            ],
            pid(contacts_schema, "Win probability"): round(0.1 + (i * 0.11) % 0.9, 2),
            pid(contacts_schema, "Account owner"): [people[i % len(people)]],
        }
        b.add_object(
            seed_id("page", f"contact:{i}"),
            "page",
            ("database_id", contacts_db),
            name,
            {"properties": props, "icon": None, "cover": None},
            created=60 * 24 * 20 - i * 90,
            edited=60 * 24 * 2 + i * 45,
            author=person_id("lina"),
        )


def _roadmap(b: _Builder, engineering: str) -> None:
    """A database with two data sources of different schemas (Notion-Version 2025-09-03):
    Roadmap, holding Features and Bugs, each with rows of its own."""
    people = [person_id(key) for key, _name, _email in PEOPLE]
    roadmap_db = seed_id("database", "roadmap")
    b.add_object(
        roadmap_db,
        "database",
        ("page_id", engineering),
        "Roadmap",
        {
            "title": text("Roadmap"),
            "description": text("What we plan to build, and what we must fix first."),
            "icon": {"type": "emoji", "emoji": "🧭"},
            "cover": None,
            "is_inline": False,
        },
        created=60 * 24 * 90,
        edited=60 * 24 * 6,
        author=person_id("maya"),
    )
    features_schema = _schema(
        "roadmap-features",
        [
            ("Feature", "title", {}),
            (
                "Stage",
                "select",
                {
                    "options": _options(
                        "roadmap-features",
                        "Stage",
                        [("Idea", "gray"), ("Planned", "blue"), ("Shipped", "green")],
                    )
                },
            ),
            ("Owner", "people", {}),
            ("Target", "date", {}),
            ("Votes", "number", {"format": "number"}),
            (
                "Fixes",
                "relation",
                {
                    # A relation to one data source of a database with several (2025-09-03).
                    "database_id": roadmap_db,
                    "data_source_id": seed_id("data_source", "roadmap:bugs"),
                    "type": "single_property",
                    "single_property": {},
                },
            ),
        ],
    )
    bugs_schema = _schema(
        "roadmap-bugs",
        [
            ("Bug", "title", {}),
            (
                "Severity",
                "select",
                {
                    "options": _options(
                        "roadmap-bugs",
                        "Severity",
                        [("Critical", "red"), ("High", "orange"), ("Low", "yellow")],
                    )
                },
            ),
            ("Fixed", "checkbox", {}),
            ("Steps to reproduce", "rich_text", {}),
            ("Reported by", "people", {}),
        ],
    )
    sources = (
        ("features", "Features", features_schema, 60 * 24 * 90),
        ("bugs", "Bugs", bugs_schema, 60 * 24 * 89),
    )
    for key, name, schema, created in sources:
        b.add_object(
            seed_id("data_source", f"roadmap:{key}"),
            "data_source",
            ("database_id", roadmap_db),
            name,
            {"title": text(name), "description": [], "properties": schema, "unique_next": 1},
            created=created,
            edited=60 * 24 * 6,
            author=person_id("maya"),
        )

    def option(schema: dict[str, Any], prop: str, name: str) -> str:
        config = schema[prop][schema[prop]["type"]]
        return next(str(o["id"]) for o in config["options"] if o["name"] == name)

    features = (
        ("Offline mode", "Planned", 42, 30),
        ("Dark theme for exports", "Idea", 17, None),
        ("Data sources in the database screen", "Shipped", 63, -10),
        ("Keyboard-only page moves", "Planned", 25, 45),
    )
    features_id = seed_id("data_source", "roadmap:features")
    today = b.now.astimezone(UTC).date()
    for i, (title, stage, votes, days) in enumerate(features):
        props: dict[str, Any] = {
            "title": text(title),
            features_schema["Stage"]["id"]: option(features_schema, "Stage", stage),
            features_schema["Owner"]["id"]: [people[i % len(people)]],
            features_schema["Target"]["id"]: None
            if days is None
            else {
                "start": (today + timedelta(days=days)).isoformat(),
                "end": None,
                "time_zone": None,
            },
            features_schema["Votes"]["id"]: votes,
            # The shipped data-source feature fixed the crash on untitled pages.
            features_schema["Fixes"]["id"]: [seed_id("page", "roadmap:bug:1")] if i == 2 else [],
        }
        b.add_object(
            seed_id("page", f"roadmap:feature:{i}"),
            "page",
            ("database_id", roadmap_db),
            title,
            {"properties": props, "icon": None, "cover": None, "data_source_id": features_id},
            created=60 * 24 * 80 - i * 60,
            edited=60 * 24 * 7 + i * 30,
            author=people[(i + 1) % len(people)],
        )
    bugs = (
        ("Search misses titles with emoji", "High", False),
        ("Crash when a page has no title", "Critical", True),
        ("Date filter off by one day near midnight", "Low", False),
    )
    bugs_id = seed_id("data_source", "roadmap:bugs")
    for i, (title, severity, fixed) in enumerate(bugs):
        props = {
            "title": text(title),
            bugs_schema["Severity"]["id"]: option(bugs_schema, "Severity", severity),
            bugs_schema["Fixed"]["id"]: fixed,
            bugs_schema["Steps to reproduce"]["id"]: text(f"1. Open the app. 2. {title}."),
            bugs_schema["Reported by"]["id"]: [people[(i + 2) % len(people)]],
        }
        b.add_object(
            seed_id("page", f"roadmap:bug:{i}"),
            "page",
            ("database_id", roadmap_db),
            title,
            {"properties": props, "icon": None, "cover": None, "data_source_id": bugs_id},
            created=60 * 24 * 70 - i * 60,
            edited=60 * 24 * 8 + i * 30,
            author=people[i % len(people)],
        )


LONG_TEXT = (
    "The sandbox keeps its data in SQLite and answers like Notion does. " * 40
).strip() + " 🎉"
"""Longer than 2000 UTF-16 units, so it is stored as several rich text items."""


def _handbook_body(b: _Builder) -> list[Block]:
    maya = person_id("maya")
    return [
        callout(
            "👋",
            rt("Welcome to "),
            rt(SEED_WORKSPACE_NAME, bold=True),
            rt(". Start with the engineering pages below."),
        ),
        h(1, "How we work"),
        p(
            "Plain, ",
            rt("bold", bold=True),
            ", ",
            rt("italic", italic=True),
            ", ",
            rt("strikethrough", strikethrough=True),
            ", ",
            rt("underline", underline=True),
            ", ",
            rt("code", code=True),
            ", ",
            rt("red text", color="red"),
            ", ",
            rt("on yellow", color="yellow_background"),
            " and ",
            rt("a link", link="https://developers.notion.com"),
            ".",
        ),
        p(
            "Questions? Ask ",
            {
                "type": "mention",
                "mention": {"type": "user", "user": {"object": "user", "id": maya}},
                "annotations": {
                    "bold": False,
                    "italic": False,
                    "strikethrough": False,
                    "underline": False,
                    "code": False,
                    "color": "default",
                },
                "plain_text": "@Maya Patel",
                "href": None,
            },
            " or write ",
            {
                "type": "equation",
                "equation": {"expression": "e^{i\\pi} + 1 = 0"},
                "annotations": {
                    "bold": False,
                    "italic": False,
                    "strikethrough": False,
                    "underline": False,
                    "code": False,
                    "color": "default",
                },
                "plain_text": "e^{i\\pi} + 1 = 0",
                "href": None,
            },
            " on the whiteboard.",
        ),
        h(2, "Principles"),
        bullet(
            "Small changes, reviewed quickly",
            bullet("One topic per pull request", bullet("Under 400 lines when possible")),
            bullet("Tests with every change"),
        ),
        bullet("Write things down"),
        h(3, "Release steps", toggleable=True),
        number(
            "Freeze the branch",
            number("Announce in #releases", number("Wait for 👍 from on-call")),
        ),
        number("Tag and publish"),
        number("Watch the dashboards for an hour"),
        block(
            "quote",
            rt("Make it work, make it right, make it fast."),
            rt(" — Kent Beck", italic=True),
        ),
        block(
            "toggle",
            rt("Why a sandbox?"),
            children=[
                p("So anyone can try the client without an account."),
                p("And so tests can drive every failure: 429s, 5xx, dropped connections."),
            ],
        ),
        DIVIDER,
        other("equation", {"expression": "\\sum_{i=1}^{n} i = \\frac{n(n+1)}{2}"}),
    ]


def _architecture_body() -> list[Block]:
    return [
        h(1, "Architecture overview"),
        p("The client talks to Alloy; Alloy talks to Notion. The sandbox stands in for both."),
        code(
            "python",
            "async def search(client, query: str) -> list[dict]:\n"
            '    response = await client.execute("post-search", {"query": query})\n'
            '    return response["results"]\n',
            "The client's search call",
        ),
        code("typescript", "const pages = await notionClient.searchPages();"),
        code("bash", "alloy-tui sandbox --port 8787 --pages 10000"),
        other(
            "image",
            {
                "type": "external",
                "external": {"url": "https://images.acme.dev/architecture.png"},
                "caption": text("Request flow"),
            },
        ),
        other(
            "bookmark",
            {"url": "https://docs.runalloy.com", "caption": []},
        ),
        other("embed", {"url": "https://status.acme.dev"}),
        other(
            "table",
            {"table_width": 3, "has_column_header": True, "has_row_header": False},
            other("table_row", {"cells": [text("Layer"), text("Owns"), text("Talks to")]}),
            other("table_row", {"cells": [text("tui"), text("screens"), text("alloy")]}),
            other("table_row", {"cells": [text("alloy"), text("HTTP"), text("Alloy API")]}),
        ),
        other(
            "column_list",
            {},
            other("column", {}, p("Left column: the client.")),
            other("column", {}, p("Right column: the sandbox.")),
        ),
        other(
            "synced_block",
            {"synced_from": None},
            callout("🔁", rt("This callout is synced across pages."), color="blue_background"),
        ),
        block("paragraph", *text(LONG_TEXT)),
    ]


INTERNATIONAL_BODY: list[Block] = [
    h(1, "Hello, world 🌏"),
    p("日本語: チームへようこそ。毎週金曜日にデモがあります。"),
    p("中文:欢迎加入团队。我们每周五进行演示。"),
    p("العربية: مرحبا بكم في الفريق. لدينا عرض توضيحي كل يوم جمعة."),
    p("Русский: Добро пожаловать в команду! Демо каждую пятницу."),
    p("Combining marks: Zoe\u0308, n\u0303, a\u0301 — and precomposed: Zoë, ñ, á."),
    p("ZWJ emoji: 👩‍👩‍👧‍👦 👨🏽‍💻 🏳️‍🌈 🧑‍🚀 — flags: 🇯🇵 🇪🇬 🇺🇦"),
    todo("読んだ (read the handbook)", True),
    todo("اكتب ملاحظة (write a note)", False),
]

TITLE_WORDS = (
    "Quarterly",
    "Weekly",
    "Draft",
    "Notes",
    "Plan",
    "Review",
    "Retro",
    "Roadmap",
    "Spec",
    "Proposal",
    "Incident",
    "Postmortem",
    "Design",
    "Research",
    "Interview",
    "Budget",
    "Launch",
    "Checklist",
    "Backlog",
    "Summary",
)
TITLE_TOPICS = (
    "search",
    "billing",
    "onboarding",
    "mobile app",
    "API gateway",
    "data pipeline",
    "customer portal",
    "pricing",
    "hiring",
    "security audit",
    "performance",
    "analytics",
    "support",
    "partnerships",
    "documentation",
    "検索",
    "数据",
    "безопасность",
    "الأداء",
    "accessibility",
)


def _generated(b: _Builder, count: int) -> None:
    parent = b.page(
        "generated",
        "Archive: generated notes",
        ("workspace", None),
        icon="🗄️",
        created=60 * 24 * 400,
        edited=60 * 24 * 300,
    )
    rng = random.Random(count)
    people = [person_id(key) for key, _n, _e in PEOPLE]
    for i in range(count):
        title = (
            f"{TITLE_WORDS[rng.randrange(len(TITLE_WORDS))]} "
            f"{TITLE_TOPICS[rng.randrange(len(TITLE_TOPICS))]} "
            f"{TITLE_WORDS[rng.randrange(len(TITLE_WORDS))].lower()} {i + 1}"
        )
        page_id = seed_id("page", f"generated:{i}")
        created = 60 * 24 * 365 - i * 0.5
        author = people[i % len(people)]
        b.add_object(
            page_id,
            "page",
            ("page_id", parent),
            title,
            {"properties": {"title": text(title)}, "icon": None, "cover": None},
            created=created,
            edited=created - rng.randint(0, 60 * 24 * 30),
            author=author,
        )
        b.add_blocks(
            "page_id",
            page_id,
            [p(f"Generated page {i + 1}: {title}.")],
            b.at(created),
            author,
        )


def _build(b: _Builder, pages: int) -> None:
    for position, (key, name, email) in enumerate(PEOPLE):
        user = {
            "object": "user",
            "id": person_id(key),
            "type": "person",
            "name": name,
            "avatar_url": f"https://avatars.acme.dev/{key}.png",
            "person": {"email": email},
        }
        b.users.append(StoredUser(person_id(key), position + 1, user))
    b.users.append(StoredUser(DEFAULT_BOT_ID, len(PEOPLE) + 1, bot_user(DEFAULT_BOT_ID, "Alloy")))
    b.users.append(StoredUser(CI_BOT_ID, len(PEOPLE) + 2, bot_user(CI_BOT_ID, "Acme CI")))

    workspace = ("workspace", None)
    handbook = b.page(
        "handbook",
        "Acme Handbook",
        workspace,
        icon="🏠",
        body=_handbook_body(b),
        created=60 * 24 * 90,
        edited=60 * 5,
        cover="https://images.acme.dev/covers/handbook.jpg",
    )
    engineering = b.page(
        "engineering",
        "Engineering",
        ("page_id", handbook),
        icon="⚙️",
        body=[p("Everything about how we build and ship.")],
        created=60 * 24 * 89,
        edited=60 * 24 * 3,
    )
    b.page(
        "onboarding",
        "Onboarding checklist",
        ("page_id", engineering),
        icon="✅",
        body=[
            h(2, "Your first week"),
            todo("Get laptop and accounts", True),
            todo(
                "Set up the dev environment",
                True,
                todo("Install Python 3.11", True),
                todo("Run make test", False, todo("Fix anything red", False)),
            ),
            todo("Ship a first pull request", False),
            todo("Pair with the on-call engineer", False),
        ],
        created=60 * 24 * 80,
        edited=60 * 24 * 7,
        author=person_id("zoe"),
    )
    architecture = b.page(
        "architecture",
        "Architecture overview",
        ("page_id", engineering),
        icon="🏗️",
        body=_architecture_body(),
        created=60 * 24 * 70,
        edited=60 * 9,
        author=person_id("kenji"),
    )
    decisions = b.page(
        "decisions",
        "Decision records",
        ("page_id", architecture),
        icon="📜",
        body=[p("One page per decision. Newest first.")],
        created=60 * 24 * 60,
        edited=60 * 24 * 10,
    )
    b.page(
        "adr-001",
        "ADR 001: Use SQLite for the sandbox",
        ("page_id", decisions),
        body=[
            h(2, "Context"),
            p("The sandbox must keep data across restarts with no server to install."),
            h(2, "Decision"),
            p("Use the standard library's sqlite3 in WAL mode, one connection, one lock."),
            h(2, "Consequences"),
            bullet("Fast enough for 10,000 pages"),
            bullet("No extra dependency"),
        ],
        created=60 * 24 * 59,
        edited=60 * 24 * 59,
        author=person_id("oleg"),
    )
    style = b.page(
        "style-guide",
        "Style guide",
        ("page_id", handbook),
        icon="✍️",
        body=[
            h(1, "Writing style"),
            p(rt("Be brief.", bold=True), " Say what happened and what to do next."),
            code("markdown", "# Title\n\nOne idea per paragraph."),
        ],
        created=60 * 24 * 50,
        edited=60 * 24 * 4,
        author=person_id("zoe"),
    )
    b.page(
        "international",
        "International team 🌏",
        workspace,
        icon="🌏",
        body=INTERNATIONAL_BODY,
        created=60 * 24 * 40,
        edited=60 * 30,
        author=person_id("kenji"),
    )
    international = seed_id("page", "international")
    b.page(
        "team-ja",
        "チーム紹介",
        ("page_id", international),
        icon="🇯🇵",
        body=[p("東京オフィスのメンバーを紹介します。")],
        created=60 * 24 * 39,
        edited=60 * 24 * 6,
        author=person_id("kenji"),
    )
    b.page(
        "team-ar",
        "مرحبا بالفريق",
        ("page_id", international),
        body=[p("هذه الصفحة مكتوبة من اليمين إلى اليسار.")],
        created=60 * 24 * 38,
        edited=60 * 24 * 6,
        author=person_id("lina"),
    )
    b.page(
        "team-ru",
        "Команда разработки",
        ("page_id", international),
        body=[p("Привет! Здесь заметки команды.")],
        created=60 * 24 * 37,
        edited=60 * 24 * 8,
        author=person_id("oleg"),
    )
    b.page(
        "team-zh",
        "团队介绍 👨‍👩‍👧",
        ("page_id", international),
        body=[p("北京团队负责数据平台。")],
        created=60 * 24 * 36,
        edited=60 * 24 * 9,
        author=person_id("wei"),
    )
    sales = b.page(
        "sales",
        "Sales & Partnerships",
        workspace,
        icon="🤝",
        body=[p("Our customers and partners live in the Contacts database.")],
        created=60 * 24 * 30,
        edited=60 * 24 * 2,
        author=person_id("lina"),
    )
    meetings = b.page(
        "meetings",
        "Meeting notes",
        workspace,
        icon="🗓️",
        body=[p("Weekly syncs, newest at the bottom.")],
        created=60 * 24 * 28,
        edited=60 * 24,
    )
    for week in range(4):
        day = (b.now - timedelta(days=7 * (4 - week))).date().isoformat()
        b.page(
            f"sync-{week}",
            f"Weekly sync {day}",
            ("page_id", meetings),
            body=[
                h(2, "Agenda"),
                bullet("Status of each project"),
                bullet("Risks"),
                h(2, "Action items"),
                todo("Follow up on the OAuth review", week < 3),
            ],
            created=60 * 24 * 7 * (4 - week),
            edited=60 * 24 * 7 * (4 - week) - 90,
        )
    b.page(
        "old-roadmap",
        "Old roadmap (2022)",
        workspace,
        icon="🗑️",
        body=[p("Superseded by the Projects database.")],
        created=60 * 24 * 600,
        edited=60 * 24 * 100,
        trashed=True,
    )
    _databases(b, engineering, sales)
    _roadmap(b, engineering)

    discussion = seed_id("discussion", "handbook")
    for i, (author, words) in enumerate(
        (
            ("maya", "Can everyone read this by Friday?"),
            ("kenji", "読みました！ Looks good."),  # noqa: RUF001 - Japanese punctuation
            ("lina", "تمت القراءة — one typo in the release steps."),
        )
    ):
        b.comments.append(
            StoredComment(
                id=seed_id("comment", f"handbook:{i}"),
                parent_type="page_id",
                parent_id=handbook,
                discussion_id=discussion,
                created=b.at(60 * 20 - i * 30),
                created_by=person_id(author),
                rich_text=text(words),
            )
        )
    b.comments.append(
        StoredComment(
            id=seed_id("comment", "style:0"),
            parent_type="page_id",
            parent_id=style,
            discussion_id=seed_id("discussion", "style"),
            created=b.at(60 * 10),
            created_by=person_id("zoe"),
            rich_text=text("Should we add a section on error messages?"),
        )
    )
    if pages > 0:
        _generated(b, pages)


def seed_workspace(
    store: Store, *, pages: int = 0, clock: Callable[[], datetime] | None = None
) -> bool:
    """Seed the workspace unless it already is; True if it seeded. Idempotent."""
    with store.transaction():
        if store.meta_get(SEEDED_KEY) is not None:
            return False
        now = (clock or (lambda: datetime.now(UTC)))()
        builder = _Builder(now)
        _build(builder, max(0, pages))
        store.insert_users(builder.users)
        store.insert_objects(builder.objects)
        store.insert_blocks(builder.blocks)
        store.insert_comments(builder.comments)
        store.ensure_data_sources()
        store.meta_set(SEEDED_KEY, exact_time(now))
    return True
