"""Reading the dead-letter index back: what Elasticsearch refused in a period, and why.

``events.write_events`` writes it; this is the one place that queries it.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel

from secops.store.client import StoreClient
from secops.store.names import IndexNames

# What a sample shows of each dead letter (the refused document itself stays out).
SAMPLE_FIELDS = ("@timestamp", "target", "reason", "error_type", "record_id", "source")


class DeadLetters(BaseModel):
    """Dead letters of [since, until): how many, how many without a reason, newest first."""

    total: int
    unexplained: int
    sample: list[dict[str, Any]]  # {"id": ..., **SAMPLE_FIELDS as stored}


def dead_letters(
    es: StoreClient, names: IndexNames, *, since: datetime, until: datetime, limit: int = 50
) -> DeadLetters:
    period = {"range": {"@timestamp": {"gte": since.isoformat(), "lt": until.isoformat()}}}
    resp = es.search(
        index=names.deadletter,
        query=period,
        sort=[{"@timestamp": "desc"}],
        size=limit,
        track_total_hits=True,
        source_includes=list(SAMPLE_FIELDS),
        ignore_unavailable=True,
    )
    unexplained = es.count(
        index=names.deadletter,
        query={"bool": {"filter": [period], "must_not": [{"exists": {"field": "reason"}}]}},
        ignore_unavailable=True,
    )["count"]
    return DeadLetters(
        total=int(resp["hits"]["total"]["value"]),
        unexplained=int(unexplained),
        sample=[{"id": h["_id"], **h["_source"]} for h in resp["hits"]["hits"]],
    )
