"""Sigma filters and per-rule overrides in a running pipeline: what they drop, the counts
in the API and at /metrics, hot reload, and the audit entries of every change."""

from __future__ import annotations

import time
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from auth.support import person
from fastapi.testclient import TestClient
from polling import wait_until
from rules_api_support import GOOD_RULE, SSH_SEEN_ID, SSHD, count_alerts, sshd_failures
from scanner_filter import SCANNER_FILTER

from api.app import create_app
from secops import audit
from secops.accounting import Metrics, process_metrics
from secops.context import Context, build_context
from secops.normalize import normalize
from secops.pipeline.service import Pipeline, start_pipeline
from secops.records import RawRecord
from secops.rules.detector import RuleReloader, build_detector
from secops.settings import Settings


def _filter(filter_id: str, cidr: str) -> str:
    return SCANNER_FILTER.format(id=filter_id, rule=SSH_SEEN_ID, cidr=cidr)


def scanner_failures(start: int, n: int) -> list[RawRecord]:
    return [
        RawRecord(
            source=SSHD,
            received_at=time.time(),
            message=f"<38>Jan 10 11:{i // 60:02d}:{i % 60:02d} LabSZ sshd[{2000 + i}]: "
            f"Failed password for root from 10.20.1.5 port {50000 + i} ssh2",
        )
        for i in range(start, start + n)
    ]


@pytest.fixture
def filter_id() -> str:
    """A filter id of this test alone: the process's drop counts outlive a test."""
    return str(uuid.uuid4())


@pytest.fixture
def ctx(settings: Settings, tmp_path: Path, filter_id: str) -> Iterator[Context]:
    rule_dir = tmp_path / "rules"
    rule_dir.mkdir()
    (rule_dir / "ssh_seen.yml").write_text(GOOD_RULE)
    (rule_dir / "scanner_filter.yml").write_text(_filter(filter_id, "10.20.0.0/16"))
    overrides = tmp_path / "overrides.yml"
    overrides.write_text(f"{SSH_SEEN_ID}:\n  level: critical\n  reason: root logins matter here\n")
    update = {
        "rule_dirs": [rule_dir],
        "rule_overrides_file": overrides,
        "alert_group_window_seconds": 0,
    }
    context = build_context(settings.model_copy(update=update))
    yield context
    context.close()


@pytest.fixture
def pipeline(ctx: Context) -> Iterator[Pipeline]:
    running = start_pipeline(ctx, detector=build_detector(ctx), metrics=Metrics())
    yield running
    running.stop()


def _deliver(pipeline: Pipeline, records: list[RawRecord]) -> None:
    target = pipeline.worker.delivered + len(records)
    pipeline.spool.append(records)
    wait_until(lambda: pipeline.worker.delivered >= target, timeout=60, what="records delivered")


def _tuning_entries(ctx: Context) -> list[tuple[str, str]]:
    ctx.es.indices.refresh(index=ctx.names.audit)
    trail = audit.list_entries(ctx, since=None).entries
    return [
        (e.action, e.target or "")
        for e in reversed(trail)
        if e.action.startswith(("rule.filter.", "rule.override."))
    ]


def test_filter_drops_what_it_names_counts_it_and_the_override_raises_the_level(
    ctx: Context, pipeline: Pipeline, filter_id: str
) -> None:
    _deliver(pipeline, scanner_failures(0, 2) + sshd_failures(0, 3))
    assert count_alerts(ctx, SSH_SEEN_ID) == 3  # the scanner's two are stored, not alerted
    ctx.es.indices.refresh(index=ctx.names.events_pattern)
    assert ctx.es.count(index=ctx.names.events_pattern)["count"] == 5
    alerts = ctx.es.search(index=ctx.names.alerts, query={"term": {"rule.id": SSH_SEEN_ID}})
    assert {h["_source"]["severity"] for h in alerts["hits"]["hits"]} == {"critical"}

    with TestClient(create_app(ctx.settings, context=ctx)) as client:
        auditor = person(ctx, client, "aude", "auditor")
        resp = client.get("/api/v1/rules/filters", headers=auditor)
        assert resp.status_code == 200, resp.text
        (item,) = resp.json()["items"]
        assert item["id"] == filter_id
        assert item["rules"] == [SSH_SEEN_ID]
        assert item["applied_to"] == [SSH_SEEN_ID]
        assert item["dropped"] == 2
        assert item["dropped_by_rule"] == {SSH_SEEN_ID: 2}
        assert resp.json()["errors"] == []

        rule = client.get(f"/api/v1/rules/{SSH_SEEN_ID}", headers=auditor).json()
        assert rule["level"] == "critical"
        assert rule["overridden"] == {"level": "high"}
        assert rule["status"] == "test"
        assert rule["filters"] == [filter_id]

    metrics = process_metrics().render().decode()
    line = f'secops_rule_filter_dropped_total{{filter="{filter_id}",rule="{SSH_SEEN_ID}"}} 2.0'
    assert line in metrics
    assert _tuning_entries(ctx) == [
        ("rule.filter.add", f"filter:{filter_id}"),
        ("rule.override.add", f"rule:{SSH_SEEN_ID}"),
    ]


