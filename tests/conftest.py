"""Shared fixtures: every test gets its own data and config dirs, never the user's."""

from __future__ import annotations

from pathlib import Path

import pytest
import stamina


@pytest.fixture(autouse=True)
def isolated_environment(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    data_dir = tmp_path / "data"
    monkeypatch.setenv("PARTNEROPS_DATA_DIR", str(data_dir))
    monkeypatch.setenv("PARTNEROPS_CONFIG", str(tmp_path / "config.toml"))
    # Never the developer's real keyring, in this process or in the CLI subprocesses tests run.
    monkeypatch.setenv("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    for name in ("PARTNEROPS_PROFILE", "PARTNEROPS_BACKEND_URL", "PARTNEROPS_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    # Animations end at once: a snapshot taken while a tab's underline still slides differs
    # from run to run (the TEXTUAL_ANIMATIONS variable is read when Textual is imported).
    monkeypatch.setattr("textual.constants.TEXTUAL_ANIMATIONS", "none")
    return data_dir


@pytest.fixture
def no_backoff():
    """Retries still happen, but without sleeping between them."""
    stamina.set_testing(True, attempts=5)
    yield
    stamina.set_testing(False)
