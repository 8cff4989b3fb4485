"""Alert documents from matches: ids, severity, ATT&CK, lifted fields, summaries."""

from __future__ import annotations

from datetime import UTC, datetime

from secops.alerts.build import Grouping, from_correlation, from_rule_match, merge, parse_threat
from secops.detect.models import CorrelationMatch, RuleMatch, RuleMeta

from .factories import BRUTE_RULE, SSH_RULE, brute_match, ssh_match

NOW = datetime(2025, 3, 1, 10, 5, tzinfo=UTC)
GROUPED = Grouping(window=300, fields_by_rule={})
UNGROUPED = Grouping(window=0, fields_by_rule={})


def test_ids_are_deterministic_and_depend_on_group_and_window() -> None:
    a, _ = from_rule_match(ssh_match(1), grouping=GROUPED, now=NOW)
    b, _ = from_rule_match(ssh_match(2, ts="2025-03-01T10:04:59Z"), grouping=GROUPED, now=NOW)
    later, _ = from_rule_match(ssh_match(3, ts="2025-03-01T10:05:00Z"), grouping=GROUPED, now=NOW)
    other, _ = from_rule_match(ssh_match(4, source="10.0.0.9"), grouping=GROUPED, now=NOW)
    assert a == b
    assert len({a, later, other}) == 3


def test_ungrouped_ids_follow_the_event() -> None:
    a, _ = from_rule_match(ssh_match(1), grouping=UNGROUPED, now=NOW)
    again, _ = from_rule_match(ssh_match(1), grouping=UNGROUPED, now=NOW)
    b, _ = from_rule_match(ssh_match(2), grouping=UNGROUPED, now=NOW)
    assert a == again != b


def test_group_by_comes_from_settings_or_tags() -> None:
    by_source = Grouping(window=300, fields_by_rule={"ssh_failed_login": ["source.ip"]})
    a, doc = from_rule_match(ssh_match(1, user="root"), grouping=by_source, now=NOW)
    b, _ = from_rule_match(ssh_match(2, user="admin"), grouping=by_source, now=NOW)
    assert a == b
    assert doc.stored()["group"] == {"source.ip": "183.62.140.253"}
    tagged = SSH_RULE.model_copy(update={"tags": ("secops.group_by.user.name",)})
    _, doc = from_rule_match(ssh_match(1, rule=tagged), grouping=GROUPED, now=NOW)
    assert doc.stored()["group"] == {"user.name": "root"}
    none = SSH_RULE.model_copy(update={"tags": ("secops.group_by.none",)})
    x, _ = from_rule_match(ssh_match(1, rule=none), grouping=GROUPED, now=NOW)
    y, _ = from_rule_match(ssh_match(2, rule=none), grouping=GROUPED, now=NOW)
    assert x != y


def test_severity_risk_threat_and_lifted_fields() -> None:
    _, alert = from_rule_match(ssh_match(1), grouping=GROUPED, now=NOW)
    doc = alert.stored()
    assert (doc["severity"], doc["severity_rank"], doc["risk_score"]) == ("medium", 2, 47)
    assert doc["threat"] == {"tactics": ["credential-access"], "techniques": ["T1110", "T1110.001"]}
    assert doc["tags"] == ["cve.2024-0001"]
    assert doc["host"]["name"] == "LabSZ"
    assert doc["user"]["name"] == "root"
    assert doc["source"]["ip"] == "183.62.140.253"
    assert doc["event_ids"] == ["ev-1"]
    assert doc["events"][0]["message"].startswith("Failed password")
    assert doc["kind"] == "detection"
    assert doc["confidential"] is False
    assert doc["summary"] == "SSH failed login: by root from 183.62.140.253 on LabSZ"


def test_levels_map_to_elastic_like_risk_scores() -> None:
    scores = {}
    for level in ("informational", "low", "medium", "high", "critical"):
        rule = SSH_RULE.model_copy(update={"level": level})
        _, doc = from_rule_match(ssh_match(1, rule=rule), grouping=GROUPED, now=NOW)
        scores[level] = (doc.stored()["severity_rank"], doc.stored()["risk_score"])
    assert [s[0] for s in scores.values()] == [0, 1, 2, 3, 4]
    assert scores["critical"][1] == 99
    assert scores["low"][1] == 21


def test_confidential_follows_the_tag_only() -> None:
    tagged = RuleMeta(id="r", title="t", tags=("secops.confidentiality",))
    _, doc = from_rule_match(ssh_match(1, rule=tagged), grouping=GROUPED, now=NOW)
    assert doc.stored()["confidential"] is True
    # e-voting integrity and portal attacks live beside the DMS rules but are not secrets
    for rule in (
        RuleMeta(id="r", title="t", logsource={"product": "parliament"}),
        RuleMeta(id="r", title="t", path="rules/parliament/evoting.yml"),
    ):
        _, doc = from_rule_match(ssh_match(1, rule=rule), grouping=GROUPED, now=NOW)
        assert doc.stored()["confidential"] is False


