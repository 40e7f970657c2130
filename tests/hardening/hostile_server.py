"""A hostile server for the hardening tests: the reference backend serving a data file whose
text carries live terminal sequences, behind a rewriting proxy that refuses every action with
a hostile reason; and a way to run a command in a pseudo-terminal and read what it printed."""

from __future__ import annotations

import fcntl
import json
import os
import pty
import struct
import subprocess
import sys
import termios
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import httpx

from backend.datafile import store_to_document, write_data_file
from backend.store import Store

PAYLOADS = (
    "\x1b]52;c;ZWNobyBwd25lZA==\x07CLIP",  # OSC 52: writes the user's clipboard
    "\x1b]0;pwned\x07TITLE",  # OSC 0: the window title
    "\x1b[31mRED",  # CSI: colour
    "\x9b31mCSI8",  # the 8-bit CSI (C1)
    "\u202eBIDI",  # a bidi override: text shown reversed
    "[bold red]MARKUP[/] [link=https://evil.example]x[/link]",  # Rich markup
)
HOSTILE = " ".join(PAYLOADS)
FORBIDDEN = (
    "\x1b]",  # any OSC (clipboard, title, hyperlink)
    "\x07",
    "\x1b[31mRED",
    "\x9b",  # the 8-bit CSI, as a character (its byte also ends UTF-8 sequences such as ␛)
    "\u202e",
)
"""What must never reach a terminal, in the UTF-8 it is written in. (Rich's own styling, such
as a bold header, may.)"""


def hostile_data_file(tmp_path: Path, today: object) -> Path:
    """A data file whose client names, alert titles and details, team and employee text carry
    every payload."""
    document = store_to_document(Store.generate(30, seed=5, today=today))  # type: ignore[arg-type]
    partner = document["partners"][0]
    for client in partner["clients"][:10]:
        client["name"] = f"{HOSTILE} {client['name']}"
        client["domain"] = f"{PAYLOADS[0]}.example"
    for alert in partner["alerts"]:
        alert["title"] = f"{HOSTILE} {alert['title']}"
        alert["detail"] = HOSTILE
    for contact in partner["team"]:
        contact["name"] = HOSTILE
        contact["description"] = HOSTILE
    partner["employees"][0]["name"] = HOSTILE
    path = tmp_path / "hostile.json"
    write_data_file(path, document)
    return path


class RefusingProxy:
    """Forwards every request to the backend; answers `POST /v1/actions` itself, refusing each
    action with a hostile reason (as a compromised or rewriting server could)."""

    def __init__(self, upstream: str) -> None:
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802  (the stdlib's name)
                answer = httpx.get(
                    upstream + self.path,
                    headers={"Authorization": self.headers.get("Authorization", "")},
                    timeout=30,
                )
                self._send(answer.status_code, answer.content)

            def do_POST(self) -> None:  # noqa: N802
                body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
                proxy.refused += len(body["actions"])
                results = [
                    {"key": action["key"], "outcome": "rejected", "reason": HOSTILE}
                    for action in body["actions"]
                ]
                self._send(200, json.dumps({"results": results}).encode())

            def _send(self, status: int, body: bytes) -> None:
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, format: str, *args: object) -> None:
                return

        self.refused = 0
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self._server.server_address[1]}"
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    def __enter__(self) -> RefusingProxy:
        self._thread.start()
        return self

    def __exit__(self, *exc_info: object) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=10)


def run_in_terminal(args: list[str], columns: int = 200) -> tuple[int, bytes]:
    """`partnerops ARGS` with stdout and stderr on a pseudo-terminal: its exit code and every
    byte it wrote there."""
    controller, terminal = pty.openpty()
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 50, columns, 0, 0))
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": str(columns)}
    env.pop("NO_COLOR", None)
    child = subprocess.Popen(
        [sys.executable, "-m", "console.launch", *args],
        stdin=subprocess.DEVNULL,
        stdout=terminal,
        stderr=terminal,
        env=env,
    )
    os.close(terminal)
    output = bytearray()
    while True:
        try:
            chunk = os.read(controller, 65536)
        except OSError:  # EIO: the child closed the terminal
            break
        if not chunk:
            break
        output += chunk
    os.close(controller)
    return child.wait(timeout=60), bytes(output)
