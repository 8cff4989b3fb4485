"""Tuning changes (Sigma filters, per-rule overrides) written to the audit trail.

What the loaded rules' tuning is, is kept as one ``rule_tuning`` document in the
state index. Each load of the pipeline's rules (at start and at every reload)
compares the new tuning with it and records one audit entry per filter or
override that was added, changed or removed (``rule.filter.add|change|remove``,
``rule.override.add|change|remove``), then keeps the new one. Unchanged tuning
records nothing, so a restart is silent.
"""

from __future__ import annotations

import hashlib
from typing import Any

from secops import audit
from secops.context import Context
from secops.detect.ruleset import RuleSet
from secops.store.state import get_state, put_state

KIND = "rule_tuning"
KEY = "current"
ACTOR = "system:detect"
_SHOWN = 20


def _digest(ids: list[str]) -> str:
    return hashlib.sha256("\n".join(ids).encode()).hexdigest()[:16]


def tuning_of(ruleset: RuleSet) -> dict[str, dict[str, dict[str, Any]]]:
    """The filters and overrides of a rule set, as plain data to compare and to store."""
    filters = {
        spec.id: {
            "title": spec.title,
            "path": spec.path,
            "fingerprint": spec.fingerprint,
            "rules": list(spec.rules) if spec.rules is not None else "any",
            # `rules: any` may reach thousands of rules: the entry names the first ones,
            # the digest tells a change of any of them.
            "applied_to": sorted(spec.applied_to)[:_SHOWN],
            "applied_to_count": len(spec.applied_to),
            "applied_digest": _digest(sorted(spec.applied_to)),
        }
        for spec in ruleset.filters
    }
    overrides = {
        rule.meta.id: {
            "title": rule.meta.title,
            "level": rule.meta.level,
            "status": rule.meta.status,
            "original": dict(rule.meta.overridden),
        }
        for rule in ruleset.rules
        if rule.meta.overridden
    }
    return {"filters": filters, "overrides": overrides}


def record_tuning(ctx: Context, ruleset: RuleSet) -> list[str]:
    """Audit what changed in the tuning since the last load; the actions recorded."""
    now = tuning_of(ruleset)
    before = get_state(ctx.es, ctx.names, kind=KIND, key=KEY) or {}
    recorded: list[str] = []
    for part, noun, target in (("filters", "filter", "filter"), ("overrides", "override", "rule")):
        old: dict[str, Any] = before.get(part) or {}
        new = now[part]
        for key in sorted(old.keys() | new.keys()):
            if key not in old:
                change, details = "add", new[key]
            elif key not in new:
                change, details = "remove", old[key]
            elif old[key] != new[key]:
                change, details = "change", {**new[key], "before": old[key]}
            else:
                continue
            action = f"rule.{noun}.{change}"
            audit.record(
                ctx,
                actor=ACTOR,
                action=action,
                target=f"{target}:{key}",
                outcome="success",
                details=details,
            )
            recorded.append(action)
    if recorded or not before:
        put_state(ctx.es, ctx.names, kind=KIND, key=KEY, data=now)
    return recorded
