"""Alerts for the console tests, written as detection writes them."""

from __future__ import annotations

from secops.alerts.service import write_alerts
from secops.context import Context
from secops.detect.models import RuleMatch, RuleMeta
from secops.store.events import write_events


def ssh_match(n: int, *, level: str, ts: str = "2025-03-01T10:00:00Z") -> RuleMatch:
    rule = RuleMeta(
        id=f"rule-{level}-{n}",
        name=f"ssh_failed_login_{n}",
        title=f"{level} {n}",
        level=level,  # type: ignore[arg-type]
        tags=("attack.credential-access", "attack.t1110"),
        logsource={"product": "linux", "service": "sshd"},
    )
    event = {
        "@timestamp": ts,
        "event": {"kind": "event", "category": ["authentication"], "outcome": "failure"},
        "host": {"name": "LabSZ"},
        "user": {"name": f"user{n}"},
        "source": {"ip": "183.62.140.253", "port": 40000 + n},
        "message": f"Failed password for user{n} from 183.62.140.253 port {40000 + n} ssh2",
    }
    event["event"]["original"] = (  # type: ignore[index]
        f"<38>Mar  1 10:00:00 LabSZ sshd[2413]: {event['message']}"
    )
    return RuleMatch(rule=rule, event=event, event_id=f"ev-{n}")


def seed(ctx: Context, *levels: str, ts: list[str] | None = None) -> list[str]:
    """An alert per level, the n-th about user<n> (at ``ts[n]``, else 2025-03-01T10:00Z),
    with its event stored."""
    ids: list[str] = []
    for n, level in enumerate(levels):
        match = ssh_match(n, level=level, **({"ts": ts[n]} if ts else {}))
        write_events(ctx.es, ctx.names, [(match.event_id, match.event)])
        ids += write_alerts(ctx, [match]).created
    ctx.es.indices.refresh(index=ctx.names.alerts)
    ctx.es.indices.refresh(index=ctx.names.events_pattern, ignore_unavailable=True)
    return ids
