"""The Inbox's alert detail: a merged item names each rule as words, one per line, with the
values it fired on."""

from __future__ import annotations

from console.widgets.alert_detail import detail_text
from local_store.alerts import AlertDetail, AlertListRow


def local_item(rule: str, fired_values: dict) -> AlertDetail:
    row = AlertListRow(
        id="local:engagement_risk:c-1",
        source="local",
        kind="engagement_risk",
        severity="warning",
        title="Engagement low at Alder Analytics",
        client_id="c-1",
        client_name="Alder Analytics",
        due_date=None,
        status="open",
        assignee=None,
        raised_at="2026-11-23T06:00:00+00:00",
        mrr_cents=119_400,
    )
    return AlertDetail(row, rule, "Engagement 2 of 10.", fired_values, None, (), None, (), None)


def test_a_merged_item_lists_each_rule_as_words_with_its_values() -> None:
    detail = local_item(
        "engagement_low,adoption_gap",
        {
            "engagement_low": {"score": 2},
            "adoption_gap": {"hubs": ["Sales Hub", "Service Hub"], "points": {"Sales": 0}},
        },
    )
    lines = detail_text(detail).plain.splitlines()
    assert "engagement_low" not in "\n".join(lines)
    why = lines.index("Why (2 rules)")
    assert lines[why + 1 : why + 3] == [
        "  Engagement low: score 2",
        "  Adoption gap: hubs Sales Hub, Service Hub, points Sales 0",
    ]


def test_nested_values_read_as_fields_and_one_rule_reads_why() -> None:
    detail = local_item(
        "expansion_fit",
        {
            "expansion_fit": {
                "leads": [
                    {"category": "Sales", "points": 40, "hub": "Sales Hub", "owned": False},
                ],
                "days_left": None,
            }
        },
    )
    lines = detail_text(detail).plain.splitlines()
    why = lines.index("Why")
    assert lines[why + 1] == (
        "  Expansion fit: leads category Sales, points 40, hub Sales Hub, owned no, days left none"
    )
