"""The detector of ``secops up``: our rules plus the configured rule directories, with the
rules disabled through the API left out, re-loaded when a rule file changes."""

from __future__ import annotations

import logging
import threading
import time

from secops.context import Context
from secops.detect.correlation.engine import CorrelationEngine
from secops.detect.detector import Engines, RuleDetector
from secops.detect.engine import DetectionEngine
from secops.detect.loader import BUILTIN_RULES, load_rules
from secops.detect.mapping import FieldMapping
from secops.detect.ruleset import RuleSet
from secops.errors import SecopsError
from secops.rules.catalog import rules_fingerprint
from secops.rules.filter_metrics import process_filter_drops
from secops.rules.state import REFRESH_SECONDS, DisabledRules
from secops.rules.tuning import record_tuning
from secops.store.errors import StoreRefused, StoreTransportError

log = logging.getLogger(__name__)

# How often a running detector looks for changed rule files (a stat of each file):
# the delay until an added, edited or removed rule or filter takes effect.
RELOAD_SECONDS = 5.0


def build_detector(
    ctx: Context,
    *,
    rule_state_interval: float = REFRESH_SECONDS,
    reload_interval: float | None = RELOAD_SECONDS,
) -> RuleDetector:
    """Load the rules, correlation rules and filters the settings name.

    A rule that cannot be loaded is logged with its file, line and reason and
    skipped; it never keeps the others from running. Rules disabled in the state
    index are re-read every ``rule_state_interval`` seconds; the rule files are
    looked at every ``reload_interval`` seconds (None: never) and re-loaded when
    one changed. Each load audits what changed in the filters and overrides.
    """
    fingerprint = rules_fingerprint(ctx.settings)  # before loading: an edit meanwhile reloads
    ruleset, (engine, correlations) = load_engines(ctx)
    audit_tuning(ctx, ruleset)
    disabled = DisabledRules(ctx, interval=rule_state_interval)
    reload = (
        None
        if reload_interval is None
        else RuleReloader(ctx, interval=reload_interval, fingerprint=fingerprint)
    )
    return RuleDetector(engine, correlations=correlations, disabled=disabled.current, reload=reload)


def load_engines(ctx: Context) -> tuple[RuleSet, Engines]:
    """The rule set of the settings and the engines that run it, its errors logged."""
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
    for rule in ruleset.unsupported:
        log.debug("rule inactive: %s: %s", rule.meta.path, rule.unsupported)
    log.info(
        "detection: %d rules (%d inactive: unsupported logsource), %d correlation rules, "
        "%d filters, %d rejected",
        len(ruleset.rules),
        len(ruleset.unsupported),
        len(ruleset.correlations),
        len(ruleset.filters),
        len(ruleset.errors),
    )
    engine = DetectionEngine(ruleset, drops=process_filter_drops())
    return ruleset, (engine, correlations)


def audit_tuning(ctx: Context, ruleset: RuleSet) -> None:
    """Record changed filters and overrides; a store failure is logged, detection goes on."""
    try:
        for action in record_tuning(ctx, ruleset):
            log.info("audited %s", action)
    except (StoreRefused, StoreTransportError, SecopsError) as exc:
        log.error("tuning changes not audited (retried at the next load): %s", exc)


class RuleReloader:
    """New engines when the rule files (or the mapping or overrides file) changed, else None.

    Called by the pipeline's worker before each batch; looks at the files at most
    every ``interval`` seconds. A change starts the load in a thread of its own
    (a large rule tree takes seconds to compile), and the worker keeps detecting
    with the rules it has until a later call hands it the new engines.
    """

    def __init__(self, ctx: Context, *, interval: float, fingerprint: tuple[object, ...]) -> None:
        self.ctx = ctx
        self.interval = interval
        self._fingerprint = fingerprint
        self._checked = time.monotonic()
        self._loading: threading.Thread | None = None
        self._loaded: Engines | None = None

    @property
    def loading(self) -> bool:
        """A load is under way or done and not yet handed over."""
        return self._loading is not None

    def __call__(self) -> Engines | None:
        if self._loading is not None:
            if self._loading.is_alive():
                return None
            self._loading, loaded, self._loaded = None, self._loaded, None
            return loaded
        now = time.monotonic()
        if now - self._checked < self.interval:
            return None
        self._checked = now
        fingerprint = rules_fingerprint(self.ctx.settings)
        if fingerprint == self._fingerprint:
            return None
        self._fingerprint = fingerprint
        log.info("rule files changed: reloading the rules")
        self._loading = threading.Thread(target=self._load, name="secops-rules-reload", daemon=True)
        self._loading.start()
        return None

    def _load(self) -> None:
        try:
            ruleset, engines = load_engines(self.ctx)
        except Exception:  # a bug in loading must not stop detection with the current rules
            log.exception("rules not reloaded; the loaded rules keep running")
            return
        audit_tuning(self.ctx, ruleset)
        self._loaded = engines
