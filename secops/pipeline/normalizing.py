"""The worker's view of the normalize stage: records in, (records, event) groups out.

Consecutive auditd records of one ``audit(time:serial)`` id from one source become
one event (the normalize stage joins them); the event takes the id of the group's
first record, so a replay of the same records yields the same document id. A group
split by a batch boundary becomes two events.

Parse budget: a record whose normalising takes more than ``budget`` seconds of CPU
is stored unparsed and tagged ``parse_budget_exceeded`` (its parse already ran, but
its result is not trusted and the tag shows it). A record a previous process died
on, as the :class:`~secops.pipeline.parse_guard.ParseGuard` saw, is stored the same
way without being parsed again.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import Any

from secops.pipeline.parse_guard import ParseGuard
from secops.records import RawRecord
from secops.times import iso_millis

Event = dict[str, Any]
Group = tuple[list[RawRecord], Event]

PARSE_BUDGET = 2.0  # CPU seconds one record (or auditd group) may take to normalise
BUDGET_TAG = "parse_budget_exceeded"

try:
    from secops.normalize import normalize, normalize_many, unparsed
    from secops.normalize.auditd import audit_id
    from secops.normalize.base import degrade
except ImportError:  # the normalize stage is absent from this installation
    normalize = None  # type: ignore[assignment]
    normalize_many = None  # type: ignore[assignment]

    def audit_id(text: str) -> str | None:
        return None


def _fallback(record: RawRecord) -> Event:
    original = record.message if record.message is not None else str(record.structured)
    return {
        "@timestamp": iso_millis(record.received_at),
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


def _over_budget(group: list[RawRecord], why: str) -> Event:
    """The group stored unparsed (every record's text kept), tagged."""
    event = unparsed(group[0])
    if len(group) > 1:
        original = "\n".join(r.message or "" for r in group)
        event["message"] = event["event"]["original"] = original
    degrade(event, BUDGET_TAG, why)
    return event


def normalize_batch(
    records: Sequence[RawRecord],
    *,
    guard: ParseGuard | None = None,
    budget: float = PARSE_BUDGET,
    clock: Callable[[], float] = time.thread_time,
) -> list[Group]:
    """One event per record, or per group of auditd records.

    With a ``guard``, each group's id is noted while it is normalised, and a group
    the guard knows as poisoned (struck twice) is not parsed.
    """
    if normalize is None or normalize_many is None:
        return [([r], _fallback(r)) for r in records]
    out: list[Group] = []
    for group in _groups(records):
        if guard is not None:
            record_id = group[0].record_id()
            if guard.is_poisoned(record_id):
                why = "previous processes ended twice while normalising this record"
                out.append((group, _over_budget(group, why)))
                continue
            guard.enter(record_id)
        started = clock()
        event = normalize(group[0]) if len(group) == 1 else normalize_many(group)[0]
        spent = clock() - started
        if guard is not None:
            guard.parsed(record_id)
        if spent > budget:
            why = f"normalising took {spent:.1f} s of CPU (budget {budget:g} s)"
            event = _over_budget(group, why)
        out.append((group, event))
    if guard is not None:
        guard.leave()
    return out


def is_unparsed(event: Event) -> bool:
    tags = event.get("tags")
    return isinstance(tags, list) and "unparsed" in tags
