"""SigmaHQ's regression samples, through the real pipeline into the real Elasticsearch.

Each sample's events go as raw records through normalize → detect → alerts → store, the
way collected logs do; the rule must then hold at least ``match_count`` of that
sample's events among the alerts stored in Elasticsearch.
"""

from __future__ import annotations

import threading
import time
from collections import defaultdict
from pathlib import Path

from secops.accounting import SourceAccounting
from secops.alerts.writer import Alerter
from secops.context import Context
from secops.detect.detector import RuleDetector
from secops.detect.engine import DetectionEngine
from secops.detect.loader import load_rules
from secops.detect.regression import RegressionCase, read_json_objects, regression_cases
from secops.pipeline.deliver import deliver
from secops.records import RawRecord, Source
from secops.retry import RetryPolicy

SIGMA = Path(__file__).resolve().parents[2].parent / "shared" / "sigma"
CASES = regression_cases(SIGMA)


def _records(cases: list[RegressionCase]) -> tuple[list[RawRecord], dict[str, int]]:
    """Raw records of every sample, and which case each record belongs to."""
    records: list[RawRecord] = []
    owner: dict[str, int] = {}
    source = Source(input="file", application="evtx")
    for n, case in enumerate(cases):
        for i, obj in enumerate(read_json_objects(case.json_path)):
            record = RawRecord(
                source=source,
                received_at=time.time(),
                structured=obj,
                format_hint="windows",
                origin=f"regression:{n}:{i}",
            )
            records.append(record)
            owner[record.record_id()] = n
    return records, owner


def test_every_regression_sample_fires_its_rule_through_pipeline_and_store(ctx: Context) -> None:
    assert len(CASES) >= 100, "the SigmaHQ regression data is expected beside the repository"
    ruleset = load_rules(sorted({c.rule_path for c in CASES}), collect_errors=True)
    assert ruleset.errors == []
    records, owner = _records(CASES)
    detector = RuleDetector(DetectionEngine(ruleset))
    for start in range(0, len(records), 500):
        _, report = deliver(
            records[start : start + 500],
            es=ctx.es,
            names=ctx.names,
            detector=detector,
            alerts=Alerter(ctx),
            accounting=SourceAccounting(),
            policy=RetryPolicy(),
            stop=threading.Event(),
        )
        assert not report.deadlettered
    ctx.es.indices.refresh(index=f"{ctx.names.alerts},{ctx.names.events_pattern}")
    assert ctx.es.count(index=ctx.names.events_pattern)["count"] == len(records)

    # Per (rule, sample): how many of the sample's events the stored alerts hold.
    fired: dict[tuple[str, int], int] = defaultdict(int)
    resp = ctx.es.search(
        index=ctx.names.alerts, size=10_000, source_includes=["rule.id", "event_ids"]
    )
    for hit in resp["hits"]["hits"]:
        for event_id in hit["_source"]["event_ids"]:
            if event_id in owner:
                fired[(hit["_source"]["rule"]["id"], owner[event_id])] += 1
    failures = [
        msg
        for n, case in enumerate(CASES)
        if (msg := case.failure(fired[(case.rule_id, n)])) is not None
    ]
    assert not failures, "\n".join(failures)
