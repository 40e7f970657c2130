"""Portfolios as a JSON file in the API's own shape (`--data FILE`), read and written.

    {"partners": [{"token": "...", "partner": {...}, "employees": [...], "team": [...],
                   "clients": [...], "subscriptions": [...], "renewals": [...], "usage": [...],
                   "credits": [...], "alerts": [...], "notes": [...]}]}

Records are wire dicts; `version` may be left out because the store assigns versions when it
loads. Validated records are kept as read (the console validates them with the same models).
"""

from __future__ import annotations

import json
from datetime import date
from pathlib import Path
from typing import Any

from pydantic import TypeAdapter, ValidationError

from backend.draw import Records
from backend.faults import Faults
from backend.generator import PartnerData
from backend.store import PartnerStore, Store
from sync.wire import RESOURCE_MODELS

LIST_RESOURCES = [resource for resource in RESOURCE_MODELS if resource != "partner"]
# Children whose `client_id` must name a client in the same partner. Credit events may outlive
# their client (churned credit is tier history), so they are not checked.
_CLIENT_CHILDREN = ("subscriptions", "renewals", "usage")


class DataFileError(Exception):
    """A data file that cannot be loaded; the message is one line for the user."""


def load_store(path: Path, faults: Faults | None = None, today: date | None = None) -> Store:
    entries = read_data_file(path)
    day = today or date.today()
    try:
        partners = [
            PartnerStore(index, token, records, day)
            for index, (token, records) in enumerate(entries)
        ]
        return Store(partners, faults)
    except ValueError as exc:
        raise DataFileError(f"{path}: {exc}") from None


def read_data_file(path: Path) -> list[tuple[str, Records]]:
    """(token, records per resource) for each partner in the file, validated."""
    try:
        document = json.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise DataFileError(f"{path}: no such file") from None
    except OSError as exc:
        raise DataFileError(f"{path}: cannot read ({exc.strerror})") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise DataFileError(f"{path}: not valid JSON ({exc})") from None
    if not isinstance(document, dict) or not isinstance(document.get("partners"), list):
        raise DataFileError(f'{path}: expected an object {{"partners": [...]}}')
    if not document["partners"]:
        raise DataFileError(f"{path}: the partners list is empty")
    entries = [
        _read_partner(f"{path}: partners[{index}]", entry)
        for index, entry in enumerate(document["partners"])
    ]
    tokens = [token for token, _ in entries]
    if len(set(tokens)) != len(tokens):
        raise DataFileError(f"{path}: two partners share a token")
    return entries


def _read_partner(where: str, entry: Any) -> tuple[str, Records]:
    if not isinstance(entry, dict):
        raise DataFileError(f"{where}: expected an object")
    unknown = sorted(set(entry) - {"token", *RESOURCE_MODELS})
    if unknown:
        raise DataFileError(f"{where}: unknown keys {', '.join(unknown)}")
    token = entry.get("token")
    if not isinstance(token, str) or not token.strip():
        raise DataFileError(f"{where}.token: must be a non-empty string")
    if not isinstance(entry.get("partner"), dict):
        raise DataFileError(f"{where}.partner: expected an object")
    records: Records = {"partner": [entry["partner"]]}
    for resource in LIST_RESOURCES:
        value = entry.get(resource, [])
        if not isinstance(value, list):
            raise DataFileError(f"{where}.{resource}: expected a list")
        records[resource] = value
    for resource, items in records.items():
        _validate(f"{where}.{resource}" if resource != "partner" else where, resource, items)
    _check_references(where, records)
    return token, records


def _validate(where: str, resource: str, items: list[Any]) -> None:
    for item in items:
        if isinstance(item, dict):
            item.setdefault("version", 0)
    try:
        TypeAdapter(list[RESOURCE_MODELS[resource]]).validate_python(items)  # type: ignore[valid-type]  # a model picked at run time
    except ValidationError as exc:
        problem = exc.errors()[0]
        location = list(problem["loc"])
        index = location.pop(0) if location else 0
        field = ".".join(str(part) for part in location)
        prefix = f"{where}.partner" if resource == "partner" else f"{where}[{index}]"
        raise DataFileError(f"{prefix}{'.' + field if field else ''}: {problem['msg']}") from None
    seen: set[str] = set()
    for index, item in enumerate(items):
        if item["id"] in seen:
            raise DataFileError(f"{where}[{index}].id: duplicate id {item['id']!r}")
        seen.add(item["id"])


def _check_references(where: str, records: Records) -> None:
    clients = {client["id"] for client in records["clients"]}
    alerts = {alert["id"] for alert in records["alerts"]}
    for resource in _CLIENT_CHILDREN:
        for index, item in enumerate(records[resource]):
            if item["client_id"] not in clients:
                raise DataFileError(f"{where}.{resource}[{index}].client_id: no such client")
    for index, alert in enumerate(records["alerts"]):
        if alert["client_id"] is not None and alert["client_id"] not in clients:
            raise DataFileError(f"{where}.alerts[{index}].client_id: no such client")
    for index, note in enumerate(records["notes"]):
        targets = clients if note["target_type"] == "client" else alerts
        if note["target_id"] not in targets:
            raise DataFileError(f"{where}.notes[{index}].target_id: no such {note['target_type']}")


def _entry(token: str, records: Records) -> dict[str, Any]:
    entry: dict[str, Any] = {"token": token, "partner": records["partner"][0]}
    entry.update({resource: records[resource] for resource in LIST_RESOURCES})
    return entry


def portfolios_to_document(portfolios: list[PartnerData], tokens: list[str]) -> dict[str, Any]:
    """Generator output in the data file's shape, one token per portfolio."""
    if len(tokens) != len(portfolios):
        raise ValueError("give exactly one token per portfolio")
    return {
        "partners": [
            _entry(token, portfolio.records)
            for portfolio, token in zip(portfolios, tokens, strict=True)
        ]
    }


def store_to_document(store: Store) -> dict[str, Any]:
    """The store's current records (deleted ones left out) in the data file's shape."""
    return {
        "partners": [
            _entry(
                partner.token, {resource: partner.records(resource) for resource in RESOURCE_MODELS}
            )
            for partner in store.partners
        ]
    }


def write_data_file(path: Path, document: dict[str, Any]) -> None:
    Path(path).write_text(json.dumps(document, separators=(",", ":")), encoding="utf-8")
