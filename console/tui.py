"""Opening the TUI: shared by the bare `partnerops` command and the commands that open it."""

from __future__ import annotations

import gc

from sync.profile import Profile


def open_tui(profile: Profile) -> None:
    from console.app import PartnerOpsApp

    app = PartnerOpsApp(profile)
    # The modules loaded by now live as long as the process; frozen, they are no longer
    # walked by each full garbage collection (one landed in the first paint: ~60 ms).
    gc.freeze()
    app.run()
