from loopback_backend import backend  # noqa: F401  (the fixture)
