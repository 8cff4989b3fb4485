"""How many events each Sigma filter kept from each rule: matched by the rule, excluded by it."""

from __future__ import annotations

import threading


class FilterDrops:
    """Counts by (filter id, rule id), since the process started; safe across threads."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._counts: dict[tuple[str, str], int] = {}

    def add(self, filter_id: str, rule_id: str) -> None:
        key = (filter_id, rule_id)
        with self._lock:
            self._counts[key] = self._counts.get(key, 0) + 1

    def snapshot(self) -> dict[tuple[str, str], int]:
        with self._lock:
            return dict(self._counts)

    def by_filter(self) -> dict[str, dict[str, int]]:
        """Filter id -> rule id -> events dropped."""
        out: dict[str, dict[str, int]] = {}
        for (filter_id, rule_id), count in self.snapshot().items():
            out.setdefault(filter_id, {})[rule_id] = count
        return out
