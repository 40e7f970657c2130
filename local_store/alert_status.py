"""An alert's statuses (the wire's `AlertStatus`, a test keeps them equal), for the filters,
the triage and the exports alike."""

STATUSES = ("open", "acknowledged", "snoozed", "resolved")
ACTIVE_STATUSES = ("open", "acknowledged")
"""Statuses that still ask for someone's attention."""
