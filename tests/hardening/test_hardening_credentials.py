"""Credentials: prompted into the OS keyring, never echoed, never repeated, never sent in clear."""

from __future__ import annotations

import json
import logging
import os
import socket
import ssl
import subprocess
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from hardening_helpers import MemoryKeyring
from loopback_backend import server_state
from typer.testing import CliRunner

from backend.server import RunningServer
from console.cli import app
from sync.client import BackendClient, BackendUnavailable
from sync.profile import KEYRING_SERVICE, load_profile, with_token
from sync.wire import Action, ActionKind, ActionOutcome

runner = CliRunner()
TOKEN = "tok-3f9c1d7e5a2b"


def write_config(text: str) -> None:
    Path(os.environ["PARTNEROPS_CONFIG"]).write_text(text, encoding="utf-8")


def test_login_prompts_without_echo_and_stores_under_the_profile(
    memory_keyring: MemoryKeyring,
) -> None:
    result = runner.invoke(app, ["login", "--profile", "work"], input=f"{TOKEN}\n")
    assert result.exit_code == 0, result.output
    assert memory_keyring.secrets == {(KEYRING_SERVICE, "work"): TOKEN}
    assert "Token for profile 'work'" in result.output
    assert TOKEN not in result.output


@pytest.mark.parametrize("argv", [["login", TOKEN], ["login", "--token", TOKEN]])
def test_login_takes_no_token_on_the_command_line(
    argv: list[str], memory_keyring: MemoryKeyring
) -> None:
    result = runner.invoke(app, argv, input=f"{TOKEN}\n")
    assert result.exit_code == 2
    assert memory_keyring.secrets == {}


def test_a_token_with_control_characters_is_refused_without_repeating_it(
    memory_keyring: MemoryKeyring,
) -> None:
    result = runner.invoke(app, ["login"], input="abc\x1b[2Jdef\n")
    assert result.exit_code == 1
    assert "printable ASCII" in result.output
    assert "abc" not in result.output
    assert memory_keyring.secrets == {}


def test_keyring_token_is_used_and_the_environment_wins(
    memory_keyring: MemoryKeyring, monkeypatch: pytest.MonkeyPatch
) -> None:
    write_config('[profiles.work]\nbackend_url = "https://partners.example.com"\n')
    memory_keyring.secrets[(KEYRING_SERVICE, "work")] = TOKEN
    profile = with_token(load_profile("work"))
    assert profile.token == TOKEN
    assert TOKEN not in repr(profile)
    monkeypatch.setenv("PARTNEROPS_TOKEN", "from-the-environment")
    assert with_token(load_profile("work")).token == "from-the-environment"


def test_the_keyring_is_read_by_the_sync_that_needs_the_token(
    memory_keyring: MemoryKeyring,
) -> None:
    write_config('[profiles.work]\nbackend_url = "https://partners.example.com"\n')
    memory_keyring.secrets[(KEYRING_SERVICE, "work")] = TOKEN
    profile = load_profile("work")
    assert profile.token is None and memory_keyring.reads == 0
    assert with_token(profile).token == TOKEN and memory_keyring.reads == 1


def test_logout_removes_the_token(memory_keyring: MemoryKeyring) -> None:
    memory_keyring.secrets[(KEYRING_SERVICE, "work")] = TOKEN
    first = runner.invoke(app, ["logout", "-p", "work"])
    assert first.exit_code == 0
    assert "removed" in first.output
    assert memory_keyring.secrets == {}
    again = runner.invoke(app, ["logout", "-p", "work"])
    assert again.exit_code == 0
    assert "no token" in again.output


def test_without_a_keyring_login_says_so_in_one_line_before_asking(no_keyring: object) -> None:
    result = runner.invoke(app, ["login"], input=f"{TOKEN}\n")
    assert result.exit_code == 1
    assert result.output.strip().count("\n") == 0
    assert "no usable OS keyring" in result.output
    assert "PARTNEROPS_TOKEN" in result.output
    assert "Token for profile" not in result.output


