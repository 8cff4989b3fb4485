"""A correlation firing again and again for one group folds into one alert per window."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from secops.alerts.service import get_alert, write_alerts
from secops.context import Context
from secops.detect.models import CorrelationMatch

from .conftest import refresh
from .factories import brute_match

NOW = datetime(2025, 3, 1, 10, 10, tzinfo=UTC)
START = datetime(2025, 3, 1, 10, 0, tzinfo=UTC)


def _at(seconds: float) -> str:
    return (START + timedelta(seconds=seconds)).isoformat().replace("+00:00", "Z")


def _firings(failures: int, *, every: int = 10, spacing: float = 0.8) -> list[CorrelationMatch]:
    """What the engine emits for ``failures`` SSH failures: one firing per ``every``."""
    out = []
    for start in range(0, failures - every + 1, every):
        ids = [f"ev-{n}" for n in range(start, start + every)]
        out.append(
            brute_match(ids, first=_at(start * spacing), last=_at((start + every - 1) * spacing))
        )
    return out


def _alert_count(ctx: Context) -> int:
    refresh(ctx)
    return int(ctx.es.count(index=ctx.names.alerts)["count"])


def test_repeated_firings_fold_into_one_alert_with_counts(ctx: Context) -> None:
    firings = _firings(286)  # 286 failures in under 4 minutes
    assert len(firings) == 28
    created: list[str] = []
    for i in range(0, len(firings), 5):  # batches as the pipeline hands them over
        created += write_alerts(ctx, firings[i : i + 5], now=NOW).created
    assert len(created) == 1
    assert _alert_count(ctx) == 1
    alert = get_alert(ctx, alert_id=created[0])
    assert alert.count == 280
    assert alert.correlation is not None
    assert alert.correlation.fires == 28
    assert alert.summary.startswith(
        "SSH brute force: fired 28 times, last 10 (event count), 280 events from 183.62.140.253"
    )
    # A replay (a restart re-reading the spool) counts nothing twice, past the id cap too.
    assert len(alert.event_ids) == ctx.settings.alert_max_event_ids < 280
    for i in range(0, len(firings), 5):
        again = write_alerts(ctx, firings[i : i + 5], now=NOW)
        assert (again.created, again.updated) == ([], [])
    assert get_alert(ctx, alert_id=created[0]).version == alert.version


def test_one_alert_per_group_and_window(ctx: Context) -> None:
    window = ctx.settings.alert_group_window_seconds
    firings = _firings(100, spacing=window / 60)  # 100 failures over ~1.6 windows
    other = brute_match(["x-1", "x-2"]).model_copy(
        update={"group": {"source.ip": "10.9.9.9", "host.name": "LabSZ"}}
    )
    report = write_alerts(ctx, [*firings, other], now=NOW)
    assert len(report.created) == 3
    counts = sorted(get_alert(ctx, alert_id=i).count for i in report.created)
    assert sum(counts) == 102
    assert counts[0] == 2
