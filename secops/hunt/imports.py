"""Detection over an import: the events `secops ingest` stored, in event-time order.

Files come in any order (several hosts' exports, an EVTX beside an NDJSON), so the
import first stores every event and notes its time and document id (`ImportOrder`);
then the events are read back by id in event-time order (ties keep the order they
were read in) and handed to the pipeline's detector, so correlation windows see
them as they happened. Alerts carry ``kind: import`` and the live pipeline's
deterministic ids: importing the same file again raises nothing new.

An alert keeps at most ``alert_max_event_ids`` event ids, so a replay of its later
events could not be told from new ones and would be counted again. Each import
therefore leaves a state document keyed by the digest of its events' ids, naming the
rules that matched them; importing the same events again skips those rules' matches
(a rule new since then still runs). The document is written once detection
completed: a run cut short is run again whole.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from secops.alerts.build import get_path, parse_time
from secops.alerts.service import write_alerts
from secops.context import Context
from secops.detect.models import Match
from secops.pipeline.detection import Detector
from secops.store.scan import events_by_id, refresh_events
from secops.store.state import get_state, put_state

READ_BATCH = 1000  # events read back (and detected) per request
KIND = "import_detection"  # state documents: the rules that matched one import's events


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
    # matches of rules that an earlier import of the same events already raised
    already_detected: int = 0

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
    key = _digest(ids)
    earlier = get_state(ctx.es, ctx.names, kind=KIND, key=key) or {}
    done = frozenset(earlier.get("rules") or ())
    refresh_events(ctx.es, ctx.names)
    for start in range(0, len(ids), batch_size):
        chunk = ids[start : start + batch_size]
        found = {doc.pop("_id"): doc for doc in events_by_id(ctx.es, ctx.names, ids=chunk)}
        events = [found[doc_id] for doc_id in chunk if doc_id in found]
        report.events += len(events)
        _write(ctx, detector.detect(events), report, done)
        if progress is not None:
            progress(len(chunk))
    matched = sorted(done | report.rules.keys())
    data = {"rules": matched, "events": len(ids), "at": datetime.now(UTC).isoformat()}
    put_state(ctx.es, ctx.names, kind=KIND, key=key, data=data)
    return report


def _digest(ids: list[str]) -> str:
    """The import's key: its set of event ids, whatever the order of the files."""
    return hashlib.sha256("\n".join(sorted(ids)).encode()).hexdigest()[:32]


def _write(
    ctx: Context, matches: Sequence[Match], report: ImportDetection, done: Collection[str]
) -> None:
    """Store the alerts rule by rule, so the summary can say what each rule raised."""
    by_rule: dict[str, list[Match]] = {}
    for match in matches:
        if match.rule.id in done:
            report.already_detected += 1
        else:
            by_rule.setdefault(match.rule.id, []).append(match)
    for rule_id, found in by_rule.items():
        tally = report.rules.setdefault(rule_id, RuleTally(title=found[0].rule.title))
        tally.matches += len(found)
        written = write_alerts(ctx, found, kind="import")
        tally.alerts_created += len(written.created)
        tally.alerts_updated += len(written.updated)
