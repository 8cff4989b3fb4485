"""What every channel gets: the alert's essentials, and how a channel is shaped."""

from __future__ import annotations

from typing import Any, Protocol

from secops.alerts.build import get_path


class Channel(Protocol):
    name: str

    def send(self, alert_id: str, alert: dict[str, Any]) -> None:
        """Deliver ``alert`` (the document as stored) or raise; the dispatcher retries."""


def essentials(alert_id: str, alert: dict[str, Any]) -> dict[str, Any]:
    """The fields a notification carries (never the events themselves)."""
    return {
        "id": alert_id,
        "summary": alert.get("summary"),
        "severity": alert.get("severity"),
        "risk_score": alert.get("risk_score"),
        "kind": alert.get("kind"),
        "rule": {"id": get_path(alert, "rule.id"), "title": get_path(alert, "rule.title")},
        "first_seen": alert.get("first_seen"),
        "last_seen": alert.get("last_seen"),
        "count": alert.get("count"),
        "host": get_path(alert, "host.name"),
        "user": get_path(alert, "user.name"),
        "source_ip": get_path(alert, "source.ip"),
        "threat": alert.get("threat"),
    }
