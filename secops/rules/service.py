"""What the API does with rules: list, read, enable/disable, validate, hunt, filters.

Enabling and disabling write the rule's state (``state``) and an entry of the
audit trail (``rule.enable`` / ``rule.disable``, with the reason). A disabled
rule raises no alert in the running pipeline within ``state.REFRESH_SECONDS``;
a disabled base rule also stops feeding its correlations (their windows get
none of its matches), and a disabled correlation rule raises no alert, so
disabling is an off switch for everything a rule contributes. (One exception:
a correlation that reads another correlation still sees the disabled one's
results; such chains are rare.) Disabling changes nothing in stored alerts, nor
in hunts: a hunt runs exactly the rules it is asked to run.
"""

from __future__ import annotations

import tempfile
from collections.abc import Sequence
from pathlib import Path

import yaml

from secops import audit, yaml_limits
from secops.auth.principals import Actor, actor_name
from secops.context import Context
from secops.detect.loader import load_rules
from secops.detect.mapping import FieldMapping
from secops.detect.models import RuleMeta
from secops.errors import InvalidInputError, RuleError
from secops.hunt import hunt
from secops.rules.catalog import load_catalog, rule_yaml
from secops.rules.filter_metrics import process_filter_drops
from secops.rules.models import (
    FilterPage,
    FilterView,
    HuntOut,
    RuleDetail,
    RuleFilter,
    RuleLoadError,
    RulePage,
    RuleState,
    RuleView,
    RunState,
    ValidationOut,
)
from secops.rules.state import rule_state, rule_states, set_rule_state

MAX_PAGE = 500
# A hunt of the API runs inside the request: it refuses ranges of more events than
# this (the `secops rules hunt` command has no such bound and shows progress).
HUNT_MAX_EVENTS = 200_000
MAX_RULE_TEXT = 256 * 1024


def load_error(error: RuleError) -> RuleLoadError:
    return RuleLoadError(
        path=error.path,
        line=error.line,
        reason=error.message,
        location=f"{error.path or '?'}:{error.line or 1}: {error.message}",
    )


def _view(
    meta: RuleMeta,
    state: RuleState | None,
    unsupported: str | None = None,
    filters: Sequence[str] = (),
) -> RuleView:
    enabled = state is None or state.enabled
    run_state: RunState = "active"
    if unsupported is not None:
        run_state = "unsupported_logsource"
    elif not enabled:
        run_state = "disabled"
    return RuleView(
        id=meta.id,
        name=meta.name,
        title=meta.title,
        level=meta.level,
        tags=list(meta.tags),
        logsource=dict(meta.logsource),
        path=meta.path,
        kind=meta.kind,
        description=meta.description,
        enabled=enabled,
        state=state,
        run_state=run_state,
        inactive_reason=unsupported,
        status=meta.status,
        overridden=dict(meta.overridden),
        filters=list(filters),
    )


def _matches(view: RuleView, flt: RuleFilter) -> bool:
    if flt.level and view.level not in flt.level:
        return False
    if flt.tag and not set(flt.tag) & set(view.tags):
        return False
    if flt.enabled is not None and view.enabled is not flt.enabled:
        return False
    if flt.run_state and view.run_state not in flt.run_state:
        return False
    if flt.kind and view.kind != flt.kind:
        return False
    if flt.text:
        needle = flt.text.lower()
        hay = (view.id, view.title, view.description or "", view.path or "", view.name or "")
        if not any(needle in h.lower() for h in hay):
            return False
    return True


def list_rules(
    ctx: Context, *, flt: RuleFilter | None = None, offset: int = 0, limit: int = 100
) -> RulePage:
    """Every loaded rule matching ``flt`` (one page), and every rule rejected at load time."""
    flt = flt or RuleFilter()
    catalog = load_catalog(ctx.settings)
    states = rule_states(ctx)
    unsupported = catalog.unsupported()
    filters = catalog.filters_by_rule()
    views = [
        _view(m, states.get(m.id), unsupported.get(m.id), filters.get(m.id, ()))
        for m in catalog.metas()
    ]
    found = [v for v in views if _matches(v, flt)]
    limit = max(1, min(limit, MAX_PAGE))
    return RulePage(
        total=len(found),
        offset=offset,
        limit=limit,
        items=found[offset : offset + limit],
        errors=[load_error(e) for e in catalog.errors],
    )


def list_filters(ctx: Context) -> FilterPage:
    """The loaded Sigma filters with their drop counts (this process's pipeline)."""
    catalog = load_catalog(ctx.settings)
    counts = process_filter_drops().by_filter()
    items = []
    for spec in catalog.ruleset.filters:
        dropped = counts.get(spec.id, {})
        items.append(
            FilterView(
                id=spec.id,
                title=spec.title,
                path=spec.path,
                line=spec.line,
                logsource=dict(spec.logsource),
                rules=list(spec.rules) if spec.rules is not None else "any",
                applied_to=list(spec.applied_to),
                dropped=sum(dropped.values()),
                dropped_by_rule=dropped,
            )
        )
    errors = [load_error(e) for e in catalog.ruleset.filter_errors]
    return FilterPage(items=items, errors=errors)


