"""The pipeline's detector: single-event rules, then correlations over their matches.

Pure: events in, matches out. It writes nothing; the pipeline hands the matches
to the alert step (`secops.alerts.writer`). Its only state is the correlation
windows, which the pipeline checkpoints with the spool position (`snapshot`,
`restore`), so windows survive a restart and a replayed batch counts nothing twice.

New rules are asked of ``reload`` before each batch (the rule files re-read when
one changed, `secops.rules.detector`): they replace the engines between two
batches, and the open correlation windows of rules that did not change carry
over, as they do across a restart.

Which rules are disabled is asked of ``disabled`` before each batch (the rule
state kept in the store, re-read every few seconds by `secops.rules.state`): a
disabled rule matches nothing, and a disabled base rule feeds no correlation either.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from typing import Any

from secops.detect.correlation.engine import CorrelationEngine
from secops.detect.engine import DetectionEngine
from secops.detect.models import Match

# Freshly loaded engines: single-event rules and correlation rules.
Engines = tuple[DetectionEngine, CorrelationEngine | None]


class RuleDetector:
    """A `secops.pipeline.Detector` over a rule set and its correlation rules."""

    def __init__(
        self,
        engine: DetectionEngine,
        *,
        correlations: CorrelationEngine | None = None,
        disabled: Callable[[], Collection[str]] | None = None,
        reload: Callable[[], Engines | None] | None = None,
    ) -> None:
        self.engine = engine
        self.correlations = correlations
        self.disabled = disabled  # None: every loaded rule runs
        self.reload = reload  # None: the rules loaded at start run until the end
        # Base rules of a correlation with `generate: false` raise no alerts of their own.
        self.silenced = correlations.silenced_rules() if correlations is not None else set()

    def replace(self, engine: DetectionEngine, correlations: CorrelationEngine | None) -> None:
        """Run other rules from the next event on, keeping the windows of unchanged ones."""
        state = self.snapshot()
        self.engine = engine
        self.correlations = correlations
        self.silenced = correlations.silenced_rules() if correlations is not None else set()
        if state is not None and correlations is not None:
            correlations.restore(state)

    def detect(self, events: Sequence[dict[str, Any]]) -> list[Match]:
        if self.reload is not None:
            fresh = self.reload()
            if fresh is not None:
                self.replace(*fresh)
        found: list[Match] = []
        off = self.disabled() if self.disabled is not None else frozenset()
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

    def snapshot(self) -> dict[str, Any] | None:
        return self.correlations.snapshot() if self.correlations is not None else None

    def restore(self, state: dict[str, Any]) -> None:
        if self.correlations is not None:
            self.correlations.restore(state)
