"""The inbox's queries: the filter language, sections, and triage of both kinds of alert."""

from __future__ import annotations

import sqlite3
from datetime import date, timedelta
from pathlib import Path

import pytest
from crafted_cache import TODAY, add_backend_alert, add_client, add_renewal, new_cache

from local_store import alert_triage, outbox
from local_store.alert_filter import (
    ARCHETYPE_SECTIONS,
    FilterError,
    Section,
    compile_filter,
    inbox_sections,
)
from local_store.alert_rules import evaluate_rules
from local_store.alerts import (
    SectionCount,
    SourceCount,
    alert_detail,
    section_counts,
    section_rows,
)
from local_store.health import SettingsError, refresh_health

ME = "ana@partner.test"


@pytest.fixture
def conn(tmp_path: Path) -> sqlite3.Connection:
    """Backend renewal alerts on two clients, and local alerts from the rules."""
    connection = new_cache(tmp_path)
    connection.execute(
        "INSERT INTO employee (id, version, name, email, archetype) VALUES "
        "('e1', 1, 'Ana Lima', 'ana@partner.test', 'value_driver'), "
        "('e2', 1, 'Ben Ode', 'ben@partner.test', 'implementer')"
    )
    add_client(connection, "mine", owner=ME, engagement=2)
    add_renewal(connection, "mine", days_to_deadline=20)
    add_backend_alert(connection, "a-mine", "mine", due=TODAY + timedelta(days=20))
    add_client(connection, "theirs", owner="ben@partner.test", setup_issues=("permission gap",))
    add_renewal(connection, "theirs", days_to_deadline=60)
    add_backend_alert(connection, "a-theirs", "theirs", due=TODAY + timedelta(days=60))
    evaluate_rules(connection, {}, TODAY)
    refresh_health(connection, {}, TODAY)
    return connection


def ids(conn: sqlite3.Connection, text: str, search: str = "") -> list[str]:
    _, rows = section_rows(conn, Section("test", text), ME, TODAY, search)
    return [row.id for row in rows]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        # Most at stake first: the same MRR, so the nearer deadline, then the severity.
        ("", ["a-mine", "a-theirs", "local:setup_issue:theirs", "local:engagement_risk:mine"]),
        ("mine and kind:renewal and due<45d", ["a-mine"]),
        ("kind:renewal due<=20d", ["a-mine"]),
        ("kind:renewal and due<20d", []),
        (
            "kind:engagement or kind:setup",
            ["local:setup_issue:theirs", "local:engagement_risk:mine"],
        ),
        ("source:backend and not mine", ["a-theirs"]),
        (
            "(kind:setup or kind:renewal) and owner:ben@partner.test",
            ["a-theirs", "local:setup_issue:theirs"],
        ),
        ("severity:critical,info", ["local:engagement_risk:mine"]),
        ('client:"Client the"', ["a-theirs", "local:setup_issue:theirs"]),
        ("health:red", []),
        ("health<100 and source:local", ["local:setup_issue:theirs", "local:engagement_risk:mine"]),
        ("rule:engagement_low", ["local:engagement_risk:mine"]),
        ("rule:engagement_drop,setup_issue", ["local:setup_issue:theirs"]),
        ("rule:engagement", []),
        ("comms:partner and kind:renewal", ["a-mine", "a-theirs"]),
        ("comms:hubspot", []),
        ("impact>=25 and source:local", ["local:setup_issue:theirs", "local:engagement_risk:mine"]),
        ("impact>25 and source:local", ["local:setup_issue:theirs"]),
        ("unassigned and overdue", []),
    ],
)
def test_filter_language(conn: sqlite3.Connection, text: str, expected: list[str]) -> None:
    assert ids(conn, text) == expected


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("mine and", "the filter ends where a term was expected"),
        ("kind:renewal or or mine", "unexpected 'or' at column 17"),
        ("colour:red", "unknown term 'colour:red' at column 1"),
        ("severity:urgent", "severity:urgent at column 1: use info, warning, critical"),
        ("due<45", "'due<45' at column 1: write due<45d"),
        ("(mine", "the '(' at column 1 is never closed"),
        ("mine)", "unexpected ')' at column 5"),
        ("kind>3", "only health, due and impact compare"),
        ("impact>lots", "impact compares with a number"),
        ("health<lots", "health compares with a number"),
        ("mine & kind:x", "cannot read '&' at column 6"),
    ],
)
def test_filter_errors_are_one_line(text: str, message: str) -> None:
    with pytest.raises(FilterError) as raised:
        compile_filter(text, ME, TODAY)
    assert message in str(raised.value)
    assert "\n" not in str(raised.value)


