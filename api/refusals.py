"""Anonymous callers' refused requests are counted and summarised, not recorded one each.

Anyone can send requests that are refused (no or bad credentials, a malformed login,
a body too large, a locked address); recording each one would let anyone grow the
audit trail at will. So a refused request of an anonymous caller (HTTP 4xx, no caller
admitted) is counted per client address in windows of ``interval`` seconds: the first
refusal of a window is recorded at once (a lone probe is seen), the rest as one summary
entry with their count when the window ends (at a periodic flush, or at shutdown).
That is at most two entries per address per window. Every refusal is also counted in
``secops_api_anonymous_refusals_total``. At most ``max_addresses`` windows are kept;
beyond them, addresses share one window under the name ``other``.
"""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field
from functools import lru_cache

from prometheus_client import Counter as PromCounter

from secops.accounting import process_metrics

ACTION = "api.anonymous_refused"
OTHER = "other"


@dataclass(frozen=True)
class Summary:
    """What one audit entry says: ``count`` refusals from ``address``, by route and status."""

    address: str
    count: int
    routes: dict[str, int]
    first: bool  # the window's first refusal, recorded at once


@dataclass
class _Window:
    started: float
    pending: Counter[str] = field(default_factory=Counter)  # since the entry at its start


@lru_cache(maxsize=1)
def refusal_counter() -> PromCounter:
    return PromCounter(
        "secops_api_anonymous_refusals",
        "Requests of anonymous callers refused with a 4xx (summarised in the audit trail)",
        ["status"],
        registry=process_metrics().registry,
    )


class RefusalSummary:
    """Per-address windows of refused anonymous requests; thread-safe."""

    def __init__(self, *, interval: float, max_addresses: int = 10_000) -> None:
        self.interval = interval
        self.max_addresses = max_addresses
        self._windows: dict[str, _Window] = {}
        self._lock = threading.Lock()

    def note(self, *, address: str | None, route: str, status: int, now: float) -> list[Summary]:
        """Count one refusal; the summaries to record now (the window's first refusal)."""
        refusal_counter().labels(status=str(status)).inc()
        key = address or "unknown"
        with self._lock:
            if key not in self._windows and len(self._windows) >= self.max_addresses:
                key = OTHER
            window = self._windows.get(key)
            if window is None or now - window.started >= self.interval:
                ended = self._close(key) if window is not None else []
                self._windows[key] = _Window(started=now)
                return [*ended, Summary(key, 1, {route: 1}, first=True)]
            window.pending[route] += 1
            return []

    def due(self, now: float) -> list[Summary]:
        """The summaries of windows that have ended, which are closed."""
        with self._lock:
            ended = [k for k, w in self._windows.items() if now - w.started >= self.interval]
            return [s for key in ended for s in self._close(key)]

    def drain(self) -> list[Summary]:
        """The summaries of every window, ended or not (at shutdown)."""
        with self._lock:
            return [s for key in list(self._windows) for s in self._close(key)]

    def _close(self, key: str) -> list[Summary]:
        window = self._windows.pop(key)
        if not window.pending:
            return []
        count = sum(window.pending.values())
        return [Summary(key, count, dict(window.pending), first=False)]