def _events(records: list[RawRecord]) -> list[dict[str, Any]]:
    out = []
    for record in records:
        event = normalize(record)
        event.setdefault("secops", {})["record_id"] = record.record_id()
        out.append(event)
    return out


def test_filters_and_overrides_are_reloaded_and_each_change_audited(
    ctx: Context, filter_id: str
) -> None:
    detector = build_detector(ctx, reload_interval=0)
    reloader = detector.reload
    assert isinstance(reloader, RuleReloader)
    rule_dir = ctx.settings.rule_dirs[0]
    overrides = ctx.settings.rule_overrides_file
    assert overrides is not None

    def reloaded() -> bool:
        detector.detect([])  # starts a load when the files changed, or takes its result
        return not reloader.loading

    def fired(records: list[RawRecord]) -> list[str]:
        """The levels of the matches, once the rules of the files as they are now run."""
        wait_until(reloaded, timeout=60, what="rules reloaded")
        return [m.rule.level for m in detector.detect(_events(records))]

    assert fired(scanner_failures(0, 1)) == []
    # The scanner moved: the edited filter no longer covers it, and the other range is excluded.
    (rule_dir / "scanner_filter.yml").write_text(_filter(filter_id, "183.62.0.0/16"))
    overrides.write_text(f"{SSH_SEEN_ID}:\n  level: low\n")
    assert fired(scanner_failures(1, 1)) == ["low"]
    assert fired(sshd_failures(0, 1)) == []
    (rule_dir / "scanner_filter.yml").unlink()
    overrides.write_text("")
    assert fired(sshd_failures(1, 1)) == ["high"]
    # An edit that breaks the filter is reported and the rule runs unfiltered.
    (rule_dir / "scanner_filter.yml").write_text(
        _filter(filter_id, "10.20.0.0/16").replace(SSH_SEEN_ID, "no_such_rule")
    )
    assert fired(scanner_failures(2, 1)) == ["high"]
    assert _tuning_entries(ctx) == [
        ("rule.filter.add", f"filter:{filter_id}"),
        ("rule.override.add", f"rule:{SSH_SEEN_ID}"),
        ("rule.filter.change", f"filter:{filter_id}"),
        ("rule.override.change", f"rule:{SSH_SEEN_ID}"),
        ("rule.filter.remove", f"filter:{filter_id}"),
        ("rule.override.remove", f"rule:{SSH_SEEN_ID}"),
        ("rule.filter.add", f"filter:{filter_id}"),
    ]
    # A restart with unchanged files records nothing.
    build_detector(ctx)
    assert len(_tuning_entries(ctx)) == 7


def test_validating_a_filter_checks_its_references_against_the_loaded_rules(
    ctx: Context,
) -> None:
    with TestClient(create_app(ctx.settings, context=ctx)) as client:
        operator = person(ctx, client, "oscar", "soc_operator")
        headers = {**operator, "Content-Type": "application/yaml"}
        text = _filter(str(uuid.uuid4()), "10.30.0.0/16")
        good = client.post("/api/v1/rules/validate", content=text, headers=headers)
        assert good.status_code == 200, good.text
        assert good.json()["ok"] is True
        assert (good.json()["loaded"], good.json()["filters"]) == (0, 1)
        unknown = text.replace(f"- {SSH_SEEN_ID}", f"- {SSH_SEEN_ID}\n        - no_such_rule")
        bad = client.post("/api/v1/rules/validate", content=unknown, headers=headers).json()
        assert bad["ok"] is False
        (error,) = bad["errors"]
        assert error["line"] == 9
        assert error["location"].startswith("body:9: ")
        assert "'no_such_rule', which is not loaded" in error["reason"]
