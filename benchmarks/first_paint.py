"""One whole-process TUI start, run by `benchmarks.tui` under a pseudo-terminal.

    python -m benchmarks.first_paint RESULT_FILE bare|product

`bare` is a Textual app with a header, a line of text and a footer. `product` runs the real
`partnerops` command line on the profile that `PARTNEROPS_CONFIG` names. Either way the only
thing added is a hook on Textual's `App._display` (the call that writes a composed screen to
the terminal): at the first write of a finished screen it records the wall-clock time,
`RSS_DELAY_S` later the resident memory, writes both to RESULT_FILE as JSON and exits.
"""

from __future__ import annotations

import json
import sys
import time

from textual.app import App

RSS_DELAY_S = 4.0
"""The console builds its other screens after the first paint (about 1.5 s at 100,000
clients): memory is read once they are all built, data read, and the app idle."""


def _rss_kb() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def _ready(screen: object, mode: str) -> bool:
    """A finished first screen: the clients table has rows, or the bare app's footer is up."""
    if mode == "bare":
        return bool(screen.query("Footer"))  # type: ignore[attr-defined]
    tables = screen.query("ClientTable")  # type: ignore[attr-defined]
    return bool(tables) and tables.first().row_count > 0


def install_hook(result_file: str, mode: str) -> None:
    original = App._display
    state: dict[str, float] = {}

    def report(app: App) -> None:
        state["rss_kb"] = _rss_kb()
        with open(result_file, "w") as out:
            json.dump(state, out)
        app.exit()

    def display(app: App, screen, renderable) -> None:  # noqa: ANN001 (Textual's signature)
        original(app, screen, renderable)
        if "paint" not in state and renderable is not None and _ready(screen, mode):
            state["paint"] = time.time()
            app.set_timer(RSS_DELAY_S, lambda: report(app))

    App._display = display  # type: ignore[assignment]


def run_bare() -> None:
    from textual.app import ComposeResult
    from textual.widgets import Footer, Header, Static

    class BareApp(App[None]):
        BINDINGS = [("q", "quit", "Quit")]

        def compose(self) -> ComposeResult:
            yield Header()
            yield Static("A bare Textual app: header, one line of text, footer.")
            yield Footer()

    BareApp().run()


def main() -> None:
    result_file, mode = sys.argv[1], sys.argv[2]
    install_hook(result_file, mode)
    if mode == "bare":
        run_bare()
    else:
        from console.launch import main as partnerops

        sys.argv = ["partnerops"]
        partnerops()


if __name__ == "__main__":
    main()
