"""Source accounting kept in the state index, and the auditors' question: who went silent?

Each source has one ``source_stats`` state document (id from a hash of the source
key) with its cumulative counters and first/last seen, written every few seconds
and at stop. A new run seeds its counters from these documents.
"""

from __future__ import annotations

import hashlib
import time
from typing import Any

from pydantic import BaseModel

from secops.accounting.counters import OUTCOMES, SourceAccounting, SourceCounts, SourceKey
from secops.context import Context
from secops.store.client import StoreClient
from secops.store.names import IndexNames
from secops.store.state import iter_states, put_states

KIND = "source_stats"


class SourceStatus(BaseModel):
    input: str
    host: str
    application: str
    received: int
    parsed: int
    unparsed: int
    indexed: int
    deadlettered: int
    dropped: int
    truncated: int = 0
    first_seen: float | None
    last_seen: float | None
    silent_for_seconds: float | None


def _doc_key(key: SourceKey) -> str:
    return hashlib.blake2b("\x00".join(key).encode(), digest_size=12).hexdigest()


def save_sources(es: StoreClient, names: IndexNames, accounting: SourceAccounting) -> int:
    """Write every source's counters; returns how many sources were written."""
    items: dict[str, dict[str, Any]] = {}
    for key, counts in accounting.snapshot().items():
        data: dict[str, Any] = {"input": key[0], "host": key[1], "application": key[2]}
        data.update(counts.as_dict())
        items[_doc_key(key)] = data
    put_states(es, names, kind=KIND, items=items)
    return len(items)


def load_sources(es: StoreClient, names: IndexNames, accounting: SourceAccounting) -> int:
    """Seed ``accounting`` with the totals saved by earlier runs."""
    n = 0
    for _, data in iter_states(es, names, kind=KIND):
        counts = SourceCounts(
            **{name: int(data.get(name) or 0) for name in OUTCOMES},
            first_seen=data.get("first_seen"),
            last_seen=data.get("last_seen"),
        )
        accounting.seed((data["input"], data["host"], data["application"]), counts)
        n += 1
    return n


def list_sources(
    ctx: Context, *, now: float | None = None, silent_after: float | None = None
) -> list[SourceStatus]:
    """Every source ever heard from, the longest silent first; with ``silent_after``,
    only those silent for longer than that many seconds (a source that was counted
    but never heard from has no last_seen and is left out then)."""
    now = time.time() if now is None else now
    out = []
    for _, data in iter_states(ctx.es, ctx.names, kind=KIND):
        last = data.get("last_seen")
        silent = None if last is None else max(0.0, now - float(last))
        if silent_after is not None and (silent is None or silent <= silent_after):
            continue
        out.append(SourceStatus(**data, silent_for_seconds=silent))
    out.sort(key=lambda s: -(s.silent_for_seconds if s.silent_for_seconds is not None else 1e18))
    return out
