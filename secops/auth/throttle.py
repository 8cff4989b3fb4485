"""Lockout after repeated failures, per account and address, and per address.

A key (``user:<name>@<ip>``, an account as tried from one address, or ``addr:<ip>``)
counts failures; from the threshold on, each failure locks the key for 2, 4, 8 ...
seconds, up to ``lockout_max_seconds``. Counting is by claimed name, so an unknown
name locks exactly like a real one and the lockout tells nothing about who exists.
Counters are documents of the state index, updated with seq_no/primary_term, so every
API node sees the same. A counter whose last failure is older than the longest delay
starts again at 0.
"""

from __future__ import annotations

import contextlib
import hashlib
import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from elasticsearch import ConflictError as ESConflictError
from elasticsearch import NotFoundError as ESNotFoundError

from secops.context import Context
from secops.errors import RateLimitedError, StoreError

_KIND = "auth_throttle"
_ATTEMPTS = 10


@dataclass(frozen=True)
class Counter:
    failures: int
    last_failure: datetime | None
    locked_until: datetime | None


def _doc_id(key: str) -> str:
    # A claimed name is anything a caller sends; a digest keeps the id within the store's
    # 512-byte limit whatever its length or script.
    if len(key) > 200 or not key.isascii():
        key = "sha256:" + hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()
    return f"{_KIND}:{key}"


def _read(ctx: Context, key: str) -> tuple[Counter, dict[str, Any] | None]:
    try:
        resp = ctx.es.get(index=ctx.names.state, id=_doc_id(key))
    except ESNotFoundError:
        return Counter(0, None, None), None
    data = resp["_source"].get("data") or {}
    counter = Counter(
        failures=int(data.get("failures", 0)),
        last_failure=_dt(data.get("last_failure")),
        locked_until=_dt(data.get("locked_until")),
    )
    return counter, {"if_seq_no": resp["_seq_no"], "if_primary_term": resp["_primary_term"]}


def _dt(value: str | None) -> datetime | None:
    return datetime.fromisoformat(value) if value else None


def delay_seconds(failures: int, *, threshold: int, max_seconds: int) -> int:
    """0 below the threshold, then 2^(failures - threshold + 1), capped."""
    if failures < threshold:
        return 0
    exponent = failures - threshold + 1
    return max_seconds if exponent >= 30 else min(2**exponent, max_seconds)


def check(ctx: Context, *, keys: list[str], now: datetime) -> None:
    """RateLimitedError when any of ``keys`` is locked at ``now``."""
    waits = []
    for key in keys:
        counter, _ = _read(ctx, key)
        if counter.locked_until and counter.locked_until > now:
            waits.append((counter.locked_until - now).total_seconds())
    if waits:
        raise RateLimitedError(
            "too many failed attempts; try again later", retry_after=math.ceil(max(waits))
        )


def record_failure(
    ctx: Context, *, key: str, threshold: int, max_seconds: int, now: datetime
) -> Counter:
    """Count one failure of ``key``; the counter after it (locked_until set when locked)."""
    for _ in range(_ATTEMPTS):
        counter, cas = _read(ctx, key)
        failures = counter.failures
        stale = counter.last_failure and now - counter.last_failure > timedelta(seconds=max_seconds)
        if stale and not (counter.locked_until and counter.locked_until > now):
            failures = 0
        failures += 1
        delay = delay_seconds(failures, threshold=threshold, max_seconds=max_seconds)
        updated = Counter(failures, now, now + timedelta(seconds=delay) if delay else None)
        doc = {
            "kind": _KIND,
            "key": key,
            "updated_at": now.isoformat(),
            "data": {
                "failures": updated.failures,
                "last_failure": now.isoformat(),
                "locked_until": updated.locked_until.isoformat() if updated.locked_until else None,
            },
        }
        try:
            if cas is None:
                ctx.es.create(index=ctx.names.state, id=_doc_id(key), document=doc)
            else:
                ctx.es.index(index=ctx.names.state, id=_doc_id(key), document=doc, **cas)
        except ESConflictError:
            continue  # another attempt counted at the same time: count on top of it
        return updated
    raise StoreError("failure counter kept changing under concurrent updates", where=key)


def clear(ctx: Context, *, key: str) -> None:
    with contextlib.suppress(ESNotFoundError):
        ctx.es.delete(index=ctx.names.state, id=_doc_id(key))
