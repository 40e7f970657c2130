"""The change feed inside the store: order, paging, stale entries, tombstones and tokens."""

from __future__ import annotations

import pytest
from backend_helpers import TODAY

from backend.store import Store, TokenExpired


def drain(store: Store, resource: str, since: int = 0, limit: int = 7) -> tuple[list, list, int]:
    partner = store.partners[0]
    items, deleted = [], []
    while True:
        page = partner.changes(resource, since, limit)
        assert len(page.items) + len(page.deleted) <= limit
        items += page.items
        deleted += page.deleted
        since = page.next_seq
        if not page.has_more:
            return items, deleted, since


def test_small_pages_drain_every_record_once_in_change_order(store: Store) -> None:
    items, deleted, _ = drain(store, "subscriptions", limit=7)
    ids = [item["id"] for item in items]
    assert len(ids) == len(set(ids)) == len(store.partners[0].records("subscriptions"))
    versions = [item["version"] for item in items]
    assert versions == sorted(versions) and not deleted


def test_an_update_moves_the_record_to_the_end_of_the_feed_once(store: Store) -> None:
    partner = store.partners[0]
    _, _, head = drain(store, "clients")
    partner.update("clients", "c-000003", engagement_score=1)
    partner.update("clients", "c-000003", engagement_score=2)
    items, deleted, after = drain(store, "clients", since=head)
    assert [(i["id"], i["engagement_score"]) for i in items] == [("c-000003", 2)]
    assert not deleted and after == partner.head
    full, _, _ = drain(store, "clients")
    assert [i["id"] for i in full].count("c-000003") == 1 and full[-1]["id"] == "c-000003"


def test_an_unchanged_resource_keeps_its_token_while_others_change(store: Store) -> None:
    partner = store.partners[0]
    _, _, head = drain(store, "team")
    partner.update("clients", "c-000001", engagement_score=9)
    page = partner.changes("team", head, 100)
    assert page.items == [] and page.deleted == [] and not page.has_more
    assert page.next_seq == head


def test_deleting_leaves_a_tombstone_and_a_client_takes_its_dependents(store: Store) -> None:
    partner = store.partners[0]
    marks = {resource: drain(store, resource)[2] for resource in partner.feeds}
    subscriptions = partner.feeds["subscriptions"].ids_where("client_id", "c-000002")
    credits_before = partner.feeds["credits"].ids_where("client_id", "c-000002")
    assert subscriptions and partner.delete_client("c-000002")
    assert not partner.delete_client("c-000002")
    assert drain(store, "clients", marks["clients"])[:2] == ([], ["c-000002"])
    assert sorted(drain(store, "subscriptions", marks["subscriptions"])[1]) == subscriptions
    assert len(drain(store, "usage", marks["usage"])[1]) == 10
    assert drain(store, "renewals", marks["renewals"])[1] == ["r-000002"]
    assert partner.feeds["credits"].ids_where("client_id", "c-000002") == credits_before
    full_items, full_deleted, _ = drain(store, "clients")
    assert "c-000002" in full_deleted and "c-000002" not in {i["id"] for i in full_items}


def test_tokens_round_trip_and_foreign_tokens_expire(store: Store) -> None:
    partner_a, partner_b = store.partners
    token = store.change_token(partner_a, "clients", 5)
    assert store.parse_change_token(partner_a, "clients", token) == 5
    other_run = Store.generate(60, seed=7, today=TODAY, tokens=["x", "y"])
    foreign = [
        other_run.change_token(other_run.partners[0], "clients", 5),  # another epoch
        store.change_token(partner_b, "clients", 5),  # another partner
        store.change_token(partner_a, "renewals", 5),  # another resource
        store.change_token(partner_a, "clients", partner_a.head + 1),  # never issued
        "not base64 at all!",
        "",
    ]
    for bad in foreign:
        with pytest.raises(TokenExpired):
            store.parse_change_token(partner_a, "clients", bad)


def test_credentials_and_constant_time_lookup(store: Store) -> None:
    (name_a, token_a), (name_b, token_b) = store.credentials()
    assert store.authenticate(token_a) is store.partners[0]
    assert store.authenticate(token_b) is store.partners[1]
    assert store.authenticate(token_a + "x") is None and store.authenticate("") is None
    assert name_a == store.partners[0].partner["name"] != name_b


def test_generated_tokens_are_random_and_distinct() -> None:
    first = Store.generate(5, seed=1, today=TODAY)
    second = Store.generate(5, seed=1, today=TODAY)
    tokens = [token for _, token in first.credentials() + second.credentials()]
    assert len(set(tokens)) == 4 and all(len(token) >= 32 for token in tokens)
    assert first.epoch != second.epoch