def test_user_values_are_parameters_not_sql() -> None:
    compiled = compile_filter('client:"x\' OR 1=1 --" and assignee:me', ME, TODAY)
    assert "OR 1=1" not in compiled.sql
    assert "x' OR 1=1 --" in "".join(str(v) for v in compiled.params.values())


def test_snoozed_alerts_are_quiet_until_their_date(conn: sqlite3.Connection) -> None:
    alert_triage.snooze(conn, "a-theirs", TODAY + timedelta(days=3), "call Friday", ME, TODAY)
    assert "a-theirs" not in ids(conn, "")
    assert ids(conn, "status:snoozed") == ["a-theirs"]
    later = TODAY + timedelta(days=3)
    _, rows = section_rows(conn, Section("all", ""), ME, later)
    assert "a-theirs" in [row.id for row in rows]
    assert next(row.status for row in rows if row.id == "a-theirs") == "open"


def test_search_within_a_section(conn: sqlite3.Connection) -> None:
    assert ids(conn, "", "permission") == ["local:setup_issue:theirs"]
    assert ids(conn, "", "100%") == []


def test_sections_default_per_archetype_and_counts(conn: sqlite3.Connection) -> None:
    sections = inbox_sections({}, "value_driver")
    assert sections == ARCHETYPE_SECTIONS["value_driver"]
    # Renewals, engagement at risk (not the steady Low one: info), expansion; the catch-alls.
    counts = section_counts(conn, sections, ME, TODAY)
    assert [count.total for count in counts] == [1, 0, 0, 2, 4]
    # The renewal is a backend alert: its section's pages need not read the local ones.
    # Two backend and two local alerts; one renewal among the first, none among the others.
    assert counts[0] == SectionCount(SourceCount(1, 2, 2), SourceCount(0, 2, 0))
    assert (counts[3].backend.matches, counts[3].local.matches) == (1, 1)
    assert [s.beyond for s in sections] == [False, False, False, True, True]
    assert inbox_sections({}, "implementer")[0].name == "My setup issues"
    assert inbox_sections({}, "deal_closer")[0].filter.startswith("mine and ")


def test_a_profile_without_a_user_gets_every_clients_sections(conn: sqlite3.Connection) -> None:
    sections = inbox_sections({}, "value_driver", for_user=False)
    assert [s.name for s in sections] == [
        "Renewals in 45 days (all clients)",
        "Engagement at risk (all clients)",
        "Expansion fits (all clients)",
        "Everything open",
    ]
    assert all("mine" not in s.filter for s in sections)
    assert [count.total for count in section_counts(conn, sections, None, TODAY)] == [1, 0, 0, 4]


def test_sections_from_the_config() -> None:
    settings = {"inbox": {"sections": [{"name": "Fires", "filter": "severity:critical"}]}}
    assert inbox_sections(settings, "implementer") == (Section("Fires", "severity:critical"),)


@pytest.mark.parametrize(
    ("sections", "message"),
    [
        ([{"name": "Bad", "filter": "mine and"}], "inbox.sections #1 (Bad): the filter ends"),
        ([{"filter": "mine"}], "inbox.sections #1 needs a name"),
        ("mine", "inbox.sections must be a list"),
    ],
)
def test_bad_sections_say_which(sections: object, message: str) -> None:
    with pytest.raises(SettingsError, match=message.replace("(", r"\(").replace(")", r"\)")):
        inbox_sections({"inbox": {"sections": sections}}, "value_driver")


