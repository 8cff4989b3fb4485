"""The pipeline's detection hook, with alerts written through `write_alerts`.

`secops.pipeline` asks a `Detector` for the alerts of each batch and bulk-creates
the documents it returns. Alerts of one rule and group key inside a window are
one document updated in place, which a plain ``create`` cannot do; so this
detector writes its alerts itself (grouped, suppressed, notified) and returns
none for the pipeline to create. Writes are retried: the batch is not
acknowledged before its alerts are stored, so a store outage loses none.

Rules disabled through the API (``secops.rules.state``, kept in the state index)
are re-read every few seconds: a disabled rule raises no alert, and a disabled
base rule feeds no correlation either.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Sequence
from typing import Any

from elasticsearch import ApiError, TransportError

from secops.alerts.service import AlertSink, write_alerts
from secops.context import Context
from secops.detect.correlation.engine import CorrelationEngine
from secops.detect.engine import DetectionEngine
from secops.detect.loader import BUILTIN_RULES, load_rules
from secops.detect.mapping import FieldMapping
from secops.detect.models import CorrelationMatch, RuleMatch
from secops.errors import StoreError
from secops.rules.state import REFRESH_SECONDS as RULE_STATE_REFRESH_SECONDS
from secops.rules.state import DisabledRules

log = logging.getLogger(__name__)


class AlertingDetector:
    """Single-event rules, then correlations over their matches; alerts stored on the spot."""

    def __init__(
        self,
        ctx: Context,
        engine: DetectionEngine,
        *,
        correlations: CorrelationEngine | None = None,
        sink: AlertSink | None = None,
        stop: threading.Event | None = None,
        max_backoff: float = 10.0,
        disabled: DisabledRules | None = None,
    ) -> None:
        self.ctx = ctx
        self.engine = engine
        self.correlations = correlations
        self.sink = sink
        self.stop = stop or threading.Event()
        self.max_backoff = max_backoff
        self.alerts_written = 0
        self.disabled = disabled  # None: every loaded rule runs
        # Base rules of a correlation with `generate: false` raise no alerts of their own.
        self.silenced = correlations.silenced_rules() if correlations is not None else set()

    def matches(self, events: Sequence[dict[str, Any]]) -> list[RuleMatch | CorrelationMatch]:
        found: list[RuleMatch | CorrelationMatch] = []
        off = self.disabled.current() if self.disabled is not None else frozenset()
        for event in events:
            event_id = str((event.get("secops") or {}).get("record_id", ""))
            for match in self.engine.match(event, event_id):
                if match.rule.id in off:
                    continue  # neither its alert nor its part in a correlation
                if match.rule.id not in self.silenced:
                    found.append(match)
                if self.correlations is not None:
                    fired = self.correlations.observe(match)
                    found.extend(m for m in fired if m.rule.id not in off)
        return found

    def detect(self, events: Sequence[dict[str, Any]]) -> list[Any]:
        found = self.matches(events)
        if found:
            self._write(found)
        return []  # written here, grouped; nothing left for the pipeline to create

    def _write(self, found: list[RuleMatch | CorrelationMatch]) -> None:
        attempt = 0
        while True:
            try:
                report = write_alerts(self.ctx, found, sink=self.sink)
                self.alerts_written += len(report.created) + len(report.updated)
                return
            except (ApiError, TransportError, StoreError) as exc:
                if self.stop.is_set():
                    raise
                delay = min(self.max_backoff, 0.1 * 2**attempt)
                attempt += 1
                log.warning("alerts not stored (%s); retrying in %.1fs", exc, delay)
                time.sleep(delay)

    def snapshot(self) -> dict[str, Any] | None:
        return self.correlations.snapshot() if self.correlations is not None else None

    def restore(self, state: dict[str, Any]) -> None:
        if self.correlations is not None:
            self.correlations.restore(state)


def build_detector(
    ctx: Context,
    *,
    sink: AlertSink | None = None,
    stop: threading.Event | None = None,
    rule_state_interval: float = RULE_STATE_REFRESH_SECONDS,
) -> AlertingDetector:
    """The detector of ``secops up``: our rules plus the configured rule directories.

    A rule that cannot be loaded is logged with its file, line and reason and
    skipped; it never keeps the others from running. Rules disabled in the state
    index are re-read every ``rule_state_interval`` seconds.
    """
    settings = ctx.settings
    ruleset = load_rules(
        [BUILTIN_RULES, *settings.rule_dirs],
        mapping=FieldMapping.load(settings.detect_mapping_file),
        placeholders=settings.detect_placeholders,
        collect_errors=True,
    )
    for error in ruleset.errors:
        log.error("rule skipped: %s:%s: %s", error.path, error.line or 1, error.message)
    correlations = CorrelationEngine(
        ruleset.correlations, [r.meta for r in ruleset.rules], collect_errors=True
    )
    for error in correlations.errors:
        log.error("correlation rule skipped: %s", error)
    log.info(
        "detection: %d rules, %d correlation rules, %d rejected",
        len(ruleset.rules),
        len(ruleset.correlations),
        len(ruleset.errors),
    )
    return AlertingDetector(
        ctx,
        DetectionEngine(ruleset),
        correlations=correlations,
        sink=sink,
        stop=stop,
        disabled=DisabledRules(ctx, interval=rule_state_interval),
    )
