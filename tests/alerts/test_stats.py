"""What other domains ask of alerts: overdue, untriaged confidential, a period's figures."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from secops.alerts.models import AlertChange
from secops.alerts.service import get_alert, write_alerts
from secops.alerts.stats import overdue_alerts, period_figures, untriaged_confidential
from secops.alerts.triage import update_alert
from secops.context import Context

from .conftest import refresh
from .factories import SSH_RULE, ssh_match

CREATED = datetime(2025, 3, 1, 10, 0, tzinfo=UTC)
SECRET_RULE = SSH_RULE.model_copy(
    update={"level": "critical", "tags": ("secops.confidentiality",), "title": "Secret read"}
)


def _write(ctx: Context) -> tuple[str, str]:
    secret = write_alerts(ctx, [ssh_match(1, rule=SECRET_RULE, host="dms")], now=CREATED)
    routine = write_alerts(ctx, [ssh_match(2, host="bastion")], now=CREATED)
    refresh(ctx)
    return secret.created[0], routine.created[0]


def test_overdue_and_untriaged_name_new_alerts_past_their_time(ctx: Context) -> None:
    secret, _ = _write(ctx)
    late = CREATED + timedelta(hours=2)  # past the 15 minutes of a critical alert

    overdue = overdue_alerts(ctx, severities=["critical", "high"], now=late)
    assert overdue.total == 1
    assert [(a.id, a.severity, a.title) for a in overdue.oldest] == [
        (secret, "critical", "Secret read")
    ]
    assert overdue_alerts(ctx, severities=["critical"], now=CREATED).total == 0
    assert overdue_alerts(ctx, severities=["medium"], now=late).total == 0  # medium: 4 h

    untriaged = untriaged_confidential(ctx, created_before=late)
    assert [a.id for a in untriaged.oldest] == [secret]
    assert untriaged_confidential(ctx, created_before=CREATED).total == 0

    update_alert(
        ctx,
        alert_id=secret,
        change=AlertChange(status="acknowledged"),
        version=get_alert(ctx, alert_id=secret).version,
        by="ann",
    )
    refresh(ctx)
    assert overdue_alerts(ctx, severities=["critical"], now=late).total == 0
    assert untriaged_confidential(ctx, created_before=late).total == 0


def test_period_figures_count_the_alerts_created_in_the_period(ctx: Context) -> None:
    _write(ctx)
    start, end = CREATED - timedelta(hours=1), CREATED + timedelta(hours=1)

    figures = period_figures(ctx, start=start, end=end)
    assert figures.total == 2
    assert figures.by_severity == {"critical": 1, "medium": 1}
    assert figures.by_status == {"new": 2}
    assert figures.overdue_at_period_end == 1  # the critical one, 15 minutes past
    assert (figures.acknowledged, figures.mtta_seconds) == (0, None)

    assert period_figures(ctx, start=end, end=end + timedelta(hours=1)).total == 0
