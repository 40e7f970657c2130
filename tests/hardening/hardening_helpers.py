"""Helpers of the hardening tests, imported by this unique module name."""

from __future__ import annotations

import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from keyring.backend import KeyringBackend
from keyring.errors import PasswordDeleteError


class MemoryKeyring(KeyringBackend):
    """A keyring in a dict, so no test reads or writes the user's real one."""

    priority = 1  # type: ignore[assignment]  (keyring declares it as a class property)

    def __init__(self) -> None:
        super().__init__()
        self.secrets: dict[tuple[str, str], str] = {}
        self.reads = 0

    def get_password(self, service: str, username: str) -> str | None:
        self.reads += 1
        return self.secrets.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.secrets[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.secrets.pop((service, username), None) is None:
            raise PasswordDeleteError("no such password")


class CannedBackend:
    """A raw HTTP server on loopback that answers `/v1/changes/<resource>` with given bytes.

    For the answers the reference backend cannot be made to give: invalid UTF-8, pages larger
    than asked for, bodies that are not the API's shape. Resources without an answer get an
    empty, drained page.
    """

    EMPTY = b'{"items": [], "deleted": [], "next": "t0", "has_more": false}'

    def __init__(self, answers: dict[str, bytes]) -> None:
        self.answers = answers
        self.paths: list[str] = []
        canned = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802  (the stdlib's name)
                canned.paths.append(self.path)
                resource = self.path.split("?")[0].rsplit("/", 1)[-1]
                body = canned.answers.get(resource, canned.EMPTY)
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                return  # keep the test output clean

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> CannedBackend:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)