def test_a_synced_token_appears_nowhere(
    backend: RunningServer,
    memory_keyring: MemoryKeyring,
    isolated_environment: Path,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """Stored by login, used by sync: not in output, logs, the cache file or status."""
    token = backend.store.partners[0].token
    write_config(f'[profiles.default]\nbackend_url = "{backend.url}"\n')
    assert runner.invoke(app, ["login"], input=f"{token}\n").exit_code == 0
    caplog.set_level(logging.DEBUG)  # httpx and httpcore log every request at DEBUG
    synced = runner.invoke(app, ["sync"])
    assert synced.exit_code == 0, synced.output
    shown = [
        synced.output,
        runner.invoke(app, ["status"]).output,
        runner.invoke(app, ["status", "--format", "json"]).output,
        "\n".join(record.getMessage() for record in caplog.records),
    ]
    assert caplog.records, "the logs were not captured"
    assert all(token not in text for text in shown)
    for stored in isolated_environment.glob("default.sqlite3*"):
        assert token.encode() not in stored.read_bytes()
    document = json.loads(runner.invoke(app, ["status", "--format", "json"]).stdout)
    assert document["counts"]["client"] == len(server_state(backend.store)["clients"])


def test_a_bad_environment_token_is_named_not_repeated(monkeypatch: pytest.MonkeyPatch) -> None:
    """A newline would otherwise reach httpx, whose header error quotes the value."""
    monkeypatch.setenv("PARTNEROPS_BACKEND_URL", "http://127.0.0.1:9")
    monkeypatch.setenv("PARTNEROPS_TOKEN", "secret-part\ninjected: header")
    result = runner.invoke(app, ["sync"])
    assert result.exit_code == 2
    assert "PARTNEROPS_TOKEN must be printable ASCII" in result.output
    assert "secret-part" not in result.output


def test_plain_http_off_loopback_needs_the_profiles_consent() -> None:
    write_config('[profiles.default]\nbackend_url = "http://partners.example.com"\n')
    os.environ["PARTNEROPS_TOKEN"] = TOKEN  # removed again by the autouse fixture's monkeypatch
    refused = runner.invoke(app, ["sync"])
    assert refused.exit_code == 1
    assert "allow_insecure_http" in refused.output
    write_config(
        '[profiles.default]\nbackend_url = "http://partners.example.com"\n'
        "allow_insecure_http = true\n"
    )
    profile = load_profile()
    assert profile.allow_insecure_http
    with BackendClient(profile.backend_url, TOKEN, allow_insecure_http=True) as client:
        assert client.base_url == "http://partners.example.com"


def test_allow_insecure_http_must_be_a_boolean() -> None:
    write_config('[profiles.default]\nbackend_url = "https://x.example"\nallow_insecure_http = 1\n')
    result = runner.invoke(app, ["status"])
    assert result.exit_code == 2
    assert "allow_insecure_http must be true or false" in result.output
    assert os.environ["PARTNEROPS_CONFIG"] in result.output


@pytest.fixture
def impostor_https(tmp_path: Path) -> Iterator[tuple[str, list[bytes]]]:
    """A TLS server on loopback with a self-signed certificate; records what reached it."""
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    made = subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"]
        + ["-subj", "/CN=127.0.0.1", "-keyout", str(key), "-out", str(cert)],
        capture_output=True,
        timeout=60,
    )
    if made.returncode != 0:
        pytest.skip("openssl could not make a test certificate")
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    listener = socket.create_server(("127.0.0.1", 0))
    listener.settimeout(10)
    received: list[bytes] = []

    def serve_one() -> None:
        try:
            conn, _ = listener.accept()
            with context.wrap_socket(conn, server_side=True) as tls:
                received.append(tls.recv(65536))
        except (OSError, ssl.SSLError):
            return  # the client walked away during the handshake, as it should

    worker = threading.Thread(target=serve_one, daemon=True)
    worker.start()
    yield f"https://127.0.0.1:{listener.getsockname()[1]}", received
    listener.close()
    worker.join(timeout=10)


@pytest.mark.filterwarnings("ignore:timeout=0 means no retries")
def test_tls_verification_stays_on(impostor_https: tuple[str, list[bytes]]) -> None:
    url, received = impostor_https
    with BackendClient(url, TOKEN, retry_total_s=0) as client, pytest.raises(BackendUnavailable):
        client.changes("clients", None, 10)
    assert not any(TOKEN.encode() in chunk for chunk in received)


def test_another_partners_records_look_like_records_that_do_not_exist(
    backend: RunningServer,
) -> None:
    """No object endpoint answers 403: B's ids get exactly the answer of ids nobody has."""
    own, other = backend.store.partners[0], backend.store.partners[1]
    theirs = next(iter(server_state(backend.store, 1)["clients"]))
    before = other.get("clients", theirs)
    actions = [
        Action(key=str(uuid.uuid4()), kind=ActionKind.END_SERVICES, target_id=target)
        for target in (theirs, "c-nobody-has-this")
    ]
    with BackendClient(backend.url, own.token) as client:
        results = client.push(actions).results
    assert [(r.outcome, r.reason, r.current) for r in results] == [
        (ActionOutcome.REJECTED, "no such client", None)
    ] * 2
    assert other.get("clients", theirs) == before
    their_feed = backend.store.change_token(other, "clients", other.head)
    with httpx.Client(
        base_url=backend.url, headers={"Authorization": f"Bearer {own.token}"}
    ) as raw:
        borrowed = raw.get("/v1/changes/clients", params={"since": their_feed})
        made_up = raw.get("/v1/changes/clients", params={"since": "bm90LWEtdG9rZW4"})
    assert borrowed.status_code == made_up.status_code == 410
    assert borrowed.json()["error"] == made_up.json()["error"]
