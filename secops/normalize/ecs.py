"""Pass-through of events that already speak ECS (dataset kept, else ``ecs``).

A JSON object with ``@timestamp`` and at least one ECS top-level field. Dotted
keys are expanded into nested objects; ``event.original`` and ``secops.source``
are ours (a sender's ``secops`` object is dropped); ``event.ingested`` is
dropped (the store sets it).
"""

from __future__ import annotations

from typing import Any

from secops.normalize.base import FIELDS_TRUNCATED, Event, degrade, set_timestamp
from secops.normalize.timefmt import iso_from_iso
from secops.records import RawRecord
from secops.times import iso_millis

ECS_FIELDS = frozenset(
    (
        "agent", "client", "cloud", "container", "destination", "dns", "ecs", "error",
        "event", "file", "group", "host", "http", "log", "message", "network", "observer",
        "organization", "process", "registry", "related", "rule", "server", "service",
        "source", "tags", "threat", "url", "user", "user_agent", "labels",
    )
)  # fmt: skip


def looks_ecs(obj: dict[str, Any]) -> bool:
    """``@timestamp`` plus an ECS top-level field (nested or dotted)."""
    if "@timestamp" not in obj:
        return False
    return any(key.partition(".")[0] in ECS_FIELDS for key in obj)


# object levels a dotted key may open (Elasticsearch refuses documents deeper than 20)
MAX_DEPTH = 12


def expand_dotted(
    obj: dict[str, Any], *, depth: int = 0, capped: list[str] | None = None
) -> dict[str, Any]:
    """``{"a.b": 1, "a": {"c": 2}}`` → ``{"a": {"b": 1, "c": 2}}`` (recursively).

    A key that would open more than :data:`MAX_DEPTH` levels keeps its last parts
    joined by ``_`` (and is noted in ``capped``).
    """
    out: dict[str, Any] = {}
    for key, value in obj.items():
        parts = key.split(".") if "." in key and key != "@timestamp" else [key]
        room = max(MAX_DEPTH - depth, 1)
        if len(parts) > room:
            parts = [*parts[: room - 1], "_".join(parts[room - 1 :])]
            if capped is not None:
                capped.append(key[:100])
        if isinstance(value, dict):
            value = expand_dotted(value, depth=depth + len(parts), capped=capped)
        node = out
        for part in parts[:-1]:
            child = node.get(part)
            if not isinstance(child, dict):
                child = node[part] = {}
            node = child
        last = parts[-1]
        if isinstance(value, dict) and isinstance(node.get(last), dict):
            node[last] = _merge(node[last], value)
        else:
            node[last] = value
    return out


def _merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(base.get(key), dict):
            _merge(base[key], value)
        else:
            base[key] = value
    return base


def parse_structured(obj: dict[str, Any], event: Event, record: RawRecord) -> bool:
    """Merge an ECS-shaped object into ``event``."""
    if not looks_ecs(obj):
        return False
    capped: list[str] = []
    doc = expand_dotted(obj, capped=capped)
    doc.pop("secops", None)  # our namespace: a sender cannot write it
    ours_original = event["event"]["original"]
    ts = doc.pop("@timestamp")
    _merge(event, doc)
    ev = event["event"] if isinstance(event.get("event"), dict) else {}
    event["event"] = ev
    ev.setdefault("original", ours_original)
    ev.pop("ingested", None)
    ev.setdefault("dataset", "ecs")
    ev.setdefault("kind", "event")
    for key in ("category", "type"):
        if isinstance(ev.get(key), str):
            ev[key] = [ev[key]]
    if capped:
        degrade(event, FIELDS_TRUNCATED, f"keys nested deeper than {MAX_DEPTH}: {capped[0]!r}")
    if isinstance(ts, int | float):
        set_timestamp(event, iso_millis, ts / 1000 if ts > 1e11 else ts)
    else:
        set_timestamp(event, iso_from_iso, ts)
    return True
