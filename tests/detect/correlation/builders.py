"""Small builders of base-rule metas, matches and correlation rule dicts."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta
from typing import Any

from secops.detect.models import RuleMatch, RuleMeta

T0 = datetime(2024, 12, 10, 10, 0, 0, tzinfo=UTC)


def base_rule(name: str) -> RuleMeta:
    return RuleMeta(id=str(uuid.uuid5(uuid.NAMESPACE_DNS, name)), name=name, title=name)


def nest(flat: dict[str, Any]) -> dict[str, Any]:
    """{"source.ip": x} -> {"source": {"ip": x}}, as ECS events arrive."""
    out: dict[str, Any] = {}
    for dotted, value in flat.items():
        node = out
        *parents, leaf = dotted.split(".")
        for part in parents:
            node = node.setdefault(part, {})
        node[leaf] = value
    return out


def at(seconds: float) -> str:
    return (T0 + timedelta(seconds=seconds)).isoformat().replace("+00:00", "Z")


def hit(rule: RuleMeta, seconds: float, event_id: str, **fields: Any) -> RuleMatch:
    """A match of `rule` on an event `seconds` after T0; `source__ip=` sets source.ip."""
    flat = {k.replace("__", "."): v for k, v in fields.items()}
    event = {"@timestamp": at(seconds), **nest(flat)}
    return RuleMatch(rule=rule, event=event, event_id=event_id)


def correlation(
    kind: str,
    rules: list[str],
    *,
    group_by: list[str] | None = None,
    timespan: str = "5m",
    condition: dict[str, Any] | str | None = None,
    title: str | None = None,
    **extra: Any,
) -> dict[str, Any]:
    body: dict[str, Any] = {"type": kind, "rules": rules, "timespan": timespan}
    if group_by is not None:
        body["group-by"] = group_by
    if condition is not None:
        body["condition"] = condition
    body.update(extra.pop("correlation", {}))
    name = title or f"{kind} over {', '.join(rules)}"
    return {
        "title": name,
        "id": str(uuid.uuid5(uuid.NAMESPACE_URL, name)),
        "level": "high",
        "correlation": body,
        **extra,
    }
