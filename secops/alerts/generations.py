"""New activity after resolution: a successor alert, linked to the resolved one.

As Elastic Security and TheHive do, new activity after an alert was resolved
raises a new alert rather than reopening the old one behind the operator's
back. When a match would fold into a resolved alert, the events that alert does
not hold yet go to its successor ``<first id>-<generation>`` (``…-1``, ``…-2``):
it starts ``new``, with ``previous_alert_id`` naming the resolved alert, which
records ``superseded_by`` and a history entry and keeps its triage untouched.

Once superseded, an alert sends new activity down the chain even if it is
reopened, so the newest generation is the one live alert of a chain. Events that
any alert of the chain holds are replays and change nothing; the ids are
deterministic, so a replay finds the same successors.
"""

from __future__ import annotations

from datetime import datetime

from secops.alerts.build import summarize
from secops.alerts.models import AlertDoc, HistoryEntry, Status

SYSTEM_ACTOR = "system:alerts"


def is_closed_to_activity(doc: AlertDoc) -> bool:
    """Whether new activity skips this alert for its successor: resolved, or superseded."""
    return doc.status == Status.resolved or bool(doc.superseded_by)


def successor_id(alert_id: str, generation: int) -> str:
    """``<first id>-<generation>``: deterministic, so a replay finds the same successor."""
    return f"{alert_id.partition('-')[0]}-{generation}"


def successor(previous_id: str, previous: AlertDoc, draft: AlertDoc) -> tuple[str, AlertDoc]:
    """(id, document) of the alert that takes ``draft``'s new activity after ``previous``."""
    generation = previous.generation + 1
    alert_id = previous.superseded_by or successor_id(previous_id, generation)
    doc = draft.model_copy(
        update={
            "alert_id": alert_id,
            "generation": generation,
            "previous_alert_id": previous_id,
            "status": Status.new,
            "resolution": None,
            "history": [],
            "comments": [],
        }
    )
    doc.summary = summarize(doc)
    return alert_id, doc


def mark_superseded(doc: AlertDoc, *, by_id: str, now: datetime) -> None:
    """Record on a resolved alert that its new activity went to ``by_id``."""
    doc.superseded_by = by_id
    entry = HistoryEntry(
        at=now,
        by=SYSTEM_ACTOR,
        field="superseded_by",
        old=None,
        new=by_id,
        reason="new activity after resolution",
    )
    doc.history = [*doc.history, entry]
