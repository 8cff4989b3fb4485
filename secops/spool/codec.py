"""One spool line per record: the RawRecord fields as compact JSON, newline-terminated."""

from __future__ import annotations

from typing import Any

import orjson

from secops.records import RawRecord, Source


def encode(record: RawRecord) -> bytes:
    """The record as one line (ending in ``\\n``; JSON never holds a raw newline)."""
    src = record.source
    doc: dict[str, Any] = {
        "s": [src.input, src.host, src.address, src.application],
        "t": record.received_at,
    }
    if record.message is not None:
        doc["m"] = record.message
    if record.structured is not None:
        doc["d"] = record.structured
    if record.format_hint is not None:
        doc["f"] = record.format_hint
    if record.origin:
        doc["o"] = record.origin
    if record.extra:
        doc["x"] = record.extra
    return orjson.dumps(doc) + b"\n"


def decode(line: bytes, *, origin: str) -> RawRecord:
    """The record of one line; ``origin`` is used when the receiver left its own empty.

    Raises ValueError (orjson.JSONDecodeError, KeyError, TypeError wrapped) on a
    line that is not one we wrote.
    """
    try:
        doc = orjson.loads(line)
        inp, host, address, application = doc["s"]
        return RawRecord(
            source=Source(input=inp, host=host, address=address, application=application),
            received_at=float(doc["t"]),
            message=doc.get("m"),
            structured=doc.get("d"),
            format_hint=doc.get("f"),
            origin=doc.get("o") or origin,
            extra=doc.get("x") or {},
        )
    except (orjson.JSONDecodeError, KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"not a spool record: {exc}") from exc
