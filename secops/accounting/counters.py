"""Per-source counters: what each system sent and what became of it.

A source is (input, host, application). Counters are updated once per batch
under one lock (callers aggregate a batch first), so the cost per record is a
dict increment without locking.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from secops.records import RawRecord, Source

# truncated: records cut at the record-size cap (kept and stored, tagged record_truncated).
OUTCOMES = ("received", "parsed", "unparsed", "indexed", "deadlettered", "dropped", "truncated")

SourceKey = tuple[str, str, str]  # input, host, application ("" when unknown)


def source_key(source: Source) -> SourceKey:
    # A syslog peer names no host until its message is parsed: key it by its address.
    return (source.input, source.host or source.address or "", source.application or "")


@dataclass
class SourceCounts:
    received: int = 0
    parsed: int = 0
    unparsed: int = 0
    indexed: int = 0
    deadlettered: int = 0
    dropped: int = 0
    truncated: int = 0
    first_seen: float | None = None
    last_seen: float | None = None

    def add(self, other: Mapping[str, int]) -> None:
        for name, n in other.items():
            setattr(self, name, getattr(self, name) + n)

    def as_dict(self) -> dict[str, int | float | None]:
        out: dict[str, int | float | None] = {name: getattr(self, name) for name in OUTCOMES}
        out["first_seen"] = self.first_seen
        out["last_seen"] = self.last_seen
        return out


class SourceAccounting:
    """Thread-safe counters of every source seen by this process."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: dict[SourceKey, SourceCounts] = {}

    def add(
        self, deltas: Mapping[SourceKey, Mapping[str, int]], *, seen_at: float | None = None
    ) -> None:
        """Add one batch of counts; ``seen_at`` (default now) marks the sources as heard
        from when the deltas include records received from them."""
        now = time.time() if seen_at is None else seen_at
        with self._lock:
            for key, delta in deltas.items():
                counts = self._counts.get(key)
                if counts is None:
                    counts = self._counts[key] = SourceCounts()
                counts.add(delta)
                if delta.get("received") or delta.get("dropped"):
                    if counts.first_seen is None:
                        counts.first_seen = now
                    counts.last_seen = now

    def received(self, records: Iterable[RawRecord]) -> None:
        self.add(_count(records, "received"))

    def dropped(self, records: Iterable[RawRecord]) -> None:
        """Records refused on purpose (UDP overflow, full spool with no push-back)."""
        self.add(_count(records, "dropped"))

    def dropped_from(self, source: Source, n: int = 1) -> None:
        """``n`` records of ``source`` refused before a record existed (a UDP datagram)."""
        self.add({source_key(source): {"dropped": n}})

    def seed(self, key: SourceKey, counts: SourceCounts) -> None:
        """Start from totals kept by an earlier run (counters stay monotonic)."""
        with self._lock:
            current = self._counts.get(key)
            if current is None:
                self._counts[key] = counts
                return
            current.add({name: getattr(counts, name) for name in OUTCOMES})
            if counts.first_seen is not None:
                current.first_seen = min(current.first_seen or counts.first_seen, counts.first_seen)
            if counts.last_seen is not None:
                current.last_seen = max(current.last_seen or counts.last_seen, counts.last_seen)

    def snapshot(self) -> dict[SourceKey, SourceCounts]:
        """A consistent copy of every source's counts."""
        with self._lock:
            return {
                key: SourceCounts(
                    **{n: getattr(c, n) for n in OUTCOMES},
                    first_seen=c.first_seen,
                    last_seen=c.last_seen,
                )
                for key, c in self._counts.items()
            }


def _count(records: Iterable[RawRecord], outcome: str) -> dict[SourceKey, dict[str, int]]:
    out: dict[SourceKey, dict[str, int]] = {}
    last: Source | None = None
    bucket: dict[str, int] = {}
    for record in records:
        if record.source is not last:
            last = record.source
            bucket = out.setdefault(source_key(last), {outcome: 0})
        bucket[outcome] += 1
    return out
