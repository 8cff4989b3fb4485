"""Sigma correlation rules, evaluated on the stream of base-rule matches.

specs, errors = load_correlation_rules([rules_dir])
engine = CorrelationEngine(specs, base_rule_metas, collect_errors=True)
for match in single_event_matches:
    alerts.extend(engine.observe(match))
state = engine.snapshot()  # save with the spool position; engine.restore(state)
"""

from secops.detect.correlation.engine import CorrelationEngine, CorrelationStats
from secops.detect.correlation.loader import load_correlation_rules
from secops.detect.correlation.spec import CorrelationSpec, compile_rule

__all__ = [
    "CorrelationEngine",
    "CorrelationSpec",
    "CorrelationStats",
    "compile_rule",
    "load_correlation_rules",
]
