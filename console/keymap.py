"""The config's `[keymap]`: binding ids to keys, checked before the TUI starts.

Every `Binding` of the console has an id; `App.set_keymap` rebinds by id. A typo in an id
or a key would otherwise be silently ignored by Textual, so both are checked here and the
first wrong one is named in one line (the command exits 2).
"""

from __future__ import annotations

import difflib
import importlib
import pkgutil
import unicodedata
from collections.abc import Iterator, Mapping

from textual.binding import Binding
from textual.dom import DOMNode
from textual.keys import KEY_NAME_REPLACEMENTS, Keys

from sync.profile import ProfileError

MODIFIERS = frozenset({"ctrl", "shift", "alt", "meta", "super", "hyper"})
NAMED_KEYS = frozenset(key.value for key in Keys if "+" not in key.value) | {
    "space",
    "minus",
    "plus",
}
_REPLACED_NAMES = {name: unicode_name for unicode_name, name in KEY_NAME_REPLACEMENTS.items()}
_PACKAGES = ("console.screens", "console.widgets")


class KeymapError(ProfileError):
    """A `[keymap]` entry names a binding id or a key that does not exist."""


def console_node_classes(app_class: type[DOMNode]) -> Iterator[type[DOMNode]]:
    """The app's class, then every screen, dialog and widget class of the console (imports
    all their modules). The app passes itself in: it imports this module."""
    yield app_class
    for package_name in _PACKAGES:
        package = importlib.import_module(package_name)
        for module_info in pkgutil.iter_modules(package.__path__):
            module = importlib.import_module(f"{package_name}.{module_info.name}")
            for value in vars(module).values():
                if (
                    isinstance(value, type)
                    and issubclass(value, DOMNode)
                    and value.__module__ == module.__name__
                ):
                    yield value


def own_bindings(node_class: type[DOMNode]) -> list[Binding]:
    """The bindings a console class declares itself (not those it inherits from Textual)."""
    return [
        binding
        for binding in node_class.__dict__.get("BINDINGS", [])
        if isinstance(binding, Binding)
    ]


def binding_ids(app_class: type[DOMNode]) -> set[str]:
    return {
        binding.id
        for node_class in console_node_classes(app_class)
        for binding in own_bindings(node_class)
        if binding.id is not None
    }


def is_valid_key(key: str) -> bool:
    """Whether Textual can ever report `key`: modifiers, then one character or a key name."""
    *modifiers, base = key.strip().split("+")
    if any(modifier not in MODIFIERS for modifier in modifiers):
        return False
    if len(base) == 1:
        return base.isprintable() and not base.isspace()
    if base in NAMED_KEYS:
        return True
    try:
        unicodedata.lookup(_REPLACED_NAMES.get(base, base).replace("_", " "))
    except KeyError:
        return False
    return True


def check_keymap(keymap: Mapping[str, str], app_class: type[DOMNode]) -> dict[str, str]:
    """The keymap to give `App.set_keymap`; raises `KeymapError` naming the first bad entry."""
    if not keymap:
        return {}
    known = binding_ids(app_class)
    for binding_id, keys in keymap.items():
        if binding_id not in known:
            close = difflib.get_close_matches(binding_id, sorted(known), n=1)
            hint = (
                f"did you mean {close[0]!r}?" if close else "see the ids in docs/configuration.md"
            )
            raise KeymapError(f"[keymap] has no binding {binding_id!r}; {hint}")
        for key in keys.split(","):
            if not is_valid_key(key):
                raise KeymapError(
                    f"[keymap] {binding_id} = {keys!r}: {key.strip()!r} is not a key "
                    '(examples: "s", "ctrl+e", "f5", "question_mark")'
                )
    return dict(keymap)
