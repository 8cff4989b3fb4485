"""The events one group of one correlation rule holds, in event-time order.

Semantics of the sliding window, in event time:

* the window ending at an event at time t holds the group's events in
  (t - timespan, t]; it is evaluated whenever an event arrives, so a burst that
  straddles any fixed bucket boundary is still seen whole;
* an event arriving out of order is inserted at its place, and every window it
  falls into (those ending at t .. t + timespan) is evaluated again;
* when the condition holds, the rule fires once for that window and the group's
  window restarts after the last contributing event (the *fence*): events at or
  before the fence belong to the episode already reported and are ignored. A
  long brute force therefore yields one alert per `threshold` fresh events,
  not one per event once the threshold is reached.
"""

from __future__ import annotations

import bisect
import math
from dataclasses import dataclass, field
from typing import Any

# (event time, arrival sequence, event id, index of the referenced rule, measured value);
# the sequence is unique, so tuples sort by time then arrival and never compare further.
Entry = tuple[float, int, str, int, Any]


@dataclass
class GroupState:
    entries: list[Entry] = field(default_factory=list)
    ids: set[tuple[int, str]] = field(default_factory=set)  # (rule index, event id) held
    fence: float = -math.inf  # events at or before this were part of a fired window
    latest: float = -math.inf  # newest event time seen for this group

    def holds_id(self, source: int, event_id: str) -> bool:
        return (source, event_id) in self.ids

    def add(self, entry: Entry) -> None:
        bisect.insort(self.entries, entry)
        self.ids.add((entry[3], entry[2]))
        self.latest = max(self.latest, entry[0])

    def drop_until(self, horizon: float) -> None:
        """Forget events at or before `horizon`: no window still to evaluate can hold them."""
        cut = bisect.bisect_right(self.entries, (horizon, math.inf))
        for entry in self.entries[:cut]:
            self.ids.discard((entry[3], entry[2]))
        del self.entries[:cut]

    def window(self, end: float, timespan: float) -> list[Entry]:
        """Events in (max(end - timespan, fence), end]."""
        start = max(end - timespan, self.fence)
        lo = bisect.bisect_right(self.entries, (start, math.inf))
        hi = bisect.bisect_right(self.entries, (end, math.inf))
        return self.entries[lo:hi]

    def window_ends(self, ts: float, timespan: float) -> list[float]:
        """Distinct event times ending a window that contains an event at `ts`, oldest first."""
        lo = bisect.bisect_left(self.entries, (ts, -1))
        hi = bisect.bisect_left(self.entries, (ts + timespan, -1))
        return sorted({entry[0] for entry in self.entries[lo:hi]})

    def close(self, end: float) -> None:
        """The window ending at `end` fired: the next one starts after it."""
        self.fence = max(self.fence, end)
        self.drop_until(end)
