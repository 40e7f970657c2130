"""Applying pushed actions (intents) to one partner's records, each at most once per key.

Every kind is split in two: a planner that reads and validates the whole action and raises
`Rejected`, and the write it returns. Nothing is written until the planner has accepted
everything, so a rejected action changed nothing (docs/backend-api.md promises it). Only
applied keys are remembered: evaluating a rejected action again cannot apply anything twice.

The logic runs against `ActionStore`, which both the in-memory reference store and the team
server's database store implement.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any, Protocol

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
MAX_REASON_LENGTH = 1_000
MAX_AUTHOR_LENGTH = 200
MAX_KEY_LENGTH = 128
MAX_ID_LENGTH = 64
_NOTE_ID = re.compile(r"[A-Za-z0-9_-]{1,64}")


class Rejected(Exception):
    """The action cannot apply; the message is shown to the user as is."""


class ActionStore(Protocol):
    """What applying an action needs from one partner's records."""

    @property
    def today(self) -> date: ...

    def get(self, resource: str, record_id: str) -> Record | None: ...

    def put(self, resource: str, record: Record) -> Record: ...

    def update(self, resource: str, record_id: str, **changes: Any) -> Record: ...

    def delete_client(self, client_id: str) -> bool: ...

    def employee_emails(self) -> set[str]: ...

    def new_note_id(self) -> str: ...

    def is_applied(self, key: str) -> bool: ...

    def remember(self, key: str) -> None: ...


Write = Callable[[], Record | None]


def apply_actions(partner: PartnerStore, actions: list[Action]) -> list[ActionResult]:
    """The in-memory reference store: one lock around the batch keeps each action atomic."""
    with partner.lock:
        return [apply_action(partner, action) for action in actions]


def apply_action(store: ActionStore, action: Action, actor: str | None = None) -> ActionResult:
    """Apply one action; `actor` (a person's email, team server only) is stamped on the change.

    The caller holds whatever makes this atomic (a lock, or a database transaction).
    """
    if not 1 <= len(action.key) <= MAX_KEY_LENGTH:
        return _rejected(action, f"key must be 1 to {MAX_KEY_LENGTH} characters")
    if store.is_applied(action.key):
        return ActionResult(key=action.key, outcome=ActionOutcome.DUPLICATE)
    try:
        target = _target(store, action)
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
        write = _PLANNERS[action.kind](store, target, action, actor)
    except Rejected as rejected:
        return _rejected(action, str(rejected))
    current = write()
    store.remember(action.key)
    return ActionResult(key=action.key, outcome=ActionOutcome.APPLIED, current=current)


def _rejected(action: Action, reason: str) -> ActionResult:
    return ActionResult(
        key=action.key[:MAX_KEY_LENGTH], outcome=ActionOutcome.REJECTED, reason=reason
    )


def _target(store: ActionStore, action: Action) -> Record:
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
    if not isinstance(subject_id, str) or len(subject_id) > MAX_ID_LENGTH:
        raise Rejected(missing)
    target = store.get(resource, subject_id)
    if target is None:
        raise Rejected(missing)
    return target


def _text(payload: dict[str, Any], name: str, limit: int) -> str:
    value = payload.get(name)
    if not isinstance(value, str) or not value.strip():
        raise Rejected(f"{name} must be a non-empty string")
    if len(value) > limit:
        raise Rejected(f"{name} is longer than {limit} characters")
    return value


def _employee_or_none(store: ActionStore, payload: dict[str, Any], name: str) -> str | None:
    if name not in payload:
        raise Rejected(f"{name} is required (an employee's email, or null)")
    value = payload[name]
    if value is None:
        return None
    if not isinstance(value, str) or value not in store.employee_emails():
        raise Rejected(f"{name} must be the email of one of the partner's employees, or null")
    return value


def _new_note_id(store: ActionStore, note_id: Any, malformed: str, taken: str) -> str:
    if not isinstance(note_id, str) or not _NOTE_ID.fullmatch(note_id):
        raise Rejected(malformed)
    if store.get("notes", note_id) is not None:
        raise Rejected(taken)
    return note_id


def _open_alert(alert: Record) -> None:
    if alert["status"] == "resolved":
        raise Rejected("the alert is already resolved")


def _stamp(actor: str | None) -> dict[str, str]:
    """`changed_by` on a record changed by a known person (team server only; optional field)."""
    return {} if actor is None else {"changed_by": actor}


def _now() -> str:
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _note_record(note_id: str, target_type: str, target_id: str, text: str, author: str) -> Record:
    return {
        "id": note_id,
        "version": 0,
        "target_type": target_type,
        "target_id": target_id,
        "author": author,
        "text": text,
        "created_at": _now(),
    }


