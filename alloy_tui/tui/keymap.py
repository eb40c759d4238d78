"""`[keys]` remaps checked at start: an unknown binding id, or a key that another binding of the
same screen (the app's included) or a focusable widget on it (a text field's Ctrl+W) already
answers to, is reported once, naming both."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from textual.app import App
from textual.binding import Binding
from textual.dom import DOMNode


@dataclass(frozen=True)
class Scope:
    """Bindings active together: a screen, the app's (all of them on a full screen, only the
    priority ones in a dialog), and the widgets that can hold the focus there."""

    name: str
    nodes: tuple[type[DOMNode], ...]
    widgets: tuple[type[DOMNode], ...] = ()
    full_screen: bool = True


@dataclass(frozen=True)
class Clash:
    binding_id: str
    key: str
    other: str
    where: tuple[str, ...]

    def sentence(self) -> str:
        places = ", ".join(self.where)
        return (
            f'[keys] "{self.binding_id}" = "{self.key}" clashes with {self.other} on {places}: '
            "only one of them can answer that key there. Choose another key."
        )


def scopes() -> list[Scope]:
    """Every screen and dialog with what is active on it (imported here, only when a keymap
    is set, so a start without one imports no screen it does not show)."""
    from textual.widgets import DataTable, Input, OptionList, Select, SelectionList, TextArea

    from alloy_tui.tui.modals import confirm, conflict, drafts, error, plan_preview
    from alloy_tui.tui.modals.connect import ConnectModal
    from alloy_tui.tui.modals.filter_builder import FilterBuilderModal
    from alloy_tui.tui.modals.help import HelpModal
    from alloy_tui.tui.modals.picker import PickerModal
    from alloy_tui.tui.modals.sort_builder import SortBuilderModal
    from alloy_tui.tui.screens.connections import ConnectionsScreen
    from alloy_tui.tui.screens.create import CreatePageScreen
    from alloy_tui.tui.screens.database import DatabaseScreen
    from alloy_tui.tui.screens.page import PageScreen
    from alloy_tui.tui.screens.requests import RequestsScreen
    from alloy_tui.tui.screens.search import SearchScreen
    from alloy_tui.tui.widgets.properties import PropertyField

    fields = (PropertyField, Input, TextArea, Select, SelectionList)
    return [
        Scope("the Connections screen", (ConnectionsScreen,), (DataTable,)),
        Scope("the Search screen", (SearchScreen,), (Input, Select, DataTable)),
        Scope("the Page screen", (PageScreen,), fields),
        Scope("the New page screen", (CreatePageScreen,), fields),
        Scope("the Database screen", (DatabaseScreen,), (DataTable,)),
        Scope("the Requests screen", (RequestsScreen,), (DataTable,)),
        Scope("the Connect dialog", (ConnectModal,), full_screen=False),
        Scope("the confirm dialog", (confirm.ConfirmModal,), full_screen=False),
        Scope("the prompt dialog", (confirm.PromptModal,), (Input,), full_screen=False),
        Scope("the conflict dialog", (conflict.ConflictModal,), full_screen=False),
        Scope("the drafts dialog", (drafts.DraftsModal,), (OptionList,), full_screen=False),
        Scope("the draft compare dialog", (drafts.DraftCompareModal,), full_screen=False),
        Scope("the error dialog", (error.ErrorModal,), full_screen=False),
        Scope("the revoked-connection dialog", (error.RevokedConnectionModal,), full_screen=False),
        Scope("the plan preview", (plan_preview.PlanPreviewModal,), full_screen=False),
        Scope("the help", (HelpModal,), full_screen=False),
        Scope("the filter builder", (FilterBuilderModal,), (Input, Select), full_screen=False),
        Scope("the sort builder", (SortBuilderModal,), (Select,), full_screen=False),
        Scope("the picker", (PickerModal,), (Input, OptionList, SelectionList), full_screen=False),
    ]


def _keys(binding: Binding, keymap: Mapping[str, str]) -> list[str]:
    remapped = keymap.get(binding.id) if binding.id else None
    return [key.strip() for key in (remapped or binding.key).split(",") if key.strip()]


def _label(binding: Binding, owner: type[DOMNode]) -> str:
    what = binding.description or binding.action.replace("_", " ").strip()
    if binding.id:
        return f'"{binding.id}" ({what})'
    if issubclass(owner, App):
        return f"the app's {what!r}"
    from textual.widgets import Input, TextArea

    if issubclass(owner, Input | TextArea):
        return f"a text field's {what!r}"
    return f"{_article(owner.__name__)} {owner.__name__}'s {what!r}"


def _article(word: str) -> str:
    return "an" if word[:1].lower() in "aeiou" else "a"


def _bindings(cls: type[DOMNode]) -> Iterable[Binding]:
    for _key, binding in cls._merge_bindings():
        yield binding


def find_clashes(app_class: type[App[Any]], keymap: Mapping[str, str]) -> list[Clash]:
    """Each remapped key that something else active on the same screen answers to."""
    keymap = app_class._normalize_keymap(dict(keymap))
    app_bindings = [b for b in _bindings(app_class) if not b.system]
    found: dict[tuple[str, str, str], list[str]] = {}
    for scope in scopes():
        entries: list[tuple[Binding, type[DOMNode]]] = []
        for node in scope.nodes:
            entries.extend((b, node) for b in _bindings(node) if not b.system)
        entries.extend((b, app_class) for b in app_bindings if scope.full_screen or b.priority)
        # The keys of a widget that can hold the focus there (a text field's Ctrl+W).
        entries.extend((b, widget) for widget in scope.widgets for b in _bindings(widget))
        for binding, _owner in entries:
            if not binding.id or binding.id not in keymap:
                continue
            for key in _keys(binding, keymap):
                for other, other_owner in entries:
                    if other is binding or (other.id and other.id == binding.id):
                        continue
                    if key in _keys(other, keymap):
                        label = _label(other, other_owner)
                        places = found.setdefault((binding.id, key, label), [])
                        if scope.name not in places:
                            places.append(scope.name)
    return [Clash(bid, key, other, tuple(where)) for (bid, key, other), where in found.items()]


def unknown_ids(app_class: type[App[Any]], keymap: Mapping[str, str]) -> list[str]:
    """The `[keys]` ids no binding of the app has (a typo remaps nothing)."""
    known = {b.id for b in _bindings(app_class) if b.id}
    for scope in scopes():
        for node in scope.nodes + scope.widgets:
            known.update(b.id for b in _bindings(node) if b.id)
    return [binding_id for binding_id in keymap if binding_id not in known]


def keymap_problems(app_class: type[App[Any]], keymap: Mapping[str, str]) -> list[str]:
    """One sentence per problem in `[keys]`, for one notification at start."""
    sentences = [
        f'[keys] "{binding_id}" is not a binding id of alloy-tui, so it remaps nothing. '
        "F1 (or ?) lists each screen's ids."
        for binding_id in unknown_ids(app_class, keymap)
    ]
    sentences.extend(clash.sentence() for clash in find_clashes(app_class, keymap))
    return sentences


__all__ = ["Clash", "Scope", "find_clashes", "keymap_problems", "scopes", "unknown_ids"]
