"""HTTP ingest: request bodies into raw records, appended durably; at-least-once.

Bodies are NDJSON (one JSON object a line), a JSON array of objects (or one
object), or plain text lines. A line that is not a JSON object is not refused: it
is kept as a raw text record tagged ``ingest_error`` and listed in the answer, so
the sender learns of it and nothing it sent is lost. The answer is given only
after the records are in the spool. Origins are ``http:<key>:<batch>:<line>``;
a sender that repeats a request with the same ``Idempotency-Key`` produces the
same record ids, so the store keeps each event once.
"""

from __future__ import annotations

import re
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import orjson
from pydantic import BaseModel, ConfigDict

from collectors.records import decode
from secops.errors import InvalidInputError, SpoolFullError, UnavailableError
from secops.records import RawRecord, Source
from secops.spool import RecordSink

MAX_ERRORS_LISTED = 100
SPOOL_FULL_RETRY_AFTER = 5.0
FORMAT_PATTERN = r"^[a-z0-9][a-z0-9_.-]{0,63}$"
_IDEMPOTENCY_KEY = re.compile(r"^[A-Za-z0-9_.:-]{1,128}$")

NDJSON_TYPES = frozenset({"application/x-ndjson", "application/ndjson", "application/jsonl"})
JSON_TYPES = frozenset({"application/json"})
TEXT_TYPES = frozenset({"text/plain"})


class LineError(BaseModel):
    model_config = ConfigDict(extra="forbid")

    line: int  # 1-based line (NDJSON, text) or array position + 1 (JSON array)
    error: str


class IngestResult(BaseModel):
    """What happened to a body: ``rejected`` lines are kept as tagged raw records."""

    model_config = ConfigDict(extra="forbid")

    accepted: int
    rejected: int
    errors: list[LineError]


def batch_id(idempotency_key: str | None) -> str:
    """The sender's idempotency key when it gave a valid one, else a fresh id."""
    if idempotency_key is None:
        return uuid.uuid4().hex
    if not _IDEMPOTENCY_KEY.match(idempotency_key):
        raise InvalidInputError(
            "Idempotency-Key must be 1-128 characters of letters, digits, '_', '.', ':', '-'"
        )
    return idempotency_key


def media_type(content_type: str | None) -> str:
    media = (content_type or "").split(";", 1)[0].strip().lower()
    if media in NDJSON_TYPES | JSON_TYPES | TEXT_TYPES:
        return media
    raise InvalidInputError(
        f"unsupported Content-Type {media or '(none)'!r}; "
        "use application/x-ndjson, application/json or text/plain"
    )


def _lines(body: bytes) -> Iterator[tuple[int, bytes]]:
    for number, line in enumerate(body.split(b"\n"), start=1):
        line = line.rstrip(b"\r")
        if line.strip():
            yield number, line


def parse_body(
    body: bytes,
    *,
    media: str,
    format_hint: str | None,
    source: Source,
    batch: str,
    received_at: float,
) -> tuple[list[RawRecord], list[LineError]]:
    """Records of a body, and the lines that were kept only as tagged text."""
    records: list[RawRecord] = []
    errors: list[LineError] = []
    prefix = f"http:{source.application}:{batch}"

    def structured(number: int, obj: dict[str, Any]) -> None:
        records.append(
            RawRecord(
                source=source,
                received_at=received_at,
                structured=obj,
                format_hint=format_hint,
                origin=f"{prefix}:{number}",
            )
        )

    def text(number: int, raw: bytes, error: str | None = None) -> None:
        message, replaced = decode(raw)
        extra: dict[str, Any] = {}
        if error:
            extra["ingest_error"] = error
            errors.append(LineError(line=number, error=error))
        if replaced:
            extra["invalid_utf8"] = True
        records.append(
            RawRecord(
                source=source,
                received_at=received_at,
                message=message,
                format_hint=format_hint,
                origin=f"{prefix}:{number}",
                extra=extra,
            )
        )

    if media in TEXT_TYPES:
        for number, line in _lines(body):
            text(number, line)
    elif media in NDJSON_TYPES:
        for number, line in _lines(body):
            try:
                obj = orjson.loads(line)
            except orjson.JSONDecodeError as exc:
                text(number, line, f"invalid JSON: {exc}")
                continue
            if isinstance(obj, dict):
                structured(number, obj)
            else:
                text(number, line, f"a JSON object was expected, not {type(obj).__name__}")
    else:
        _parse_json(body, structured, text)
    return records, errors


def _parse_json(
    body: bytes,
    structured: Callable[[int, dict[str, Any]], None],
    text: Callable[[int, bytes, str], None],
) -> None:
    try:
        doc = orjson.loads(body)
    except orjson.JSONDecodeError as exc:
        raise InvalidInputError(f"the body is not JSON: {exc}") from exc
    if isinstance(doc, dict):
        structured(1, doc)
        return
    if not isinstance(doc, list):
        raise InvalidInputError("a JSON body must be an object or an array of objects")
    for number, item in enumerate(doc, start=1):
        if isinstance(item, dict):
            structured(number, item)
        else:
            error = f"a JSON object was expected, not {type(item).__name__}"
            text(number, orjson.dumps(item), error)


def ingest(
    *,
    sink: RecordSink,
    body: bytes,
    content_type: str | None,
    format_hint: str | None,
    source: Source,
    idempotency_key: str | None = None,
) -> IngestResult:
    """Parse ``body`` and append its records durably; the spool full is a 503 to retry."""
    media = media_type(content_type)
    records, errors = parse_body(
        body,
        media=media,
        format_hint=format_hint,
        source=source,
        batch=batch_id(idempotency_key),
        received_at=time.time(),
    )
    if records:
        try:
            sink.append(records)
        except SpoolFullError as exc:
            raise UnavailableError(
                "the spool is full; retry later", retry_after=SPOOL_FULL_RETRY_AFTER
            ) from exc
    return IngestResult(
        accepted=len(records) - len(errors),
        rejected=len(errors),
        errors=errors[:MAX_ERRORS_LISTED],
    )
