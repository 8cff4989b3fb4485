"""The detection and alert hooks of the pipeline, and the no-op default.

A :class:`Detector` sees every batch of events before they are stored and returns
the matches they raise; it writes nothing. The pipeline hands the matches to an
:class:`AlertWriter`, which builds, groups, suppresses and stores the alerts
(deterministic ids: a replayed batch raises no alert twice). A stateful detector
(correlation windows) returns its state from ``snapshot``; the worker saves it
together with the spool position it belongs to and hands it back to ``restore``
at start, so windows survive a restart.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

from secops.detect.models import Match


class Detector(Protocol):
    def detect(self, events: Sequence[dict[str, Any]]) -> list[Match]:
        """Matches raised by ``events`` (in order of arrival); no I/O of its own."""
        ...

    def snapshot(self) -> dict[str, Any] | None:
        """State to checkpoint with the spool position, None when stateless."""
        ...

    def restore(self, state: dict[str, Any]) -> None:
        """Resume from a snapshot saved by an earlier run."""
        ...


class AlertWriter(Protocol):
    def write(self, matches: Sequence[Match]) -> object:
        """Store the alerts of ``matches``; idempotent. Raises on a store failure."""
        ...


class NoDetection:
    """No rules: no matches, no state."""

    def detect(self, events: Sequence[dict[str, Any]]) -> list[Match]:
        return []

    def snapshot(self) -> dict[str, Any] | None:
        return None

    def restore(self, state: dict[str, Any]) -> None:
        return None
