"""Talking to the backend: the HTTP client, pull, push and the wire models."""
