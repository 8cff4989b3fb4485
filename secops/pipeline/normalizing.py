"""The worker's view of the normalize stage: records in, (records, event) groups out.

Consecutive auditd records of one ``audit(time:serial)`` id from one source become
one event (the normalize stage joins them); the event takes the id of the group's
first record, so a replay of the same records yields the same document id. A group
split by a batch boundary becomes two events.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

from secops.records import RawRecord

Event = dict[str, Any]
Group = tuple[list[RawRecord], Event]

try:
    from secops.normalize import normalize, normalize_many
    from secops.normalize.auditd import audit_id
except ImportError:  # the normalize stage is absent from this installation
    normalize = None  # type: ignore[assignment]
    normalize_many = None  # type: ignore[assignment]

    def audit_id(text: str) -> str | None:
        return None


def _fallback(record: RawRecord) -> Event:
    original = record.message if record.message is not None else str(record.structured)
    ts = time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.received_at))
    return {
        "@timestamp": f"{ts}.{int(record.received_at * 1000) % 1000:03d}Z",
        "message": original,
        "event": {"original": original, "dataset": "unparsed"},
        "tags": ["unparsed"],
    }


def _groups(records: Sequence[RawRecord]) -> list[list[RawRecord]]:
    out: list[list[RawRecord]] = []
    key: tuple[str, object] | None = None
    for record in records:
        aid = audit_id(record.message) if record.message else None
        this = (aid, record.source) if aid is not None else None
        if this is not None and this == key:
            out[-1].append(record)
        else:
            out.append([record])
        key = this
    return out


def normalize_batch(records: Sequence[RawRecord]) -> list[Group]:
    """One event per record, or per group of auditd records."""
    if normalize is None or normalize_many is None:
        return [([r], _fallback(r)) for r in records]
    out: list[Group] = []
    for group in _groups(records):
        event = normalize(group[0]) if len(group) == 1 else normalize_many(group)[0]
        out.append((group, event))
    return out


def is_unparsed(event: Event) -> bool:
    tags = event.get("tags")
    return isinstance(tags, list) and "unparsed" in tags
