"""Checking a profile's numeric settings: a real number, finite and in its range, or one line
naming the key. Kept free of imports, so the profile can use it before the TUI's first paint."""

from __future__ import annotations

import math

from local_store.settings_error import SettingsError


def checked_number(value: object, key: str, low: float, high: float, unit: str = "") -> float:
    """`value` as a float when it is a number from `low` to `high`; else SettingsError.

    TOML reads `inf` and `nan` as floats and `1e308` is a float too: each would pass a plain
    `>= 0` test and break a sum, a timer or a date later with a message naming nothing.
    """
    what = f" {unit}" if unit else ""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise SettingsError(f"{key} must be a number{what} from {low:g} to {high:g}, not {value!r}")
    if not math.isfinite(value) or not low <= value <= high:
        raise SettingsError(f"{key} must be a number{what} from {low:g} to {high:g}, not {value!r}")
    return float(value)
