"""normalize(record) → one ECS event; normalize_many groups auditd records of one id."""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import orjson

from secops.normalize import auditd
from secops.normalize.base import Event
from secops.normalize.registry import PARSERS, detect_text, parse_object
from secops.records import ORIGINAL_SIZE, TRUNCATED, RawRecord
from secops.times import iso_millis

# starts only at a token start: unanchored, "type=type=..." is rescanned from each one
_AUDIT_START = re.compile(r"(?<!\S)(?:node=\S+ )?type=\S+ msg=audit\(")


def _source(record: RawRecord) -> dict[str, str]:
    src = record.source
    out = {"input": src.input}
    if src.host is not None:
        out["host"] = src.host
    if src.address is not None:
        out["address"] = src.address
    if src.application is not None:
        out["application"] = src.application
    return out


def _original(record: RawRecord) -> str:
    if record.message is not None:
        return record.message
    if record.structured is not None:
        return orjson.dumps(record.structured).decode()
    return ""


def _base(record: RawRecord, original: str) -> Event:
    event: Event = {
        "@timestamp": iso_millis(record.received_at),
        "message": original,
        "event": {"kind": "event", "original": original},
        "secops": {"source": _source(record)},
    }
    if record.source.host:
        event["host"] = {"name": record.source.host}
    return event


def unparsed(record: RawRecord, error: str | None = None) -> Event:
    """The event of a record no parser understood (or whose parser failed)."""
    original = _original(record)
    event = _base(record, original)
    ev = event["event"]
    ev["dataset"] = "unparsed"
    ev["category"] = []
    ev["type"] = ["info"]
    event["tags"] = ["unparsed"]
    if error is not None:
        event["error"] = {"message": error}
    return event


def _parse(record: RawRecord, event: Event) -> bool:
    hinted = PARSERS.get(record.format_hint) if record.format_hint else None
    if record.structured is not None:
        if hinted is not None and hinted.structured is not None:
            if hinted.structured(record.structured, event, record):
                event["event"].setdefault("dataset", hinted.dataset)
                return True
            event = _reset(record, event)
        return parse_object(record.structured, event, record)
    text = record.message
    if not text:
        return False
    if text[-1:] in ("\n", "\r"):
        text = text.rstrip("\r\n")
    if hinted is not None and hinted.text is not None and hinted.text(text, event, record):
        event["event"].setdefault("dataset", hinted.dataset)
        return True
    parser = detect_text(text, event, record)
    if parser is None:
        return False
    event["event"].setdefault("dataset", parser.dataset)
    return True


def _reset(record: RawRecord, event: Event) -> Event:
    fresh = _base(record, event["event"]["original"])
    event.clear()
    event.update(fresh)
    return event


def _mark_truncated(record: RawRecord, event: Event) -> Event:
    """Tag the event of a record a collector cut at the size cap; keep its original size."""
    if not record.extra.get(TRUNCATED):
        return event
    tags = event.get("tags")
    if not isinstance(tags, list):
        tags = event["tags"] = []
    if "record_truncated" not in tags:
        tags.append("record_truncated")
    size = record.extra.get(ORIGINAL_SIZE)
    secops = event.setdefault("secops", {})
    if isinstance(size, int) and isinstance(secops, dict):
        secops["original_size"] = max(size, secops.get("original_size", 0))
    return event


def normalize(record: RawRecord) -> dict[str, Any]:
    """One ECS event for ``record``; never raises (unknown or broken input → ``unparsed``)."""
    return _mark_truncated(record, _normalize(record))


def _normalize(record: RawRecord) -> Event:
    try:
        event = _base(record, _original(record))
        if not _parse(record, event):
            return unparsed(record)
        ev = event["event"]
        if "category" not in ev:
            ev["category"] = ["host"]
        if "type" not in ev:
            ev["type"] = ["info"]
        return event
    except Exception as exc:  # a parser bug must not lose the record
        return unparsed(record, f"{type(exc).__name__}: {exc}")


def _audit_group(records: list[RawRecord]) -> Event:
    first = normalize(records[0])
    if first["event"].get("dataset") != "linux.auditd":
        return first
    try:
        bodies = []
        for r in records:
            text = r.message or ""
            m = _AUDIT_START.search(text)
            bodies.append(text[m.start() :].rstrip("\r\n") if m else text)
        auditd.build(bodies, first)
        original = "\n".join(r.message or "" for r in records)
        first["event"]["original"] = original
        first["message"] = "\n".join(bodies)
        for r in records[1:]:
            _mark_truncated(r, first)
    except Exception as exc:
        first.setdefault("error", {"message": f"{type(exc).__name__}: {exc}"})
    return first


def normalize_many(records: Iterable[RawRecord]) -> list[dict[str, Any]]:
    """Normalise in order; consecutive auditd records of one ``audit(time:serial)`` id
    (from the same source) become one event."""
    out: list[Event] = []
    group: list[RawRecord] = []
    group_key: tuple[str, object] | None = None
    for record in records:
        aid = auditd.audit_id(record.message) if record.message else None
        key = (aid, record.source) if aid is not None else None
        if key is not None and key == group_key:
            group.append(record)
            continue
        if group:
            out.append(_audit_group(group) if len(group) > 1 else normalize(group[0]))
        group, group_key = [record], key
    if group:
        out.append(_audit_group(group) if len(group) > 1 else normalize(group[0]))
    return out
