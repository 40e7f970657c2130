"""The cache's files are private at every open, not only when new (issue 20, point 5)."""

from __future__ import annotations

import stat
from pathlib import Path

import pytest
from typer.testing import CliRunner

from console.cli import app
from local_store.database import CacheError, open_cache


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def test_an_existing_cache_and_data_dir_are_made_private_again(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = tmp_path / "shared"
    cache = data / "p.sqlite3"
    open_cache(cache, create=True).close()
    data.chmod(0o777)
    cache.chmod(0o644)

    open_cache(cache).close()

    assert _mode(data) == 0o700
    assert _mode(cache) == 0o600
    assert all(_mode(p) == 0o600 for p in data.iterdir() if p.name.startswith("p.sqlite3"))
    warning = capsys.readouterr().err
    assert warning.count("\n") == 1 and "writable by other users (0777)" in warning


def test_parent_folders_are_created_owner_only(tmp_path: Path) -> None:
    cache = tmp_path / "a" / "b" / "c" / "p.sqlite3"
    open_cache(cache, create=True).close()
    for folder in (tmp_path / "a", tmp_path / "a" / "b", tmp_path / "a" / "b" / "c"):
        assert _mode(folder) == 0o700, folder


def test_a_dangling_symlink_at_the_cache_path_is_not_followed(tmp_path: Path) -> None:
    target = tmp_path / "elsewhere" / "planted.sqlite3"
    target.parent.mkdir()
    cache = tmp_path / "data" / "p.sqlite3"
    cache.parent.mkdir(mode=0o700)
    cache.symlink_to(target)

    with pytest.raises(CacheError, match="symbolic link"):
        open_cache(cache, create=True)
    assert not target.exists()


def test_a_symlink_beside_the_cache_is_not_followed(tmp_path: Path) -> None:
    cache = tmp_path / "p.sqlite3"
    open_cache(cache, create=True).close()
    wal = Path(f"{cache}-wal")
    wal.unlink(missing_ok=True)
    wal.symlink_to(tmp_path / "planted-wal")
    with pytest.raises(CacheError, match="symbolic link"):
        open_cache(cache)


def test_the_command_line_says_so_in_one_line(
    isolated_environment: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    isolated_environment.mkdir(mode=0o700)
    (isolated_environment / "default.sqlite3").symlink_to(isolated_environment / "nowhere")
    monkeypatch.setenv("PARTNEROPS_BACKEND_URL", "http://127.0.0.1:9")
    result = CliRunner().invoke(app, ["status"])
    assert result.exit_code == 1
    assert result.stderr.count("\n") == 1 and "symbolic link: not following it" in result.stderr
    assert not (isolated_environment / "nowhere").exists()
