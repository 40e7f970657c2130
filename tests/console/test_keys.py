"""One verb, one key, on every screen; every binding rebindable; the config's [keymap]."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from textual.binding import Binding

from console.app import PartnerOpsApp
from console.keymap import (
    KeymapError,
    binding_ids,
    check_keymap,
    console_node_classes,
    own_bindings,
)
from sync.profile import Profile, ProfileError, load_profile

VERBS: dict[str, tuple[str, frozenset[str]]] = {
    # verb: (its key, the actions that do it on some screen). Kept in step with the table in
    # docs/configuration.md by hand: this is what the user was promised.
    "filter": ("slash", frozenset({"focus_search", "focus_filters"})),
    "sort": ("s", frozenset({"cycle_sort"})),
    "reverse sort": ("S", frozenset({"reverse_sort"})),
    "only mine": ("m", frozenset({"toggle_mine"})),
    "assign": ("a", frozenset({"assign", "assign_owner"})),
    "note": ("n", frozenset({"note", "add_note"})),
    "acknowledge": ("k", frozenset({"acknowledge"})),
    "snooze": ("z", frozenset({"snooze"})),
    "resolve": ("x", frozenset({"resolve"})),
    "open in CRM": ("o", frozenset({"open_crm", "open_in_browser"})),
    "next tab": ("right_square_bracket", frozenset({"next_tab", "next_section"})),
    "previous tab": ("left_square_bracket", frozenset({"previous_tab", "previous_section"})),
    "sync": ("r", frozenset({"sync_now"})),
    "help": ("question_mark", frozenset({"help"})),
    "refused actions": ("R", frozenset({"refused"})),
}
EXCLUSIVE_KEYS = {"s", "S", "m", "a", "n", "k", "z", "x", "c", "r", "R"}
"""Keys that mean one verb wherever they are bound (`o` opens a link in the browser on
every screen, the CRM record where there is one; escape and enter depend on the place)."""


def _all_bindings() -> list[tuple[str, Binding]]:
    return [
        (node_class.__qualname__, binding)
        for node_class in set(console_node_classes(PartnerOpsApp))
        for binding in own_bindings(node_class)
    ]


def test_every_binding_has_an_id_a_description_and_a_tooltip() -> None:
    bindings = _all_bindings()
    assert len(bindings) > 60  # every screen and widget module was found
    for owner, binding in bindings:
        assert binding.id, (owner, binding.key)
        assert binding.description, (owner, binding.id)
        assert binding.tooltip, (owner, binding.id)


def test_each_verb_has_the_same_key_everywhere() -> None:
    for owner, binding in _all_bindings():
        action = binding.action.removeprefix("screen.").split("(")[0]
        keys = binding.key.split(",")
        for verb, (key, actions) in VERBS.items():
            if action in actions:
                assert keys == [key], f"{owner}: {verb} is {binding.key}, not {key}"


def test_a_verbs_key_means_that_verb_on_every_screen() -> None:
    """`s` must not sort on one screen and snooze on the next."""
    meaning: dict[str, set[str]] = {}
    for owner, binding in _all_bindings():
        if "Dialog" in owner or "Modal" in owner:
            continue  # a dialog's keys only work while it is open, and it says them
        for key in binding.key.split(","):
            if key in EXCLUSIVE_KEYS:
                meaning.setdefault(key, set()).add(binding.action.split("(")[0])
    for key, actions in meaning.items():
        verbs = {verb for verb, (_, verb_actions) in VERBS.items() if actions & verb_actions}
        assert len(verbs) <= 1 and (verbs or len(actions) == 1), (key, actions)


def test_binding_ids_are_unique_per_meaning() -> None:
    """Two bindings may share an id only when they are the same binding (shared by dialogs)."""
    by_id: dict[str, set[tuple[str, str]]] = {}
    for _owner, binding in _all_bindings():
        by_id.setdefault(binding.id or "", set()).add((binding.key, binding.action))
    assert {binding_id: pairs for binding_id, pairs in by_id.items() if len(pairs) > 1} == {}


# The keymap.


def test_check_keymap_names_an_unknown_id_or_key() -> None:
    assert check_keymap({"clients.sort": "j", "app.sync": "f5,ctrl+r"}, PartnerOpsApp) == {
        "clients.sort": "j",
        "app.sync": "f5,ctrl+r",
    }
    with pytest.raises(KeymapError, match="no binding 'clients.sorting'; did you mean"):
        check_keymap({"clients.sorting": "j"}, PartnerOpsApp)
    with pytest.raises(KeymapError, match="no binding 'zzz'; see the ids in docs/config"):
        check_keymap({"zzz": "j"}, PartnerOpsApp)
    with pytest.raises(KeymapError, match=re.escape("'ctrl+pgup' is not a key")):
        check_keymap({"clients.sort": "j,ctrl+pgup"}, PartnerOpsApp)
    with pytest.raises(KeymapError, match="'' is not a key"):
        check_keymap({"clients.sort": "j,"}, PartnerOpsApp)


def _write_config(tmp_path: Path, text: str, monkeypatch: pytest.MonkeyPatch) -> Path:
    config = tmp_path / "config.toml"
    config.write_text(text, encoding="utf-8")
    monkeypatch.setenv("PARTNEROPS_CONFIG", str(config))
    monkeypatch.delenv("PARTNEROPS_PROFILE", raising=False)
    monkeypatch.delenv("PARTNEROPS_BACKEND_URL", raising=False)
    return config


def test_the_profiles_keymap_overrides_the_global_one(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _write_config(
        tmp_path,
        '[keymap]\n"clients.sort" = "j"\n"app.sync" = "f5"\n\n'
        '[profiles.work]\nbackend_url = "http://127.0.0.1:9"\n'
        '[profiles.work.keymap]\n"clients.sort" = "J"\n',
        monkeypatch,
    )
    assert dict(load_profile("work").keymap) == {"clients.sort": "J", "app.sync": "f5"}


def test_a_keymap_that_is_not_a_table_of_strings_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    _write_config(tmp_path, '[keymap]\n"clients.sort" = 5\n', monkeypatch)
    with pytest.raises(ProfileError, match=r"\[keymap\] must map binding ids to keys"):
        load_profile("work")


async def test_the_keymap_rebinds_the_key_in_the_tui(profile: Profile) -> None:
    from dataclasses import replace

    app = PartnerOpsApp(
        replace(profile, keymap={"clients.sort": "j", "app.sync": "f5"}), start_screen="clients"
    )
    async with app.run_test(size=(120, 30)) as pilot:
        await pilot.pause()
        active = app.screen.active_bindings
        assert active["j"].binding.action == "cycle_sort"
        assert "s" not in active or active["s"].binding.action != "cycle_sort"
        assert active["f5"].binding.action == "sync_now"


def test_a_bad_keymap_is_one_line_and_exit_2(tmp_path: Path) -> None:
    config = tmp_path / "config.toml"
    config.write_text(
        "[profiles.work]\nsync_interval_seconds = 0\n"
        '[profiles.work.keymap]\n"clients.srot" = "j"\n',
        encoding="utf-8",
    )
    env = os.environ | {
        "PARTNEROPS_CONFIG": str(config),
        "PARTNEROPS_DATA_DIR": str(tmp_path),
        "PARTNEROPS_PROFILE": "work",
    }
    done = subprocess.run(
        [sys.executable, "-m", "console.launch"],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 2, done.stderr
    assert done.stderr.splitlines() == [
        "partnerops: [keymap] has no binding 'clients.srot'; did you mean 'clients.sort'?"
    ]


def test_the_docs_list_every_binding_id() -> None:
    """docs/configuration.md promises the ids a [keymap] can use: the list must be the code's."""
    docs = (Path(__file__).parents[2] / "docs" / "configuration.md").read_text(encoding="utf-8")
    keys_section = docs[docs.index("## Keys") :]
    documented = set(re.findall(r"^\| `([a-z-]+\.[a-z-]+)` \|", keys_section, re.MULTILINE))
    assert documented == binding_ids(PartnerOpsApp)
