"""Profiles: which backend, which user, which archetype, and where the cache lives.

A profile comes from the config file (`PARTNEROPS_CONFIG`, else `config.toml` in the
platform's user config dir), overridden by `PARTNEROPS_BACKEND_URL` and `PARTNEROPS_TOKEN`.
Those two variables form a profile on their own when no config file exists. Tokens are never
read from the config file: they come from `PARTNEROPS_TOKEN`, else from the OS keyring where
`partnerops login` put them (service "partnerops", user = the profile's name).

The demo (`partnerops demo`) writes one real profile, `demo`: its cache and, beside it,
`demo.profile.json` with the person it opened as (user_email, archetype). `--profile demo` reads
that file, and so does a machine with no profile configured at all, so `partnerops status`,
`export --mine` and `partnerops` itself work on the demo's data after it closed, as that person,
on the same start screen. A `[profiles.demo]` in the config file takes precedence.

Kept free of heavy imports: the TUI resolves its profile before its first paint, so the
keyring is read only when a sync needs the token.
"""

from __future__ import annotations

import json
import os
import re
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from types import MappingProxyType
from typing import Any

from local_store.paths import InvalidProfileName, cache_path, data_dir
from local_store.settings_check import checked_number
from local_store.settings_error import SettingsError

CONFIG_ENV = "PARTNEROPS_CONFIG"
PROFILE_ENV = "PARTNEROPS_PROFILE"
BACKEND_URL_ENV = "PARTNEROPS_BACKEND_URL"
TOKEN_ENV = "PARTNEROPS_TOKEN"
DEFAULT_PROFILE = "default"
DEMO_PROFILE = "demo"
KEYRING_SERVICE = "partnerops"
_TOKEN = re.compile(r"[\x21-\x7e]{1,4096}")
"""Printable ASCII without spaces: anything else would break (or be smuggled into) the
Authorization header."""
DEFAULT_SYNC_INTERVAL_S = 300.0
MAX_SYNC_INTERVAL_S = 7 * 24 * 3600.0
MAX_STALE_AFTER_HOURS = 365 * 24.0
ARCHETYPES = ("implementer", "value_driver", "deal_closer")
SOURCES = ("backend", "hubspot")
SCREENS = ("inbox", "clients", "renewals", "tier", "team")
"""The TUI's screens, in the order of its keys 1-5: the names `start_screen` takes. Their one
home; the console names the same (a test keeps them equal), since sync cannot import it."""
CLIENT_COLUMNS = (
    "name",
    "domain",
    "products",
    "relationship",
    "usage",
    "mrr",
    "engagement",
    "health",
    "renewal",
    "owner",
)
"""Every column the Clients table can show, in its default order: the names `client_columns`
takes, with the same one home as `SCREENS`."""

ARCHETYPE_START_SCREEN = {"implementer": "inbox", "value_driver": "inbox", "deal_closer": "clients"}
ARCHETYPE_CLIENT_COLUMNS: dict[str, tuple[str, ...]] = {
    # What each job looks at first; `client_columns` in the profile overrides it.
    "implementer": ("name", "domain", "products", "usage", "engagement", "health", "owner"),
    "value_driver": CLIENT_COLUMNS,
    "deal_closer": ("name", "relationship", "mrr", "health", "renewal", "owner"),
}


class ProfileError(Exception):
    """The profile cannot be resolved; the message says what to fix."""


class NoProfileConfigured(ProfileError):
    pass


class KeyringUnavailable(ProfileError):
    """No usable OS keyring here (CI, headless Linux): the token must come from the environment."""


@dataclass(frozen=True)
class Profile:
    name: str
    cache_path: Path
    backend_url: str | None = None
    token: str | None = field(default=None, repr=False)
    user_email: str | None = None
    archetype: str = "value_driver"
    sync_interval_s: float = DEFAULT_SYNC_INTERVAL_S
    """How often the TUI syncs in the background; 0 turns periodic sync off."""
    allow_insecure_http: bool = False
    """Plain http to a host other than loopback is refused unless the profile says so."""
    source: str = "backend"
    """Where the data comes from: our backend API, or HubSpot's CRM API."""
    start_screen: str = "clients"
    client_columns: tuple[str, ...] = CLIENT_COLUMNS
    keymap: Mapping[str, str] = field(default_factory=lambda: MappingProxyType({}))
    """Binding id → keys, from the config's global [keymap] with the profile's own on top;
    the TUI checks the ids and keys, which only it knows."""
    settings: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))
    """The profile's whole config table, read-only, for the sections other modules own
    (alert rule thresholds, health weights, inbox sections, HubSpot mapping)."""

    @property
    def archetype_label(self) -> str:
        return self.archetype.replace("_", " ").title()

    @property
    def has_source(self) -> bool:
        """Whether there is anything to sync with (and so a token to look for)."""
        return bool(self.backend_url) or self.source != "backend"


