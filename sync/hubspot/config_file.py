"""Writing a profile's HubSpot property mapping into the config file, and nothing else.

Each object's mapping is one table, `[profiles.NAME.hubspot.mapping.partner_clients]`: an
existing table of that name is replaced, a new one appended. The result is parsed again before
it replaces the file, and must differ from the old config in those tables only; a mapping
written some other way (inline, dotted keys) is left for the user to edit.
"""

from __future__ import annotations

import copy
import json
import os
import re
import tempfile
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from sync.client import SyncError


def _header(profile: str, object_type: str) -> re.Pattern[str]:
    parts = ["profiles", profile, "hubspot", "mapping", object_type]
    dotted = r"\s*\.\s*".join(rf"(?:{re.escape(p)}|\"{re.escape(p)}\")" for p in parts)
    return re.compile(rf"^\s*\[\s*{dotted}\s*\]\s*(?:#.*)?$")


def _without_tables(text: str, headers: list[re.Pattern[str]]) -> str:
    kept: list[str] = []
    skipping = False
    for line in text.splitlines(keepends=True):
        if line.lstrip().startswith("["):
            skipping = any(h.match(line.rstrip("\r\n")) for h in headers)
        if not skipping:
            kept.append(line)
    return "".join(kept)


def _table(profile: str, object_type: str, fields: Mapping[str, str]) -> str:
    lines = [f"[profiles.{profile}.hubspot.mapping.{object_type}]"]
    lines += [f"{field} = {json.dumps(prop)}" for field, prop in sorted(fields.items())]
    return "\n".join(lines) + "\n"


def _mapping_of(config: dict[str, Any], profile: str) -> dict[str, Any]:
    section = config.get("profiles", {}).get(profile, {})
    hubspot = section.get("hubspot", {}) if isinstance(section, dict) else {}
    mapping = hubspot.get("mapping", {}) if isinstance(hubspot, dict) else {}
    return mapping if isinstance(mapping, dict) else {}


def _drop_mapping(config: dict[str, Any], profile: str, object_types: list[str]) -> dict:
    stripped = copy.deepcopy(config)
    mapping = _mapping_of(stripped, profile)
    for object_type in object_types:
        mapping.pop(object_type, None)
    section = stripped.get("profiles", {}).get(profile, {})
    hubspot = section.get("hubspot")
    # The tables written create these; the old file may not have had them.
    if isinstance(hubspot, dict) and hubspot.get("mapping") == {}:
        del hubspot["mapping"]
    if hubspot == {}:
        del section["hubspot"]
    return stripped


def write_mapping(path: Path, profile: str, mapping: Mapping[str, Mapping[str, str]]) -> None:
    """Put `mapping` (object type → console field → property) into the profile's tables."""
    try:
        text = path.read_text(encoding="utf-8") if path.exists() else ""
        old = tomllib.loads(text)
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise SyncError(f"cannot read the config file {path}: {exc}") from None
    if profile not in old.get("profiles", {}):
        raise SyncError(f"config file {path} has no [profiles.{profile}] to add a mapping to")
    object_types = sorted(mapping)
    headers = [_header(profile, object_type) for object_type in object_types]
    kept = _without_tables(text, headers)
    if kept and not kept.endswith("\n"):
        kept += "\n"
    new_text = kept + "".join(
        "\n" + _table(profile, object_type, mapping[object_type]) for object_type in object_types
    )
    try:
        new = tomllib.loads(new_text)
    except tomllib.TOMLDecodeError:
        new = None
    written = {k: dict(v) for k, v in mapping.items()}
    if (
        new is None
        or {k: _mapping_of(new, profile).get(k) for k in object_types} != written
        or _drop_mapping(new, profile, object_types) != _drop_mapping(old, profile, object_types)
    ):
        raise SyncError(
            f"config file {path} sets hubspot.mapping of profile {profile!r} in a form this "
            "command does not rewrite (inline or dotted keys): edit it by hand"
        )
    mode = path.stat().st_mode & 0o777 if path.exists() else 0o600
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".config-", suffix=".toml")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            out.write(new_text)
        os.chmod(temporary, mode)
        os.replace(temporary, path)
    except OSError as exc:
        Path(temporary).unlink(missing_ok=True)
        raise SyncError(f"cannot write the config file {path}: {exc.strerror}") from None
