"""`partnerops hubspot properties` and the checks a HubSpot sync makes before its first write,
through the CLI against the HubSpot double on loopback."""

from __future__ import annotations

import re
import subprocess
import sys
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
from fake_hubspot import CLIENTS, SERVICES, TOKEN, FakeHubSpot, serve_fake
from typer.testing import CliRunner

from console.cli import app
from local_store.database import open_cache
from local_store.paths import cache_path

RENAMES = {
    CLIENTS: {"hs_name": "company_legal_name"},
    SERVICES: {"hs_product": "hub_line", "hs_renewal_date": "contract_end"},
}


@pytest.fixture
def fake() -> FakeHubSpot:
    fake = FakeHubSpot()
    for _ in range(5):
        fake.add_service(fake.add_client())
    return fake


@pytest.fixture
def config(fake: FakeHubSpot, isolated_environment: Path, monkeypatch) -> Iterator[Path]:
    with serve_fake(fake) as url:
        path = isolated_environment.parent / "config.toml"
        path.write_text(
            '# my partner account\n[profiles.agency]\nsource = "hubspot"\n\n'
            f'[profiles.agency.hubspot]\napi_base_url = "{url}"\n'
        )
        monkeypatch.setenv("PARTNEROPS_TOKEN", TOKEN)
        yield path


def run(*args: str):
    return CliRunner().invoke(app, ["-p", "agency", *args])


def cached_clients() -> int:
    if not cache_path("agency").exists():
        return 0
    with open_cache(cache_path("agency")) as conn:
        return conn.execute("SELECT count(*) FROM client").fetchone()[0]


def test_the_scopes_docs_hubspot_md_lists_are_enough_for_a_sync(
    fake: FakeHubSpot, config: Path
) -> None:
    docs = Path(__file__).parents[2] / "docs" / "hubspot.md"
    fake.granted = set(re.findall(r"`(crm\.[a-z.-]+\.read)`", docs.read_text(encoding="utf-8")))
    assert fake.granted, "docs/hubspot.md names no scope"
    result = run("sync")
    assert result.exit_code == 0, result.output
    assert cached_clients() > 0


@pytest.mark.parametrize("style", ["errors", "context", "bare"])
def test_a_missing_scope_is_named_before_anything_is_written(
    fake: FakeHubSpot, config: Path, style: str
) -> None:
    fake.granted = {"crm.objects.partner-clients.read"}  # exactly what the old docs listed
    fake.scope_error_style = style
    result = run("sync")
    assert result.exit_code == 3
    lines = [line for line in result.output.splitlines() if line.strip()]
    assert len(lines) == 1 and "crm.objects.partner-services.read" in lines[0]
    assert "crm.objects.partner-clients.read" not in lines[0]
    assert cached_clients() == 0 and not cache_path("agency").exists()


def test_both_missing_scopes_are_named_in_one_line(fake: FakeHubSpot, config: Path) -> None:
    fake.granted = set()
    fake.scope_error_style = "context"
    result = run("sync")
    assert result.exit_code == 3
    assert "crm.objects.partner-clients.read, crm.objects.partner-services.read" in result.output


def test_unmapped_required_fields_stop_the_sync_before_any_write(
    fake: FakeHubSpot, config: Path
) -> None:
    for object_type, renames in RENAMES.items():
        fake.rename_properties(object_type, renames)
    result = run("sync")
    assert result.exit_code == 2
    assert result.output.count("\n") == 1
    for field in ("partner_clients.name", "partner_services.product", "renewal_date"):
        assert field in result.output
    assert "partnerops hubspot properties -p agency" in result.output
    assert not cache_path("agency").exists()  # never a silent mass quarantine


def test_properties_shows_the_mapping_and_writes_it_into_the_config(
    fake: FakeHubSpot, config: Path
) -> None:
    for object_type, renames in RENAMES.items():
        fake.rename_properties(object_type, renames)
    shown = run("hubspot", "properties")
    assert shown.exit_code == 0, shown.output
    assert "name" in shown.output and "(no property)" in shown.output
    assert "company_legal_name" in shown.output  # listed as used by no field
    assert "no property maps to partner_clients.name" in shown.output
    mapping = [
        "--map",
        "partner_clients.name=company_legal_name",
        "--map",
        "services.product=hub_line",
        "--map",
        "partner_services.renewal_date=contract_end",
    ]
    written = run("hubspot", "properties", *mapping, "--write")
    assert written.exit_code == 0, written.output
    assert "no property maps" not in written.output
    text = config.read_text()
    assert text.startswith("# my partner account\n")  # the rest of the file is kept
    profile = tomllib.loads(text)["profiles"]["agency"]
    assert profile["source"] == "hubspot"
    assert profile["hubspot"]["mapping"][CLIENTS]["name"] == "company_legal_name"
    assert profile["hubspot"]["mapping"][SERVICES]["renewal_date"] == "contract_end"
    again = run("hubspot", "properties", "--write")  # rewriting replaces, never duplicates
    assert again.exit_code == 0 and tomllib.loads(config.read_text()) == tomllib.loads(text)
    synced = run("sync")
    assert synced.exit_code == 0, synced.output
    assert cached_clients() == 5


def test_properties_refuses_a_mapping_to_a_property_the_account_lacks(
    fake: FakeHubSpot, config: Path
) -> None:
    result = run("hubspot", "properties", "--map", "partner_clients.name=nope", "--write")
    assert result.exit_code == 1 and "'nope'" in result.output
    assert "mapping" not in config.read_text()


def test_properties_says_a_bad_map_option_in_one_line(config: Path) -> None:
    result = run("hubspot", "properties", "--map", "name=hs_name")
    assert result.exit_code == 2 and result.output.count("\n") == 1


def test_the_properties_command_never_loads_textual() -> None:
    code = "import sys, console.hubspot_cli, sync.hubspot.run; print('textual' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
