"""The detection hook of the pipeline, and the no-op default.

A :class:`Detector` sees every batch of events before they are stored and returns
the alerts they raise, each with a deterministic id (so a replayed batch raises
no alert twice). A stateful detector (correlation windows) returns its state from
``snapshot``; the worker saves it together with the spool position it belongs to
and hands it back to ``restore`` at start, so windows survive a restart.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol


@dataclass(frozen=True, slots=True)
class AlertDoc:
    id: str  # deterministic: the same events give the same id
    document: dict[str, Any]


class Detector(Protocol):
    def detect(self, events: Sequence[dict[str, Any]]) -> list[AlertDoc]:
        """Alerts raised by ``events`` (in order of arrival)."""
        ...

    def snapshot(self) -> dict[str, Any] | None:
        """State to checkpoint with the spool position, None when stateless."""
        ...

    def restore(self, state: dict[str, Any]) -> None:
        """Resume from a snapshot saved by an earlier run."""
        ...


class NoDetection:
    """No rules: no alerts, no state."""

    def detect(self, events: Sequence[dict[str, Any]]) -> list[AlertDoc]:
        return []

    def snapshot(self) -> dict[str, Any] | None:
        return None

    def restore(self, state: dict[str, Any]) -> None:
        return None
