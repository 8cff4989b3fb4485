"""Disabling a rule through the API silences it in a running pipeline; enabling restores it.

The pipeline is started as ``secops up`` starts it (``start_pipeline`` with
``build_detector``); records are appended to its spool and the alerts counted.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from auth.support import person
from fastapi.testclient import TestClient
from polling import wait_until
from rules_api_support import (
    GOOD_RULE,
    SSH_SEEN_ID,
    count_alerts,
    sshd_failures,
)

from api.app import create_app
from secops import audit
from secops.accounting import Metrics
from secops.context import Context, build_context
from secops.normalize import normalize
from secops.pipeline.service import Pipeline, start_pipeline
from secops.rules.detector import build_detector
from secops.rules.state import REFRESH_SECONDS, set_rule_state
from secops.settings import Settings


@pytest.fixture
def ctx(settings: Settings, tmp_path: Path) -> Iterator[Context]:
    rule_dir = tmp_path / "rules"
    rule_dir.mkdir()
    (rule_dir / "ssh_seen.yml").write_text(GOOD_RULE)
    # One alert per event, so the count of alerts is the count of matches.
    update = {"rule_dirs": [rule_dir], "alert_group_window_seconds": 0}
    context = build_context(settings.model_copy(update=update))
    yield context  # the settings fixture drops the namespace
    context.close()


@pytest.fixture
def pipeline(ctx: Context) -> Iterator[Pipeline]:
    running = start_pipeline(ctx, detector=build_detector(ctx), metrics=Metrics())
    yield running
    running.stop()


def _deliver(pipeline: Pipeline, start: int, n: int) -> None:
    """Append records and wait until the worker committed them (detection included)."""
    target = pipeline.worker.delivered + n
    pipeline.spool.append(sshd_failures(start, n))
    wait_until(
        lambda: pipeline.worker.delivered >= target, timeout=60, what=f"{n} records delivered"
    )


def test_disabled_rule_stops_alerting_and_enabled_rule_alerts_again(
    ctx: Context, pipeline: Pipeline
) -> None:
    with TestClient(create_app(ctx.settings, context=ctx)) as client:
        operator = person(ctx, client, "oscar", "soc_operator")
        _deliver(pipeline, 0, 3)
        assert count_alerts(ctx, SSH_SEEN_ID) == 3

        off = client.post(
            f"/api/v1/rules/{SSH_SEEN_ID}/disable",
            json={"reason": "noise while the bastion is rebuilt"},
            headers=operator,
        )
        assert off.status_code == 200, off.text
        time.sleep(REFRESH_SECONDS + 0.5)  # the detector re-reads the state by then
        _deliver(pipeline, 3, 4)
        assert count_alerts(ctx, SSH_SEEN_ID) == 3  # the events are stored, no alert
        ctx.es.indices.refresh(index=ctx.names.events_pattern)
        assert ctx.es.count(index=ctx.names.events_pattern)["count"] == 7

        on = client.post(f"/api/v1/rules/{SSH_SEEN_ID}/enable", json={}, headers=operator)
        assert on.status_code == 200, on.text
        time.sleep(REFRESH_SECONDS + 0.5)
        _deliver(pipeline, 7, 2)
        assert count_alerts(ctx, SSH_SEEN_ID) == 5

    ctx.es.indices.refresh(index=ctx.names.audit)
    trail = audit.list_entries(ctx, since=None).entries
    rule_entries = [(e.action, e.target) for e in reversed(trail) if e.action.startswith("rule.")]
    assert rule_entries == [
        ("rule.disable", f"rule:{SSH_SEEN_ID}"),
        ("rule.enable", f"rule:{SSH_SEEN_ID}"),
    ]


BRUTE_FORCE_ID = "7991d1ce-d685-4bb6-aa1b-8570e2839816"  # correlation over the next rule
SSH_FAILED_ID = "41794c97-ded1-47d5-bc99-24ead9543820"  # secops_ssh_failed_login


def _events(start: int, n: int) -> list[dict[str, Any]]:
    """Normalised as the pipeline does, with the record id correlations count by."""
    out = []
    for record in sshd_failures(start, n):
        event = normalize(record)
        event.setdefault("secops", {})["record_id"] = record.record_id()
        out.append(event)
    return out


def test_a_disabled_base_rule_feeds_no_correlation(ctx: Context) -> None:
    detector = build_detector(ctx, rule_state_interval=0)
    events = _events(0, 24)

    def fired(batch: list[dict[str, Any]]) -> set[str]:
        return {m.rule.id for m in detector.detect(batch)}

    assert BRUTE_FORCE_ID in fired(events[:12])  # ten failures from one address
    set_rule_state(ctx, rule_id=SSH_FAILED_ID, enabled=False, by="test", reason="test")
    assert fired(events[12:]) == {SSH_SEEN_ID}  # the other rule on these events still runs
    set_rule_state(ctx, rule_id=BRUTE_FORCE_ID, enabled=False, by="test", reason="test")
    set_rule_state(ctx, rule_id=SSH_FAILED_ID, enabled=True, by="test", reason=None)
    assert BRUTE_FORCE_ID not in fired(_events(24, 12))
