"""Opening and copying what came from the server: checked here, once, for every screen.

A link or an address goes to a browser, a mail client or the clipboard only when it is one
unbroken run of visible characters. A newline, a space or a control character in it would let
a hostile server put `https://x/\n$(id)` on the clipboard, ready to run when pasted into a
shell (paste-jacking); a bidi override would show the user a different address than the one
opened. Imports nothing of Textual: the app calls these before it acts.
"""

from __future__ import annotations

import unicodedata
from urllib.parse import urlparse

OPENABLE_SCHEMES = ("http", "https", "mailto")
_HIDDEN_CATEGORIES = {"Cc", "Cf", "Zl", "Zp", "Zs", "Co", "Cs", "Cn"}
"""Controls, format characters (bidi overrides, zero-width), separators, private and
unassigned code points: nothing a link or an address needs, all of them ways to hide."""
UNSAFE = "it holds spaces or control characters, which could run as a command if pasted"


def copy_refusal(text: str) -> str | None:
    """Why `text` must not be opened or copied, or None when it may."""
    if not text or any(unicodedata.category(char) in _HIDDEN_CATEGORIES for char in text):
        return UNSAFE if text else "it is empty"
    return None


def link_refusal(url: str) -> str | None:
    """Why `url` must not be opened (or copied in its place), or None when it may."""
    if reason := copy_refusal(url):
        return reason
    parts = urlparse(url)
    if parts.scheme not in OPENABLE_SCHEMES or (parts.scheme != "mailto" and not parts.netloc):
        return "it is not a web or mail address"
    return None