def demo_profile_path() -> Path:
    """Where the demo records who it opened as, beside its cache."""
    return data_dir() / f"{DEMO_PROFILE}.profile.json"


def write_demo_profile(user_email: str | None, archetype: str) -> None:
    """Record the demo's person, so `--profile demo` opens as them after the demo closed."""
    path = demo_profile_path()
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(
        json.dumps({"user_email": user_email, "archetype": archetype}) + "\n", encoding="utf-8"
    )


def _demo_section() -> dict[str, Any] | None:
    """The demo's profile as a config section, or None when no demo ran here."""
    try:
        recorded = json.loads(demo_profile_path().read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(recorded, dict):
        return None
    section: dict[str, Any] = {}
    if isinstance(recorded.get("user_email"), str):
        section["user_email"] = recorded["user_email"]
    if recorded.get("archetype") in ARCHETYPES:
        section["archetype"] = recorded["archetype"]
    return section


def config_path() -> Path:
    override = os.environ.get(CONFIG_ENV)
    if override:
        return Path(override).expanduser()
    from platformdirs import user_config_path

    return user_config_path("partnerops", appauthor=False) / "config.toml"


_USE_ENV = f"set {TOKEN_ENV} in the environment instead"
_NO_KEYRING = f"no usable OS keyring here (usual in CI and on headless Linux); {_USE_ENV}"


def check_token(token: str, where: str = "the token") -> str:
    """The token without surrounding whitespace. The error never repeats the token."""
    stripped = token.strip()
    if not _TOKEN.fullmatch(stripped):
        raise ProfileError(f"{where} must be printable ASCII without spaces (at most 4096)")
    return stripped


def _usable_keyring() -> Any:
    import keyring
    from keyring.backends import fail, null

    backend = keyring.get_keyring()
    if isinstance(backend, fail.Keyring | null.Keyring):
        raise KeyringUnavailable(_NO_KEYRING)
    return backend


def keyring_token(profile_name: str) -> str | None:
    """The token `partnerops login` stored for this profile; None if none or no usable keyring."""
    try:
        token = _usable_keyring().get_password(KEYRING_SERVICE, profile_name)
    except Exception:
        # Backends raise their own errors (locked, no D-Bus): the caller that needs a token
        # reports it missing, together with the ways to supply it.
        return None
    if not token:
        return None
    return check_token(
        token, f"the token in the OS keyring for profile {profile_name!r} (run `partnerops login`)"
    )


def ensure_keyring() -> None:
    """Raise `KeyringUnavailable` now, before the user is asked to type a token."""
    _usable_keyring()


def store_token(profile_name: str, token: str) -> None:
    from keyring.errors import KeyringError

    token = check_token(token)
    try:
        _usable_keyring().set_password(KEYRING_SERVICE, profile_name, token)
    except KeyringError as exc:
        raise ProfileError(
            f"the OS keyring did not store the token ({type(exc).__name__}); {_USE_ENV}"
        ) from None


def delete_token(profile_name: str) -> bool:
    """Remove the profile's token from the keyring; False if there was none."""
    from keyring.errors import KeyringError, PasswordDeleteError

    backend = _usable_keyring()
    try:
        if backend.get_password(KEYRING_SERVICE, profile_name) is None:
            return False
        backend.delete_password(KEYRING_SERVICE, profile_name)
    except PasswordDeleteError:
        return False
    except KeyringError as exc:
        raise ProfileError(
            f"the OS keyring did not remove the token ({type(exc).__name__})"
        ) from None
    return True


def _read_config(path: Path) -> dict:
    if not path.exists():
        return {}
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as exc:
        raise ProfileError(f"config file {path} is not valid TOML: {exc}") from None
    except OSError as exc:
        raise ProfileError(f"cannot read config file {path}: {exc.strerror}") from None


def _keymap_table(table: object, where: str) -> dict[str, str]:
    if not isinstance(table, dict) or not all(
        isinstance(keys, str) and keys.strip() for keys in table.values()
    ):
        raise ProfileError(
            f'{where} must map binding ids to keys, like "clients.sort" = "s" '
            "(see docs/configuration.md)"
        )
    return dict(table)


def _environment_token() -> str | None:
    from_env = os.environ.get(TOKEN_ENV)
    return check_token(from_env, TOKEN_ENV) if from_env else None


def with_token(profile: Profile) -> Profile:
    """The profile with a token looked up now (environment, else keyring) when it has none
    yet and has something to sync with."""
    if profile.token or not profile.has_source:
        return profile
    return replace(profile, token=_environment_token() or keyring_token(profile.name))


def _chosen_name(name: str | None, config: dict, path: Path) -> str:
    chosen = name or os.environ.get(PROFILE_ENV) or config.get("default_profile") or DEFAULT_PROFILE
    if not isinstance(chosen, str):
        raise ProfileError(f"config file {path}: default_profile must be a profile's name")
    try:
        cache_path(chosen)  # the same rule for the keyring's user name as for the cache file
    except InvalidProfileName as exc:
        raise ProfileError(str(exc)) from None
    return chosen


def profile_name(name: str | None = None) -> str:
    """Which profile `name` (or the environment, or the config's default) means."""
    path = config_path()
    return _chosen_name(name, _read_config(path), path)


def load_profile(name: str | None = None) -> Profile:
    """Resolve the profile named, else `PARTNEROPS_PROFILE`, else the config's default.

    Its token comes from the environment only. The keyring is read by the sync that needs it
    (`with_token`): most commands need no token, and loading a keyring backend can take longer
    than the TUI's first paint.
    """
    path = config_path()
    config = _read_config(path)
    profiles = config.get("profiles", {})
    if not isinstance(profiles, dict):
        raise ProfileError(f"config file {path}: [profiles] must be a table")
    chosen = _chosen_name(name, config, path)
    explicitly_named = name is not None or PROFILE_ENV in os.environ
    nothing_configured = (
        not profiles and not config.get("default_profile") and not os.environ.get(BACKEND_URL_ENV)
    )
    demo = _demo_section() if chosen not in profiles else None
    if demo is not None and not explicitly_named and nothing_configured:
        chosen = DEMO_PROFILE  # nothing else here: the demo that ran is the profile
    section = profiles.get(chosen, demo if chosen == DEMO_PROFILE and demo is not None else {})
    if not isinstance(section, dict):
        raise ProfileError(f"config file {path}: [profiles.{chosen}] must be a table")
    if "token" in section:
        raise ProfileError(
            f"config file {path}: remove `token` from [profiles.{chosen}]; "
            f"tokens come from {TOKEN_ENV} or the OS keyring"
        )
    where = f"config file {path}: [profiles.{chosen}]"
    for key in ("backend_url", "user_email"):
        if not isinstance(section.get(key, ""), str):
            raise ProfileError(f"{where} {key} must be a string")
    allow_insecure_http = section.get("allow_insecure_http", False)
    if not isinstance(allow_insecure_http, bool):
        raise ProfileError(f"{where} allow_insecure_http must be true or false")
    backend_url = os.environ.get(BACKEND_URL_ENV) or section.get("backend_url")
    if (
        chosen not in profiles
        and chosen != DEMO_PROFILE
        and not backend_url
        and not explicitly_named
    ):
        raise NoProfileConfigured(
            "no profile configured. Try the demo with `partnerops demo`, or set "
            f"{BACKEND_URL_ENV} and {TOKEN_ENV}, or add a profile to {path}"
        )
    archetype = section.get("archetype", "value_driver")
    if archetype not in ARCHETYPES:
        raise ProfileError(
            f"config file {path}: archetype {archetype!r} must be one of {', '.join(ARCHETYPES)}"
        )
    try:
        interval = checked_number(
            section.get("sync_interval_seconds", DEFAULT_SYNC_INTERVAL_S),
            "sync_interval_seconds",
            0,
            MAX_SYNC_INTERVAL_S,
            "of seconds (0 = off)",
        )
        checked_number(
            section.get("stale_after_hours", 0),
            "stale_after_hours",
            0,
            MAX_STALE_AFTER_HOURS,
            "of hours (0 = off)",
        )
    except SettingsError as exc:
        raise ProfileError(f"{where} {exc}") from None
    source = section.get("source", "backend")
    if source not in SOURCES:
        raise ProfileError(
            f"config file {path}: source {source!r} must be one of {', '.join(SOURCES)}"
        )
    start_screen = section.get("start_screen", ARCHETYPE_START_SCREEN[archetype])
    if start_screen not in SCREENS:
        raise ProfileError(
            f"config file {path}: start_screen {start_screen!r} must be one of {', '.join(SCREENS)}"
        )
    columns = section.get("client_columns", ARCHETYPE_CLIENT_COLUMNS[archetype])
    if (
        not isinstance(columns, list | tuple)
        or not columns
        or any(column not in CLIENT_COLUMNS for column in columns)
    ):
        raise ProfileError(
            f"config file {path}: client_columns must be a list drawn from "
            f"{', '.join(CLIENT_COLUMNS)}"
        )
    keymap = _keymap_table(config.get("keymap", {}), f"config file {path}: [keymap]")
    keymap |= _keymap_table(section.get("keymap", {}), f"{where}.keymap")
    try:
        cache_file = cache_path(chosen)
    except InvalidProfileName as exc:
        raise ProfileError(str(exc)) from None
    return Profile(
        name=chosen,
        cache_path=cache_file,
        backend_url=backend_url,
        token=_environment_token(),
        allow_insecure_http=allow_insecure_http,
        user_email=section.get("user_email"),
        archetype=archetype,
        sync_interval_s=float(interval),
        source=source,
        start_screen=start_screen,
        client_columns=tuple(columns),
        keymap=MappingProxyType(keymap),
        settings=MappingProxyType(section),
    )
