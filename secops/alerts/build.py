"""Alert documents from detection matches: pure functions, no I/O.

An alert's id is a hash of what makes it one alert, so a replay of the same
events writes the same ids and never duplicates an alert:

- grouped (the default): rule id + group key + start of the grouping window the
  first event falls in; repeated matches inside the window update one alert;
- ungrouped (window 0, or the rule tagged ``secops.group_by.none``): rule id + event id.

Repeated correlation matches of one group fold the same way: one alert per
correlation rule, group key and window, counting the events and how many times
the correlation fired. Each firing carries a key (its first event and start), so
a replayed firing is recognised even once the alert holds more event ids than
it keeps.

What happens to new activity after an alert was resolved: see `generations`.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from secops.alerts.models import AlertDoc, AlertKind, Correlation, RulePart, Threat
from secops.definitions import RISK_SCORE, SEVERITY_RANK
from secops.detect.models import CorrelationMatch, RuleMatch, RuleMeta

DEFAULT_GROUP_BY = ("host.name", "user.name", "source.ip")
LIFTED = ("host.name", "user.name", "source.ip", "destination.ip")
# the person and document context the enrichment stage adds, lifted the same way
LIFTED_CONTEXT = (
    "user.id",
    "user.full_name",
    "parliament.document.id",
    "parliament.document.classification",
    "parliament.document.committee",
    "parliament.vote.ballot_id",
)
GROUP_TAG = "secops.group_by."
CONFIDENTIAL_TAG = "secops.confidentiality"
MAX_EVENTS_KEPT = 5  # trimmed copies of the first matching events
MAX_FIRE_KEYS = 1000  # keys of the correlation firings an alert remembers
_MAX_STRING = 1024


@dataclass(frozen=True)
class Grouping:
    """How matches become alerts: the window in seconds (0 = one per event) and fields."""

    window: int
    fields_by_rule: dict[str, list[str]]

    def fields_for(self, rule: RuleMeta) -> tuple[str, ...] | None:
        """The group-by fields of ``rule``; None when the rule is not grouped."""
        configured = self.fields_by_rule.get(rule.id) or (
            self.fields_by_rule.get(rule.name) if rule.name else None
        )
        if configured:
            return tuple(configured)
        tagged = tuple(t[len(GROUP_TAG) :] for t in rule.tags if t.startswith(GROUP_TAG))
        if "none" in tagged or self.window == 0:
            return None
        return tagged or DEFAULT_GROUP_BY


def get_path(doc: dict[str, Any], path: str) -> Any:
    """Value at a dotted ECS path, whether the document nests objects or dots keys."""
    if path in doc:
        return doc[path]
    node: Any = doc
    parts = path.split(".")
    for i, part in enumerate(parts):
        if not isinstance(node, dict):
            return None
        if part in node:
            node = node[part]
            continue
        rest = ".".join(parts[i:])
        return node.get(rest)
    return node


def _digest(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:32]


def parse_time(value: Any) -> datetime:
    if isinstance(value, datetime):
        return value if value.tzinfo else value.replace(tzinfo=UTC)
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
        except ValueError:
            pass
    return datetime.now(UTC)


def parse_threat(tags: tuple[str, ...]) -> tuple[list[str], list[str], list[str]]:
    """ATT&CK tactics and techniques from Sigma tags, and the remaining tags."""
    tactics: list[str] = []
    techniques: list[str] = []
    other: list[str] = []
    for tag in tags:
        ns, _, value = tag.partition(".")
        if ns.lower() != "attack" or not value:
            other.append(tag)
        elif value[:1].lower() == "t" and value[1:2].isdigit():
            techniques.append(value.upper())
        elif value[:1].lower() in ("g", "s") and value[1:2].isdigit():
            other.append(tag)  # groups and software: kept as plain tags
        elif value[:2].lower() == "ds" and value[2:3].isdigit():
            other.append(tag)  # data sources (attack.ds0005): not a tactic either
        else:
            tactics.append(value.lower())
    return tactics, techniques, other


def is_confidential(rule: RuleMeta) -> bool:
    """Only the rule's own tag says so: a parliament rule about e-voting integrity or
    SQL injection is not about confidentiality, whatever its folder or logsource."""
    return CONFIDENTIAL_TAG in rule.tags


def trim(value: Any, depth: int = 0) -> Any:
    """A copy small enough to keep inside an alert: long strings cut, deep nesting dropped."""
    if isinstance(value, str):
        return value if len(value) <= _MAX_STRING else value[:_MAX_STRING] + "…"
    if depth > 8:
        return None
    if isinstance(value, dict):
        return {k: trim(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list):
        return [trim(v, depth + 1) for v in value[:50]]
    return value


def _rule_part(rule: RuleMeta) -> RulePart:
    return RulePart(
        id=rule.id,
        name=rule.name,
        title=rule.title,
        description=rule.description,
        level=rule.level,
        tags=list(rule.tags),
        path=rule.path,
        kind=rule.kind,
    )


def _base(rule: RuleMeta, *, kind: AlertKind, now: datetime) -> dict[str, Any]:
    """The fields every new alert of ``rule`` starts with (its triage fields blank)."""
    tactics, techniques, other = parse_threat(rule.tags)
    return {
        "kind": kind,
        "rule": _rule_part(rule),
        "severity": rule.level,
        "severity_rank": SEVERITY_RANK[rule.level],
        "risk_score": RISK_SCORE[rule.level],
        "status": "new",
        "resolution": None,
        "assignee": None,
        "tags": other,
        "threat": Threat(tactics=tactics, techniques=techniques),
        "logsource": dict(rule.logsource),
        "confidential": is_confidential(rule),
        "created_at": now,
        "updated_at": now,
        "history": [],
        "comments": [],
    }


def _lifted(value_at: Callable[[str], Any]) -> dict[str, dict[str, Any]]:
    """The fields of ``LIFTED`` and ``LIFTED_CONTEXT`` that are present, nested."""
    parts: dict[str, dict[str, Any]] = {}
    for path in LIFTED + LIFTED_CONTEXT:
        value = value_at(path)
        if value is not None:
            *heads, leaf = path.split(".")
            node = parts
            for head in heads:
                node = node.setdefault(head, {})
            node[leaf] = value
    return parts


def _finish(fields: dict[str, Any], alert_id: str) -> AlertDoc:
    doc = AlertDoc(**fields, alert_id=alert_id, summary="")
    doc.summary = summarize(doc)
    return doc


def _window_start(ts: datetime, window: int) -> int:
    epoch = int(ts.timestamp())
    return epoch - epoch % window if window else epoch


def _group_key(group: dict[str, Any]) -> str:
    return "|".join(f"{k}={'' if v is None else v}" for k, v in sorted(group.items()))


def from_rule_match(
    match: RuleMatch, *, grouping: Grouping, kind: AlertKind = "detection", now: datetime
) -> tuple[str, AlertDoc]:
    """(alert id, document) for one single-event match."""
    rule, event = match.rule, match.event
    ts = parse_time(get_path(event, "@timestamp"))
    fields = grouping.fields_for(rule)
    if fields is None:
        group: dict[str, Any] = {}
        alert_id = _digest(rule.id, match.event_id)
    else:
        group = {f: get_path(event, f) for f in fields}
        window_start = _window_start(ts, grouping.window)
        alert_id = _digest(rule.id, _group_key(group), str(window_start))
    doc = _finish(
        {
            **_base(rule, kind=kind, now=now),
            "@timestamp": ts,
            "group": group,
            "group_key": _group_key(group) if group else None,
            "count": 1,
            "first_seen": ts,
            "last_seen": ts,
            "event_ids": [match.event_id],
            "events": [trim(event)],
            **_lifted(lambda path: get_path(event, path)),
        },
        alert_id,
    )
    return alert_id, doc


def from_correlation(
    match: CorrelationMatch,
    *,
    grouping: Grouping,
    kind: AlertKind = "correlation",
    now: datetime,
) -> tuple[str, AlertDoc]:
    """(alert id, document) for one correlation that fired."""
    first, last = parse_time(match.first_seen), parse_time(match.last_seen)
    key = _group_key(match.group)
    window_start = _window_start(first, grouping.window or 1)
    alert_id = _digest(match.rule.id, key, str(window_start))
    doc = _finish(
        {
            **_base(match.rule, kind=kind, now=now),
            "@timestamp": first,
            "group": dict(match.group),
            "group_key": key,
            "count": len(match.event_ids),
            "first_seen": first,
            "last_seen": last,
            "event_ids": list(match.event_ids),
            "events": [],
            "correlation": Correlation(
                type=match.correlation_type,
                value=match.value,
                base_rules=list(match.base_rules),
                fires=1,
                fire_keys=[_digest(match.first_seen, *match.event_ids[:1])[:16]],
                **({"field": match.counted, "values": list(match.values)} if match.counted else {}),
            ),
            # the group's values first, then who and what completed the match
            **_lifted(lambda path: match.group.get(path, match.subject.get(path))),
        },
        alert_id,
    )
    return alert_id, doc


def _duration(seconds: float) -> str:
    seconds = max(0, int(seconds))
    if seconds < 60:
        return f"{seconds}s"
    if seconds < 3600:
        return f"{seconds // 60}m"
    return f"{seconds // 3600}h{(seconds % 3600) // 60:02d}m"


def _papers(doc: AlertDoc) -> str:
    """``of secret defence papers`` when the alert is about documents, else empty."""
    document = doc.parliament.document if doc.parliament else None
    if document is None or not (document.classification or document.committee):
        return ""
    words = " ".join(
        "/".join(map(str, w)) if isinstance(w, list) else str(w)
        for w in (document.classification, document.committee)
        if w
    )
    return f"of {words} papers"


def summarize(doc: AlertDoc) -> str:
    """One line a triager reads at 3 a.m.: what, how often, who, from where, to where, how long.

    e.g. ``SSH brute force: 12 events by root from 183.62.140.253 on LabSZ in 4m``.
    """
    title = doc.rule.title
    parts: list[str] = []
    corr = doc.correlation
    fires = corr.fires if corr else 1
    measured = corr is not None and corr.value is not None
    if corr and corr.value is not None:
        value = corr.value
        shown = int(value) if float(value).is_integer() else round(value, 2)
        last = (
            f"{shown} distinct {corr.field}"
            if corr.field
            else f"{shown} ({corr.type.replace('_', ' ')})"
        )
        parts.append(f"fired {fires} times, last {last}," if fires > 1 else last)
    if doc.count > 1 and (fires > 1 or not measured):
        parts.append(f"{doc.count} events")
    papers = _papers(doc)
    if papers:
        parts.append(papers)
    user = (doc.user.full_name or doc.user.name or doc.user.id) if doc.user else None
    if user:
        parts.append(f"by {user}")
    source = doc.source.ip if doc.source else None
    if source:
        parts.append(f"from {source}")
    host = doc.host.name if doc.host else None
    destination = doc.destination.ip if doc.destination else None
    if host:
        parts.append(f"on {host}")
    elif destination:
        parts.append(f"to {destination}")
    span = (doc.last_seen - doc.first_seen).total_seconds()
    if doc.count > 1 and span > 0:
        parts.append(f"in {_duration(span)}")
    return f"{title}: {' '.join(parts)}" if parts else title


def _fire_keys(doc: AlertDoc) -> list[str]:
    return list(doc.correlation.fire_keys) if doc.correlation else []


def fresh_part(existing: AlertDoc, draft: AlertDoc) -> AlertDoc | None:
    """``draft`` less what ``existing`` already holds; None when all of it is a replay.

    An event id already held is a replay; so is a correlation firing whose key is held,
    whatever its event ids (an alert keeps at most ``alert_max_event_ids`` of them).
    """
    held = set(existing.event_ids)
    ids = [e for e in draft.event_ids if e not in held]
    # A draft folded from many matches may count more events than it lists ids.
    count = max(len(ids), draft.count - (len(draft.event_ids) - len(ids)))
    keys = _fire_keys(draft)
    if keys and draft.correlation is not None:
        held_keys = set(_fire_keys(existing))
        new_keys = [k for k in keys if k not in held_keys]
        if not new_keys:
            return None
        correlation = draft.correlation.model_copy(
            update={"fire_keys": new_keys, "fires": len(new_keys)}
        )
        return draft.model_copy(
            update={"event_ids": ids, "count": count, "correlation": correlation}
        )
    if not ids:
        return None
    return draft.model_copy(update={"event_ids": ids, "count": count})


def _merge_correlation(existing: AlertDoc, draft: Correlation) -> Correlation:
    old = existing.correlation
    keys = _fire_keys(existing) + list(draft.fire_keys)
    return draft.model_copy(
        update={
            "base_rules": sorted(set(old.base_rules if old else []) | set(draft.base_rules)),
            "fires": (old.fires if old else 1) + draft.fires,
            "fire_keys": keys[-MAX_FIRE_KEYS:],
        }
    )


def merge(existing: AlertDoc, draft: AlertDoc, *, max_event_ids: int) -> bool:
    """Fold ``draft`` (a new match of the same alert) into ``existing``; False if nothing new.

    What `fresh_part` calls a replay changes nothing. Triage fields are left alone.
    """
    part = fresh_part(existing, draft)
    if part is None:
        return False
    held = len(set(existing.event_ids))
    existing.count += part.count
    existing.event_ids = existing.event_ids + part.event_ids[: max(0, max_event_ids - held)]
    existing.events = (existing.events + draft.events)[:MAX_EVENTS_KEPT]
    existing.first_seen = min(existing.first_seen, draft.first_seen)
    existing.last_seen = max(existing.last_seen, draft.last_seen)
    if part.correlation is not None:
        existing.correlation = _merge_correlation(existing, part.correlation)
    existing.updated_at = draft.updated_at
    existing.summary = summarize(existing)
    return True
