"""HTTP ingest: request bodies into raw records, appended durably; at-least-once.

Bodies are NDJSON (one JSON object a line), a JSON array of objects (or one
object), or plain text lines. A line that is not a JSON object is not refused: it
is kept as a raw text record tagged ``ingest_error`` and listed in the answer, so
the sender learns of it and nothing it sent is lost. The answer is given only
after the records are in the spool. Origins are ``http:<key>:<batch>:<line>``;
a sender that repeats a request with the same ``Idempotency-Key`` produces the
same record ids, so the store keeps each event once.

A body is parsed as it streams in and its records go to the spool in batches of
at most ``BATCH_RECORDS`` records (or ``BATCH_BYTES``), so a request holds a
bounded number of records, whatever its size. A text line longer than the record
cap is cut; a JSON line is parsed whole (the body limit bounds it) and then each
of its strings longer than the cap is cut: such a record is flagged truncated
with its original size. A spool that fills up part way answers 503 after the
first batches were stored: a retry with the same ``Idempotency-Key`` stores each
record once.
"""

from __future__ import annotations

import re
import uuid
from typing import Any

import orjson
from pydantic import BaseModel, ConfigDict

from collectors.json_array import BrokenArrayError, elements
from collectors.lines import Line, LineSplitter
from collectors.records import decode
from secops.errors import InvalidInputError, SpoolFullError, UnavailableError
from secops.records import (
    DEFAULT_MAX_RECORD_BYTES,
    RawRecord,
    Source,
    cap_strings,
    drop_split_character,
    truncation_flags,
    utf8_head,
)
from secops.spool import RecordSink

MAX_ERRORS_LISTED = 100
BATCH_RECORDS = 1000
BATCH_BYTES = 4 << 20
# Python objects cost more than their JSON text: a batch's weight counts this much
# per record on top of its bytes, so that many tiny records also end a batch.
RECORD_OVERHEAD = 512
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


class IngestStream:
    """One request body, fed in chunks; records go to ``sink`` in bounded batches.

    ``feed`` as the body arrives, then ``close`` for the answer. Both block on the
    spool (call them from a worker thread); a full spool raises UnavailableError.
    """

    def __init__(
        self,
        *,
        sink: RecordSink,
        media: str,
        format_hint: str | None,
        source: Source,
        batch: str,
        received_at: float,
        max_record_bytes: int = DEFAULT_MAX_RECORD_BYTES,
        max_json_bytes: int = 10 << 20,
    ) -> None:
        self.sink = sink
        self.media = media
        self.format_hint = format_hint
        self.source = source
        self.received_at = received_at
        self.max_record_bytes = max_record_bytes
        self._prefix = f"http:{source.application}:{batch}"
        # Text lines are kept up to the cap; JSON lines whole, up to the body limit.
        keep = max_json_bytes if media in NDJSON_TYPES else max_record_bytes
        self._lines = LineSplitter(keep) if media not in JSON_TYPES else None
        self._json = bytearray()  # a JSON document is parsed once complete
        self._pending: list[RawRecord] = []
        self._pending_weight = 0
        self.accepted = 0
        self.rejected = 0
        self.errors: list[LineError] = []

    def feed(self, chunk: bytes) -> None:
        if self._lines is None:
            self._json += chunk
            return
        for line in self._lines.feed(chunk):
            self._line(line)

    def close(self) -> IngestResult:
        if self._lines is None:
            self._document(bytes(self._json))
            self._json.clear()
        else:
            for line in self._lines.finish():
                self._line(line)
        self._flush()
        return IngestResult(accepted=self.accepted, rejected=self.rejected, errors=self.errors)

    # -- records -------------------------------------------------------------

    def _line(self, line: Line) -> None:
        if not line.data.strip():
            return
        if self.media in TEXT_TYPES or line.truncated:
            # A JSON line past the body limit cannot be whole: kept as cut text.
            error = None if self.media in TEXT_TYPES else "the JSON line exceeds the body limit"
            self._text(line.number, line.data, line.size, error)
            return
        self._json_item(line.number, line.data)

    def _json_item(self, number: int, raw: bytes) -> None:
        try:
            obj = orjson.loads(raw)
        except orjson.JSONDecodeError as exc:
            self._text(number, raw, len(raw), f"invalid JSON: {exc}")
            return
        if isinstance(obj, dict):
            self._structured(number, obj, len(raw))
        else:
            error = f"a JSON object was expected, not {type(obj).__name__}"
            self._text(number, raw, len(raw), error)

    def _structured(self, number: int, obj: dict[str, Any], size: int) -> None:
        cut = cap_strings(obj, self.max_record_bytes)
        record = RawRecord(
            source=self.source,
            received_at=self.received_at,
            structured=obj,
            format_hint=self.format_hint,
            origin=f"{self._prefix}:{number}",
            extra=truncation_flags(size if cut else None),
        )
        self.accepted += 1
        self._add(record, min(size, self.max_record_bytes))

    def _text(self, number: int, raw: bytes, size: int, error: str | None = None) -> None:
        head = utf8_head(raw, self.max_record_bytes)
        if size > len(head):  # cut here or by the line splitter: whole characters only
            head = drop_split_character(head)
        message, replaced = decode(head)
        extra = truncation_flags(size if size > len(head) else None)
        if error:
            extra["ingest_error"] = error
            self.rejected += 1
            if len(self.errors) < MAX_ERRORS_LISTED:
                self.errors.append(LineError(line=number, error=error))
        else:
            self.accepted += 1
        if replaced:
            extra["invalid_utf8"] = True
        record = RawRecord(
            source=self.source,
            received_at=self.received_at,
            message=message,
            format_hint=self.format_hint,
            origin=f"{self._prefix}:{number}",
            extra=extra,
        )
        self._add(record, len(head))

    def _add(self, record: RawRecord, size: int) -> None:
        self._pending.append(record)
        self._pending_weight += size + RECORD_OVERHEAD
        if len(self._pending) >= BATCH_RECORDS or self._pending_weight >= BATCH_BYTES:
            self._flush()

    def _flush(self) -> None:
        if not self._pending:
            return
        try:
            self.sink.append(self._pending)
        except SpoolFullError as exc:
            raise UnavailableError(
                "the spool is full; retry later", retry_after=SPOOL_FULL_RETRY_AFTER
            ) from exc
        self._pending = []
        self._pending_weight = 0

    # -- a JSON document -----------------------------------------------------

    def _document(self, body: bytes) -> None:
        stripped = body.lstrip(b" \t\r\n")
        start = len(body) - len(stripped)
        if stripped[:1] == b"[":
            self._array(body, start)
            return
        try:
            doc = orjson.loads(body)
        except orjson.JSONDecodeError as exc:
            raise InvalidInputError(f"the body is not JSON: {exc}") from exc
        if not isinstance(doc, dict):
            raise InvalidInputError("a JSON body must be an object or an array of objects")
        self._structured(1, doc, len(body))

    def _array(self, body: bytes, start: int) -> None:
        number = 0
        try:
            for begin, end in elements(body, start):
                number += 1
                self._json_item(number, body[begin:end].strip(b" \t\r\n"))
        except BrokenArrayError as exc:
            # What follows the last complete element is kept, cut and tagged.
            tail = body[exc.start :].strip(b" \t\r\n")
            error = "invalid JSON: the array is not closed, or text follows it"
            self._text(number + 1, tail, len(tail), error)
