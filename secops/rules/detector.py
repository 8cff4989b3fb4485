"""The detector of ``secops up``: our rules plus the configured rule directories, with the
rules disabled through the API left out."""

from __future__ import annotations

import logging

from secops.context import Context
from secops.detect.correlation.engine import CorrelationEngine
from secops.detect.detector import RuleDetector
from secops.detect.engine import DetectionEngine
from secops.detect.loader import BUILTIN_RULES, load_rules
from secops.detect.mapping import FieldMapping
from secops.rules.state import REFRESH_SECONDS, DisabledRules

log = logging.getLogger(__name__)


def build_detector(ctx: Context, *, rule_state_interval: float = REFRESH_SECONDS) -> RuleDetector:
    """Load the rules and correlation rules the settings name.

    A rule that cannot be loaded is logged with its file, line and reason and
    skipped; it never keeps the others from running. Rules disabled in the state
    index are re-read every ``rule_state_interval`` seconds.
    """
    settings = ctx.settings
    ruleset = load_rules(
        [BUILTIN_RULES, *settings.rule_dirs],
        mapping=FieldMapping.load(settings.detect_mapping_file),
        placeholders=settings.detect_placeholders,
        overrides=settings.rule_overrides_file,
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
    disabled = DisabledRules(ctx, interval=rule_state_interval)
    return RuleDetector(
        DetectionEngine(ruleset), correlations=correlations, disabled=disabled.current
    )
