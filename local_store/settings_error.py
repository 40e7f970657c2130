"""The one error a wrong profile setting read by `local_store` raises."""


class SettingsError(ValueError):
    """A profile setting this package reads is wrong; the message names the key."""
