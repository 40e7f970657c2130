"""Applying pushed actions (intents) to one partner's store, each at most once per key.

Only applied keys are remembered: a rejected or conflicting action changed nothing, so
evaluating it again cannot apply anything twice.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any

from backend.draw import Record
from backend.store import PartnerStore
from sync.wire import Action, ActionKind, ActionOutcome, ActionResult

# Which resource each kind targets, and the reason given when the id is not there. An id of
# another partner's record is simply not there: the answer must not reveal that it exists.
_TARGETS = {
    ActionKind.END_SERVICES: ("clients", "no such client"),
    ActionKind.SET_RENEWAL_OWNER: ("renewals", "no such renewal"),
    ActionKind.ASSIGN_OWNER: ("clients", "no such client"),
    ActionKind.ACK_ALERT: ("alerts", "no such alert"),
    ActionKind.SNOOZE_ALERT: ("alerts", "no such alert"),
    ActionKind.ASSIGN_ALERT: ("alerts", "no such alert"),
    ActionKind.RESOLVE_ALERT: ("alerts", "no such alert"),
}
_NOTE_TARGETS = {"client": ("clients", "no such client"), "alert": ("alerts", "no such alert")}
MAX_NOTE_LENGTH = 10_000
_NOTE_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


class Rejected(Exception):
    """The action cannot apply; the message is shown to the user as is."""


def apply_actions(partner: PartnerStore, actions: list[Action]) -> list[ActionResult]:
    with partner.lock:
        return [apply_action(partner, action) for action in actions]


def apply_action(partner: PartnerStore, action: Action) -> ActionResult:
    with partner.lock:
        if action.key in partner.applied_keys:
            return ActionResult(key=action.key, outcome=ActionOutcome.DUPLICATE)
        try:
            target = _target(partner, action)
            if (
                action.base_version is not None
                and action.kind is not ActionKind.ADD_NOTE
                and target["version"] != action.base_version
            ):
                return ActionResult(
                    key=action.key,
                    outcome=ActionOutcome.CONFLICT,
                    reason=f"changed on the server since version {action.base_version}",
                    current=target,
                )
            current: Record | None
            if action.kind is ActionKind.ADD_NOTE:
                current = _note(partner, target, action.payload, action.target_id)
            else:
                current = _HANDLERS[action.kind](partner, target, action.payload)
        except Rejected as rejected:
            return ActionResult(
                key=action.key, outcome=ActionOutcome.REJECTED, reason=str(rejected)
            )
        partner.applied_keys.add(action.key)
        return ActionResult(key=action.key, outcome=ActionOutcome.APPLIED, current=current)


def _target(partner: PartnerStore, action: Action) -> Record:
    if action.kind is ActionKind.ADD_NOTE:
        # The action creates the note under the id the console chose (`target_id`), so the
        # console's offline copy and the server's are one record; the note's subject is named
        # in the payload.
        target_type = action.payload.get("target_type")
        if target_type not in _NOTE_TARGETS:
            raise Rejected("target_type must be 'client' or 'alert'")
        resource, missing = _NOTE_TARGETS[target_type]
        subject_id = action.payload.get("target_id")
    else:
        resource, missing = _TARGETS[action.kind]
        subject_id = action.target_id
    target = partner.get(resource, subject_id) if isinstance(subject_id, str) else None
    if target is None:
        raise Rejected(missing)
    return target


def _text(payload: dict[str, Any], name: str) -> str:
    value = payload.get(name)
    if not isinstance(value, str) or not value.strip():
        raise Rejected(f"{name} must be a non-empty string")
    if len(value) > MAX_NOTE_LENGTH:
        raise Rejected(f"{name} is longer than {MAX_NOTE_LENGTH} characters")
    return value


def _employee_or_none(partner: PartnerStore, payload: dict[str, Any], name: str) -> str | None:
    if name not in payload:
        raise Rejected(f"{name} is required (an employee's email, or null)")
    value = payload[name]
    if value is None:
        return None
    known = {employee["email"] for employee in partner.records("employees")}
    if value not in known:
        raise Rejected(f"{name} must be the email of one of the partner's employees, or null")
    return str(value)


def _open_alert(alert: Record) -> None:
    if alert["status"] == "resolved":
        raise Rejected("the alert is already resolved")


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _add_note(
    partner: PartnerStore,
    target_type: str,
    target_id: str,
    text: str,
    author: str,
    note_id: str | None = None,
) -> Record:
    note = {
        # "a" keeps ids the server makes apart from generated ones.
        "id": note_id or f"n-a{partner.head + 1}",
        "version": 0,
        "target_type": target_type,
        "target_id": target_id,
        "author": author,
        "text": text,
        "created_at": _now(),
    }
    return partner.put("notes", note)


def _end_services(partner: PartnerStore, client: Record, payload: dict[str, Any]) -> None:
    partner.delete_client(client["id"])


def _set_renewal_owner(partner: PartnerStore, renewal: Record, payload: dict[str, Any]) -> Record:
    owner = payload.get("owner")
    if owner not in ("partner", "hubspot"):
        raise Rejected("owner must be 'partner' or 'hubspot'")
    return partner.update("renewals", renewal["id"], communication_owner=owner)


def _assign_owner(partner: PartnerStore, client: Record, payload: dict[str, Any]) -> Record:
    owner = _employee_or_none(partner, payload, "owner_email")
    return partner.update("clients", client["id"], owner_email=owner)


def _note(partner: PartnerStore, target: Record, payload: dict[str, Any], note_id: str) -> Record:
    if not _NOTE_ID.fullmatch(note_id):
        raise Rejected("a note id is 1 to 64 letters, digits, '-' or '_'")
    if partner.get("notes", note_id) is not None:
        raise Rejected("a note with this id already exists")
    text = _text(payload, "text")
    author = _text(payload, "author")
    return _add_note(partner, payload["target_type"], target["id"], text, author, note_id)


def _ack(partner: PartnerStore, alert: Record, payload: dict[str, Any]) -> Record:
    _open_alert(alert)
    return partner.update("alerts", alert["id"], status="acknowledged", snoozed_until=None)


def _snooze(partner: PartnerStore, alert: Record, payload: dict[str, Any]) -> Record:
    _open_alert(alert)
    try:
        until = date.fromisoformat(str(payload.get("until")))
    except ValueError:
        raise Rejected("until must be an ISO date (YYYY-MM-DD)") from None
    if until <= partner.today:
        raise Rejected(f"until must be after today ({partner.today.isoformat()})")
    reason = payload.get("reason")
    if reason is not None and not isinstance(reason, str):
        raise Rejected("reason must be a string")
    updated = partner.update(
        "alerts", alert["id"], status="snoozed", snoozed_until=until.isoformat()
    )
    if reason and reason.strip():
        # The alert has no reason field, so the reason is kept as a note on the alert.
        author = payload.get("author")
        if not isinstance(author, str) or not author.strip():
            author = "partnerops"
        note_id = payload.get("note_id")
        if note_id is not None and (
            not isinstance(note_id, str)
            or not _NOTE_ID.fullmatch(note_id)
            or partner.get("notes", note_id) is not None
        ):
            raise Rejected("note_id must be a new id of 1 to 64 letters, digits, '-' or '_'")
        text = f"Snoozed until {until}: {reason}"
        _add_note(partner, "alert", alert["id"], text, author, note_id)
    return updated


def _assign_alert(partner: PartnerStore, alert: Record, payload: dict[str, Any]) -> Record:
    assignee = _employee_or_none(partner, payload, "assignee")
    return partner.update("alerts", alert["id"], assignee=assignee)


def _resolve(partner: PartnerStore, alert: Record, payload: dict[str, Any]) -> Record:
    return partner.update("alerts", alert["id"], status="resolved", snoozed_until=None)


_HANDLERS: dict[ActionKind, Callable[[PartnerStore, Record, dict[str, Any]], Record | None]] = {
    ActionKind.END_SERVICES: _end_services,
    ActionKind.SET_RENEWAL_OWNER: _set_renewal_owner,
    ActionKind.ASSIGN_OWNER: _assign_owner,
    ActionKind.ACK_ALERT: _ack,
    ActionKind.SNOOZE_ALERT: _snooze,
    ActionKind.ASSIGN_ALERT: _assign_alert,
    ActionKind.RESOLVE_ALERT: _resolve,
}
