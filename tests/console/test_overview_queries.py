"""What the overview and the queue ask of the alerts service: confidential alerts, and
the ATT&CK tactics of recent alerts."""

from __future__ import annotations

from secops.alerts import query
from secops.alerts.models import AlertFilter
from secops.context import Context

from .alerts_seed import seed


def test_confidential_filter_and_tactics(ctx: Context) -> None:
    plain, secret = seed(ctx, "low", "high")
    ctx.es.update(index=ctx.names.alerts, id=secret, doc={"confidential": True}, refresh=True)
    only = query.search_alerts(ctx, flt=AlertFilter(confidential=True))
    assert [a.id for a in only.items] == [secret]
    others = query.search_alerts(ctx, flt=AlertFilter(confidential=False))
    assert [a.id for a in others.items] == [plain]
    stats = query.alert_stats(ctx)
    assert {b.key: b.count for b in stats.by_tactic} == {"credential-access": 2}
