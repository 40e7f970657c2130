"""Where each profile's cache lives."""

from __future__ import annotations

import os
import re
from pathlib import Path

DATA_DIR_ENV = "PARTNEROPS_DATA_DIR"
_PROFILE_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_.-]{0,63}")


class InvalidProfileName(ValueError):
    pass


def data_dir() -> Path:
    """`PARTNEROPS_DATA_DIR`, else the platform's user data directory."""
    override = os.environ.get(DATA_DIR_ENV)
    if override:
        return Path(override).expanduser()
    from platformdirs import user_data_path

    return user_data_path("partnerops", appauthor=False)


def cache_path(profile: str) -> Path:
    """One SQLite file per profile; the name must be safe as a file name."""
    if not _PROFILE_NAME.fullmatch(profile):
        raise InvalidProfileName(
            f"profile name {profile!r} must be letters, digits, '.', '_' or '-' (at most 64)"
        )
    return data_dir() / f"{profile}.sqlite3"
