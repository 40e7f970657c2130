"""An alert's statuses have one home in the cache package, equal to the wire's."""

from __future__ import annotations

from local_store import alert_filter, alert_status
from local_store.exports import DATASETS
from sync.wire import AlertStatus


def test_statuses_are_the_wire_statuses() -> None:
    assert tuple(status.value for status in AlertStatus) == alert_status.STATUSES
    assert set(alert_status.ACTIVE_STATUSES) < set(alert_status.STATUSES)


def test_filters_and_exports_use_the_one_home() -> None:
    assert alert_filter.STATUSES is alert_status.STATUSES
    assert set(alert_status.STATUSES) <= set(DATASETS["alerts"].statuses)