def _end_services(store: ActionStore, client: Record, action: Action, actor: str | None) -> Write:
    def write() -> None:
        store.delete_client(client["id"])

    return write


def _set_renewal_owner(
    store: ActionStore, renewal: Record, action: Action, actor: str | None
) -> Write:
    owner = action.payload.get("owner")
    if owner not in ("partner", "hubspot"):
        raise Rejected("owner must be 'partner' or 'hubspot'")
    changes = {"communication_owner": owner, **_stamp(actor)}
    return lambda: store.update("renewals", renewal["id"], **changes)


def _assign_owner(store: ActionStore, client: Record, action: Action, actor: str | None) -> Write:
    owner = _employee_or_none(store, action.payload, "owner_email")
    changes = {"owner_email": owner, **_stamp(actor)}
    return lambda: store.update("clients", client["id"], **changes)


def _note(store: ActionStore, target: Record, action: Action, actor: str | None) -> Write:
    note_id = _new_note_id(
        store,
        action.target_id,
        "a note id is 1 to 64 letters, digits, '-' or '_'",
        "a note with this id already exists",
    )
    text = _text(action.payload, "text", MAX_NOTE_LENGTH)
    author = _text(action.payload, "author", MAX_AUTHOR_LENGTH)
    # On the team server the author is the person whose token sent the note, not a claim.
    note = _note_record(note_id, action.payload["target_type"], target["id"], text, actor or author)
    return lambda: store.put("notes", note)


def _ack(store: ActionStore, alert: Record, action: Action, actor: str | None) -> Write:
    _open_alert(alert)
    changes = {"status": "acknowledged", "snoozed_until": None, **_stamp(actor)}
    return lambda: store.update("alerts", alert["id"], **changes)


def _snooze(store: ActionStore, alert: Record, action: Action, actor: str | None) -> Write:
    _open_alert(alert)
    payload = action.payload
    until_text = payload.get("until")
    try:
        if not isinstance(until_text, str):
            raise ValueError(until_text)
        until = date.fromisoformat(until_text)
    except ValueError:
        raise Rejected("until must be an ISO date (YYYY-MM-DD)") from None
    if until <= store.today:
        raise Rejected(f"until must be after today ({store.today.isoformat()})")
    reason = payload.get("reason")
    if reason is not None and not isinstance(reason, str):
        raise Rejected("reason must be a string")
    if reason is not None and len(reason) > MAX_REASON_LENGTH:
        raise Rejected(f"reason is longer than {MAX_REASON_LENGTH} characters")
    changes = {"status": "snoozed", "snoozed_until": until.isoformat(), **_stamp(actor)}
    if not (reason and reason.strip()):
        return lambda: store.update("alerts", alert["id"], **changes)
    # The alert has no reason field, so the reason is kept as a note on the alert.
    author = payload.get("author")
    if not isinstance(author, str) or not author.strip() or len(author) > MAX_AUTHOR_LENGTH:
        author = "partnerops"
    note_id = payload.get("note_id")
    if note_id is not None:
        wrong = "note_id must be a new id of 1 to 64 letters, digits, '-' or '_'"
        note_id = _new_note_id(store, note_id, wrong, wrong)
    text = f"Snoozed until {until}: {reason}"

    def write() -> Record:
        updated = store.update("alerts", alert["id"], **changes)
        note = _note_record(
            note_id or store.new_note_id(), "alert", alert["id"], text, actor or author
        )
        store.put("notes", note)
        return updated

    return write


def _assign_alert(store: ActionStore, alert: Record, action: Action, actor: str | None) -> Write:
    assignee = _employee_or_none(store, action.payload, "assignee")
    changes = {"assignee": assignee, **_stamp(actor)}
    return lambda: store.update("alerts", alert["id"], **changes)


def _resolve(store: ActionStore, alert: Record, action: Action, actor: str | None) -> Write:
    changes = {"status": "resolved", "snoozed_until": None, **_stamp(actor)}
    return lambda: store.update("alerts", alert["id"], **changes)


_PLANNERS: dict[ActionKind, Callable[[ActionStore, Record, Action, str | None], Write]] = {
    ActionKind.END_SERVICES: _end_services,
    ActionKind.SET_RENEWAL_OWNER: _set_renewal_owner,
    ActionKind.ASSIGN_OWNER: _assign_owner,
    ActionKind.ADD_NOTE: _note,
    ActionKind.ACK_ALERT: _ack,
    ActionKind.SNOOZE_ALERT: _snooze,
    ActionKind.ASSIGN_ALERT: _assign_alert,
    ActionKind.RESOLVE_ALERT: _resolve,
}