def test_parse_threat_keeps_groups_and_software_as_tags() -> None:
    tactics, techniques, other = parse_threat(("attack.g0016", "attack.s0002", "attack.execution"))
    assert tactics == ["execution"]
    assert techniques == []
    assert other == ["attack.g0016", "attack.s0002"]


def test_parse_threat_keeps_data_sources_as_tags() -> None:
    # SigmaHQ tags a few rules with ATT&CK data sources (attack.ds0005): not tactics.
    tactics, techniques, other = parse_threat(("attack.ds0005", "attack.defense-evasion"))
    assert tactics == ["defense-evasion"]
    assert techniques == []
    assert other == ["attack.ds0005"]


def test_correlation_alert_carries_group_and_readable_summary() -> None:
    ids = [f"ev-{i}" for i in range(12)]
    alert_id, alert = from_correlation(brute_match(ids), grouping=GROUPED, now=NOW)
    doc = alert.stored()
    again, _ = from_correlation(brute_match(ids), grouping=GROUPED, now=NOW)
    assert alert_id == again
    assert doc["kind"] == "correlation"
    assert doc["group"] == {"source.ip": "183.62.140.253", "host.name": "LabSZ"}
    assert doc["source"]["ip"] == "183.62.140.253"
    assert doc["count"] == 12
    assert doc["rule"]["id"] == BRUTE_RULE.id
    assert doc["summary"] == "SSH brute force: 12 (event count) from 183.62.140.253 on LabSZ in 4m"


def test_merge_counts_new_events_and_ignores_replays() -> None:
    _, first = from_rule_match(ssh_match(1), grouping=GROUPED, now=NOW)
    _, second = from_rule_match(ssh_match(2, ts="2025-03-01T10:03:00Z"), grouping=GROUPED, now=NOW)
    assert merge(first, second, max_event_ids=10)
    assert not merge(first, second, max_event_ids=10)
    assert first.stored()["count"] == 2
    assert first.stored()["event_ids"] == ["ev-1", "ev-2"]
    assert first.stored()["last_seen"] == "2025-03-01T10:03:00.000Z"
    assert first.stored()["summary"].endswith("in 3m")
    assert first.stored()["summary"].startswith("SSH failed login: 2 events")


def test_merge_caps_event_ids_but_keeps_counting() -> None:
    _, doc = from_rule_match(ssh_match(0), grouping=GROUPED, now=NOW)
    for n in range(1, 6):
        _, more = from_rule_match(ssh_match(n), grouping=GROUPED, now=NOW)
        merge(doc, more, max_event_ids=3)
    assert doc.stored()["count"] == 6
    assert doc.stored()["event_ids"] == ["ev-0", "ev-1", "ev-2"]


def test_a_document_alert_names_the_person_and_the_papers() -> None:
    rule = RuleMeta(id="ntk", title="Classified Paper Of Another Committee Read")
    event = {
        "@timestamp": "2026-03-14T07:30:00Z",
        "user": {"name": "u011", "id": "u011", "full_name": "Sara Kazemi"},
        "source": {"ip": "10.1.0.21"},
        "parliament": {
            "document": {"id": "DOC-7", "classification": "secret", "committee": "defence"}
        },
    }
    _, doc = from_rule_match(
        RuleMatch(rule=rule, event=event, event_id="e"), grouping=GROUPED, now=NOW
    )
    assert doc.summary == (
        "Classified Paper Of Another Committee Read: of secret defence papers by Sara Kazemi "
        "from 10.1.0.21"
    )
    assert doc.stored()["parliament"]["document"]["id"] == "DOC-7"
    assert doc.stored()["user"]["id"] == "u011"


def test_a_value_count_alert_lists_what_it_counted_and_whom() -> None:
    match = CorrelationMatch(
        rule=RuleMeta(id="bulk", title="Bulk Retrieval", kind="correlation"),
        correlation_type="value_count",
        group={"user.id": "u069"},
        first_seen="2026-03-15T09:35:00Z",
        last_seen="2026-03-15T09:57:00Z",
        value=12.0,
        event_ids=[f"e{i}" for i in range(12)],
        base_rules=["retrieval"],
        values=[f"DOC-{i}" for i in range(12)],
        counted="parliament.document.id",
        subject={
            "user.full_name": "Sara Hosseini",
            "source.ip": "10.1.0.79",
            "parliament.document.classification": ["confidential", "secret"],
            "parliament.document.committee": "health",
        },
    )
    _, doc = from_correlation(match, grouping=GROUPED, now=NOW)
    assert doc.summary == (
        "Bulk Retrieval: 12 distinct parliament.document.id of confidential/secret health papers "
        "by Sara Hosseini from 10.1.0.79 in 22m"
    )
    assert doc.stored()["correlation"]["values"] == [f"DOC-{i}" for i in range(12)]
    assert doc.stored()["correlation"]["field"] == "parliament.document.id"
    assert doc.stored()["user"] == {"id": "u069", "full_name": "Sara Hosseini"}
