"""Reading ECS events: dotted field paths and event time."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

_MISSING = object()


def get_field(event: dict[str, Any], path: str) -> Any:
    """Value at a dotted ECS path (`source.ip`), or None when absent.

    A flat key holding the whole dotted name wins over the nested walk, since
    some producers send `{"source.ip": ...}` instead of nesting.
    """
    if path in event:
        return event[path]
    node: Any = event
    for part in path.split("."):
        if not isinstance(node, dict):
            return None
        node = node.get(part, _MISSING)
        if node is _MISSING:
            return None
    return node


def hashable(value: Any) -> Any:
    """A value usable as a dict key or set member (lists become tuples)."""
    if isinstance(value, list | tuple):
        return tuple(hashable(v) for v in value)
    if isinstance(value, dict):
        return tuple(sorted((k, hashable(v)) for k, v in value.items()))
    return value


def jsonable(value: Any) -> Any:
    """Inverse of `hashable` for tuples, so state survives a JSON round trip."""
    if isinstance(value, tuple):
        return [jsonable(v) for v in value]
    return value


def event_time(event: dict[str, Any]) -> float | None:
    """`@timestamp` as POSIX seconds; naive times are taken as UTC. None if unusable."""
    raw = event.get("@timestamp")
    if isinstance(raw, datetime):
        parsed = raw
    elif isinstance(raw, str):
        try:
            parsed = datetime.fromisoformat(raw)
        except ValueError:
            return None
    else:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=UTC)
    return parsed.timestamp()
