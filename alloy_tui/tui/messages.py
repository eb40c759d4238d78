"""App-wide notifications published on the app's signals (small frozen dataclasses)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Literal

if TYPE_CHECKING:
    from alloy_tui.alloy.connect import ConnectEvent
    from alloy_tui.alloy.models import Connection


ChangeReason = Literal["listed", "picked", "connected", "deleted"]


@dataclass(frozen=True)
class ConnectionsChanged:
    """The list of connections or the active one changed (listed, picked, added, deleted)."""

    active_id: str | None
    reason: ChangeReason


@dataclass(frozen=True)
class ConnectProgress:
    """A step of the OAuth flow running in the app's "oauth" worker."""

    event: ConnectEvent


@dataclass(frozen=True)
class ConnectFinished:
    """The OAuth flow ended: with a connection, an error (sentence/remedy), or cancelled."""

    connection: Connection | None
    sentence: str | None = None
    remedy: str | None = None
    cancelled: bool = False


ConnectUpdate = ConnectProgress | ConnectFinished
