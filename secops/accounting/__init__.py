"""Source accounting and metrics: which systems send, how much, and what became of it."""

from secops.accounting.counters import (
    OUTCOMES,
    SourceAccounting,
    SourceCounts,
    SourceKey,
    source_key,
)
from secops.accounting.metrics import Metrics, process_metrics

__all__ = [
    "OUTCOMES",
    "Metrics",
    "SourceAccounting",
    "SourceCounts",
    "SourceKey",
    "process_metrics",
    "source_key",
]
