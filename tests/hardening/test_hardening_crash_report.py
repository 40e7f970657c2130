"""A TUI crash inside the sync path prints a traceback without the token (issue 20, point 7).

Textual's own crash report shows every frame's local variables; in the sync path those hold
the Authorization header as plain bytes (httpcore's h11 request event). The sync here runs for
real against the loopback backend, on the UI thread, and the client's connection is made to
fail on purpose just as it sends the request's headers.
"""

from __future__ import annotations

import io

import pytest
from httpcore._sync.http11 import HTTP11Connection
from loopback_backend import profile_for
from rich.console import Console

from backend.server import RunningServer
from console.app import PartnerOpsApp
from sync.engine import run_sync


class CrashOnPurpose(RuntimeError):
    pass


def _crash_on_send(self: HTTP11Connection, event: object, timeout: object = None) -> None:
    raise CrashOnPurpose("the sync crashed on purpose while sending its headers")


async def test_a_crash_in_the_sync_path_never_prints_the_token(
    backend: RunningServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    profile = profile_for(backend)
    run_sync(profile)  # a cache to open the TUI on
    app = PartnerOpsApp(profile)
    out = io.StringIO()
    app.error_console = Console(file=out, width=200, color_system=None)  # where Textual prints it
    monkeypatch.setattr(HTTP11Connection, "_send_event", _crash_on_send)
    with pytest.raises(CrashOnPurpose):
        async with app.run_test(size=(120, 40)) as pilot:
            app.call_later(run_sync, profile)
            await pilot.pause()
            await pilot.pause()
    text = out.getvalue()
    # The report is there and reaches into the sync path (or this test proves nothing) ...
    assert "CrashOnPurpose" in text and "run_sync" in text and "_send_request_headers" in text
    # ... without the token, whole or cut, and without the header that carries it.
    assert profile.token and profile.token[:12] not in text
    assert "Bearer" not in text and "authorization" not in text.lower()