def get_rule(ctx: Context, *, rule_id: str) -> RuleDetail:
    catalog = load_catalog(ctx.settings)
    meta = catalog.find(rule_id)
    view = _view(
        meta,
        rule_state(ctx, rule_id=meta.id),
        catalog.unsupported().get(meta.id),
        catalog.filters_by_rule().get(meta.id, ()),
    )
    return RuleDetail(**view.model_dump(), yaml=rule_yaml(meta))


def disable_rule(ctx: Context, *, rule_id: str, actor: Actor, reason: str) -> RuleView:
    return _set_enabled(ctx, rule_id=rule_id, actor=actor, enabled=False, reason=reason)


def enable_rule(ctx: Context, *, rule_id: str, actor: Actor, reason: str | None = None) -> RuleView:
    return _set_enabled(ctx, rule_id=rule_id, actor=actor, enabled=True, reason=reason)


def _set_enabled(
    ctx: Context, *, rule_id: str, actor: Actor, enabled: bool, reason: str | None
) -> RuleView:
    catalog = load_catalog(ctx.settings)
    meta = catalog.find(rule_id)
    if not enabled and not (reason or "").strip():
        raise InvalidInputError("disabling a rule needs a reason")
    before = rule_state(ctx, rule_id=meta.id)
    state = set_rule_state(
        ctx, rule_id=meta.id, enabled=enabled, by=actor_name(actor), reason=reason
    )
    audit.record(
        ctx,
        actor=actor,
        action="rule.enable" if enabled else "rule.disable",
        target=f"rule:{meta.id}",
        outcome="success",
        details={
            "reason": reason,
            "title": meta.title,
            "was_enabled": before is None or before.enabled,
        },
    )
    return _view(meta, state, catalog.unsupported().get(meta.id))


def validate_text(ctx: Context, *, text: str) -> ValidationOut:
    """Validate one rule file's text as the pipeline would load it; nothing is kept.

    A Sigma filter in the text is checked against the loaded rules it names (their
    files are loaded beside the text), so a correct reference is no error.
    """
    if not text.strip():
        raise InvalidInputError("the body is empty: send a Sigma rule as YAML")
    if len(text.encode()) > MAX_RULE_TEXT:
        raise InvalidInputError(f"a rule text is at most {MAX_RULE_TEXT} bytes")
    settings = ctx.settings
    with tempfile.TemporaryDirectory(prefix="secops-validate-") as tmp:
        path = Path(tmp) / "rule.yml"
        path.write_text(text, encoding="utf-8")
        ruleset = load_rules(
            [path, *_named_rule_files(ctx, text)],
            mapping=FieldMapping.load(settings.detect_mapping_file),
            placeholders=settings.detect_placeholders,
            collect_errors=True,
        )
    body = str(path)
    errors = []
    for error in ruleset.errors:
        if error.path == body:
            shown = RuleError(error.message, path="body", line=error.line)
            errors.append(load_error(shown))
    warnings = [
        f"no logsource keys, evaluated on every event: {r.meta.title}"
        for r in ruleset.unrouted
        if r.meta.path == body
    ]
    warnings += [
        f"inactive (unsupported_logsource): {r.meta.title}: {r.unsupported}"
        for r in ruleset.unsupported
        if r.meta.path == body
    ]
    return ValidationOut(
        ok=not errors,
        loaded=sum(1 for r in ruleset.rules if r.meta.path == body),
        correlations=sum(
            1 for c in ruleset.correlations if c.source is not None and str(c.source.path) == body
        ),
        rejected=len(errors),
        errors=errors,
        warnings=warnings,
        filters=sum(1 for f in ruleset.filters if f.path == body),
    )


def _named_rule_files(ctx: Context, text: str) -> list[Path]:
    """The files of the loaded detection rules that the text's filters name."""
    try:
        docs = yaml_limits.load_all(text)
    except yaml.YAMLError:
        return []  # reported by the load of the text itself
    refs: set[str] = set()
    for doc in docs:
        flt = doc.get("filter") if isinstance(doc, dict) else None
        named = flt.get("rules") if isinstance(flt, dict) else None
        if isinstance(named, str):
            refs.add(named)
        elif isinstance(named, list):
            refs.update(str(r) for r in named)
    if not refs:
        return []
    paths = {
        Path(r.meta.path)
        for r in load_catalog(ctx.settings).ruleset.rules
        if r.meta.path and (r.meta.id in refs or r.meta.name in refs)
    }
    return sorted(paths)


def hunt_rules(
    ctx: Context, *, rule_ids: Sequence[str], since: str, until: str | None = None
) -> HuntOut:
    """Run the rules (and what their correlations read) over stored events, synchronously.

    Bounded: a range of more than ``HUNT_MAX_EVENTS`` events is refused before any
    event is read.
    """
    ruleset = load_catalog(ctx.settings).subset(rule_ids)

    def bound(total: int) -> None:
        if total > HUNT_MAX_EVENTS:
            raise InvalidInputError(
                f"{total} events in the range; the API hunts at most {HUNT_MAX_EVENTS}: "
                "narrow the range or run `secops rules hunt`"
            )

    report = hunt(ctx, ruleset=ruleset, since=since, until=until, on_total=bound)
    return HuntOut(
        hunt_id=report.hunt_id,
        since=report.since,
        rules=report.rules,
        correlations=report.correlations,
        events=report.events,
        matches=report.matches,
        alerts_created=report.alerts_created,
        alerts_updated=report.alerts_updated,
    )