def test_detail_has_rule_values_notes_and_health(conn: sqlite3.Connection) -> None:
    alert_triage.add_note(conn, "local:engagement_risk:mine", "called them", ME)
    detail = alert_detail(conn, "local:engagement_risk:mine", TODAY)
    assert detail is not None
    assert detail.rule == "engagement_low"
    assert detail.fired_values == {"engagement_low": {"score": 2}}
    assert detail.row.impact == 25.0  # $500 sourced: 25 points × 1 (no due date) × 1 (info)
    assert detail.row.stake_points == 25.0
    assert [note.text for note in detail.notes] == ["called them"]
    assert detail.health_score is not None and detail.health_score < 100
    assert detail.health_reasons[0]["label"].startswith("engagement 2")


def test_backend_triage_goes_through_the_outbox(conn: sqlite3.Connection) -> None:
    alert_triage.acknowledge(conn, "a-mine")
    alert_triage.assign(conn, "a-mine", "ben@partner.test")
    alert_triage.add_note(conn, "a-mine", "on it", ME)
    kinds = [entry.kind for entry in outbox.pending_actions(conn)]
    assert kinds == ["ack_alert", "assign_alert", "add_note"]
    assert ids(conn, "assignee:ben@partner.test") == ["a-mine"]


def test_local_triage_stays_local_and_undo_takes_the_newest(conn: sqlite3.Connection) -> None:
    alert_triage.acknowledge(conn, "a-mine")  # outbox
    alert_triage.resolve(conn, "local:setup_issue:theirs")  # local, after it
    assert [e.kind for e in outbox.pending_actions(conn)] == ["ack_alert"]
    assert "local:setup_issue:theirs" not in ids(conn, "")
    assert alert_triage.undo_last(conn) == "undid: resolved local:setup_issue:theirs"
    assert "local:setup_issue:theirs" in ids(conn, "")
    assert alert_triage.undo_last(conn) == "undid: ack alert on a-mine"
    assert alert_triage.undo_last(conn) is None


def test_undo_of_a_local_note_removes_it(conn: sqlite3.Connection) -> None:
    alert_triage.snooze(
        conn, "local:engagement_risk:mine", TODAY + timedelta(days=7), "vacation", ME, TODAY
    )
    assert len(alert_detail(conn, "local:engagement_risk:mine", TODAY).notes) == 1
    alert_triage.undo_last(conn)
    detail = alert_detail(conn, "local:engagement_risk:mine", TODAY)
    assert detail.notes == () and detail.row.status == "open"


@pytest.mark.parametrize(
    ("action", "message"),
    [
        (lambda c: alert_triage.assign(c, "a-mine", "eve@elsewhere.test"), "not one of the"),
        (lambda c: alert_triage.acknowledge(c, "nope"), "no alert 'nope'"),
        (lambda c: alert_triage.add_note(c, "a-mine", "  ", ME), "needs some text"),
    ],
)
def test_triage_refusals_are_one_line(conn: sqlite3.Connection, action, message: str) -> None:
    with pytest.raises(alert_triage.TriageError, match=message):
        action(conn)


def test_resolved_alerts_cannot_be_acknowledged(conn: sqlite3.Connection) -> None:
    alert_triage.resolve(conn, "local:engagement_risk:mine")
    with pytest.raises(alert_triage.TriageError, match="already resolved"):
        alert_triage.acknowledge(conn, "local:engagement_risk:mine")


@pytest.mark.parametrize(
    ("text", "expected"),
    [("3d", date(2026, 11, 26)), ("2w", date(2026, 12, 7)), ("2026-12-24", date(2026, 12, 24))],
)
def test_snooze_dates(text: str, expected: date) -> None:
    assert alert_triage.parse_until(text, TODAY) == expected


@pytest.mark.parametrize("text", ["0d", "2026-11-23", "soon", "3y"])
def test_bad_snooze_dates(text: str) -> None:
    with pytest.raises(alert_triage.TriageError):
        alert_triage.parse_until(text, TODAY)
