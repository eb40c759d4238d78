"""One instance of each dialog, with fixed content, for the footer and snapshot tests."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import Any

from textual.screen import ModalScreen

from alloy_tui.drafts import Draft, DraftStore
from alloy_tui.editing import Conflict, PropertyConflict
from alloy_tui.tui.modals.confirm import ConfirmModal, PromptModal
from alloy_tui.tui.modals.conflict import ConflictModal
from alloy_tui.tui.modals.drafts import DraftCompareModal, DraftsModal
from alloy_tui.tui.modals.error import ErrorModal, RevokedConnectionModal
from alloy_tui.tui.modals.plan_preview import PlanPreviewModal

PAGE_ID = "0f1e2d3c4b5a69788796a5b4c3d2e1f0"


def sample_draft(*, kept: str = "") -> Draft:
    return Draft(
        page_id=PAGE_ID,
        connection_id="65a1b2c3d4e5f60718293a4b",
        base_url="http://127.0.0.1:8787",
        title="Launch plan",
        base_properties_hash="abc",
        base_body_hash="def",
        base_markdown="# Goals\n\nShip the beta.\n",
        properties={"Status": {"status": {"name": "Done"}}},
        property_inputs={"Status": "Done"},
        base_properties={"Status": {"type": "status", "status": {"name": "In progress"}}},
        body_markdown="# Goals\n\nShip the beta in March.\n",
        created="2025-03-14T11:00:00+00:00",
        updated="2025-03-14T11:30:00+00:00",
        kept=kept,
    )


def sample_conflict() -> Conflict:
    return Conflict(
        title="Launch plan",
        server_markdown="# Goals\n\nShip the beta in April.\n",
        your_markdown="# Goals\n\nShip the beta in March.\n",
        properties=(PropertyConflict("Status", "Blocked", "Done"),),
    )


def dialogs(tmp: Path, now: datetime) -> dict[str, Callable[[], ModalScreen[Any]]]:
    """Each dialog by name: a factory, so each test gets a fresh one."""
    store = DraftStore(tmp / "drafts")
    return {
        "confirm": lambda: ConfirmModal(
            "Discard unsaved changes?",
            "The unsaved changes to “Launch plan” will be lost, drafts included.",
            confirm="Discard",
            cancel="Stay",
            danger=True,
        ),
        "prompt": lambda: PromptModal(
            "Open a page or database",
            "Paste a notion.so link or an id.",
            placeholder="https://www.notion.so/…",
        ),
        "error": lambda: ErrorModal(
            "Something went wrong · Save",
            "ValueError: the block list ended early.",
            "Try again; if it happens again, please report it with the steps that led here.",
        ),
        "revoked": lambda: RevokedConnectionModal(
            "The connection was revoked in Notion or deleted in Alloy.",
            "Reconnect Notion or pick another connection.",
            "Notion — Acme Sandbox",
        ),
        "conflict": lambda: ConflictModal(sample_conflict()),
        "drafts": lambda: DraftsModal([sample_draft(), sample_draft(kept="x")], store, now),
        "draft_compare": lambda: DraftCompareModal(sample_draft()),
        "plan_preview": lambda: PlanPreviewModal(None, ["Status", "Due"]),
    }
