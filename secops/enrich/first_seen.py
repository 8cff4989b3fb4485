"""Addresses a person acted from: is this one new within the look-back?

Bounded: at most ``capacity`` (person, address) pairs, the least recently seen
forgotten first. Event time, not wall-clock time, measures the look-back, so a
retro-import of last week judges as the live pipeline did. Only actions that did
not fail make an address familiar: failed logins from an attacker's address do
not make its later success look usual.

The state is a plain snapshot (JSON) that the worker checkpoints with the spool
position, beside the correlation windows.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any

DEFAULT_LOOKBACK_SECONDS = 30 * 86400
DEFAULT_CAPACITY = 200_000
# A later sighting of a known pair marks the state changed only past this many seconds:
# a checkpoint is written when something that matters for the look-back changed.
SETTLE_SECONDS = 3600.0


class FirstSeen:
    def __init__(
        self,
        *,
        lookback_seconds: float = DEFAULT_LOOKBACK_SECONDS,
        capacity: int = DEFAULT_CAPACITY,
    ) -> None:
        if capacity < 1:
            raise ValueError("capacity must be at least 1")
        self.lookback = lookback_seconds
        self.capacity = capacity
        self._last: OrderedDict[tuple[str, str], float] = OrderedDict()
        self.changed = False  # since the last snapshot was saved

    def __len__(self) -> int:
        return len(self._last)

    def check(self, person: str, address: str, at: float, *, remember: bool = True) -> bool:
        """Whether ``address`` is new for ``person`` at ``at`` (epoch seconds); with
        ``remember`` the sighting is recorded."""
        key = (person, address)
        last = self._last.get(key)
        first = last is None or at - last > self.lookback
        if remember:
            if last is None or at - last > SETTLE_SECONDS:
                self.changed = True
            self._last[key] = at if last is None else max(last, at)
            self._last.move_to_end(key)
            while len(self._last) > self.capacity:
                self._last.popitem(last=False)
        return first

    def snapshot(self) -> dict[str, Any]:
        return {"pairs": [[p, a, t] for (p, a), t in self._last.items()]}

    def restore(self, state: dict[str, Any]) -> None:
        self._last.clear()
        self.changed = False
        for item in state.get("pairs", [])[-self.capacity :]:
            person, address, at = item
            self._last[(str(person), str(address))] = float(at)
