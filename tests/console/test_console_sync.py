"""The TUI's background sync against the real reference backend on loopback."""

from __future__ import annotations

import socket
from datetime import date

from textual.widgets import Label

from backend.server import start_in_thread
from backend.store import Store
from console.app import PartnerOpsApp
from local_store import outbox
from local_store.database import open_cache
from local_store.paths import cache_path
from sync.profile import Profile


def sync_label(app: PartnerOpsApp) -> str:
    return str(app.screen.query_one("#status-sync", Label).render())


def count_label(app: PartnerOpsApp) -> str:
    return str(app.screen.query_one("#client-count", Label).render())


async def wait_for_sync(pilot) -> None:
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()
    await pilot.app.workers.wait_for_complete()
    await pilot.pause()


async def test_r_syncs_in_the_background_and_the_screen_refreshes() -> None:
    store = Store.generate(60, seed=4, today=date(2026, 11, 23))
    with start_in_thread(store) as server:
        profile = Profile(
            name="tui",
            cache_path=cache_path("tui"),
            backend_url=server.url,
            token=store.partners[0].token,
            sync_interval_s=0,
        )
        open_cache(profile.cache_path, create=True).close()
        app = PartnerOpsApp(profile)
        async with app.run_test(size=(160, 48)) as pilot:
            await wait_for_sync(pilot)
            assert "never synced" in sync_label(app)
            await pilot.press("r")
            await wait_for_sync(pilot)
            assert "synced" in sync_label(app) and "never" not in sync_label(app)
            clients = len(store.partners[0].records("clients"))
            assert f"{clients:,}" in count_label(app)


async def test_offline_keeps_the_cache_and_counts_waiting_actions(monkeypatch) -> None:
    monkeypatch.setenv("PARTNEROPS_RETRY_SECONDS", "1")
    store = Store.generate(30, seed=5, today=date(2026, 11, 23))
    with start_in_thread(store) as server:
        profile = Profile(
            name="laptop",
            cache_path=cache_path("laptop"),
            backend_url=server.url,
            token=store.partners[0].token,
            sync_interval_s=0,
        )
        from sync.engine import run_sync

        run_sync(profile)
    conn = open_cache(profile.cache_path)
    client_id = conn.execute("SELECT id FROM client LIMIT 1").fetchone()[0]
    outbox.end_services(conn, client_id)
    app = PartnerOpsApp(profile)  # the server is gone now: offline
    async with app.run_test(size=(160, 48)) as pilot:
        await pilot.press("r")
        await wait_for_sync(pilot)
        text = sync_label(app)
        assert "offline" in text and "1 action waiting" in text
        assert "30" in count_label(app)
    assert outbox.count_pending(conn) == 1


async def test_a_profile_without_a_token_says_how_to_get_one(monkeypatch) -> None:
    """The TUI looks for the token (environment, then OS keyring) when it syncs, not before
    its first paint. None anywhere is a sync error that names the fix and pauses background
    sync, which would only fail again; the next manual sync finds the token and resumes it."""
    store = Store.generate(10, seed=6, today=date(2026, 11, 23))
    with start_in_thread(store) as server:
        profile = Profile(name="nokey", cache_path=cache_path("nokey"), backend_url=server.url)
        open_cache(profile.cache_path, create=True).close()
        app = PartnerOpsApp(profile)
        async with app.run_test(size=(160, 48), notifications=True) as pilot:
            await pilot.press("r")
            await wait_for_sync(pilot)
            messages = [n.message for n in app._notifications]
            assert any(
                "no token for profile 'nokey'" in m and "partnerops login" in m and "paused" in m
                for m in messages
            )
            assert app._sync_timer is None
            monkeypatch.setenv("PARTNEROPS_TOKEN", store.partners[0].token)
            await pilot.press("r")
            await wait_for_sync(pilot)
            assert "never synced" not in sync_label(app)
            assert app._sync_timer is not None


def _closed_port_url() -> str:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return f"http://127.0.0.1:{sock.getsockname()[1]}"


async def test_a_gone_backend_reads_offline_at_once_while_retries_go_on(monkeypatch) -> None:
    """Connection refused is "offline" at the first attempt, not after the retry budget."""
    monkeypatch.setenv("PARTNEROPS_RETRY_SECONDS", "5")
    profile = Profile(
        name="gone",
        cache_path=cache_path("gone"),
        backend_url=_closed_port_url(),
        token="t0ken",
        sync_interval_s=0,
    )
    open_cache(profile.cache_path, create=True).close()
    app = PartnerOpsApp(profile)
    async with app.run_test(size=(160, 48), notifications=True) as pilot:
        await pilot.press("r")
        for _ in range(400):
            await pilot.pause(0.01)
            if app.status.offline:
                break
        assert sync_label(app).startswith("offline")
        assert "syncing" not in sync_label(app)
        # Seen while the sync is still retrying in its worker, quietly: no toast.
        assert any(w.group == "sync" and w.is_running for w in app.workers)
        assert "retrying in the background" in str(app.status.sync_tooltip())
        assert not app._notifications
        await pilot.press("r")  # says why nothing new starts
        assert [n.message for n in app._notifications] == [
            "Offline: the backend cannot be reached. Still trying in the background."
        ]
        await wait_for_sync(pilot)
        assert sync_label(app).startswith("offline")
        # The retries ended without a toast: the header says it all.
        assert not any(n.title == "Sync failed" for n in app._notifications)


async def test_rejected_credentials_stay_in_the_header_until_fixed(monkeypatch) -> None:
    store = Store.generate(10, seed=6, today=date(2026, 11, 23))
    monkeypatch.setenv("PARTNEROPS_TOKEN", "not-the-token")
    with start_in_thread(store) as server:
        profile = Profile(name="bad", cache_path=cache_path("bad"), backend_url=server.url)
        open_cache(profile.cache_path, create=True).close()
        app = PartnerOpsApp(profile)
        async with app.run_test(size=(160, 48), notifications=True) as pilot:
            await pilot.press("r")
            await wait_for_sync(pilot)
            messages = [n.message for n in app._notifications]
            assert any(
                "run `partnerops login`. Background sync is paused" in m for m in messages
            ), messages
            assert sync_label(app).startswith("sync paused: token rejected")
            # The header's periodic re-read of the cache does not make it forget.
            app.refresh_status()
            await wait_for_sync(pilot)
            assert sync_label(app).startswith("sync paused: token rejected")
            assert "HTTP 401" in str(app.status.sync_tooltip())
            monkeypatch.setenv("PARTNEROPS_TOKEN", store.partners[0].token)
            await pilot.press("r")
            await wait_for_sync(pilot)
            assert sync_label(app).startswith("synced")
