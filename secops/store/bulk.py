"""Bulk ``create`` with deterministic ids, retried until every document is decided.

Each document ends in one of three states: created (201), already there (409, a
replay; counts as delivered) or rejected as malformed (any other 4xx), which the
caller sends to the dead-letter index. Throttling (429), server errors (5xx) and
connection failures are retried under a `RetryPolicy` (capped, jittered
exponential backoff), for the whole request or for the affected documents alone,
until they succeed, the policy's attempts are spent or ``stop`` is set; then
StoreError is raised and nothing is reported as delivered.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import orjson
from elasticsearch import ApiError, Elasticsearch
from elasticsearch import TransportError as ESTransportError

from secops.errors import StoreError
from secops.retry import RetryPolicy

log = logging.getLogger(__name__)

_FILTER = "errors,items.*.status,items.*.error.type,items.*.error.reason"


@dataclass(frozen=True, slots=True)
class Doc:
    index: str
    id: str
    source: dict[str, Any]


@dataclass(frozen=True, slots=True)
class Rejected:
    doc: Doc
    status: int
    error_type: str
    reason: str


@dataclass
class BulkResult:
    created: int = 0
    existed: int = 0
    rejected: list[Rejected] = field(default_factory=list)
    retries: int = 0


def _retryable(status: int) -> bool:
    return status == 429 or status >= 500


def _encode(docs: Sequence[Doc], rejected: list[Rejected]) -> tuple[bytes, list[Doc]]:
    """The NDJSON body, and the documents it holds (those that serialise)."""
    parts: list[bytes] = []
    sent: list[Doc] = []
    for doc in docs:
        try:
            body = orjson.dumps(doc.source, option=orjson.OPT_NON_STR_KEYS)
        except TypeError as exc:
            rejected.append(Rejected(doc, 0, "serialization_exception", str(exc)))
            continue
        parts.append(
            b'{"create":{"_index":"%s","_id":"%s"}}\n' % (doc.index.encode(), doc.id.encode())
        )
        parts.append(body + b"\n")
        sent.append(doc)
    return b"".join(parts), sent


def bulk_create(
    es: Elasticsearch,
    docs: Sequence[Doc],
    *,
    policy: RetryPolicy | None = None,
    stop: threading.Event | None = None,
    on_retry: Callable[[str], None] | None = None,
) -> BulkResult:
    """Create ``docs`` (ids are deterministic); see the module docstring for the outcomes."""
    policy = policy or RetryPolicy()
    stop = stop or threading.Event()
    result = BulkResult()
    pending = list(docs)
    attempt = 0
    while pending:
        body, sent = _encode(pending, result.rejected)
        if not sent:
            break
        cause, pending = _send(es, body, sent, result)
        if cause is None:
            return result
        attempt += 1
        if policy.exhausted(attempt):
            raise StoreError(
                f"gave up after {attempt} tries with {len(pending)} documents undelivered",
                where="bulk",
            )
        result.retries += 1
        if on_retry is not None:
            on_retry(cause)
        delay = policy.delay(attempt - 1)
        log.warning(
            "bulk: %d documents to retry (%s), next try in %.2fs", len(pending), cause, delay
        )
        if stop.wait(delay):
            raise StoreError(f"stopped with {len(pending)} documents undelivered", where="bulk")
    return result


def _send(
    es: Elasticsearch, body: bytes, sent: list[Doc], result: BulkResult
) -> tuple[str | None, list[Doc]]:
    """One bulk request: the retry cause (None when every document is decided) and
    the documents to send again."""
    try:
        # a ready NDJSON body: the client sends bytes as they are
        resp = es.bulk(operations=body, filter_path=_FILTER)  # type: ignore[arg-type]
    except ApiError as exc:
        status = exc.meta.status
        cause = str(status) if _retryable(status) else f"request rejected {status}"
        if not _retryable(status):
            log.error("bulk request rejected as a whole (%s): %s", status, exc)
        return cause, sent
    except (ESTransportError, OSError) as exc:
        log.debug("bulk: %s", exc)
        return "connection", sent
    if not resp.get("errors"):
        result.created += len(sent)
        return None, []
    again: list[Doc] = []
    for doc, item in zip(sent, resp["items"], strict=True):
        op = item["create"]
        status = op["status"]
        if status < 300:
            result.created += 1
        elif status == 409:
            result.existed += 1
        elif _retryable(status):
            again.append(doc)
        else:
            err = op.get("error") or {}
            result.rejected.append(
                Rejected(doc, status, str(err.get("type", "")), str(err.get("reason", "")))
            )
    return ("documents" if again else None), again
