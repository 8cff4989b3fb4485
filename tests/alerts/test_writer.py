"""The pipeline's alert step: sshd lines in, one grouped alert out, replay-safe."""

from __future__ import annotations

import threading
from pathlib import Path

from secops.accounting import SourceAccounting
from secops.alerts.service import get_alert
from secops.alerts.writer import Alerter
from secops.context import Context
from secops.detect.detector import RuleDetector
from secops.detect.engine import DetectionEngine
from secops.detect.loader import load_rules
from secops.pipeline.deliver import deliver
from secops.retry import RetryPolicy

from .conftest import refresh
from .factories import failed_ssh_records

RULES = Path(__file__).resolve().parents[2] / "rules" / "linux"


def test_pipeline_batches_become_one_grouped_alert(ctx: Context) -> None:
    detector = RuleDetector(DetectionEngine(load_rules([RULES])))
    kwargs = {
        "es": ctx.es,
        "names": ctx.names,
        "detector": detector,
        "alerts": Alerter(ctx),
        "accounting": SourceAccounting(),
        "policy": RetryPolicy(),
        "stop": threading.Event(),
    }
    records = failed_ssh_records(12)
    deliver(records[:5], **kwargs)  # type: ignore[arg-type]
    deliver(records[5:], **kwargs)  # type: ignore[arg-type]
    deliver(records, **kwargs)  # type: ignore[arg-type]  # a replay of everything
    refresh(ctx)
    hits = ctx.es.search(
        index=ctx.names.alerts, query={"term": {"rule.name": "secops_ssh_failed_login"}}
    )
    assert hits["hits"]["total"]["value"] == 1
    alert = get_alert(ctx, alert_id=hits["hits"]["hits"][0]["_id"])
    assert alert.count == 12
    assert sorted(alert.event_ids) == sorted(r.record_id() for r in records)
    assert alert.source is not None
    assert alert.source.ip == "183.62.140.253"
    assert alert.threat.techniques == ["T1110"]
