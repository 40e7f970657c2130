"""The JSON data file: a round trip of generated data, and one-line errors for bad files."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from backend_helpers import TODAY, TOKEN_A, TOKEN_B, TestClient, auth

from backend.app import create_app
from backend.datafile import (
    DataFileError,
    load_store,
    portfolios_to_document,
    store_to_document,
    write_data_file,
)
from backend.generator import generate
from backend.store import Store
from sync.wire import RESOURCE_MODELS


def without_versions(records: list[dict]) -> list[dict]:
    return [{k: v for k, v in record.items() if k != "version"} for record in records]


@pytest.fixture
def document() -> dict:
    return portfolios_to_document(generate(12, seed=4, today=TODAY), [TOKEN_A, TOKEN_B])


def test_generated_data_round_trips_through_a_file(tmp_path: Path, document: dict) -> None:
    path = tmp_path / "portfolio.json"
    write_data_file(path, document)
    store = load_store(path)
    assert [token for _, token in store.credentials()] == [TOKEN_A, TOKEN_B]
    fresh = generate(12, seed=4, today=TODAY)
    for partner, portfolio in zip(store.partners, fresh, strict=True):
        for resource in RESOURCE_MODELS:
            loaded = without_versions(partner.records(resource))
            assert loaded == without_versions(portfolio.records[resource]), resource
    with TestClient(create_app(store)) as api:
        page = api.get("/v1/changes/clients", headers=auth(TOKEN_B)).json()
    assert len(page["items"]) == 5


def test_a_store_dumps_its_current_state(tmp_path: Path) -> None:
    store = Store.generate(10, seed=2, today=TODAY, tokens=["one", "two"])
    store.partners[0].delete_client("c-000003")
    path = tmp_path / "state.json"
    write_data_file(path, store_to_document(store))
    reloaded = load_store(path)
    ids = {client["id"] for client in reloaded.partners[0].records("clients")}
    assert len(ids) == 9 and "c-000003" not in ids


def test_versions_may_be_left_out(tmp_path: Path, document: dict) -> None:
    for entry in document["partners"]:
        entry["partner"].pop("version")
        for resource in RESOURCE_MODELS:
            if resource != "partner":
                for record in entry[resource]:
                    record.pop("version")
    path = tmp_path / "bare.json"
    write_data_file(path, document)
    assert load_store(path).partners[0].head > 0


def break_it(document: dict, how: str) -> object:
    broken = copy.deepcopy(document)
    first = broken["partners"][0]
    if how == "mrr":
        first["clients"][2]["mrr_cents"] = "lots"
    elif how == "dangling":
        first["subscriptions"][0]["client_id"] = "c-nobody"
    elif how == "duplicate":
        first["clients"][1]["id"] = first["clients"][0]["id"]
    elif how == "same-token":
        broken["partners"][1]["token"] = first["token"]
    elif how == "unknown-key":
        first["planets"] = []
    elif how == "no-token":
        del first["token"]
    elif how == "partner":
        first["partner"]["credited_tier"] = "Bronze"
    elif how == "not-object":
        return ["partners"]
    elif how == "empty":
        broken["partners"] = []
    return broken


@pytest.mark.parametrize(
    ("how", "message"),
    [
        ("mrr", "partners[0].clients[2].mrr_cents: Input should be a valid integer"),
        ("dangling", "partners[0].subscriptions[0].client_id: no such client"),
        ("duplicate", "partners[0].clients[1].id: duplicate id 'c-000000'"),
        ("same-token", "two partners share a token"),
        ("unknown-key", "partners[0]: unknown keys planets"),
        ("no-token", "partners[0].token: must be a non-empty string"),
        ("partner", "partners[0].partner.credited_tier: Input should be"),
        ("not-object", 'expected an object {"partners": [...]}'),
        ("empty", "the partners list is empty"),
    ],
)
def test_bad_files_give_one_clear_line(
    tmp_path: Path, document: dict, how: str, message: str
) -> None:
    path = tmp_path / "bad.json"
    path.write_text(json.dumps(break_it(document, how)))
    with pytest.raises(DataFileError) as raised:
        load_store(path)
    assert message in str(raised.value)
    assert str(raised.value).startswith(str(path)) and "\n" not in str(raised.value)


def test_missing_and_unparsable_files(tmp_path: Path) -> None:
    with pytest.raises(DataFileError, match="no such file"):
        load_store(tmp_path / "absent.json")
    garbage = tmp_path / "garbage.json"
    garbage.write_text("{not json")
    with pytest.raises(DataFileError, match="not valid JSON"):
        load_store(garbage)
