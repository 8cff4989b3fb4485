"""Detection over an import: the events `secops ingest` stored, in event-time order.

Files come in any order (several hosts' exports, an EVTX beside an NDJSON), so the
import first stores every event and notes its time and document id (`ImportOrder`);
then the events are read back by id in event-time order (ties keep the order they
were read in) and handed to the pipeline's detector, so correlation windows see
them as they happened. Alerts carry ``kind: import`` and the live pipeline's
deterministic ids: importing the same file again raises nothing new.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from secops.alerts.build import get_path, parse_time
from secops.alerts.service import write_alerts
from secops.context import Context
from secops.detect.models import Match
from secops.pipeline.detection import Detector
from secops.store.scan import events_by_id, refresh_events

READ_BATCH = 1000  # events read back (and detected) per request


@dataclass
class ImportOrder:
    """Time and document id of each stored event of an import, in the order read."""

    keys: list[tuple[float, str]] = field(default_factory=list)  # small: one pair per event

    def add(self, doc_id: str, event: dict[str, Any]) -> None:
        self.keys.append((parse_time(get_path(event, "@timestamp")).timestamp(), doc_id))

    def ordered_ids(self) -> list[str]:
        """Document ids by event time; `sorted` is stable, so ties keep the import order."""
        seen: set[str] = set()
        out = []
        for _, doc_id in sorted(self.keys, key=lambda key: key[0]):
            if doc_id not in seen:  # a file imported twice in one run
                seen.add(doc_id)
                out.append(doc_id)
        return out


@dataclass
class RuleTally:
    title: str
    matches: int = 0
    alerts_created: int = 0
    alerts_updated: int = 0


@dataclass
class ImportDetection:
    events: int = 0
    rules: dict[str, RuleTally] = field(default_factory=dict)  # by rule id

    @property
    def alerts_created(self) -> int:
        return sum(t.alerts_created for t in self.rules.values())

    @property
    def alerts_updated(self) -> int:
        return sum(t.alerts_updated for t in self.rules.values())


def detect_import(
    ctx: Context,
    order: ImportOrder,
    detector: Detector,
    *,
    batch_size: int = READ_BATCH,
    progress: Callable[[int], None] | None = None,
) -> ImportDetection:
    """Run ``detector`` over the stored events of ``order``, oldest first; store the alerts."""
    report = ImportDetection()
    ids = order.ordered_ids()
    if not ids:
        return report
    refresh_events(ctx.es, ctx.names)
    for start in range(0, len(ids), batch_size):
        chunk = ids[start : start + batch_size]
        found = {doc.pop("_id"): doc for doc in events_by_id(ctx.es, ctx.names, ids=chunk)}
        events = [found[doc_id] for doc_id in chunk if doc_id in found]
        report.events += len(events)
        _write(ctx, detector.detect(events), report)
        if progress is not None:
            progress(len(chunk))
    return report


def _write(ctx: Context, matches: Sequence[Match], report: ImportDetection) -> None:
    """Store the alerts rule by rule, so the summary can say what each rule raised."""
    by_rule: dict[str, list[Match]] = {}
    for match in matches:
        by_rule.setdefault(match.rule.id, []).append(match)
    for rule_id, found in by_rule.items():
        tally = report.rules.setdefault(rule_id, RuleTally(title=found[0].rule.title))
        tally.matches += len(found)
        written = write_alerts(ctx, found, kind="import")
        tally.alerts_created += len(written.created)
        tally.alerts_updated += len(written.updated)
